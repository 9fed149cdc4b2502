"""Engines, pragmas, migrations and timestamps on both backends."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import stat
import sys
from asyncio.subprocess import PIPE
from contextlib import closing
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Integer, MetaData, Table, func, make_url, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import (
    alembic_config,
    create_engine_from_url,
    database_unreachable,
    make_sessionmaker,
    migrate,
)
from storage.models import Base, Customer, Ticket
from tests.storage import migrating
from tests.storage.helpers import AGENT_CHAT, add_customer

ROOT = Path(__file__).resolve().parents[2]


def _schema_diff(connection: Connection, metadata: MetaData) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def _diff(url: str, metadata: MetaData = Base.metadata) -> list[object]:
    engine = create_engine_from_url(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_schema_diff, metadata)
    finally:
        await engine.dispose()


async def _current_revision(url: str) -> str | None:
    engine = create_engine_from_url(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: MigrationContext.configure(sync).get_current_revision()
            )
    finally:
        await engine.dispose()


async def test_migrated_schema_matches_the_models(empty_db_url: str) -> None:
    await migrate(empty_db_url)

    assert await _diff(empty_db_url) == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await _current_revision(empty_db_url) == head


async def test_schema_comparison_notices_a_missing_table(empty_db_url: str) -> None:
    # Guards the test above: the comparison really looks at the database.
    await migrate(empty_db_url)
    extended = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(extended)
    Table("not_migrated", extended, Column("id", Integer, primary_key=True))

    diff = await _diff(empty_db_url, extended)

    assert [entry[0] for entry in diff if isinstance(entry, tuple)] == ["add_table"]


async def test_migrate_again_at_restart_changes_nothing(empty_db_url: str) -> None:
    await migrate(empty_db_url)
    await migrate(empty_db_url)

    assert await _diff(empty_db_url) == []


@pytest.mark.parametrize("empty_db_url", ["postgresql"], indirect=True)
async def test_processes_starting_together_migrate_once_without_errors(empty_db_url: str) -> None:
    code = "import asyncio, sys; from storage.db import migrate; asyncio.run(migrate(sys.argv[1]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, empty_db_url, cwd=ROOT, env=env, stderr=PIPE
        )
        for _ in range(2)
    ]
    results = [await process.communicate() for process in processes]

    assert [process.returncode for process in processes] == [0, 0], results
    assert await _diff(empty_db_url) == []


async def test_calls_in_one_process_at_once_are_safe(empty_db_url: str) -> None:
    await asyncio.gather(*(migrate(empty_db_url) for _ in range(3)))

    assert await _diff(empty_db_url) == []


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
async def test_sqlite_gets_its_directory_wal_foreign_keys_and_busy_timeout(
    empty_db_url: str,
) -> None:
    engine = create_engine_from_url(empty_db_url)
    try:
        async with engine.connect() as connection:
            journal = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
            foreign_keys = (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar()
            busy = (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    finally:
        await engine.dispose()

    assert (journal, foreign_keys, busy) == ("wal", 1, 5000)


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
async def test_sqlite_rows_are_checked_only_when_a_migration_ran(empty_db_url: str) -> None:
    # Every start checked every row's foreign keys (2.6 s at a year's log, before any update
    # was handled) though nothing had migrated: a row referring to nothing, left by hand
    # here, shows whether the check ran.
    await migrate(empty_db_url)
    _orphan_ticket(empty_db_url)

    await migrate(empty_db_url)  # at the head already: starts, no check


@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
async def test_rows_a_migration_left_broken_stop_every_start_until_mended(
    empty_db_url: str,
) -> None:
    # The first start said so; the next, with nothing to migrate, checked nothing and ran.
    await migrating.migrate(empty_db_url, "0010")
    _orphan_ticket(empty_db_url)
    for _ in range(2):
        with pytest.raises(RuntimeError, match="referring to nothing"):
            await migrate(empty_db_url)
    with closing(sqlite3.connect(make_url(empty_db_url).database or "")) as raw:
        raw.execute("DELETE FROM tickets WHERE customer_id = 999")
        raw.commit()
    await migrate(empty_db_url)  # mended: it starts, and the next start checks nothing
    _orphan_ticket(empty_db_url)
    await migrate(empty_db_url)


def _orphan_ticket(url: str) -> None:
    """A ticket of no customer, written with the foreign keys off (as a migration may)."""
    with closing(sqlite3.connect(make_url(url).database or "")) as raw:
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute(
            "INSERT INTO tickets (customer_id, status, level, priority, reason, question, tried, "
            "agent_chat_id, opened_at, customer_blocked) VALUES (999, 'open', 1, 'normal', "
            "'asked', '?', '[]', 1, '2026-01-01 00:00:00', 0)"
        )
        raw.commit()


async def test_a_new_sqlite_database_and_its_folder_are_for_their_owner_alone(
    tmp_path: Path,
) -> None:
    # Made under the usual umask (022), every account on the machine could read every
    # customer's name and messages.
    path = tmp_path / "data" / "pasokh.sqlite3"
    engine = create_engine_from_url(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
            await connection.exec_driver_sql("INSERT INTO t VALUES (1)")
    finally:
        await engine.dispose()

    made = [path.parent, path, *path.parent.glob("pasokh.sqlite3-*")]
    assert {p.name: stat.S_IMODE(p.stat().st_mode) & 0o077 for p in made} == {
        p.name: 0 for p in made
    }


async def test_foreign_keys_are_enforced(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                Ticket(
                    customer_id=999,  # no such customer
                    reason="asked",
                    question="?",
                    agent_chat_id=AGENT_CHAT,
                )
            )


async def test_timestamps_come_back_aware_in_utc(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    tehran = timezone(timedelta(hours=3, minutes=30))
    seen = datetime(2024, 8, 2, 13, 30, 15, 123456, tzinfo=tehran)
    async with sessions.begin() as session:
        session.add(Customer(id=5, first_name="مریم", created_at=seen, last_seen_at=seen))

    fresh = make_sessionmaker(sessions.kw["bind"])
    async with fresh() as session:
        customer = await session.get(Customer, 5)
        assert customer is not None
        assert customer.created_at.utcoffset() == timedelta(0)
        assert customer.created_at == seen
        earlier = await session.scalar(
            select(func.count()).where(
                Customer.created_at < datetime(2024, 8, 2, 10, 1, tzinfo=UTC)
            )
        )
        assert earlier == 1


async def test_naive_datetimes_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(Exception, match="naive datetime"):
        async with sessions.begin() as session:
            session.add(Customer(id=6, first_name="x", created_at=datetime(2024, 1, 1)))


async def test_database_refuses_two_open_tickets_for_one_customer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 7)
    async with sessions.begin() as session:
        session.add(Ticket(customer_id=7, reason="asked", question="a", agent_chat_id=AGENT_CHAT))
        session.add(
            Ticket(
                customer_id=7,
                status="closed",
                reason="asked",
                question="b",
                agent_chat_id=AGENT_CHAT,
            )
        )

    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                Ticket(customer_id=7, reason="asked", question="c", agent_chat_id=AGENT_CHAT)
            )


async def test_database_refuses_a_rating_outside_1_to_5(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 8)
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(
                Ticket(
                    customer_id=8,
                    status="closed",
                    reason="asked",
                    question="a",
                    agent_chat_id=AGENT_CHAT,
                    rating=6,
                )
            )


async def test_sessions_keep_objects_readable_after_commit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    customer = await add_customer(sessions, 9)

    assert customer.first_name == "علی"  # no lazy load (which async sessions forbid)


async def test_engine_runs_raw_sql(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        assert (await session.execute(text("SELECT 1"))).scalar() == 1


def test_only_a_database_that_does_not_answer_counts_as_unreachable() -> None:
    refused = ConnectionRefusedError(111, "Connect call failed")
    wrapped = DBAPIError("SELECT 1", None, refused, connection_invalidated=True)
    assert database_unreachable(refused)
    assert database_unreachable(wrapped)
    assert database_unreachable(asyncpg.exceptions.CannotConnectNowError("starting up"))
    # A statement the database refuses, or a file that is missing, is not an outage.
    assert not database_unreachable(FileNotFoundError(2, "No such file or directory"))
    assert not database_unreachable(IntegrityError("INSERT", None, ValueError("duplicate key")))
    assert not database_unreachable(asyncpg.exceptions.UniqueViolationError("duplicate key"))


async def test_a_failed_statement_does_not_carry_customers_words_into_the_log(
    db_url: str,
) -> None:
    # The error of a failed insert is logged; its parameters are what a customer wrote.
    engine = create_engine_from_url(db_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO customers (id, first_name) VALUES (:id, :name)"),
                {"id": "not a number", "name": "کد ملی من ۰۰۱۲۳۴۵۶۷۸"},
            )
    except DBAPIError as error:
        said = str(error)
    else:
        pytest.fail("the insert should have failed")
    finally:
        await engine.dispose()
    assert "۰۰۱۲۳۴۵۶۷۸" not in said and "hidden due to hide_parameters" in said
