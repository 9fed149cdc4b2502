"""`python -m bot`: check settings, migrate, load the KB, check the agents' group, then poll
(or, with WEBHOOK_URL set, listen for the updates Telegram pushes).

Exit codes: 0 after a clean stop (SIGTERM/SIGINT), 2 for a configuration
problem (a bad setting, a rejected token, the agents' group not set up), 1 for
anything else (database or Bot API unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError

from bot.app import build_application
from bot.card_refresh import refresh_cards
from bot.config import ConfigError, Settings, export_proxies, load_settings
from bot.context import BotApp, Services
from bot.executor import Executor
from bot.flood import FloodGuard
from bot.hotpath import remember_answer_messages
from bot.intake import Intake, Item, KeyedDispatcher, stored_payload
from bot.leadership import PollingLease
from bot.logs import SHORT_SECRET, setup_logging
from bot.migration import desk_chats
from bot.pipeline import Pipeline
from bot.queries import MARKS_KEEP, SHORT_LIVED_MARKS
from bot.request import environment_proxies, not_bot_api, proxy_problem, shown_proxy
from bot.sqlite_inline import inline_creator, wait_in_the_loop
from bot.startup import (
    StartupError,
    check_agent_chat,
    describe_calendar,
    idle_workdays,
    set_commands,
    warn_about_other_chats,
)
from bot.supervision import send_daily_reports, watch_deadlines
from bot.tickets import asked_before
from bot.topicless import take_in_stranded, watch_topicless
from bot.waiting import watch_waiting
from bot.webhook import WebhookFeed, WebhookReceiver, set_webhook, watch_webhook
from kb.loader import unlistable
from kb.settings import KBSettings
from storage.db import (
    DATABASE_ERRORS,
    SchemaTooNew,
    create_engine_from_url,
    make_sessionmaker,
    migrate,
    shown_url,
)
from storage.repositories import has_served, inbox_purge, kv_purge
from storage.timestamps import utcnow

log = logging.getLogger("bot")
T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFIG = 2
# Time given to updates in flight at shutdown; the rest stay pending for the next start.
DRAIN_SECONDS = 10.0
REPLAY_RETRY_SECONDS = 5.0  # after pending updates could not be read at the start of a turn
PURGE_EVERY_SECONDS = 6 * 3600
INTAKE_TASK = "pasokh-intake"
# Where PTB sends the Bot API calls unless TELEGRAM_BASE_URL says otherwise.
DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class Fatal(Exception):
    """Stop the process with this one-line message and exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def one_connection(url: str) -> bool:
    """Whether the bot's engine for `url` has one connection, which every unit of work queues
    for: SQLite, run inline in the event loop (bot.sqlite_inline). SQLite has one writer
    anyway (every transaction is BEGIN IMMEDIATE), and waiting in the pool's queue beats
    spinning on "database is locked"."""
    return make_url(url).get_backend_name() == "sqlite"


def pool_options(url: str) -> dict[str, Any]:
    """Return engine options for the bot's own engine (see `one_connection`)."""
    if one_connection(url):
        return {
            "pool_size": 1,
            "max_overflow": 0,
            "pool_timeout": 120,
            "async_creator": inline_creator(url),
        }
    return {}


def database_problem(error: Exception) -> str:
    """Name what the database said at start ("attempt to write a readonly database",
    "database or disk is full"): no customer data is in hand yet."""
    said = str(error.orig) if isinstance(error, DBAPIError) else str(error)
    said = said.strip().splitlines()[0][:200] if said.strip() else ""
    return f"{type(error).__name__} ({said})" if said else type(error).__name__


