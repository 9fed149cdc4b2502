"""What supervisors get: overdue alerts, /report, and the daily report of the day before."""

from __future__ import annotations

import asyncio
import re
import time as clock
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from functools import partial
from pathlib import Path

import jdatetime
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import desk_texts, supervision, telegram_errors
from bot.config import Settings
from bot.executor import IMMEDIATE_ATTEMPTS as ATTEMPTS
from bot.formatting import plain_text
from bot.supervision import batched_messages
from handoff.persian import TEHRAN, fa_digits
from handoff.report import jalali_day
from handoff.sla import first_response_due
from kb.gaps import Asked, Gaps, Sent
from kb.gaps_cli import mine_kb
from kb.service import KnowledgeBase
from storage.models import KBDecision, Message, PendingAlert, Ticket, TicketEvent
from storage.timestamps import utcnow
from tests.bot.desk_support import hand_off, settled
from tests.bot.support import ANSWERED, UNKNOWN, RunningBot, make_settings, running_bot
from tests.fake_telegram import FakeTelegram
from tests.fake_telegram.state import SentMessage

SUPERVISORS = -1005000000005
STRANGERS = -1009000000009
CHAT_GONE = "Bad Request: chat not found"


def report_not_due() -> time:
    """A DAILY_REPORT_AT an hour from now (Tehran): the last report fell due 23 hours ago,
    too long ago to catch up, so a bot starting now sends none, whatever the hour the tests
    run at (from 8:00 to 20:00 Tehran time the default's report of yesterday would go out)."""
    return (utcnow() + timedelta(hours=1)).astimezone(TEHRAN).time().replace(microsecond=0)


@pytest.fixture
def supervised(fake_telegram: FakeTelegram, database_url: str, kb_dir: Path) -> Settings:
    """Settings with a supervisors' group and overdue checks every 0.2 s."""
    fake_telegram.add_group(SUPERVISORS, "سرپرستان")
    return make_settings(
        fake_telegram,
        database_url,
        kb_dir,
        supervisor_chat_id=SUPERVISORS,
        sla_check_seconds=0.2,
        daily_report_at=report_not_due(),
    )


def texts_in(fake: FakeTelegram, chat_id: int) -> list[str]:
    return [m.text or "" for m in fake.sent_to(chat_id) if m.thread_id is None and m.kind == "text"]


def charts_in(fake: FakeTelegram, chat_id: int) -> list[SentMessage]:
    return [m for m in fake.sent_to(chat_id) if m.kind == "photo"]


async def test_an_overdue_first_response_is_alerted_once_to_agents_and_supervisors(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    # Around the clock, so «۷ دقیقه» late is the same whatever hour the test runs at.
    around_the_clock = supervised.model_copy(update={"support_hours": "always"})
    async with running_bot(around_the_clock, fake) as bot:
        late = await hand_off(bot, fake, "مریم")
        answered = await hand_off(bot, fake, "سارا")
        also_late = await hand_off(bot, fake, "نیما")
        agent = fake.new_agent("علی")
        fake.agent_sends_in_topic(agent, answered.thread_id, "سلام، بررسی می‌کنم")
        await settled(bot, fake)
        past = utcnow() - timedelta(minutes=7)
        await bot.db(
            lambda session: session.execute(update(Ticket).values(first_response_due=past))
        )
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=10, what="alert")
        await asyncio.sleep(1)  # five more checks
        events = await bot.rows(TicketEvent, TicketEvent.kind == "sla_breached")
    (alert,) = texts_in(fake, SUPERVISORS)  # both late tickets in one message
    assert texts_in(fake, fake.agent_chat_id) == [alert]  # the agents' General topic too
    first, second = alert.split("\n\n")
    assert first.startswith("⚠️ مهلت اولین پاسخ گذشت: تیکت #۱ · مریم\u200f · عادی")
    assert second.startswith("⚠️ مهلت اولین پاسخ گذشت: تیکت #۳ · نیما\u200f · عادی")
    assert "۷ دقیقه گذشته است" in first and "در دست: هیچ‌کس" in first
    links = [e for e in fake.sent_to(SUPERVISORS)[0].entities if e["type"] == "text_link"]
    assert [link["url"].rsplit("/", 1)[1] for link in links] == [
        str(late.thread_id),
        str(also_late.thread_id),
    ]
    assert sorted(e.ticket_id for e in events) == [late.ticket_id, also_late.ticket_id]


