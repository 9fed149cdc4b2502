"""Engines, sessions and migrations for SQLite (default) and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.exc import InterfaceError as SQLAlchemyInterfaceError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry, NullPool

DEFAULT_URL = "sqlite+aiosqlite:///data/pasokh.sqlite3"
# The drivers the project installs and is tested on.
DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Arbitrary constant: the PostgreSQL advisory lock that serialises `migrate` across processes.
MIGRATION_LOCK_KEY = 0x7061736F6B68  # "pasokh"
SQLITE_BUSY_TIMEOUT_MS = 5000
# What a database that fails can raise: SQLAlchemy's errors, and what asyncpg raises unwrapped
# while (re)connecting: the network's (refused, reset mid-query) and its own (no such database,
# a wrong password, the server starting up).
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    SQLAlchemyError,
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
)
# Of those, the ones that say the server is not answering (refused, reset, shutting down or
# starting up), as opposed to refusing one statement: worth waiting for, however long.
_UNREACHABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused, reset, "unexpected connection_lost() call"
    TimeoutError,
    socket.gaierror,  # the host name does not resolve (DNS down)
    asyncpg.InterfaceError,  # among them: the connection does not exist, was closed
    asyncpg.exceptions.OperatorInterventionError,  # admin or crash shutdown, cannot connect now
    SQLAlchemyInterfaceError,
)


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) says the database is not answering at all."""
    seen: BaseException | None = error
    for _ in range(4):  # SQLAlchemy's error -> the driver adapter's -> asyncpg's
        if seen is None:
            return False
        if isinstance(seen, _UNREACHABLE):
            return True
        if isinstance(seen, DBAPIError) and seen.connection_invalidated:
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str | URL) -> Path | None:
    """The file a SQLite URL names; None for another backend, in-memory or a URI filename."""
    parsed = make_url(url)
    database = parsed.database
    if parsed.get_backend_name() != "sqlite" or not database:
        return None
    if database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


_HIDDEN = "***"  # as SQLAlchemy hides a password after the user name


def shown_url(url: str | URL) -> str:
    """The URL as it may be printed: the password hidden, after the user name or in the
    query (`?password=`, which asyncpg takes as well)."""
    parsed = make_url(url)
    if "password" not in parsed.query:
        return parsed.render_as_string(hide_password=True)
    hidden = parsed.update_query_dict({"password": _HIDDEN})
    return hidden.render_as_string(hide_password=True).replace(quote(_HIDDEN, safe=""), _HIDDEN)


def _ensure_sqlite_dir(url: str) -> None:
    """Make the database's folder and file for its owner alone: it holds every customer's
    name and messages, and under the usual umask SQLite would make it readable by every
    account on the machine. (Its -wal and -shm files take the file's permissions.) A folder
    or file that exists already keeps what its owner gave it."""
    path = sqlite_file(url)
    if path is None:
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(OSError):  # there already, or not ours to make: opening says
        path.touch(mode=0o600, exist_ok=False)  # an empty file is an empty database


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Turn on WAL, foreign keys and a busy timeout; start every transaction IMMEDIATE.

    IMMEDIATE takes the write lock at BEGIN, so two sessions that read then write
    queue up behind each other (honouring busy_timeout) instead of failing with
    "database is locked" when the second one tries to upgrade its read snapshot.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Let us emit BEGIN ourselves instead of the driver's implicit, deferred one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine_from_url(url: str = DEFAULT_URL, **kwargs: Any) -> AsyncEngine:
    """Create an async engine; for SQLite also create the file's directory and set pragmas.
    A failed statement's error leaves out its parameters: customers' words and names are in
    them, and the error goes to the log."""
    kwargs.setdefault("hide_parameters", True)
    if _is_sqlite(url):
        _ensure_sqlite_dir(url)
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Return the session factory; objects stay readable after commit."""
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config(url: str | None = None) -> Config:
    """Build an Alembic config pointing at the packaged migrations (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


class SchemaTooNew(Exception):
    """The database was migrated by a newer release than this one (a rolled-back deploy)."""

    def __init__(self, revision: str, head: str | None) -> None:
        super().__init__(
            f"the database is at schema revision {revision}, newer than this release knows "
            f"(its latest is {head}); run the newer release, or downgrade the database with "
            "it first (alembic downgrade)"
        )


def _upgrade(connection: Connection, config: Config) -> None:
    config.attributes["connection"] = connection
    current = MigrationContext.configure(connection).get_current_revision()
    script = ScriptDirectory.from_config(config)
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise SchemaTooNew(current, script.get_current_head())  # alembic's error: a traceback
    command.upgrade(config, "head")
    # Prove the database takes writes now, not at the first customer's message: a read-only
    # SQLite file upgrades fine when there is nothing to upgrade.
    connection.execute(text("UPDATE alembic_version SET version_num = version_num"))


# Alembic keeps its context in module globals: one upgrade at a time per process.
_local_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


async def migrate(url: str = DEFAULT_URL) -> None:
    """Bring the database at `url` to the latest schema; safe at every start, even concurrently."""
    lock = _local_locks.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock:
        await _migrate(url)


async def _migrate(url: str) -> None:
    engine = create_engine_from_url(url, poolclass=NullPool)
    postgres = engine.dialect.name == "postgresql"
    try:
        async with engine.connect() as connection:
            if postgres:
                # Session-level lock: a second process waits here until the first is done.
                await connection.execute(
                    text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
                )
                await connection.commit()
            try:
                await connection.run_sync(_upgrade, alembic_config())
                await connection.commit()
            finally:
                if postgres:
                    await connection.rollback()
                    await connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY}
                    )
                    await connection.commit()
    finally:
        await engine.dispose()
