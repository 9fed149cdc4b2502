"""Which waiting tickets' cards a refresh round redraws: every one in turn, none forgotten."""

from datetime import UTC, datetime, timedelta

from bot.card_refresh import Rotation
from storage.models import Ticket

T0 = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def _waiting(*ids: int) -> list[Ticket]:
    """Tickets awaiting an agent, listed longest waiting first (as list_open_tickets does)."""
    return [Ticket(id=i, awaiting_reply_since=T0 + timedelta(minutes=n)) for n, i in enumerate(ids)]


def test_cards_are_redrawn_in_turn_longest_waiting_first_among_equals() -> None:
    rotation = Rotation()
    tickets = _waiting(1, 2, 3, 4)
    assert rotation.next_round(tickets, 2) == [1, 2]
    assert rotation.next_round(tickets, 2) == [3, 4]
    assert rotation.next_round(tickets, 2) == [1, 2]
    # a new ticket, never redrawn, goes first, whatever its wait; answered ones drop out
    answered = Ticket(id=2, awaiting_reply_since=None)
    assert rotation.next_round([*_waiting(1), answered, *_waiting(3, 4, 5)], 2) == [5, 3]
