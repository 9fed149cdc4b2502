"""Helpers shared by the repository modules."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


class HitLike(Protocol):
    """Anything shaped like `kb.decision.Hit` (storage does not import kb)."""

    @property
    def article_id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def score(self) -> float: ...


def hits_json(hits: Iterable[HitLike], *, with_title: bool) -> list[dict[str, Any]]:
    """Turn ranked hits into the JSON list stored with decisions and tickets."""
    rows: list[dict[str, Any]] = []
    for hit in hits:
        row: dict[str, Any] = {"id": hit.article_id, "score": round(float(hit.score), 4)}
        if with_title:
            row["title"] = hit.title
        rows.append(row)
    return rows


def dialect_name(session: AsyncSession) -> str:
    """Return "sqlite" or "postgresql" for the session's database."""
    return session.get_bind().dialect.name


def upsert_insert(session: AsyncSession, table: Any) -> Any:
    """Return the dialect's INSERT that supports ON CONFLICT (both speak the same clause)."""
    if dialect_name(session) == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def advisory_key(namespace: str, value: int) -> int:
    """Map (namespace, id) to a signed 64-bit PostgreSQL advisory lock key."""
    digest = hashlib.blake2b(f"pasokh:{namespace}:{value}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_for_transaction(
    session: AsyncSession, namespace: str, value: int, *, shared: bool = False
) -> None:
    """Serialise transactions working on the same key (PostgreSQL; SQLite already serialises).

    `shared` ones do not wait for each other, only for an exclusive one (and it for them).
    """
    if dialect_name(session) == "postgresql":
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        await session.execute(
            text(f"SELECT {function}(:key)"), {"key": advisory_key(namespace, value)}
        )
