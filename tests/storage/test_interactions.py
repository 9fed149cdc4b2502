"""The interaction log: messages, decisions and one feedback per decision."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repositories as repo
from storage.models import MESSAGE_TEXT_MAX, Feedback
from tests.storage.fixtures import Makers
from tests.storage.helpers import HITS, T0, add_customer


async def test_long_message_text_is_kept_up_to_telegrams_limit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    async with sessions.begin() as session:
        message = await repo.log_message(
            session, customer_id=1, direction="in", kind="text", chat_id=1, text="ب" * 5000
        )
    async with sessions() as session:
        stored = await session.get(type(message), message.id)

    assert stored is not None and stored.text == "ب" * MESSAGE_TEXT_MAX


async def test_decision_keeps_every_hit_with_its_score(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    async with sessions.begin() as session:
        message = await repo.log_message(
            session, customer_id=1, direction="in", kind="text", chat_id=1, text="رمز"
        )
        decision = await repo.record_decision(
            session,
            customer_id=1,
            query="رمز",
            kind="suggest",
            confidence=0.4,
            hits=HITS,
            message_id=message.id,
        )
    async with sessions() as session:
        stored = await repo.get_decision(session, decision.id)

    assert stored is not None
    assert stored.hits == [{"id": "password-reset", "score": 0.41}, {"id": "vpn", "score": 0.22}]
    assert (stored.kind, stored.message_id) == ("suggest", message.id)


async def test_feedback_counts_once_per_decision_even_when_tapped_concurrently(
    sessions: async_sessionmaker[AsyncSession], more_sessions: Makers
) -> None:
    await add_customer(sessions, 1)
    async with sessions.begin() as session:
        decision = await repo.record_decision(
            session, customer_id=1, query="q", kind="answer", confidence=0.9, hits=HITS[:1]
        )

    async def tap(maker: async_sessionmaker[AsyncSession], helpful: bool) -> bool:
        async with maker.begin() as session:
            return await repo.record_feedback(
                session, decision_id=decision.id, customer_id=1, helpful=helpful
            )

    results = await asyncio.gather(
        tap(sessions, True), tap(more_sessions(), False), tap(more_sessions(), True)
    )
    again = await tap(sessions, False)

    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(Feedback))
        first = await repo.feedback_for(session, decision.id)
    assert sorted(results) == [False, False, True]
    assert again is False
    assert count == 1 and first is not None


async def test_decisions_since_come_oldest_first_with_the_customers_verdict(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_customer(sessions, 1)
    async with sessions.begin() as session:
        ids = []
        for minutes, query in ((-90, "دیروزی"), (5, "رمز"), (10, "گزارش"), (20, "وی پی ان")):
            decision = await repo.record_decision(
                session,
                customer_id=1,
                query=query,
                kind="answer",
                confidence=0.9,
                hits=HITS,
                article_id="password-reset",
                at=T0 + timedelta(minutes=minutes),
            )
            ids.append(decision.id)
        await repo.record_feedback(session, decision_id=ids[1], customer_id=1, helpful=False)
        await repo.record_feedback(session, decision_id=ids[2], customer_id=1, helpful=True)
    async with sessions() as session:
        rows = await repo.decisions_since(session, since=T0)
        until = await repo.decisions_since(session, since=T0, until=T0 + timedelta(minutes=20))

    assert [d.query for d, _ in until] == ["رمز", "گزارش"]  # a day's span ends before `until`
    assert [(d.query, helpful) for d, helpful in rows] == [
        ("رمز", False),
        ("گزارش", True),
        ("وی پی ان", None),
    ]
    assert rows[0][0].created_at == T0 + timedelta(minutes=5)
