"""Ticket lifecycle operations: repositories combined in the caller's unit of work.

Every function takes the session explicitly, never commits (the caller wraps one
update in `async with sessions.begin() as session`) and writes a TicketEvent for
each change it makes, so the events table is the audit trail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handoff import lifecycle
from handoff.hours import SupportCalendar
from handoff.sla import first_response_due, l2_response_due, read_tier
from storage import repositories as repo
from storage.models import (
    Customer,
    HandoffReason,
    LinkDirection,
    Priority,
    ResponseClock,
    Ticket,
    TicketEvent,
    TicketStatus,
    Tier,
)
from storage.repositories import ClaimResult, HitLike, RateOutcome, TransitionResult
from storage.timestamps import utcnow

ERROR_TEXT_MAX = 500
# The most of an undelivered reply's words its event keeps (a message holds 4096).
UNDELIVERED_TEXT_MAX = 4096
# The audit-trail entry of second line's first reply to an escalated ticket.
L2_RESPONSE_EVENT = "l2_response"


async def open_ticket(
    session: AsyncSession,
    *,
    customer: Customer,
    question: str,
    reason: HandoffReason,
    tried: Iterable[HitLike],
    agent_chat_id: int,
    opening_update_id: int | None = None,
    priority: Priority = "normal",
    now: datetime | None = None,
    calendar: SupportCalendar | None = None,
) -> tuple[Ticket, bool]:
    """Open a ticket for the customer, or return the one already open; (ticket, created).
    The first response is due on `calendar`'s open hours (None: around the clock)."""
    now = now or utcnow()
    ticket, created = await repo.create_ticket(
        session,
        customer_id=customer.id,
        question=question,
        reason=reason,
        tried=tried,
        agent_chat_id=agent_chat_id,
        priority=priority,
        opening_update_id=opening_update_id,
        first_response_due=first_response_due(customer.tier, now, calendar),
        opened_at=now,
    )
    if created:
        await repo.add_ticket_event(
            session,
            ticket_id=ticket.id,
            kind="opened",
            actor_id=customer.id,
            data={"reason": reason, "tier": customer.tier, "priority": priority},
            at=now,
        )
    return ticket, created


async def change_tier(
    session: AsyncSession,
    *,
    ticket: Ticket,
    tier: Tier,
    priority: Priority,
    actor_id: int,
    calendar: SupportCalendar | None = None,
    now: datetime | None = None,
) -> Tier | None:
    """Put the ticket's customer on `tier` (their contract, for this ticket and the next ones)
    and count this ticket's deadlines still running on it (the first response's until one is
    made, second line's until it replies); return the tier they had, or None when they already
    had this one."""
    customer = await repo.get_customer(session, ticket.customer_id)
    before: Tier = customer.tier if customer is not None else "standard"
    if before == tier:
        return None
    await repo.set_customer_tier(session, user_id=ticket.customer_id, tier=tier)
    ticket.priority = priority
    changed_at = now or utcnow()
    replaced = {  # the deadlines it replaced, for the audit trail
        f"{clock}_before": due.isoformat()
        for clock, due in (("first", ticket.first_response_due), ("l2", ticket.l2_response_due))
        if due is not None
    }
    if ticket.first_response_at is None:
        # Once made, the first response was met or late by the deadline it had: a customer
        # made standard after a VIP reply came late must not turn that breach into «in time».
        ticket.first_response_due = due_on_new_tier(
            tier,
            ticket.opened_at,
            calendar,
            changed_at=changed_at,
            before=ticket.first_response_due,
        )
    if ticket.escalated_at is not None and ticket.l2_response_at is None:
        ticket.l2_response_due = due_on_new_tier(
            tier,
            ticket.escalated_at,
            calendar,
            changed_at=changed_at,
            before=ticket.l2_response_due,
            clock="l2",
        )
    await repo.add_ticket_event(
        session,
        ticket_id=ticket.id,
        kind="tier_changed",
        actor_id=actor_id,
        data={"from": before, "to": tier} | replaced,
        at=changed_at,  # the moment the recount at a start counts from (_recounted)
    )
    return before


