"""What agents and supervisors are sent without asking: a warning when a first response (or,
on an escalated ticket, second line's reply) is due soon, an alert when it is overdue, and the
daily report of the day before (handoff.figures, handoff.report).

All run beside polling, in the instance that holds the polling lease. Each is decided once:
the ticket event (or the report's key) is committed first, so no restart or failover decides
it again. An alert is kept in the database (PendingAlert) until Telegram takes it: an outage
delays alerts, it does not lose them. The daily report is unmarked after a lasting transient
failure and sent at the next look, every REPORT_RETRY_SECONDS while it is recent enough
(REPORT_CATCH_UP); one Telegram refuses (the supervisors' chat gone) is unmarked too, and
the next start sends it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.error import TelegramError

from bot.context import Services
from bot.executor import Executor
from bot.telegram_errors import worth_retrying
from handoff import service, texts
from handoff.chart import trend_png
from handoff.figures import DayFigures, day_figures
from handoff.hours import SupportCalendar
from handoff.persian import TEHRAN
from handoff.report import (
    Unanswered,
    jalali_day,
    render_due_soon,
    render_overdue,
    render_report,
    tehran_day,
)
from handoff.sla import due_soon, pending_deadline, time_left
from kb.gaps import Asked, Sent
from kb.gaps_cli import log_of, mine_kb
from storage.db import DATABASE_ERRORS
from storage.models import PendingAlert, ResponseClock, Ticket
from storage.repositories import (
    add_ticket_event,
    drop_alerts,
    get_customer,
    kv_delete,
    kv_get,
    kv_set,
    list_overdue_tickets,
    pending_alerts,
    queue_alert,
)
from storage.timestamps import utcnow

log = logging.getLogger(__name__)

OVERDUE_EVENT = "sla_breached"
WARNED_EVENT = "sla_warned"
# A report whose time passed while no instance ran is still sent this long after it.
REPORT_CATCH_UP = timedelta(hours=12)
# Characters of alerts per message (Telegram's limit is 4096 after the HTML is parsed).
MESSAGE_BUDGET = 3500
REPORT_RETRY_SECONDS = 60.0
# Alerts read from the database at one look; more wait for the next.
ALERTS_PER_LOOK = 200
# Days in the daily report's trend, the reported one included, and in the chart under it.
TREND_DAYS = 7
CHART_DAYS = 28
HALF_DAY = timedelta(hours=12)  # a moment inside a day, whatever its length


# -- deadline alerts -------------------------------------------------------------------------------


# The events that mark a deadline alerted or warned about, by the response it is for (second
# line's has its own: the first response's alert, before the escalation, says nothing of it).
OVERDUE_EVENTS: dict[ResponseClock, str] = {"first": OVERDUE_EVENT, "l2": "l2_sla_breached"}
WARNED_EVENTS: dict[ResponseClock, str] = {"first": WARNED_EVENT, "l2": "l2_sla_warned"}


async def alert_overdue(services: Services) -> int:
    """Decide an alert once for each ticket whose first response, or second line's reply
    after an escalation, is overdue, for the group the ticket is in and the supervisors;
    return how many tickets."""
    now = utcnow()
    supervisors = services.settings.supervisor_chat_id
    alerted = 0
    async with services.sessions.begin() as session:
        for clock, event in OVERDUE_EVENTS.items():
            overdue = await list_overdue_tickets(session, now=now, without_event=event, clock=clock)
            for ticket in overdue:
                await add_ticket_event(
                    session, ticket_id=ticket.id, kind=event, actor_id=None, at=now
                )
                await _queue_overdue(session, ticket, supervisors, now)
            alerted += len(overdue)
    return alerted


async def _queue_overdue(
    session: AsyncSession, ticket: Ticket, supervisors: int | None, now: datetime
) -> None:
    await queue_alert(session, ticket_id=ticket.id, kind="overdue", audience="desk", at=now)
    if supervisors is not None and supervisors != ticket.agent_chat_id:
        await queue_alert(
            session, ticket_id=ticket.id, kind="overdue", audience="supervisors", at=now
        )


# The warning counts open hours left, and the desk may be closed for days in between (Nowruz):
# tickets due within this wall-clock time are the ones worth looking at.
WARN_LOOKAHEAD = timedelta(days=31)


async def warn_due_soon(services: Services) -> int:
    """Decide a warning once for each ticket's topic when its first response, or second
    line's reply after an escalation, is due soon; return how many."""
    now = utcnow()
    warned = 0
    calendar = services.settings.calendar
    async with services.sessions.begin() as session:
        for clock, event in WARNED_EVENTS.items():
            near = await list_overdue_tickets(
                session, now=now + WARN_LOOKAHEAD, without_event=event, clock=clock
            )
            for ticket in near:
                deadline = pending_deadline(ticket)
                due = deadline.due if deadline is not None else None
                if due is None or due <= now:
                    continue  # overdue: alerted instead
                customer = await get_customer(session, ticket.customer_id)
                if customer is None or not due_soon(customer.tier, now, due, calendar):
                    continue
                await add_ticket_event(
                    session, ticket_id=ticket.id, kind=event, actor_id=None, at=now
                )
                await queue_alert(
                    session, ticket_id=ticket.id, kind="due_soon", audience="topic", at=now
                )
                warned += 1
    return warned


