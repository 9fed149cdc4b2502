"""A day's service-desk figures, computed from the interaction log (the supervisor's report).

Definitions (every count is over [start, end), UTC-aware bounds of a Tehran day):
- customers who wrote: distinct customers with an incoming message; who asked: those of
  them the KB decided on at least once (a greeting or thanks alone asks nothing); served
  without a person: those who asked and neither got a ticket in the span, nor wrote into an
  open one, nor had a ticket closed or rated, nor answered "was this helpful?" only with no
  (ITIL's self-service rate: of those who asked);
- questions: the KB's decisions, by outcome; feedback: "was this helpful?" answers;
- tickets opened and closed in the span, and those open when the figures are taken;
- first response: of the tickets answered in the span, the median wait from opening,
  counted on the open hours of the tier the customer had when answered, as deadlines are
  (handoff.hours; around the clock without a support calendar); the service level: of the
  deadlines that fell in the span and have passed, the share met (a ticket closed
  unanswered before its deadline owed no reply and is left out, as is one whose customer
  had blocked the bot from its deadline on until it was answered or closed);
- second line: the tickets escalated in the span, those at L2 and open when the figures are
  taken, and, of the escalated tickets second line first answered in the span, the median
  wait from the escalation, counted as the first response's is;
- satisfaction (CSAT): the ratings given in the span (whenever their ticket was closed);
- quality samples: tickets closed or rated in the span, the lowest rated first;
- agents: the tickets closed in the span by who held them (a ticket nobody held: by who
  closed it), and the ratings given in the span to the tickets they held or closed.
"""

from __future__ import annotations

import random
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from handoff.hours import SupportCalendar
from handoff.sla import read_tier
from storage.models import Customer, Feedback, KBDecision, Message, Ticket, TicketEvent, Tier

SAMPLES = 3
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Sample:
    """A ticket for a supervisor to read: its number, topic, and its rating if given that day."""

    ticket_id: int
    agent_chat_id: int
    thread_id: int | None
    rating: int | None
    comment: str | None


