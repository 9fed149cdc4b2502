"""Tickets and their audit trail.

State changes are single conditional UPDATEs (`... WHERE status IN (...)`), so two
agents or two processes acting at once cannot both win. Which changes are allowed
is decided by `handoff.lifecycle`; the `from_statuses` defaults here mirror it
(a test keeps them in step).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import case, func, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased
from sqlalchemy.sql.elements import ColumnElement

from storage.models import (
    HandoffReason,
    MessageLink,
    Priority,
    ResponseClock,
    Ticket,
    TicketEvent,
    TicketStatus,
)
from storage.repositories._common import HitLike, hits_json, lock_for_transaction
from storage.timestamps import UTCDateTime, utcnow

ACTIVE_STATUSES: tuple[TicketStatus, ...] = ("open", "claimed", "escalated", "waiting")
CLAIMABLE: tuple[TicketStatus, ...] = ("open", "escalated")
ESCALATABLE: tuple[TicketStatus, ...] = ("open", "claimed", "waiting")
CLOSABLE: tuple[TicketStatus, ...] = ACTIVE_STATUSES

ClaimOutcome = Literal["claimed", "already_yours", "held", "closed", "not_claimable", "not_found"]
TransitionOutcome = Literal["done", "not_allowed", "not_found"]
RateOutcome = Literal["rated", "already_rated", "not_closed", "not_found"]


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """How a claim went; `holder_*` name whoever holds the ticket afterwards."""

    outcome: ClaimOutcome
    ticket: Ticket | None

    @property
    def won(self) -> bool:
        """True only for the one claim that took the ticket."""
        return self.outcome == "claimed"

    @property
    def holder_id(self) -> int | None:
        return self.ticket.claimed_by if self.ticket is not None else None

    @property
    def holder_name(self) -> str | None:
        return self.ticket.claimed_by_name if self.ticket is not None else None


@dataclass(frozen=True, slots=True)
class TransitionResult:
    """How a state change went; `ticket` is the fresh row (None if it does not exist)."""

    outcome: TransitionOutcome
    ticket: Ticket | None

    @property
    def ok(self) -> bool:
        return self.outcome == "done"


def _ts(value: datetime) -> ColumnElement[datetime]:
    """Bind a timestamp with the UTC column type (plain literals would skip the conversion)."""
    return literal(value, UTCDateTime())


async def _conditional_update(
    session: AsyncSession,
    ticket_id: int,
    conditions: Iterable[ColumnElement[bool]],
    values: Mapping[str, Any],
) -> tuple[bool, Ticket | None]:
    """Apply `values` only if `conditions` hold; return (changed, fresh ticket)."""
    stmt = (
        update(Ticket)
        .where(Ticket.id == ticket_id, *conditions)
        .values(**values)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    changed = (await session.execute(stmt)).scalar_one_or_none() is not None
    ticket = await session.get(Ticket, ticket_id, populate_existing=True)
    return changed, ticket


def _transition(changed: bool, ticket: Ticket | None) -> TransitionResult:
    if ticket is None:
        return TransitionResult("not_found", None)
    return TransitionResult("done" if changed else "not_allowed", ticket)


async def get_ticket(session: AsyncSession, ticket_id: int) -> Ticket | None:
    """Return ticket #ticket_id as stored now."""
    return await session.get(Ticket, ticket_id, populate_existing=True)


async def open_ticket_for(session: AsyncSession, *, customer_id: int) -> Ticket | None:
    """Return the customer's ticket that is not closed, if any."""
    result = await session.scalars(
        select(Ticket)
        .where(Ticket.customer_id == customer_id, Ticket.status != "closed")
        .execution_options(populate_existing=True)
    )
    return result.first()


async def last_ticket_for(session: AsyncSession, *, customer_id: int) -> Ticket | None:
    """Return the customer's most recent ticket, whatever its state."""
    result = await session.scalars(
        select(Ticket).where(Ticket.customer_id == customer_id).order_by(Ticket.id.desc()).limit(1)
    )
    return result.first()


