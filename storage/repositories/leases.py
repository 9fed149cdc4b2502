"""Leases: one process at a time does a job (polling Telegram); the others stand by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Table, bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Lease
from storage.repositories._common import dialect_name, lock_for_transaction
from storage.timestamps import utcnow

_leases: Table = Lease.__table__  # type: ignore[assignment]
# Run with every fenced commit: built once (an ORM select per call cost more than running it).
_HOLDER = select(_leases.c.holder).where(_leases.c.name == bindparam("name"))
# The server's clock now, not when the transaction began: taking a lease may wait for a lock.
_CLOCK = select(func.clock_timestamp(type_=DateTime(timezone=True)))


@dataclass(frozen=True, slots=True)
class Claimant:
    """A process run (`holder`, a random id) on a host, with its process id."""

    holder: str
    host: str
    pid: int


@dataclass(frozen=True, slots=True)
class LeaseHolder(Claimant):
    """Who holds a lease, until when (by the database's clock)."""

    expires_at: datetime


async def database_time(session: AsyncSession) -> datetime:
    """The time by the clock every process sharing this database agrees on.

    Hosts' clocks can be set apart; a lease timed by each holder's own clock could look expired
    to another process while its holder still counts on it. PostgreSQL's server clock is one
    clock for all of them; an SQLite file is shared only on this host, so its clock is that one.
    """
    if dialect_name(session) == "postgresql":
        moment: datetime = (await session.execute(_CLOCK)).scalar_one()
        return moment
    return utcnow()


def _holder_of(row: Lease) -> LeaseHolder:
    return LeaseHolder(row.holder, row.host, row.pid, row.expires_at)


async def take_lease(
    session: AsyncSession,
    name: str,
    me: Claimant,
    *,
    lasting: timedelta,
    now: datetime | None = None,
    gone: Callable[[LeaseHolder], bool] = lambda holder: False,
) -> LeaseHolder | None:
    """Take or renew the lease `name` for `me`, until `lasting` from now.

    Return None when it is `me`'s now; else the other holder, who keeps it. It is taken from
    another holder only once expired, or when `gone(holder)` says that process is known dead.
    "Now" is the database's time (`database_time`) unless given.
    """
    # The same key for every lease: taking one is rare, and it keeps two processes from both
    # reading "expired" and both taking it (SQLite already runs one writer at a time).
    await lock_for_transaction(session, "lease", 0)
    # Read first: on SQLite that is when the transaction begins, after however long it waited
    # for the connection; "now" read before would date the renewal that far back.
    row = await session.get(Lease, name, populate_existing=True)
    if now is None:
        now = await database_time(session)
    expires_at = now + lasting
    if row is None:
        session.add(
            Lease(name=name, holder=me.holder, host=me.host, pid=me.pid, expires_at=expires_at)
        )
        return None
    current = _holder_of(row)
    if current.holder != me.holder and current.expires_at > now and not gone(current):
        return current
    row.holder, row.host, row.pid, row.expires_at = me.holder, me.host, me.pid, expires_at
    await session.flush()
    return None


async def release_lease(session: AsyncSession, name: str, holder: str) -> None:
    """Give the lease up, if `holder` still has it, so a standby need not wait for it to expire."""
    await session.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


async def holds_lease(session: AsyncSession, name: str, holder: str) -> bool:
    """Whether `holder` has the lease `name` (expired or not: nobody took it over).

    Checked inside a transaction that must only commit for the holder, it fences that
    transaction: a takeover waits for it to end, and it waits for a takeover to end, so the
    answer stays true until it commits (SQLite: one writer at a time does the same).
    """
    await lock_for_transaction(session, "lease", 0, shared=True)
    current = (await session.execute(_HOLDER, {"name": name})).scalar()
    return current == holder
