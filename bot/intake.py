"""Durable update intake: store every update before Telegram is told it arrived, then dispatch.

PTB's Updater confirms a batch (the next getUpdates carries offset = last + 1)
while its handlers may still run, so a crash loses them. Here each batch is
committed to the inbox table before the next getUpdates call, which is what
confirms it; processing then goes through `Pipeline.handle`, one chat's updates
strictly in order, different chats concurrently. On start, pending rows are
replayed first, in update_id order.

A getUpdates answer comes as soon as one update exists, so an album's items may be
split over two batches; a fresh album item therefore waits a short grace in its chat's
queue (never in a transaction) until the rest is stored and can go along with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DataError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Bot, Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.config import ALBUM_GRACE_SECONDS
from bot.hotpath import add_inbox, mark_inbox
from bot.leadership import Fence, LeaseLost, unfenced
from bot.queries import pending_updates
from bot.slots import holding
from bot.telegram_errors import retry_seconds
from storage.db import DATABASE_ERRORS
from storage.repositories import inbox_get

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
# Stop fetching while this many stored updates wait for a worker (back-pressure).
MAX_OUTSTANDING = 2000
# A chat's updates held in memory beyond this wait as ids only, read back from the inbox in
# their turn: one customer sending thousands (a forwarded history, a script) must not fill
# the back-pressure and stop every other chat.
HELD_PER_CHAT = 100
REPLAY_PAGE = 500
POLL_ERROR_DELAY = 2.0
CONFLICT_DELAY = 10.0
# How many updates one getUpdates answer holds at most (Telegram's default limit).
GET_UPDATES_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Item:
    """One stored update waiting to be processed."""

    update_id: int
    payload: dict[str, Any]
    replay: bool
    update: Update | None = None
    # When the intake received it (event loop clock); None for a replay.
    received_at: float | None = None
    # Only its id is held (its chat had HELD_PER_CHAT waiting): read it from the inbox.
    spilled: bool = False


def json_safe(value: Any) -> Any:
    """Make PTB's to_dict() output JSON-serialisable.

    PTB leaves a few values as Python objects (e.g. the date of an inaccessible
    pinned message stays a datetime); they become what the Bot API sends.
    """
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, datetime):
        return int(value.timestamp())
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


async def stored_payload(
    sessions: async_sessionmaker[AsyncSession], update_id: int
) -> dict[str, Any] | None:
    """Read a spilled update back from the inbox (waiting out a database outage); None when
    it is no longer pending (handled meanwhile by an instance that took over)."""
    while True:
        try:
            async with sessions.begin() as session:
                row = await inbox_get(session, update_id)
                if row is None or row.status != "pending":
                    return None
                return dict(row.payload)
        except DATABASE_ERRORS as error:
            log.warning("update %s: cannot be read back (%s)", update_id, type(error).__name__)
            await asyncio.sleep(POLL_ERROR_DELAY)


def without_nul(value: Any) -> Any:
    """Replace U+0000 in every string of an update with U+FFFD. PostgreSQL stores no NUL in
    text: one in a customer's name or message failed their update for good (no answer, no
    ticket). One UTF-16 unit for another, so entity offsets still hold."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value
    if isinstance(value, dict):
        return {key: without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def _object(value: Any) -> dict[str, Any]:
    """Return a JSON object, or {} for anything else (a malformed update must not crash intake)."""
    return value if isinstance(value, dict) else {}


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def chat_key(payload: dict[str, Any]) -> Hashable:
    """Return the ordering key of a raw update: its chat (and forum topic), else the update type.

    A callback query's key is the chat of the message it belongs to (a private
    chat's id is the user's id), so a customer's presses and messages stay in order.
    """
    for kind in ("message", "edited_message", "channel_post", "edited_channel_post"):
        message = payload.get(kind)
        if isinstance(message, dict):
            chat = _object(message.get("chat"))
            thread = (
                _id(message.get("message_thread_id")) if message.get("is_topic_message") else None
            )
            return (_id(chat.get("id")), thread)
    query = payload.get("callback_query")
    if isinstance(query, dict):
        message = _object(query.get("message"))
        chat = _object(message.get("chat"))
        chat_id = _id(chat.get("id")) or _id(_object(query.get("from")).get("id"))
        thread = _id(message.get("message_thread_id")) if message.get("is_topic_message") else None
        return (chat_id, thread)
    for kind in ("my_chat_member", "chat_member", "chat_join_request"):
        member = payload.get(kind)
        if isinstance(member, dict):
            return (_id(_object(member.get("chat")).get("id")), None)
    return ("other", None)


def album_of(payload: dict[str, Any]) -> str | None:
    """Return the media_group_id of a new message that is an album item, else None."""
    group = _object(payload.get("message")).get("media_group_id")
    return group if isinstance(group, str) else None


def chat_id_of(payload: dict[str, Any]) -> int | None:
    """Return the chat id stored with an inbox row (None if the update has no chat)."""
    key = chat_key(payload)
    if isinstance(key, tuple) and isinstance(key[0], int):
        return key[0]
    return None


async def store_updates(
    sessions: async_sessionmaker[AsyncSession],
    batch: Sequence[tuple[int, dict[str, Any]]],
    fence: Fence = unfenced,
) -> set[int]:
    """Commit raw updates to the inbox in one transaction; return the ids not stored before.

    One update the database refuses must not block the rest forever: it is stored as a
    failed placeholder. DATABASE_ERRORS (the database unreachable) propagate: nothing of
    the batch was stored, and Telegram sends it again.
    """
    try:
        async with sessions.begin() as session:
            await fence(session)
            return await add_inbox(session, [(u, chat_id_of(p), p) for u, p in batch])
    except (StatementError, DataError) as error:
        log.error("storing a batch failed (%s); storing one by one", type(error).__name__)
    added: set[int] = set()
    for update_id, payload in batch:
        try:
            async with sessions.begin() as session:
                await fence(session)
                added |= await add_inbox(session, [(update_id, chat_id_of(payload), payload)])
        except (StatementError, DataError) as error:
            log.error("update %s cannot be stored: %s", update_id, error)
            async with sessions.begin() as session:
                placeholder = {"update_id": update_id, "unstorable": str(error)[:500]}
                await add_inbox(session, [(update_id, None, placeholder)])
                await mark_inbox(session, update_id, "failed", "unstorable payload")
    return added


class KeyedDispatcher:
    """Run items one at a time per key, many keys at once (bounded)."""

    def __init__(
        self,
        handle: Callable[[Item], Awaitable[None]],
        max_concurrency: int,
        *,
        album_grace: float = ALBUM_GRACE_SECONDS,
    ) -> None:
        self._handle = handle
        self._album_grace = album_grace
        self._slots = asyncio.Semaphore(max_concurrency)
        self._queues: dict[Hashable, deque[Item]] = {}
        self._workers: set[asyncio.Task[None]] = set()
        self._outstanding = 0
        self._held = 0  # of those, the ones held whole, not spilled
        self._room = asyncio.Event()
        self._room.set()
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def outstanding(self) -> int:
        return self._outstanding

    @property
    def held(self) -> int:
        """Items held whole in memory (what the back-pressure bounds)."""
        return self._held

    def submit(self, key: Hashable, item: Item) -> None:
        """Queue an item behind earlier items of the same key (as its id alone, once the key
        holds HELD_PER_CHAT: stored in the inbox, it is read back in its turn)."""
        self._outstanding += 1
        self._idle.clear()
        queue = self._queues.get(key)
        if queue is not None and len(queue) >= HELD_PER_CHAT:
            queue.append(Item(item.update_id, {}, replay=item.replay, spilled=True))
            return
        self._held += 1
        if self._held >= MAX_OUTSTANDING:
            self._room.clear()
        if queue is not None:
            queue.append(item)
            return
        self._queues[key] = deque([item])
        task = asyncio.create_task(self._work(key), name=f"pasokh-chat-{key}")
        self._workers.add(task)
        task.add_done_callback(self._workers.discard)

    async def _work(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                item = queue[0]
                # Before taking a slot: a waiting album holds up only its own chat.
                await self._wait_for_album(item)
                async with holding(self._slots):
                    try:
                        await self._handle(item)
                    except Exception:  # one update's failure must not stop its chat
                        log.exception("update %s: unexpected failure", item.update_id)
                queue.popleft()
                self._done_one(item)
        finally:
            self._queues.pop(key, None)
            # Cancelled with items left: they stay pending in the inbox for the next start.
            for left in queue:
                self._done_one(left)

    async def _wait_for_album(self, item: Item) -> None:
        """Hold a fresh album item until its grace, counted from its arrival, is over.

        The first item copies the album's items already stored (bot.albums); the rest
        may come with the next getUpdates answer, a round trip later. No transaction is
        open here (the pipeline opens it afterwards), so the database is not held either.
        A replay does not wait: its whole album was stored before the restart.
        """
        if item.replay or item.received_at is None or album_of(item.payload) is None:
            return
        delay = item.received_at + self._album_grace - asyncio.get_running_loop().time()
        # Stored by another instance, by its clock: one running ahead would make the item look
        # newer than it is, and hold up the customer's chat for as long as the clocks differ.
        if delay > 0:
            await asyncio.sleep(min(delay, self._album_grace))

    def _done_one(self, item: Item) -> None:
        self._outstanding -= 1
        if not item.spilled:
            self._held -= 1
        if self._held < MAX_OUTSTANDING // 2:
            self._room.set()
        if self._outstanding == 0:
            self._idle.set()

    async def wait_for_room(self) -> None:
        """Wait until the backlog is small enough to fetch more."""
        await self._room.wait()

    async def settle(self, stop: asyncio.Event, seconds: float) -> bool:
        """Wait for every queued item, however long; once `stop` is set, drain within
        `seconds`. True if all finished."""
        idle = asyncio.ensure_future(self._idle.wait())
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({idle, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (idle, stopping):
            task.cancel()
        return self._idle.is_set() or await self.drain(seconds)

    async def drain(self, seconds: float) -> bool:
        """Wait for every queued item; cancel what is left after `seconds`. True if all finished."""
        try:
            await asyncio.wait_for(self._idle.wait(), seconds)
            return True
        except TimeoutError:
            for task in list(self._workers):
                task.cancel()
            await asyncio.gather(*self._workers, return_exceptions=True)
            return False


class Intake:
    """Long-poll Telegram, store each batch, and feed the dispatcher."""

    def __init__(
        self,
        bot: Bot,
        sessions: async_sessionmaker[AsyncSession],
        dispatcher: KeyedDispatcher,
        *,
        poll_timeout: int,
        allowed_updates: Sequence[str] = ALLOWED_UPDATES,
        fence: Fence = unfenced,
    ) -> None:
        self.bot = bot
        self.sessions = sessions
        self.dispatcher = dispatcher
        # Stored only while this process holds the polling lease (bot.leadership): a batch
        # fetched just as another took over is left unconfirmed, for the new holder.
        self.fence = fence
        self.poll_timeout = poll_timeout
        self.allowed_updates = list(allowed_updates)
        self.offset: int | None = None
        # Set once a poll found Telegram's queue empty (or nearly): everything customers sent
        # while no one polled is stored by then. Until then a silent customer may not be.
        self.caught_up = asyncio.Event()

    async def replay_pending(self) -> int:
        """Queue every update stored but not finished, oldest first; return how many."""
        count = 0
        after: int | None = None
        while True:
            async with self.sessions.begin() as session:
                rows = await pending_updates(session, after=after, limit=REPLAY_PAGE)
            for row in rows:
                item = Item(row.update_id, dict(row.payload), replay=True)
                self.dispatcher.submit(chat_key(item.payload), item)
            count += len(rows)
            if len(rows) < REPLAY_PAGE:
                return count
            after = rows[-1].update_id

    async def store(self, updates: Sequence[Update]) -> list[Item]:
        """Commit a batch of parsed updates to the inbox; return the items not seen before."""
        return await self._store([(u.update_id, json_safe(u.to_dict()), u) for u in updates])

    async def _store(self, batch: list[tuple[int, dict[str, Any], Update | None]]) -> list[Item]:
        received_at = asyncio.get_running_loop().time()  # an album item's grace counts from here
        added = await store_updates(
            self.sessions, [(update_id, p) for update_id, p, _ in batch], self.fence
        )
        return [
            Item(update_id, p, replay=False, update=u, received_at=received_at)
            for update_id, p, u in batch
            if update_id in added
        ]

    async def fetch(self) -> list[tuple[int, dict[str, Any], Update | None]]:
        """Long-poll once; return each update as Telegram sent it, with its parsed form.

        The raw JSON is what the inbox stores: turning the parsed Update back into a
        dict (to_dict) for storage cost more than the database insert. An update PTB
        cannot parse is still stored (its parsed form is None): the pipeline marks it failed.
        """
        parameters: dict[str, Any] = {
            "offset": self.offset,
            "timeout": self.poll_timeout,
            "allowed_updates": self.allowed_updates,
        }
        raw = await self.bot._post("getUpdates", parameters, read_timeout=self.poll_timeout + 10)
        batch: list[tuple[int, dict[str, Any], Update | None]] = []
        for payload in without_nul(raw) if isinstance(raw, list) else []:
            update_id = payload.get("update_id") if isinstance(payload, dict) else None
            if not isinstance(update_id, int):
                log.error("getUpdates returned an update without an id; skipped: %.200r", payload)
                continue
            try:
                update: Update | None = Update.de_json(payload, self.bot)
            except Exception as error:  # stored anyway; the pipeline marks it failed
                log.error("update %s cannot be parsed: %s", update_id, error)
                update = None
            batch.append((update_id, payload, update))
        return batch

    async def poll_once(self) -> int:
        """Fetch one batch, store it, dispatch it; return how many updates came."""
        await self.dispatcher.wait_for_room()
        batch = await self.fetch()
        if not batch:
            self.caught_up.set()
            return 0
        fresh = await self._store(batch)
        # Only now may Telegram forget them: the next call confirms everything below offset.
        self.offset = max(update_id for update_id, _, _ in batch) + 1
        for item in fresh:
            self.dispatcher.submit(chat_key(item.payload), item)
        if len(batch) < GET_UPDATES_LIMIT:  # a full batch says more are waiting
            self.caught_up.set()
        return len(batch)

    async def _conflict(self, error: Conflict) -> None:
        """Telegram will not serve getUpdates: a webhook is set (a webhook instance set it,
        say, or WEBHOOK_URL was emptied while one ran: polling is what this process is told
        to do, so it goes), or another process polls with the token, one that does not share
        this database (several instances must share one PostgreSQL DATABASE_URL)."""
        if "webhook" in error.message.lower():
            log.warning("a webhook is set for this token; removing it to poll (WEBHOOK_URL unset)")
            try:
                await self.bot.delete_webhook(drop_pending_updates=False)
            except TelegramError as failed:
                log.warning("removing the webhook failed (%s); retrying", failed.message)
                await asyncio.sleep(POLL_ERROR_DELAY)
            return
        log.error(
            "another process polls Telegram with this token and does not share this database: "
            "instances must all use one PostgreSQL DATABASE_URL (or stop the other); "
            "retrying in %ss",
            CONFLICT_DELAY,
        )
        await asyncio.sleep(CONFLICT_DELAY)

    async def run(self) -> None:
        """Poll until cancelled; transient failures wait and retry. Telegram failing the
        polls is logged when it starts and when it ends, not at every try (an outage of
        minutes, filtered or behind a dropped proxy, made a line every few seconds)."""
        failing_since: float | None = None
        failures = 0
        while True:
            try:
                await self.poll_once()
                if failing_since is not None:
                    log.warning(
                        "getUpdates works again after %.0f s and %d failed tries",
                        asyncio.get_running_loop().time() - failing_since,
                        failures,
                    )
                    failing_since, failures = None, 0
            except InvalidToken:
                raise
            except LeaseLost:
                log.warning("not storing updates: another instance polls now")
                await asyncio.sleep(POLL_ERROR_DELAY)
            except Conflict as error:
                await self._conflict(error)
            except RetryAfter as error:
                await asyncio.sleep(retry_seconds(error))
            except (NetworkError, TelegramError) as error:
                failures += 1
                if failing_since is None:
                    failing_since = asyncio.get_running_loop().time()
                    log.warning(
                        "getUpdates failed (%s); retrying every %g s until it works",
                        error.message,
                        POLL_ERROR_DELAY,
                    )
                else:
                    log.debug("getUpdates failed again (%s)", error.message)
                await asyncio.sleep(POLL_ERROR_DELAY)
            except DATABASE_ERRORS as error:
                # Nothing of the batch was confirmed: Telegram sends it again.
                log.error("storing updates failed (%s); retrying", type(error).__name__)
                await asyncio.sleep(POLL_ERROR_DELAY)
