"""The one error handler: log first, then let the pipeline roll the update back and retry it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext, current_work

log = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Log a handler's exception and hand it to the update's unit of work; stop further handlers."""
    update_id = update.update_id if isinstance(update, Update) else None
    error = context.error
    log.error("handling update %s failed: %s", update_id, type(error).__name__, exc_info=error)
    work = current_work()
    if work is not None and error is not None:
        work.error = error
    # Nothing after a failure may run on a half-done unit of work.
    raise ApplicationHandlerStop