def due_on_new_tier(
    tier: Tier,
    opened_at: datetime,
    calendar: SupportCalendar | None,
    *,
    changed_at: datetime,
    before: datetime | None,
    clock: ResponseClock = "first",
) -> datetime:
    """The first-response deadline of a ticket whose customer was put on `tier` at
    `changed_at`: counted from its opening, unless that had passed by the change (a ticket
    opened Thursday, made VIP on Saturday, was due Thursday and overdue at once: a breach of
    a deadline it never had); then from the change, and never later than the deadline it had
    (`before`: a tier raised makes nobody wait longer). `clock` "l2": second line's deadline,
    counted the same way from the escalation (`opened_at`: when it was escalated)."""
    due_from = first_response_due if clock == "first" else l2_response_due
    due = due_from(tier, opened_at, calendar)
    if due >= changed_at:
        return due
    from_change = due_from(tier, changed_at, calendar)
    return min(from_change, before) if before is not None else from_change


async def recount_deadlines(
    session: AsyncSession, calendar: SupportCalendar | None, *, now: datetime | None = None
) -> list[tuple[Ticket, ResponseClock, datetime | None]]:
    """Count the deadlines of open tickets not yet answered again on `calendar` (a holiday
    declared since they opened moves them, as it moves new tickets'): the first response's,
    and second line's on escalated tickets it has not answered yet (given one if they were
    escalated before it was kept); return each ticket whose deadline moved, with which one
    and the deadline it had."""
    moved: list[tuple[Ticket, ResponseClock, datetime | None]] = []
    for ticket in await repo.list_open_tickets(session):
        clocks: list[ResponseClock] = []
        if ticket.first_response_at is None and ticket.first_response_due is not None:
            clocks.append("first")
        if ticket.escalated_at is not None and ticket.l2_response_at is None:
            clocks.append("l2")
        if not clocks:
            continue
        customer = await repo.get_customer(session, ticket.customer_id)
        tier: Tier = customer.tier if customer is not None else "standard"
        for clock in clocks:
            before = ticket.first_response_due if clock == "first" else ticket.l2_response_due
            counted_from: datetime | None = None
            if clock == "l2" and before is None and ticket.escalated_at is not None:
                # Escalated before second line's deadline was kept (migration 0010): counted
                # from now, not from an escalation days ago (overdue the moment it starts),
                # and from then at every later start (kept in the event).
                counted_from = max(ticket.escalated_at, now or utcnow())
                due = l2_response_due(tier, counted_from, calendar)
            else:
                due = await _recounted(session, ticket, tier, clock, calendar)
            if due == before:
                continue
            if clock == "first":
                ticket.first_response_due = due
            else:
                ticket.l2_response_due = due
            moved.append((ticket, clock, before))
            await _deadline_moved(session, ticket, clock, before, due, counted_from)
    return moved


# The data key of an l2_deadline_moved event that says when second line's clock started, if
# not at the escalation (recount_deadlines).
COUNTED_FROM = "counted_from"


async def _recounted(
    session: AsyncSession,
    ticket: Ticket,
    tier: Tier,
    clock: ResponseClock,
    calendar: SupportCalendar | None,
) -> datetime:
    """One of the ticket's deadlines counted on `calendar`: from its opening (`clock`
    "first") or its escalation ("l2"), as when its tier was changed (change_tier)."""
    start = ticket.opened_at if clock == "first" else await _l2_clock_start(session, ticket)
    if start is None:
        raise ValueError(f"ticket {ticket.id} has no start for its {clock} clock")
    due_from = first_response_due if clock == "first" else l2_response_due
    changes = await repo.ticket_events(session, ticket_id=ticket.id, kind="tier_changed")
    if not changes:
        return due_from(tier, start, calendar)
    # Every change made again, in turn, on `calendar`: the deadline each one replaced is
    # counted on it too. The one kept in the event was counted on the calendar of its day,
    # and a holiday declared since left the ticket due on that holiday.
    due = due_from(read_tier(str(changes[0].data.get("from"))) or "standard", start, calendar)
    for change in changes[:-1]:
        made = read_tier(str(change.data.get("to"))) or "standard"
        due = due_on_new_tier(
            made, start, calendar, changed_at=change.created_at, before=due, clock=clock
        )
    # The last one puts the ticket on the customer's tier now (a change on another of their
    # tickets since included).
    return due_on_new_tier(
        tier, start, calendar, changed_at=changes[-1].created_at, before=due, clock=clock
    )


