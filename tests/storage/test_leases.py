"""Leases: one process polls, the others wait until it is gone or its lease has run out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.repositories import LeaseHolder
from tests.storage.fixtures import Makers

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def holder(name: str, until: datetime, *, host: str = "a", pid: int = 10) -> LeaseHolder:
    return LeaseHolder(name, host, pid, until)


async def take(
    sessions: async_sessionmaker[AsyncSession],
    me: LeaseHolder,
    now: datetime,
    gone: bool = False,
) -> LeaseHolder | None:
    async with sessions.begin() as session:
        return await repo.take_lease(session, "polling", me, now=now, gone=lambda _: gone)


async def test_a_held_lease_is_refused_to_others_until_it_runs_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = holder("first", NOW + timedelta(seconds=20))
    assert await take(sessions, first, NOW) is None
    second = holder("second", NOW + timedelta(seconds=25), host="b", pid=11)

    refused = await take(sessions, second, NOW + timedelta(seconds=5))
    # The holder renews; the other still waits, then takes it once it has run out.
    renewed = holder("first", NOW + timedelta(seconds=30))
    assert await take(sessions, renewed, NOW + timedelta(seconds=10)) is None
    still_refused = await take(sessions, second, NOW + timedelta(seconds=25))
    second = holder("second", NOW + timedelta(seconds=50), host="b", pid=11)
    taken = await take(sessions, second, NOW + timedelta(seconds=30))
    lost = await take(sessions, renewed, NOW + timedelta(seconds=31))

    assert refused == first  # who holds it, for the standby's log line
    assert still_refused == renewed
    assert taken is None
    assert lost is not None and lost.holder == "second"


async def test_a_holder_known_dead_is_replaced_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await take(sessions, holder("crashed", NOW + timedelta(seconds=20)), NOW)

    restarted = holder("restarted", NOW + timedelta(seconds=21))
    assert await take(sessions, restarted, NOW + timedelta(seconds=1), gone=True) is None
    later = await take(sessions, holder("third", NOW + timedelta(seconds=22)), NOW)
    assert later is not None and later.holder == "restarted"


async def test_release_frees_the_lease_only_for_its_holder(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await take(sessions, holder("first", NOW + timedelta(seconds=20)), NOW)
    async with sessions.begin() as session:
        await repo.release_lease(session, "polling", "someone else")
    refused = await take(sessions, holder("second", NOW + timedelta(seconds=21)), NOW)
    async with sessions.begin() as session:
        await repo.release_lease(session, "polling", "first")
    taken = await take(sessions, holder("second", NOW + timedelta(seconds=21)), NOW)

    assert refused is not None and refused.holder == "first"
    assert taken is None


async def test_two_processes_taking_an_expired_lease_at_once_get_one_holder(
    more_sessions: Makers,
) -> None:
    setup = more_sessions()
    await take(setup, holder("dead", NOW), NOW)
    contenders = [holder(f"p{i}", NOW + timedelta(seconds=20), pid=i) for i in range(6)]

    results = await asyncio.gather(
        *(take(more_sessions(), me, NOW + timedelta(seconds=1)) for me in contenders)
    )

    winners = [me for me, result in zip(contenders, results, strict=True) if result is None]
    assert len(winners) == 1
    assert all(r == winners[0] for r in results if r is not None)


async def test_holding_is_checked_inside_the_transaction_a_takeover_waits_for(
    more_sessions: Makers,
) -> None:
    first, other = more_sessions(), more_sessions()
    await take(first, holder("first", NOW), NOW)  # already expired: free to take over
    taken = asyncio.Event()

    async def take_over() -> None:
        await take(other, holder("second", NOW + timedelta(seconds=20)), NOW + timedelta(seconds=1))
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
