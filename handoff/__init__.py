"""Ticket lifecycle on top of storage: rules, SLA, topic names, cards, operations.

Plain Python (no `telegram` import). Public API:

handoff.service (async; session first, keyword-only args; never commits; each change
writes a TicketEvent):
    open_ticket(session, *, customer, question, reason, tried, agent_chat_id,
                opening_update_id=None, priority="normal", now=None, calendar=None)
        -> tuple[Ticket, bool]
    claim(session, *, ticket_id, agent_id, agent_name, now=None) -> ClaimResult
    escalate(session, *, ticket_id, actor_id, actor_name=None, note=None, now=None,
             moved_from=None) -> TransitionResult
    set_waiting(session, *, ticket_id, actor_id, now=None) -> TransitionResult
    close(session, *, ticket_id, actor_id, actor_name=None, now=None, reason=None,
          from_statuses=None) -> TransitionResult
    rate(session, *, ticket_id, customer_id, rating, comment=None, now=None)
        -> tuple[RateOutcome, Ticket | None]        # ValueError unless 1 <= rating <= 5
    customer_message(session, *, ticket_id, at=None)
        -> CustomerWrote(ticket, resumed, unblocked; .changed)  # waiting -> claimed; unblocked
    resume(session, *, ticket, at=None) -> Ticket                       # waiting -> claimed
    change_tier(session, *, ticket, tier, priority, actor_id, calendar=None, now=None)
        -> Tier | None                                 # the tier before, None if unchanged
    start_l2_clock(session, *, ticket, calendar) -> datetime | None   # after escalate
    recount_deadlines(session, calendar) -> list[(Ticket, clock, deadline before)]
    agent_message(session, *, ticket_id, agent_id, at=None) -> Ticket | None
    add_note(session, *, ticket_id, actor_id, text, agent_name=None, media_group_id=None,
             kept_in=None, now=None) -> TicketEvent
    add_note_item(session, *, note, message_id) -> None   # another item of a note's album
    attach_topic(session, *, ticket_id, thread_id, card_message_id=None, agent_chat_id=None,
                 recreated=False, now=None) -> Ticket | None
    relay_failed(session, *, ticket_id, direction, error, message_id=None, reply=None, now=None)
        -> TicketEvent                    # reply: Undelivered, an agent's reply and its writer
    customer_blocked(session, *, ticket_id, now=None, deactivated=False) -> Ticket | None
    customer_deactivated(session, ticket) -> bool        # blocked for a deleted account
    customer_unblocked(session, *, ticket_id, now=None) -> Ticket | None
handoff.lifecycle: TRANSITIONS, Action, sources(action), target(action), can(action, status),
    allowed_actions(ticket) -> tuple[Action, ...], can_act(ticket, agent_id), can_rate(ticket)
handoff.sla: FIRST_RESPONSE, first_response_due(tier, opened_at, calendar=None) -> datetime,
    L2_RESPONSE, l2_response_due(tier, escalated_at, calendar=None) -> datetime,
    current_deadline(ticket) -> Deadline(clock, due, met_at), pending_deadline(ticket),
    is_overdue(ticket, now), TIER_WORDS, read_tier(word) -> Tier | None
handoff.hours: SupportCalendar(holidays, workdays) (.add, .next_open, .is_holiday,
    .around_the_clock), OPEN_HOURS, official_holidays(year), first_estimated(since),
    parse_holidays(text) -> frozenset[date]
handoff.topics: topic_name(ticket_id, customer_name, question) -> str, ticket_number(id) -> str
handoff.card: render_card(ticket, customer, *, now, history=None, asked_before=(),
    escalation=None, deactivated=False, calendar=None) -> str (Telegram HTML), AskedBefore,
    Escalation
handoff.persian: fa_digits(value) -> str, jalali(dt) -> str, day_and_time(dt) -> str,
    duration(timedelta, *, open_hours=False) -> str,
    percent(score) -> str, round_half_up(value) -> int, clean_inline(text) -> str,
    clean_block(text) -> str, shorten(text, n)
handoff.texts: every Persian string used above.
"""

from handoff.card import render_card
from handoff.lifecycle import allowed_actions, can, can_act, can_rate
from handoff.persian import fa_digits, jalali
from handoff.service import (
    CustomerWrote,
    add_note,
    agent_message,
    attach_topic,
    claim,
    close,
    customer_blocked,
    customer_message,
    customer_unblocked,
    escalate,
    open_ticket,
    rate,
    relay_failed,
    set_waiting,
)
from handoff.sla import first_response_due
from handoff.topics import ticket_number, topic_name

__all__ = [
    "CustomerWrote",
    "add_note",
    "agent_message",
    "allowed_actions",
    "attach_topic",
    "can",
    "can_act",
    "can_rate",
    "claim",
    "close",
    "customer_blocked",
    "customer_message",
    "customer_unblocked",
    "escalate",
    "fa_digits",
    "first_response_due",
    "jalali",
    "open_ticket",
    "rate",
    "relay_failed",
    "render_card",
    "set_waiting",
    "ticket_number",
    "topic_name",
]
