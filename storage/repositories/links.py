"""Message links: which copy in the agents' topic belongs to which customer message."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import LinkDirection, MessageLink
from storage.repositories._common import upsert_insert


async def link_messages(
    session: AsyncSession,
    *,
    ticket_id: int,
    customer_chat_id: int,
    customer_message_id: int,
    agent_chat_id: int,
    agent_message_id: int,
    direction: LinkDirection,
    media_group_id: str | None = None,
    forwarded: bool = False,
) -> bool:
    """Remember that two messages are copies of each other; False if already linked so.

    A message copied again (the history copied into an L2 group's topic, or into a topic
    recreated after an agent deleted it) is linked to its newest copy: the one agents now read,
    where the customer's edits must land and whose replies must reach the customer.
    """
    insert = upsert_insert(session, MessageLink).values(
        ticket_id=ticket_id,
        customer_chat_id=customer_chat_id,
        customer_message_id=customer_message_id,
        agent_chat_id=agent_chat_id,
        agent_message_id=agent_message_id,
        direction=direction,
        media_group_id=media_group_id,
        forwarded=forwarded,
    )
    stmt = insert.on_conflict_do_update(
        index_elements=["customer_chat_id", "customer_message_id", "direction"],
        set_={
            "agent_chat_id": insert.excluded.agent_chat_id,
            "agent_message_id": insert.excluded.agent_message_id,
        },
        where=or_(
            MessageLink.agent_chat_id != insert.excluded.agent_chat_id,
            MessageLink.agent_message_id != insert.excluded.agent_message_id,
        ),
    ).returning(MessageLink.id)
    result = await session.execute(stmt)
    return result.scalar_one_or_none() is not None


async def find_link_by_agent_message(
    session: AsyncSession, *, agent_chat_id: int, agent_message_id: int
) -> MessageLink | None:
    """Return the link for a message in the agents' chat (original or copy)."""
    result = await session.scalars(
        select(MessageLink).where(
            MessageLink.agent_chat_id == agent_chat_id,
            MessageLink.agent_message_id == agent_message_id,
        )
    )
    return result.one_or_none()


async def find_link_by_customer_message(
    session: AsyncSession,
    *,
    customer_chat_id: int,
    customer_message_id: int,
    direction: LinkDirection | None = None,
) -> MessageLink | None:
    """Return the link for a message in the customer's chat (original or copy)."""
    stmt = select(MessageLink).where(
        MessageLink.customer_chat_id == customer_chat_id,
        MessageLink.customer_message_id == customer_message_id,
    )
    if direction is not None:
        stmt = stmt.where(MessageLink.direction == direction)
    result = await session.scalars(stmt.order_by(MessageLink.id).limit(1))
    return result.first()


# Telegram takes at most ten messages in one album.
ALBUM_MAX = 10


async def recent_history(
    session: AsyncSession, ticket_id: int, limit: int
) -> list[list[MessageLink]]:
    """Return the ticket's last `limit` relayed messages, oldest first, an album's items
    together (to copy them again in one call, so they stay one album)."""
    rows = await session.scalars(
        select(MessageLink)
        .where(MessageLink.ticket_id == ticket_id)
        .order_by(MessageLink.id.desc())
        .limit(limit)
    )
    groups: list[list[MessageLink]] = []
    for link in reversed(list(rows)):
        last = groups[-1] if groups else []
        if (
            link.media_group_id is not None
            and last
            and len(last) < ALBUM_MAX
            and (last[0].media_group_id, last[0].customer_chat_id, last[0].forwarded)
            == (link.media_group_id, link.customer_chat_id, link.forwarded)
        ):
            last.append(link)
        else:
            groups.append([link])
    return groups