async def ticket_by_opening_update(session: AsyncSession, *, update_id: int) -> Ticket | None:
    """Return the ticket a given Telegram update opened (replays must not open another)."""
    result = await session.scalars(select(Ticket).where(Ticket.opening_update_id == update_id))
    return result.one_or_none()


async def create_ticket(
    session: AsyncSession,
    *,
    customer_id: int,
    question: str,
    reason: HandoffReason,
    tried: Iterable[HitLike],
    agent_chat_id: int,
    priority: Priority = "normal",
    opening_update_id: int | None = None,
    first_response_due: datetime | None = None,
    opened_at: datetime | None = None,
) -> tuple[Ticket, bool]:
    """Open a ticket unless the customer already has one; return (ticket, created).

    Never raises on a race: whoever loses gets the winner's ticket back. On
    PostgreSQL a per-customer transaction lock makes the loser wait instead of
    burning a sequence value, so ticket numbers stay consecutive.
    """
    if opening_update_id is not None:
        replayed = await ticket_by_opening_update(session, update_id=opening_update_id)
        if replayed is not None:
            return replayed, False
    await lock_for_transaction(session, "open-ticket", customer_id)
    existing = await open_ticket_for(session, customer_id=customer_id)
    if existing is not None:
        return existing, False
    previous = await last_ticket_for(session, customer_id=customer_id)
    opened_at = opened_at or utcnow()
    ticket = Ticket(
        customer_id=customer_id,
        status="open",
        level=1,
        priority=priority,
        reason=reason,
        question=question,
        tried=hits_json(tried, with_title=True),
        agent_chat_id=agent_chat_id,
        opened_at=opened_at,
        first_response_due=first_response_due,
        last_customer_at=opened_at,
        awaiting_reply_since=opened_at,
        previous_ticket_id=previous.id if previous is not None else None,
        opening_update_id=opening_update_id,
    )
    try:
        async with session.begin_nested():
            session.add(ticket)
    except IntegrityError:
        # Another session opened one between our check and our insert.
        winner = await open_ticket_for(session, customer_id=customer_id)
        if winner is None and opening_update_id is not None:
            winner = await ticket_by_opening_update(session, update_id=opening_update_id)
        if winner is None:
            raise
        return winner, False
    return ticket, True


async def claim_ticket(
    session: AsyncSession,
    ticket_id: int,
    agent_id: int,
    agent_name: str,
    *,
    from_statuses: Collection[TicketStatus] = CLAIMABLE,
) -> ClaimResult:
    """Take an unclaimed ticket for one agent; exactly one of many concurrent claims wins."""
    changed, ticket = await _conditional_update(
        session,
        ticket_id,
        [Ticket.claimed_by.is_(None), Ticket.status.in_(tuple(from_statuses))],
        {"status": "claimed", "claimed_by": agent_id, "claimed_by_name": agent_name},
    )
    if ticket is None:
        return ClaimResult("not_found", None)
    if changed:
        return ClaimResult("claimed", ticket)
    if ticket.status == "closed":
        return ClaimResult("closed", ticket)
    if ticket.claimed_by == agent_id:
        return ClaimResult("already_yours", ticket)
    if ticket.claimed_by is not None:
        return ClaimResult("held", ticket)
    return ClaimResult("not_claimable", ticket)


async def take_over_ticket(
    session: AsyncSession, ticket_id: int, agent_id: int, agent_name: str, *, holder_id: int
) -> bool:
    """Move a held ticket from `holder_id` to another agent; False if it changed meanwhile (the
    holder let it go, someone else took it, it was closed)."""
    changed, _ = await _conditional_update(
        session,
        ticket_id,
        [Ticket.claimed_by == holder_id, Ticket.status.in_(("claimed", "waiting"))],
        {"claimed_by": agent_id, "claimed_by_name": agent_name},
    )
    return changed


