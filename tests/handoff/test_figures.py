"""The supervisor's figures computed from a day's log, on both databases, and their report."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff import service
from handoff.figures import AgentDay, DayFigures, day_figures
from handoff.hours import SupportCalendar
from handoff.persian import TEHRAN
from handoff.report import (
    Unanswered,
    jalali_day,
    render_report,
    render_trend,
    tehran_day,
)
from storage import repositories as repo
from storage.models import Customer, Ticket
from tests.storage.helpers import AGENT_CHAT, HITS, T0, add_customer

Sessions = async_sessionmaker[AsyncSession]
DAY, START, END = tehran_day(T0)  # Friday 12 Mordad 1403 in Tehran


async def _opened(
    session: AsyncSession,
    customer: Customer,
    now: datetime,
    *,
    question: str = "کمک",
    calendar: SupportCalendar | None = None,
) -> Ticket:
    """A ticket the customer asked a person for at `now`."""
    ticket, _ = await service.open_ticket(
        session,
        customer=customer,
        question=question,
        reason="asked",
        tried=(),
        agent_chat_id=AGENT_CHAT,
        now=now,
        calendar=calendar,
    )
    return ticket


async def _wrote(
    session: AsyncSession, customer_id: int, text: str, minutes: int, ticket_id: int | None = None
) -> None:
    await repo.log_message(
        session,
        customer_id=customer_id,
        direction="in",
        kind="text",
        chat_id=customer_id,
        text=text,
        ticket_id=ticket_id,
        at=T0 + timedelta(minutes=minutes),
    )


async def _day_of_work(sessions: Sessions) -> None:
    """Five customers: two answered by the KB (one marked the answer helpful, one not and
    left: served, not served), two with tickets (one answered late, rated 2; one answered in
    time, rated 5), one writing into a ticket opened the day before; and a customer of the
    day before only."""
    for customer_id in (1, 2, 3, 4, 5):
        await add_customer(sessions, customer_id)
    yesterdays = await add_customer(sessions, 6)
    async with sessions.begin() as session:
        still_open = await _opened(session, yesterdays, T0 - timedelta(days=1), question="دیروز")
        await _wrote(session, 6, "هنوز منتظرم", 30, ticket_id=still_open.id)
    async with sessions.begin() as session:
        for customer_id, minutes in ((1, 0), (2, 5), (3, 10), (4, 15)):
            await _wrote(session, customer_id, "سلام", minutes)
        await _wrote(session, 5, "دیروز", -24 * 60)
        for customer_id, kind in ((1, "answer"), (2, "answer"), (3, "suggest"), (4, "handoff")):
            decision = await repo.record_decision(
                session,
                customer_id=customer_id,
                query="پرسش",
                kind=kind,  # type: ignore[arg-type]
                confidence=0.5,
                hits=HITS,
                at=T0,
            )
            if customer_id in (1, 2):
                await repo.record_feedback(
                    session,
                    decision_id=decision.id,
                    customer_id=customer_id,
                    helpful=customer_id == 1,
                    at=T0,
                )
    customers = {c: await add_customer(sessions, c) for c in (3, 4)}
    for customer_id, (answer_after, rating) in {3: (300, 2), 4: (20, 5)}.items():
        async with sessions.begin() as session:
            opened_at = T0 + timedelta(minutes=customer_id * 5)
            ticket, _ = await service.open_ticket(
                session,
                customer=customers[customer_id],
                question="کمک",
                reason="no_answer",
                tried=HITS,
                agent_chat_id=AGENT_CHAT,
                now=opened_at,
            )
            await repo.set_ticket_topic(session, ticket.id, thread_id=40 + customer_id)
            holder = {3: "علی", 4: "رضا"}[customer_id]
            await service.claim(
                session, ticket_id=ticket.id, agent_id=customer_id * 10, agent_name=holder
            )
            await service.agent_message(
                session,
                ticket_id=ticket.id,
                agent_id=9,
                at=opened_at + timedelta(minutes=answer_after),
            )
            closed_at = opened_at + timedelta(minutes=answer_after + 10)
            await service.close(session, ticket_id=ticket.id, actor_id=9, now=closed_at)
            await service.rate(
                session,
                ticket_id=ticket.id,
                customer_id=customer_id,
                rating=rating,
                comment="دیر جواب دادید" if rating == 2 else None,
                now=closed_at,
            )


async def test_a_days_figures_come_from_its_log(sessions: Sessions) -> None:
    await _day_of_work(sessions)

    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END, rng=random.Random(1))

    # Four asked the KB; of them only the one who found the answer helpful needed nobody.
    assert (figures.customers, figures.asked, figures.self_served) == (5, 4, 1)
    assert figures.self_service_rate == 0.25
    assert (figures.answers, figures.suggestions, figures.handoffs) == (2, 1, 1)
    assert (figures.helpful, figures.not_helpful) == (1, 1)
    assert (figures.opened, figures.closed, figures.open_now) == (2, 2, 1)
    # Answered after 300 and 20 minutes: the median is their mean; the 4-hour deadline of the
    # first was missed.
    assert figures.first_response_median == timedelta(minutes=160)
    assert (figures.deadlines, figures.deadlines_met) == (2, 1)
    assert sorted(figures.ratings) == [2, 5] and figures.csat == 3.5
    assert figures.satisfied_rate == 0.5
    assert [(a.name, a.closed, a.ratings) for a in figures.agents] == [
        ("رضا", 1, [5]),
        ("علی", 1, [2]),
    ]
    # The low rating is sampled first, with its comment.
    assert [(s.rating, s.comment) for s in figures.samples] == [(2, "دیر جواب دادید"), (5, None)]


async def test_a_customer_who_only_rated_a_ticket_was_not_served_by_the_bot(
    sessions: Sessions,
) -> None:
    customer = await add_customer(sessions, 7)
    async with sessions.begin() as session:
        ticket = await _opened(session, customer, T0 - timedelta(days=1), question="چاپگر")
        await service.close(session, ticket_id=ticket.id, actor_id=9, now=T0)
        # Today they press ⭐5: logged as what they sent, with no ticket open any more.
        await _wrote(session, 7, f"r:{ticket.id}:5", 5)
        await service.rate(
            session, ticket_id=ticket.id, customer_id=7, rating=5, now=T0 + timedelta(minutes=5)
        )

    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END)

    assert (figures.customers, figures.self_served) == (1, 0)


async def test_a_quiet_day_has_nothing_to_divide_by(sessions: Sessions) -> None:
    await _day_of_work(sessions)
    _, start, end = tehran_day(T0 + timedelta(days=3))

    async with sessions() as session:
        figures = await day_figures(session, start, end, now=end)

    assert figures.customers == figures.questions == figures.opened == 0
    assert figures.self_service_rate is None and figures.csat is None
    assert figures.first_response_median is None and figures.samples == []
    report = render_report(figures, start.date())
    assert "رضایت مشتری: امتیازی ثبت نشد" in report
    assert "در این روز به هیچ تیکتی پاسخ اول داده نشد" in report  # no "today" in a past day


async def test_the_report_says_it_in_persian_with_links_to_the_samples(
    sessions: Sessions,
) -> None:
    await _day_of_work(sessions)
    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END, rng=random.Random(1))

    report = render_report(figures, DAY)

    assert report.splitlines()[0] == "📊 <b>گزارش روزانهٔ پشتیبانی</b> · جمعه ۱۲ مرداد ۱۴۰۳"
    assert "مشتریانی که پیام دادند: ۵ · بی‌نیاز از کارشناس: ۱ از ۴ نفری که پرسیدند (۲۵٪)" in report
    # «ارجاع» is the desk's word for a hand-on to second line; the KB hands off to a person.
    assert "پرسش‌ها: ۴ · پاسخ: ۲ · پیشنهاد: ۱ · به کارشناس: ۱" in report
    assert "اولین پاسخ: میانه ۲ ساعت و ۴۰ دقیقه (۲ تیکت)" in report
    assert "۱ از ۲ در مهلت (۵۰٪)" in report
    assert "میانگین ۳٫۵ از ۵ (۲ امتیاز) · سهم امتیاز ۴ و ۵: ۵۰٪" in report
    assert "• \u200fعلی\u200f: ۱ تیکت · میانگین امتیاز ۲٫۰ (۱ امتیاز)" in report
    internal = str(AGENT_CHAT).removeprefix("-100")
    assert f'<a href="https://t.me/c/{internal}/43">#۲</a> · امتیاز ۲ · «دیر جواب دادید»' in report
    words = re.sub(r'href="[^"]*"', "", report)  # people read the text, not the links
    assert not any(ch.isascii() and ch.isdigit() for ch in words)


def test_days_are_tehran_days() -> None:
    day, start, end = tehran_day(T0.replace(hour=21))  # 00:30 the next day in Tehran
    assert day == date(2024, 8, 3) and end - start == timedelta(days=1)
    assert jalali_day(day) == "شنبه ۱۳ مرداد ۱۴۰۳"


async def test_the_week_trend_draws_each_days_self_service_share_oldest_first(
    sessions: Sessions,
) -> None:
    await _day_of_work(sessions)  # 25% self-served on DAY; nothing the day after
    after, after_start, after_end = tehran_day(START + timedelta(days=1, hours=12))
    async with sessions() as session:
        busy = await day_figures(session, START, END, now=after_end)
        quiet = await day_figures(session, after_start, after_end, now=after_end)

    lines = render_trend([(DAY, busy), (after, quiet)])
    report = render_report(quiet, after, trend=[(DAY, busy), (after, quiet)])

    assert lines[1:] == [
        "جمعه ۱۲ مرداد: ███░░░░░░░ ۲۵٪ · ۲ تیکت · ۲ ساعت و ۴۰ دقیقه · ۳٫۵",
        "شنبه ۱۳ مرداد: ░░░░░░░░░░ — · ۰ تیکت · — · —",
    ]
    assert report.endswith("\n".join(lines))
    assert "هفت روز اخیر" not in render_report(quiet, after)  # /report has no trend


def test_the_questions_the_kb_could_not_answer_are_listed_escaped_and_short() -> None:
    figures = DayFigures(start=START, end=END)
    long = "قیمت <b>طلا</b> امروز چنده " + "و " * 100
    report = render_report(
        figures, DAY, unanswered=[Unanswered(long, 5, 3)] + [Unanswered("سلام", 1, 1)] * 9
    )
    lines = report.split("پرسش‌های بی‌پاسخ در پایگاه دانش")[1].splitlines()[1:]
    assert lines[0].startswith("• \u200f«قیمت &lt;b&gt;طلا&lt;/b&gt; امروز چنده")
    assert lines[0].endswith("…\u200f» · ۵ بار از ۳ مشتری")
    assert len(lines) == 5  # the most asked five


def _last_strong(text: str) -> str | None:
    """The direction of the last strong letter in `text` (a right-to-left mark is one)."""
    for char in reversed(text):
        kind = unicodedata.bidirectional(char)
        if kind in ("L", "R", "AL"):
            return "rtl" if kind in ("R", "AL") else "ltr"
    return None


def test_a_latin_agent_name_or_question_keeps_the_counts_after_it() -> None:
    # «• Sara K: ۳ تیکت» was shown «تیکت Sara K: ۳ •», the count before the name, and
    # ««رمز wifi» · ۲ بار» as «بار wifi» · ۲ رمز»»: a digit after Latin letters is laid out
    # with them, left to right (the Unicode bidi algorithm's rule W7), and the marks between
    # go with it, unless a right-to-left letter or mark stands between.
    figures = DayFigures(
        start=START, end=END, agents=[AgentDay("Sara K", 3, [4, 5]), AgentDay("Ali 2", 1, [])]
    )
    asked = [Unanswered("reset password 2", 3, 2), Unanswered("رمز wifi", 2, 2)]
    report = render_report(figures, DAY, unanswered=asked)

    lines = [line for line in report.splitlines() if re.search("Sara|Ali|password|wifi", line)]
    assert len(lines) == 4
    for line in lines:
        for count in re.finditer("[۰-۹]", line):  # ours: counts and means, never the name's
            assert _last_strong(line[: count.start()]) == "rtl", line


def test_an_agent_whose_name_draws_nothing_is_still_named() -> None:
    # A Telegram name of a Hangul filler or of bidi controls alone was cleaned to nothing,
    # and the agents' list read «• : ۲ تیکت».
    figures = DayFigures(
        start=START, end=END, agents=[AgentDay("ㅤ", 2, []), AgentDay("\u202e\u202d", 1, [5])]
    )
    lines = render_report(figures, DAY).split("کارشناسان</b>")[1].splitlines()[1:]

    assert lines == [
        "• \u200fکارشناس\u200f: ۲ تیکت",
        "• \u200fکارشناس\u200f: ۱ تیکت · میانگین امتیاز ۵٫۰ (۱ امتیاز)",
    ]


def test_agents_past_the_first_ten_are_counted_not_dropped() -> None:
    # A desk of twelve agents read ten lines and nothing more: two colleagues' closed
    # tickets vanished from the list, which then no longer added up to the day's closes.
    agents = [AgentDay(f"کارشناس {n}", 13 - n, []) for n in range(1, 13)]
    report = render_report(DayFigures(start=START, end=END, agents=agents), DAY)
    lines = report.split("کارشناسان</b>")[1].split("\n\n")[0].splitlines()[1:]

    assert len(lines) == 11
    assert lines[-1] == "… و ۲ کارشناس دیگر"


async def test_a_ticket_closed_unanswered_before_its_deadline_is_not_a_missed_deadline(
    sessions: Sessions,
) -> None:
    # Two tickets due within the day, neither answered: one was closed an hour after it opened
    # (the customer had solved it), the other is still waiting past its deadline.
    customers = [await add_customer(sessions, c) for c in (1, 2)]
    async with sessions.begin() as session:
        for customer in customers:
            ticket = await _opened(session, customer, T0)
            if customer.id == 1:
                await service.close(
                    session, ticket_id=ticket.id, actor_id=9, now=T0 + timedelta(hours=1)
                )

    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END)

    assert (figures.deadlines, figures.deadlines_met) == (1, 0)


async def test_a_deadline_that_passed_while_the_customer_had_blocked_the_bot_is_not_missed(
    sessions: Sessions,
) -> None:
    # Four standard tickets opened at 13:30 Tehran on DAY, due at 17:30, none answered by then.
    # 1 blocked the bot at 14:30 and their ticket was closed at 18:30, as the topic suggests:
    # no reply could reach them, no alert went out, and /tickets never marked it; yet the
    # report said «۰ از ۱ در مهلت (۰٪)». 2 blocked it only after the deadline, and 3 came
    # back at 18:00 and was answered at 18:10: both were alerted, both missed. 4 is still
    # blocked and open.
    customers = [await add_customer(sessions, c) for c in (1, 2, 3, 4)]

    def hours(n: float) -> datetime:
        return T0 + timedelta(hours=n)

    async with sessions.begin() as session:
        for customer in customers:
            ticket = await _opened(session, customer, T0)
            blocked = hours(4.5) if customer.id == 2 else hours(1)
            await service.customer_blocked(session, ticket_id=ticket.id, now=blocked)
            if customer.id == 3:
                await service.customer_message(session, ticket_id=ticket.id, at=hours(4.5))
                await service.agent_message(
                    session, ticket_id=ticket.id, agent_id=9, at=hours(4.5) + timedelta(minutes=10)
                )
            if customer.id != 4:
                await service.close(session, ticket_id=ticket.id, actor_id=9, now=hours(5))

    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END)

    assert (figures.deadlines, figures.deadlines_met) == (2, 0)
    assert "مهلت اولین پاسخ: ۰ از ۲ در مهلت (۰٪)" in render_report(figures, DAY)


async def _closed_ticket(
    sessions: Sessions,
    customer_id: int,
    *,
    holder: tuple[int, str] | None,
    closer: int,
    closer_name: str | None = None,
    minutes: int = 0,
) -> int:
    """A ticket opened and closed on DAY by `closer`, held by `holder` (None: nobody)."""
    customer = await add_customer(sessions, customer_id)
    at = T0 + timedelta(minutes=minutes)
    async with sessions.begin() as session:
        ticket = await _opened(session, customer, at)
        if holder is not None:
            await service.claim(
                session, ticket_id=ticket.id, agent_id=holder[0], agent_name=holder[1], now=at
            )
        await service.close(
            session,
            ticket_id=ticket.id,
            actor_id=closer,
            actor_name=closer_name,
            now=at + timedelta(minutes=10),
        )
        return ticket.id


async def test_a_ticket_closed_while_nobody_held_it_counts_for_who_closed_it(
    sessions: Sessions,
) -> None:
    ali, reza, sara, old = (10, "علی"), (20, "رضا"), (30, "سارا"), 40
    for customer_id in (1, 2, 3):  # Ali holds and closes three
        await _closed_ticket(sessions, customer_id, holder=ali, closer=ali[0])
    await _closed_ticket(sessions, 4, holder=None, closer=ali[0], closer_name=ali[1])  # /close
    await _closed_ticket(sessions, 5, holder=reza, closer=reza[0])
    # Closed before close events named the agent: Sara's claim of another ticket names her;
    # agent 40 never claimed one, and is shown by id.
    await _closed_ticket(sessions, 6, holder=None, closer=sara[0])
    await _closed_ticket(sessions, 7, holder=sara, closer=sara[0], minutes=-3 * 24 * 60)
    await _closed_ticket(sessions, 8, holder=None, closer=old)

    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END)
    report = render_report(figures, DAY)

    assert figures.closed == 7
    agents = report.split("کارشناسان")[1].split("\n\n")[0].splitlines()[1:]
    assert agents == [
        "• \u200fعلی\u200f: ۴ تیکت",
        "• \u200f40\u200f: ۱ تیکت",
        "• \u200fرضا\u200f: ۱ تیکت",
        "• \u200fسارا\u200f: ۱ تیکت",
    ]


async def test_a_rating_given_after_midnight_counts_on_the_day_it_was_given_everywhere(
    sessions: Sessions,
) -> None:
    # Ali closes a ticket at 23:50; the customer rates it 2 at 00:10 the next day.
    customer = await add_customer(sessions, 1)
    async with sessions.begin() as session:
        ticket = await _opened(session, customer, END - timedelta(hours=1))
        await repo.set_ticket_topic(session, ticket.id, thread_id=41)
        await service.claim(session, ticket_id=ticket.id, agent_id=10, agent_name="علی")
        await service.close(
            session, ticket_id=ticket.id, actor_id=10, now=END - timedelta(minutes=10)
        )
        await service.rate(
            session,
            ticket_id=ticket.id,
            customer_id=1,
            rating=2,
            comment="دیر شد",
            now=END + timedelta(minutes=10),
        )
    next_day, next_start, next_end = tehran_day(END + timedelta(hours=12))

    async with sessions() as session:
        closing_day = await day_figures(session, START, END, now=next_end)
        rating_day = await day_figures(session, next_start, next_end, now=next_end)
    closing_report = render_report(closing_day, DAY)
    rating_report = render_report(rating_day, next_day)

    # The day it was closed: closed, not yet rated, in every line.
    assert "رضایت مشتری: امتیازی ثبت نشد" in closing_report
    assert "• \u200fعلی\u200f: ۱ تیکت\n" in closing_report + "\n"
    assert "#۱</a> · بدون امتیاز" in closing_report
    # The day it was rated: the team's figure, Ali's line and the sample all have it.
    assert "میانگین ۲٫۰ از ۵ (۱ امتیاز)" in rating_report
    assert "• \u200fعلی\u200f: ۰ تیکت · میانگین امتیاز ۲٫۰ (۱ امتیاز)" in rating_report
    assert "#۱</a> · امتیاز ۲ · «دیر شد»" in rating_report


async def test_first_responses_are_waited_for_on_open_hours_as_deadlines_are(
    sessions: Sessions,
) -> None:
    # Opened Thursday at 12:00 (standard: open until 13:00), answered Saturday at 8:05: an
    # hour and five minutes of open desk, within its four-hour deadline (Saturday 11:00),
    # not the day and twenty hours on the wall clock.
    calendar = SupportCalendar()
    customer = await add_customer(sessions, 1)
    thursday_noon = datetime(2024, 8, 1, 12, 0, tzinfo=TEHRAN)
    saturday = datetime(2024, 8, 3, 8, 5, tzinfo=TEHRAN)
    async with sessions.begin() as session:
        ticket = await _opened(session, customer, thursday_noon, calendar=calendar)
        await service.agent_message(session, ticket_id=ticket.id, agent_id=9, at=saturday)
    day, start, end = tehran_day(saturday)

    async with sessions() as session:
        figures = await day_figures(session, start, end, now=end, calendar=calendar)
        wall_clock = await day_figures(session, start, end, now=end)  # SUPPORT_HOURS=always
    report = render_report(figures, day, trend=[(day, figures)])

    assert figures.first_response_median == timedelta(hours=1, minutes=5)
    assert "⏱ اولین پاسخ در ساعات کاری: میانه ۱ ساعت و ۵ دقیقه (۱ تیکت)" in report
    assert "مهلت اولین پاسخ: ۱ از ۱ در مهلت (۱۰۰٪)" in report
    assert "میانهٔ اولین پاسخ در ساعات کاری" in report  # the week's line says so too
    assert report.endswith("· ۱ ساعت و ۵ دقیقه · —")
    assert wall_clock.first_response_median == saturday - thursday_noon
    assert "⏱ اولین پاسخ: میانه ۱ روز و ۲۰ ساعت (۱ تیکت)" in render_report(wall_clock, day)


def test_medians_of_many_open_hours_are_said_in_hours_not_days() -> None:
    # 30 open hours is near four working days; «۱ روز و ۶ ساعت» read as one and a quarter.
    figures = DayFigures(
        start=START,
        end=END,
        open_hours=True,
        responses=2,
        first_response_median=timedelta(hours=30),
        escalated=1,
        l2_responses=1,
        l2_response_median=timedelta(hours=26, minutes=10),
    )

    report = render_report(figures, DAY, trend=[(DAY, figures)])

    assert "⏱ اولین پاسخ در ساعات کاری: میانه ۳۰ ساعت (۲ تیکت)" in report
    assert "میانه ۲۶ ساعت و ۱۰ دقیقه" in report
    assert "· ۳۰ ساعت ·" in report  # the week's line
    assert "روز و" not in report


async def test_a_first_response_is_waited_for_on_the_tier_the_customer_had_then(
    sessions: Sessions,
) -> None:
    # Thursday 1 August 2024: a standard customer's ticket opened at 12:00 and answered
    # Saturday at 8:05 waited an hour and five minutes of open desk. Made VIP on a later
    # ticket the next week, their old wait read the wall clock's day and twenty hours:
    # the week's line of that Saturday changed in every report after. A VIC customer made
    # VIP on their ticket before it was answered is waited for around the clock, as its
    # deadline then is.
    calendar = SupportCalendar()
    standard, vic = await add_customer(sessions, 1), await add_customer(sessions, 2, tier="vic")
    thursday_noon = datetime(2024, 8, 1, 12, 0, tzinfo=TEHRAN)
    saturday = datetime(2024, 8, 3, 8, 5, tzinfo=TEHRAN)
    tickets = []
    async with sessions.begin() as session:
        for customer, opened in ((standard, thursday_noon), (vic, thursday_noon)):
            ticket = await _opened(session, customer, opened, calendar=calendar)
            tickets.append(ticket)
        await service.change_tier(
            session,
            ticket=tickets[1],
            tier="vip",
            priority="urgent",
            actor_id=9,
            calendar=calendar,
            now=thursday_noon + timedelta(minutes=5),
        )
        for ticket in tickets:
            await service.agent_message(session, ticket_id=ticket.id, agent_id=9, at=saturday)
            await service.close(session, ticket_id=ticket.id, actor_id=9, now=saturday)
    day, start, end = tehran_day(saturday)
    async with sessions() as session:
        before = await day_figures(session, start, end, now=end, calendar=calendar)
    next_week = saturday + timedelta(days=7)
    async with sessions.begin() as session:
        later = await _opened(session, standard, next_week, question="باز هم", calendar=calendar)
        await service.change_tier(
            session,
            ticket=later,
            tier="vip",
            priority="urgent",
            actor_id=9,
            calendar=calendar,
            now=next_week,
        )

    async with sessions() as session:
        after = await day_figures(session, start, end, now=next_week, calendar=calendar)

    waits = sorted([timedelta(hours=1, minutes=5), saturday - thursday_noon])
    assert (
        before.first_response_median == after.first_response_median == sum(waits, timedelta()) / 2
    )
    assert render_trend([(day, after)]) == render_trend([(day, before)])


async def test_self_service_counts_those_who_asked_and_not_who_only_said_no(
    sessions: Sessions,
) -> None:
    # 1 only greets; 2 is answered, presses 👎 and leaves; 3 is answered and presses 👍; 4 is
    # answered and says nothing; 5 presses 👎 on one answer and 👍 on the next.
    for customer_id in (1, 2, 3, 4, 5):
        await add_customer(sessions, customer_id)
    async with sessions.begin() as session:
        for customer_id in (1, 2, 3, 4, 5):
            await _wrote(session, customer_id, "سلام" if customer_id == 1 else "پرسش", 0)
        feedback: dict[int, list[bool | None]] = {2: [False], 3: [True], 4: [None]}
        feedback[5] = [False, True]
        for customer_id, helpful in feedback.items():
            for said in helpful:
                decision = await repo.record_decision(
                    session,
                    customer_id=customer_id,
                    query="پرسش",
                    kind="answer",
                    confidence=0.9,
                    hits=HITS,
                    at=T0,
                )
                if said is not None:
                    await repo.record_feedback(
                        session,
                        decision_id=decision.id,
                        customer_id=customer_id,
                        helpful=said,
                        at=T0,
                    )

    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END)

    assert (figures.customers, figures.asked, figures.self_served) == (5, 4, 3)
    report = render_report(figures, DAY)
    assert (
        "👥 مشتریانی که پیام دادند: ۵ · بی‌نیاز از کارشناس: ۳ از ۴ نفری که پرسیدند (۷۵٪)" in report
    )


def test_the_weeks_bars_and_shares_round_halves_up() -> None:
    # 5%, 15% and 25% of a day's askers served: half a cell, a cell and a half, two and a
    # half; and 12.5% prints as 13%, not (to the even number) 12%.
    days = [START.date() + timedelta(days=n) for n in range(4)]
    shares = [(1, 20), (3, 20), (5, 20), (1, 8)]
    figures = [DayFigures(start=START, end=END, asked=a, self_served=s) for s, a in shares]

    lines = render_trend(list(zip(days, figures, strict=True)))

    assert [line.split(": ")[1].split(" · ")[0] for line in lines[1:]] == [
        "█░░░░░░░░░ ۵٪",
        "██░░░░░░░░ ۱۵٪",
        "███░░░░░░░ ۲۵٪",
        "█░░░░░░░░░ ۱۳٪",
    ]


def test_a_mean_rating_rounds_halves_up_as_the_shares_do() -> None:
    # Ratings 4, 4, 4 and 5 (a mean of 4.25) read «۴٫۲» while 4, 5, 5 and 5 (4.75) read
    # «۴٫۸»: the mean was rounded to the even tenth, the shares beside it halves up.
    ratings = [4, 4, 4, 5]
    figures = DayFigures(
        start=START, end=END, ratings=ratings, agents=[AgentDay("سارا", 4, ratings)]
    )

    report = render_report(figures, DAY, trend=[(DAY, figures)])

    assert "میانگین ۴٫۳ از ۵ (۴ امتیاز)" in report
    assert "• \u200fسارا\u200f: ۴ تیکت · میانگین امتیاز ۴٫۳ (۴ امتیاز)" in report
    assert report.endswith(" · — · ۴٫۳")  # the week's line of the day
    assert "۴٫۲" not in report


async def _to_l2(
    sessions: Sessions,
    customer: Customer,
    opened: datetime,
    escalated: datetime,
    l2_reply: datetime | None,
    calendar: SupportCalendar,
) -> None:
    """A ticket first line answered ten minutes after `opened`, escalated at `escalated`,
    second line answered at `l2_reply` and closed then (None: still waiting at L2)."""
    async with sessions.begin() as session:
        ticket = await _opened(session, customer, opened, calendar=calendar)
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=9, at=opened + timedelta(minutes=10)
        )
        escalation = await service.escalate(session, ticket_id=ticket.id, actor_id=9, now=escalated)
        assert escalation.ticket is not None
        await service.start_l2_clock(session, ticket=escalation.ticket, calendar=calendar)
        if l2_reply is not None:
            await service.agent_message(session, ticket_id=ticket.id, agent_id=20, at=l2_reply)
            await service.close(session, ticket_id=ticket.id, actor_id=20, now=l2_reply)


async def test_second_lines_day_counts_escalations_open_tickets_and_reply_times(
    sessions: Sessions,
) -> None:
    # Saturday: A, escalated Wednesday at 16:00 (standard), answered by L2 at 8:30: six and a
    # half open hours (an hour Wednesday, five Thursday, half an hour today); B (VIC),
    # escalated at 9:00 and answered at 11:00: two; C, escalated at 12:00, still waits at L2,
    # and D is open at first line. Escalated that day: B and C; open at L2: C.
    calendar = SupportCalendar()
    a, c, d = [await add_customer(sessions, n) for n in (1, 3, 4)]
    b = await add_customer(sessions, 2, tier="vic")
    wednesday = datetime(2024, 7, 31, 16, 0, tzinfo=TEHRAN)

    def saturday(hour: int, minute: int = 0) -> datetime:
        return datetime(2024, 8, 3, hour, minute, tzinfo=TEHRAN)

    await _to_l2(sessions, a, wednesday - timedelta(hours=2), wednesday, saturday(8, 30), calendar)
    await _to_l2(sessions, b, saturday(8, 10), saturday(9), saturday(11), calendar)
    await _to_l2(sessions, c, saturday(8, 40), saturday(12), None, calendar)
    async with sessions.begin() as session:
        await service.open_ticket(
            session,
            customer=d,
            question="کمک",
            reason="asked",
            tried=(),
            agent_chat_id=AGENT_CHAT,
            now=saturday(13),
        )
    day, start, end = tehran_day(saturday(12))

    async with sessions() as session:
        figures = await day_figures(session, start, end, now=end, calendar=calendar)
        wall_clock = await day_figures(session, start, end, now=end)
        wednesdays = await day_figures(session, *tehran_day(wednesday)[1:], now=end)
    report = render_report(figures, day)

    assert (figures.escalated, figures.open_l2, figures.open_now) == (2, 1, 2)
    assert figures.l2_responses == 2
    assert figures.l2_response_median == timedelta(hours=4, minutes=15)  # (6.5 + 2) / 2
    assert wall_clock.l2_response_median == (saturday(8, 30) - wednesday + timedelta(hours=2)) / 2
    assert "⬆️ سطح ۲: ۲ ارجاع در این روز · ۱ اکنون باز" in report
    assert "⏱ پاسخ سطح ۲ پس از ارجاع، در ساعات کاری: میانه ۴ ساعت و ۱۵ دقیقه (۲ تیکت)" in report
    assert (wednesdays.escalated, wednesdays.l2_responses) == (1, 0)


async def test_a_desk_that_escalated_nothing_reads_no_second_line_figures(
    sessions: Sessions,
) -> None:
    await _day_of_work(sessions)
    async with sessions() as session:
        figures = await day_figures(session, START, END, now=END)

    assert (figures.escalated, figures.open_l2, figures.l2_responses) == (0, 0, 0)
    assert "سطح ۲" not in render_report(figures, DAY)
