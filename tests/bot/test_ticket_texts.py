"""What a customer is told when their ticket opens: the response time on the contract's hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import texts
from bot.tickets import when_answered
from handoff.hours import SupportCalendar, parse_holidays
from handoff.persian import TEHRAN
from handoff.sla import FIRST_RESPONSE, first_response_due


def _tehran(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TEHRAN)


def test_while_open_the_customer_hears_the_contracts_time_and_the_deadline() -> None:
    now = _tehran("2026-12-06T15:30")  # a Sunday afternoon
    due = first_response_due("standard", now, SupportCalendar())
    told = texts.ticket_opened_in_hours(7, FIRST_RESPONSE["standard"], due)
    assert "#۷" in told
    assert "ظرف ۴ ساعت کاری" in told
    # 1.5 hours on Sunday, 2.5 on Monday; in Tehran's time, for a customer abroad
    assert "دوشنبه ۱۶ آذر، ساعت ۱۰:۳۰ به وقت تهران" in told


def test_at_night_the_customer_hears_when_the_desk_opens() -> None:
    now = _tehran("2026-12-10T21:00")  # Thursday night; Friday is closed
    calendar = SupportCalendar()
    opens = calendar.next_open("standard", now)
    told = texts.ticket_opened_while_closed(8, opens, first_response_due("standard", now, calendar))
    assert "خارج از ساعت کاری" in told
    assert "از شنبه ۲۱ آذر، ساعت ۰۸:۰۰ به وقت تهران" in told
    assert "حداکثر تا شنبه ۲۱ آذر، ساعت ۱۲:۰۰" in told


def test_around_the_clock_the_customer_hears_the_wait() -> None:
    told = texts.ticket_opened(9, timedelta(minutes=30))
    assert "ظرف ۳۰ دقیقه پاسخ" in told and "کاری" not in told


def test_on_a_holiday_or_a_day_off_the_customer_hears_why_the_desk_is_closed() -> None:
    # «Outside working hours» at 10:00 on a weekday that is a holiday looked wrong.
    calendar = SupportCalendar()
    told = {}
    for name, moment in (
        ("holiday", "2027-02-11T10:00"),  # 22 Bahman, a Thursday
        ("friday", "2026-12-11T10:00"),
        ("night", "2026-12-10T21:00"),
    ):
        now = _tehran(moment)
        opens = calendar.next_open("standard", now)
        due = first_response_due("standard", now, calendar)
        why = calendar.why_closed("standard", now)
        told[name] = texts.ticket_opened_while_closed(8, opens, due, why)
    assert "امروز تعطیل رسمی است" in told["holiday"]
    assert "امروز پشتیبانی تعطیل است" in told["friday"]
    assert "خارج از ساعت کاری" in told["night"]


def test_a_day_the_desk_closes_itself_is_not_called_an_official_holiday() -> None:
    closed = SupportCalendar(parse_holidays("1405-09-17"))  # a Tuesday the company closes
    now = _tehran("2026-12-08T10:00")
    why = closed.why_closed("standard", now)
    opens = closed.next_open("standard", now)
    told = texts.ticket_opened_while_closed(
        8, opens, first_response_due("standard", now, closed), why
    )
    assert "امروز پشتیبانی تعطیل است" in told and "رسمی" not in told


def test_a_customer_writing_while_waiting_hears_the_deadline_or_that_it_is_late() -> None:
    now = _tehran("2026-12-06T15:30")
    ahead = texts.still_waiting(3, now + timedelta(hours=2), now)
    late = texts.still_waiting(3, now - timedelta(minutes=5), now)
    assert "#۳" in ahead and "حداکثر تا یکشنبه ۱۵ آذر، ساعت ۱۷:۳۰ به وقت تهران" in ahead
    assert "دیرتر شده" in late and "حداکثر" not in late
    # Late at night: not «soon», but when the desk opens.
    night = _tehran("2026-12-07T22:00")
    opens = SupportCalendar().next_open("standard", night)
    closed = texts.still_waiting(3, night - timedelta(hours=1), night, opens)
    assert "به‌زودی" not in closed
    assert "کارشناسان از سه‌شنبه ۱۷ آذر، ساعت ۰۸:۰۰ به وقت تهران پاسخ می‌دهند" in closed


def test_an_escalated_customer_hears_when_the_answer_comes_as_at_a_hand_off() -> None:
    # Second line's clock starts at the escalation (the contract's time, in open hours); one
    # escalated before anyone answered is owed the first response by its deadline still.
    calendar = SupportCalendar()
    now = _tehran("2026-12-06T15:30")  # a Sunday afternoon: open
    l2_due = first_response_due("standard", now, calendar)
    night = _tehran("2026-12-07T22:00")
    span = FIRST_RESPONSE["standard"]

    assert when_answered("standard", calendar, now, l2_due, span) == (
        "معمولاً ظرف ۴ ساعت کاری پاسخ می‌گیرید (حداکثر تا دوشنبه ۱۶ آذر، ساعت ۱۰:۳۰ به وقت تهران)."
    )
    assert when_answered("vip", None, now, now + span, span) == "معمولاً ظرف ۴ ساعت پاسخ می‌گیرید."
    assert when_answered("standard", calendar, now, now + timedelta(hours=1)) == (
        "پاسخ حداکثر تا یکشنبه ۱۵ آذر، ساعت ۱۶:۳۰ به وقت تهران می‌رسد."
    )
    assert when_answered("standard", calendar, night, night + timedelta(days=1), span) == (
        "اکنون خارج از ساعت کاری پشتیبانی است؛ کارشناسان از سه‌شنبه ۱۷ آذر، ساعت ۰۸:۰۰ به وقت"
        " تهران پاسخ می‌دهند و پاسخ شما حداکثر تا سه‌شنبه ۱۷ آذر، ساعت ۲۲:۰۰ می‌رسد."
    )
    late = when_answered("standard", calendar, now, now - timedelta(minutes=5))
    assert late == "پاسخ از مهلتش دیرتر شده است؛ پوزش می‌خواهیم. به‌زودی پاسخ می‌گیرید."