async def escalate_ticket(
    session: AsyncSession,
    ticket_id: int,
    *,
    now: datetime | None = None,
    from_statuses: Collection[TicketStatus] = ESCALATABLE,
) -> TransitionResult:
    """Move a first-line ticket to L2, unclaimed so an expert can claim it."""
    now = now or utcnow()
    changed, ticket = await _conditional_update(
        session,
        ticket_id,
        [Ticket.status.in_(tuple(from_statuses)), Ticket.level == 1],
        {
            "status": "escalated",
            "level": 2,
            "claimed_by": None,
            "claimed_by_name": None,
            "escalated_at": now,
            # The customer waits for second line now, if they did not already wait (for the
            # first response, or since their last message): a ticket waiting for them (/wait)
            # is handed on because they are owed an answer.
            "awaiting_reply_since": func.coalesce(Ticket.awaiting_reply_since, _ts(now)),
        },
    )
    return _transition(changed, ticket)


async def set_l2_response_due(session: AsyncSession, ticket_id: int, *, due: datetime) -> bool:
    """Set when second line's reply to an escalated ticket not yet answered by it is due;
    False if there is no such ticket (answered meanwhile, closed, not escalated)."""
    changed, _ = await _conditional_update(
        session,
        ticket_id,
        [
            Ticket.escalated_at.is_not(None),
            Ticket.l2_response_at.is_(None),
            Ticket.status != "closed",
        ],
        {"l2_response_due": due},
    )
    return changed


async def set_ticket_status(
    session: AsyncSession,
    ticket_id: int,
    *,
    from_statuses: Collection[TicketStatus],
    to_status: TicketStatus,
) -> TransitionResult:
    """Change only the status, if it is currently one of `from_statuses`."""
    if to_status == "closed":
        raise ValueError("use close_ticket to close a ticket")
    changed, ticket = await _conditional_update(
        session, ticket_id, [Ticket.status.in_(tuple(from_statuses))], {"status": to_status}
    )
    return _transition(changed, ticket)


async def close_ticket(
    session: AsyncSession,
    ticket_id: int,
    *,
    closed_by: int | None,
    now: datetime | None = None,
    from_statuses: Collection[TicketStatus] = CLOSABLE,
) -> TransitionResult:
    """Close a ticket once; closing frees the customer to open a new one."""
    changed, ticket = await _conditional_update(
        session,
        ticket_id,
        [Ticket.status.in_(tuple(from_statuses))],
        {
            "status": "closed",
            "closed_at": now or utcnow(),
            "closed_by": closed_by,
            "awaiting_reply_since": None,
        },
    )
    return _transition(changed, ticket)


async def rate_ticket(
    session: AsyncSession,
    ticket_id: int,
    *,
    rating: int,
    comment: str | None = None,
    customer_id: int | None = None,
) -> tuple[RateOutcome, Ticket | None]:
    """Store the customer's 1..5 rating of a closed ticket, once.

    With `customer_id`, someone else's ticket counts as not found (callback data
    can be forged by modified clients).
    """
    if isinstance(rating, bool) or not 1 <= rating <= 5:
        raise ValueError(f"rating must be 1..5, got {rating!r}")
    conditions = [Ticket.status == "closed", Ticket.rating.is_(None)]
    if customer_id is not None:
        conditions.append(Ticket.customer_id == customer_id)
    changed, ticket = await _conditional_update(
        session, ticket_id, conditions, {"rating": rating, "rating_comment": comment}
    )
    if ticket is None or (customer_id is not None and ticket.customer_id != customer_id):
        return "not_found", None
    if changed:
        return "rated", ticket
    if ticket.status != "closed":
        return "not_closed", ticket
    return "already_rated", ticket


async def set_rating_comment(session: AsyncSession, ticket_id: int, *, comment: str) -> bool:
    """Attach the customer's words to a rating already given; False if there is none."""
    changed, _ = await _conditional_update(
        session, ticket_id, [Ticket.rating.is_not(None)], {"rating_comment": comment}
    )
    return changed


