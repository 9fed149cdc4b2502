"""Tickets: one open per customer, consecutive numbers, atomic claims, rating rules."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handoff import service
from storage import repositories as repo
from storage.models import Ticket
from tests.storage.fixtures import Makers
from tests.storage.helpers import AGENT_CHAT, HITS, T0, add_customer, add_ticket, sqlite_plans


async def _open(
    maker: async_sessionmaker[AsyncSession], customer_id: int, update_id: int | None = None
) -> tuple[Ticket, bool]:
    async with maker.begin() as session:
        return await repo.create_ticket(
            session,
            customer_id=customer_id,
            question="اینترنت قطع است",
            reason="asked",
            tried=HITS,
            agent_chat_id=AGENT_CHAT,
            opening_update_id=update_id,
            opened_at=T0,
        )


async def _claim(
    maker: async_sessionmaker[AsyncSession], ticket_id: int, agent_id: int
) -> repo.ClaimResult:
    async with maker.begin() as session:
        return await repo.claim_ticket(session, ticket_id, agent_id, f"agent {agent_id}")


async def _close(maker: async_sessionmaker[AsyncSession], ticket_id: int) -> repo.TransitionResult:
    async with maker.begin() as session:
        return await repo.close_ticket(session, ticket_id, closed_by=900, now=T0)


async def test_ticket_stores_question_tried_articles_and_times(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket, created = await _open(sessions, 1)

    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
    assert created is True
    assert stored is not None
    assert (stored.status, stored.level, stored.priority, stored.reason) == (
        "open",
        1,
        "normal",
        "asked",
    )
    assert stored.tried == [
        {"id": "password-reset", "title": "بازیابی رمز عبور", "score": 0.41},
        {"id": "vpn", "title": "اتصال VPN", "score": 0.22},
    ]
    assert stored.opened_at == stored.awaiting_reply_since == T0


async def test_customer_with_an_open_ticket_gets_it_back_instead_of_a_second(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    first, _ = await _open(sessions, 1)

    again, created = await _open(sessions, 1)

    assert created is False
    assert again.id == first.id


async def test_racing_sessions_open_exactly_one_ticket_per_customer(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    await add_customer(sessions, 1)
    makers = [sessions, sessions, more_sessions(), more_sessions(), more_sessions()]

    results = await asyncio.gather(*(_open(maker, 1) for maker in makers))

    assert sum(created for _, created in results) == 1
    assert len({ticket.id for ticket, _ in results}) == 1


async def test_ticket_numbers_are_consecutive_even_after_a_race(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    for customer_id in (1, 2, 3):
        await add_customer(sessions, customer_id)
    first, _ = await _open(sessions, 1)
    await asyncio.gather(*(_open(maker, 2) for maker in (sessions, more_sessions(), sessions)))

    third, _ = await _open(sessions, 3)

    assert first.id == 1
    assert third.id == 3


async def test_replayed_update_returns_the_ticket_it_opened(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, 1, update_id=5000)
    await _close(sessions, ticket.id)

    replayed, created = await _open(sessions, 1, update_id=5000)

    assert created is False
    assert replayed.id == ticket.id


async def test_new_ticket_after_close_points_to_the_previous_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    first, _ = await _open(sessions, 1)
    await _close(sessions, first.id)

    second, created = await _open(sessions, 1)

    assert created is True
    assert second.id == first.id + 1
    assert second.previous_ticket_id == first.id


async def test_concurrent_claims_have_exactly_one_winner_and_losers_learn_who(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    makers = [sessions, sessions, sessions, more_sessions(), more_sessions(), more_sessions()]

    results = await asyncio.gather(
        *(_claim(maker, ticket.id, 500 + i) for i, maker in enumerate(makers))
    )

    winners = [result for result in results if result.won]
    assert len(winners) == 1
    winner_id = winners[0].holder_id
    assert winner_id is not None
    for result in results:
        assert result.holder_id == winner_id
        assert result.holder_name == f"agent {winner_id}"
        if not result.won:
            assert result.outcome == "held"
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
    assert stored is not None
    assert (stored.status, stored.claimed_by) == ("claimed", winner_id)


async def test_claiming_own_ticket_again_says_already_yours(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    await _claim(sessions, ticket.id, 500)

    again = await _claim(sessions, ticket.id, 500)

    assert (again.won, again.outcome, again.holder_id) == (False, "already_yours", 500)


async def test_closed_or_missing_ticket_cannot_be_claimed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    await _close(sessions, ticket.id)

    assert (await _claim(sessions, ticket.id, 500)).outcome == "closed"
    assert (await _claim(sessions, 12345, 500)).outcome == "not_found"


async def test_escalation_goes_to_level_2_unclaimed_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    await _claim(sessions, ticket.id, 500)

    async with sessions.begin() as session:
        escalated = await repo.escalate_ticket(session, ticket.id, now=T0)
    expert = await _claim(sessions, ticket.id, 600)
    async with sessions.begin() as session:
        twice = await repo.escalate_ticket(session, ticket.id, now=T0)

    assert escalated.ok and escalated.ticket is not None
    assert (escalated.ticket.status, escalated.ticket.level) == ("escalated", 2)
    assert escalated.ticket.claimed_by is None and escalated.ticket.escalated_at == T0
    assert expert.won
    assert twice.outcome == "not_allowed"


async def test_the_topic_a_ticket_left_for_the_l2_group_leads_to_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        await service.escalate(
            session, ticket_id=ticket.id, actor_id=500, moved_from=(AGENT_CHAT, 77), now=T0
        )
    async with sessions() as session:
        found = await repo.ticket_moved_from(session, agent_chat_id=AGENT_CHAT, thread_id=77)
        elsewhere = await repo.ticket_moved_from(session, agent_chat_id=AGENT_CHAT, thread_id=78)
    assert found is not None and found.id == ticket.id and elsewhere is None


async def test_open_tickets_that_left_a_group_for_l2_are_listed_for_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # An agents' group's /tickets counted only the tickets in it: one sent to the L2 group
    # and open there was in no list of the group it came from.
    l2_chat = AGENT_CHAT - 1
    # `kept` stays where it was, as when the L2 group refuses a topic.
    moved, kept, closed = [await _escalated(sessions, i, AGENT_CHAT) for i in (1, 2, 3)]
    async with sessions.begin() as session:
        await repo.set_ticket_topic(session, moved, thread_id=5, agent_chat_id=l2_chat)
        await repo.set_ticket_topic(session, closed, thread_id=6, agent_chat_id=l2_chat)
        await service.close(session, ticket_id=closed, actor_id=500)
    async with sessions() as session:
        left = await repo.list_open_tickets(session, left_chat_id=AGENT_CHAT)
        counted = await repo.count_open_tickets(session, left_chat_id=AGENT_CHAT)
        from_l2 = await repo.list_open_tickets(session, left_chat_id=l2_chat)
    assert [ticket.id for ticket in left] == [moved] and counted == 1
    assert from_l2 == [] and kept not in {ticket.id for ticket in left}


async def _escalated(
    sessions: async_sessionmaker[AsyncSession], customer_id: int, chat_id: int
) -> int:
    """A ticket escalated out of its topic in `chat_id` (still there until it gets another)."""
    await add_customer(sessions, customer_id)
    ticket = await add_ticket(sessions, customer_id)
    async with sessions.begin() as session:
        await service.escalate(
            session, ticket_id=ticket.id, actor_id=500, moved_from=(chat_id, 70 + customer_id)
        )
    return ticket.id


async def test_concurrent_closes_close_once(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)

    results = await asyncio.gather(
        _close(sessions, ticket.id), _close(more_sessions(), ticket.id), _close(sessions, ticket.id)
    )

    assert sorted(result.outcome for result in results) == ["done", "not_allowed", "not_allowed"]
    assert all(r.ticket is not None and r.ticket.status == "closed" for r in results)


async def test_rating_only_after_close_once_and_only_by_the_customer(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)

    async def rate(rating: int, customer_id: int = 1) -> str:
        async with sessions.begin() as session:
            outcome, _ = await repo.rate_ticket(
                session, ticket.id, rating=rating, customer_id=customer_id
            )
            return outcome

    before_close = await rate(5)
    await _close(sessions, ticket.id)
    stranger = await rate(1, customer_id=2)
    first = await rate(4)
    second = await rate(1)

    assert (before_close, stranger, first, second) == (
        "not_closed",
        "not_found",
        "rated",
        "already_rated",
    )
    async with sessions() as session:
        stored = await repo.get_ticket(session, ticket.id)
    assert stored is not None and stored.rating == 4


@pytest.mark.parametrize("rating", [0, 6, -1, True])
async def test_rating_outside_1_to_5_is_refused(
    sessions: async_sessionmaker[AsyncSession], rating: int
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    await _close(sessions, ticket.id)

    with pytest.raises(ValueError, match=r"1\.\.5"):
        async with sessions.begin() as session:
            await repo.rate_ticket(session, ticket.id, rating=rating)


async def test_concurrent_ratings_store_one(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    await _close(sessions, ticket.id)

    async def rate(maker: async_sessionmaker[AsyncSession], rating: int) -> str:
        async with maker.begin() as session:
            outcome, _ = await repo.rate_ticket(session, ticket.id, rating=rating)
            return outcome

    outcomes = await asyncio.gather(rate(sessions, 5), rate(more_sessions(), 3), rate(sessions, 1))

    assert sorted(outcomes) == ["already_rated", "already_rated", "rated"]


async def test_customer_wait_starts_at_first_unanswered_message_and_ends_on_reply(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    reply, later, latest = (T0 + timedelta(minutes=m) for m in (5, 7, 9))

    async with sessions.begin() as session:
        answered = await repo.touch_agent(session, ticket.id, at=reply)
        assert answered is not None and answered.awaiting_reply_since is None
        await repo.touch_customer(session, ticket.id, at=later)
        waiting = await repo.touch_customer(session, ticket.id, at=latest)
        assert waiting is not None
        assert (waiting.awaiting_reply_since, waiting.last_customer_at) == (later, latest)
        second = await repo.touch_agent(session, ticket.id, at=latest + timedelta(minutes=1))

    assert second is not None
    assert (second.first_response_at, second.awaiting_reply_since) == (reply, None)


async def test_an_escalated_ticket_owes_second_lines_reply_from_the_escalation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # First line answered, then escalated: the customer waits again, for second line, and
    # the ticket is overdue on second line's deadline until an agent writes after it. One
    # escalated before anyone answered stays on its first-response clock.
    for customer_id in (1, 2, 3):
        await add_customer(sessions, customer_id)
    answered, unanswered, blocked = [await add_ticket(sessions, c) for c in (1, 2, 3)]
    escalated_at, due = T0 + timedelta(hours=1), T0 + timedelta(hours=5)
    async with sessions.begin() as session:
        for ticket in (answered, blocked):
            await repo.touch_agent(session, ticket.id, at=T0 + timedelta(minutes=5))
        for ticket in (answered, unanswered, blocked):
            await repo.escalate_ticket(session, ticket.id, now=escalated_at)
            assert await repo.set_l2_response_due(session, ticket.id, due=due)
        await session.execute(update(Ticket).values(first_response_due=T0 + timedelta(hours=4)))
        await repo.set_customer_blocked(session, blocked.id, blocked=True)
    async with sessions() as session:
        row = await repo.get_ticket(session, answered.id)
        late = await repo.list_overdue_tickets(session, now=due, clock="l2")
        first_late = await repo.list_overdue_tickets(session, now=due)
    async with sessions.begin() as session:
        replied = await repo.touch_agent(session, answered.id, at=due + timedelta(minutes=1))
    async with sessions() as session:
        after = await repo.list_overdue_tickets(session, now=due, clock="l2")

    assert row is not None and row.awaiting_reply_since == escalated_at
    assert [t.id for t in late] == [answered.id]  # not the blocked customer's
    assert [t.id for t in first_late] == [unanswered.id]
    assert replied is not None and replied.l2_response_at == due + timedelta(minutes=1)
    assert replied.first_response_at == T0 + timedelta(minutes=5)  # still L1's
    assert after == []


async def test_an_agent_message_before_the_escalation_is_no_reply_of_second_line(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        first = await repo.touch_agent(session, ticket.id, at=T0 + timedelta(minutes=5))
        await repo.escalate_ticket(session, ticket.id, now=T0 + timedelta(minutes=9))
        withdrawn = await repo.withdraw_l2_response(session, ticket.id, at=T0)

    assert first is not None and first.l2_response_at is None
    assert not withdrawn


async def test_open_tickets_list_longest_waiting_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for customer_id in (1, 2, 3, 4):
        await add_customer(sessions, customer_id)
    first, second, third, fourth = [await add_ticket(sessions, c) for c in (1, 2, 3, 4)]
    async with sessions.begin() as session:
        await repo.touch_agent(session, first.id, at=T0 + timedelta(minutes=1))  # answered
        await repo.touch_agent(session, second.id, at=T0 + timedelta(minutes=1))
        await repo.touch_customer(session, second.id, at=T0 + timedelta(minutes=2))
        await repo.touch_agent(session, third.id, at=T0 + timedelta(minutes=1))
        await repo.touch_customer(session, third.id, at=T0 + timedelta(minutes=3))
        await repo.close_ticket(session, fourth.id, closed_by=None, now=T0)

    async with sessions() as session:
        listed = await repo.list_open_tickets(session)

    assert [t.id for t in listed] == [second.id, third.id, first.id]


async def test_open_tickets_are_counted_per_agents_group(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for customer_id in (1, 2, 3):
        await add_customer(sessions, customer_id)
    first, *_ = [await add_ticket(sessions, c) for c in (1, 2, 3)]
    async with sessions.begin() as session:
        await repo.close_ticket(session, first.id, closed_by=None, now=T0)
        await repo.move_agent_chat(session, old_chat_id=AGENT_CHAT, new_chat_id=-100777)
    await add_customer(sessions, 4)
    await add_ticket(sessions, 4)

    async with sessions() as session:
        everywhere = await repo.count_open_tickets(session)
        moved = await repo.count_open_tickets(session, agent_chat_id=-100777)
        here = await repo.count_open_tickets(session, agent_chat_id=AGENT_CHAT)

    assert (everywhere, moved, here) == (3, 2, 1)


async def test_overdue_list_leaves_out_a_customer_who_blocked_the_bot_until_they_are_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Supervisors were alerted «nobody answered» for a customer no answer can reach.
    await add_customer(sessions, 1)
    async with sessions.begin() as session:
        ticket, _ = await repo.create_ticket(
            session,
            customer_id=1,
            question="?",
            reason="asked",
            tried=(),
            agent_chat_id=AGENT_CHAT,
            first_response_due=T0,
        )
        await repo.set_customer_blocked(session, ticket.id, blocked=True)
    later = T0 + timedelta(minutes=5)
    async with sessions() as session:
        while_blocked = await repo.list_overdue_tickets(session, now=later)
    async with sessions.begin() as session:
        await repo.set_customer_blocked(session, ticket.id, blocked=False)
    async with sessions() as session:
        back = await repo.list_overdue_tickets(session, now=later)

    assert while_blocked == []
    assert [t.id for t in back] == [ticket.id]


async def test_overdue_list_has_unanswered_tickets_past_their_deadline(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for customer_id in (1, 2, 3):
        await add_customer(sessions, customer_id)
    async with sessions.begin() as session:
        for customer_id, minutes in ((1, 30), (2, 10), (3, 90)):
            await repo.create_ticket(
                session,
                customer_id=customer_id,
                question="?",
                reason="asked",
                tried=(),
                agent_chat_id=AGENT_CHAT,
                first_response_due=T0 + timedelta(minutes=minutes),
            )
        await repo.touch_agent(session, 2, at=T0)

    async with sessions() as session:
        overdue = await repo.list_overdue_tickets(session, now=T0 + timedelta(minutes=60))
        later = await repo.list_overdue_tickets(session, now=T0 + timedelta(minutes=100))
    async with sessions.begin() as session:
        await repo.add_ticket_event(session, ticket_id=later[0].id, kind="sla_breached")
        await repo.add_ticket_event(session, ticket_id=later[1].id, kind="note")
    async with sessions() as session:
        not_alerted = await repo.list_overdue_tickets(
            session, now=T0 + timedelta(minutes=100), without_event="sla_breached"
        )

    assert [t.customer_id for t in overdue] == [1]
    assert [t.customer_id for t in later] == [1, 3]  # the earliest deadline first
    assert [t.customer_id for t in not_alerted] == [3]


async def test_a_deadline_set_anew_is_alerted_anew(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Alerted, then put on another contract (/tier) or a new calendar: its new deadline is
    # warned and alerted in its turn (once each, again).
    await add_customer(sessions, 1)
    async with sessions.begin() as session:
        ticket, _ = await repo.create_ticket(
            session,
            customer_id=1,
            question="?",
            reason="asked",
            tried=(),
            agent_chat_id=AGENT_CHAT,
            first_response_due=T0,
            opened_at=T0 - timedelta(hours=4),
        )
        await repo.add_ticket_event(
            session, ticket_id=ticket.id, kind="sla_breached", at=T0 + timedelta(minutes=1)
        )

    async def not_alerted() -> list[int]:
        async with sessions() as session:
            found = await repo.list_overdue_tickets(
                session, now=T0 + timedelta(hours=9), without_event="sla_breached"
            )
        return [t.id for t in found]

    before = await not_alerted()
    async with sessions.begin() as session:
        await repo.add_ticket_event(
            session, ticket_id=ticket.id, kind="tier_changed", at=T0 + timedelta(hours=1)
        )
    after_move = await not_alerted()
    async with sessions.begin() as session:
        await repo.add_ticket_event(
            session, ticket_id=ticket.id, kind="sla_breached", at=T0 + timedelta(hours=8)
        )

    assert (before, after_move, await not_alerted()) == ([], [ticket.id], [])


async def test_waiting_tickets_say_since_when_and_whether_reminded_during_this_wait(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for customer_id in (1, 2, 3):
        await add_customer(sessions, customer_id)
    first, second, active = [await add_ticket(sessions, c) for c in (1, 2, 3)]
    hour = timedelta(hours=1)
    async with sessions.begin() as session:
        for ticket in (first, second):
            await repo.set_ticket_status(
                session, ticket.id, from_statuses=repo.CLAIMABLE, to_status="waiting"
            )
        # the first: waited, reminded, resumed, waits again since T0 + 5 h (not reminded since)
        for kind, at in (
            ("waiting", T0),
            ("waiting_reminded", T0 + hour),
            ("waiting", T0 + 5 * hour),
        ):
            await repo.add_ticket_event(session, ticket_id=first.id, kind=kind, at=at)
        # the second: waits since T0 + 2 h and was reminded at T0 + 3 h
        for kind, at in (("waiting", T0 + 2 * hour), ("waiting_reminded", T0 + 3 * hour)):
            await repo.add_ticket_event(session, ticket_id=second.id, kind=kind, at=at)
        await repo.add_ticket_event(session, ticket_id=active.id, kind="waiting", at=T0)

    async with sessions() as session:
        found = await repo.list_waiting_tickets(session, reminder_event="waiting_reminded")

    assert [(w.ticket.id, w.since, w.reminded) for w in found] == [
        (second.id, T0 + 2 * hour, True),
        (first.id, T0 + 5 * hour, False),
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_waiting_tickets_are_read_with_their_own_events_not_every_wait_ever_logged(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Read every minute (bot.waiting): SQLite, with no statistics, read a waiting ticket's
    # latest wait and reminder through the index by kind, every "waiting" and reminder event
    # the desk ever logged for each ticket waiting now; the ticket's own are few.
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        await repo.set_ticket_status(
            session, ticket.id, from_statuses=repo.CLAIMABLE, to_status="waiting"
        )
        await repo.add_ticket_event(session, ticket_id=ticket.id, kind="waiting", at=T0)

    async def read() -> None:
        async with sessions() as session:
            found.extend(await repo.list_waiting_tickets(session, reminder_event="reminded"))

    found: list[repo.WaitingTicket] = []
    plans = await sqlite_plans(sessions.kw["bind"], read)

    assert [(w.ticket.id, w.since, w.reminded) for w in found] == [(ticket.id, T0, False)]
    events = [plan for plan in plans if "ticket_events" in plan]
    assert len(events) == 2
    assert all("USING INDEX ix_ticket_events_ticket_id_id (ticket_id=?)" in p for p in events)


async def test_audit_trail_is_kept_in_order(sessions: async_sessionmaker[AsyncSession]) -> None:
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        await repo.add_ticket_event(session, ticket_id=ticket.id, kind="opened", actor_id=1)
        await repo.add_ticket_event(
            session, ticket_id=ticket.id, kind="note", actor_id=500, data={"text": "تماس گرفتم"}
        )

    async with sessions() as session:
        events = await repo.ticket_events(session, ticket_id=ticket.id)

    assert [(e.kind, e.actor_id, e.data) for e in events] == [
        ("opened", 1, {}),
        ("note", 500, {"text": "تماس گرفتم"}),
    ]


async def test_articles_sent_since_come_with_their_tickets_question(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    await add_customer(sessions, 2)
    first = await add_ticket(sessions, 1, question="خروجی پی دی اف از گزارش")
    second = await add_ticket(sessions, 2, question="وی پی ان وصل نمیشه")
    async with sessions.begin() as session:
        for ticket, minutes, article in (
            (first, -5, "old"),
            (first, 5, "report-export"),
            (second, 7, "vpn"),
        ):
            await repo.add_ticket_event(
                session,
                ticket_id=ticket.id,
                kind=repo.ARTICLE_SENT,
                actor_id=500,
                data={"article_id": article},
                at=T0 + timedelta(minutes=minutes),
            )
        await repo.add_ticket_event(
            session, ticket_id=second.id, kind="note", actor_id=500, at=T0 + timedelta(minutes=8)
        )

    async with sessions() as session:
        sent = await repo.articles_sent_since(session, since=T0)
        until = await repo.articles_sent_since(session, since=T0, until=T0 + timedelta(minutes=7))

    assert [e.data["article_id"] for e, _, _ in until] == ["report-export"]
    assert [(e.data["article_id"], question, customer) for e, question, customer in sent] == [
        ("report-export", "خروجی پی دی اف از گزارش", 1),
        ("vpn", "وی پی ان وصل نمیشه", 2),
    ]


async def test_a_ticket_still_getting_its_topic_is_not_listed_as_topicless(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # A restart replays the hand-off that makes its topic: the watcher making one as well
    # posted a second card (or a "late" notice) in it.
    await add_customer(sessions, 1)
    ticket, _ = await _open(sessions, 1)
    async with sessions() as session:
        being_made = await repo.list_topicless_tickets(
            session, agent_chat_ids=[AGENT_CHAT], limit=5
        )
    async with sessions.begin() as session:
        await repo.add_ticket_event(session, ticket_id=ticket.id, kind="topic_failed")
    async with sessions() as session:
        refused = await repo.list_topicless_tickets(session, agent_chat_ids=[AGENT_CHAT], limit=5)
    assert being_made == []
    assert [t.id for t in refused] == [ticket.id]


async def test_tickets_taken_in_by_two_instances_at_once_move_once(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    # Two instances starting together each moved the tickets of a group the bot had left:
    # the second move came after the first one's topic was made and set the ticket back to
    # no topic (its agents' topic then led nowhere, and a second one was made), and each
    # instance logged the move.
    await add_customer(sessions)
    ticket = await add_ticket(sessions)
    left = AGENT_CHAT - 1000
    async with sessions.begin() as session:
        await session.execute(
            update(Ticket).where(Ticket.id == ticket.id).values(agent_chat_id=left, thread_id=5)
        )
    first = sessions()
    await first.begin()
    moved = await repo.take_in_tickets(first, from_chat_ids=[left], to_chat_id=AGENT_CHAT)
    assert moved == {ticket.id: left}

    async def second_instance() -> dict[int, int]:
        async with more_sessions().begin() as session:
            return await repo.take_in_tickets(session, from_chat_ids=[left], to_chat_id=AGENT_CHAT)

    racing = asyncio.create_task(second_instance())
    await asyncio.sleep(0.3)  # PostgreSQL: it waits for the first's row lock
    await repo.set_ticket_topic(first, ticket.id, thread_id=77)  # the first one's new topic
    await first.commit()
    await first.close()
    assert await racing == {}
    async with sessions.begin() as session:
        stored = await session.get(Ticket, ticket.id)
        assert stored is not None
        assert (stored.agent_chat_id, stored.thread_id) == (AGENT_CHAT, 77)
