"""The interaction log: messages, KB decisions and "was this helpful?" feedback."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    MESSAGE_TEXT_MAX,
    Author,
    DecisionKind,
    Direction,
    Feedback,
    KBDecision,
    Message,
    MessageKind,
)
from storage.repositories._common import HitLike, hits_json, upsert_insert
from storage.timestamps import utcnow


async def log_message(
    session: AsyncSession,
    *,
    customer_id: int,
    direction: Direction,
    kind: MessageKind,
    chat_id: int,
    text: str | None = None,
    ticket_id: int | None = None,
    telegram_message_id: int | None = None,
    update_id: int | None = None,
    author: Author | None = None,
    agent_id: int | None = None,
    agent_name: str | None = None,
    at: datetime | None = None,
) -> Message:
    """Append one message to the interaction log (text cut to Telegram's 4096 limit); one
    the customer is sent says whose it is (`author`; an agent's with their id and name)."""
    message = Message(
        customer_id=customer_id,
        direction=direction,
        kind=kind,
        chat_id=chat_id,
        text=text[:MESSAGE_TEXT_MAX] if text is not None else None,
        ticket_id=ticket_id,
        telegram_message_id=telegram_message_id,
        update_id=update_id,
        author=author,
        agent_id=agent_id,
        agent_name=agent_name,
        created_at=at or utcnow(),
    )
    session.add(message)
    await session.flush()
    return message


async def record_decision(
    session: AsyncSession,
    *,
    customer_id: int,
    query: str,
    kind: DecisionKind,
    confidence: float,
    hits: Iterable[HitLike],
    article_id: str | None = None,
    message_id: int | None = None,
    at: datetime | None = None,
) -> KBDecision:
    """Store what the KB decided for a question, with every hit's score."""
    decision = KBDecision(
        customer_id=customer_id,
        query=query,
        kind=kind,
        confidence=float(confidence),
        hits=hits_json(hits, with_title=False),
        article_id=article_id,
        message_id=message_id,
        created_at=at or utcnow(),
    )
    session.add(decision)
    await session.flush()
    return decision


async def get_decision(session: AsyncSession, decision_id: int) -> KBDecision | None:
    """Return one stored decision."""
    return await session.get(KBDecision, decision_id)


async def record_feedback(
    session: AsyncSession,
    *,
    decision_id: int,
    customer_id: int,
    helpful: bool,
    at: datetime | None = None,
) -> bool:
    """Store the customer's verdict on a decision once; False if it was already given."""
    stmt = (
        upsert_insert(session, Feedback)
        .values(
            decision_id=decision_id,
            customer_id=customer_id,
            helpful=helpful,
            created_at=at or utcnow(),
        )
        .on_conflict_do_nothing(index_elements=[Feedback.decision_id])
        .returning(Feedback.id)
    )
    result = await session.execute(stmt)
    return result.scalar_one_or_none() is not None


async def feedback_for(session: AsyncSession, decision_id: int) -> Feedback | None:
    """Return the feedback given on a decision, if any."""
    result = await session.scalars(select(Feedback).where(Feedback.decision_id == decision_id))
    return result.one_or_none()


async def decisions_since(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime | None = None,
    customer_id: int | None = None,
) -> list[tuple[KBDecision, bool | None]]:
    """Every KB decision from `since` on (and before `until`; only `customer_id`'s, if given),
    oldest first, with the customer's "was this helpful?" answer to it (None: not given)."""
    stmt = (
        select(KBDecision, Feedback.helpful)
        .outerjoin(Feedback, Feedback.decision_id == KBDecision.id)
        .where(KBDecision.created_at >= since)
        # By time first: SQLite then reads the period through its index (ordered by id, it
        # scanned a year's table to read a month).
        .order_by(KBDecision.created_at, KBDecision.id)
    )
    if until is not None:
        stmt = stmt.where(KBDecision.created_at < until)
    if customer_id is not None:
        stmt = stmt.where(KBDecision.customer_id == customer_id)
    return [(decision, helpful) for decision, helpful in (await session.execute(stmt)).all()]