# A chat, and the topic in it (None: outside any topic).
Target = tuple[int, int | None]


@dataclass(slots=True)
class _Outgoing:
    """The alerts going to one chat (or topic): each one's text and the ids it stands for
    (one alert may reach a chat twice: when the supervisors' chat is the agents' group, say)."""

    htmls: list[str] = field(default_factory=list)
    ids: list[list[int]] = field(default_factory=list)
    index: dict[tuple[int, str], int] = field(default_factory=dict)  # by ticket and kind


async def deliver_alerts(services: Services, executor: Executor) -> int:
    """Send the undelivered alerts, oldest first and as few messages a chat as fit; return
    how many messages went out.

    Each is drawn now, so a late one tells how late the ticket is now; one no longer true (the
    ticket answered or closed meanwhile, a warning whose deadline passed) is dropped unsent.
    An alert Telegram cannot take now (unreachable, flood limits) waits for the next look, as
    do the rest for that chat; one Telegram refuses (a chat gone) is dropped and logged.
    """
    sent = 0
    failing: set[int] = set()  # chats Telegram could not take alerts for at this look
    for (chat_id, thread_id), chat in (await _draw_pending(services, utcnow())).items():
        # One message per chat for the alerts found at once (after a weekend, many fall due
        # together): the agents' group shares a budget of about 20 messages a minute.
        for message, parts in batched_messages(chat.htmls):
            if chat_id in failing:
                break  # its other topics wait too: one round of retries per chat and look
            try:
                await executor.post_or_raise(chat_id, message, thread_id)
            except TelegramError as error:
                if worth_retrying(error):
                    log.warning("chat %s: alerts wait for a next look: %s", chat_id, error.message)
                    failing.add(chat_id)
                    break
                _log_refused(services, chat_id, error)
            else:
                sent += 1
            async with services.sessions.begin() as session:
                await drop_alerts(session, (i for part in parts for i in chat.ids[part]))
    return sent


def _log_refused(services: Services, chat_id: int, error: TelegramError) -> None:
    """Say which setting names the chat that refused alerts (dropped), and what to do."""
    settings = services.settings
    if chat_id == settings.supervisor_chat_id:
        setting, group = "SUPERVISOR_CHAT_ID", "the supervisors' group"
    elif chat_id == settings.agent_chat_id:
        setting, group = "AGENT_CHAT_ID", "the agents' group"
    elif chat_id == settings.l2_chat_id:
        setting, group = "L2_CHAT_ID", "the L2 group"
    else:  # a group tickets were opened in before the desk moved
        log.warning("chat %s: alerts refused and dropped: %s", chat_id, error.message)
        return
    log.error(
        "%s=%s: alerts refused and dropped (%s); add the bot to %s (or correct %s)",
        setting,
        chat_id,
        error.message,
        group,
        setting,
    )