async def run_inline(call: Callable[[], T]) -> T:
    """Run a short CPU-bound call (a KB query, ~1 ms) right here: cheaper than a thread hop."""
    return call()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run the bot until `stop` is set (default: SIGTERM/SIGINT, from the first moment: a
    stop while it starts ends the start); raise Fatal if it cannot run."""
    if stop is not None:
        await _serve(settings, stop, asyncio.Event())
        return
    loop = asyncio.get_running_loop()
    stop, serving = asyncio.Event(), asyncio.Event()
    signals = (signal.SIGTERM, signal.SIGINT)
    for sig in signals:
        loop.add_signal_handler(sig, stop.set)
    try:
        run = asyncio.create_task(_serve(settings, stop, serving))
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait({run, stopped}, return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not run.done() and not serving.is_set():  # still starting: nothing to finish
            run.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await run
            log.info("stopped while starting")
            return
        await run  # serving: it finishes the updates in hand and stops by itself
    finally:
        for sig in signals:
            loop.remove_signal_handler(sig)


async def _serve(settings: Settings, stop: asyncio.Event, serving: asyncio.Event) -> None:
    proxies = environment_proxies()
    problems = [problem for url in proxies.values() if (problem := proxy_problem(url))]
    if problems:  # httpx would fail with a traceback when the application is built
        raise Fatal(
            f"configuration error: the proxy the environment names cannot be used "
            f"({problems[0]}); use http://, https://, socks5:// or socks5h://host:port",
            EXIT_CONFIG,
        )
    # The KB's settings first: started from the wrong folder (a service without its working
    # directory), the bot made a data/ folder and a database there before saying so.
    if not settings.kb_dir.is_dir():
        raise Fatal(
            f"configuration error: KB_DIR={settings.kb_dir} is not a folder (from "
            f"{Path.cwd()}); set KB_DIR to the articles' folder, or start from the project's",
            EXIT_CONFIG,
        )
    if (unreadable := unlistable(settings.kb_dir)) is not None:  # else served as empty
        raise Fatal(
            f"configuration error: KB_DIR={settings.kb_dir} cannot be read "
            f"({unreadable}); let the bot's account read the folder and its files",
            EXIT_CONFIG,
        )
    try:
        kb_settings = KBSettings(kb_dir=settings.kb_dir)
    except ValidationError as error:
        name = str(error.errors()[0]["loc"][0]).upper() if error.errors() else "KB_*"
        raise Fatal(
            f"configuration error: {name} is malformed ({error.errors()[0]['msg']}): "
            "see .env.example for its values",
            EXIT_CONFIG,
        ) from None
    try:
        await migrate(settings.database_url)
    except SchemaTooNew as error:
        raise Fatal(f"{shown_url(settings.database_url)}: {error}", EXIT_CONFIG) from None
    except DATABASE_ERRORS as error:
        raise Fatal(
            f"cannot open the database {shown_url(settings.database_url)}: "
            f"{database_problem(error)}; check DATABASE_URL, and that the database (for SQLite, "
            "the file and its folder) can be written",
            EXIT_FAILURE,
        ) from None
    # Customers are answered by words from the first second; a first start's sentence
    # encoding (seconds for the sample KB, minutes for a large one) runs in the KB watcher.
    # The KB logs its articles' problems (errors and warnings) as it loads them.
    kb = await asyncio.to_thread(kb_settings.knowledge_base, serve_first=True)
    if kb.semantic:
        matching = "words and meaning"
    elif kb.encoding_deferred:
        matching = "words only until its sentence vectors are encoded"
    else:
        matching = "words only"
    log.info("KB loaded: %d articles from %s (%s)", len(kb), settings.kb_dir, matching)
    if not len(kb):
        log.warning(
            "the KB has no articles: every question goes to an agent; put articles in KB_DIR "
            "(%s), or check it with python -m kb check",
            settings.kb_dir,
        )
    log.info("support calendar: %s", describe_calendar(settings.calendar))
    if (idle := idle_workdays(settings.calendar)) is not None:
        log.warning("%s (remove it, or check the date)", idle)
    if settings.webhook_secret is not None and (
        len(settings.webhook_secret.get_secret_value()) < SHORT_SECRET
    ):
        log.warning(
            "WEBHOOK_SECRET is shorter than %d characters: easy to guess; use a long random one "
            "(or leave it empty: one is derived from the token)",
            SHORT_SECRET,
        )

    engine = create_engine_from_url(settings.database_url, **pool_options(settings.database_url))
    if one_connection(settings.database_url):
        wait_in_the_loop(engine)
    sessions = make_sessionmaker(engine)
    services = Services(
        settings=settings,
        kb=kb,
        sessions=sessions,
        flood=FloodGuard(settings.flood_max_messages, settings.flood_window_seconds),
        # The sentence encoder takes milliseconds and releases the GIL: off the event loop.
        # Decided by the encoder, not by today's index: a deferred one is swapped in later.
        run_cpu=asyncio.to_thread if kb.encoder is not None else run_inline,
    )
    app = build_application(settings, services)
    if proxies:
        shown = ", ".join(f"{scheme}: {shown_proxy(url)}" for scheme, url in proxies.items())
        log.info("Bot API calls go through the proxy the environment names (%s)", shown)
    try:
        await _run(app, services, stop, serving)
    finally:
        await engine.dispose()


async def _run(
    app: BotApp, services: Services, stop: asyncio.Event, serving: asyncio.Event
) -> None:
    settings = services.settings
    try:
        await app.initialize()
    except TelegramError as error:
        raise _unreachable(error, settings) from None
    try:
        async with services.sessions.begin() as session:
            chats = await desk_chats(session, settings.agent_chat_id, settings.l2_chat_id)
        agent_chat_id = chats[0]
        if agent_chat_id != settings.agent_chat_id:
            log.warning(
                "the agents' group moved from %s to %s; set AGENT_CHAT_ID=%s",
                settings.agent_chat_id,
                agent_chat_id,
                agent_chat_id,
            )
        try:
            await check_agent_chat(app.bot, agent_chat_id)
        except StartupError as error:
            async with services.sessions.begin() as session:
                served = await has_served(session, agent_chat_id)
            if not served:  # a new desk's setting is wrong: say so before taking any customer
                raise Fatal(str(error), EXIT_CONFIG) from None
            # A desk that served before and lost the group (an admin turned Topics off, took
            # the bot's rights): stopping would leave customers without the KB's answers too.
            log.error(
                "%s; answering customers from the KB meanwhile: their hand-offs wait for a "
                "topic until it is fixed",
                error,
            )
        await warn_about_other_chats(
            app.bot, chats[1] if len(chats) > 1 else None, settings.supervisor_chat_id
        )
        await take_in_stranded(services, app.bot, chats)
        await set_commands(app.bot, chats, settings.supervisor_chat_id)
        receiver = await _listen(app, services) if settings.webhook_url else None
        try:
            if receiver is None:
                await app.bot.delete_webhook(drop_pending_updates=False)
            if app.post_init is not None:
                await app.post_init(app)
            serving.set()  # from here a stop lets the updates in hand finish
            await _serve_while_polling(app, services, stop, receiver)
        finally:
            if receiver is not None:
                await receiver.stop()
    finally:
        if app.post_shutdown is not None:
            await app.post_shutdown(app)
        await app.shutdown()


def _unreachable(error: TelegramError, settings: Settings) -> Fatal | TelegramError:
    """What stops the start when the first Bot API call fails: one line saying what to fix."""
    if (stranger := not_bot_api(error)) is not None:
        # A web page: a filter or a proxy on the way, or a web server at TELEGRAM_BASE_URL
        # (its 404 is an InvalidToken to PTB, though no Bot API looked at the token).
        return Fatal(
            f"the Bot API server's address, {settings.telegram_base_url or DEFAULT_BASE_URL}, "
            f"answered with something else than the Bot API ({stranger}); "
            "check TELEGRAM_BASE_URL, and the proxy (HTTPS_PROXY or ALL_PROXY) where Telegram "
            "is filtered",
            EXIT_FAILURE,
        )
    if isinstance(error, InvalidToken):
        return Fatal(
            "TELEGRAM_BOT_TOKEN was rejected by the Bot API server; "
            "copy the token again from @BotFather",
            EXIT_CONFIG,
        )
    if isinstance(error, NetworkError):
        if environment_proxies():
            fix = "check the proxy the environment names, and the network"
        elif settings.telegram_base_url:
            fix = "check TELEGRAM_BASE_URL and the network"
        else:  # api.telegram.org is filtered in Iran: a proxy is how the bot reaches it there
            fix = (
                "check the network; where Telegram is filtered, name a proxy in HTTPS_PROXY or "
                "ALL_PROXY (in .env or the environment)"
            )
        return Fatal(f"cannot reach the Bot API server ({error.message}); {fix}", EXIT_FAILURE)
    return error


async def _listen(app: BotApp, services: Services) -> WebhookReceiver:
    """Webhook mode: listen for Telegram's updates, then tell Telegram where to send them."""
    settings = services.settings
    receiver = WebhookReceiver(services.sessions, settings.secret_token)
    try:
        port = await receiver.start(settings.webhook_listen, settings.webhook_port)
    except OSError as error:
        raise Fatal(
            f"cannot listen on {settings.webhook_listen}:{settings.webhook_port} for the "
            f"webhook ({error.strerror or error}); check WEBHOOK_LISTEN and WEBHOOK_PORT",
            EXIT_CONFIG,
        ) from None
    try:
        await set_webhook(app.bot, settings)
    except BadRequest as error:
        await receiver.stop()
        raise Fatal(
            f"Telegram refused WEBHOOK_URL {settings.webhook_url}: {error.message}; it needs a "
            "public https address on port 443, 80, 88 or 8443",
            EXIT_CONFIG,
        ) from None
    except TelegramError as error:
        await receiver.stop()
        if isinstance(error, InvalidToken):
            raise
        raise Fatal(
            f"cannot set the webhook ({error.message}); check the network or TELEGRAM_BASE_URL",
            EXIT_FAILURE,
        ) from None
    except BaseException:
        await receiver.stop()
        raise
    log.info(
        "listening on %s:%d for the updates Telegram sends to %s",
        settings.webhook_listen,
        port,
        settings.webhook_url,
    )
    return receiver


