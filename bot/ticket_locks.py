"""One lock a ticket for the effects that read it, call Telegram and record the result."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class TicketLocks:
    """One lock a ticket, for what reads a ticket, calls Telegram and records the result:
    two chats' updates about one ticket run at once (the customer writes while an agent
    escalates), and without it both would find no topic and make one each, or the older
    reading of a card would be drawn last. One process handles every update, so a lock in
    memory is enough."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._holders: dict[int, int] = {}

    @contextlib.asynccontextmanager
    async def hold(self, ticket_id: int) -> AsyncIterator[None]:
        lock = self._locks.setdefault(ticket_id, asyncio.Lock())
        self._holders[ticket_id] = self._holders.get(ticket_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._holders[ticket_id] -= 1
            if not self._holders[ticket_id]:  # no one waits: forget it
                del self._holders[ticket_id], self._locks[ticket_id]
