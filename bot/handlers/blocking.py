"""A customer blocks the bot, or lets it write again: Telegram says so (my_chat_member).

With a ticket open, the topic learns at once, not at the agent's next reply, and the card
says so; once they let the bot write again, agents' messages reach them again.
"""

from __future__ import annotations

from telegram import Chat, ChatMember, Update
from telegram.ext import BaseHandler, ChatMemberHandler

from bot import desk_texts
from bot.context import BotContext
from bot.handlers.desk import card_changed, notice
from handoff import service
from storage.repositories import get_ticket


async def on_blocked_or_back(update: Update, context: BotContext) -> None:
    """Flag (or clear) the open ticket's "customer blocked the bot", tell its topic, redraw."""
    change = update.my_chat_member
    work = context.work
    if change is None or change.chat.type != Chat.PRIVATE or work.ticket_id is None:
        return
    ticket = await get_ticket(work.session, work.ticket_id)
    if ticket is None or ticket.status == "closed":
        return
    status = change.new_chat_member.status
    if status == ChatMember.BANNED and not ticket.customer_blocked:
        await service.customer_blocked(work.session, ticket_id=ticket.id)
        said = desk_texts.CUSTOMER_BLOCKED
    elif status == ChatMember.MEMBER and ticket.customer_blocked:
        await service.customer_unblocked(work.session, ticket_id=ticket.id)
        said = desk_texts.CUSTOMER_UNBLOCKED
    else:
        return
    notice(work, ticket, said)
    card_changed(work, ticket.id)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handler of the bot's own membership changes in private chats."""
    return [ChatMemberHandler(on_blocked_or_back, ChatMemberHandler.MY_CHAT_MEMBER)]
