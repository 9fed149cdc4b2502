"""Webhook mode: Telegram pushes each update to WEBHOOK_URL; it is stored, then answered 200.

Telegram sends an update again until it gets a 2xx, so answering only after the inbox commit
loses nothing: a crash or a database outage before it means Telegram sends the update once
more (the inbox recognises a repeat by its update_id). Every instance listens, as a load
balancer may send to any of them; the one holding the lease (bot.leadership) feeds what
every instance stored to the dispatcher in update_id order, so one chat's updates are still
handled in order, by one process. Telegram sends a chat's next update only after the last
one was answered, so by then it is in the inbox, whichever instance took it.

Telegram wants https on port 443, 80, 88 or 8443; the bot itself speaks plain HTTP, for a
reverse proxy (nginx, Caddy) in front of it that holds the certificate.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot
from telegram.error import TelegramError
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application, RequestHandler, stream_request_body

from bot.config import Settings
from bot.intake import (
    ALLOWED_UPDATES,
    REPLAY_PAGE,
    Item,
    KeyedDispatcher,
    chat_key,
    store_updates,
    without_nul,
)
from storage.db import DATABASE_ERRORS
from storage.models import InboxUpdate
from storage.timestamps import utcnow

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# A Telegram update is a few kilobytes (a 4096-character text with its entities, a poll);
# anything far larger is not from Telegram.
MAX_BODY_BYTES = 1 << 20
# Anyone who reaches the port may open connections: a body must arrive within this, and a
# connection's headers (tornado counts them as idle time) too; Telegram's deliveries take
# milliseconds, and a connection it keeps open and closed here it simply opens again. Stalled
# bodies held ~1 MB and a file handle each, for ever. (No cap on connections: a cap is a
# lever to shut Telegram out with empty ones; the reverse proxy in front limits those.)
BODY_TIMEOUT_SECONDS = 10.0
IDLE_SECONDS = 10.0
# How often the lease holder looks for updates another instance stored (its own are
# handled at once).
FEED_SCAN_SECONDS = 1.0
FEED_ERROR_DELAY = 2.0
# Updates stored here and kept in memory for the feed, so it need not read them back.
MAX_CACHED = 2000
# How often the lease holder asks Telegram whether its deliveries to the webhook fail.
WEBHOOK_CHECK_SECONDS = 60.0
# How often it asks until Telegram has delivered what waited for the webhook at the start.
CATCH_UP_CHECK_SECONDS = 2.0
REFUSED_LOG_SECONDS = 60.0
# How long /healthz waits for the database before it says the instance cannot store updates.
HEALTH_TIMEOUT = 2.0
# Update ids are positive and fit the inbox's BIGINT.
MAX_UPDATE_ID = 2**63 - 1


class WebhookReceiver:
    """The HTTP side: check each request's secret, store its update, answer."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], secret: str) -> None:
        self.sessions = sessions
        self._secret = secret.encode()
        self.arrived = asyncio.Event()
        # Stored by this instance and not handed to the feed yet; None while nobody feeds here.
        self._fresh: dict[int, tuple[dict[str, Any], float]] | None = None
        self._server: HTTPServer | None = None
        self._refused = 0
        self._refused_logged_at = -REFUSED_LOG_SECONDS

    async def start(self, address: str, port: int) -> int:
        """Listen on address:port (0: any free port); return the port."""
        app = Application(
            [(r"/healthz", _Health, {"receiver": self}), (r"/.*", _Updates, {"receiver": self})],
            log_function=_log_request,
        )
        sockets = bind_sockets(port, address or None)
        self._server = HTTPServer(
            app,
            max_body_size=MAX_BODY_BYTES,
            body_timeout=BODY_TIMEOUT_SECONDS,
            idle_connection_timeout=IDLE_SECONDS,
        )
        self._server.add_sockets(sockets)
        return int(sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening and close the connections. A request caught storing its update may
        lose its answer: Telegram then sends the update again, and the inbox knows it."""
        if self._server is None:
            return
        self._server.stop()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._server.close_all_connections(), 5)
        self._server = None

    def authentic(self, secret: str | None) -> bool:
        """Whether the request carries our secret token (compared in constant time)."""
        return secret is not None and hmac.compare_digest(secret.encode(), self._secret)

    async def receive(self, secret: str | None, body: bytes) -> int:
        """Store the update a request carries; return the HTTP status to answer with."""
        if not self.authentic(secret):
            self.refused()
            return 403
        try:
            payload = json.loads(body)
            if b"\\u0000" in body:  # JSON's only way to carry a NUL
                payload = without_nul(payload)
        except (ValueError, UnicodeDecodeError):
            log.warning("a webhook request with the right secret carried no JSON; refused")
            return 400
        update_id = payload.get("update_id") if isinstance(payload, dict) else None
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            log.warning("a webhook request carried an update without an id; refused")
            return 400
        if not 0 <= update_id <= MAX_UPDATE_ID:
            log.warning("a webhook request carried update id %d, out of range; refused", update_id)
            return 400
        try:
            added = await store_updates(self.sessions, [(update_id, payload)])
        except DATABASE_ERRORS as error:
            # Nothing stored: a 5xx makes Telegram send it again.
            log.error(
                "storing update %s failed (%s); Telegram will send it again",
                update_id,
                type(error).__name__,
            )
            return 503
        fresh = self._fresh
        if update_id in added and fresh is not None and len(fresh) < MAX_CACHED:
            fresh[update_id] = (payload, asyncio.get_running_loop().time())
        self.arrived.set()
        return 200

    async def database_answers(self) -> bool:
        """Whether the database answers a trivial query within HEALTH_TIMEOUT seconds."""

        async def ask() -> None:
            async with self.sessions() as session:
                await session.execute(select(1))

        try:
            await asyncio.wait_for(ask(), HEALTH_TIMEOUT)
        except TimeoutError:
            return False
        except DATABASE_ERRORS:
            return False
        return True

    def refused(self) -> None:
        """Log refused requests, at most once a minute: anyone can knock."""
        self._refused += 1
        now = asyncio.get_running_loop().time()
        if now - self._refused_logged_at >= REFUSED_LOG_SECONDS:
            log.warning(
                "refused %d webhook request(s) without the right secret token (not from "
                "Telegram, or WEBHOOK_SECRET differs between instances)",
                self._refused,
            )
            self._refused, self._refused_logged_at = 0, now

    def attach(self) -> None:
        """Start keeping what is stored here for the feed of this process."""
        self._fresh = {}

    def detach(self) -> None:
        self._fresh = None

    def take(self, update_id: int) -> tuple[dict[str, Any], float] | None:
        """Return (and forget) a stored update's payload and arrival time, if kept here."""
        return None if self._fresh is None else self._fresh.pop(update_id, None)


@stream_request_body
class _Updates(RequestHandler):
    """Telegram's deliveries: the secret is checked on the headers, before any body is read
    (a stranger's body is never taken in), and the body is gathered as it comes."""

    receiver: WebhookReceiver

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver
        self._body = bytearray()

    def prepare(self) -> None:
        if self.request.method != "POST":  # refused before its body, as a stranger's is
            self.set_status(405)
            self.finish()
            return
        if not self.receiver.authentic(self.request.headers.get(SECRET_HEADER)):
            self.receiver.refused()
            self.set_status(403)
            self.finish()  # the connection closes with its body unread

    def data_received(self, chunk: bytes) -> None:
        self._body += chunk

    async def post(self) -> None:
        secret = self.request.headers.get(SECRET_HEADER)
        self.set_status(await self.receiver.receive(secret, bytes(self._body)))
        await self.finish()


@stream_request_body
class _Health(RequestHandler):
    """For a load balancer's health check: the process listens and can store an update (an
    instance that lost the database would answer Telegram's deliveries with 503s, each retried
    later: out of rotation, they go to one that stores them)."""

    receiver: WebhookReceiver

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    def prepare(self) -> None:
        if self.request.method not in ("GET", "HEAD"):  # no body is read here, ever
            self.set_status(405)
            self.finish()

    def data_received(self, chunk: bytes) -> None:
        pass  # a GET with a body: not kept

    async def head(self) -> None:  # a load balancer's check may use HEAD: as GET, no body
        await self.get()

    async def get(self) -> None:
        if await self.receiver.database_answers():
            self.write("ok")
        else:
            self.set_status(503)
            self.write("database unreachable")


def _log_request(handler: RequestHandler) -> None:
    """Leave request lines out of the log: the receiver logs what matters, and tornado logs an
    unexpected exception by itself."""


class WebhookFeed:
    """While this process holds the lease: hand the inbox's pending updates to the dispatcher,
    oldest first, each once. The first look replays what an earlier holder left pending."""

    def __init__(
        self,
        receiver: WebhookReceiver,
        sessions: async_sessionmaker[AsyncSession],
        dispatcher: KeyedDispatcher,
    ) -> None:
        self.receiver = receiver
        self.sessions = sessions
        self.dispatcher = dispatcher
        # Handed over during this turn and still pending when last looked (in hand, or left
        # pending by a failure: not handed over again before the next turn, as after a restart).
        self._handed: set[int] = set()
        # Pending when this turn began (None: not looked yet): left by an earlier run or holder,
        # perhaps half done, so replayed (resumed from their stored plan), however many pages.
        self._left: set[int] | None = None

    async def run(self) -> None:
        """Feed until cancelled; a database that does not answer is waited for."""
        self.receiver.attach()
        try:
            while True:
                await self.dispatcher.wait_for_room()
                self.receiver.arrived.clear()
                try:
                    more = await self.feed_once()
                except DATABASE_ERRORS as error:
                    log.warning("reading pending updates failed (%s)", type(error).__name__)
                    await asyncio.sleep(FEED_ERROR_DELAY)
                    continue
                if more:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.receiver.arrived.wait(), FEED_SCAN_SECONDS)
        finally:
            self.receiver.detach()

    async def feed_once(self) -> bool:
        """Hand over up to a page of pending updates not handed over yet; True if more wait."""
        async with self.sessions.begin() as session:
            pending = list(
                await session.scalars(
                    select(InboxUpdate.update_id)
                    .where(InboxUpdate.status == "pending")
                    .order_by(InboxUpdate.update_id)
                )
            )
            if self._left is None:
                self._left = set(pending)
                if pending:
                    log.info("replaying %d updates left pending by the last run", len(pending))
            self._handed &= set(pending)  # the rest are done
            new = [update_id for update_id in pending if update_id not in self._handed]
            page = new[:REPLAY_PAGE]
            kept = {i: kept for i in page if (kept := self.receiver.take(i)) is not None}
            loaded = await _load(session, [i for i in page if i not in kept])
        now, loop_now = utcnow(), asyncio.get_running_loop().time()
        for update_id in page:
            if update_id in kept:
                payload, received_at = kept[update_id]
            elif update_id in loaded:
                row = loaded[update_id]
                payload = dict(row.payload)
                received_at = loop_now - (now - row.received_at).total_seconds()
            else:
                continue  # finished and purged meanwhile
            replay = update_id in self._left
            self._left.discard(update_id)
            item = Item(update_id, payload, replay, received_at=None if replay else received_at)
            self.dispatcher.submit(chat_key(payload), item)
            self._handed.add(update_id)
        return len(new) > len(page)


