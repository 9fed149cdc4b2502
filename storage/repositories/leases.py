"""Leases: one process at a time does a job (polling Telegram); the others stand by."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Lease
from storage.repositories._common import lock_for_transaction

_leases: Table = Lease.__table__  # type: ignore[assignment]
# Run with every fenced commit: built once (an ORM select per call cost more than running it).
_HOLDER = select(_leases.c.holder).where(_leases.c.name == bindparam("name"))


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Who holds a lease: a process run (`holder`) on a host, until when."""

    holder: str
    host: str
    pid: int
    expires_at: datetime


def _holder_of(row: Lease) -> LeaseHolder:
    return LeaseHolder(row.holder, row.host, row.pid, row.expires_at)


async def take_lease(
    session: AsyncSession,
    name: str,
    me: LeaseHolder,
    *,
    now: datetime,
    gone: Callable[[LeaseHolder], bool] = lambda holder: False,
) -> LeaseHolder | None:
    """Take or renew the lease `name` for `me` (until `me.expires_at`).

    Return None when it is `me`'s now; else the other holder, who keeps it. It is taken from
    another holder only once expired at `now`, or when `gone(holder)` says that process is
    known dead.
    """
    # The same key for every lease: taking one is rare, and it keeps two processes from both
    # reading "expired" and both taking it (SQLite already runs one writer at a time).
    await lock_for_transaction(session, "lease", 0)
    row = await session.get(Lease, name, populate_existing=True)
    if row is None:
        session.add(
            Lease(name=name, holder=me.holder, host=me.host, pid=me.pid, expires_at=me.expires_at)
        )
        return None
    current = _holder_of(row)
    if current.holder != me.holder and current.expires_at > now and not gone(current):
        return current
    row.holder, row.host, row.pid, row.expires_at = me.holder, me.host, me.pid, me.expires_at
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
