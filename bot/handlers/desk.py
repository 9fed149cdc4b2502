"""The agents' group (the hand-off desk). Issue 4 fills this in: claim, reply, escalate, close.

For now the card's buttons are answered so they never spin forever.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler

from bot import keyboards, texts
from bot.context import BotContext


async def on_ticket_button(update: Update, context: BotContext) -> None:
    """Answer a card button that the desk does not handle yet."""
    query = update.callback_query
    if query is not None:
        context.work.answer_callback(query.id, texts.DESK_NOT_READY)


def handlers() -> list[BaseHandler[Update, BotContext, None]]:
    """Return the agents' group handlers."""
    return [CallbackQueryHandler(on_ticket_button, pattern=keyboards.PATTERN_TICKET)]