async def touch_customer(session: AsyncSession, ticket_id: int, *, at: datetime) -> Ticket | None:
    """Note a customer message: the wait for an agent starts now unless it already runs."""
    _, ticket = await _conditional_update(
        session,
        ticket_id,
        [],
        {
            "last_customer_at": at,
            "awaiting_reply_since": func.coalesce(Ticket.awaiting_reply_since, _ts(at)),
        },
    )
    return ticket


async def touch_agent(session: AsyncSession, ticket_id: int, *, at: datetime) -> Ticket | None:
    """Note an agent message: the first response (once), second line's first reply (once,
    on an escalated ticket) and the end of the customer's wait."""
    after_escalation = case((Ticket.escalated_at <= _ts(at), _ts(at)), else_=None)
    _, ticket = await _conditional_update(
        session,
        ticket_id,
        [],
        {
            "last_agent_at": at,
            "first_response_at": func.coalesce(Ticket.first_response_at, _ts(at)),
            "l2_response_at": func.coalesce(Ticket.l2_response_at, after_escalation),
            "awaiting_reply_since": None,
        },
    )
    return ticket


async def withdraw_first_response(session: AsyncSession, ticket_id: int, *, at: datetime) -> bool:
    """Undo a first response made at `at` that never reached the customer: they wait still,
    since they last wrote or since the ticket opened. False if a later one stands instead."""
    changed, _ = await _conditional_update(
        session,
        ticket_id,
        [Ticket.first_response_at == _ts(at)],
        {
            "first_response_at": None,
            "awaiting_reply_since": func.coalesce(Ticket.awaiting_reply_since, Ticket.opened_at),
        },
    )
    return changed


async def withdraw_l2_response(session: AsyncSession, ticket_id: int, *, at: datetime) -> bool:
    """Undo second line's first reply made at `at` that never reached the customer: they wait
    for it still, since the escalation at the latest. False if a later one stands instead."""
    changed, _ = await _conditional_update(
        session,
        ticket_id,
        [Ticket.l2_response_at == _ts(at)],
        {
            "l2_response_at": None,
            "awaiting_reply_since": func.coalesce(Ticket.awaiting_reply_since, Ticket.escalated_at),
        },
    )
    return changed


async def set_ticket_topic(
    session: AsyncSession,
    ticket_id: int,
    *,
    thread_id: int,
    card_message_id: int | None = None,
    agent_chat_id: int | None = None,
) -> Ticket | None:
    """Remember the forum topic (and card message) that belongs to a ticket."""
    values: dict[str, Any] = {"thread_id": thread_id, "card_message_id": card_message_id}
    if agent_chat_id is not None:
        values["agent_chat_id"] = agent_chat_id
    _, ticket = await _conditional_update(session, ticket_id, [], values)
    return ticket


async def set_card_message(
    session: AsyncSession, ticket_id: int, *, card_message_id: int
) -> Ticket | None:
    """Remember the message that shows the ticket's card."""
    _, ticket = await _conditional_update(
        session, ticket_id, [], {"card_message_id": card_message_id}
    )
    return ticket


async def set_customer_blocked(
    session: AsyncSession, ticket_id: int, *, blocked: bool = True
) -> Ticket | None:
    """Flag that the customer blocked the bot (relays to them fail with 403)."""
    _, ticket = await _conditional_update(session, ticket_id, [], {"customer_blocked": blocked})
    return ticket