async def _l2_clock_start(session: AsyncSession, ticket: Ticket) -> datetime | None:
    """When second line's clock started: at the escalation, or later for a ticket escalated
    before its deadline was kept (recount_deadlines)."""
    moves = await repo.ticket_events(session, ticket_id=ticket.id, kind="l2_deadline_moved")
    started = [m.data[COUNTED_FROM] for m in moves if m.data.get(COUNTED_FROM)]
    return datetime.fromisoformat(started[-1]) if started else ticket.escalated_at


async def _deadline_moved(
    session: AsyncSession,
    ticket: Ticket,
    clock: ResponseClock,
    before: datetime | None,
    due: datetime,
    counted_from: datetime | None = None,
) -> None:
    # Its warning and overdue alert are about the new deadline now (repo.DEADLINE_MOVES);
    # the other clock's stay as they were.
    data: dict[str, Any] = {"from": before.isoformat() if before else None, "to": due.isoformat()}
    if counted_from is not None:
        data[COUNTED_FROM] = counted_from.isoformat()
    kind = "deadline_moved" if clock == "first" else "l2_deadline_moved"
    await repo.add_ticket_event(session, ticket_id=ticket.id, kind=kind, actor_id=None, data=data)


async def start_l2_clock(
    session: AsyncSession, *, ticket: Ticket, calendar: SupportCalendar | None
) -> datetime | None:
    """Give a ticket just escalated its second-line deadline: the tier's response time from
    the escalation, on `calendar`'s open hours (None: around the clock); return it (None if
    the ticket is not escalated, or was answered or closed meanwhile)."""
    if ticket.escalated_at is None:
        return None
    customer = await repo.get_customer(session, ticket.customer_id)
    tier: Tier = customer.tier if customer is not None else "standard"
    due = l2_response_due(tier, ticket.escalated_at, calendar)
    if not await repo.set_l2_response_due(session, ticket.id, due=due):
        return None
    return due


async def claim(
    session: AsyncSession,
    *,
    ticket_id: int,
    agent_id: int,
    agent_name: str,
    now: datetime | None = None,
) -> ClaimResult:
    """Let one agent take the ticket; losers learn who holds it from the result."""
    result = await repo.claim_ticket(
        session, ticket_id, agent_id, agent_name, from_statuses=lifecycle.sources("claim")
    )
    if result.won:
        await repo.add_ticket_event(
            session,
            ticket_id=ticket_id,
            kind="claimed",
            actor_id=agent_id,
            data={"agent_name": agent_name},
            at=now,
        )
    return result


async def take_over(
    session: AsyncSession,
    *,
    ticket: Ticket,
    agent_id: int,
    agent_name: str,
    now: datetime | None = None,
) -> bool:
    """Give a ticket another agent holds to `agent_id` (the holder is away, say); the event
    names whom it was taken from. False if the ticket changed meanwhile."""
    holder_id, holder_name = ticket.claimed_by, ticket.claimed_by_name
    if holder_id is None or holder_id == agent_id:
        return False
    taken = await repo.take_over_ticket(
        session, ticket.id, agent_id, agent_name, holder_id=holder_id
    )
    if taken:
        await repo.add_ticket_event(
            session,
            ticket_id=ticket.id,
            kind="taken_over",
            actor_id=agent_id,
            data={"agent_name": agent_name, "from_id": holder_id, "from_name": holder_name},
            at=now,
        )
    return taken


async def escalate(
    session: AsyncSession,
    *,
    ticket_id: int,
    actor_id: int,
    actor_name: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
    moved_from: tuple[int, int] | None = None,
) -> TransitionResult:
    """Hand the ticket to second-line experts (level 2, unclaimed); `actor_name` and `note`
    (why, in the escalating agent's words) are logged for the L2 card; `moved_from`: the
    (chat, topic) it leaves for the L2 group's, kept so that what is written there later
    can be told where the ticket went. The customer waits for second line from now;
    start_l2_clock gives the ticket its deadline."""
    now = now or utcnow()
    result = await repo.escalate_ticket(
        session, ticket_id, now=now, from_statuses=lifecycle.sources("escalate")
    )
    if result.ok:
        data: dict[str, Any] = {"note": note} if note else {}
        if actor_name:
            data["agent_name"] = actor_name
        if moved_from is not None:  # as text: JSON's numbers read alike on every database
            data |= {"from_chat": str(moved_from[0]), "from_thread": str(moved_from[1])}
        await repo.add_ticket_event(
            session, ticket_id=ticket_id, kind="escalated", actor_id=actor_id, data=data, at=now
        )
    return result