async def _draw_pending(services: Services, now: datetime) -> dict[Target, _Outgoing]:
    """Read the undelivered alerts and draw them as of `now`, by where each goes; drop those
    no longer true."""
    outgoing: dict[Target, _Outgoing] = {}
    stale: list[int] = []
    async with services.sessions.begin() as session:
        for alert, ticket in await pending_alerts(session, limit=ALERTS_PER_LOOK):
            target = _target(services, alert, ticket, now)
            if target is None:
                stale.append(alert.id)
                continue
            chat = outgoing.setdefault(target, _Outgoing())
            key = (ticket.id, alert.kind)
            if key in chat.index:
                chat.ids[chat.index[key]].append(alert.id)
                continue
            customer = await get_customer(session, ticket.customer_id)
            if alert.kind == "overdue":
                html = render_overdue(
                    ticket, customer, now=now, calendar=services.settings.calendar
                )
            else:
                tier = customer.tier if customer is not None else "standard"
                deadline = pending_deadline(ticket)  # set: _target drops it otherwise
                due = (deadline.due if deadline is not None else None) or now
                left = time_left(tier, now, due, services.settings.calendar)
                html = render_due_soon(ticket, now=now, left=left)
            chat.index[key] = len(chat.htmls)
            chat.htmls.append(html)
            chat.ids.append([alert.id])
        await drop_alerts(session, stale)
    return outgoing


def _target(
    services: Services, alert: PendingAlert, ticket: Ticket, now: datetime
) -> Target | None:
    """Where an alert goes (chat, topic), or None if it is no longer true or has nowhere to
    go; it tells of the deadline the ticket answers to when it is drawn (the first
    response's, or second line's)."""
    deadline = pending_deadline(ticket)
    due = deadline.due if deadline is not None else None
    if ticket.status == "closed" or due is None:
        return None
    if alert.kind == "due_soon" and due <= now:
        return None  # the overdue alert says more
    if alert.kind == "overdue" and due > now:
        return None  # the deadline moved meanwhile (/tier, a holiday): no longer true
    if alert.audience == "supervisors":
        supervisors = services.settings.supervisor_chat_id
        return None if supervisors is None else (supervisors, None)
    return ticket.agent_chat_id, ticket.thread_id if alert.audience == "topic" else None


def batched_messages(parts: list[str], limit: int = MESSAGE_BUDGET) -> list[tuple[str, range]]:
    """Join `parts` with blank lines into as few messages as stay under `limit` characters;
    return each message with the indexes of the parts it holds."""
    messages: list[tuple[str, range]] = []
    for index, part in enumerate(parts):
        if messages and len(messages[-1][0]) + 2 + len(part) <= limit:
            text, held = messages[-1]
            messages[-1] = (text + "\n\n" + part, range(held.start, index + 1))
        else:
            messages.append((part, range(index, index + 1)))
    return messages


async def recount_deadlines(services: Services) -> None:
    """Move the deadlines of tickets still unanswered onto the calendar this process was
    started with (SUPPORT_HOLIDAYS or SUPPORT_HOURS changed since they opened)."""
    try:
        async with services.sessions.begin() as session:
            moved = await service.recount_deadlines(session, services.settings.calendar)
            for ticket, clock, before in moved:
                log.info(
                    "ticket %s: %s now due %s (was %s): the support calendar changed",
                    ticket.id,
                    "first response" if clock == "first" else "second line's reply",
                    ticket.first_response_due if clock == "first" else ticket.l2_response_due,
                    before,
                )
    except DATABASE_ERRORS as error:  # the next start tries again; the alerts go on meanwhile
        log.warning("counting deadlines on the support calendar failed: %s", type(error).__name__)


