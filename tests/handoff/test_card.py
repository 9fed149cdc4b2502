"""The ticket card: everything an agent needs, in Persian, safe from customer HTML."""

from __future__ import annotations

import html
import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from handoff.card import AskedBefore, Escalation, render_card
from handoff.hours import SupportCalendar
from handoff.persian import duration, utf16_len
from handoff.report import render_overdue
from storage.models import Customer, Ticket, TicketStatus
from storage.repositories import CustomerHistory
from tests.storage.helpers import T0


def _customer(**overrides: Any) -> Customer:
    values: dict[str, Any] = {
        "id": 123456789,
        "first_name": "علی",
        "last_name": "رضایی",
        "username": "ali_r",
        "tier": "vip",
    }
    return Customer(**(values | overrides))


def _ticket(**overrides: Any) -> Ticket:
    values: dict[str, Any] = {
        "id": 12,
        "customer_id": 123456789,
        "status": "open",
        "level": 1,
        "priority": "high",
        "reason": "no_answer",
        "question": "رمزم را فراموش کرده‌ام",
        "tried": [
            {"id": "password-reset", "title": "بازیابی رمز عبور", "score": 0.412},
            {"id": "vpn", "title": "اتصال VPN", "score": 0.2},
        ],
        "agent_chat_id": -100,
        "opened_at": T0,
        "first_response_due": T0 + timedelta(minutes=30),
        "awaiting_reply_since": T0,
        "customer_blocked": False,
    }
    return Ticket(**(values | overrides))