async def _serve_while_polling(
    app: BotApp,
    services: Services,
    stop: asyncio.Event,
    receiver: WebhookReceiver | None = None,
) -> None:
    """Handle updates while this process holds the lease (polling for them, or taking what the
    webhook stored); stand by while another one does (a webhook still stores what it gets)."""
    shared = one_connection(services.settings.database_url)
    lease = PollingLease(services.sessions, renews_in_commits=shared)
    try:
        while await lease.wait_for_turn(stop):
            if not await _poll(app, services, stop, lease, receiver):
                break  # stopped
    finally:
        await lease.release()


async def _poll(
    app: BotApp,
    services: Services,
    stop: asyncio.Event,
    lease: PollingLease,
    receiver: WebhookReceiver | None,
) -> bool:
    """Poll (or take the webhook's updates) and handle them until `stop` (False) or until the
    lease is lost (True)."""
    settings = services.settings
    executor = Executor(
        app.bot,
        services.sessions,
        asked_before=partial(asked_before, services),
        calendar=services.settings.calendar,
        supervisor_chat_id=settings.supervisor_chat_id,
        l2_chat_id=settings.l2_chat_id,
    )
    pipeline = Pipeline(app, services, executor, fence=lease.fence)

    async def handle(item: Item) -> None:
        payload = item.payload
        if item.spilled:
            stored = await stored_payload(services.sessions, item.update_id)
            if stored is None:
                return
            payload = stored
        await pipeline.handle(item.update_id, payload, replay=item.replay, update=item.update)

    dispatcher = KeyedDispatcher(
        handle, settings.max_concurrent_updates, album_grace=settings.album_grace_seconds
    )
    intake = Intake(
        app.bot,
        services.sessions,
        dispatcher,
        poll_timeout=settings.poll_timeout,
        fence=lease.fence,
    )
    keeping = asyncio.create_task(lease.keep(), name="pasokh-lease")
    purging = asyncio.create_task(_purge_inbox(services), name="pasokh-inbox-purge")
    refreshing = asyncio.create_task(refresh_cards(services, executor), name="pasokh-cards")
    watching = asyncio.create_task(watch_deadlines(services, executor), name="pasokh-sla")
    reporting = asyncio.create_task(send_daily_reports(services, executor), name="pasokh-report")
    # Nobody is called silent before what they sent while no instance ran is read: polled,
    # or pushed to the webhook (Telegram tries it again after a pause of its own).
    caught_up = intake.caught_up if receiver is None else asyncio.Event()
    following = asyncio.create_task(
        watch_waiting(services, executor, caught_up), name="pasokh-waiting"
    )
    topics = asyncio.create_task(watch_topicless(services, executor), name="pasokh-topics")
    lost = False
    tasks: list[asyncio.Task[Any]] = [
        keeping,
        purging,
        refreshing,
        watching,
        reporting,
        following,
        topics,
    ]
    try:
        source: Coroutine[Any, Any, None] | None
        if receiver is not None:
            # The feed's first look replays what the last run left pending.
            log.info("handling the updates Telegram sends to the webhook, as @%s", app.bot.username)
            source = WebhookFeed(receiver, services.sessions, dispatcher).run()
            checking = watch_webhook(app.bot, settings, caught_up)
            tasks.append(asyncio.create_task(checking, name="pasokh-webhook-watch"))
        else:
            source = await _replay_then_poll(intake, stop)
            if source is None:
                lost = True  # then take the lease again (or stand by) and replay again
                return lost
            log.info("polling for updates as @%s", app.bot.username)
        polling = asyncio.create_task(source, name=INTAKE_TASK)
        stopping = asyncio.create_task(stop.wait(), name="pasokh-stop")
        tasks += [polling, stopping]
        done, _ = await asyncio.wait(
            {polling, stopping, keeping}, return_when=asyncio.FIRST_COMPLETED
        )
        if polling in done:
            polling.result()  # re-raise what ended the intake (e.g. InvalidToken)
        lost = keeping in done
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
            except Exception as error:  # the intake's error is raised above already
                if task.get_name() != INTAKE_TASK:  # a loop that died of a bug; drain anyway
                    log.error(
                        "%s had stopped: %s: %s", task.get_name(), type(error).__name__, error
                    )
        if lost:
            # Updates in hand finish (waiting for the database if need be), or stop at their
            # next commit if another instance took over: only then may a new turn replay.
            log.warning("polling paused; finishing the updates in hand")
            finished = await dispatcher.settle(stop, DRAIN_SECONDS)
        else:
            finished = await dispatcher.drain(DRAIN_SECONDS)
        await _save_answer_messages(services)
        if not lost or stop.is_set():
            log.info("stopped%s", "" if finished else "; unfinished updates stay pending")
    return lost


