"""The customer after a close: the rating (buttons or a typed digit), its comment, and the
next message, which opens a follow-up ticket while the close is recent.

A close asks for a 1-5 rating (quality control); the rating and its comment are shown on the
card and in the topic, where the agents read them.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)

from bot import desk_texts, keyboards, texts
from bot.albums import relay
from bot.context import BotContext, Work
from bot.formatting import bound
from bot.handlers import browse
from bot.handlers.desk import card_changed, notice, tell_customer
from bot.queries import rating_message_key
from bot.tickets import copied_to_topic, is_bare_request, matches_logged, open_ticket
from handoff import service
from handoff.persian import clean_inline, shorten
from storage.models import Ticket
from storage.repositories import (
    clear_after_close,
    get_ticket,
    kv_delete,
    kv_get,
    set_comment_expected,
    set_rating_comment,
    ticket_events,
)
from storage.timestamps import utcnow
from triage.judgement import judgement
from triage.rating import rating_and_comment
from triage.smalltalk import small_talk
from triage.yesno import yes_or_no

COMMENT_MAX = 1000
# How long after a close the customer's next message still opens a follow-up ticket.
FOLLOW_UP_WINDOW = timedelta(days=7)
# How long after a rating the customer's next text is taken as its comment.
COMMENT_WINDOW = timedelta(minutes=30)
# The customer's reply-keyboard buttons: never a comment or a follow-up's question.
KEYBOARD_BUTTONS = frozenset({texts.PERSON_BUTTON, texts.CATEGORIES_BUTTON})


async def on_rating(update: Update, context: BotContext) -> None:
    """Store the customer's 1..5 rating of their closed ticket, once, and show it on the card."""
    work = context.work
    query = update.callback_query
    pressed = keyboards.parse(query.data if query else None)
    if query is None or pressed is None or work.customer is None:
        return
    ticket_id, rating = pressed.int_field(0), pressed.int_field(1)
    outcome, ticket = await service.rate(
        work.session, ticket_id=ticket_id, customer_id=work.customer_id, rating=rating
    )
    if query.message is not None and outcome in ("rated", "already_rated"):
        work.remove_buttons(query.message.chat.id, query.message.message_id)
    if outcome == "already_rated":
        work.answer_callback(query.id, desk_texts.RATING_ALREADY)
        return
    if outcome != "rated" or ticket is None:
        work.answer_callback(query.id, desk_texts.RATING_STALE)
        return
    work.answer_callback(query.id, desk_texts.RATING_THANKS_TOAST)
    await _rated(work, ticket, rating)


async def _rate(work: Work, ticket_id: int, rating: int, comment: str = "") -> bool:
    """Record a rating typed as a digit («۵», «۳ ولی دیر جواب دادید»: with its comment) for
    the ticket just closed; False when that ticket is rated already (the digit is then
    something else)."""
    outcome, ticket = await service.rate(
        work.session, ticket_id=ticket_id, customer_id=work.customer_id, rating=rating
    )
    if outcome != "rated" or ticket is None:
        return False
    asking = await kv_get(work.session, rating_message_key(ticket_id))
    if asking is not None:  # the buttons asked for what is now given
        work.remove_buttons(work.customer_id, int(asking))
    stored = bound(comment.strip(), COMMENT_MAX)
    if stored:
        await set_rating_comment(work.session, ticket_id, comment=stored)
    await _rated(work, ticket, rating, comment=stored)
    return True


async def _rated(work: Work, ticket: Ticket, rating: int, *, comment: str = "") -> None:
    """Thank the customer, show the rating on the card and in the topic, await a comment
    (unless one came with it: in the topic with the rating; or another ticket of theirs is
    open: what they write goes to its agent)."""
    commented = bool(comment)
    card_changed(work, ticket.id)
    notice(work, ticket, desk_texts.rated_notice(rating, _shown_comment(comment)))
    await kv_delete(work.session, rating_message_key(ticket.id))  # its buttons are done with
    if work.ticket_id is not None:
        await work.reply(desk_texts.RATING_THANKS_TOAST)
        return
    if commented:
        await work.reply(desk_texts.COMMENT_THANKS)
        return
    await work.reply(desk_texts.RATING_THANKS)
    await set_comment_expected(work.session, user_id=work.customer_id, ticket_id=ticket.id)


def _shown_comment(comment: str) -> str:
    """A rating's comment as the topic shows it: one line, no bidi controls, bounded."""
    return shorten(clean_inline(comment), COMMENT_MAX)


