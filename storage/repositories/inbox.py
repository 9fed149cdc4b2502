"""The update inbox: raw updates stored before Telegram is told they arrived."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InboxStatus, InboxUpdate
from storage.repositories._common import upsert_insert
from storage.timestamps import utcnow

ERROR_TEXT_MAX = 2000


async def inbox_add(
    session: AsyncSession,
    update_id: int,
    chat_id: int | None,
    payload: Mapping[str, Any] | str,
) -> bool:
    """Store an update once; False if this update_id was already stored."""
    data = json.loads(payload) if isinstance(payload, str) else dict(payload)
    stmt = (
        upsert_insert(session, InboxUpdate)
        .values(update_id=update_id, chat_id=chat_id, payload=data)
        .on_conflict_do_nothing(index_elements=[InboxUpdate.update_id])
        .returning(InboxUpdate.update_id)
    )
    result = await session.execute(stmt)
    return result.scalar_one_or_none() is not None


async def inbox_pending(session: AsyncSession, limit: int = 100) -> list[InboxUpdate]:
    """Return updates not yet processed, oldest update_id first."""
    stmt = (
        select(InboxUpdate)
        .where(InboxUpdate.status == "pending")
        .order_by(InboxUpdate.update_id)
        .limit(limit)
    )
    return list(await session.scalars(stmt))


async def inbox_mark(
    session: AsyncSession,
    update_id: int,
    status: InboxStatus,
    error: str | None = None,
    *,
    at: datetime | None = None,
) -> bool:
    """Record the outcome of one processing attempt; False if the update is unknown."""
    stmt = (
        update(InboxUpdate)
        .where(InboxUpdate.update_id == update_id)
        .values(
            status=status,
            error=error[:ERROR_TEXT_MAX] if error else None,
            attempts=InboxUpdate.attempts + 1,
            processed_at=None if status == "pending" else (at or utcnow()),
        )
        .returning(InboxUpdate.update_id)
    )
    result = await session.execute(stmt, execution_options={"synchronize_session": "fetch"})
    return result.scalar_one_or_none() is not None


async def inbox_get(session: AsyncSession, update_id: int) -> InboxUpdate | None:
    """Return one stored update."""
    return await session.get(InboxUpdate, update_id)


async def inbox_purge(session: AsyncSession, *, before: datetime) -> int:
    """Delete processed updates received before `before` (done, or failed for good: their
    payload is a customer's words and contact, kept no longer than INBOX_KEEP_DAYS); return how
    many. Pending ones stay, whatever their age: they are still to be handled."""
    stmt = delete(InboxUpdate).where(
        InboxUpdate.status.in_(("done", "failed")), InboxUpdate.received_at < before
    )
    result = await session.execute(stmt, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)
