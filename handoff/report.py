"""The supervisor's daily report and the service-level alerts, as Telegram HTML in Persian."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import jdatetime

from handoff import texts
from handoff.card import past_due
from handoff.figures import AgentDay, DayFigures, Sample
from handoff.hours import SupportCalendar
from handoff.persian import (
    TEHRAN,
    clean_inline,
    duration,
    fa_digits,
    jalali,
    percent,
    round_half_up,
    shorten,
)
from handoff.sla import current_deadline, read_tier
from handoff.topics import ticket_link
from storage.models import Customer, Ticket

COMMENT_MAX = 120
NAME_MAX = 40
# How late an overdue alert says a ticket is: «۳ ساعت», or «۳ ساعت از ساعت‌های کاری».
_LATENESS = (texts.LATE, texts.LATE_OPEN)


def jalali_day(day: date, *, year: bool = True) -> str:
    """A Tehran calendar day as its Persian weekday and Jalali date: «شنبه ۱۵ آذر ۱۴۰۴»
    (without the year, for a day within the week: «شنبه ۱۵ آذر»)."""
    jday = jdatetime.date.fromgregorian(date=day)
    text = (
        f"{texts.JALALI_WEEKDAYS[jday.weekday()]} {jday.day} {texts.JALALI_MONTHS[jday.month - 1]}"
    )
    return fa_digits(f"{text} {jday.year}" if year else text)


def tehran_day(moment: datetime) -> tuple[date, datetime, datetime]:
    """The Tehran calendar day `moment` falls in, with its start and end (aware)."""
    day = moment.astimezone(TEHRAN).date()
    start = datetime.combine(day, datetime.min.time(), TEHRAN)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), TEHRAN)
    return day, start, end


def _rate(part: float | None) -> str:
    return percent(part) if part is not None else "—"


def _sample_line(sample: Sample) -> str:
    rating = (
        texts.REPORT_SAMPLE_RATED.format(rating=fa_digits(sample.rating))
        if sample.rating is not None
        else texts.REPORT_SAMPLE_UNRATED
    )
    comment = shorten(clean_inline(sample.comment), COMMENT_MAX)
    said = texts.REPORT_SAMPLE_COMMENT.format(comment=html.escape(comment)) if comment else ""
    ref = ticket_link(sample.ticket_id, sample.agent_chat_id, sample.thread_id)
    return f"• {ref} · {rating}{said}"


def _mean(value: float) -> str:
    """A mean rating to a tenth, a half up as shares are (4.25 → «۴٫۳», not the even «۴٫۲»)."""
    tenths = round_half_up(value * 10)
    return fa_digits(f"{tenths // 10}٫{tenths % 10}")


def _agent_line(agent: AgentDay) -> str:
    rated = (
        texts.REPORT_AGENT_RATED.format(mean=_mean(agent.csat), count=fa_digits(len(agent.ratings)))
        if agent.csat is not None
        else ""
    )
    # A name of invisible characters alone (a Hangul filler, bidi controls) is cleaned away.
    name = html.escape(shorten(clean_inline(agent.name), NAME_MAX) or texts.UNKNOWN_AGENT)
    return texts.REPORT_AGENT.format(name=name, closed=fa_digits(agent.closed), rated=rated)


def _bar(part: float | None) -> str:
    filled = round_half_up((part or 0.0) * texts.REPORT_TREND_CELLS)
    empty = texts.REPORT_TREND_CELLS - filled
    return texts.REPORT_TREND_FULL * filled + texts.REPORT_TREND_EMPTY * empty


def render_trend(trend: Sequence[tuple[date, DayFigures]]) -> list[str]:
    """The days' key figures, a line a day, oldest first: a chart in characters."""
    open_hours = any(f.open_hours for _, f in trend)
    lines = [texts.REPORT_TREND_OPEN_HOURS if open_hours else texts.REPORT_TREND]
    none = texts.REPORT_TREND_NONE
    for day, f in trend:
        median = f.first_response_median
        lines.append(
            texts.REPORT_TREND_DAY.format(
                day=jalali_day(day, year=False),
                bar=_bar(f.self_service_rate),
                rate=_rate(f.self_service_rate),
                opened=fa_digits(f.opened),
                median=duration(median, open_hours=f.open_hours) if median is not None else none,
                csat=_mean(f.csat) if f.csat is not None else none,
            )
        )
    return lines


@dataclass(frozen=True, slots=True)
class Unanswered:
    """A question the KB had no answer for (its most asked wording), how often, by how many."""

    question: str
    asked: int
    customers: int


def _gap_line(gap: Unanswered) -> str:
    question = html.escape(shorten(clean_inline(gap.question), texts.REPORT_GAP_CHARS))
    return texts.REPORT_GAP.format(
        question=question, asked=fa_digits(gap.asked), customers=fa_digits(gap.customers)
    )


def _l2_lines(f: DayFigures) -> list[str]:
    """Second line's figures, when it had any work (a desk without L2 reads none)."""
    if not (f.escalated or f.open_l2 or f.l2_responses):
        return []
    lines = [
        texts.REPORT_L2.format(escalated=fa_digits(f.escalated), open_now=fa_digits(f.open_l2))
    ]
    if f.l2_response_median is not None:
        said = texts.REPORT_L2_RESPONSE_OPEN_HOURS if f.open_hours else texts.REPORT_L2_RESPONSE
        lines.append(
            said.format(
                median=duration(f.l2_response_median, open_hours=f.open_hours),
                count=fa_digits(f.l2_responses),
            )
        )
    return lines


