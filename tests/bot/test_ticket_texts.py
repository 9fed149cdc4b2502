"""What a customer is told when their ticket opens: the response time on the contract's hours."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot import texts
from handoff.hours import SupportCalendar
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