async def ticket_by_thread(
    session: AsyncSession, *, agent_chat_id: int, thread_id: int
) -> Ticket | None:
    """Return the ticket whose topic this is (the newest, should a topic id repeat)."""
    result = await session.scalars(
        select(Ticket)
        .where(Ticket.agent_chat_id == agent_chat_id, Ticket.thread_id == thread_id)
        .order_by(Ticket.id.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    )
    return result.first()


async def list_open_tickets(
    session: AsyncSession,
    *,
    agent_chat_id: int | None = None,
    limit: int | None = None,
    left_chat_id: int | None = None,
) -> list[Ticket]:
    """Return tickets not closed: those waiting longest for an agent first, then by number
    (`left_chat_id`: only those that left that agents' group for the L2 group's)."""
    stmt = (
        select(Ticket)
        .where(Ticket.status != "closed", *_open_where(agent_chat_id, left_chat_id))
        .order_by(
            Ticket.awaiting_reply_since.is_(None),
            Ticket.awaiting_reply_since,
            Ticket.id,
        )
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(await session.scalars(stmt))


async def list_topicless_tickets(
    session: AsyncSession, *, agent_chat_ids: Collection[int], limit: int
) -> list[Ticket]:
    """Return tickets not closed that have no topic in their agents' group (one of
    `agent_chat_ids`), oldest first: opened while the bot could not make topics there (its
    topic refused), or moved there from a former desk group. Not one whose topic is still
    being made: a restart replays its hand-off, and a second maker would post twice."""
    given_up = select(TicketEvent.id).where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.kind.in_(("topic_failed", "desk_moved")),
    )
    stmt = (
        select(Ticket)
        .where(
            Ticket.status != "closed",
            Ticket.thread_id.is_(None),
            Ticket.agent_chat_id.in_(agent_chat_ids),
            given_up.exists(),
        )
        .order_by(Ticket.id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def count_open_tickets(
    session: AsyncSession, *, agent_chat_id: int | None = None, left_chat_id: int | None = None
) -> int:
    """Return how many tickets are not closed (in one agents' group, if given; that left
    one for the L2 group's, with `left_chat_id`)."""
    stmt = (
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.status != "closed", *_open_where(agent_chat_id, left_chat_id))
    )
    return int(await session.scalar(stmt) or 0)


async def has_served(session: AsyncSession, agent_chat_id: int) -> bool:
    """Whether any ticket, open or closed, was handed to agents' group `agent_chat_id`."""
    stmt = select(Ticket.id).where(Ticket.agent_chat_id == agent_chat_id).limit(1)
    return await session.scalar(stmt) is not None


def _open_where(agent_chat_id: int | None, left_chat_id: int | None) -> list[ColumnElement[bool]]:
    """The conditions of list_open_tickets' and count_open_tickets' choices."""
    where: list[ColumnElement[bool]] = []
    if agent_chat_id is not None:
        where.append(Ticket.agent_chat_id == agent_chat_id)
    if left_chat_id is not None:
        # Escalated out of it (handoff.service.escalate keeps where from), and elsewhere now:
        # not one the L2 group refused, which stayed.
        moved = select(TicketEvent.ticket_id).where(
            TicketEvent.kind == "escalated",
            TicketEvent.data["from_chat"].as_string() == str(left_chat_id),
        )
        where += [Ticket.id.in_(moved), Ticket.agent_chat_id != left_chat_id]
    return where


# Events that set a ticket's deadline anew (its warnings and alerts with it), by clock: a
# recount that moves second line's deadline leaves the first response's alert sent.
DEADLINE_MOVES: dict[ResponseClock, tuple[str, ...]] = {
    "first": ("tier_changed", "deadline_moved"),
    "l2": ("tier_changed", "l2_deadline_moved"),
}


def _owed(
    clock: ResponseClock,
) -> tuple[InstrumentedAttribute[datetime | None], list[ColumnElement[bool]]]:
    """The deadline column of a response clock, and what makes its response still owed: the
    first response until one is made; then, on an escalated ticket, second line's reply
    (handoff.sla.current_deadline)."""
    if clock == "first":
        return Ticket.first_response_due, [Ticket.first_response_at.is_(None)]
    return Ticket.l2_response_due, [
        Ticket.first_response_at.is_not(None),
        Ticket.l2_response_at.is_(None),
    ]


async def list_overdue_tickets(
    session: AsyncSession,
    *,
    now: datetime,
    without_event: str | None = None,
    clock: ResponseClock = "first",
) -> list[Ticket]:
    """Return open tickets past their first-response deadline with no response yet (`clock`
    "l2": escalated ones past second line's deadline with no reply from it since) (and, with
    `without_event`, no event of that kind since the deadline was last set: those not yet
    alerted about this deadline, say; a /tier change or a new calendar sets another). A
    customer who blocked the bot can get no response: theirs wait until they come back."""
    due, owed = _owed(clock)
    stmt = (
        select(Ticket)
        .where(
            Ticket.status != "closed",
            Ticket.customer_blocked.is_(False),
            *owed,
            due.is_not(None),
            due <= now,
        )
        .order_by(due, Ticket.id)
    )
    if without_event is not None:
        moved = aliased(TicketEvent)
        deadline_set = (
            select(func.max(moved.created_at))
            .where(moved.ticket_id == Ticket.id, moved.kind.in_(DEADLINE_MOVES[clock]))
            .scalar_subquery()
        )
        marked = select(TicketEvent.id).where(
            TicketEvent.ticket_id == Ticket.id,
            TicketEvent.kind == without_event,
            TicketEvent.created_at >= func.coalesce(deadline_set, Ticket.opened_at),
        )
        stmt = stmt.where(~marked.exists())
    return list(await session.scalars(stmt))


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """The customer's tickets opened before one of theirs: how many, and the latest."""

    count: int
    previous: Ticket | None


async def customer_history(session: AsyncSession, ticket: Ticket) -> CustomerHistory:
    """Return the tickets `ticket`'s customer opened before it."""
    if ticket.previous_ticket_id is None:
        return CustomerHistory(0, None)
    previous = await session.get(Ticket, ticket.previous_ticket_id)
    count = await session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.customer_id == ticket.customer_id, Ticket.id < ticket.id)
    )
    return CustomerHistory(count or 0, previous)


