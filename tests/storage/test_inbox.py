"""The update inbox: nothing stored twice, nothing lost, replayed in order."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.models import InboxUpdate
from tests.storage.fixtures import Makers
from tests.storage.helpers import T0

PAYLOAD = {"update_id": 10, "message": {"text": "سلام، رمزم کار نمی‌کند", "chat": {"id": 5}}}


async def _add(sessions: async_sessionmaker[AsyncSession], update_id: int) -> bool:
    async with sessions.begin() as session:
        return await repo.inbox_add(session, update_id, 5, {**PAYLOAD, "update_id": update_id})


async def test_same_update_twice_is_stored_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert await _add(sessions, 10) is True
    assert await _add(sessions, 10) is False

    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(InboxUpdate)) == 1


async def test_same_update_from_concurrent_sessions_is_stored_once(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    makers = [sessions] + [more_sessions() for _ in range(3)]

    results = await asyncio.gather(*(_add(maker, 42) for maker in makers))

    assert sorted(results) == [False, False, False, True]


async def test_pending_updates_replay_in_update_id_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for update_id in (12, 10, 11):
        await _add(sessions, update_id)

    async with sessions.begin() as session:
        assert await repo.inbox_mark(session, 11, "done")
    async with sessions() as session:
        pending = await repo.inbox_pending(session, limit=10)

    assert [update.update_id for update in pending] == [10, 12]
    assert pending[0].payload == {**PAYLOAD, "update_id": 10}


async def test_marking_records_outcome_attempts_and_error(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _add(sessions, 7)
    async with sessions.begin() as session:
        await repo.inbox_mark(session, 7, "failed", "boom " * 1000, at=T0)
        await repo.inbox_mark(session, 7, "failed", "again", at=T0)
        unknown = await repo.inbox_mark(session, 8, "done")

    async with sessions() as session:
        update = await repo.inbox_get(session, 7)
        pending = await repo.inbox_pending(session)

    assert update is not None
    assert (update.status, update.attempts, update.error, update.processed_at) == (
        "failed",
        2,
        "again",
        T0,
    )
    assert pending == []
    assert unknown is False


async def test_payload_given_as_json_text_is_stored_as_json(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await repo.inbox_add(session, 3, None, '{"update_id": 3, "text": "درود"}')
    async with sessions() as session:
        update = await repo.inbox_get(session, 3)

    assert update is not None and update.payload == {"update_id": 3, "text": "درود"}


async def test_purge_deletes_only_old_processed_or_failed_updates(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    for update_id in (1, 2, 3):
        await _add(sessions, update_id)
    async with sessions.begin() as session:
        await repo.inbox_mark(session, 1, "done")
        await repo.inbox_mark(session, 2, "failed", "x")

    now = T0.now(T0.tzinfo)
    async with sessions.begin() as session:
        too_recent = await repo.inbox_purge(session, before=now - timedelta(minutes=1))
    async with sessions.begin() as session:
        deleted = await repo.inbox_purge(session, before=now + timedelta(minutes=1))
    async with sessions() as session:
        left = [u.update_id for u in await session.scalars(select(InboxUpdate))]

    assert too_recent == 0  # done, but received after the cut-off: kept
    # A failed update's payload (a customer's words, their phone) was kept for ever.
    assert deleted == 2
    assert sorted(left) == [3]  # still pending: still to be handled