async def test_an_overdue_alert_counts_lateness_in_the_desks_open_hours(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    # A ticket three days past its deadline (the bot was down over a weekend, say): the desk
    # was open only some of those hours, and the card counts only those; the alert said
    # «۳ روز گذشته است».
    fake = fake_telegram
    async with running_bot(supervised, fake) as bot:
        await hand_off(bot, fake, "مریم")
        past = utcnow() - timedelta(days=3)
        await bot.db(
            lambda session: session.execute(update(Ticket).values(first_response_due=past))
        )
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=10, what="alert")
    (alert,) = texts_in(fake, SUPERVISORS)
    assert "از ساعت‌های کاری گذشته است" in alert
    assert "۳ روز" not in alert


async def test_a_first_response_due_soon_is_warned_once_in_its_topic(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    # Around the clock, so the time left is the same whatever hour the test runs at.
    around_the_clock = supervised.model_copy(update={"support_hours": "always"})
    async with running_bot(around_the_clock, fake) as bot:
        soon = await hand_off(bot, fake, "مریم")
        later = await hand_off(bot, fake, "سارا")
        in_five = utcnow() + timedelta(minutes=5, seconds=30)
        in_three_hours = utcnow() + timedelta(hours=3)
        for ticket_id, due in ((soon.ticket_id, in_five), (later.ticket_id, in_three_hours)):
            moved = update(Ticket).where(Ticket.id == ticket_id).values(first_response_due=due)
            await bot.db(partial(AsyncSession.execute, statement=moved))
        await fake.wait_for_async(
            lambda: len(fake.sent_to(fake.agent_chat_id, soon.thread_id)) > 1,
            timeout=10,
            what="the warning",
        )
        await asyncio.sleep(1)  # five more checks
        events = await bot.rows(TicketEvent, TicketEvent.kind == "sla_warned")
    (_card, warning) = fake.sent_to(fake.agent_chat_id, soon.thread_id)
    assert (warning.text or "").startswith("⏰ ۵ دقیقه تا پایان مهلت اولین پاسخ")
    assert len(fake.sent_to(fake.agent_chat_id, later.thread_id)) == 1  # its card only
    assert texts_in(fake, SUPERVISORS) == []  # a warning is for the agents
    assert [e.ticket_id for e in events] == [soon.ticket_id]


async def test_a_deadline_after_days_off_is_warned_in_the_last_open_hours_before_it(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # Every day from today until the deadline's day is a holiday, and the deadline is 8:30
    # that morning: two days or more away, but only half an hour of open desk is left.
    fake = fake_telegram
    today = utcnow().astimezone(TEHRAN).date()
    due_day = today + timedelta(days=2)
    while due_day.weekday() in (3, 4):  # Thursday's hours are short; Friday is closed
        due_day += timedelta(days=1)
    days_off = [today + timedelta(days=n) for n in range((due_day - today).days)]
    holidays = ",".join(str(jdatetime.date.fromgregorian(date=day)) for day in days_off)
    settings = make_settings(
        fake, database_url, kb_dir, support_holidays=holidays, sla_check_seconds=0.2
    )
    due = datetime.combine(due_day, time(8, 30), TEHRAN)
    async with running_bot(settings, fake) as bot:
        ticket = await hand_off(bot, fake, "مریم")
        moved = update(Ticket).where(Ticket.id == ticket.ticket_id).values(first_response_due=due)
        await bot.db(partial(AsyncSession.execute, statement=moved))
        await fake.wait_for_async(
            lambda: len(fake.sent_to(fake.agent_chat_id, ticket.thread_id)) > 1,
            timeout=10,
            what="the warning",
        )
    (_card, warning) = fake.sent_to(fake.agent_chat_id, ticket.thread_id)
    assert (warning.text or "").startswith(
        "⏰ ۳۰ دقیقه از ساعت‌های کاری تا پایان مهلت اولین پاسخ مانده"
    )


async def test_a_holiday_declared_after_tickets_opened_moves_the_deadlines_not_yet_met(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # The day both deadlines fall on is declared a holiday (a pollution closure, say) and the
    # bot restarted with it: the unanswered ticket's deadline moves past it, as a new
    # ticket's would; the answered one keeps its own, already met.
    fake = fake_telegram
    settings = make_settings(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        waiting = await hand_off(bot, fake, "مریم")
        answered = await hand_off(bot, fake, "سارا")
        fake.agent_sends_in_topic(fake.new_agent("علی"), answered.thread_id, "سلام، بررسی می‌کنم")
        await settled(bot, fake)
        before = {t.id: t.first_response_due for t in await bot.rows(Ticket)}
    due_day = before[waiting.ticket_id].astimezone(TEHRAN).date()
    closure = settings.model_copy(update={"support_holidays": frozenset({due_day})})
    async with running_bot(closure, fake) as bot:
        for _ in range(100):  # recounted as the restarted bot starts watching deadlines
            after = {t.id: t for t in await bot.rows(Ticket)}
            if after[waiting.ticket_id].first_response_due != before[waiting.ticket_id]:
                break
            await asyncio.sleep(0.1)
        moves = await bot.rows(TicketEvent, TicketEvent.kind == "deadline_moved")
    ticket = after[waiting.ticket_id]
    assert ticket.first_response_due == first_response_due(
        "standard", ticket.opened_at, closure.calendar
    )
    assert ticket.first_response_due.astimezone(TEHRAN).date() > due_day
    assert after[answered.ticket_id].first_response_due == before[answered.ticket_id]
    # Logged, and its warning and alert are about the new deadline (once each, again).
    assert [e.ticket_id for e in moves] == [waiting.ticket_id]


async def test_report_gives_todays_figures_where_supervisors_and_agents_work(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    fake.add_group(STRANGERS, "گروه دیگر")
    async with running_bot(supervised, fake) as bot:
        closed = await hand_off(bot, fake, "سارا")
        agent = fake.new_agent("علی")
        fake.agent_sends_in_topic(agent, closed.thread_id, "/claim")
        await settled(bot, fake)
        fake.agent_sends_in_topic(agent, closed.thread_id, "/close")
        await fake.wait_for_messages_async(closed.user.id, 2)  # the rating request
        await settled(bot, fake)
        fake.user_presses_button(closed.user, fake.sent_to(closed.user.id)[-1], "۲")
        await settled(bot, fake)
        opened = await hand_off(bot, fake, "مریم")
        chief = fake.new_agent("مدیر", chat_id=SUPERVISORS)
        stranger = fake.new_agent("غریبه", chat_id=STRANGERS)
        fake.agent_sends_in_topic(chief, None, "/report", chat_id=SUPERVISORS)
        fake.agent_sends_in_topic(chief, None, "/tickets", chat_id=SUPERVISORS)
        fake.agent_sends_in_topic(agent, opened.thread_id, "/report")
        fake.agent_sends_in_topic(stranger, None, "/report", chat_id=STRANGERS)
        await settled(bot, fake)
    report, tickets = texts_in(fake, SUPERVISORS)
    today = jalali_day(utcnow().astimezone(TEHRAN).date())
    assert report.splitlines()[0] == f"📊 گزارش امروز تا این لحظه · {today}"
    assert "مشتریانی که پیام دادند: ۲ · بی‌نیاز از کارشناس: ۰ از ۰ نفری که پرسیدند (—)" in report
    assert "تیکت‌ها: ۲ باز شد · ۱ بسته شد · ۱ اکنون باز" in report
    assert "میانگین ۲٫۰ از ۵ (۱ امتیاز)" in report
    assert "نمونه‌های کنترل کیفیت" in report and "#۱ · امتیاز ۲" in report
    assert "• \u200fعلی\u200f: ۱ تیکت · میانگین امتیاز ۲٫۰" in report
    assert "#۲ · مریم" in tickets  # every group's tickets
    topic = [m.text or "" for m in fake.sent_to(fake.agent_chat_id, opened.thread_id)]
    agents_report = topic[-1]
    assert agents_report.startswith("📊 گزارش امروز")
    assert "میانگین ۲٫۰ از ۵ (۱ امتیاز)" in agents_report  # the team's figures
    assert "نمونه‌های کنترل کیفیت" not in agents_report  # not the samples, nor each agent's
    assert "• \u200fعلی:" not in agents_report
    assert fake.sent_to(STRANGERS) == []
    menu = [c["command"] for c in fake.commands(f"chat:{SUPERVISORS}")]
    assert menu == ["report", "tickets", "help"]


async def test_report_credits_a_ticket_closed_while_nobody_held_it_to_who_closed_it(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    async with running_bot(supervised, fake) as bot:
        free = await hand_off(bot, fake, "سارا")
        agent = fake.new_agent("علی")
        fake.agent_sends_in_topic(agent, free.thread_id, "/close")  # never claimed
        await fake.wait_for_messages_async(free.user.id, 2)  # the rating request
        await settled(bot, fake)
        chief = fake.new_agent("مدیر", chat_id=SUPERVISORS)
        fake.agent_sends_in_topic(chief, None, "/report", chat_id=SUPERVISORS)
        await settled(bot, fake)
    (report,) = texts_in(fake, SUPERVISORS)
    assert "تیکت‌ها: ۱ باز شد · ۱ بسته شد · ۰ اکنون باز" in report
    assert "• \u200fعلی\u200f: ۱ تیکت" in report


async def test_report_says_first_responses_are_counted_in_open_hours_as_deadlines_are(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    fake = fake_telegram
    around_the_clock = supervised.model_copy(update={"support_hours": "always"})
    chief = fake.new_agent("مدیر", chat_id=SUPERVISORS)
    for settings in (supervised, around_the_clock):
        async with running_bot(settings, fake) as bot:
            answered = await hand_off(bot, fake, "سارا")
            fake.agent_sends_in_topic(fake.new_agent("علی"), answered.thread_id, "سلام")
            await settled(bot, fake)
            fake.agent_sends_in_topic(chief, None, "/report", chat_id=SUPERVISORS)
            await settled(bot, fake)
    on_open_hours, on_the_clock = texts_in(fake, SUPERVISORS)
    assert "⏱ اولین پاسخ در ساعات کاری: میانه " in on_open_hours
    assert "⏱ اولین پاسخ: میانه " in on_the_clock  # SUPPORT_HOURS=always: the wall clock


def _reporting_now(
    fake: FakeTelegram, database_url: str, kb_dir: Path
) -> tuple[Settings, datetime]:
    """Settings with a supervisors' group whose daily report fell due a minute ago (a bot
    starting now sends it), and that moment (Tehran time)."""
    fake.add_group(SUPERVISORS, "سرپرستان")
    due = (utcnow() - timedelta(minutes=1)).astimezone(TEHRAN)
    settings = make_settings(
        fake,
        database_url,
        kb_dir,
        supervisor_chat_id=SUPERVISORS,
        daily_report_at=due.time().replace(second=0, microsecond=0),
    )
    return settings, due


async def test_a_supervisor_named_by_their_own_id_gets_report_and_tickets_in_their_chat(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # SUPERVISOR_CHAT_ID may be a person: their chat's menu lists /report, /tickets and
    # /help, and those answer as in the supervisors' group, not as to a customer.
    fake = fake_telegram
    chief = fake.new_user("مدیر")
    settings = make_settings(
        fake, database_url, kb_dir, supervisor_chat_id=chief.id, daily_report_at=report_not_due()
    )
    async with running_bot(settings, fake) as bot:
        ticket = await hand_off(bot, fake, "مریم")
        for command in ("/report", "/tickets", "/help"):
            fake.user_sends_text(chief, command)
            await settled(bot, fake)
        fake.user_sends_text(chief, "رمزم یادم رفته")  # anything else: as anyone asks
        await settled(bot, fake)
        logged = await bot.rows(Message, Message.customer_id == chief.id)
    report, tickets, help_text, answer = [m.text or "" for m in fake.sent_to(chief.id)]
    assert report.startswith("📊") and "تیکت‌ها" in report
    assert tickets.startswith("تیکت‌های باز") and f"#{fa_digits(ticket.ticket_id)}" in tickets
    assert help_text == plain_text(desk_texts.SUPERVISOR_HELP)
    assert answer.startswith("بازیابی رمز عبور")
    assert [c["command"] for c in fake.commands(f"chat:{chief.id}")] == [
        "report",
        "tickets",
        "help",
    ]
    # Their question is in the log, as anyone's; the commands are not customer messages.
    assert [(m.direction, m.text) for m in logged if m.direction == "in"] == [
        ("in", "رمزم یادم رفته")
    ]


async def test_a_ticket_command_in_the_supervisors_chat_says_where_it_works(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    # /help there lists /close, /note and the others; typed there, the group stayed silent
    # (a note was lost without a word) and a supervisor's own chat said «unknown command».
    fake = fake_telegram
    person = fake.new_user("مدیر")
    in_person = supervised.model_copy(update={"supervisor_chat_id": person.id})
    chief = fake.new_agent("مدیر گروه", chat_id=SUPERVISORS)
    typed = ("/close", "/note مشتری مهم است", f"/claim@{fake.bot_user.username}")
    for settings in (supervised, in_person):
        async with running_bot(settings, fake) as bot:
            opened = await hand_off(bot, fake)
            for command in typed:
                if settings is supervised:
                    fake.agent_sends_in_topic(chief, None, command, chat_id=SUPERVISORS)
                else:
                    fake.user_sends_text(person, command)
                await settled(bot, fake)
            row = await bot.rows(Ticket, Ticket.id == opened.ticket_id)
            notes = await bot.rows(TicketEvent, TicketEvent.kind == "note")
        assert (row[0].status, row[0].claimed_by, notes) == ("open", None, [])
        assert len(fake.sent_to(opened.user.id)) == 1  # the customer got nothing
    said = plain_text(desk_texts.TICKET_COMMAND_NOT_HERE)
    assert texts_in(fake, SUPERVISORS) == [said] * len(typed)
    assert [m.text for m in fake.sent_to(person.id)] == [said] * len(typed)


async def test_the_supervisors_help_lists_the_commands_that_work_in_their_chat(
    supervised: Settings, fake_telegram: FakeTelegram
) -> None:
    # It was the agents' help: eleven commands, eight of them (/claim, /close, /note…) doing
    # nothing there, under a menu listing three; in the agents' group it stays theirs.
    fake = fake_telegram
    chief = fake.new_agent("مدیر گروه", chat_id=SUPERVISORS)
    agent = fake.new_agent("سارا")
    async with running_bot(supervised, fake) as bot:
        fake.agent_sends_in_topic(chief, None, "/help", chat_id=SUPERVISORS)
        fake.agent_sends_in_topic(agent, None, "/help")
        await settled(bot, fake)
    (help_text,) = texts_in(fake, SUPERVISORS)
    listed = re.findall(r"^\u200f• \u200e/(\w+)", help_text, flags=re.MULTILINE)
    assert listed == ["tickets", "report", "help"]
    assert sorted(listed) == sorted(c["command"] for c in fake.commands(f"chat:{SUPERVISORS}"))
    assert "گروه کارشناسان" in help_text  # where the ticket commands work
    assert texts_in(fake, fake.agent_chat_id) == [plain_text(desk_texts.DESK_HELP)]


async def test_the_daily_report_of_the_day_before_is_sent_once(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    # The report was due a minute ago: a bot starting now sends it, once.
    settings, due = _reporting_now(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: charts_in(fake, SUPERVISORS), timeout=20, what="chart")
        await settled(bot, fake)
    async with running_bot(settings, fake) as bot:  # a restart does not send it again
        await asyncio.sleep(1)
        await settled(bot, fake)
    (report,) = texts_in(fake, SUPERVISORS)
    day_before = due.date() - timedelta(days=1)
    assert report.splitlines()[0] == f"📊 گزارش روزانهٔ پشتیبانی · {jalali_day(day_before)}"
    assert "رضایت مشتری: امتیازی ثبت نشد" in report
    # and the week up to it, a line a day, the reported day last
    trend = report.split("هفت روز اخیر")[1].splitlines()[1:]
    days = [day_before - timedelta(days=back) for back in range(6, -1, -1)]
    assert [line.split(":")[0] for line in trend] == [jalali_day(d, year=False) for d in days]
    # and, under it, the four weeks up to it as a chart, once too
    (chart,) = charts_in(fake, SUPERVISORS)
    assert [m.kind for m in fake.sent_to(SUPERVISORS)] == ["text", "photo"]
    first = jalali_day(day_before - timedelta(days=27), year=False)
    assert chart.caption == f"📈 چهار هفتهٔ اخیر · {first} تا {jalali_day(day_before, year=False)}"
    assert chart.file is not None and chart.file.data.startswith(b"\x89PNG\r\n\x1a\n")


async def test_the_daily_report_lists_the_days_questions_the_kb_could_not_answer(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    fake = fake_telegram
    # Yesterday three customers asked what no article answers, and one asked what one does.
    async with running_bot(make_settings(fake, database_url, kb_dir), fake) as bot:
        for name in ("مریم", "سارا", "نیما"):
            user = fake.new_user(name)
            fake.user_sends_text(user, UNKNOWN)
            await fake.wait_for_messages_async(user.id, 1)
        fake.user_sends_text(fake.new_user("رضا"), ANSWERED)
        await settled(bot, fake)
        yesterday = utcnow() - timedelta(days=1)
        await bot.db(
            lambda session: session.execute(update(KBDecision).values(created_at=yesterday))
        )
    settings, _ = _reporting_now(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=20, what="report")
    (report,) = texts_in(fake, SUPERVISORS)
    section = report.split("پرسش‌های بی‌پاسخ در پایگاه دانش")[1].split("\n\n")[0]
    assert section.splitlines()[1:] == [f"• \u200f«{UNKNOWN}\u200f» · ۳ بار از ۳ مشتری"]


async def test_customers_are_answered_while_the_daily_report_looks_for_unanswered_questions(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Matching by words alone, the day's mining ran in the event loop: over a second at a
    # year's volume during which no customer was answered. Here it waits for one to be.
    fake = fake_telegram
    async with running_bot(make_settings(fake, database_url, kb_dir), fake) as bot:
        fake.user_sends_text(fake.new_user(), UNKNOWN)
        await settled(bot, fake)
        yesterday = utcnow() - timedelta(days=1)
        await bot.db(
            lambda session: session.execute(update(KBDecision).values(created_at=yesterday))
        )
    customer = fake.new_user()
    answered_meanwhile: list[bool] = []

    def slow_mining(kb: KnowledgeBase, asked: Sequence[Asked], sent: Sequence[Sent]) -> Gaps:
        # A customer writes while the mining runs; it waits (10 s at most) for the answer.
        fake.user_sends_text(customer, ANSWERED)
        deadline = clock.monotonic() + 10
        while not fake.sent_to(customer.id) and clock.monotonic() < deadline:
            clock.sleep(0.05)
        answered_meanwhile.append(bool(fake.sent_to(customer.id)))
        return mine_kb(kb, asked, sent)

    monkeypatch.setattr("bot.supervision.mine_kb", slow_mining)
    monkeypatch.setenv("KB_SEMANTIC", "false")
    settings, _ = _reporting_now(fake, database_url, kb_dir)
    async with running_bot(settings, fake):
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=30, what="report")
    assert answered_meanwhile == [True]


def _report_attempts(fake: FakeTelegram) -> int:
    return sum(call.get("chat_id") == SUPERVISORS for call in fake.calls("sendMessage"))


async def test_a_daily_report_telegram_fails_for_a_while_is_sent_once_it_is_back(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(supervision, "REPORT_RETRY_SECONDS", 0.2)
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.01)
    settings, _ = _reporting_now(fake, database_url, kb_dir)
    # Telegram answers 502 for the supervisors' chat longer than one round of retries lasts.
    rounds = 3
    fake.fail_next("sendMessage", status=502, chat_id=SUPERVISORS, times=rounds * ATTEMPTS)
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=20, what="report")
        await settled(bot, fake)
    async with running_bot(settings, fake) as bot:  # and a restart does not send it again
        await asyncio.sleep(1)
        await settled(bot, fake)
    (report,) = texts_in(fake, SUPERVISORS)
    assert report.startswith("📊 گزارش روزانهٔ پشتیبانی")
    assert _report_attempts(fake) == rounds * ATTEMPTS + 1


async def test_a_daily_report_held_by_a_429_at_a_stop_is_sent_at_the_next_start(
    fake_telegram: FakeTelegram, database_url: str, kb_dir: Path
) -> None:
    # It was marked sent before the call: stopped while Telegram made it wait, it never went.
    fake = fake_telegram
    settings, _ = _reporting_now(fake, database_url, kb_dir)
    fake.fail_next_retry_after("sendMessage", retry_after=60, chat_id=SUPERVISORS)
    async with running_bot(settings, fake):
        await fake.wait_for_async(lambda: _report_attempts(fake), timeout=10, what="the 429")
    assert texts_in(fake, SUPERVISORS) == []
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=20, what="report")
        await settled(bot, fake)
    (report,) = texts_in(fake, SUPERVISORS)
    assert report.startswith("📊 گزارش روزانهٔ پشتیبانی")


async def test_a_daily_report_telegram_refuses_is_not_tried_again_but_goes_at_the_next_start(
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(supervision, "REPORT_RETRY_SECONDS", 0.2)
    settings, _ = _reporting_now(fake, database_url, kb_dir)
    fake.fail_next("sendMessage", status=400, chat_id=SUPERVISORS, description=CHAT_GONE)
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: _report_attempts(fake) > 0, timeout=20, what="try")
        await asyncio.sleep(1)  # five retry periods
        await settled(bot, fake)
    assert texts_in(fake, SUPERVISORS) == []
    assert _report_attempts(fake) == 1
    # The operator is told which setting and what to do ...
    (said,) = [r.getMessage() for r in caplog.records if r.name == "bot.supervision"]
    assert f"SUPERVISOR_CHAT_ID={SUPERVISORS}" in said and "restart" in said
    # ... and, the chat fixed, a restart within the catch-up window sends the day's report.
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: texts_in(fake, SUPERVISORS), timeout=20, what="report")
        await settled(bot, fake)
    (report,) = texts_in(fake, SUPERVISORS)
    assert report.startswith("📊 گزارش روزانهٔ پشتیبانی")


@pytest.mark.parametrize("failing", ["drawn", "sent"])
async def test_a_chart_that_fails_leaves_the_report_sent_once_and_is_not_tried_again(
    failing: str,
    fake_telegram: FakeTelegram,
    database_url: str,
    kb_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The chart is a picture of figures the report already gave: its failure must neither
    # hold the report back nor have it sent again.
    fake = fake_telegram
    monkeypatch.setattr(supervision, "REPORT_RETRY_SECONDS", 0.2)

    def broken(weeks: object) -> bytes:
        raise ValueError("no canvas")

    if failing == "drawn":
        monkeypatch.setattr(supervision, "trend_png", broken)
        logged = "drawing the daily report's chart failed"
    else:
        fake.fail_next("sendPhoto", status=400, chat_id=SUPERVISORS, description=CHAT_GONE)
        logged = "the daily report's chart was not sent"
    settings, _ = _reporting_now(fake, database_url, kb_dir)
    async with running_bot(settings, fake) as bot:
        await fake.wait_for_async(lambda: logged in caplog.text, timeout=20, what="the failure")
        await asyncio.sleep(1)  # five retry periods
        await settled(bot, fake)
    (report,) = texts_in(fake, SUPERVISORS)
    assert report.startswith("📊 گزارش روزانهٔ پشتیبانی")
    assert charts_in(fake, SUPERVISORS) == []
    assert len(fake.calls("sendPhoto")) == (failing == "sent")


def test_many_alerts_are_joined_into_as_few_messages_as_fit() -> None:
    parts = ["ا" * 1000, "ب" * 1000, "پ" * 1000, "ت" * 1000]
    messages = batched_messages(parts, limit=3500)
    assert [len(m) for m, _ in messages] == [3004, 1000]
    assert "\n\n".join(m for m, _ in messages) == "\n\n".join(parts)  # nothing lost, in order
    assert [list(held) for _, held in messages] == [[0, 1, 2], [3]]


def _alert_tries(fake: FakeTelegram, chat_id: int, thread_id: int | None = None) -> list[str]:
    """The texts of every sendMessage to a chat (outside topics, or in one), failed ones too."""
    return [
        str(call.get("text"))
        for call in fake.calls("sendMessage")
        if call.get("chat_id") == chat_id and call.get("message_thread_id") == thread_id
    ]


async def _due(bot: RunningBot, ticket_id: int, due: datetime) -> None:
    moved = update(Ticket).where(Ticket.id == ticket_id).values(first_response_due=due)
    await bot.db(partial(AsyncSession.execute, statement=moved))


async def test_overdue_alerts_wait_out_an_outage_and_leave_out_tickets_answered_meanwhile(
    supervised: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.01)
    desk = fake.agent_chat_id
    async with running_bot(supervised, fake) as bot:
        await hand_off(bot, fake, "مریم")  # ticket #1, left unanswered
        answered = await hand_off(bot, fake, "سارا")
        # Telegram fails the agents' group, look after look, until we say.
        fake.fail_next("sendMessage", status=502, chat_id=desk, times=-1)
        past = update(Ticket).values(first_response_due=utcnow() - timedelta(minutes=7))
        await bot.db(partial(AsyncSession.execute, statement=past))  # both at once
        await fake.wait_for_async(
            lambda: len(_alert_tries(fake, desk)) > ATTEMPTS, timeout=10, what="two looks"
        )
        # Meanwhile an agent answers one of them (their reply is not the point here).
        answer = update(Ticket).where(Ticket.id == answered.ticket_id)
        answer = answer.values(first_response_at=utcnow())
        await bot.db(partial(AsyncSession.execute, statement=answer))
        await fake.wait_for_async(
            lambda: "#۲" not in _alert_tries(fake, desk)[-1], timeout=10, what="a fresh try"
        )
        fake.clear_failures()  # Telegram is back
        await fake.wait_for_async(lambda: texts_in(fake, desk), timeout=20, what="the alert")
        await asyncio.sleep(1)  # five more looks
        waiting = await bot.rows(PendingAlert)
    (alert,) = texts_in(fake, desk)
    assert alert.startswith("⚠️ مهلت اولین پاسخ گذشت: تیکت #۱ · مریم")
    assert "#۲" not in alert  # answered by the time Telegram took it
    tries = _alert_tries(fake, desk)
    assert "#۲" in tries[0] and "#۲" not in tries[-1]  # the one that went out is the last try
    # The supervisors' chat was not held back by the agents' group failing.
    (to_supervisors,) = texts_in(fake, SUPERVISORS)
    assert "#۱" in to_supervisors and "#۲" in to_supervisors
    assert waiting == []


@pytest.mark.parametrize(
    "meanwhile",
    [
        # An agent put the customer on a slower contract (/tier): their deadline is ahead
        # again, and «مهلت گذشت، -۲ ساعت گذشته است» would be false.
        {"first_response_due": utcnow() + timedelta(hours=2)},
        # The customer blocked the bot: no reply can reach them (the overdue lists leave
        # them out), yet the alert held up went out. It waits until they are back.
        {"customer_blocked": True},
    ],
    ids=["deadline-moved", "customer-blocked"],
)
async def test_an_overdue_alert_held_up_is_dropped_if_it_is_no_longer_true(
    supervised: Settings,
    fake_telegram: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    meanwhile: dict[str, object],
) -> None:
    # While Telegram was away, something changed for one of two overdue tickets.
    fake = fake_telegram
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.01)
    desk = fake.agent_chat_id
    async with running_bot(supervised, fake) as bot:
        await hand_off(bot, fake, "مریم")
        moved = await hand_off(bot, fake, "سارا")
        fake.fail_next("sendMessage", status=502, chat_id=desk, times=-1)
        past = update(Ticket).values(first_response_due=utcnow() - timedelta(minutes=7))
        await bot.db(partial(AsyncSession.execute, statement=past))
        await fake.wait_for_async(
            lambda: len(_alert_tries(fake, desk)) > ATTEMPTS, timeout=10, what="two looks"
        )
        changed = update(Ticket).where(Ticket.id == moved.ticket_id).values(**meanwhile)
        await bot.db(partial(AsyncSession.execute, statement=changed))
        await fake.wait_for_async(
            lambda: "#۲" not in _alert_tries(fake, desk)[-1], timeout=10, what="a fresh try"
        )
        fake.clear_failures()
        await fake.wait_for_async(lambda: texts_in(fake, desk), timeout=20, what="the alert")
        await asyncio.sleep(1)
        (alert,) = texts_in(fake, desk)
        assert "#۱" in alert and "#۲" not in alert
        if "customer_blocked" in meanwhile:  # back: the ticket is overdue all the same
            back = update(Ticket).where(Ticket.id == moved.ticket_id)
            back = back.values(customer_blocked=False)
            await bot.db(partial(AsyncSession.execute, statement=back))
            await fake.wait_for_async(
                lambda: len(texts_in(fake, desk)) == 2, timeout=20, what="the alert held"
            )
            assert "#۲" in texts_in(fake, desk)[-1]


async def test_a_warning_held_up_until_the_deadline_passed_gives_way_to_the_overdue_alert(
    supervised: Settings, fake_telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_telegram
    monkeypatch.setattr(telegram_errors, "BACKOFF_START", 0.01)
    desk = fake.agent_chat_id
    async with running_bot(supervised, fake) as bot:
        soon = await hand_off(bot, fake, "مریم")
        fake.fail_next("sendMessage", status=502, chat_id=desk, times=-1)
        await _due(bot, soon.ticket_id, utcnow() + timedelta(minutes=5, seconds=30))
        await fake.wait_for_async(
            lambda: len(_alert_tries(fake, desk, soon.thread_id)) > 1, timeout=10, what="a try"
        )
        await _due(bot, soon.ticket_id, utcnow() - timedelta(minutes=1))
        await fake.wait_for_async(lambda: _alert_tries(fake, desk), timeout=10, what="the alert")
        fake.clear_failures()  # Telegram is back
        await fake.wait_for_async(lambda: texts_in(fake, desk), timeout=20, what="the alert")
        await asyncio.sleep(1)
        waiting = await bot.rows(PendingAlert)
    (alert,) = texts_in(fake, desk)
    assert alert.startswith("⚠️ مهلت اولین پاسخ گذشت: تیکت #۱ · مریم")
    assert _alert_tries(fake, desk, soon.thread_id)[1].startswith("⏰")  # tried, never sent
    assert len(fake.sent_to(desk, soon.thread_id)) == 1  # the card only
    assert waiting == []


async def test_alerts_a_chat_refuses_are_dropped_and_the_other_chat_gets_them(
    supervised: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_telegram
    fake.fail_next("sendMessage", status=400, chat_id=SUPERVISORS, description=CHAT_GONE)
    async with running_bot(supervised, fake) as bot:
        late = await hand_off(bot, fake, "مریم")
        await _due(bot, late.ticket_id, utcnow() - timedelta(minutes=7))
        await fake.wait_for_async(
            lambda: texts_in(fake, fake.agent_chat_id), timeout=10, what="the alert"
        )
        await asyncio.sleep(1)  # five more looks
        waiting = await bot.rows(PendingAlert)
    assert texts_in(fake, fake.agent_chat_id)[0].startswith("⚠️ مهلت اولین پاسخ گذشت")
    assert len(_alert_tries(fake, SUPERVISORS)) == 1 and texts_in(fake, SUPERVISORS) == []
    assert waiting == []
    # The operator reads which setting names that chat and what to do.
    (dropped,) = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert dropped.startswith(f"SUPERVISOR_CHAT_ID={SUPERVISORS}: alerts refused and dropped")
    assert "add the bot to the supervisors' group" in dropped