@dataclass(frozen=True, slots=True)
class WaitingTicket:
    """A ticket waiting for its customer: since when, and whether they were reminded since."""

    ticket: Ticket
    since: datetime
    reminded: bool


async def list_waiting_tickets(
    session: AsyncSession, *, reminder_event: str
) -> list[WaitingTicket]:
    """Return the tickets waiting for their customer, longest waiting first.

    They wait since their latest "waiting" event; `reminder_event` after it means the
    customer was reminded during this wait (an earlier wait's reminder does not count).
    """

    def latest(kind: str) -> Any:
        # The ticket's last event of the kind, by id, as its audit trail lists them: with no
        # statistics, SQLite took max(created_at) from the index by kind and time, reading
        # every event of the kind the desk ever logged, for each ticket, every minute.
        return (
            select(TicketEvent.created_at)
            .where(TicketEvent.ticket_id == Ticket.id, TicketEvent.kind == kind)
            .order_by(TicketEvent.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    rows = await session.execute(
        select(Ticket, latest("waiting"), latest(reminder_event)).where(Ticket.status == "waiting")
    )
    found: list[WaitingTicket] = []
    for ticket, since, reminded_at in rows.tuples():
        # A waiting ticket always has its event; the fallback keeps an odd row from stalling.
        start = since or ticket.last_agent_at or ticket.opened_at
        reminded = reminded_at is not None and reminded_at >= start
        found.append(WaitingTicket(ticket, start, reminded))
    return sorted(found, key=lambda w: (w.since, w.ticket.id))


async def move_agent_chat(session: AsyncSession, *, old_chat_id: int, new_chat_id: int) -> int:
    """Point tickets and links at the agents' chat's new id (group became a supergroup)."""
    moved = await session.execute(
        update(Ticket)
        .where(Ticket.agent_chat_id == old_chat_id)
        .values(agent_chat_id=new_chat_id)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    count = len(moved.all())
    await session.execute(
        update(MessageLink)
        .where(MessageLink.agent_chat_id == old_chat_id)
        .values(agent_chat_id=new_chat_id)
        .execution_options(synchronize_session=False)
    )
    return count


async def open_tickets_elsewhere(
    session: AsyncSession, *, desk_chat_ids: Collection[int]
) -> dict[int, int]:
    """How many tickets not closed are in each group that is none of `desk_chat_ids`
    (AGENT_CHAT_ID or L2_CHAT_ID pointed at another group since)."""
    counted = await session.execute(
        select(Ticket.agent_chat_id, func.count())
        .where(Ticket.status != "closed", Ticket.agent_chat_id.not_in(desk_chat_ids))
        .group_by(Ticket.agent_chat_id)
    )
    return {int(chat): int(count) for chat, count in counted.tuples()}


async def take_in_tickets(
    session: AsyncSession, *, from_chat_ids: Collection[int], to_chat_id: int
) -> dict[int, int]:
    """Move the tickets not closed of groups `from_chat_ids` to `to_chat_id`, without a topic
    or a card there yet; return the group each came from, by ticket id.

    Two instances starting together may both try: the move is conditional, so a ticket that
    moved meanwhile (and may have its new topic already) is left alone and not returned."""
    stranded = await session.execute(
        select(Ticket.id, Ticket.agent_chat_id).where(
            Ticket.status != "closed", Ticket.agent_chat_id.in_(from_chat_ids)
        )
    )
    came_from = {int(row.id): int(row.agent_chat_id) for row in stranded}
    if not came_from:
        return {}
    moved = await session.scalars(
        update(Ticket)
        .where(
            Ticket.id.in_(came_from),
            Ticket.status != "closed",
            Ticket.agent_chat_id.in_(from_chat_ids),
        )
        .values(agent_chat_id=to_chat_id, thread_id=None, card_message_id=None)
        .returning(Ticket.id)
        .execution_options(synchronize_session=False)
    )
    return {ticket_id: came_from[ticket_id] for ticket_id in moved}


async def add_ticket_event(
    session: AsyncSession,
    *,
    ticket_id: int,
    kind: str,
    actor_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    """Append an entry to the ticket's audit trail."""
    event = TicketEvent(
        ticket_id=ticket_id,
        kind=kind,
        actor_id=actor_id,
        data=dict(data or {}),
        created_at=at or utcnow(),
    )
    session.add(event)
    await session.flush()
    return event


async def ticket_moved_from(
    session: AsyncSession, *, agent_chat_id: int, thread_id: int
) -> Ticket | None:
    """The ticket that left this topic for the L2 group's (handoff.service.escalate)."""
    stmt = (
        select(Ticket)
        .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
        .where(
            TicketEvent.kind == "escalated",
            TicketEvent.data["from_chat"].as_string() == str(agent_chat_id),
            TicketEvent.data["from_thread"].as_string() == str(thread_id),
        )
        .order_by(TicketEvent.id.desc())
        .limit(1)
    )
    return (await session.scalars(stmt)).first()


async def ticket_events(
    session: AsyncSession, *, ticket_id: int, kind: str | None = None
) -> list[TicketEvent]:
    """Return the ticket's audit trail (its events of one kind, if given), oldest first."""
    stmt = select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
    if kind is not None:
        stmt = stmt.where(TicketEvent.kind == kind)
    return list(await session.scalars(stmt.order_by(TicketEvent.id)))


# The audit-trail entry of an article an agent sent to the customer: data {"article_id": id}.
ARTICLE_SENT = "article_sent"


async def articles_sent_since(
    session: AsyncSession, *, since: datetime, until: datetime | None = None
) -> list[tuple[TicketEvent, str, int]]:
    """Every article agents sent to customers from `since` on (and before `until`), oldest
    first, with its ticket's question (which the article answered) and customer. Only those
    columns of the ticket: `python -m kb gaps` reads the log of a bot not yet started on a
    newer release (its tickets lack the columns added since)."""
    stmt = (
        select(TicketEvent, Ticket.question, Ticket.customer_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.kind == ARTICLE_SENT, TicketEvent.created_at >= since)
        .order_by(TicketEvent.id)
    )
    if until is not None:
        stmt = stmt.where(TicketEvent.created_at < until)
    rows = (await session.execute(stmt)).all()
    return [(event, question, customer_id) for event, question, customer_id in rows]