def render_report(
    figures: DayFigures,
    day: date,
    *,
    partial: bool = False,
    team_only: bool = False,
    unanswered: Sequence[Unanswered] = (),
    trend: Sequence[tuple[date, DayFigures]] = (),
) -> str:
    """The day's figures for supervisors (`partial`: the day is not over yet; `team_only`:
    without each agent's figures and the tickets sampled for quality control, for agents;
    `unanswered`: the questions the KB could not answer, most asked first; `trend`: the days
    up to it, for the daily report)."""
    f = figures
    title = texts.REPORT_TODAY if partial else texts.REPORT_TITLE
    lines = [
        title.format(day=jalali_day(day)),
        "",
        texts.REPORT_CUSTOMERS.format(
            customers=fa_digits(f.customers),
            served=fa_digits(f.self_served),
            asked=fa_digits(f.asked),
            rate=_rate(f.self_service_rate),
        ),
        texts.REPORT_QUESTIONS.format(
            questions=fa_digits(f.questions),
            answers=fa_digits(f.answers),
            suggestions=fa_digits(f.suggestions),
            handoffs=fa_digits(f.handoffs),
        ),
        texts.REPORT_FEEDBACK.format(yes=fa_digits(f.helpful), no=fa_digits(f.not_helpful)),
        texts.REPORT_TICKETS.format(
            opened=fa_digits(f.opened), closed=fa_digits(f.closed), open_now=fa_digits(f.open_now)
        ),
    ]
    if f.first_response_median is not None:
        said = (
            texts.REPORT_FIRST_RESPONSE_OPEN_HOURS if f.open_hours else texts.REPORT_FIRST_RESPONSE
        )
        lines.append(
            said.format(
                median=duration(f.first_response_median, open_hours=f.open_hours),
                count=fa_digits(f.responses),
            )
        )
    else:
        lines.append(texts.REPORT_NO_RESPONSES)
    if f.deadlines:
        lines.append(
            texts.REPORT_SLA.format(
                met=fa_digits(f.deadlines_met),
                total=fa_digits(f.deadlines),
                rate=_rate(f.deadlines_met_rate),
            )
        )
    lines += _l2_lines(f)
    if f.csat is not None:
        lines.append(
            texts.REPORT_CSAT.format(
                mean=_mean(f.csat),
                count=fa_digits(len(f.ratings)),
                satisfied=_rate(f.satisfied_rate),
            )
        )
    else:
        lines.append(texts.REPORT_NO_RATINGS)
    if f.agents and not team_only:
        lines += ["", texts.REPORT_AGENTS]
        lines += [_agent_line(a) for a in f.agents[: texts.REPORT_AGENTS_MAX]]
        if len(f.agents) > texts.REPORT_AGENTS_MAX:
            more = len(f.agents) - texts.REPORT_AGENTS_MAX
            lines.append(texts.REPORT_AGENTS_MORE.format(count=fa_digits(more)))
    if f.samples and not team_only:
        lines += ["", texts.REPORT_SAMPLES, *(_sample_line(s) for s in f.samples)]
    if unanswered:
        lines += ["", texts.REPORT_GAPS]
        lines += [_gap_line(g) for g in unanswered[: texts.REPORT_GAPS_MAX]]
    if trend:
        lines += ["", *render_trend(trend)]
    return "\n".join(lines)


def render_overdue(
    ticket: Ticket,
    customer: Customer | None,
    *,
    now: datetime,
    calendar: SupportCalendar | None = None,
) -> str:
    """Say that a ticket's response deadline passed with no reply, where to find it: the first
    response's, or second line's on a ticket escalated after it (said so, with when). How long
    ago is counted as the deadline was, in the desk's open hours (as the card counts it: an
    alert held up over a weekend must not say «۳ روز» of a ticket three open hours late)."""
    name = shorten(clean_inline(customer.full_name if customer else ""), NAME_MAX)
    tier = texts.TIER.get(customer.tier, customer.tier) if customer else texts.TIER["standard"]
    deadline = current_deadline(ticket)
    due = deadline.due or now
    tier_key = customer.tier if customer else "standard"
    said = texts.OVERDUE_ALERT if deadline.clock == "first" else texts.OVERDUE_ALERT_L2
    return said.format(
        ticket=ticket_link(ticket.id, ticket.agent_chat_id, ticket.thread_id),
        # A right-to-left mark after the name, else a Latin name and «VIP» swap places.
        customer=html.escape(name or texts.UNKNOWN_CUSTOMER) + "\u200f",
        tier=tier,
        escalated=jalali(ticket.escalated_at or due),
        due=jalali(due),
        late=past_due(read_tier(tier_key) or "standard", due, now, calendar, *_LATENESS),
        holder=html.escape(
            shorten(clean_inline(ticket.claimed_by_name), NAME_MAX) or texts.NOBODY_YET
        ),
    )


def render_due_soon(ticket: Ticket, *, now: datetime, left: timedelta | None = None) -> str:
    """Warn a ticket's topic that its response deadline (the first response's, or second
    line's) is near; `left`: the open hours left before it, when the desk closes in between
    (then the text says so)."""
    deadline = current_deadline(ticket)
    due = deadline.due or now
    first = deadline.clock == "first"
    if left is None or due - now - left < timedelta(minutes=1):
        said = texts.DUE_SOON_WARNING if first else texts.DUE_SOON_WARNING_L2
        return said.format(left=duration(due - now), due=jalali(due))
    said = texts.DUE_SOON_WARNING_OPEN_HOURS if first else texts.DUE_SOON_WARNING_L2_OPEN_HOURS
    return said.format(left=duration(left, open_hours=True), due=jalali(due))
