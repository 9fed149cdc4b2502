"""Service levels: when the first response is due, by customer tier, and when second line's
reply is due once a ticket is escalated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from handoff.hours import SupportCalendar
from storage.models import ResponseClock, Ticket, Tier

FIRST_RESPONSE: Final[Mapping[Tier, timedelta]] = MappingProxyType(
    {
        "standard": timedelta(hours=4),
        "vic": timedelta(hours=2),
        "vip": timedelta(minutes=30),
    }
)


# Second line answers an escalated ticket within the same time, counted from the escalation:
# the contracts («سطح خدمات قرارداد …» in the KB) name one response time per tier.
L2_RESPONSE: Final[Mapping[Tier, timedelta]] = FIRST_RESPONSE


def _due(
    spans: Mapping[Tier, timedelta], tier: Tier, start: datetime, calendar: SupportCalendar | None
) -> datetime:
    if start.tzinfo is None:
        raise ValueError("the clock's start must be timezone-aware")
    span = spans.get(tier, spans["standard"])
    if calendar is None:
        return start + span
    return calendar.add(tier, start, span).astimezone(start.tzinfo)


def first_response_due(
    tier: Tier, opened_at: datetime, calendar: SupportCalendar | None = None
) -> datetime:
    """Return the first-response deadline for a ticket opened at `opened_at`: on the
    `calendar`'s open hours for the tier (handoff.hours), or around the clock without one."""
    return _due(FIRST_RESPONSE, tier, opened_at, calendar)


def l2_response_due(
    tier: Tier, escalated_at: datetime, calendar: SupportCalendar | None = None
) -> datetime:
    """Return when second line's reply to a ticket escalated at `escalated_at` is due, on
    the same open hours as the first response."""
    return _due(L2_RESPONSE, tier, escalated_at, calendar)


@dataclass(frozen=True, slots=True)
class Deadline:
    """The response a ticket is held to: its first one, or second line's after an escalation
    (`clock`), when it is due (None: no deadline) and when it was made (None: not yet)."""

    clock: ResponseClock
    due: datetime | None
    met_at: datetime | None

    @property
    def pending(self) -> bool:
        """Whether the response is still owed by a deadline."""
        return self.due is not None and self.met_at is None


def current_deadline(ticket: Ticket) -> Deadline:
    """The deadline the ticket answers to now: its first response until one is made; then,
    escalated, second line's reply (a ticket escalated before anyone answered keeps the
    first-response clock it was promised, and the reply that stops it is L2's too: once made,
    it is still told against that clock, not against second line's later one)."""
    answered, escalated = ticket.first_response_at, ticket.escalated_at
    if (
        answered is None
        or ticket.l2_response_due is None
        or (escalated is not None and answered >= escalated)
    ):
        return Deadline("first", ticket.first_response_due, ticket.first_response_at)
    return Deadline("l2", ticket.l2_response_due, ticket.l2_response_at)


def pending_deadline(ticket: Ticket) -> Deadline | None:
    """The deadline a reply to the ticket is still owed by, if any (whatever its status)."""
    deadline = current_deadline(ticket)
    return deadline if deadline.pending else None


def is_overdue(ticket: Ticket, now: datetime) -> bool:
    """Whether the reply the ticket is owed is past its deadline at `now`."""
    deadline = pending_deadline(ticket)
    return deadline is not None and deadline.due is not None and deadline.due <= now


# How long before a response deadline its topic is warned: a quarter of the tier's time.
WARN_SHARE: Final = 0.25


def warn_before(tier: Tier) -> timedelta:
    """How much of the tier's time is left when its tickets are warned about."""
    return FIRST_RESPONSE.get(tier, FIRST_RESPONSE["standard"]) * WARN_SHARE


def time_left(
    tier: Tier, now: datetime, due: datetime, calendar: SupportCalendar | None = None
) -> timedelta:
    """The time an agent still has to answer before `due`: the desk's open hours for the
    tier in between (the deadline's own clock), or all of it without a calendar."""
    if calendar is None:
        return max(due - now, timedelta())
    return calendar.open_time(tier, now, due)


def due_soon(
    tier: Tier, now: datetime, due: datetime, calendar: SupportCalendar | None = None
) -> bool:
    """Whether a ticket due at `due` is to be warned about now: not yet overdue, and no more
    than a quarter of the tier's time left on the deadline's clock. Counted on open hours,
    the warning comes while the desk is open (a ticket due at 8:30 tomorrow is warned at
    16:30 today, not at 7:30 tomorrow, when no one is there to act on it)."""
    return now < due and time_left(tier, now, due, calendar) <= warn_before(tier)


# What an agent may write after /tier: the contract's name, or the Persian the card shows.
TIER_WORDS: Final[Mapping[str, Tier]] = MappingProxyType(
    {
        "standard": "standard", "عادی": "standard", "vic": "vic", "ویژه": "vic", "vip": "vip",
        # As Persian writes the English ones, and as they come out with the Persian keyboard
        # layout still on (read after spaces and half-spaces are taken out).
        "استاندارد": "standard", "معمولی": "standard", "سفشدیشقی": "standard",
        "ویآیسی": "vic", "رهز": "vic", "ویآیپی": "vip", "رهح": "vip",
    }
)  # fmt: skip
_ARABIC_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def read_tier(word: str) -> Tier | None:
    """Return the tier an agent named ("VIP", "vic", «عادی», «وی‌آی‌پی»), or None."""
    key = "".join(word.lower().translate(_ARABIC_LETTERS).replace("\u200c", " ").split())
    return TIER_WORDS.get(key)
