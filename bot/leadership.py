"""Several bot processes on one database: one polls Telegram, the others stand by.

Telegram serves getUpdates to one caller at a time, and one chat's updates must be handled in
order, by one process. So the process holding the "polling" lease (storage.models.Lease) polls
and handles updates; the others look every few seconds whether it is free. The holder renews it
every RENEW_SECONDS; a standby takes it over when it has expired by the database's clock (the
holder died or lost the database), or at once when the holder ran beside it (same host and PID
namespace) and its process is gone (a restart after a crash). The new holder replays every
update left pending, as a restart does.

Every commit of an update's decision or progress, and of a fetched batch, is fenced: it checks,
inside its transaction, that this process still holds the lease, and a takeover waits for such a
transaction (and it for a takeover). So once another process has taken over, the updates this
one had in hand stop at their next commit, and a batch it fetched meanwhile is neither stored nor
confirmed: Telegram gives it to the new holder. A holder that cannot renew for GIVE_UP_SECONDS
(less than LEASE_SECONDS) stops polling, lets the updates in hand finish (or stop at the fence),
then stands by; if nobody took over meanwhile, it takes the lease again.

On SQLite the bot has one connection, and every update's unit of work queues for it: under a
backlog the renewal would wait behind all of them and the lease lapse while the process is
busiest. There a fenced commit that finds the renewal due renews the lease itself, in its own
transaction (`renews_in_commits`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, SessionTransaction

from storage.db import DATABASE_ERRORS
from storage.repositories import Claimant, LeaseHolder, holds_lease, release_lease, take_lease

log = logging.getLogger(__name__)

POLLING = "polling"
LEASE_SECONDS = 20.0
LEASE = timedelta(seconds=LEASE_SECONDS)
RENEW_SECONDS = 5.0
# The holder stops this long after its last renewal: before the lease can expire for others.
GIVE_UP_SECONDS = LEASE_SECONDS - RENEW_SECONDS
STANDBY_SECONDS = 2.0  # how often a standby looks whether the lease is free
# For this long after a renewal began, no other process can have the lease (it expires 20 s
# after, by the database's clock, read after the renewal began): commits are fenced without a
# query. The other 10 s are a safety margin.
SURE_SECONDS = LEASE_SECONDS - 2 * RENEW_SECONDS
RENEW_ERRORS: tuple[type[Exception], ...] = (TimeoutError, *DATABASE_ERRORS)


class LeaseLost(Exception):
    """Another process holds the polling lease now: what this one was doing is left to it."""


# A random id the Linux kernel draws at each boot: one per machine (containers share their
# host's), never the same on two machines.
BOOT_ID = "/proc/sys/kernel/random/boot_id"

# Called inside a transaction that may only commit while this process holds the lease.
Fence = Callable[[AsyncSession], Awaitable[None]]


async def unfenced(session: AsyncSession) -> None:
    """The fence of a process that polls alone (tests, one-off tools): every commit may go."""


def process_space() -> tuple[str, bool]:
    """Where this process runs: its host name and, on Linux, its PID namespace and the boot
    of its kernel; and whether a process id seen in that same place names one process (so a
    missing process is dead).

    The host name alone is not enough: containers on one machine can share it (host networking)
    while each numbers its processes from 1; and machines cloned from one image share it, and
    the initial PID namespace's number (pid:[4026531836] on every Linux host), while their
    processes have nothing in common. The boot id tells those machines apart.
    """
    host = socket.gethostname()
    try:
        namespace = os.readlink("/proc/self/ns/pid")
        boot = Path(BOOT_ID).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return host, False
    if not boot:
        return host, False
    return f"{host[:150]} {namespace} boot:{boot}", True


def process_running(pid: int) -> bool:
    """Whether a process with this id runs on this host (a zombie, dead but not yet reaped by
    its parent, does not: a killed instance under a shell or some containers stays one)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, as another user
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False  # no /proc (not Linux): as os.kill said
    # "pid (name) state ...": the name may hold spaces and parentheses.
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


