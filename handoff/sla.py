"""Service levels: when the first response is due, by customer tier."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final

from storage.models import Tier

FIRST_RESPONSE: Final[Mapping[Tier, timedelta]] = MappingProxyType(
    {
        "standard": timedelta(hours=4),
        "vic": timedelta(hours=2),
        "vip": timedelta(minutes=30),
    }
)


def first_response_due(tier: Tier, opened_at: datetime) -> datetime:
    """Return the first-response deadline for a ticket opened at `opened_at`.

    Wall-clock time for now. Later the clock runs on the Jalali business
    calendar (working hours, Iranian holidays), which is why this is one function.
    """
    if opened_at.tzinfo is None:
        raise ValueError("opened_at must be timezone-aware")
    return opened_at + FIRST_RESPONSE.get(tier, FIRST_RESPONSE["standard"])
