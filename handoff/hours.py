"""Support hours by contract on the Jalali calendar: when the first-response clock runs.

The sample KB's «ساعت کاری پشتیبانی» article is the contract: standard customers are served
Saturday to Wednesday 8-17 and Thursday 8-13, VIC customers Saturday to Wednesday 8-20 and
Thursday 8-16, VIP customers around the clock; Fridays and official holidays are closed
(VIP excepted). Response deadlines count only open hours, in Tehran time.

Iran's official holidays are built in (python-holidays: the published official calendar,
the religious ones, which follow the lunar calendar, estimated beyond it). SUPPORT_HOLIDAYS
adds closures (a day announced at short notice, a lunar holiday the estimate placed a day
off) and SUPPORT_WORKDAYS opens a built-in holiday the desk works after all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal

import holidays
import jdatetime

from handoff.persian import TEHRAN
from storage.models import Tier

# Open hours by Python weekday (Monday 0 ... Saturday 5, Sunday 6), Tehran time.
_WORKWEEK = (5, 6, 0, 1, 2)  # Saturday to Wednesday
THURSDAY = 3

OpenHours = Mapping[int, tuple[time, time]]


def _week(workday: tuple[int, int], thursday: tuple[int, int]) -> OpenHours:
    hours = {day: (time(workday[0]), time(workday[1])) for day in _WORKWEEK}
    hours[THURSDAY] = (time(thursday[0]), time(thursday[1]))
    return MappingProxyType(hours)


# None: around the clock, holidays included.
# Why the desk is closed: a holiday, a weekly day off, or outside the day's hours.
Closed = Literal["holiday", "day_off", "hours"]
OPEN_HOURS: Final[Mapping[Tier, OpenHours | None]] = MappingProxyType(
    {"standard": _week((8, 17), (8, 13)), "vic": _week((8, 20), (8, 16)), "vip": None}
)
# How python-holidays marks a lunar holiday computed, not yet published (its English names).
_ESTIMATED = "(estimated)"
# Jalali years a setting may name: a Gregorian year (2027) or a short one (05) is a mistake.
_YEARS = range(1300, 1500)
# However far ahead a deadline is sought: a year of closed days would be a broken calendar.
_HORIZON_DAYS = 400


@lru_cache(maxsize=32)
def official_holidays(year: int) -> Mapping[date, str]:
    """Iran's official holidays in a Gregorian year, with their English names."""
    return MappingProxyType(dict(holidays.country_holidays("IR", years=year, language="en_US")))


def first_estimated(since: date) -> date | None:
    """The first official holiday from `since` on whose date is estimated, not published."""
    for year in (since.year, since.year + 1):
        for day, name in sorted(official_holidays(year).items()):
            if day >= since and _ESTIMATED in name:
                return day
    return None


def weekly_day_off(day: date) -> bool:
    """Whether no tier has open hours on `day`'s weekday (Friday): opening it (SUPPORT_WORKDAYS)
    would change nothing."""
    return not any(hours is not None and day.weekday() in hours for hours in OPEN_HOURS.values())


def no_official_holiday(days: frozenset[date]) -> list[date]:
    """The `days` (SUPPORT_WORKDAYS) that are no official holiday, as the holidays library
    has it now: opening them changes nothing (a mistyped date, or an estimated lunar holiday
    the library has since moved to its official day)."""
    return sorted(day for day in days if day not in official_holidays(day.year))


def parse_holidays(text: str) -> frozenset[date]:
    """Read «1405-01-01, 1405/07/12» (Jalali dates) as Gregorian dates; a ValueError names
    the first one that is not a date."""
    days: set[date] = set()
    for item in text.replace("،", ",").split(","):
        item = item.strip().translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
        if not item:
            continue
        parts = item.replace("/", "-").split("-")
        try:
            year, month, day = (int(p) for p in parts)
            days.add(jdatetime.date(year, month, day).togregorian())
        except ValueError:
            raise ValueError(f"{item!r} is not a Jalali date like 1405-10-16") from None
        if year not in _YEARS:
            raise ValueError(
                f"{item!r} is not a Jalali date like 1405-10-16 (a Jalali year, four digits)"
            )
    return frozenset(days)


@dataclass(frozen=True)
class SupportCalendar:
    """When the desk is open for each tier: the official holidays closed, with `holidays`
    closed too and `workdays` open after all (Gregorian dates)."""

    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)

    def is_holiday(self, day: date) -> bool:
        """Whether the desk is closed for the (Tehran) day's holiday."""
        if day in self.workdays:
            return False
        return day in self.holidays or day in official_holidays(day.year)

    def open_spans(self, tier: Tier, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open hours from `start` on, as (from, to) spans in Tehran time."""
        hours = OPEN_HOURS.get(tier, OPEN_HOURS["standard"])
        local = start.astimezone(TEHRAN)
        if hours is None:
            yield local, local + timedelta(days=_HORIZON_DAYS)
            return
        for offset in range(_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if day.weekday() not in hours or self.is_holiday(day):
                continue
            opens, closes = hours[day.weekday()]
            begin = datetime.combine(day, opens, TEHRAN)
            end = datetime.combine(day, closes, TEHRAN)
            if end > local:
                yield max(begin, local), end

    def around_the_clock(self, tier: Tier) -> bool:
        """Whether the tier is served at every hour of every day."""
        return OPEN_HOURS.get(tier, OPEN_HOURS["standard"]) is None

    def why_closed(self, tier: Tier, moment: datetime) -> Closed:
        """Why the desk is closed for `tier` at `moment` (Tehran's day): an official holiday,
        a day off (Friday, or a day SUPPORT_HOLIDAYS closes: customers were told it was an
        official holiday), or outside the day's hours."""
        day = moment.astimezone(TEHRAN).date()
        hours = OPEN_HOURS.get(tier, OPEN_HOURS["standard"])
        if hours is not None and self.is_holiday(day) and day.weekday() in hours:
            return "holiday" if day in official_holidays(day.year) else "day_off"
        if hours is not None and day.weekday() not in hours:
            return "day_off"
        return "hours"

    def next_open(self, tier: Tier, moment: datetime) -> datetime:
        """`moment` itself when the desk is open for `tier`; else when it opens next."""
        for begin, _end in self.open_spans(tier, moment):
            return begin
        raise ValueError("no open hours within a year: check the support calendar")

    def open_time(self, tier: Tier, start: datetime, end: datetime) -> timedelta:
        """How much of the time from `start` to `end` the desk is open for `tier`."""
        total = timedelta()
        if end <= start:
            return total
        for begin, close in self.open_spans(tier, start):
            if begin >= end:
                break
            total += min(close, end) - begin
        return total

    def add(self, tier: Tier, start: datetime, span: timedelta) -> datetime:
        """The moment `span` of open hours after `start` (the clock stops while closed)."""
        left = span
        for begin, end in self.open_spans(tier, start):
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise ValueError("no open hours within a year: check the support calendar")
