"""Which holder of the polling lease is known dead, so a standby need not wait it out."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, delete, event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram import Bot

import bot.leadership
import storage.repositories.leases
from bot.config import Settings
from bot.intake import Intake, Item, KeyedDispatcher, store_updates
from bot.leadership import LEASE, POLLING, LeaseLost, PollingLease
from bot.main import one_connection, pool_options, serve
from bot.sqlite_inline import wait_in_the_loop
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import InboxUpdate, Lease
from storage.repositories import Claimant, LeaseHolder, inbox_add, take_lease
from tests.bot.support import ANSWERED, UNKNOWN, RunningBot, settled
from tests.fake_telegram import FakeTelegram
from tests.storage.fixtures import pg_migrated_url  # noqa: F401  (found by name)

UNTIL = datetime(2126, 12, 6, 8, 0, tzinfo=UTC)  # far off: dead or alive is by process only


@pytest.fixture
def lease(tmp_path: Path) -> PollingLease:
    # No query is made: only the sessions' type is needed.
    return PollingLease(
        make_sessionmaker(create_engine_from_url(f"sqlite+aiosqlite:///{tmp_path}/x"))
    )


def exited_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_holder_beside_this_process_is_dead_once_its_process_is_gone(
    lease: PollingLease,
) -> None:
    dead = LeaseHolder("old", lease.host, exited_pid(), UNTIL)
    alive = LeaseHolder("other", lease.host, os.getppid(), UNTIL)
    earlier_run = LeaseHolder("before a restart", lease.host, os.getpid(), UNTIL)

    assert lease.gone(dead)
    assert not lease.gone(alive)
    assert lease.gone(earlier_run)  # this very process id, another run: a restarted container


def test_a_holder_killed_but_not_yet_reaped_by_its_parent_is_dead(lease: PollingLease) -> None:
    # A zombie still answers os.kill(pid, 0): the standby waited the lease's whole 20 s.
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{process.pid}/stat")
        for _ in range(200):  # until it has exited (and, not waited for, is a zombie)
            if stat.read_text().rpartition(")")[2].split()[0] == "Z":
                break
            time.sleep(0.02)
        assert lease.gone(LeaseHolder("killed", lease.host, process.pid, UNTIL))
    finally:
        process.wait()


def test_a_holder_elsewhere_is_never_judged_by_its_process_id(lease: PollingLease) -> None:
    # Another host, or a container on this host that numbers its processes on its own.
    elsewhere = LeaseHolder("other", lease.host + "-other", exited_pid(), UNTIL)
    assert not lease.gone(elsewhere)


def test_without_a_pid_namespace_to_compare_no_holder_is_judged_dead(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def unreadable(path: str) -> str:
        raise OSError(path)

    monkeypatch.setattr(os, "readlink", unreadable)
    lease = PollingLease(
        make_sessionmaker(create_engine_from_url(f"sqlite+aiosqlite:///{tmp_path}/x"))
    )

    assert not lease.gone(LeaseHolder("old", lease.host, exited_pid(), UNTIL))


async def _dispatch_nothing(item: Item) -> None:
    """Nothing is handled: only what the intake stores and confirms matters here."""


async def test_a_batch_fetched_after_another_took_the_lease_is_left_for_it(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    engine = create_engine_from_url(settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        lease = PollingLease(sessions)
        async with sessions.begin() as session:  # another process holds it
            await take_lease(session, POLLING, Claimant("elsewhere", "b", 1), lasting=LEASE)
        fake.user_sends_text(fake.new_user("مشتری"), "سلام")
        async with Bot(settings.token, base_url=fake.base_url) as telegram:
            dispatcher = KeyedDispatcher(_dispatch_nothing, 1)
            intake = Intake(telegram, sessions, dispatcher, poll_timeout=0, fence=lease.fence)
            with pytest.raises(LeaseLost):
                await intake.poll_once()
            async with sessions.begin() as session:
                stored = list(await session.scalars(select(InboxUpdate)))
    finally:
        await engine.dispose()
    assert stored == []
    assert intake.offset is None  # not confirmed: Telegram gives it to the lease's holder
    assert len(fake.pending_updates()) == 1


@pytest.mark.postgres
async def test_a_holder_whose_clock_is_behind_keeps_its_lease_for_its_whole_term(
    pg_migrated_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Two hosts on one PostgreSQL server; the first one's clock is a minute behind. Timed by
    # that clock, its fresh lease would look expired to the other at once.
    engine = create_engine_from_url(pg_migrated_url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions.begin() as session:
            await session.execute(delete(Lease))
        behind, other = PollingLease(sessions), PollingLease(sessions)
        other.host = "another host"  # not judged by process id: they share this one's

        def a_minute_behind() -> datetime:
            return datetime.now(UTC) - timedelta(minutes=1)

        with monkeypatch.context() as patch:  # wherever the lease code reads the host's clock
            for module in (bot.leadership, storage.repositories.leases):
                patch.setattr(module, "utcnow", a_minute_behind, raising=False)
            assert await behind.take() is None
        refused = await other.take()
    finally:
        await engine.dispose()

    assert refused is not None and refused.holder == behind.holder


class Counted(logging.Handler):
    """Counts the log lines that say something, and tells when the first comes."""

    def __init__(self, words: str) -> None:
        super().__init__()
        self.words = words
        self.count = 0
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.words in record.getMessage():
            self.count += 1
            self.seen.set()


async def test_pending_updates_that_cannot_be_read_are_read_again_after_a_pause(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    engine = create_engine_from_url(settings.database_url)
    sessions = make_sessionmaker(engine)
    customer = fake.new_user("مشتری")
    # A run stored this update and died before handling it; Telegram has forgotten it.
    left = fake.user_sends_text(customer, ANSWERED)
    with fake.state.lock:
        fake.state.confirm(left.update_id + 1)
    async with sessions.begin() as session:
        await inbox_add(session, left.update_id, customer.id, left.update)
        # The inbox cannot be read when this process starts its turn.
        await session.execute(text("ALTER TABLE inbox_updates RENAME TO inbox_away"))
    failures = Counted("replaying pending updates failed")
    logging.getLogger("bot").addHandler(failures)
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(settings, stop))
    try:
        await asyncio.wait_for(failures.seen.wait(), 10)
        await asyncio.sleep(1)
        failed_within_a_second = failures.count
        async with sessions.begin() as session:
            await session.execute(text("ALTER TABLE inbox_away RENAME TO inbox_updates"))
        fake.user_sends_text(customer, UNKNOWN)
        replies = await fake.wait_for_messages_async(customer.id, 2, timeout=20)
        await settled(RunningBot(settings, serving, stop), fake)  # fails if any stays pending
    finally:
        stop.set()
        await asyncio.wait_for(serving, 20)
        await engine.dispose()
        logging.getLogger("bot").removeHandler(failures)

    assert failed_within_a_second == 1  # tried again after a pause, not over and over at once
    assert "رمز" in (replies[0].text or "")  # the left update answered first, in order


def test_a_machine_of_the_same_name_is_not_taken_for_this_one(database_url: str) -> None:
    # Machines cloned from one image share a host name and the initial PID namespace's number;
    # a process id there says nothing of a process here, so its holder is not known dead.
    engine = create_engine_from_url(database_url)
    lease = PollingLease(make_sessionmaker(engine))
    host, namespace = lease.host.split(" ")[:2]
    twin = LeaseHolder("other", f"{host} {namespace} boot:{'0' * 32}", 2**22 + 1, datetime.now(UTC))
    beside = LeaseHolder("other", lease.host, 2**22 + 1, datetime.now(UTC))
    assert not lease.gone(twin)
    assert lease.gone(beside)  # a process beside this one that no longer runs
    assert not lease.gone(LeaseHolder("other", f"{host} {namespace}", 2**22 + 1, beside.expires_at))


async def test_a_lone_sqlite_instance_keeps_its_lease_while_its_updates_queue_for_the_database(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The bot's one SQLite connection, as serve() builds it. A backlog of updates, each holding
    # the connection a while, queues ahead of the renewal for longer than the holder waits for
    # it: the lease used to lapse and polling stop while the bot was busiest.
    for name, seconds in (("RENEW_SECONDS", 0.2), ("GIVE_UP_SECONDS", 0.6), ("SURE_SECONDS", 0.2)):
        monkeypatch.setattr(bot.leadership, name, seconds)
    engine = create_engine_from_url(database_url, **pool_options(database_url))
    wait_in_the_loop(engine)
    sessions = make_sessionmaker(engine)
    lease = PollingLease(sessions, renews_in_commits=one_connection(database_url))

    async def an_update() -> None:
        async with sessions.begin() as session:
            await session.execute(text("SELECT 1"))  # the connection is this update's now
            await asyncio.sleep(0.05)  # the handlers' work (a KB query off the loop, ...)
            await lease.fence(session)

    try:
        assert await lease.take() is None
        async with sessions.begin() as session:
            first_term = await session.scalar(select(Lease.expires_at))
        keeping = asyncio.create_task(lease.keep())
        await asyncio.gather(*(an_update() for _ in range(40)))  # 2 s in the queue
        still_polling = not keeping.done()
        keeping.cancel()
        async with sessions.begin() as session:
            last_term = await session.scalar(select(Lease.expires_at))
    finally:
        await engine.dispose()

    assert still_polling
    assert "could not be renewed" not in caplog.text
    assert first_term is not None and last_term is not None
    assert last_term - first_term >= timedelta(seconds=1.5)  # renewed along the way


@dataclass
class DueLease:
    """A lease taken on the bot's one SQLite connection, its renewal due in a commit, its
    checks still spared (renewal after 1 s, checks spared 1.5 s: test-sized)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    lease: PollingLease

    async def checked_after_a_takeover(self) -> None:
        """Let the spared checks run out, have another process take the lease over, and
        assert the next fenced commit is refused."""
        await asyncio.sleep(0.5)  # 1.75 s after the take: checks are due again
        async with self.sessions.begin() as session:
            await session.execute(delete(Lease))
            await take_lease(session, POLLING, Claimant("elsewhere", "b", 1), lasting=LEASE)
        async with self.sessions.begin() as session:
            with pytest.raises(LeaseLost):
                await self.lease.fence(session)


