"""Keep the waiting time on the cards of tickets awaiting an agent current.

Each round redraws at most CARDS_PER_REFRESH cards (the agents' group shares Telegram's budget
of about 20 messages a minute with everything else). The cards redrawn longest ago go first,
and among those never redrawn, the ticket waiting longest: with more waiting tickets than a
round takes, every card is still redrawn in turn instead of only the first ten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from bot.context import Services
from bot.effects import EditCard
from bot.executor import Executor
from storage.db import DATABASE_ERRORS
from storage.models import Ticket
from storage.repositories import list_open_tickets

log = logging.getLogger(__name__)

# Cards redrawn per refresh round: 10 every 5 minutes is 2 of the group's 20 messages a minute.
CARDS_PER_REFRESH = 10
# Open tickets read per round to choose from; beyond this many the longest waiting are kept.
TICKETS_SCANNED = 1000


class Rotation:
    """Which cards to redraw next: the ones redrawn longest ago (never: first)."""

    def __init__(self) -> None:
        self._drawn: dict[int, int] = {}  # ticket id -> round it was last redrawn in (from 1)
        self._round = 0

    def next_round(self, waiting: Sequence[Ticket], size: int) -> list[int]:
        """Ids of the cards to redraw this round, from tickets listed longest waiting first."""
        self._round += 1
        ids = [t.id for t in waiting if t.awaiting_reply_since is not None]
        self._drawn = {i: self._drawn[i] for i in ids if i in self._drawn}  # forget answered ones
        # sorted() is stable: among cards redrawn in the same round, the longest waiting first
        due = sorted(ids, key=lambda i: self._drawn.get(i, 0))[:size]
        for ticket_id in due:
            self._drawn[ticket_id] = self._round
        return due


async def refresh_cards(services: Services, executor: Executor) -> None:
    """Redraw the cards of tickets awaiting an agent, every CARD_REFRESH_MINUTES."""
    interval = services.settings.card_refresh_minutes * 60
    if interval <= 0:
        return
    rotation = Rotation()
    while True:
        await asyncio.sleep(interval)
        try:
            async with services.sessions.begin() as session:
                tickets = await list_open_tickets(session, limit=TICKETS_SCANNED)
        except DATABASE_ERRORS as error:
            log.warning("listing tickets to refresh failed: %s", type(error).__name__)
            continue
        try:
            for ticket_id in rotation.next_round(tickets, CARDS_PER_REFRESH):
                await executor.best_effort(EditCard(ticket_id))
        except DATABASE_ERRORS as error:
            log.warning("refreshing ticket cards failed: %s", type(error).__name__)
