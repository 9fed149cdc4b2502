"""Places among the updates handled at once, lent while an update waits on Telegram.

The dispatcher bounds how many updates are handled at once (database and CPU work). An
update's Telegram calls may wait long: the agents' group takes about 20 sends a minute, and
a wave of hand-offs waiting for it held every place, so a customer the KB could answer
waited minutes. Around its Telegram calls an update lends its place; its own chat's next
update still waits for it (the dispatcher runs a chat's updates one at a time).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar


class Slot:
    """One update's place among those handled at once."""

    def __init__(self, places: asyncio.Semaphore) -> None:
        self._places = places
        self.held = False

    async def take(self) -> None:
        await self._places.acquire()
        self.held = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self._places.release()


_SLOT: ContextVar[Slot | None] = ContextVar("pasokh_slot", default=None)


@asynccontextmanager
async def slot_lent() -> AsyncIterator[None]:
    """Let other chats' updates use this update's place while the block waits on Telegram
    (its own chat's next update still waits for it: order holds); take a place back after."""
    slot = _SLOT.get()
    if slot is None or not slot.held:
        yield
        return
    slot.give_back()
    try:
        yield
    finally:
        await slot.take()  # cancelled while waiting: not held, so not given back twice


@asynccontextmanager
async def holding(places: asyncio.Semaphore) -> AsyncIterator[Slot]:
    """Take a place for the block (the update it handles may lend it: slot_lent)."""
    slot = Slot(places)
    await slot.take()
    token = _SLOT.set(slot)
    try:
        yield slot
    finally:
        _SLOT.reset(token)
        slot.give_back()