async def watch_deadlines(services: Services, executor: Executor) -> None:
    """Look for first responses (and second line's replies) due soon or overdue every
    SLA_CHECK_SECONDS (0: never)."""
    await recount_deadlines(services)
    interval = services.settings.sla_check_seconds
    if interval <= 0:
        return
    while True:
        try:
            await warn_due_soon(services)
            await alert_overdue(services)
            await deliver_alerts(services, executor)
        except DATABASE_ERRORS as error:
            log.warning("looking for overdue tickets failed: %s", type(error).__name__)
        except Exception:  # a bug must not end the alerts for the rest of the run
            log.exception("looking for overdue tickets failed")
        await asyncio.sleep(interval)


# -- the daily report -------------------------------------------------------------------------


def last_report_time(services: Services, now: datetime) -> datetime:
    """The latest moment at or before `now` when a daily report was due (Tehran time)."""
    local = now.astimezone(TEHRAN)
    at = datetime.combine(local.date(), services.settings.daily_report_at, TEHRAN)
    return at if at <= local else at - timedelta(days=1)


async def report_so_far(
    session: AsyncSession,
    now: datetime,
    *,
    team_only: bool,
    calendar: SupportCalendar | None = None,
) -> str:
    """The figures of today so far (Tehran), for /report (`team_only`: asked by agents, who
    see the team's figures, not each colleague's ratings; `calendar`: the one deadlines are
    counted on, first responses are measured on it too)."""
    day, start, end = tehran_day(now)
    figures = await day_figures(session, start, end, now=now, calendar=calendar)
    return render_report(figures, day, partial=True, team_only=team_only)


class ReportNotSent(Exception):
    """Telegram kept failing the daily report for a passing reason; it is due again."""


async def send_daily_report(services: Services, executor: Executor, now: datetime) -> date | None:
    """Send the report of the day before the latest report time, unless it went already or
    that time is long past; return the day reported on."""
    chat_id = services.settings.supervisor_chat_id
    due = last_report_time(services, now)
    if chat_id is None or now - due > REPORT_CATCH_UP:
        return None
    day, start, end = tehran_day(due - timedelta(days=1))
    key = f"daily_report:{day.isoformat()}"
    async with services.sessions.begin() as session:
        if await kv_get(session, key) is not None:
            return None
    # Read a day a transaction: on SQLite a transaction holds the bot's only connection, and
    # customers' updates wait meanwhile. Only then is the report marked sent (once).
    days_before = await _days_before(services, start, now)
    async with services.sessions.begin() as session:
        asked, sent = await log_of(session, since=start, until=end)
    unanswered = await _unanswered(services, asked, sent)
    async with services.sessions.begin() as session:
        if await kv_get(session, key) is not None:
            return None
        figures = await day_figures(
            session, start, end, now=now, calendar=services.settings.calendar
        )
        await kv_set(session, key, utcnow().isoformat())
    weeks = [*days_before, (day, figures)]
    html = render_report(figures, day, unanswered=unanswered, trend=weeks[-TREND_DAYS:])
    try:
        await executor.post_or_raise(chat_id, html)
    except asyncio.CancelledError:
        # A stop, or the lease lost, while Telegram made it wait (a 429): marked sent, it
        # would never go. Unmarked, the next start (or the next instance) sends it.
        await asyncio.shield(_unmark(services, key, day))
        raise
    except TelegramError as error:
        if not worth_retrying(error):  # the chat is gone, say: trying again will not help
            # Not now, nor at the next look: unmarked, the next start (SUPERVISOR_CHAT_ID
            # fixed, the bot added back) sends it while it is recent enough.
            await _unmark(services, key, day, at_stop=False)
            log.error(
                "SUPERVISOR_CHAT_ID=%s: the daily report of %s was not sent (%s); add the bot "
                "to the supervisors' group (or correct SUPERVISOR_CHAT_ID) and restart it "
                "within %d hours to have it sent",
                chat_id,
                day,
                error.message,
                REPORT_CATCH_UP // timedelta(hours=1),
            )
            return None
        # Telegram unreachable for longer than the retries: the next look sends it again
        # (within REPORT_CATCH_UP); an outage of a few minutes must not cost the day's report.
        async with services.sessions.begin() as session:
            await kv_delete(session, key)
        raise ReportNotSent(error.message) from error
    await _send_chart(executor, chat_id, weeks)
    return day


