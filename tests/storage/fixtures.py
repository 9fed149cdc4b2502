"""Database fixtures shared by tests/storage and tests/handoff.

`db_url` runs each test on both backends: a fresh copy of a migrated SQLite file,
and a PostgreSQL database created (and migrated) once per session, emptied before
each test. An unreachable PostgreSQL server fails the tests: it never skips them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from storage.db import create_engine_from_url, make_sessionmaker, migrate
from storage.models import Base

T = TypeVar("T")
Makers = Callable[[], async_sessionmaker[AsyncSession]]

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
PG_HOST = os.environ.get("PASOKH_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PASOKH_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("PASOKH_TEST_PG_USER", "postgres")


def run_blocking(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion on its own loop in a worker thread (safe from any fixture)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


@asynccontextmanager
async def _autocommit(database: str) -> AsyncIterator[AsyncConnection]:
    engine = create_async_engine(
        pg_url(database),
        isolation_level="AUTOCOMMIT",
        poolclass=NullPool,
        connect_args={"timeout": 5},
    )
    try:
        async with engine.connect() as connection:
            yield connection
    finally:
        await engine.dispose()


async def _create_database(name: str) -> None:
    async with _autocommit("postgres") as connection:
        await connection.exec_driver_sql(f'CREATE DATABASE "{name}"')


async def _drop_database(name: str) -> None:
    async with _autocommit("postgres") as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
        await connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def new_pg_database() -> str:
    """Create an empty, uniquely named database; fail the test if the server is down."""
    name = f"pasokh_test_{secrets.token_hex(6)}"
    try:
        run_blocking(lambda: _create_database(name))
    except (OSError, DBAPIError, TimeoutError) as exc:
        pytest.fail(f"PostgreSQL on {PG_HOST}:{PG_PORT} is required and unreachable: {exc!r}")
    return name


def drop_pg_database(name: str) -> None:
    run_blocking(lambda: _drop_database(name))


async def _empty_all_tables(url: str) -> None:
    # DELETE + sequence restart: far faster than TRUNCATE on tables this small.
    statements = [f'DELETE FROM "{t.name}"' for t in reversed(Base.metadata.sorted_tables)]
    async with _autocommit(url.rsplit("/", 1)[1]) as connection:
        sequences = await connection.scalars(
            text("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
        )
        statements += [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
        # One statement, one round trip, atomic.
        await connection.exec_driver_sql("DO $$ BEGIN " + "; ".join(statements) + "; END $$")


@pytest.fixture(scope="session")
def pg_migrated_url() -> Iterator[str]:
    """A migrated PostgreSQL database for this test session."""
    name = new_pg_database()
    try:
        url = pg_url(name)
        run_blocking(lambda: migrate(url))
        yield url
    finally:
        drop_pg_database(name)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "pasokh.sqlite3"
    run_blocking(lambda: migrate(f"sqlite+aiosqlite:///{path}"))
    return path


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of an empty, migrated database: SQLite and PostgreSQL in turn."""
    if request.param == "sqlite":
        target = tmp_path / "pasokh.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("pg_migrated_url")
    run_blocking(lambda: _empty_all_tables(url))
    return url


@pytest.fixture(params=BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a database with no tables at all (for migration tests)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'not' / 'yet' / 'there.sqlite3'}"
        return
    name = new_pg_database()
    try:
        yield pg_url(name)
    finally:
        drop_pg_database(name)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine_from_url(db_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def more_sessions(db_url: str) -> AsyncIterator[Makers]:
    """Factory of session makers on engines of their own, like separate processes."""
    engines: list[AsyncEngine] = []

    def factory() -> async_sessionmaker[AsyncSession]:
        engine = create_engine_from_url(db_url)
        engines.append(engine)
        return make_sessionmaker(engine)

    try:
        yield factory
    finally:
        for engine in engines:
            await engine.dispose()
