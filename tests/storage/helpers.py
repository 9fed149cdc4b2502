"""Small builders for storage and handoff tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from kb.decision import Hit
from storage import repositories as repo
from storage.models import Customer, Ticket, Tier

T0 = datetime(2024, 8, 2, 10, 0, tzinfo=UTC)  # 12 Mordad 1403, 13:30 in Tehran
AGENT_CHAT = -1001234567890
HITS = (Hit("password-reset", "بازیابی رمز عبور", 0.41), Hit("vpn", "اتصال VPN", 0.22))


async def add_customer(
    sessions: async_sessionmaker[AsyncSession],
    user_id: int = 111,
    *,
    first_name: str = "علی",
    tier: Tier = "standard",
) -> Customer:
    """Create (or refresh) a customer in its own transaction."""
    async with sessions.begin() as session:
        customer = await repo.upsert_customer(session, user_id=user_id, first_name=first_name)
        if tier != "standard":
            await repo.set_customer_tier(session, user_id=user_id, tier=tier)
            customer.tier = tier
        return customer


async def add_ticket(
    sessions: async_sessionmaker[AsyncSession],
    customer_id: int = 111,
    *,
    question: str = "رمزم را فراموش کرده‌ام",
) -> Ticket:
    """Open a ticket for an existing customer in its own transaction."""
    async with sessions.begin() as session:
        ticket, _ = await repo.create_ticket(
            session,
            customer_id=customer_id,
            question=question,
            reason="no_answer",
            tried=HITS,
            agent_chat_id=AGENT_CHAT,
            opened_at=T0,
        )
        return ticket


async def sqlite_plans(engine: AsyncEngine, call: Callable[[], Awaitable[object]]) -> list[str]:
    """How SQLite reads for every query `call` makes on `engine`: the lines of EXPLAIN QUERY
    PLAN («SEARCH messages USING INDEX ...», or «SCAN messages» for a whole table read)."""
    queries: list[tuple[str, Any]] = []

    def record(_c: Any, _cur: Any, statement: str, parameters: Any, _x: Any, _m: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            queries.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        await call()
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
    plans: list[str] = []
    async with engine.connect() as connection:
        for statement, parameters in queries:
            explained = await connection.exec_driver_sql(
                f"EXPLAIN QUERY PLAN {statement}", parameters
            )
            plans += [str(row[-1]) for row in explained]
    return plans