async def _save_answer_messages(services: Services) -> None:
    """Write the ids of the messages under the last answers, which wait for the next commit
    (bot.answer_messages): at a stop there is none, and a customer typing «بله» after the
    restart would find the 👍/👎 buttons left under the answer."""
    unsaved = services.answer_messages.take_unsaved()
    if not unsaved:
        return
    try:
        async with services.sessions.begin() as session:
            await remember_answer_messages(session, unsaved)
    except DATABASE_ERRORS as error:  # as after a crash: the buttons merely stay
        log.warning("the last answers' message ids were not saved: %s", type(error).__name__)


async def _replay_then_poll(
    intake: Intake, stop: asyncio.Event
) -> Coroutine[Any, Any, None] | None:
    """Queue the updates left pending by the last run, or by an instance that held the lease;
    return the polling to run next, or None (after a pause) if they could not be read."""
    try:
        replayed = await intake.replay_pending()
    except DATABASE_ERRORS as error:
        log.warning(
            "replaying pending updates failed (%s); trying again in %.0f s",
            type(error).__name__,
            REPLAY_RETRY_SECONDS,
        )
        # The lease is still ours (renewed meanwhile): without a pause, taking it again
        # and failing again would spin.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), REPLAY_RETRY_SECONDS)
        return None
    if replayed:
        log.info("replaying %d updates left pending by the last run", replayed)
    return intake.run()


