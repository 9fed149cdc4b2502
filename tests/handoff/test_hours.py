"""Support hours by contract on the Jalali calendar: the first-response clock stops while the
desk is closed (Tehran time; Fridays and official holidays closed; VIP around the clock)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from handoff.hours import SupportCalendar, first_estimated, official_holidays, parse_holidays
from handoff.persian import TEHRAN, day_and_time
from handoff.sla import due_soon, first_response_due, time_left
from storage.models import Tier

CALENDAR = SupportCalendar()


def tehran(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TEHRAN)


@pytest.mark.parametrize(
    ("opened", "tier", "due"),
    [
        # Sunday 10:00 (15 Azar 1405), open: four working hours later
        ("2026-12-06T10:00", "standard", "2026-12-06T14:00"),
        # Sunday 15:30: 1.5 hours today, the rest from Monday 8:00
        ("2026-12-06T15:30", "standard", "2026-12-07T10:30"),
        # Sunday 22:23: closed, the clock starts on Monday at 8:00
        ("2026-12-06T22:23", "standard", "2026-12-07T12:00"),
        ("2026-12-06T22:23", "vic", "2026-12-07T10:00"),
        # Thursday 12:30: half an hour before Thursday's close, Friday closed, then Saturday
        ("2026-12-10T12:30", "standard", "2026-12-12T11:30"),
        ("2026-12-10T12:30", "vic", "2026-12-10T14:30"),  # VIC stays until 16 on Thursday
        # Friday: nothing until Saturday 8:00
        ("2026-12-11T12:30", "standard", "2026-12-12T12:00"),
        # 28 Esfand 1405, a Friday: 29 Esfand and Nowruz (1-4 Farvardin) closed too
        ("2027-03-19T13:30", "standard", "2027-03-25T12:00"),
        # VIP: around the clock, holidays included
        ("2027-03-20T23:00", "vip", "2027-03-20T23:30"),
    ],
)
def test_the_deadline_counts_only_open_hours(opened: str, tier: Tier, due: str) -> None:
    assert first_response_due(tier, tehran(opened), CALENDAR) == tehran(due)


@pytest.mark.parametrize(
    ("opened", "due"),
    [
        # Tuesday 15 Dey 1405, 15:00: 16 Dey is Mab'ath, closed; two hours left on Thursday
        ("2027-01-05T15:00", "2027-01-07T10:00"),
        # Tuesday 2 Tir 1405, 16:00: Tasua and Ashura the next two days, then Friday
        ("2026-06-23T16:00", "2026-06-27T11:00"),
        # Wednesday 11 Farvardin 1406, 16:00: 12 and 13 Farvardin, then 14 (Imam Sadegh)
        ("2027-03-31T16:00", "2027-04-04T11:00"),
    ],
)
def test_official_religious_holidays_are_closed_without_being_listed(opened: str, due: str) -> None:
    # Deadlines fell on Ashura and Mab'ath unless SUPPORT_HOLIDAYS listed them by hand.
    assert first_response_due("standard", tehran(opened), CALENDAR) == tehran(due)


def test_a_holiday_can_be_opened_and_a_day_closed_by_hand() -> None:
    mabath = date(2027, 1, 6)  # 16 Dey 1405: official, its date estimated
    moved = SupportCalendar(parse_holidays("1405-10-17"), parse_holidays("1405-10-16"))
    assert CALENDAR.is_holiday(mabath) and not moved.is_holiday(mabath)
    assert moved.is_holiday(date(2027, 1, 7)) and not CALENDAR.is_holiday(date(2027, 1, 7))


def test_the_official_calendar_reaches_years_ahead() -> None:
    ashura_1410 = [d for d, name in official_holidays(2031).items() if "Ashura" in name]
    assert ashura_1410 and CALENDAR.is_holiday(ashura_1410[0])
    assert first_estimated(date(2026, 12, 7)) == date(2027, 1, 6)  # from Mab'ath 1405 on


def test_without_a_calendar_the_clock_runs_around_the_clock() -> None:
    friday_night = tehran("2026-12-11T23:00")
    assert first_response_due("standard", friday_night) == friday_night + timedelta(hours=4)


def test_a_movable_holiday_given_as_a_jalali_date_is_closed() -> None:
    ashura = parse_holidays("1405-05-05")  # an example date, not the real one
    calendar = SupportCalendar(ashura)
    day = date(2026, 7, 27)  # 5 Mordad 1405, a Monday
    assert ashura == {day}
    assert calendar.is_holiday(day) and not CALENDAR.is_holiday(day)
    opened = tehran("2026-07-27T09:00")
    assert first_response_due("standard", opened, calendar) == tehran("2026-07-28T12:00")
    assert calendar.next_open("standard", opened) == tehran("2026-07-28T08:00")


def test_next_open_is_now_while_open() -> None:
    now = tehran("2026-12-06T10:00")
    assert CALENDAR.next_open("standard", now) == now
    assert CALENDAR.next_open("standard", tehran("2026-12-06T17:00")) == tehran("2026-12-07T08:00")


@pytest.mark.parametrize(
    "text", ["1405-13-01", "۱۴۰۵/۰۱", "tomorrow", "1405-12-31", "2027-03-10", "05-12-19"]
)
def test_a_date_that_is_not_a_jalali_date_is_named(text: str) -> None:
    with pytest.raises(ValueError, match="Jalali date"):
        parse_holidays(f"1405-01-13, {text}")


def test_holidays_read_in_persian_digits_and_separators() -> None:
    assert parse_holidays("۱۴۰۵/۰۱/۱۳، 1405-03-14 ,") == {date(2026, 4, 2), date(2026, 6, 4)}


def test_a_moment_is_told_with_its_weekday() -> None:
    assert day_and_time(tehran("2026-12-07T08:00")) == "دوشنبه ۱۶ آذر، ساعت ۰۸:۰۰"


def test_open_time_counts_only_the_hours_the_desk_is_open() -> None:
    sunday_four = tehran("2026-12-06T16:00")
    monday = tehran("2026-12-07T08:30")
    assert CALENDAR.open_time("standard", sunday_four, monday) == timedelta(hours=1, minutes=30)
    assert CALENDAR.open_time("vip", sunday_four, monday) == monday - sunday_four
    assert CALENDAR.open_time("standard", monday, sunday_four) == timedelta()
    # Thursday noon to Saturday 8:01: Thursday until 13:00, Friday closed, a minute Saturday
    thursday = tehran("2026-12-10T12:00")
    assert CALENDAR.open_time("standard", thursday, tehran("2026-12-12T08:01")) == timedelta(
        hours=1, minutes=1
    )
    assert time_left("standard", sunday_four, monday) == monday - sunday_four  # no calendar


@pytest.mark.parametrize(
    ("opened", "now", "warned"),
    [
        # Sunday 13:30, due Monday 8:30: the last open hour before it starts Sunday 16:30
        ("2026-12-06T13:30", "2026-12-06T16:29", False),
        ("2026-12-06T13:30", "2026-12-06T16:30", True),
        ("2026-12-06T13:30", "2026-12-07T07:30", True),  # still so, if the warning was late
        # Thursday 9:01, due Saturday 8:01: warned Thursday at 12:01, while people are there
        ("2026-12-10T09:01", "2026-12-10T12:00", False),
        ("2026-12-10T09:01", "2026-12-10T12:01", True),
        ("2026-12-10T09:01", "2026-12-12T08:02", False),  # overdue: alerted instead
    ],
)
def test_a_deadline_is_warned_about_in_its_last_quarter_of_open_hours(
    opened: str, now: str, warned: bool
) -> None:
    due = first_response_due("standard", tehran(opened), CALENDAR)
    assert due_soon("standard", tehran(now), due, CALENDAR) is warned
