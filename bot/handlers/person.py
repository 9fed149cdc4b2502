"""Asking for a person (/human, the person button, "none of these"); messages the KB can't read."""

from __future__ import annotations

from telegram import Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import keyboards, texts
from bot.albums import answered_with_album, logged_album, relay, relay_asked
from bot.context import BotContext, Services, Work
from bot.effects import Relay
from bot.queries import incoming_copy
from bot.tickets import (
    Earlier,
    asks_nothing,
    copied_to_topic,
    hits_of,
    matches_logged,
    open_ticket,
    question_context,
    refused_articles,
)
from storage.models import KBDecision
from storage.repositories import get_decision
from triage.smalltalk import small_talk


async def on_human(update: Update, context: BotContext) -> None:
    """Open a ticket because the customer asked for a person."""
    work, services = context.work, context.services
    if work.customer is None:
        return
    if work.ticket_id is not None:
        await work.reply(texts.ticket_already_open(work.ticket_id))
        return
    message = update.message
    asked = _after_command(message.text) if message is not None else ""
    if message is not None and not asks_nothing(asked):  # «/human پرینتر کاغذ گیر کرده»
        await _open_with_question(work, services, message, asked)
        return
    await _open_on_request(work, services)


def _after_command(text: str | None) -> str:
    """The words written after a command, as typed (lines and all)."""
    parts = (text or "").split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def _open_with_question(work: Work, services: Services, message: Message, asked: str) -> None:
    """Open a ticket about the words written with the request: they are the question (the
    card shows the articles that fit them), as «پرینتر خرابه، اپراتور» is."""
    tried = await matches_logged(work, services, asked)
    ticket_id = await open_ticket(work, services, reason="asked", question=asked, tried=tried)
    if copied_to_topic(message, asked):
        await relay(work, ticket_id, message)


async def _open_on_request(
    work: Work, services: Services, *, unasked: str = "", shown: bool = False
) -> int:
    """Open the ticket a customer asks for, about the question they asked before (with its
    articles, and «not helpful» after a 👎), or `unasked` when they asked none."""
    earlier = await question_context(work, services, None) or Earlier("", [])
    ticket_id = await open_ticket(
        work,
        services,
        reason=earlier.reason,
        question=earlier.question or unasked,
        tried=earlier.tried,
        rejected=earlier.rejected,
        shown=shown,
    )
    await relay_asked(work, ticket_id, earlier.logged_id, earlier.question)
    return ticket_id


async def on_person_button(update: Update, context: BotContext) -> None:
    """Open a ticket from a "talk to a person" button, with the decision it follows if any."""
    work, services = context.work, context.services
    query = update.callback_query
    pressed = keyboards.parse(query.data if query else None)
    if query is None or pressed is None or work.customer is None:
        return
    work.answer_callback(query.id)
    if work.ticket_id is not None:
        await work.reply(texts.ticket_already_open(work.ticket_id))
        return
    if pressed.fields[:1] == ("m",) and await _send_to_person(
        update, context, pressed.int_field(1)
    ):
        return
    if pressed.fields[:1] == ("a",):  # under a guide the customer browsed to: about it
        read = services.kb.get(pressed.fields[1]) if len(pressed.fields) > 1 else None
        if read is not None:
            question = texts.after_reading(read.title)
            await open_ticket(
                work, services, reason="asked", question=question, tried=[], unwritten=True
            )
            return
    decision = (
        await get_decision(work.session, pressed.int_field(0))
        if pressed.fields and pressed.fields[0] not in ("m", "a")
        else None
    )
    if decision is not None and decision.customer_id == work.customer_id:
        if query.message is not None:
            work.remove_buttons(query.message.chat.id, query.message.message_id)
        await hand_over_refused(work, services, decision)  # 👎 or «none of these» led here
        return
    await _open_on_request(work, services)


async def hand_over_refused(work: Work, services: Services, decision: KBDecision) -> None:
    """Open a ticket about a question whose answer (or guides) the customer refused, or that
    found none (a person was offered instead: the customer had refused one): the card marks
    the answer sent, and their screenshot or forward reaches the topic."""
    ticket_id = await open_ticket(
        work,
        services,
        reason="no_answer" if decision.kind == "handoff" else "not_helpful",
        question=decision.query,
        tried=hits_of(decision, services),
        rejected=await refused_articles(work.session, decision),
    )
    await relay_asked(work, ticket_id, decision.message_id, decision.query)


async def _send_to_person(update: Update, context: BotContext, message_id: int) -> bool:
    """Open a ticket with the customer's voice, photo or file the bot could not read copied
    into its topic (an album whole), so they need not send it again; False if that message
    is not one of theirs the bot took in."""
    work, services = context.work, context.services
    said = await incoming_copy(
        work.session, customer_id=work.customer_id, telegram_message_id=message_id
    )
    if said is None:
        return False
    query = update.callback_query
    if query is not None and query.message is not None:
        work.remove_buttons(query.message.chat.id, query.message.message_id)
    ticket_id = await _open_on_request(work, services, unasked=said.text or "", shown=True)
    work.then(
        Relay(
            ticket_id=ticket_id,
            from_chat_id=work.customer_id,
            message_id=message_id,
            media_group_id=said.media_group_id,
            album=await logged_album(work, said),
            tell_customer=True,
        )
    )
    return True


async def on_unreadable(update: Update, context: BotContext) -> None:
    """Explain kindly that the KB reads only text (no ticket is open: it would be relayed);
    a 👍 or 🙏 sticker is thanks, and gets the word thanks get; a dice (🎲, 🎯… sent alone)
    is an emoji, and gets the word an emoji gets."""
    work = context.work
    if work.customer is None or update.message is None:
        return
    if await answered_with_album(work, update.message):
        return  # the album's first item had the answer
    sticker, dice = update.message.sticker, update.message.dice
    if sticker is not None and small_talk(sticker.emoji or "") == "thanks":
        await work.reply(texts.SMALL_TALK_THANKS)
        return
    if dice is not None:  # nothing for a person to read either: no button to send it
        await work.reply(texts.EMPTY_QUESTION)
        return
    await work.reply(texts.NON_TEXT_NO_TICKET, keyboards.send_to_person(update.message.message_id))


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the hand-off handlers (all private chat only)."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [
        CommandHandler("human", on_human, filters=private),
        MessageHandler(private & filters.Text([texts.PERSON_BUTTON]), on_human),
        CallbackQueryHandler(on_person_button, pattern=keyboards.PATTERN_PERSON),
    ]


def fallback_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the catch-all for messages no other handler took."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
    return [MessageHandler(private & ~filters.StatusUpdate.ALL & ~filters.TEXT, on_unreadable)]
