"""Every handler, registered in one place. Order matters.

Groups run from lowest to highest and at most one handler per group takes an
update; a gate that raises ApplicationHandlerStop ends the update's handling.

    -5  a supervisor's /report, /tickets or /help in their own chat (SUPERVISOR_CHAT_ID
        may be a person: answered as in the supervisors' group, never as a customer)
    -4  BANNED_USER_IDS         (nothing else runs for a banned user)
    -3  record the customer (stop if banned in the database), their open
        ticket, and the incoming message
    -2  flood control           (one notice, then silence)
    -1  open ticket             (everything the customer sends is copied into the topic)
     0  after a close           (the rating comment, or a follow-up ticket)
     1  the conversation        (first match wins, so specific before general)
     2  a pressed button nothing answered (an old keyboard, a forged press): answered
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import texts
from bot.context import BotApp, BotContext
from bot.effects import AnswerCallback
from bot.handlers import (
    after_close,
    blocking,
    browse,
    desk,
    edits,
    errors,
    gates,
    person,
    questions,
)

SUPERVISOR_GROUP = -5
AFTER_CLOSE_GROUP = 0
CONVERSATION_GROUP = 1
UNANSWERED_GROUP = 2

log = logging.getLogger(__name__)


async def on_unanswered_button(update: Update, context: BotContext) -> None:
    """Answer a press no handler answered (data from an older keyboard, out of range, or
    forged; a customer's button pressed in the agents' group): else it spins, then nothing."""
    query = update.callback_query
    work = context.work
    if query is None or any(isinstance(effect, AnswerCallback) for effect in work.effects):
        return
    log.info("a button nothing answers: %r", (query.data or "")[:64])
    work.answer_callback(query.id, texts.STALE_BUTTON)


def conversation() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the conversation handlers in the order they are tried."""
    return [
        *browse.handlers(),  # /start, /help, categories and articles
        *person.handlers(),  # /human, the person button, "none of these"
        *questions.handlers(),  # suggestions, feedback, then any other text is a question
        *desk.handlers(),  # the agents' group (issue 4)
        *after_close.rating_handlers(),  # a closed ticket's rating buttons
        *edits.handlers(),  # a customer's edits
        *blocking.handlers(),  # a customer blocks the bot, or lets it write again
        *browse.fallback_handlers(),  # unknown commands
        *person.fallback_handlers(),  # photos, voice, stickers… with no ticket open
    ]


def register(app: BotApp) -> None:
    """Register the gates, the conversation and the error handler on `app`."""
    app.add_handlers(desk.supervisor_handlers(), group=SUPERVISOR_GROUP)
    for group, handler in gates.handlers():
        app.add_handler(handler, group=group)
    app.add_handlers(after_close.customer_handlers(), group=AFTER_CLOSE_GROUP)
    app.add_handlers(conversation(), group=CONVERSATION_GROUP)
    app.add_handler(CallbackQueryHandler(on_unanswered_button), group=UNANSWERED_GROUP)
    app.add_error_handler(errors.on_error)
