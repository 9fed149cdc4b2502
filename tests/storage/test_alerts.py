"""Deadline alerts wait in the database until they are delivered."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.models import PendingAlert
from tests.storage.helpers import add_customer, add_ticket


async def test_alerts_wait_oldest_first_with_their_tickets_until_dropped(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    first = await add_ticket(sessions, 1)
    second = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        await repo.queue_alert(session, ticket_id=second.id, kind="due_soon", audience="topic")
        await repo.queue_alert(session, ticket_id=first.id, kind="overdue", audience="desk")
        await repo.queue_alert(session, ticket_id=first.id, kind="overdue", audience="supervisors")

    async with sessions() as session:
        waiting = await repo.pending_alerts(session, limit=10)
        two = await repo.pending_alerts(session, limit=2)
    assert [(a.ticket_id, a.kind, a.audience) for a, _ in waiting] == [
        (second.id, "due_soon", "topic"),
        (first.id, "overdue", "desk"),
        (first.id, "overdue", "supervisors"),
    ]
    assert [ticket.id for _, ticket in waiting] == [second.id, first.id, first.id]
    assert len(two) == 2

    async with sessions.begin() as session:
        await repo.drop_alerts(session, [waiting[0][0].id, waiting[2][0].id])
        await repo.drop_alerts(session, [])
    async with sessions() as session:
        left = await repo.pending_alerts(session, limit=10)
    assert [(a.ticket_id, a.audience) for a, _ in left] == [(first.id, "desk")]


async def test_an_alert_is_kept_once_per_ticket_kind_and_audience(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Queued again (second line's deadline passes while the first response's alert still
    # waits for Telegram), the one waiting stands for both; the database refuses a second.
    await add_customer(sessions, 1)
    ticket = await add_ticket(sessions, 1)
    async with sessions.begin() as session:
        await repo.queue_alert(session, ticket_id=ticket.id, kind="overdue", audience="desk")
    async with sessions.begin() as session:
        await repo.queue_alert(session, ticket_id=ticket.id, kind="overdue", audience="desk")
    with pytest.raises(IntegrityError):
        async with sessions.begin() as session:
            session.add(PendingAlert(ticket_id=ticket.id, kind="overdue", audience="desk"))
    async with sessions() as session:
        assert len(await repo.pending_alerts(session, limit=10)) == 1
