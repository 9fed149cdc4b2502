"""Build the PTB Application: typed context, rate limiter, handlers, KB watcher."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, cast

from telegram.ext import Application, ApplicationBuilder, ContextTypes, Job

from bot import handlers
from bot.config import Settings
from bot.context import BotApp, BotContext, BotData, Services
from bot.pacing import PacedRateLimiter
from bot.request import JsonRequest

log = logging.getLogger(__name__)

# Seconds to wait for Telegram's answer to a call (PTB's default is 5). A call that times out
# may still have been carried out: a hand-off retried it and made a second, empty topic; a
# reply is not sent again, so it may be lost. Telegram slower than this is an outage.
CALL_READ_TIMEOUT = 20.0


class StatelessApplication(Application[Any, Any, Any, Any, Any, Any]):
    """PTB's Application without a persistence's bookkeeping. PTB marks every update's chat
    and user for a persistence to save, and only a persistence's run clears the marks: with
    none (the bot's state lives in the database), every id it ever saw stayed in memory, about
    120 bytes a customer, never freed (a soak of 40,000 customers: 40,001 and 40,002 ids)."""

    def _mark_for_persistence_update(
        self, *, update: object | None = None, job: Job[Any] | None = None
    ) -> None:
        if self.persistence is not None:
            super()._mark_for_persistence_update(update=update, job=job)


async def _start_kb_watch(app: BotApp) -> None:
    """Reload edited KB articles while the bot runs (post_init)."""
    services = app.bot_data.services_
    if services is None:
        return
    task = asyncio.create_task(
        services.kb.watch(services.settings.kb_reload_interval), name="pasokh-kb-watch"
    )
    app.bot_data.tasks_.append(task)


async def _stop_kb_watch(app: BotApp) -> None:
    """Stop the KB watcher and any other background task (post_shutdown)."""
    tasks, app.bot_data.tasks_ = app.bot_data.tasks_, []
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task


def rate_limiter(settings: Settings) -> PacedRateLimiter | None:
    """Keep outgoing calls within Telegram's limits (0 turns a limit off; both 0: no limiter)."""
    if not settings.telegram_overall_max_rate and not settings.telegram_group_max_rate:
        return None
    return PacedRateLimiter(
        overall_max_rate=settings.telegram_overall_max_rate,
        overall_time_period=1,
        group_max_rate=settings.telegram_group_max_rate,
        group_time_period=60,
        # 0: a 429 comes straight back to bot.pipeline, which steps the reply's progress
        # back before waiting, so a crash during the wait cannot lose (or double) it.
        max_retries=0,
    )


def build_application(settings: Settings, services: Services) -> BotApp:
    """Create the Application (no Updater: updates come from bot.intake) with every handler."""
    context_types = ContextTypes(context=BotContext, bot_data=BotData)
    builder: Any = (
        ApplicationBuilder()
        .application_class(StatelessApplication)
        .token(settings.token)
        .context_types(context_types)
        .updater(None)
        .job_queue(None)
        .post_init(_start_kb_watch)
        .post_shutdown(_stop_kb_watch)
    )
    # Long polls need a read timeout beyond the poll's own.
    builder = builder.request(
        JsonRequest(connection_pool_size=256, read_timeout=CALL_READ_TIMEOUT)
    ).get_updates_request(
        JsonRequest(connection_pool_size=2, read_timeout=settings.poll_timeout + 10)
    )
    limiter = rate_limiter(settings)
    if limiter is not None:
        builder = builder.rate_limiter(limiter)
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    app = cast(BotApp, builder.build())
    app.bot_data.services_ = services
    handlers.register(app)
    return app
