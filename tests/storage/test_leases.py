"""Leases: one process polls, the others wait until it is gone or its lease has run out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.models import Lease
from storage.repositories import Claimant, LeaseHolder
from tests.storage.fixtures import Makers

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
LEASE = timedelta(seconds=20)


def claimant(name: str, *, host: str = "a", pid: int = 10) -> Claimant:
    return Claimant(name, host, pid)


async def take(
    sessions: async_sessionmaker[AsyncSession],
    me: Claimant,
    now: datetime | None,
    gone: bool = False,
) -> LeaseHolder | None:
    async with sessions.begin() as session:
        return await repo.take_lease(
            session, "polling", me, lasting=LEASE, now=now, gone=lambda _: gone
        )


async def test_a_held_lease_is_refused_to_others_until_it_runs_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first, second = claimant("first"), claimant("second", host="b", pid=11)
    assert await take(sessions, first, NOW) is None  # until NOW + 20 s

    refused = await take(sessions, second, NOW + timedelta(seconds=5))
    # The holder renews (until NOW + 30 s); the other still waits, then takes it once it has
    # run out.
    assert await take(sessions, first, NOW + timedelta(seconds=10)) is None
    still_refused = await take(sessions, second, NOW + timedelta(seconds=25))
    taken = await take(sessions, second, NOW + timedelta(seconds=30))
    lost = await take(sessions, first, NOW + timedelta(seconds=31))

    # Who holds it, for the standby's log line.
    assert refused == LeaseHolder("first", "a", 10, NOW + timedelta(seconds=20))
    assert still_refused == LeaseHolder("first", "a", 10, NOW + timedelta(seconds=30))
    assert taken is None
    assert lost == LeaseHolder("second", "b", 11, NOW + timedelta(seconds=50))


async def test_a_lease_runs_on_the_database_clock_whatever_the_callers_clock(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        before = await repo.database_time(session)
    assert await take(sessions, claimant("first"), None) is None
    async with sessions.begin() as session:
        after = await repo.database_time(session)
        (expires_at,) = await session.scalars(select(Lease.expires_at))

    assert before + LEASE <= expires_at <= after + LEASE
    refused = await take(sessions, claimant("second", host="b", pid=11), None)
    assert refused is not None and refused.holder == "first"


async def test_a_holder_known_dead_is_replaced_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await take(sessions, claimant("crashed"), NOW)

    restarted = await take(sessions, claimant("restarted"), NOW + timedelta(seconds=1), gone=True)
    later = await take(sessions, claimant("third"), NOW + timedelta(seconds=2))

    assert restarted is None
    assert later is not None and later.holder == "restarted"


async def test_release_frees_the_lease_only_for_its_holder(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await take(sessions, claimant("first"), NOW)
    async with sessions.begin() as session:
        await repo.release_lease(session, "polling", "someone else")
    refused = await take(sessions, claimant("second"), NOW)
    async with sessions.begin() as session:
        await repo.release_lease(session, "polling", "first")
    taken = await take(sessions, claimant("second"), NOW)

    assert refused is not None and refused.holder == "first"
    assert taken is None


async def test_two_processes_taking_an_expired_lease_at_once_get_one_holder(
    more_sessions: Makers,
) -> None:
    setup = more_sessions()
    await take(setup, claimant("dead"), NOW - LEASE)  # expired at NOW
    contenders = [claimant(f"p{i}", pid=i) for i in range(6)]

    results = await asyncio.gather(
        *(take(more_sessions(), me, NOW + timedelta(seconds=1)) for me in contenders)
    )

    winners = [me for me, result in zip(contenders, results, strict=True) if result is None]
    assert len(winners) == 1
    assert all(r is not None and r.holder == winners[0].holder for r in results if r is not None)


async def test_holding_is_checked_inside_the_transaction_a_takeover_waits_for(
    more_sessions: Makers,
) -> None:
    first, other = more_sessions(), more_sessions()
    await take(first, claimant("first"), NOW - LEASE)  # already expired: free to take over
    taken = asyncio.Event()

    async def take_over() -> None:
        await take(other, claimant("second"), NOW + timedelta(seconds=1))
        taken.set()

    async with first.begin() as session:  # a fenced commit of the first holder
        assert await repo.holds_lease(session, "polling", "first")
        takeover = asyncio.create_task(take_over())
        await asyncio.sleep(0.3)
        taken_meanwhile = taken.is_set()
    await takeover
    async with first.begin() as session:
        after = await repo.holds_lease(session, "polling", "first")

    assert not taken_meanwhile  # the takeover waited for the fenced transaction
    assert not after