class PollingLease:
    """This process's claim to poll Telegram."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *, renews_in_commits: bool = False
    ) -> None:
        self.sessions = sessions
        # One connection for everything (SQLite): commits renew the lease when it is due.
        self.renews_in_commits = renews_in_commits
        self.holder = uuid.uuid4().hex
        self.host, self._pids_comparable = process_space()
        self.pid = os.getpid()
        # When the last successful take or renewal began (event loop clock); -inf: not held.
        self._renewed = -math.inf
        # keep()'s wait for a renewal, moved on when a commit renews the lease meanwhile.
        self._renewal_deadline: asyncio.Timeout | None = None

    def gone(self, other: LeaseHolder) -> bool:
        """Known dead: a process beside this one (same host and PID namespace) that no longer
        runs, or an earlier run that had this very process id."""
        if not self._pids_comparable or other.host != self.host:
            return False
        return other.pid == self.pid or not process_running(other.pid)

    async def take(self) -> LeaseHolder | None:
        """Take or renew the lease; None when it is ours, else who holds it."""
        started = asyncio.get_running_loop().time()
        me = Claimant(self.holder, self.host, self.pid)
        async with self.sessions.begin() as session:
            other = await take_lease(session, POLLING, me, lasting=LEASE, gone=self.gone)
        if other is None:
            self._renewed_at(started)
        else:
            self._renewed = -math.inf
        return other

    async def fence(self, session: AsyncSession) -> None:
        """Raise LeaseLost unless this process holds the lease, for the rest of `session`'s
        transaction: surely, shortly after a renewal; else as the database says (a takeover
        waits for the transaction)."""
        started = asyncio.get_running_loop().time()
        due = self.renews_in_commits and started >= self._renewed + RENEW_SECONDS
        # Not inside a savepoint: rolled back with it, the renewal would still be counted.
        due = due and not session.sync_session.in_nested_transaction()
        if started < self._renewed + SURE_SECONDS and not due:
            return
        if not await holds_lease(session, POLLING, self.holder):
            raise LeaseLost
        if due:
            await self._renew_with(session, started)

    async def _renew_with(self, session: AsyncSession, started: float) -> None:
        """Renew the lease (held, as just checked) in `session`'s transaction; it counts once
        that transaction commits."""
        me = Claimant(self.holder, self.host, self.pid)
        await take_lease(session, POLLING, me, lasting=LEASE, gone=self.gone)
        sync = session.sync_session
        root = sync.get_transaction()
        committed, ended = False, False

        def on_commit(session: Session) -> None:
            nonlocal committed
            # Also sent when a savepoint is released: only the transaction's own commit counts.
            if not ended and not session.in_nested_transaction():
                committed = True

        def on_end(_session: Session, transaction: SessionTransaction) -> None:
            nonlocal ended
            if transaction is not root or ended:
                return  # a savepoint's end; or a later transaction of the same session
            ended = True
            if committed:
                self._renewed_at(started)

        event.listen(sync, "after_commit", on_commit)
        event.listen(sync, "after_transaction_end", on_end)

    def _renewed_at(self, started: float) -> None:
        if started <= self._renewed:
            return
        self._renewed = started
        if self._renewal_deadline is not None and not self._renewal_deadline.expired():
            # keep() waits in the queue for the connection: its time is counted from now on.
            self._renewal_deadline.reschedule(started + GIVE_UP_SECONDS)

    async def wait_for_turn(self, stop: asyncio.Event) -> bool:
        """Wait until this process holds the lease (True) or `stop` is set (False)."""
        shown: str | None = None
        while not stop.is_set():
            try:
                other = await self.take()
            except DATABASE_ERRORS as error:
                if shown != "database":
                    log.warning("cannot reach the database (%s); waiting", type(error).__name__)
                    shown = "database"
            else:
                if other is None:
                    return True
                if shown != other.holder:
                    log.info(
                        "another instance is polling (host %s, process %d); standing by",
                        other.host,
                        other.pid,
                    )
                    shown = other.holder
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), STANDBY_SECONDS)
        return False

    async def keep(self) -> None:
        """Renew the lease until cancelled; return when it is lost: taken by another process,
        or not renewed for GIVE_UP_SECONDS (the database unreachable)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            if loop.time() < self._renewed + RENEW_SECONDS:
                continue  # a commit renewed it meanwhile
            try:
                async with asyncio.timeout_at(self._renewed + GIVE_UP_SECONDS) as deadline:
                    self._renewal_deadline = deadline
                    try:
                        other = await self.take()
                    finally:
                        self._renewal_deadline = None
            except RENEW_ERRORS as error:
                if loop.time() < self._renewed + GIVE_UP_SECONDS:
                    log.warning("renewing the polling lease failed (%s)", type(error).__name__)
                    continue
                log.error(
                    "the polling lease could not be renewed for %.0f s; pausing: another "
                    "instance may take over",
                    GIVE_UP_SECONDS,
                )
                return
            if other is not None:
                log.error(
                    "another instance took over polling (host %s, process %d)",
                    other.host,
                    other.pid,
                )
                return

    async def release(self) -> None:
        """Give the lease up (a clean stop) so a standby takes over at once."""
        try:
            async with self.sessions.begin() as session:
                await release_lease(session, POLLING, self.holder)
        except DATABASE_ERRORS as error:
            log.warning("releasing the polling lease failed (%s)", type(error).__name__)
