"""SQLite for the bot's own engine without aiosqlite's worker thread.

aiosqlite hands every statement to a worker thread and back. On a local file
in WAL mode a statement takes microseconds, so the two thread switches (and
the GIL hand-over they need while the event loop is busy) cost far more than
the statement: under load they made the bot's database work several times
slower. This connection keeps aiosqlite's interface (SQLAlchemy's aiosqlite
dialect drives it unchanged) but runs each call right away in the event
loop's thread. The bot uses one such connection (SQLite has one writer);
several bot processes need PostgreSQL anyway. While another connection (a
CLI, a test reading the database) holds the write lock, a statement waits by
sleeping asynchronously, never in SQLite's busy handler, which would block the loop.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable, Generator
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from storage.db import SQLITE_BUSY_TIMEOUT_MS

# How long a statement waits for another connection's write lock, in all.
BUSY_WAIT_SECONDS = SQLITE_BUSY_TIMEOUT_MS / 1000
BUSY_FIRST_DELAY = 0.001
BUSY_MAX_DELAY = 0.05


class _RunNow:
    """Stands in for aiosqlite's queue to its thread: runs each queued call at once.

    (SQLAlchemy's dialect also queues calls directly, e.g. to set isolation_level.)
    """

    def put_nowait(self, item: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = item
        try:
            result = function()
        except BaseException as error:  # handed to whoever awaits the future
            if future is not None and not future.done():
                future.set_exception(error)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run in the caller's thread (never started)."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _RunNow()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        waited = 0.0
        delay = BUSY_FIRST_DELAY
        while True:
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as error:
                # Another connection holds the write lock. SQLite's own busy handler would
                # sleep right here, in the event loop's thread, and stall every update (and
                # the lock holder too, when it runs in this loop); wait by yielding instead.
                if not _busy(error) or waited >= BUSY_WAIT_SECONDS:
                    raise
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, BUSY_MAX_DELAY)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineConnection]:
        return self._connect().__await__()

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def _busy(error: sqlite3.OperationalError) -> bool:
    """Say whether waiting may help (not a stale WAL snapshot, which needs a new transaction)."""
    code = getattr(error, "sqlite_errorcode", None)
    return (
        isinstance(code, int)
        and code & 0xFF == sqlite3.SQLITE_BUSY
        and code != sqlite3.SQLITE_BUSY_SNAPSHOT
    )


def _open(database: str) -> sqlite3.Connection:
    return sqlite3.connect(database)


def wait_in_the_loop(engine: AsyncEngine) -> None:
    """Turn SQLite's blocking busy wait off for `engine`: InlineConnection waits instead."""

    @event.listens_for(engine.sync_engine, "connect")
    def _no_busy_timeout(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Runs after storage.db's own connect hook, which set busy_timeout.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 0")
        cursor.close()


async def _connect(database: str) -> InlineConnection:
    return await InlineConnection(partial(_open, database))


def inline_creator(url: str) -> Callable[[], Awaitable[InlineConnection]]:
    """Return SQLAlchemy's `async_creator` for a SQLite URL."""
    database = make_url(url).database or ":memory:"
    return partial(_connect, database)