def _visible(card: str) -> str:
    """The text Telegram would show: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", card))


def test_card_shows_who_what_when_and_why() -> None:
    card = _visible(render_card(_ticket(), _customer(), now=T0 + timedelta(minutes=10)))

    for expected in (
        "تیکت #۱۲",
        "علی رضایی",
        "@ali_r",
        "۱۲۳۴۵۶۷۸۹",
        "VIP",
        "اولویت: بالا",
        "زمان ثبت: ۱۲ مرداد ۱۴۰۳، ساعت ۱۳:۳۰",
        "مهلت اولین پاسخ: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۰۰ (۲۰ دقیقه مانده)",
        "مشتری منتظر پاسخ است: ۱۰ دقیقه",
        "رمزم را فراموش کرده‌ام",
        "بازیابی رمز عبور (۴۱٪)",
        "اتصال VPN (۲۰٪)",
        "دلیل باز شدن تیکت: ربات پاسخی در پایگاه دانش پیدا نکرد",
        "وضعیت: باز، در انتظار کارشناس",
    ):
        assert expected in card


def test_card_links_the_customer_profile() -> None:
    card = render_card(_ticket(), _customer(), now=T0)

    assert '<a href="tg://user?id=123456789">علی رضایی</a>' in card


def test_customer_provided_text_cannot_inject_html() -> None:
    customer = _customer(first_name="<b>Ali</b>", last_name='"&', username="x<y")
    ticket = _ticket(
        question="<script>alert(1)</script> & <a href='x'>",
        tried=[{"id": "a", "title": "<i>عنوان</i>", "score": 0.5}],
        claimed_by=7,
        claimed_by_name="<u>Sara</u>",
        status="claimed",
    )

    card = render_card(ticket, customer, now=T0)

    tags = set(re.findall(r"</?([a-z-]+)", card))
    assert tags <= {"b", "a", "blockquote"}
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;a href=&#x27;x&#x27;&gt;" in card
    assert "&lt;u&gt;Sara&lt;/u&gt;" in card
    assert "&lt;b&gt;Ali&lt;/b&gt; &quot;&amp;" in card


@pytest.mark.parametrize(
    ("status", "extra", "shown"),
    [
        ("open", {}, "وضعیت: باز، در انتظار کارشناس"),
        ("claimed", {"claimed_by": 7, "claimed_by_name": "سارا"}, "وضعیت: در دست سارا"),
        ("escalated", {"level": 2}, "وضعیت: ارجاع‌شده به سطح ۲"),
        ("waiting", {"claimed_by": 7, "claimed_by_name": "سارا"}, "وضعیت: در انتظار پاسخ مشتری"),
        ("closed", {"closed_at": T0 + timedelta(hours=1)}, "وضعیت: بسته"),
    ],
)
def test_card_states_the_ticket_state(
    status: TicketStatus, extra: dict[str, Any], shown: str
) -> None:
    card = _visible(render_card(_ticket(status=status, **extra), _customer(), now=T0))

    assert shown in card


def test_overdue_first_response_is_flagged() -> None:
    card = _visible(render_card(_ticket(), _customer(), now=T0 + timedelta(minutes=47)))

    assert "(۱۷ دقیقه گذشته از مهلت)" in card


def test_the_time_left_is_the_desks_open_hours_when_it_closes_before_the_deadline() -> None:
    # «16 hours left» at 16:00 for a deadline at 08:00 tomorrow, while the topic's warning said
    # one hour of open hours was left: an agent trusting the card left it for tomorrow.
    now = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)  # a Tuesday, 15:30 in Tehran
    due = now + timedelta(hours=17)
    ticket = _ticket(opened_at=now - timedelta(hours=3), first_response_due=due)
    calendar = SupportCalendar()
    left = calendar.open_time("standard", now, due)

    standard = _customer(tier="standard")
    by_hours = _visible(render_card(ticket, standard, now=now, calendar=calendar))
    around_the_clock = _visible(render_card(ticket, standard, now=now))

    assert timedelta() < left < due - now
    assert f"({duration(left)} از ساعت‌های کاری مانده)" in by_hours
    assert "(۱۷ ساعت مانده)" in around_the_clock


@pytest.mark.parametrize("minutes", [10, 47], ids=["before the deadline", "after it"])
def test_a_ticket_closed_unanswered_shows_no_running_clock(minutes: int) -> None:
    closed = _ticket(status="closed", closed_at=T0 + timedelta(minutes=5))

    card = _visible(render_card(closed, _customer(), now=T0 + timedelta(minutes=minutes)))

    assert "مهلت اولین پاسخ: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۰۰ (بی‌پاسخ بسته شد)" in card
    assert "مانده" not in card and "گذشته از مهلت" not in card


def test_a_ticket_closed_unanswered_after_its_deadline_shows_the_miss() -> None:
    # «(بی‌پاسخ بسته شد)» alone read as no harm done, while the alert had gone out and the
    # report counted the deadline missed.
    closed = _ticket(status="closed", closed_at=T0 + timedelta(minutes=45))

    card = _visible(render_card(closed, _customer(), now=T0 + timedelta(hours=2)))

    assert "⚠️ مهلت اولین پاسخ: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۰۰ (گذشت و بی‌پاسخ بسته شد)" in card


def test_late_and_timely_first_responses_are_told_apart() -> None:
    late = _ticket(first_response_at=T0 + timedelta(minutes=45), awaiting_reply_since=None)
    timely = _ticket(first_response_at=T0 + timedelta(minutes=5), awaiting_reply_since=None)

    late_card = _visible(render_card(late, _customer(), now=T0 + timedelta(hours=1)))
    timely_card = _visible(render_card(timely, _customer(), now=T0 + timedelta(hours=1)))

    assert "۱۵ دقیقه دیرتر از مهلت" in late_card
    assert "در مهلت" in timely_card
    assert "منتظر پاسخ" not in late_card + timely_card


def test_lateness_is_counted_in_open_hours_as_the_deadline_is() -> None:
    # Due Thursday 12:00, answered Saturday 08:05: «۱ روز و ۲۰ ساعت دیرتر» though the desk
    # was open 1 hour 5 minutes in between; overdue on Friday, the same.
    calendar = SupportCalendar()
    due = datetime(2026, 12, 10, 8, 30, tzinfo=UTC)  # Thursday 12:00 in Tehran
    answered = datetime(2026, 12, 12, 4, 35, tzinfo=UTC)  # Saturday 08:05
    late = _ticket(first_response_due=due, first_response_at=answered, awaiting_reply_since=None)
    waiting = _ticket(first_response_due=due)
    friday = datetime(2026, 12, 11, 9, 0, tzinfo=UTC)

    standard = _customer(tier="standard")
    late_card = _visible(render_card(late, standard, now=answered, calendar=calendar))
    overdue = _visible(render_card(waiting, standard, now=friday, calendar=calendar))
    vip = _visible(render_card(late, _customer(), now=answered, calendar=calendar))

    assert "(۱ ساعت و ۵ دقیقه از ساعت‌های کاری دیرتر از مهلت)" in late_card
    assert "(۱ ساعت از ساعت‌های کاری گذشته از مهلت)" in overdue  # Thursday 12 to 13
    assert "(۱ روز و ۲۰ ساعت دیرتر از مهلت)" in vip  # around the clock: every hour counts


def test_lateness_of_many_open_hours_is_said_in_hours_not_days() -> None:
    # Due Saturday 12:00, still waiting Wednesday 12:00: 36 open hours late, which the card
    # said as «۱ روز و ۱۲ ساعت», read as a day and a half rather than four working days.
    calendar = SupportCalendar()
    due = datetime(2026, 12, 12, 8, 30, tzinfo=UTC)  # Saturday 12:00 in Tehran
    wednesday = datetime(2026, 12, 16, 8, 30, tzinfo=UTC)
    waiting = _ticket(first_response_due=due, thread_id=5)
    standard = _customer(tier="standard")

    card = _visible(render_card(waiting, standard, now=wednesday, calendar=calendar))
    alert = _visible(render_overdue(waiting, standard, now=wednesday, calendar=calendar))

    assert "(۳۶ ساعت از ساعت‌های کاری گذشته از مهلت)" in card
    assert "بود و ۳۶ ساعت از ساعت‌های کاری گذشته است" in alert


def test_an_overdue_alert_counts_lateness_in_open_hours_as_the_card_does() -> None:
    # An alert held up (an outage, a restart) and drawn on Saturday 08:05 for a ticket due
    # Thursday 12:00 said «۱ روز و ۲۰ ساعت گذشته است» while the card said 1 hour 5 minutes.
    calendar = SupportCalendar()
    due = datetime(2026, 12, 10, 8, 30, tzinfo=UTC)  # Thursday 12:00 in Tehran
    saturday = datetime(2026, 12, 12, 4, 35, tzinfo=UTC)  # Saturday 08:05
    waiting = _ticket(first_response_due=due, thread_id=5)

    standard = _visible(
        render_overdue(waiting, _customer(tier="standard"), now=saturday, calendar=calendar)
    )
    vip = _visible(render_overdue(waiting, _customer(), now=saturday, calendar=calendar))

    assert "بود و ۱ ساعت و ۵ دقیقه از ساعت‌های کاری گذشته است" in standard
    assert "بود و ۱ روز و ۲۰ ساعت گذشته است" in vip  # around the clock: every hour counts


def test_a_first_response_right_at_the_deadline_is_in_time() -> None:
    on_time = _ticket(first_response_at=T0 + timedelta(minutes=30), awaiting_reply_since=None)

    card = _visible(render_card(on_time, _customer(), now=T0 + timedelta(hours=1)))

    assert "اولین پاسخ: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۰۰ (در مهلت)" in card


def _escalated(**overrides: Any) -> Ticket:
    """A VIP ticket first line answered at 13:35 and escalated at 14:30; second line's reply
    is due at 15:00."""
    values: dict[str, Any] = {
        "status": "escalated",
        "level": 2,
        "first_response_at": T0 + timedelta(minutes=5),
        "escalated_at": T0 + timedelta(hours=1),
        "l2_response_due": T0 + timedelta(hours=1, minutes=30),
        "awaiting_reply_since": T0 + timedelta(hours=1),
    }
    return _ticket(**(values | overrides))


def test_an_escalated_ticket_shows_second_lines_deadline_and_the_customers_wait() -> None:
    # It said «✅ اولین پاسخ … (در مهلت)» however long second line left it unanswered.
    pending = _visible(
        render_card(_escalated(), _customer(), now=T0 + timedelta(hours=1, minutes=10))
    )
    overdue = _visible(render_card(_escalated(), _customer(), now=T0 + timedelta(hours=2)))

    assert "مهلت پاسخ سطح ۲: ۱۲ مرداد ۱۴۰۳، ساعت ۱۵:۰۰ (۲۰ دقیقه مانده)" in pending
    assert "مشتری منتظر پاسخ است: ۱۰ دقیقه" in pending
    assert "(۳۰ دقیقه گذشته از مهلت)" in overdue
    assert "اولین پاسخ" not in pending + overdue


def test_second_lines_reply_is_told_in_time_or_late() -> None:
    timely = _escalated(
        l2_response_at=T0 + timedelta(hours=1, minutes=20), awaiting_reply_since=None
    )
    late = _escalated(l2_response_at=T0 + timedelta(hours=2), awaiting_reply_since=None)
    closed = _escalated(status="closed", closed_at=T0 + timedelta(hours=2))
    now = T0 + timedelta(hours=3)

    assert "پاسخ سطح ۲: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۵۰ (در مهلت)" in _visible(
        render_card(timely, _customer(), now=now)
    )
    assert "(۳۰ دقیقه دیرتر از مهلت)" in _visible(render_card(late, _customer(), now=now))
    # closed at 15:30, the deadline passed unanswered
    assert "⚠️ مهلت پاسخ سطح ۲: ۱۲ مرداد ۱۴۰۳، ساعت ۱۵:۰۰ (گذشت و بی‌پاسخ بسته شد)" in _visible(
        render_card(closed, _customer(), now=now)
    )


def test_a_ticket_escalated_before_anyone_answered_keeps_its_first_response_clock() -> None:
    unanswered = _escalated(first_response_at=None, awaiting_reply_since=T0)

    card = _visible(render_card(unanswered, _customer(), now=T0 + timedelta(hours=1, minutes=10)))

    assert "مهلت اولین پاسخ: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۰۰ (۴۰ دقیقه گذشته از مهلت)" in card
    assert "سطح ۲:" not in card.replace("پشتیبانی سطح ۲", "")


def test_second_lines_reply_to_a_ticket_nobody_answered_is_its_first_response() -> None:
    # Escalated at 14:30 with no reply, its first response was due at 14:00; second line
    # answered at 14:45, within its own 15:00. The card said «✅ پاسخ سطح ۲: … (در مهلت)» of
    # a first response the overdue alert had called late, and the report counted missed.
    answered = _escalated(
        status="claimed",
        first_response_at=T0 + timedelta(hours=1, minutes=15),
        l2_response_at=T0 + timedelta(hours=1, minutes=15),
        awaiting_reply_since=None,
    )

    card = _visible(render_card(answered, _customer(), now=T0 + timedelta(hours=2)))

    assert "⚠️ اولین پاسخ: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۴۵ (۴۵ دقیقه دیرتر از مهلت)" in card
    assert "در مهلت)" not in card


def test_an_overdue_alert_for_second_line_says_the_ticket_is_at_l2() -> None:
    ticket = _escalated(thread_id=5, claimed_by_name="متخصص")

    alert = _visible(render_overdue(ticket, _customer(), now=T0 + timedelta(hours=2)))

    assert alert.splitlines() == [
        "⚠️ مهلت پاسخ سطح ۲ گذشت: تیکت #۱۲ · علی رضایی\u200f · VIP",
        "ارجاع به سطح ۲: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۳۰؛ مهلت ۱۲ مرداد ۱۴۰۳، ساعت ۱۵:۰۰ بود و"
        " ۳۰ دقیقه گذشته است؛ سطح ۲ هنوز پاسخ نداده. در دست: متخصص",
    ]


def test_a_closed_card_says_when_and_a_follow_up_names_the_ticket_before() -> None:
    closed = _ticket(status="closed", closed_at=T0 + timedelta(hours=1))
    follow_up = _ticket(id=13, previous_ticket_id=12)

    closed_card = _visible(render_card(closed, _customer(), now=T0 + timedelta(hours=2)))
    follow_up_card = _visible(render_card(follow_up, _customer(), now=T0))
    first_card = _visible(render_card(_ticket(), _customer(), now=T0))

    assert "بسته شد: ۱۲ مرداد ۱۴۰۳، ساعت ۱۴:۳۰" in closed_card
    assert "تیکت قبلی این مشتری: #۱۲" in follow_up_card
    assert "بسته شد" not in first_card + follow_up_card
    assert "تیکت قبلی" not in first_card + closed_card


def test_a_returning_customers_card_tells_how_their_previous_ticket_went() -> None:
    previous = _ticket(
        id=9,
        status="closed",
        closed_at=T0 + timedelta(hours=3),
        rating=2,
        question="<b>VPN</b> از دیروز وصل نمی‌شود و " + "خطای ۸۰۹ می‌دهد " * 10,
        agent_chat_id=-1001234567890,
        thread_id=55,
    )
    ticket = _ticket(previous_ticket_id=9, opened_at=T0 + timedelta(days=30))

    card = render_card(ticket, _customer(), now=T0, history=CustomerHistory(3, previous))
    only_one = _visible(
        render_card(ticket, _customer(), now=T0, history=CustomerHistory(1, previous))
    )

    (line,) = [line for line in card.splitlines() if "تیکت قبلی" in line]
    assert '<a href="https://t.me/c/1234567890/55">#۹</a>' in line  # opens its topic
    assert "&lt;b&gt;VPN&lt;/b&gt; از دیروز وصل نمی‌شود" in line  # escaped
    shown = _visible(line)
    assert shown.startswith("🔁 تیکت قبلی این مشتری: #۹ «<b>VPN</b> از دیروز")
    assert shown.endswith(
        "» · ۱۲ مرداد ۱۴۰۳، ساعت ۱۳:۳۰ · بسته · امتیاز ۲ از ۵ · در کل ۳ تیکت پیشین"
    )
    assert len(shown) < 200  # the question is cut short: the card is about this ticket
    assert "امتیاز ۲ از ۵" in only_one and "در کل" not in only_one


def test_a_previous_ticket_without_a_topic_or_rating_is_named_plainly() -> None:
    previous = _ticket(id=9, status="closed", question="", thread_id=None)
    ticket = _ticket(previous_ticket_id=9)

    card = render_card(ticket, _customer(), now=T0, history=CustomerHistory(1, previous))

    (line,) = [line for line in _visible(card).splitlines() if "تیکت قبلی" in line]
    assert line == "🔁 تیکت قبلی این مشتری: #۹ · ۱۲ مرداد ۱۴۰۳، ساعت ۱۳:۳۰ · بسته"
    assert "t.me/c" not in card


def test_the_card_lists_the_latest_questions_asked_before_and_what_came_of_them() -> None:
    asked = [
        AskedBefore("پرسش خیلی قدیمی", "handoff"),
        AskedBefore("رمزم یادم رفته", "answer", "بازیابی رمز عبور", False),
        AskedBefore("<i>وی‌پی‌ان</i> " + "وصل نمیشه " * 20, "suggest"),
        AskedBefore("وای‌فای", "suggest", "اتصال به وای‌فای دفتر", True),
        AskedBefore("قیمت گوجه چنده", "handoff"),
    ]

    card = render_card(_ticket(), _customer(), now=T0, asked_before=asked)

    shown = _visible(card)
    listed = shown.split("پیش از این، مشتری از ربات پرسیده بود:\n")[1].split("\n\n")[0]
    lines = listed.splitlines()
    assert lines[0].startswith("• \u200f«<i>وی‌پی‌ان</i> وصل نمیشه")  # escaped in the HTML
    assert lines[0].endswith("…» ← ربات چند مقاله پیشنهاد داد")
    assert lines[1:] == [
        "• \u200f«وای‌فای» ← ربات «اتصال به وای‌فای دفتر» را فرستاد؛ مشتری: مفید بود 👍",
        "• \u200f«قیمت گوجه چنده» ← ربات پاسخی پیدا نکرد",
    ]  # the latest three, oldest first
    assert "&lt;i&gt;" in card
    not_helpful = _visible(render_card(_ticket(), _customer(), now=T0, asked_before=asked[1:2]))
    disliked = "ربات «بازیابی رمز عبور» را فرستاد؛ مشتری: به کارش نیامد 👎"
    assert f"• \u200f«رمزم یادم رفته» ← {disliked}" in not_helpful
    assert "پیش از این" not in _visible(render_card(_ticket(), _customer(), now=T0))


def test_a_tried_article_without_a_title_is_named_by_its_id() -> None:
    ticket = _ticket(tried=[{"id": "vpn-setup", "score": 0.3}])

    card = _visible(render_card(ticket, _customer(), now=T0))

    assert "vpn-setup (۳۰٪)" in card


def test_closed_card_shows_the_rating_and_comment() -> None:
    ticket = _ticket(
        status="closed", closed_at=T0 + timedelta(hours=1), rating=4, rating_comment="<ممنون>"
    )

    card = render_card(ticket, _customer(), now=T0 + timedelta(hours=2))

    assert "★★★★☆ ۴ از ۵" in card
    assert "&lt;ممنون&gt;" in card
    assert "منتظر پاسخ" not in card


def test_the_username_reads_left_to_right_inside_the_persian_line() -> None:
    card = render_card(_ticket(), _customer(), now=T0)
    assert "\u200e@ali_r" in card  # a left-to-right mark keeps «@» before the name


def test_card_without_username_or_tried_articles_says_so() -> None:
    card = _visible(render_card(_ticket(tried=[]), _customer(username=None), now=T0))

    assert "بدون نام کاربری" in card
    assert "ربات مقاله‌ای پیشنهاد نکرد" in card


def test_card_stays_within_telegrams_limit_for_the_longest_input() -> None:
    customer = _customer(first_name="&" * 300, last_name="😀" * 300, username="u" * 32)
    ticket = _ticket(
        question="😀&<" * 5000,
        tried=[{"id": "x", "title": "&" * 500, "score": 0.5}] * 20,
        status="closed",
        closed_at=T0,
        rating=1,
        rating_comment="😀" * 5000,
        claimed_by_name="&" * 500,
        previous_ticket_id=2**31 - 2,
        customer_blocked=True,
    )
    previous = _ticket(
        id=2**31 - 2,
        question="😀&<" * 5000,
        status="claimed",
        claimed_by_name="&" * 500,
        rating=5,
        thread_id=2**31 - 1,
        agent_chat_id=-(10**15),
    )

    asked = [AskedBefore("😀&<" * 5000, "answer", "&" * 500, True)] * 10

    card = render_card(
        ticket,
        customer,
        now=T0,
        history=CustomerHistory(2**31, previous),
        asked_before=asked,
        escalation=Escalation("&" * 500, T0, "😀" * 5000),
    )

    # The question takes the room the rest leaves, no more and not much less.
    assert 4000 < utf16_len(_visible(card)) <= 4096


def _next_strong(text: str, after: int) -> str | None:
    for char in text[after:]:
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return kind
    return None


def test_a_latin_name_and_the_latin_after_it_keep_their_order() -> None:
    # «John Smith · @john_s» read as one left-to-right run: the @username showed first, and in
    # an overdue alert «VIP» before the name.
    latin = _customer(first_name="John", last_name="Smith", username="john_s")
    card = _visible(render_card(_ticket(), latin, now=T0))
    alert = _visible(render_overdue(_ticket(thread_id=5), latin, now=T0 + timedelta(hours=1)))
    for text in (card, alert):
        end = text.index("John Smith") + len("John Smith")
        assert _next_strong(text, end) == "R", text  # a right-to-left mark between the runs


def test_an_l2_card_says_who_escalated_when_and_why_escaped_and_bounded() -> None:
    ticket = _ticket(status="escalated", level=2)
    said = Escalation("Sara", T0, "<script>&" + "خ" * 2000)
    card = render_card(ticket, _customer(), now=T0, escalation=said)
    lines = _visible(card).splitlines()
    at = lines.index("⬆️ ارجاع از سطح ۱: Sara\u200f، ۱۲ مرداد ۱۴۰۳، ساعت ۱۳:۳۰")
    assert lines[at + 1].startswith("<script>&خ") and lines[at + 1].endswith("…")
    assert len(lines[at + 1]) <= 300
    assert "<script>" not in card  # escaped
    bare = _visible(render_card(ticket, _customer(), now=T0, escalation=Escalation("", T0)))
    assert "⬆️ ارجاع از سطح ۱: کارشناس\u200f، ۱۲ مرداد ۱۴۰۳، ساعت ۱۳:۳۰" in bare.splitlines()
