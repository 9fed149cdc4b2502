"""Which holder of the polling lease is known dead, so a standby need not wait it out."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from telegram import Bot

from bot.config import Settings
from bot.intake import Intake, Item, KeyedDispatcher
from bot.leadership import POLLING, LeaseLost, PollingLease
from storage.db import create_engine_from_url, make_sessionmaker
from storage.models import InboxUpdate
from storage.repositories import LeaseHolder, take_lease
from tests.fake_telegram import FakeTelegram

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
        now = datetime.now(UTC)
        async with sessions.begin() as session:  # another process holds it
            await take_lease(session, POLLING, LeaseHolder("elsewhere", "b", 1, UNTIL), now=now)
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