@pytest.fixture
async def due_lease(database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[DueLease]:
    monkeypatch.setattr(bot.leadership, "RENEW_SECONDS", 1.0)
    monkeypatch.setattr(bot.leadership, "SURE_SECONDS", 1.5)
    engine = create_engine_from_url(database_url, **pool_options(database_url))
    sessions = make_sessionmaker(engine)
    lease = PollingLease(sessions, renews_in_commits=True)
    try:
        assert await lease.take() is None
        await asyncio.sleep(1.25)  # the renewal is due, checks are still spared
        yield DueLease(engine, sessions, lease)
    finally:
        await engine.dispose()


async def test_a_renewal_in_a_transaction_rolled_back_does_not_spare_the_next_commit_its_check(
    due_lease: DueLease,
) -> None:
    # Checks are spared for SURE_SECONDS after a renewal; the one a rolled-back unit of work
    # made never happened, so it spares nothing.
    session = due_lease.sessions()

    async def failing() -> None:
        async with session.begin():
            await due_lease.lease.fence(session)  # renews, in a unit of work that then fails
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing()
    async with session.begin():  # the same session's next commit is not the renewal's
        await session.execute(text("SELECT 1"))
    await session.close()
    await due_lease.checked_after_a_takeover()


async def test_a_renewal_whose_commit_failed_after_a_savepoint_spares_no_check(
    due_lease: DueLease,
) -> None:
    # The intake stores a batch with a savepoint after the fence: its release is no commit.
    disk_full = True

    @event.listens_for(due_lease.engine.sync_engine, "commit")
    def failing_commit(_connection: Connection) -> None:
        nonlocal disk_full
        if disk_full:
            disk_full = False
            raise sqlite3.OperationalError("database or disk is full")

    with pytest.raises(sqlite3.OperationalError):
        await store_updates(
            due_lease.sessions, [(1, {"update_id": 1})], fence=due_lease.lease.fence
        )
    await due_lease.checked_after_a_takeover()


async def test_a_renewal_rolled_back_with_its_savepoint_spares_no_check(
    due_lease: DueLease,
) -> None:
    async with due_lease.sessions.begin() as session:
        savepoint = await session.begin_nested()
        await due_lease.lease.fence(session)
        await savepoint.rollback()
    await due_lease.checked_after_a_takeover()
