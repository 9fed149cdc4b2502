"""What runs before any conversation: the ban list, the log, flood control, an open ticket.

Each gate either lets the update through or ends its handling with
ApplicationHandlerStop, so nothing later in the chain ever sees it.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from telegram import Chat, Message, Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, MessageHandler, TypeHandler, filters

from bot import desk_texts, texts
from bot.albums import relay
from bot.context import BotContext, Services, Work
from bot.handlers.desk import card_changed, notice
from bot.hotpath import log_message, upsert_customer
from bot.message_kinds import loggable_text, message_kind
from bot.queries import still_waiting_key
from handoff.service import customer_message
from handoff.sla import current_deadline, read_tier
from storage.models import Ticket
from storage.repositories import find_link_by_customer_message, kv_get, kv_set
from storage.timestamps import utcnow


async def stop_banned(update: Update, context: BotContext) -> None:
    """End the handling of anything a user on the BANNED_USER_IDS list sends."""
    user = update.effective_user
    if user is not None and user.id in context.services.settings.banned_user_ids:
        raise ApplicationHandlerStop


def _private_chat(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == Chat.PRIVATE


async def record_customer(update: Update, context: BotContext) -> None:
    """Remember the customer (stop here if banned), their open ticket, and log what they sent."""
    user = update.effective_user
    if user is None or user.is_bot or not _private_chat(update):
        return
    work = context.work
    session = work.session
    customer = await upsert_customer(
        session,
        user_id=user.id,
        first_name=user.first_name,
        last_name=user.last_name,
        username=user.username,
        language_code=user.language_code,
    )
    if customer.banned:
        raise ApplicationHandlerStop
    work.customer = customer
    work.ticket_id = customer.open_ticket_id
    if update.message is not None:
        work.incoming_id = await log_incoming(work, update.message)
    elif update.callback_query is not None:
        query = update.callback_query
        work.incoming_id = await log_message(
            session,
            customer_id=user.id,
            direction="in",
            kind="callback",
            chat_id=user.id,
            text=query.data,
            ticket_id=work.ticket_id,
            telegram_message_id=query.message.message_id if query.message else None,
            update_id=work.update_id,
        )


async def log_incoming(work: Work, message: Message) -> int:
    """Log what the customer sent (or what an edit made of it); return the row's id."""
    return await log_message(
        work.session,
        customer_id=work.customer_id,
        direction="in",
        kind=message_kind(message),
        chat_id=message.chat_id,
        text=loggable_text(message),
        ticket_id=work.ticket_id,
        telegram_message_id=message.message_id,
        update_id=work.update_id,
        media_group_id=message.media_group_id,
    )


async def stop_flood(update: Update, context: BotContext) -> None:
    """Answer a flood with one notice, then stay silent until the customer slows down.

    Edits count as messages (each is read again and answered anew), and button presses are
    counted on their own (each category or page pressed sends a message): else either was a
    flood no limit held back.
    """
    work = context.work
    if work.customer is None:
        return
    query = update.callback_query
    if query is not None:
        # A press carries no time of its own: this process's clock, on a track of its own,
        # so as not to mix it with Telegram's dates of messages.
        key = (work.customer.id, "press")
        verdict = context.services.flood.check(key, str(update.update_id), at=time.time())
        if verdict != "ok":
            said = texts.FLOOD_NOTICE if verdict == "notice" else None
            work.answer_callback(query.id, said)  # else the button spins
            raise ApplicationHandlerStop
        return
    message = update.message or update.edited_message
    if message is None:
        return
    if work.ticket_id is not None and not (
        update.message is not None and _OWN_WHILE_OPEN.check_update(update)
    ):
        # A customer with an open ticket talks to a person: twelve screenshots in a row all
        # reach the topic (the outgoing rate limiter paces the copies, nothing is dropped).
        # What the bot answers itself (/help, /start, the keyboard's buttons) is counted.
        return
    event = message.media_group_id or str(update.update_id)
    at = (message.edit_date or message.date).timestamp()
    verdict = context.services.flood.check(work.customer.id, event, at=at)
    if verdict == "ok":
        return
    if verdict == "notice":
        await work.reply(texts.FLOOD_NOTICE)
    raise ApplicationHandlerStop


async def relay_to_ticket(update: Update, context: BotContext) -> None:
    """While a ticket is open, copy whatever the customer sends into its topic."""
    work = context.work
    message = update.message
    if message is None or work.ticket_id is None or work.customer is None:
        return
    copied = message.media_group_id is not None and await find_link_by_customer_message(
        work.session,
        customer_chat_id=message.chat_id,
        customer_message_id=message.message_id,
        direction="to_agents",
    )
    if not copied:  # an album item may have gone along with the album's first item
        await relay(work, work.ticket_id, message)
    wrote = await customer_message(work.session, ticket_id=work.ticket_id)
    ticket = wrote.ticket
    if ticket is not None and not copied:
        await _tell_still_waiting(work, context.services, ticket)
    if ticket is not None and wrote.unblocked:
        notice(work, ticket, desk_texts.CUSTOMER_UNBLOCKED)
    if ticket is not None and wrote.changed:
        card_changed(work, ticket.id)  # whose turn it is; blocked no more
    raise ApplicationHandlerStop


# A customer writing before any answer («؟؟؟», «کسی نیست؟», at night) heard nothing at all:
# they are told their words were added and when the answer is due, once in this long.
STILL_WAITING_EVERY = timedelta(minutes=30)


async def _tell_still_waiting(work: Work, services: Services, ticket: Ticket) -> None:
    # Before the first response; and after an escalation, before second line's reply.
    deadline = current_deadline(ticket)
    if deadline.met_at is not None or ticket.status in ("waiting", "closed"):
        return  # a person answers already, or it is the agent who waits for them
    now = utcnow()
    key = still_waiting_key(ticket.id)
    told = await kv_get(work.session, key)
    last = datetime.fromisoformat(told) if isinstance(told, str) else ticket.opened_at
    if deadline.clock == "l2" and ticket.escalated_at is not None:
        last = max(last, ticket.escalated_at)  # they were told of second line's deadline then
    if now - last < STILL_WAITING_EVERY:
        return  # told when it opened (or was escalated), or a moment ago
    await kv_set(work.session, key, now.isoformat())
    calendar = services.settings.calendar
    tier = read_tier(work.customer.tier) if work.customer is not None else None
    # Late, at night: not «soon», but when the desk opens.
    opens = calendar.next_open(tier or "standard", now) if calendar is not None else now
    await work.reply(texts.still_waiting(ticket.id, deadline.due, now, opens))


# Commands and buttons that keep their meaning while a ticket is open.
_OWN_WHILE_OPEN = filters.Command() & filters.Regex(
    re.compile(r"^/(start|help|human)(@\w+)?(\s|$)", re.IGNORECASE)  # as CommandHandler
) | filters.Text([texts.PERSON_BUTTON, texts.CATEGORIES_BUTTON])


def handlers() -> list[tuple[int, BaseHandler[Update, BotContext, None]]]:
    """Return the gates with their groups; lower groups run first."""
    return [
        (-4, TypeHandler(Update, stop_banned)),
        (-3, TypeHandler(Update, record_customer)),
        (-2, TypeHandler(Update, stop_flood)),
        (
            -1,
            MessageHandler(
                filters.ChatType.PRIVATE
                & filters.UpdateType.MESSAGE
                & ~filters.StatusUpdate.ALL
                & ~_OWN_WHILE_OPEN,
                relay_to_ticket,
            ),
        ),
    ]
