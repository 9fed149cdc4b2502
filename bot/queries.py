"""Small database reads the bot needs that storage.repositories does not offer (yet)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import DATABASE_ERRORS
from storage.models import Feedback, InboxUpdate, KBDecision, Message
from storage.repositories import kv_get, kv_set
from storage.timestamps import utcnow

log = logging.getLogger(__name__)

# Feedback rows looked at when counting failures in a row.
RECENT_FEEDBACK = 5


async def failed_attempts_in_row(
    session: AsyncSession, *, customer_id: int, since: datetime
) -> int:
    """Count the customer's latest "not helpful" answers in a row since `since`."""
    rows = await session.scalars(
        select(Feedback.helpful)
        .where(Feedback.customer_id == customer_id, Feedback.created_at >= since)
        .order_by(Feedback.id.desc())
        .limit(RECENT_FEEDBACK)
    )
    count = 0
    for helpful in rows:
        if helpful:
            break
        count += 1
    return count


async def latest_decision(
    session: AsyncSession, *, customer_id: int, since: datetime
) -> KBDecision | None:
    """Return the customer's most recent KB decision since `since`."""
    result = await session.scalars(
        select(KBDecision)
        .where(KBDecision.customer_id == customer_id, KBDecision.created_at >= since)
        .order_by(KBDecision.id.desc())
        .limit(1)
    )
    return result.first()


async def latest_incoming(
    session: AsyncSession, *, customer_id: int, since: datetime, direction: str = "in"
) -> Message | None:
    """Return the last message the customer sent since `since` (a press counts as one); with
    `direction="out"`, the last the bot sent them."""
    result = await session.scalars(
        select(Message)
        .where(
            Message.customer_id == customer_id,
            Message.created_at >= since,
            Message.direction == direction,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return result.first()


async def incoming_copy(
    session: AsyncSession, *, customer_id: int, telegram_message_id: int
) -> Message | None:
    """Return the log's latest row of a message the customer sent (an edit adds a row)."""
    result = await session.scalars(
        select(Message)
        .where(
            Message.customer_id == customer_id,
            Message.telegram_message_id == telegram_message_id,
            Message.direction == "in",
            Message.kind != "callback",  # a press logs the id of the message it was under
        )
        .order_by(Message.id.desc())
        .limit(1)
    )
    return result.first()


async def wordings(
    session: AsyncSession, *, customer_id: int, telegram_message_id: int
) -> list[str]:
    """Return every wording of a message the customer sent, as first sent and as each edit
    left it (the log adds a row an edit), latest first."""
    result = await session.scalars(
        select(Message.text)
        .where(
            Message.customer_id == customer_id,
            Message.telegram_message_id == telegram_message_id,
            Message.direction == "in",
            Message.kind != "callback",
            Message.text.is_not(None),
        )
        .order_by(Message.id.desc())
    )
    return [text for text in result if text]


async def decision_on(
    session: AsyncSession, *, customer_id: int, telegram_message_id: int
) -> KBDecision | None:
    """Return the latest KB decision on a message the customer sent (as first sent or as
    edited since: each wording is a row of the log)."""
    result = await session.scalars(
        select(KBDecision)
        .join(Message, KBDecision.message_id == Message.id)
        .where(
            KBDecision.customer_id == customer_id,
            Message.customer_id == customer_id,
            Message.telegram_message_id == telegram_message_id,
            Message.direction == "in",
        )
        .order_by(KBDecision.id.desc())
        .limit(1)
    )
    return result.first()


async def pending_updates(
    session: AsyncSession, *, after: int | None, limit: int
) -> list[InboxUpdate]:
    """Return pending inbox rows after update id `after`, oldest first."""
    stmt = select(InboxUpdate).where(InboxUpdate.status == "pending")
    if after is not None:
        stmt = stmt.where(InboxUpdate.update_id > after)
    return list(await session.scalars(stmt.order_by(InboxUpdate.update_id).limit(limit)))


async def chats_with_pending_updates(session: AsyncSession) -> set[int]:
    """The chats with an update stored and not yet handled (a customer's reply, say)."""
    rows = await session.scalars(
        select(InboxUpdate.chat_id)
        .where(InboxUpdate.status == "pending", InboxUpdate.chat_id.is_not(None))
        .distinct()
    )
    return {chat_id for chat_id in rows if chat_id is not None}


def _choices_key(customer_id: int) -> str:
    return f"choices_closed:{customer_id}"


async def close_choices(session: AsyncSession, customer_id: int) -> None:
    """The customer moved on (/start, the categories, a guide browsed): a «۲» or a «نه» typed
    from now on is not about the guides or the answer the bot showed before."""
    await kv_set(session, _choices_key(customer_id), utcnow().isoformat())


async def choices_since(session: AsyncSession, customer_id: int, since: datetime) -> datetime:
    """`since`, or when the customer last moved on from what the bot offered, if later."""
    closed = await kv_get(session, _choices_key(customer_id))
    if not isinstance(closed, str):
        return since
    return max(since, datetime.fromisoformat(closed))


# Marks kept per ticket or customer that matter for days: the rating buttons a typed rating
# takes off, when the customer moved on from what the bot offered (memory windows are at most
# a week), a history copy's label posted before its copy was made, a kept message copied into
# a new topic's history. Purged with the inbox once this old, else one row a closed ticket
# stays for ever.
SHORT_LIVED_MARKS = (
    "rating_message:",
    "choices_closed:",
    "still_waiting:",
    "history_label:",
    "history_kept:",
)
MARKS_KEEP = timedelta(days=30)


def topics_off_key(chat_id: int) -> str:
    """Set while a desk group is known to have its Topics turned off (said once)."""
    return f"topics_off:{chat_id}"


def history_label_key(ticket_id: int, chat_id: int, message_id: int) -> str:
    """Where the topic is kept in which the label before a history copy was posted (a copy
    tried again after a stop finds its label there already)."""
    return f"history_label:{ticket_id}:{chat_id}:{message_id}"


def history_kept_key(ticket_id: int, chat_id: int, message_id: int) -> str:
    """Where the topic is kept into whose history a message kept in an agents' chat (a note's
    screenshot) was copied: a copy tried again, or the history given again, finds it there."""
    return f"history_kept:{ticket_id}:{chat_id}:{message_id}"


def still_waiting_key(ticket_id: int) -> str:
    """When a ticket's customer, writing before any answer, was last told it still waits."""
    return f"still_waiting:{ticket_id}"


def rating_message_key(ticket_id: int) -> str:
    """Where the id of the message asking for a ticket's rating is kept (its buttons)."""
    return f"rating_message:{ticket_id}"


async def remember_rating_message(
    sessions: async_sessionmaker[AsyncSession], ticket_id: int, message_id: int
) -> None:
    """Keep which message asks for the ticket's rating; a failure costs only its buttons
    staying after a typed rating (pressing one then says it was rated)."""
    try:
        async with sessions.begin() as session:
            await kv_set(session, rating_message_key(ticket_id), message_id)
    except DATABASE_ERRORS as error:
        log.warning("ticket %s: its rating message was not kept: %s", ticket_id, error)