async def _send_chart(
    executor: Executor, chat_id: int, weeks: list[tuple[date, DayFigures]]
) -> None:
    """Send the report's weeks as a chart, under it (best effort: the report went, and its
    figures with it; a chart failing to draw or to go is logged, not tried again)."""
    try:
        # Off the event loop: drawing takes about half a second.
        png = await asyncio.to_thread(trend_png, weeks)
    except Exception:
        log.exception("drawing the daily report's chart failed; the report went without")
        return
    caption = texts.CHART_CAPTION.format(
        first=jalali_day(weeks[0][0], year=False), last=jalali_day(weeks[-1][0], year=False)
    )
    try:
        await executor.post_photo(chat_id, png, caption)
    except TelegramError as error:
        log.warning("the daily report's chart was not sent: %s", error.message)


async def _unmark(services: Services, key: str, day: date, *, at_stop: bool = True) -> None:
    """Mark the report of `day` not sent, so the next start sends it (`at_stop`: say so)."""
    try:
        async with services.sessions.begin() as session:
            await kv_delete(session, key)
    except DATABASE_ERRORS as error:
        log.warning("the daily report of %s may not have been sent (%s)", day, error)
        return
    if at_stop:
        log.info("the daily report of %s was not sent before the stop; it goes at the next", day)


async def _unanswered(services: Services, asked: list[Asked], sent: list[Sent]) -> list[Unanswered]:
    """The day's questions the KB (as it is now) cannot answer, most asked first; none if
    mining fails: the report goes out anyway."""
    try:
        # Off the event loop even when matching is by words alone (run_cpu then runs
        # inline): a day's mining took over a second, and every customer waited meanwhile.
        gaps = await asyncio.to_thread(mine_kb, services.kb, asked, sent)
    except Exception:
        log.exception("finding the day's unanswered questions failed; the report goes without")
        return []
    return [Unanswered(g.question, g.asked, g.customers) for g in gaps.unanswered]


async def _days_before(
    services: Services, start: datetime, now: datetime
) -> list[tuple[date, DayFigures]]:
    """The figures of the CHART_DAYS - 1 days before the one starting at `start`, oldest
    first, each read in its own transaction."""
    days = []
    for back in range(CHART_DAYS - 1, 0, -1):
        day, day_start, day_end = tehran_day(start - timedelta(days=back) + HALF_DAY)
        async with services.sessions.begin() as session:
            figures = await day_figures(
                session, day_start, day_end, now=now, calendar=services.settings.calendar
            )
            days.append((day, figures))
    return days


async def send_daily_reports(services: Services, executor: Executor) -> None:
    """Send each day's report at DAILY_REPORT_AT (and a missed one at start, if recent)."""
    if services.settings.supervisor_chat_id is None:
        return
    while True:
        now = utcnow()
        try:
            await send_daily_report(services, executor, now)
        except DATABASE_ERRORS as error:
            log.warning("the daily report failed: %s; trying again", type(error).__name__)
            await asyncio.sleep(REPORT_RETRY_SECONDS)
            continue
        except ReportNotSent as error:
            log.warning("the daily report was not sent (%s); trying again", error)
            await asyncio.sleep(REPORT_RETRY_SECONDS)
            continue
        except Exception:  # a bug must not end the reports for the rest of the run
            log.exception("the daily report failed")
        next_time = last_report_time(services, now) + timedelta(days=1)
        await asyncio.sleep(max(1.0, (next_time - utcnow()).total_seconds()))