async def _purge_inbox(services: Services) -> None:
    """Delete processed updates older than INBOX_KEEP_DAYS, and short-lived marks older than
    MARKS_KEEP, now and every few hours."""
    keep = timedelta(days=services.settings.inbox_keep_days)
    while True:
        try:
            async with services.sessions.begin() as session:
                purged = await inbox_purge(session, before=utcnow() - keep)
                marks = await kv_purge(
                    session, prefixes=SHORT_LIVED_MARKS, before=utcnow() - MARKS_KEEP
                )
            if purged or marks:
                log.info("purged %d processed updates and %d old marks", purged, marks)
        except DATABASE_ERRORS as error:
            log.warning("purging the inbox failed: %s", type(error).__name__)
        except Exception:  # a bug must not end the purging for the rest of the run
            log.exception("purging the inbox failed")
        await asyncio.sleep(PURGE_EVERY_SECONDS)


def _arguments(argv: Sequence[str] | None) -> None:
    """`--help` says how the bot is set up; anything else is refused (exit 2), never
    ignored: `python -m bot --help` used to start a live bot."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description=(
            "Run the Pasokh bot: long polling, or a webhook with WEBHOOK_URL. It takes no "
            "arguments: every setting comes from the environment or .env (each is explained "
            "in .env.example). It stops cleanly on SIGTERM or Ctrl+C."
        ),
        epilog="Exit codes: 0 a clean stop, 1 a failure (database or Bot API unreachable), "
        "2 a configuration problem.",
    )
    parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the bot; return the process exit code."""
    _arguments(argv)
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as timedelta, no warning
    try:
        settings = load_settings()
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_CONFIG
    export_proxies()
    setup_logging(settings.log_level, settings.token, settings.secret_token)
    try:
        asyncio.run(serve(settings))
    except KeyboardInterrupt:  # Ctrl+C before the signal handlers were set
        log.info("stopped while starting")
    except Fatal as error:
        log.error("%s", error)
        return error.code
    except InvalidToken:
        log.error("TELEGRAM_BOT_TOKEN was rejected by the Bot API server")
        return EXIT_CONFIG
    except TelegramError as error:  # a 5xx or 429 on a call made once, at start
        log.error(
            "the Bot API server failed a call (%s: %s); start again in a while",
            type(error).__name__,
            error.message,
        )
        return EXIT_FAILURE
    return EXIT_OK
