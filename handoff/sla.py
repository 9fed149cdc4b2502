"""Service levels: when the first response is due, by customer tier."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from handoff.hours import SupportCalendar
from storage.models import Tier

FIRST_RESPONSE: Final[Mapping[Tier, timedelta]] = MappingProxyType(
    {
        "standard": timedelta(hours=4),
        "vic": timedelta(hours=2),
        "vip": timedelta(minutes=30),
    }
)


def first_response_due(
    tier: Tier, opened_at: datetime, calendar: SupportCalendar | None = None
) -> datetime:
    """Return the first-response deadline for a ticket opened at `opened_at`: on the
    `calendar`'s open hours for the tier (handoff.hours), or around the clock without one."""
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    span = FIRST_RESPONSE.get(tier, FIRST_RESPONSE["standard"])
    if calendar is None:
        return opened_at + span
    return calendar.add(tier, opened_at, span).astimezone(opened_at.tzinfo)


# How long before the first-response deadline its topic is warned: a quarter of the tier's time.
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
    {"standard": "standard", "عادی": "standard", "vic": "vic", "ویژه": "vic", "vip": "vip"}
)


def read_tier(word: str) -> Tier | None:
    """Return the tier an agent named ("VIP", "vic", «عادی»), or None."""
    return TIER_WORDS.get(word.strip().lower())