async def set_waiting(
    session: AsyncSession, *, ticket_id: int, actor_id: int, now: datetime | None = None
) -> TransitionResult:
    """Mark a claimed ticket as waiting for the customer: the ball is in their court, so no
    wait of theirs is counted until they write again."""
    result = await repo.set_ticket_status(
        session,
        ticket_id,
        from_statuses=lifecycle.sources("wait"),
        to_status=lifecycle.target("wait"),
    )
    if result.ok and result.ticket is not None:
        result.ticket.awaiting_reply_since = None
        await repo.add_ticket_event(
            session, ticket_id=ticket_id, kind="waiting", actor_id=actor_id, at=now
        )
    return result


async def close(
    session: AsyncSession,
    *,
    ticket_id: int,
    actor_id: int | None,
    actor_name: str | None = None,
    now: datetime | None = None,
    reason: str | None = None,
    from_statuses: Collection[TicketStatus] | None = None,
) -> TransitionResult:
    """Close the ticket once; a second close (another agent, a retry) changes nothing.

    `actor_name`, the closing agent's name, is logged with the event (the report credits a
    ticket nobody held to who closed it); `reason` when no agent closed it (the customer fell
    silent); `from_statuses` narrows the statuses it may be closed from (by default every
    open one).
    """
    now = now or utcnow()
    result = await repo.close_ticket(
        session,
        ticket_id,
        closed_by=actor_id,
        now=now,
        from_statuses=from_statuses or lifecycle.sources("close"),
    )
    if result.ok:
        data: dict[str, Any] = {"agent_name": actor_name} if actor_name else {}
        if reason:
            data["reason"] = reason
        await repo.add_ticket_event(
            session, ticket_id=ticket_id, kind="closed", actor_id=actor_id, data=data, at=now
        )
    return result


async def rate(
    session: AsyncSession,
    *,
    ticket_id: int,
    customer_id: int,
    rating: int,
    comment: str | None = None,
    now: datetime | None = None,
) -> tuple[RateOutcome, Ticket | None]:
    """Record the customer's 1..5 rating of their closed ticket, once (ValueError otherwise)."""
    outcome, ticket = await repo.rate_ticket(
        session, ticket_id, rating=rating, comment=comment, customer_id=customer_id
    )
    if outcome == "rated":
        await repo.add_ticket_event(
            session,
            ticket_id=ticket_id,
            kind="rated",
            actor_id=customer_id,
            data={"rating": rating},
            at=now,
        )
    return outcome, ticket


@dataclass(frozen=True, slots=True)
class CustomerWrote:
    """What a customer's message changed on their ticket (its card is redrawn if anything)."""

    ticket: Ticket | None
    resumed: bool = False  # it waited for them, and is the agent's turn again
    unblocked: bool = False  # it was flagged as blocked by them: they evidently let us write

    @property
    def changed(self) -> bool:
        return self.resumed or self.unblocked


async def customer_message(
    session: AsyncSession, *, ticket_id: int, at: datetime | None = None
) -> CustomerWrote:
    """Note a customer message on the ticket: a ticket waiting for them becomes active again,
    and one flagged as blocked by them is not any more."""
    at = at or utcnow()
    ticket = await repo.touch_customer(session, ticket_id, at=at)
    if ticket is None:
        return CustomerWrote(None)
    unblocked = ticket.customer_blocked
    if unblocked:
        ticket = await customer_unblocked(session, ticket_id=ticket.id, now=at) or ticket
    if ticket.status != "waiting":
        return CustomerWrote(ticket, unblocked=unblocked)
    return CustomerWrote(await resume(session, ticket=ticket, at=at), True, unblocked)


async def resume(session: AsyncSession, *, ticket: Ticket, at: datetime | None = None) -> Ticket:
    """Make a ticket that waited for the customer active again (they wrote); return it."""
    result = await repo.set_ticket_status(
        session,
        ticket.id,
        from_statuses=lifecycle.sources("resume"),
        to_status=lifecycle.target("resume"),
    )
    if not result.ok or result.ticket is None:
        return ticket
    await repo.add_ticket_event(
        session, ticket_id=ticket.id, kind="resumed", actor_id=ticket.customer_id, at=at
    )
    return result.ticket


