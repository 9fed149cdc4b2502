"""Which holder of the polling lease is known dead, so a standby need not wait it out."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.leadership import PollingLease
from storage.db import create_engine_from_url, make_sessionmaker
from storage.repositories import LeaseHolder

UNTIL = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


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
