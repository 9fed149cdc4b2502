"""Small settings that must survive a restart."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import KeyValue
from storage.repositories._common import upsert_insert
from storage.timestamps import utcnow


async def kv_get(session: AsyncSession, key: str, default: Any = None) -> Any:
    """Return the JSON value stored under `key`, or `default`."""
    row = await session.get(KeyValue, key, populate_existing=True)
    return default if row is None else row.value


async def kv_set(session: AsyncSession, key: str, value: Any) -> None:
    """Store a JSON-serialisable value under `key`, replacing any previous one."""
    insert = upsert_insert(session, KeyValue)
    stmt = insert.values(key=key, value=value, updated_at=utcnow()).on_conflict_do_update(
        index_elements=[KeyValue.key],
        set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
    )
    await session.execute(stmt)


async def kv_add(session: AsyncSession, key: str, value: Any) -> bool:
    """Store `value` under `key` unless a value is there already; return whether it was
    stored (of two instances or updates adding the same key at once, one wins)."""
    insert = upsert_insert(session, KeyValue)
    stmt = insert.values(key=key, value=value, updated_at=utcnow()).on_conflict_do_nothing(
        index_elements=[KeyValue.key]
    )
    result = await session.execute(stmt)
    return bool(getattr(result, "rowcount", 0))


async def kv_delete(session: AsyncSession, key: str) -> bool:
    """Forget the value stored under `key`, if any; return whether there was one."""
    result = await session.execute(delete(KeyValue).where(KeyValue.key == key))
    return bool(getattr(result, "rowcount", 0))


async def kv_purge(session: AsyncSession, *, prefixes: Sequence[str], before: datetime) -> int:
    """Delete values under keys starting with one of `prefixes` last set before `before`;
    return how many (per-ticket and per-customer marks that matter for days, not for ever)."""
    stmt = delete(KeyValue).where(
        or_(*(KeyValue.key.startswith(prefix, autoescape=True) for prefix in prefixes)),
        KeyValue.updated_at < before,
    )
    result = await session.execute(stmt, execution_options={"synchronize_session": False})
    return int(getattr(result, "rowcount", 0) or 0)