async def after_close(update: Update, context: BotContext) -> None:
    """Take a closed ticket's rating comment, or open a follow-up ticket for the next message."""
    work, services = context.work, context.services
    message = update.message
    customer = work.customer
    if message is None or customer is None or work.ticket_id is not None:
        return
    if not customer.after_close:  # the common case: the upsert said so, nothing to read
        return
    text = message.text
    typed_button = browse.MENU_WORDS.filter(message) or browse.HELP_WORDS.filter(message)
    if text is not None and (text.startswith("/") or text in KEYBOARD_BUTTONS or typed_button):
        return  # a command or a keyboard button does what it always does; the rest waits
    commented = customer.comment_ticket_id
    if commented is not None:
        # Only the message right after the rating may be its comment.
        await clear_after_close(work.session, user_id=customer.id, follow_up=False)
        comment = bound(text.strip(), COMMENT_MAX) if text else ""
        if (
            text
            and await _comment_awaited(work, commented, text)
            and await set_rating_comment(work.session, commented, comment=comment)
        ):
            await work.reply(desk_texts.COMMENT_THANKS)
            card_changed(work, commented)
            closed = await get_ticket(work.session, commented)
            shown = _shown_comment(comment)
            if closed is not None and shown:  # the agents read it where they read the rating
                notice(work, closed, desk_texts.comment_notice(shown))
            raise ApplicationHandlerStop
    closed_at = customer.follow_up_at
    closed_id = customer.follow_up_ticket_id
    if closed_id is None:
        return
    rated = rating_and_comment(message.text) if message.text else None
    if rated is not None and await _rate(work, closed_id, *rated):
        raise ApplicationHandlerStop
    recent = closed_at is not None and utcnow() - closed_at <= FOLLOW_UP_WINDOW
    if recent and text is not None and judgement(text) is not None:
        # «خوب بود», «افتضاح», «نمیدونم»: about the ticket just closed, not a new problem (it
        # opened a second ticket, the closed one left unrated).
        closed = await get_ticket(work.session, closed_id)
        if closed is not None and closed.rating is None and not closed.customer_blocked:
            # With the buttons again: «the message above» is this one from now on.
            asking = await kv_get(work.session, rating_message_key(closed_id))
            if asking is not None:
                work.remove_buttons(work.customer_id, int(asking))
            await tell_customer(
                work,
                closed,
                desk_texts.RATE_WITH_BUTTONS,
                keyboards.rating(closed_id),
                rates=True,
            )
        else:
            await work.reply(desk_texts.JUDGEMENT_THANKS)
        raise ApplicationHandlerStop
    if _no_new_problem(message):  # «ممنون»، «👍»: answered as ever; the next message may follow up
        return
    await clear_after_close(work.session, user_id=customer.id)
    if closed_at is None or utcnow() - closed_at > FOLLOW_UP_WINDOW:
        return
    question = (message.text or message.caption or "").strip()
    copied = copied_to_topic(message, question)
    ticket_id = await open_ticket(
        work,
        services,
        reason="follow_up",
        question=question,
        tried=await matches_logged(work, services, question),
        shown=copied,
    )
    if copied:
        await relay(work, ticket_id, message)
    raise ApplicationHandlerStop


async def _comment_awaited(work: Work, ticket_id: int, text: str) -> bool:
    """Whether `text` reads as the comment on the rating just given: sent within
    COMMENT_WINDOW of it, and not a bare request for a person (that is a new conversation;
    «کارشناس خوب بود» is a comment)."""
    if is_bare_request(text):
        return False
    rated = await ticket_events(work.session, ticket_id=ticket_id, kind="rated")
    return bool(rated) and utcnow() - rated[-1].created_at <= COMMENT_WINDOW


def _no_new_problem(message: Message) -> bool:
    """Thanks, praise («عالی بود ممنون»), a goodbye, a sticker or a dice after a close: words
    for the closed ticket, not a new one (an emoji sent alone, such as 🎲, arrives as a dice)."""
    if message.sticker is not None or message.dice is not None:
        return True
    text = message.text
    return text is not None and (small_talk(text) is not None or yes_or_no(text) == "yes")


def customer_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handlers that run before the conversation for a customer after a close."""
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.StatusUpdate.ALL
    return [MessageHandler(private, after_close)]


def rating_handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the handler of the rating buttons under a closed ticket's question."""
    return [CallbackQueryHandler(on_rating, pattern=keyboards.PATTERN_RATING)]