async def agent_message(
    session: AsyncSession,
    *,
    ticket_id: int,
    agent_id: int,
    at: datetime | None = None,
    message_id: int | None = None,
) -> Ticket | None:
    """Note an agent message relayed to the customer; the first one, and second line's first
    on an escalated ticket, are logged for the SLA (with `message_id`, the agents' message:
    relay_failed withdraws it if it never arrives)."""
    at = at or utcnow()
    before = await repo.get_ticket(session, ticket_id)
    if before is None:
        return None
    first, first_l2 = before.first_response_at is None, before.l2_response_at is None
    ticket = await repo.touch_agent(session, ticket_id, at=at)
    if ticket is None:
        return None
    sent = {"message_id": message_id} if message_id is not None else {}
    if first and ticket.first_response_at == at:
        due = ticket.first_response_due
        await repo.add_ticket_event(
            session,
            ticket_id=ticket_id,
            kind="first_response",
            actor_id=agent_id,
            data={"within_sla": due is None or at <= due} | sent,
            at=at,
        )
    if first_l2 and ticket.l2_response_at == at:
        due = ticket.l2_response_due
        await repo.add_ticket_event(
            session,
            ticket_id=ticket_id,
            kind=L2_RESPONSE_EVENT,
            actor_id=agent_id,
            data={"within_sla": due is None or at <= due} | sent,
            at=at,
        )
    return ticket


# An edit mirrored across (the customer's in the topic, an agent's to the customer): the log
# keeps each wording (the conversation's file shows them).
MESSAGE_EDITED = "message_edited"