async def _load(session: AsyncSession, ids: Sequence[int]) -> dict[int, InboxUpdate]:
    if not ids:
        return {}
    rows = await session.scalars(select(InboxUpdate).where(InboxUpdate.update_id.in_(ids)))
    return {row.update_id: row for row in rows}


async def set_webhook(bot: Bot, settings: Settings) -> None:
    """Tell Telegram where to send updates (every instance says the same); keep what waits."""
    assert settings.webhook_url is not None
    await bot.set_webhook(
        settings.webhook_url,
        secret_token=settings.secret_token,
        allowed_updates=list(ALLOWED_UPDATES),
        max_connections=settings.webhook_max_connections,
        drop_pending_updates=False,
    )


async def watch_webhook(
    bot: Bot, settings: Settings, caught_up: asyncio.Event | None = None
) -> None:
    """Log Telegram's delivery errors as they happen (an unreachable proxy shows only here:
    customers' messages simply stop arriving), and set the webhook again if another process
    removed or replaced it. Set `caught_up` once Telegram has nothing left to deliver: what
    customers sent while no instance listened is stored by then (each update is answered
    only once stored); until then it asks every CATCH_UP_CHECK_SECONDS."""
    url = settings.webhook_url
    seen_error: int | None = None
    first = True  # an error from before this start is not news
    while True:
        if not first:
            catching_up = caught_up is not None and not caught_up.is_set()
            await asyncio.sleep(CATCH_UP_CHECK_SECONDS if catching_up else WEBHOOK_CHECK_SECONDS)
        first_look, first = first, False
        try:
            info = await bot.get_webhook_info()
            if info.url != url:
                log.error(
                    "Telegram's webhook is %s, not WEBHOOK_URL (another process with this token "
                    "changed it, or polls); setting it again",
                    info.url or "unset",
                )
                await set_webhook(bot, settings)
                continue
            error_at = info.last_error_date
            stamp = int(error_at.timestamp()) if error_at is not None else None
            if stamp is not None and stamp != seen_error and not first_look:
                log.error(
                    "Telegram cannot deliver updates to WEBHOOK_URL: %s (%d waiting); check "
                    "the address and the proxy in front of the bot",
                    info.last_error_message,
                    info.pending_update_count,
                )
            seen_error = stamp
            if caught_up is not None and info.pending_update_count == 0:
                caught_up.set()
        except TelegramError as error:
            log.warning("asking Telegram about the webhook failed (%s)", error.message)
