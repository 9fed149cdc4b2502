"""Message links: which copy in the agents' topic belongs to which customer message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_, select
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
    agent_id: int | None = None,
    agent_name: str | None = None,
) -> bool:
    """Remember that two messages are copies of each other; False if already linked so. An
    agent's message copied to the customer keeps its writer (`agent_id`, `agent_name`).

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
        agent_id=agent_id,
        agent_name=agent_name,
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


@dataclass(frozen=True, slots=True)
class HistoryGroup:
    """A message of the conversation, or an album's items together, to copy in one call;
    `from_agents`: an agent's (copied to the customer), else the customer's own."""

    links: list[MessageLink]
    from_agents: bool

    @property
    def agent(self) -> tuple[int | None, str | None]:
        """The id and name of the agent who wrote it ((None, None): the customer's, or an
        agent's linked before links kept whose they were)."""
        first = self.links[0]  # a message's first link: its copy to the customer, if an agent's
        return (first.agent_id, first.agent_name) if self.from_agents else (None, None)

    @property
    def at(self) -> datetime:
        """When the first of them was relayed (to place notes kept meanwhile)."""
        return self.links[0].created_at


@dataclass(frozen=True, slots=True)
class History:
    """A ticket's latest messages, oldest first, and how many earlier ones were left out."""

    groups: list[HistoryGroup] = field(default_factory=list)
    left_out: int = 0


async def recent_history(session: AsyncSession, ticket_id: int, limit: int) -> History:
    """Return the ticket's last `limit` messages, oldest first, an album's items together
    (to copy them again in one call, so they stay one album), each message once.

    The customer's chat holds the whole conversation, so each message is read there, at its
    first link. An agent's message has a "to_customer" link; its copy in a later topic (an
    L2 group's, a recreated one) is linked "to_agents" like a customer's, so who wrote it is
    told by the first, never by the direction of the link at hand.
    """
    first = func.min(MessageLink.id).label("first")
    agents = func.max(case((MessageLink.direction == "to_customer", 1), else_=0)).label("agents")
    messages = (
        select(first, agents)
        .where(MessageLink.ticket_id == ticket_id)
        .group_by(MessageLink.customer_chat_id, MessageLink.customer_message_id)
    )
    latest = (await session.execute(messages.order_by(first.desc()).limit(limit))).all()
    if not latest:
        return History()
    from_agents = {int(row.first): bool(row.agents) for row in latest}
    total = await session.scalar(select(func.count()).select_from(messages.subquery()))
    rows = await session.scalars(
        select(MessageLink).where(MessageLink.id.in_(from_agents)).order_by(MessageLink.id)
    )
    groups: list[HistoryGroup] = []
    for link in rows:
        last = groups[-1] if groups else None
        if (
            link.media_group_id is not None
            and last is not None
            and len(last.links) < ALBUM_MAX
            and last.from_agents == from_agents[link.id]
            and (last.links[0].media_group_id, last.links[0].customer_chat_id)
            == (link.media_group_id, link.customer_chat_id)
            and last.links[0].forwarded == link.forwarded
        ):
            last.links.append(link)
        else:
            groups.append(HistoryGroup([link], from_agents[link.id]))
    return History(groups, int(total or 0) - len(latest))