async def message_edited(
    session: AsyncSession,
    *,
    ticket_id: int,
    direction: LinkDirection,
    message_id: int,
    text: str,
    actor_id: int | None = None,
    agent_name: str | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """Log an edit mirrored across: whose side (`direction`: the customer's to the agents,
    an agent's to the customer), which message (in its writer's chat), its words now, and
    an agent's name (the conversation's file names them)."""
    data: dict[str, Any] = {
        "direction": direction,
        "message_id": message_id,
        "text": text[:UNDELIVERED_TEXT_MAX],
    }
    if agent_name:
        data["agent_name"] = agent_name
    return await repo.add_ticket_event(
        session, ticket_id=ticket_id, kind=MESSAGE_EDITED, actor_id=actor_id, data=data, at=now
    )


async def add_note(
    session: AsyncSession,
    *,
    ticket_id: int,
    actor_id: int,
    text: str,
    agent_name: str | None = None,
    media_group_id: str | None = None,
    kept_in: tuple[int, int] | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """Keep an internal note (never sent to the customer) in the audit trail, with its
    writer's name (an L2 topic shows whose it is); a photo or file captioned as a note keeps
    its album's id, so the album's other items stay too, and where it is (`kept_in`: the
    agents' chat and the message), so a new topic's history can copy the file with it."""
    data: dict[str, Any] = {"text": text}
    if agent_name:
        data["agent_name"] = agent_name
    if media_group_id is not None:
        data["media_group_id"] = media_group_id
    if kept_in is not None:
        data["chat_id"], data["message_ids"] = kept_in[0], [kept_in[1]]
    return await repo.add_ticket_event(
        session, ticket_id=ticket_id, kind="note", actor_id=actor_id, data=data, at=now
    )


async def add_note_item(session: AsyncSession, *, note: TicketEvent, message_id: int) -> None:
    """Keep another item of a note's album with it (an album arrives one item at a time),
    in order, once; a note kept before its messages were (no ids) stays words alone."""
    kept = note.data.get("message_ids")
    if not isinstance(kept, list) or message_id in kept:
        return
    note.data = {**note.data, "message_ids": sorted([*kept, message_id])}  # a new value: saved
    await session.flush()


async def attach_topic(
    session: AsyncSession,
    *,
    ticket_id: int,
    thread_id: int,
    card_message_id: int | None = None,
    agent_chat_id: int | None = None,
    recreated: bool = False,
    now: datetime | None = None,
) -> Ticket | None:
    """Store the ticket's forum topic; a replacement topic is logged as "topic_recreated"."""
    ticket = await repo.set_ticket_topic(
        session,
        ticket_id,
        thread_id=thread_id,
        card_message_id=card_message_id,
        agent_chat_id=agent_chat_id,
    )
    if ticket is not None and recreated:
        await repo.add_ticket_event(
            session,
            ticket_id=ticket_id,
            kind="topic_recreated",
            data={"thread_id": thread_id},
            at=now,
        )
    return ticket


@dataclass(frozen=True, slots=True)
class Undelivered:
    """An agent's reply that never reached the customer, for the history a new topic gets
    (copied from the customer's chat, it has no such message): who wrote it, its words, and
    where it is (the agents' chat, its message ids: an album's, in order), to copy it from
    there when it is more than words (`media`: a photo, a file)."""

    agent_id: int | None
    chat_id: int
    message_ids: tuple[int, ...]
    text: str | None
    media: bool


async def relay_failed(
    session: AsyncSession,
    *,
    ticket_id: int,
    direction: LinkDirection,
    error: str,
    message_id: int | None = None,
    reply: Undelivered | None = None,
    now: datetime | None = None,
) -> TicketEvent:
    """Log a message that could not be delivered (the bot reports it in the topic), and
    `reply`, what of an agent's it was. An agent's message that counted as the first
    response no longer does: the customer still waits."""
    data: dict[str, Any] = {"direction": direction, "error": error[:ERROR_TEXT_MAX]}
    if message_id is not None:
        data["message_id"] = message_id
    if reply is not None:
        data["chat_id"], data["message_ids"] = reply.chat_id, list(reply.message_ids)
        data["text"], data["media"] = (reply.text or "")[:UNDELIVERED_TEXT_MAX], reply.media
    if direction == "to_customer" and message_id is not None:
        for kind, withdraw in (
            ("first_response", repo.withdraw_first_response),
            (L2_RESPONSE_EVENT, repo.withdraw_l2_response),
        ):
            await _withdraw(session, ticket_id, message_id, now, kind, withdraw)
    actor = reply.agent_id if reply is not None else None
    return await repo.add_ticket_event(
        session, ticket_id=ticket_id, kind="relay_failed", actor_id=actor, data=data, at=now
    )


async def _withdraw(
    session: AsyncSession,
    ticket_id: int,
    message_id: int,
    now: datetime | None,
    kind: str,
    withdraw: Callable[..., Awaitable[bool]],
) -> None:
    """Undo the reply the latest `kind` event counted, if it was the message `message_id`
    (one that never reached the customer), and log «<kind>_withdrawn»."""
    made = await repo.ticket_events(session, ticket_id=ticket_id, kind=kind)
    if not made or made[-1].data.get("message_id") != message_id:
        return
    if await withdraw(session, ticket_id, at=made[-1].created_at):
        await repo.add_ticket_event(
            session,
            ticket_id=ticket_id,
            kind=f"{kind}_withdrawn",
            data={"message_id": message_id},
            at=now,
        )


async def customer_blocked(
    session: AsyncSession,
    *,
    ticket_id: int,
    now: datetime | None = None,
    deactivated: bool = False,
) -> Ticket | None:
    """Flag that the customer blocked the bot (or, `deactivated`, deleted their account: it
    never comes back), once, with an audit entry."""
    before = await repo.get_ticket(session, ticket_id)
    if before is None or before.customer_blocked:
        return before
    ticket = await repo.set_customer_blocked(session, ticket_id, blocked=True)
    data = {"deactivated": True} if deactivated else None
    await repo.add_ticket_event(
        session, ticket_id=ticket_id, kind="customer_blocked", at=now, data=data
    )
    return ticket


async def customer_deactivated(session: AsyncSession, ticket: Ticket) -> bool:
    """Whether what keeps messages from the ticket's customer is a deleted account."""
    if not ticket.customer_blocked:
        return False
    events = await repo.ticket_events(session, ticket_id=ticket.id, kind="customer_blocked")
    return bool(events and events[-1].data.get("deactivated"))


async def customer_unblocked(
    session: AsyncSession, *, ticket_id: int, now: datetime | None = None
) -> Ticket | None:
    """Clear the blocked flag (the customer let the bot write again), once, with an audit
    entry; agents' messages reach them again."""
    before = await repo.get_ticket(session, ticket_id)
    if before is None or not before.customer_blocked:
        return before
    ticket = await repo.set_customer_blocked(session, ticket_id, blocked=False)
    await repo.add_ticket_event(session, ticket_id=ticket_id, kind="customer_unblocked", at=now)
    return ticket
