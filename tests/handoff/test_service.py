"""Ticket operations end to end on both databases, with their audit trail."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff import service
from handoff.card import render_card
from handoff.hours import SupportCalendar, parse_holidays
from handoff.persian import TEHRAN
from storage import repositories as repo
from storage.models import Customer, Ticket, Tier
from storage.timestamps import utcnow
from tests.storage.fixtures import Makers
from tests.storage.helpers import AGENT_CHAT, HITS, T0, add_customer

Sessions = async_sessionmaker[AsyncSession]


async def _open(
    sessions: Sessions, customer: Customer, *, update_id: int | None = None
) -> tuple[Ticket, bool]:
    async with sessions.begin() as session:
        return await service.open_ticket(
            session,
            customer=customer,
            question="اینترنت قطع است",
            reason="not_helpful",
            tried=HITS,
            agent_chat_id=AGENT_CHAT,
            opening_update_id=update_id,
            now=T0,
        )


async def _events(sessions: Sessions, ticket_id: int) -> list[tuple[str, int | None]]:
    async with sessions() as session:
        return [
            (e.kind, e.actor_id) for e in await repo.ticket_events(session, ticket_id=ticket_id)
        ]


@pytest.mark.parametrize(
    ("tier", "due"), [("standard", timedelta(hours=4)), ("vip", timedelta(minutes=30))]
)
async def test_opened_ticket_gets_the_tiers_deadline_and_an_opened_event(
    sessions: Sessions, tier: str, due: timedelta
) -> None:
    customer = await add_customer(sessions, 1, tier=tier)  # type: ignore[arg-type]

    ticket, created = await _open(sessions, customer)

    assert created
    assert ticket.first_response_due == T0 + due
    assert await _events(sessions, ticket.id) == [("opened", 1)]


async def test_opening_again_returns_the_open_ticket_without_a_second_event(
    sessions: Sessions, more_sessions: Makers
) -> None:
    customer = await add_customer(sessions, 1)

    results = await asyncio.gather(
        _open(sessions, customer, update_id=1),
        _open(more_sessions(), customer, update_id=2),
        _open(sessions, customer, update_id=1),
    )

    assert [created for _, created in results].count(True) == 1
    assert len({ticket.id for ticket, _ in results}) == 1
    assert await _events(sessions, results[0][0].id) == [("opened", 1)]


async def test_whole_lifecycle_is_recorded_in_the_audit_trail(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    tid = ticket.id

    async with sessions.begin() as session:
        assert (await service.claim(session, ticket_id=tid, agent_id=10, agent_name="سارا")).won
        await service.agent_message(session, ticket_id=tid, agent_id=10, at=T0 + timedelta(hours=1))
        assert (await service.set_waiting(session, ticket_id=tid, actor_id=10)).ok
        at = T0 + timedelta(hours=2)
        wrote = await service.customer_message(session, ticket_id=tid, at=at)
        assert wrote.ticket is not None and wrote.ticket.status == "claimed" and wrote.resumed
        again = await service.customer_message(session, ticket_id=tid, at=at)
        assert not again.resumed and not again.changed  # not waiting any more
        await service.add_note(session, ticket_id=tid, actor_id=10, text="نیاز به بررسی شبکه")
        assert (await service.escalate(session, ticket_id=tid, actor_id=10, note="شبکه")).ok
        assert (await service.claim(session, ticket_id=tid, agent_id=20, agent_name="رضا")).won
        assert (await service.close(session, ticket_id=tid, actor_id=20)).ok
        outcome, rated = await service.rate(session, ticket_id=tid, customer_id=1, rating=5)

    assert outcome == "rated" and rated is not None and rated.rating == 5
    assert await _events(sessions, tid) == [
        ("opened", 1),
        ("claimed", 10),
        ("first_response", 10),
        ("waiting", 10),
        ("resumed", 1),
        ("note", 10),
        ("escalated", 10),
        ("claimed", 20),
        ("closed", 20),
        ("rated", 1),
    ]


async def test_a_customer_who_writes_again_has_unblocked_the_bot(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    async with sessions.begin() as session:
        await service.customer_blocked(session, ticket_id=ticket.id)
        wrote = await service.customer_message(session, ticket_id=ticket.id)
        again = await service.customer_message(session, ticket_id=ticket.id)
    assert wrote.unblocked and wrote.changed and not wrote.resumed
    assert wrote.ticket is not None and not wrote.ticket.customer_blocked
    assert not again.changed  # once
    kinds = [kind for kind, _ in await _events(sessions, ticket.id)]
    assert kinds == ["opened", "customer_blocked", "customer_unblocked"]


async def test_refused_actions_leave_no_event(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    tid = ticket.id

    async with sessions.begin() as session:
        waiting = await service.set_waiting(session, ticket_id=tid, actor_id=10)  # not claimed
        outcome, _ = await service.rate(session, ticket_id=tid, customer_id=1, rating=3)
        await service.close(session, ticket_id=tid, actor_id=10)
        closed_again = await service.close(session, ticket_id=tid, actor_id=11)
        late_claim = await service.claim(session, ticket_id=tid, agent_id=12, agent_name="x")

    assert waiting.outcome == "not_allowed"
    assert outcome == "not_closed"
    assert closed_again.outcome == "not_allowed"
    assert late_claim.outcome == "closed"
    assert await _events(sessions, tid) == [("opened", 1), ("closed", 10)]


async def test_first_response_is_logged_once_with_its_sla_result(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1, tier="vip")
    ticket, _ = await _open(sessions, customer)

    async with sessions.begin() as session:
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=10, at=T0 + timedelta(minutes=45)
        )
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=10, at=T0 + timedelta(minutes=50)
        )
    async with sessions() as session:
        events = await repo.ticket_events(session, ticket_id=ticket.id)

    firsts = [e for e in events if e.kind == "first_response"]
    assert [e.data for e in firsts] == [{"within_sla": False}]


async def test_a_first_response_that_never_arrived_is_withdrawn_not_a_later_one(
    sessions: Sessions,
) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    first, second = T0 + timedelta(minutes=5), T0 + timedelta(minutes=9)

    async with sessions.begin() as session:
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=10, at=first, message_id=7
        )
        await service.relay_failed(
            session, ticket_id=ticket.id, direction="to_customer", error="x", message_id=7
        )
    async with sessions() as session:
        withdrawn = await repo.get_ticket(session, ticket.id)
    async with sessions.begin() as session:
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=10, at=second, message_id=8
        )
        await service.relay_failed(  # an older message failing later takes nothing back
            session, ticket_id=ticket.id, direction="to_customer", error="x", message_id=7
        )
    async with sessions() as session:
        kept = await repo.get_ticket(session, ticket.id)

    assert withdrawn is not None and withdrawn.first_response_at is None
    assert withdrawn.awaiting_reply_since == T0  # waiting since it opened
    assert kept is not None and kept.first_response_at == second


async def _escalated(
    sessions: Sessions, customer: Customer, calendar: SupportCalendar | None = None
) -> Ticket:
    """A ticket first line answered five minutes after it opened and escalated an hour in."""
    ticket, _ = await _open(sessions, customer)
    async with sessions.begin() as session:
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=10, at=T0 + timedelta(minutes=5)
        )
        result = await service.escalate(
            session, ticket_id=ticket.id, actor_id=10, now=T0 + timedelta(hours=1)
        )
        assert result.ticket is not None
        await service.start_l2_clock(session, ticket=result.ticket, calendar=calendar)
        return result.ticket


async def test_second_lines_reply_is_due_from_the_escalation_and_logged_once(
    sessions: Sessions,
) -> None:
    customer = await add_customer(sessions, 1)
    ticket = await _escalated(sessions, customer)
    late, later = T0 + timedelta(hours=5, minutes=10), T0 + timedelta(hours=6)

    async with sessions.begin() as session:
        for at in (late, later):
            await service.agent_message(session, ticket_id=ticket.id, agent_id=20, at=at)
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
        events = await repo.ticket_events(session, ticket_id=ticket.id)

    assert ticket.l2_response_due == T0 + timedelta(hours=5)  # four hours from the escalation
    assert ticket.awaiting_reply_since == T0 + timedelta(hours=1)  # they wait for L2 since
    assert stored is not None and stored.l2_response_at == late
    assert stored.first_response_at == T0 + timedelta(minutes=5)
    replies = [(e.actor_id, e.data) for e in events if e.kind == "l2_response"]
    assert replies == [(20, {"within_sla": False})]


async def test_second_lines_reply_that_never_arrived_is_withdrawn(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket = await _escalated(sessions, customer)

    async with sessions.begin() as session:
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=20, at=T0 + timedelta(hours=2), message_id=7
        )
        await service.relay_failed(
            session, ticket_id=ticket.id, direction="to_customer", error="x", message_id=7
        )
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)

    assert stored is not None and stored.l2_response_at is None
    assert stored.first_response_at == T0 + timedelta(minutes=5)  # first line's stands
    assert stored.awaiting_reply_since == T0 + timedelta(hours=1)  # waiting since escalated
    assert [kind for kind, _ in await _events(sessions, ticket.id)][-2:] == [
        "l2_response_withdrawn",
        "relay_failed",
    ]


async def test_a_tier_change_or_a_new_calendar_moves_second_lines_deadline(
    sessions: Sessions,
) -> None:
    customer = await add_customer(sessions, 1)
    ticket = await _escalated(sessions, customer)
    calendar = SupportCalendar()  # T0 is a Friday: closed for standard customers

    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        changed = T0 + timedelta(hours=1, minutes=10)
        await service.change_tier(
            session, ticket=row, tier="vip", priority="high", actor_id=7, now=changed
        )
        vip_due = row.l2_response_due
        await service.change_tier(
            session, ticket=row, tier="standard", priority="normal", actor_id=7, now=changed
        )
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(session, calendar)
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)

    assert vip_due == T0 + timedelta(hours=1, minutes=30)
    assert stored is not None
    assert stored.l2_response_due == calendar.add(
        "standard", T0 + timedelta(hours=1), timedelta(hours=4)
    )
    assert [(t.id, clock) for t, clock, _ in moved] == [(ticket.id, "l2")]


async def test_a_ticket_escalated_before_second_lines_deadline_was_kept_gets_one_from_now(
    sessions: Sessions,
) -> None:
    # Escalated three days before migration 0010, it was given a deadline from the escalation
    # at the upgraded bot's start: overdue at once, an alert of a deadline it never had.
    customer = await add_customer(sessions, 1)
    ticket = await _escalated(sessions, customer)
    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        row.l2_response_due = None  # as migration 0010 leaves an open escalated ticket
    start = T0 + timedelta(days=3)
    async with sessions.begin() as session:
        await service.recount_deadlines(session, None, now=start)
        stored = await repo.get_ticket(session, ticket.id)
    assert stored is not None and stored.l2_response_due == start + timedelta(hours=4)


async def test_second_lines_deadline_set_at_a_start_leaves_the_first_alert_sent(
    sessions: Sessions,
) -> None:
    # Moving second line's deadline re-armed the first response's alert too: sent again.
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)  # due T0 + 4 h, never answered
    async with sessions.begin() as session:
        await repo.add_ticket_event(
            session, ticket_id=ticket.id, kind="sla_breached", at=T0 + timedelta(hours=4, minutes=1)
        )
        result = await service.escalate(
            session, ticket_id=ticket.id, actor_id=10, now=T0 + timedelta(hours=5)
        )
        assert result.ticket is not None
        result.ticket.l2_response_due = None
    later = T0 + timedelta(hours=6)
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(session, None, now=later)
        again = await repo.list_overdue_tickets(session, now=later, without_event="sla_breached")
    assert [clock for _, clock, _ in moved] == ["l2"]
    assert again == []


async def test_a_tier_changed_now_is_not_moved_again_at_the_next_start(sessions: Sessions) -> None:
    # The change's event was stamped a few microseconds after the deadline was counted from:
    # the recount at the next start «moved» it, and its alert was sent a second time.
    customer = await add_customer(sessions, 1)
    async with sessions.begin() as session:  # an hour ago: due in 3 hours, made VIP now
        ticket, _ = await service.open_ticket(
            session,
            customer=customer,
            question="اینترنت قطع است",
            reason="asked",
            tried=[],
            agent_chat_id=AGENT_CHAT,
            now=utcnow() - timedelta(hours=1),
        )
        await service.change_tier(session, ticket=ticket, tier="vip", priority="high", actor_id=7)
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(session, None)
    assert moved == []


async def test_a_deadline_a_start_gave_stays_at_the_next_start(sessions: Sessions) -> None:
    # Given at the first start from then (escalated before 0010), it went back to the
    # escalation at the second: two days overdue, alerted.
    customer = await add_customer(sessions, 1)
    ticket = await _escalated(sessions, customer)
    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        row.l2_response_due = None
    first, second = T0 + timedelta(days=2), T0 + timedelta(days=2, hours=1)
    async with sessions.begin() as session:
        await service.recount_deadlines(session, None, now=first)
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(session, None, now=second)
        stored = await repo.get_ticket(session, ticket.id)
    assert moved == []
    assert stored is not None and stored.l2_response_due == first + timedelta(hours=4)


async def test_two_tier_changes_are_counted_again_at_a_start_as_they_were_made(
    sessions: Sessions,
) -> None:
    # Made VIP, then VIC: the recount took the deadline before the second change to be the
    # one counted from the opening (long past), and made the ticket overdue.
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)  # standard: due T0 + 4 h
    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        changes: list[tuple[Tier, datetime]] = [
            ("vip", T0 + timedelta(hours=2)),
            ("vic", T0 + timedelta(hours=2, minutes=10)),
        ]
        for tier, at in changes:
            await service.change_tier(
                session, ticket=row, tier=tier, priority="high", actor_id=7, now=at
            )
        due = row.first_response_due
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(
            session, None, now=T0 + timedelta(hours=2, minutes=20)
        )
    assert moved == []
    assert due == T0 + timedelta(hours=2, minutes=30)  # VIP's, from the first change


async def test_a_holiday_declared_after_a_tier_change_moves_the_deadline_off_it(
    sessions: Sessions,
) -> None:
    # Opened on Thursday 19 Azar 1405 at 12:30, made VIC at 15:00: due Saturday at 9:00, the
    # standard deadline it replaced Saturday at 11:30. Saturday then declared a holiday
    # (SUPPORT_HOLIDAYS, a restart): the recount capped the new deadline with the replaced
    # one, counted on the old calendar, and left the ticket due on the holiday.
    customer = await add_customer(sessions, 1)
    calendar = SupportCalendar()
    opened = datetime(2026, 12, 10, 12, 30, tzinfo=TEHRAN)
    async with sessions.begin() as session:
        ticket, _ = await service.open_ticket(
            session,
            customer=customer,
            question="اینترنت قطع است",
            reason="asked",
            tried=[],
            agent_chat_id=AGENT_CHAT,
            now=opened,
            calendar=calendar,
        )
        await service.change_tier(
            session,
            ticket=ticket,
            tier="vic",
            priority="high",
            actor_id=7,
            calendar=calendar,
            now=opened + timedelta(hours=2, minutes=30),
        )
        assert ticket.first_response_due == datetime(2026, 12, 12, 9, 0, tzinfo=TEHRAN)
    saturday_closed = SupportCalendar(parse_holidays("1405-09-21"))
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(session, saturday_closed)
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
    assert [(t.id, clock) for t, clock, _ in moved] == [(ticket.id, "first")]
    # Thursday 15:00-16:00 on VIC hours, then Sunday from 8:00.
    assert stored is not None
    assert stored.first_response_due == datetime(2026, 12, 13, 9, 0, tzinfo=TEHRAN)


async def test_blocked_customer_and_failed_relays_are_recorded(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)

    async with sessions.begin() as session:
        await service.relay_failed(
            session, ticket_id=ticket.id, direction="to_customer", error="Forbidden: blocked"
        )
        await service.customer_blocked(session, ticket_id=ticket.id)
        again = await service.customer_blocked(session, ticket_id=ticket.id)

    assert again is not None and again.customer_blocked
    assert [kind for kind, _ in await _events(sessions, ticket.id)] == [
        "opened",
        "relay_failed",
        "customer_blocked",
    ]


async def test_recreated_topic_is_stored_and_logged(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)

    async with sessions.begin() as session:
        await service.attach_topic(session, ticket_id=ticket.id, thread_id=5, card_message_id=6)
        await service.attach_topic(
            session, ticket_id=ticket.id, thread_id=9, card_message_id=10, recreated=True
        )
    async with sessions() as session:
        found = await repo.ticket_by_thread(session, agent_chat_id=AGENT_CHAT, thread_id=9)

    assert found is not None and (found.id, found.card_message_id) == (ticket.id, 10)
    assert [kind for kind, _ in await _events(sessions, ticket.id)] == [
        "opened",
        "topic_recreated",
    ]


async def test_card_renders_from_stored_rows(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    async with sessions.begin() as session:
        await service.claim(session, ticket_id=ticket.id, agent_id=10, agent_name="سارا")
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
        stored_customer = await repo.get_customer(session, 1)
    assert stored is not None and stored_customer is not None

    card = render_card(stored, stored_customer, now=T0 + timedelta(minutes=5))

    assert "در دست سارا" in card
    assert "پاسخ ربات به کار مشتری نیامد" in card


async def test_a_tier_change_moves_the_deadline_and_stays_with_the_customer(
    sessions: Sessions,
) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    assert ticket.first_response_due == T0 + timedelta(hours=4)

    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        soon = T0 + timedelta(minutes=5)
        before = await service.change_tier(
            session, ticket=row, tier="vip", priority="high", actor_id=7, now=soon
        )
        again = await service.change_tier(
            session, ticket=row, tier="vip", priority="high", actor_id=7, now=soon
        )
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
        owner = await repo.get_customer(session, 1)
        events = await repo.ticket_events(session, ticket_id=ticket.id)

    assert (before, again) == ("standard", None)  # the second change changed nothing
    assert stored is not None and owner is not None
    assert (stored.first_response_due, stored.priority) == (T0 + timedelta(minutes=30), "high")
    assert owner.tier == "vip"
    assert [(e.kind, e.actor_id, e.data) for e in events][1:] == [
        (
            "tier_changed",
            7,
            # the deadline it replaced, for the audit trail
            {
                "from": "standard",
                "to": "vip",
                "first_before": (T0 + timedelta(hours=4)).isoformat(),
            },
        )
    ]


async def test_a_tier_raised_after_its_deadline_would_have_passed_counts_from_the_change(
    sessions: Sessions,
) -> None:
    # Made VIP three hours after opening, the ticket was due 30 minutes after its opening:
    # overdue at once, a breach of a deadline it never had; and a restart kept it so.
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)  # standard: due T0 + 4 h
    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        await service.change_tier(
            session,
            ticket=row,
            tier="vip",
            priority="high",
            actor_id=7,
            now=T0 + timedelta(hours=3),
        )
    async with sessions.begin() as session:
        moved = await service.recount_deadlines(session, None)  # as the bot starts again
        stored = await repo.get_ticket(session, ticket.id)
    assert moved == []
    assert stored is not None and stored.first_response_due == T0 + timedelta(hours=3, minutes=30)


async def test_a_tier_changed_after_the_first_response_leaves_its_deadline(
    sessions: Sessions,
) -> None:
    # A VIP reply 15 minutes late, then the customer put on standard: the deadline became 4
    # hours from the opening, and the card and the day's figures called the breach in time.
    customer = await add_customer(sessions, 1, tier="vip")
    ticket, _ = await _open(sessions, customer)  # VIP: due T0 + 30 min
    async with sessions.begin() as session:
        await service.agent_message(
            session, ticket_id=ticket.id, agent_id=10, at=T0 + timedelta(minutes=45)
        )
    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        changed = T0 + timedelta(hours=1)
        await service.change_tier(
            session, ticket=row, tier="standard", priority="normal", actor_id=7, now=changed
        )
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
        owner = await repo.get_customer(session, 1)
    assert stored is not None and owner is not None and owner.tier == "standard"
    assert stored.first_response_due == T0 + timedelta(minutes=30)
    assert "۱۵ دقیقه دیرتر از مهلت" in render_card(stored, owner, now=changed)


async def test_a_tier_raised_never_makes_a_ticket_wait_longer(sessions: Sessions) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)  # standard: due T0 + 4 h
    async with sessions.begin() as session:
        row = await repo.get_ticket(session, ticket.id)
        assert row is not None
        late = T0 + timedelta(hours=3, minutes=50)
        await service.change_tier(
            session, ticket=row, tier="vip", priority="high", actor_id=7, now=late
        )
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
    assert stored is not None and stored.first_response_due == T0 + timedelta(hours=4)


async def test_a_take_over_moves_the_ticket_once_and_names_the_former_holder(
    sessions: Sessions,
) -> None:
    customer = await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, customer)
    async with sessions.begin() as session:
        await service.claim(session, ticket_id=ticket.id, agent_id=10, agent_name="علی")
    async with sessions() as session:
        seen_by_reza = await repo.get_ticket(session, ticket.id)
    async with sessions() as session:
        seen_by_sara = await repo.get_ticket(session, ticket.id)
    assert seen_by_reza is not None and seen_by_sara is not None

    async with sessions.begin() as session:
        reza = await service.take_over(session, ticket=seen_by_reza, agent_id=20, agent_name="رضا")
    async with sessions.begin() as session:  # she saw it held by علی too: too late
        sara = await service.take_over(session, ticket=seen_by_sara, agent_id=30, agent_name="سارا")
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
        events = await repo.ticket_events(session, ticket_id=ticket.id)

    assert (reza, sara) == (True, False)
    assert stored is not None and (stored.claimed_by, stored.claimed_by_name) == (20, "رضا")
    assert [(e.kind, e.actor_id, e.data.get("from_id")) for e in events][-1] == (
        "taken_over",
        20,
        10,
    )