@dataclass(frozen=True, slots=True)
class AgentDay:
    """One agent's closed tickets of the day (by who held them, else who closed them), and the
    ratings given that day to the tickets they held or closed."""

    name: str
    closed: int
    ratings: list[int]

    @property
    def csat(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None


@dataclass(frozen=True, slots=True)
class DayFigures:
    """What a supervisor reads about one day (see the module's definitions)."""

    start: datetime
    end: datetime
    customers: int = 0
    asked: int = 0
    self_served: int = 0
    answers: int = 0
    suggestions: int = 0
    handoffs: int = 0
    helpful: int = 0
    not_helpful: int = 0
    opened: int = 0
    closed: int = 0
    open_now: int = 0
    first_response_median: timedelta | None = None
    open_hours: bool = False  # the waits are counted on the support calendar's open hours
    responses: int = 0
    deadlines: int = 0
    deadlines_met: int = 0
    escalated: int = 0
    open_l2: int = 0
    l2_response_median: timedelta | None = None
    l2_responses: int = 0
    ratings: list[int] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    agents: list[AgentDay] = field(default_factory=list)

    @property
    def questions(self) -> int:
        return self.answers + self.suggestions + self.handoffs

    @property
    def self_service_rate(self) -> float | None:
        return self.self_served / self.asked if self.asked else None

    @property
    def deadlines_met_rate(self) -> float | None:
        return self.deadlines_met / self.deadlines if self.deadlines else None

    @property
    def csat(self) -> float | None:
        return statistics.fmean(self.ratings) if self.ratings else None

    @property
    def satisfied_rate(self) -> float | None:
        """The share of ratings of 4 or 5 (the usual CSAT percentage)."""
        return sum(r >= 4 for r in self.ratings) / len(self.ratings) if self.ratings else None


async def day_figures(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    calendar: SupportCalendar | None = None,
    rng: random.Random | None = None,
) -> DayFigures:
    """Compute the figures of [start, end) from the log, as they stand at `now`; first
    responses are waited for on `calendar`'s open hours (None: around the clock), the
    calendar deadlines are counted on."""
    wrote = set(
        await session.scalars(
            select(Message.customer_id)
            .where(Message.direction == "in", Message.created_at >= start)
            .where(Message.created_at < end)
            .distinct()
        )
    )
    ticketed = set(
        await session.scalars(
            select(Ticket.customer_id)
            .where(Ticket.opened_at >= start, Ticket.opened_at < end)
            .distinct()
        )
    )
    wrote_to_agents = set(  # into a ticket opened before the span
        await session.scalars(
            select(Message.customer_id)
            .where(Message.direction == "in", Message.created_at >= start)
            .where(Message.created_at < end, Message.ticket_id.is_not(None))
            .distinct()
        )
    )
    # Whose ticket an agent closed, or who rated one: what they sent (a rating press, a
    # comment) is logged with no open ticket, but a person served them.
    # Two indexed reads, not one OR across a join (that scanned every ticket ever stored).
    closed_by = select(Ticket.customer_id).where(Ticket.closed_at >= start, Ticket.closed_at < end)
    rated_by = (
        select(Ticket.customer_id)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(TicketEvent.kind == "rated")
        .where(TicketEvent.created_at >= start, TicketEvent.created_at < end)
    )
    rated_or_closed = set(await session.scalars(closed_by.union(rated_by)))
    asked = set(
        await session.scalars(
            select(KBDecision.customer_id)
            .where(KBDecision.created_at >= start, KBDecision.created_at < end)
            .distinct()
        )
    )
    # Who said the answers did not help, and never that one did: not served, if they left.
    said = list(
        (
            await session.execute(
                select(Feedback.customer_id, Feedback.helpful)
                .where(Feedback.created_at >= start, Feedback.created_at < end)
                .distinct()
            )
        ).tuples()
    )
    helped = {customer for customer, helpful in said if helpful}
    not_helped = {customer for customer, helpful in said if not helpful} - helped
    decisions = await _counts(
        session, KBDecision.kind, KBDecision.created_at >= start, KBDecision.created_at < end
    )
    feedback = await _counts(
        session, Feedback.helpful, Feedback.created_at >= start, Feedback.created_at < end
    )
    waits = await _waits(session, Ticket.opened_at, Ticket.first_response_at, start, end, calendar)
    l2_waits = await _waits(
        session, Ticket.escalated_at, Ticket.l2_response_at, start, end, calendar
    )
    due = [
        (ticket_id, d, at, closed_at)
        for ticket_id, d, at, closed_at in (
            await session.execute(
                select(
                    Ticket.id, Ticket.first_response_due, Ticket.first_response_at, Ticket.closed_at
                ).where(
                    Ticket.first_response_due >= start,
                    Ticket.first_response_due < min(end, now),
                )
            )
        ).tuples()
        if d is not None
    ]
    # A ticket closed before its deadline with no reply (the customer solved it, or wrote
    # again elsewhere) owed none: neither met nor missed, as no alert went out for it. Nor
    # did one whose customer had blocked the bot from its deadline until it was answered,
    # closed or now: no reply could reach them, and no alert goes out for them.
    blocks = await _blocks(session, [t for t, d, at, _ in due if at is None or at > d])
    deadlines = [
        (d, at)
        for ticket_id, d, at, closed_at in due
        if not (at is None and closed_at is not None and closed_at <= d)
        and not _blocked_throughout(
            blocks.get(ticket_id, []), d, min(t for t in (at, closed_at, now) if t is not None)
        )
    ]
    closed = list(
        await session.scalars(
            select(Ticket)
            .where(Ticket.closed_at >= start, Ticket.closed_at < end)
            .order_by(Ticket.id)
        )
    )
    # The day's ratings are the ones given that day, whenever their ticket was closed: the
    # same ratings make the team's figure, each agent's and the samples'.
    rated = list(
        {
            t.id: t
            for t in await session.scalars(
                select(Ticket)
                .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
                .where(TicketEvent.kind == "rated", Ticket.rating.is_not(None))
                .where(TicketEvent.created_at >= start, TicketEvent.created_at < end)
                .order_by(Ticket.id)
            )
        }.values()
    )
    return DayFigures(
        start=start,
        end=end,
        customers=len(wrote),
        asked=len(asked),
        self_served=len(asked - ticketed - wrote_to_agents - rated_or_closed - not_helped),
        answers=decisions.get("answer", 0),
        suggestions=decisions.get("suggest", 0),
        handoffs=decisions.get("handoff", 0),
        helpful=feedback.get(True, 0),
        not_helpful=feedback.get(False, 0),
        opened=await _count(session, Ticket.opened_at >= start, Ticket.opened_at < end),
        closed=len(closed),
        open_now=await _count(session, Ticket.status != "closed"),
        first_response_median=_median(waits),
        open_hours=calendar is not None,
        responses=len(waits),
        deadlines=len(deadlines),
        deadlines_met=sum(at is not None and at <= d for d, at in deadlines),
        escalated=await _events(session, "escalated", start, end),
        open_l2=await _count(session, Ticket.status != "closed", Ticket.level == 2),
        l2_response_median=_median(l2_waits),
        l2_responses=len(l2_waits),
        ratings=[t.rating for t in rated if t.rating is not None],
        samples=_samples(closed, rated, rng or random.Random()),
        agents=_agents(closed, rated, await _agent_names(session, closed + rated)),
    )


async def _waits(
    session: AsyncSession,
    since: InstrumentedAttribute[datetime | None],
    answered: InstrumentedAttribute[datetime | None],
    start: datetime,
    end: datetime,
    calendar: SupportCalendar | None,
) -> list[timedelta]:
    """How long the tickets answered in [start, end) (by `answered`) waited from `since`."""
    rows = [
        (customer_id, began, responded, tier or "standard")
        for customer_id, began, responded, tier in (
            await session.execute(
                select(Ticket.customer_id, since, answered, Customer.tier)
                .outerjoin(Customer, Customer.id == Ticket.customer_id)
                .where(answered >= start, answered < end)
            )
        ).tuples()
        if began is not None and responded is not None
    ]
    if calendar is None:
        return [responded - began for _, began, responded, _ in rows]
    # A wait is counted as the deadline beside it is: on the open hours of the tier the
    # customer had when answered, so a ticket opened Thursday at 12:00 and answered Saturday
    # at 8:05 waited an hour and five minutes, whatever contract they are put on later.
    changes = await _tier_changes(session, {customer_id for customer_id, *_ in rows})
    return [
        calendar.open_time(
            _tier_at(changes.get(customer_id, []), responded, tier), began, responded
        )
        for customer_id, began, responded, tier in rows
    ]


# A customer's change of contract (/tier): when, from which tier, to which.
TierChange = tuple[datetime, Tier, Tier]


async def _tier_changes(session: AsyncSession, customers: set[int]) -> dict[int, list[TierChange]]:
    """The customers' changes of tier (on any of their tickets), oldest first."""
    if not customers:
        return {}
    rows = await session.execute(
        select(Ticket.customer_id, TicketEvent.created_at, TicketEvent.data)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.kind == "tier_changed", Ticket.customer_id.in_(customers))
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    changes: dict[int, list[TierChange]] = {}
    for customer_id, at, data in rows.tuples():
        before, after = read_tier(str(data.get("from"))), read_tier(str(data.get("to")))
        if before is not None and after is not None:
            changes.setdefault(customer_id, []).append((at, before, after))
    return changes


def _tier_at(changes: list[TierChange], moment: datetime, now: Tier) -> Tier:
    """The tier a customer had at `moment`, from their changes (oldest first) and the tier
    they have `now`."""
    tier = now
    for at, before, after in reversed(changes):
        if at <= moment:
            return after
        tier = before
    return tier


# A customer blocking the bot, or letting it write again, by its ticket event.
_BLOCKING = {"customer_blocked": True, "customer_unblocked": False}


async def _blocks(
    session: AsyncSession, tickets: list[int]
) -> dict[int, list[tuple[datetime, bool]]]:
    """When each ticket's customer blocked the bot (True) or let it write again (False),
    oldest first."""
    if not tickets:
        return {}
    rows = await session.execute(
        select(TicketEvent.ticket_id, TicketEvent.created_at, TicketEvent.kind)
        .where(TicketEvent.kind.in_(_BLOCKING), TicketEvent.ticket_id.in_(tickets))
        .order_by(TicketEvent.created_at, TicketEvent.id)
    )
    blocks: dict[int, list[tuple[datetime, bool]]] = {}
    for ticket_id, at, kind in rows.tuples():
        blocks.setdefault(ticket_id, []).append((at, _BLOCKING[kind]))
    return blocks


def _blocked_throughout(
    blocks: list[tuple[datetime, bool]], since: datetime, until: datetime
) -> bool:
    """Whether the customer had blocked the bot at `since` and did not let it write again
    before `until`."""
    blocked = False
    for at, blocking in blocks:
        if at <= since:
            blocked = blocking
        elif at < until and not blocking:
            return False
    return blocked


async def _events(session: AsyncSession, kind: str, start: datetime, end: datetime) -> int:
    """How many ticket events of `kind` were logged in [start, end)."""
    found = await session.scalar(
        select(func.count(TicketEvent.id)).where(
            TicketEvent.kind == kind, TicketEvent.created_at >= start, TicketEvent.created_at < end
        )
    )
    return found or 0


async def _counts(
    session: AsyncSession, column: InstrumentedAttribute[K], *conditions: ColumnElement[bool]
) -> dict[K, int]:
    """How many rows have each value of `column`."""
    rows = await session.execute(select(column, func.count()).where(*conditions).group_by(column))
    return {value: count for value, count in rows.tuples()}


async def _count(session: AsyncSession, *conditions: ColumnElement[bool]) -> int:
    found = await session.scalar(select(func.count(Ticket.id)).where(*conditions))
    return found or 0


def _samples(closed: list[Ticket], rated: list[Ticket], rng: random.Random) -> list[Sample]:
    """The day's tickets (closed or rated that day) for quality control: every low rating
    (1-3) given that day first, worst first, then a random pick of the rest, SAMPLES in all.
    A rating shows with its ticket only on the day it was given."""
    rated_ids = {t.id for t in rated}
    low = sorted((t for t in rated if t.rating is not None and t.rating <= 3), key=_rating_key)
    low_ids = {t.id for t in low}
    day = {t.id: t for t in closed + rated}
    rest = [t for t in day.values() if t.id not in low_ids]
    picked = low[:SAMPLES] + rng.sample(rest, min(len(rest), max(0, SAMPLES - len(low))))
    return [
        Sample(t.id, t.agent_chat_id, t.thread_id, t.rating, t.rating_comment)
        if t.id in rated_ids
        else Sample(t.id, t.agent_chat_id, t.thread_id, None, None)
        for t in picked
    ]


def _credited(ticket: Ticket) -> int | None:
    """The agent a ticket counts for: who held it, else who closed it (/close on a free
    ticket); None when no agent did (closed by the bot while nobody held it)."""
    return ticket.claimed_by if ticket.claimed_by is not None else ticket.closed_by


# The ticket events that name the agent acting (data["agent_name"]).
_NAMING_EVENTS = ("claimed", "taken_over")


async def _agent_names(session: AsyncSession, tickets: list[Ticket]) -> dict[int, str]:
    """The names of the agents the tickets count for, by id: as the ticket names its holder;
    a closer, as the close event names them, else as their latest claim does (a close logged
    before close events named the agent); missing ones are left to their id."""
    names: dict[int, str] = {}
    for ticket in tickets:
        if ticket.claimed_by is not None and ticket.claimed_by_name:
            names.setdefault(ticket.claimed_by, ticket.claimed_by_name)
    free = {t.id: t.closed_by for t in tickets if t.claimed_by is None and t.closed_by is not None}
    if not free:
        return names
    closes = await session.execute(
        select(TicketEvent.actor_id, TicketEvent.data).where(
            TicketEvent.kind == "closed", TicketEvent.ticket_id.in_(free)
        )
    )
    for actor_id, data in closes.tuples():
        name = (data or {}).get("agent_name")
        if actor_id is not None and isinstance(name, str) and name:
            names.setdefault(actor_id, name)
    for agent_id in set(free.values()) - names.keys():
        data = await session.scalar(
            select(TicketEvent.data)
            .where(TicketEvent.kind.in_(_NAMING_EVENTS), TicketEvent.actor_id == agent_id)
            .order_by(TicketEvent.id.desc())
            .limit(1)
        )
        name = (data or {}).get("agent_name")
        if isinstance(name, str) and name:
            names[agent_id] = name
    return names


def _agents(closed: list[Ticket], rated: list[Ticket], names: dict[int, str]) -> list[AgentDay]:
    """The day's closed tickets and ratings given by the agent they count for (_credited),
    most closed first; tickets no agent held or closed are left out."""
    closes: dict[int, int] = {}
    ratings: dict[int, list[int]] = {}
    for ticket in closed:
        agent = _credited(ticket)
        if agent is not None:
            closes[agent] = closes.get(agent, 0) + 1
    for ticket in rated:
        agent = _credited(ticket)
        if agent is not None and ticket.rating is not None:
            ratings.setdefault(agent, []).append(ticket.rating)
    days = [
        AgentDay(names.get(a, str(a)), closes.get(a, 0), ratings.get(a, []))
        for a in closes.keys() | ratings.keys()
    ]
    return sorted(days, key=lambda d: (-d.closed, d.name))


def _median(spans: list[timedelta]) -> timedelta | None:
    if not spans:
        return None
    ordered = sorted(spans)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _rating_key(ticket: Ticket) -> tuple[int, int]:
    return (ticket.rating or 0, ticket.id)
