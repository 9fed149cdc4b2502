"""SLA deadlines by tier and the ticket transition table."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from handoff import lifecycle
from handoff.hours import SupportCalendar
from handoff.persian import TEHRAN
from handoff.sla import (
    Deadline,
    current_deadline,
    first_response_due,
    is_overdue,
    l2_response_due,
    pending_deadline,
    read_tier,
)
from storage import repositories as repo
from storage.models import Ticket, TicketStatus, Tier
from tests.storage.helpers import T0


@pytest.mark.parametrize(
    ("tier", "wait"),
    [("standard", timedelta(hours=4)), ("vic", timedelta(hours=2)), ("vip", timedelta(minutes=30))],
)
def test_first_response_is_due_sooner_for_better_tiers(tier: Tier, wait: timedelta) -> None:
    assert first_response_due(tier, T0) == T0 + wait


@pytest.mark.parametrize(
    ("typed", "tier"),
    [
        ("VIP", "vip"),
        ("وی‌آی‌پی", "vip"),
        ("وی آی پی", "vip"),
        ("رهح", "vip"),  # «vip» with the Persian layout on
        ("وی‌آی‌سی", "vic"),
        ("ويژه", "vic"),  # an Arabic yeh
        ("استاندارد", "standard"),
        (" عادی ", "standard"),
        ("gold", None),
        ("وی", None),
    ],
)
def test_agents_name_a_tier_as_they_write_it(typed: str, tier: Tier | None) -> None:
    assert read_tier(typed) == tier


def test_deadline_needs_an_aware_opening_time() -> None:
    with pytest.raises(ValueError, match="aware"):
        first_response_due("vip", datetime(2024, 1, 1))


def test_second_lines_reply_is_due_on_open_hours_from_the_escalation() -> None:
    # Escalated Thursday at 12:00 (Tehran): the hour until 13:00 counts, then (no Friday)
    # Saturday from 8:00, as for a ticket opened then.
    escalated = datetime(2024, 8, 1, 12, 0, tzinfo=TEHRAN)

    due = l2_response_due("standard", escalated, SupportCalendar())

    assert due == datetime(2024, 8, 3, 11, 0, tzinfo=TEHRAN)
    assert l2_response_due("vip", escalated) == escalated + timedelta(minutes=30)


def test_a_ticket_answers_to_second_lines_deadline_once_first_line_answered() -> None:
    opened = Ticket(first_response_due=T0 + timedelta(hours=4))
    escalated_unanswered = Ticket(
        first_response_due=T0 + timedelta(hours=4),
        escalated_at=T0 + timedelta(hours=1),
        l2_response_due=T0 + timedelta(hours=5),
    )
    answered_then_escalated = Ticket(
        first_response_due=T0 + timedelta(hours=4),
        first_response_at=T0 + timedelta(minutes=5),
        escalated_at=T0 + timedelta(hours=1),
        l2_response_due=T0 + timedelta(hours=5),
    )

    assert current_deadline(opened) == Deadline("first", T0 + timedelta(hours=4), None)
    assert current_deadline(escalated_unanswered).clock == "first"  # the promise made first
    assert current_deadline(answered_then_escalated) == Deadline(
        "l2", T0 + timedelta(hours=5), None
    )
    assert not is_overdue(answered_then_escalated, T0 + timedelta(hours=4, minutes=30))
    assert is_overdue(answered_then_escalated, T0 + timedelta(hours=5))
    answered_then_escalated.l2_response_at = T0 + timedelta(hours=6)
    assert pending_deadline(answered_then_escalated) is None
    assert not is_overdue(answered_then_escalated, T0 + timedelta(hours=7))


def _ticket(status: TicketStatus, *, level: int = 1, claimed_by: int | None = None) -> Ticket:
    return Ticket(status=status, level=level, claimed_by=claimed_by, rating=None)


def test_closed_is_final_and_every_other_state_can_close() -> None:
    assert lifecycle.allowed_actions(_ticket("closed")) == ()
    for status in ("open", "claimed", "escalated", "waiting"):
        assert lifecycle.can("close", status)


@pytest.mark.parametrize(
    ("ticket", "actions"),
    [
        (_ticket("open"), ("claim", "escalate", "close")),
        (_ticket("claimed", claimed_by=5), ("escalate", "wait", "close")),
        (_ticket("waiting", claimed_by=5), ("escalate", "close")),
        (_ticket("escalated", level=2), ("claim", "close")),
        (_ticket("claimed", level=2, claimed_by=6), ("wait", "close")),
    ],
)
def test_agents_are_offered_only_allowed_actions(ticket: Ticket, actions: tuple[str, ...]) -> None:
    assert lifecycle.allowed_actions(ticket) == actions


def test_only_the_holder_may_work_on_a_claimed_ticket() -> None:
    assert lifecycle.can_act(_ticket("open"), 5)
    assert lifecycle.can_act(_ticket("claimed", claimed_by=5), 5)
    assert not lifecycle.can_act(_ticket("claimed", claimed_by=5), 6)


def test_rating_is_possible_once_and_only_after_close() -> None:
    closed = _ticket("closed")
    assert lifecycle.can_rate(closed)
    assert not lifecycle.can_rate(_ticket("claimed"))
    closed.rating = 4
    assert not lifecycle.can_rate(closed)


def test_storage_defaults_follow_the_lifecycle_table() -> None:
    assert set(repo.CLAIMABLE) == lifecycle.sources("claim")
    assert set(repo.ESCALATABLE) == lifecycle.sources("escalate")
    assert set(repo.CLOSABLE) == lifecycle.sources("close")
