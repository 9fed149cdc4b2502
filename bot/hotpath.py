"""The statements every customer message runs, built once and reused.

Each customer message upserts the customer (reading their open ticket in the same
statement), logs the message and marks the update done. Building these statements per call
(ORM attribute comparisons, `insert().values()`, `.excluded`) cost more than
running them; prebuilt Core statements with bind parameters make the per-message
database work about three times cheaper. Same tables and semantics as
storage.repositories (upsert_customer, open_ticket_for, log_message, record_decision,
remember_answer_messages, inbox_add, inbox_mark); candidates to move there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    Boolean,
    Insert,
    Integer,
    Select,
    String,
    Table,
    TextualSelect,
    Update,
    bindparam,
    column,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.formatting import bound
from storage.models import (
    MESSAGE_TEXT_MAX,
    Author,
    Customer,
    InboxUpdate,
    KBDecision,
    Message,
)
from storage.repositories import inbox_add
from storage.repositories.customers import profile
from storage.timestamps import UTCDateTime, utcnow

_customers: Table = Customer.__table__  # type: ignore[assignment]
_messages: Table = Message.__table__  # type: ignore[assignment]
_inbox: Table = InboxUpdate.__table__  # type: ignore[assignment]
_decisions: Table = KBDecision.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """What a handler needs to know about the customer writing."""

    id: int
    first_name: str
    tier: str
    banned: bool
    # Read with the profile (one statement): the ticket that is not closed, and what a
    # closed ticket left for the next message (see bot.handlers.after_close).
    open_ticket_id: int | None = None
    comment_ticket_id: int | None = None
    follow_up_ticket_id: int | None = None
    follow_up_at: datetime | None = None

    @property
    def after_close(self) -> bool:
        """Say whether a closed ticket waits for this customer's next message."""
        return self.comment_ticket_id is not None or self.follow_up_ticket_id is not None


@cache
def _upsert_customer() -> TextualSelect:
    # Plain SQL, the same on SQLite (>= 3.35) and PostgreSQL: the dialects' own
    # insert().on_conflict_do_update() constructs are not cacheable, so SQLAlchemy
    # would compile them again for every message.
    return (
        text(
            "INSERT INTO customers"
            " (id, first_name, last_name, username, language_code, tier, banned,"
            " created_at, last_seen_at)"
            " VALUES (:id, :first_name, :last_name, :username, :language_code, 'standard', false,"
            " :seen_at, :seen_at)"
            " ON CONFLICT (id) DO UPDATE SET first_name = excluded.first_name,"
            " last_name = excluded.last_name, username = excluded.username,"
            " language_code = excluded.language_code, last_seen_at = excluded.last_seen_at"
            " RETURNING tier, banned, comment_ticket_id, follow_up_ticket_id, follow_up_at,"
            " (SELECT t.id FROM tickets AS t WHERE t.customer_id = customers.id"
            " AND t.status != 'closed' LIMIT 1) AS open_ticket_id"
        )
        .bindparams(bindparam("seen_at", type_=UTCDateTime()))
        .columns(
            column("tier", String()),
            column("banned", Boolean()),
            column("comment_ticket_id", Integer()),
            column("follow_up_ticket_id", Integer()),
            column("follow_up_at", UTCDateTime()),
            column("open_ticket_id", Integer()),
        )
    )


@cache
def _insert_message() -> Insert:
    return (
        insert(_messages)
        .values(
            customer_id=bindparam("customer_id"),
            ticket_id=bindparam("ticket_id"),
            direction=bindparam("direction"),
            kind=bindparam("kind"),
            text=bindparam("text"),
            chat_id=bindparam("chat_id"),
            telegram_message_id=bindparam("telegram_message_id"),
            update_id=bindparam("update_id"),
            media_group_id=bindparam("media_group_id"),
            author=bindparam("author"),
            agent_id=bindparam("agent_id"),
            agent_name=bindparam("agent_name"),
            created_at=bindparam("created_at"),
        )
        .returning(_messages.c.id)
    )


@cache
def _insert_decision() -> Insert:
    return (
        insert(_decisions)
        .values(
            customer_id=bindparam("customer_id"),
            message_id=bindparam("message_id"),
            query=bindparam("query"),
            kind=bindparam("kind"),
            confidence=bindparam("confidence"),
            hits=bindparam("hits"),
            article_id=bindparam("article_id"),
            created_at=bindparam("created_at"),
        )
        .returning(_decisions.c.id)
    )


@cache
def _remember_answer() -> Update:
    return (
        update(_decisions)
        .where(_decisions.c.id == bindparam("decision_id"))
        .values(answer_message_id=bindparam("sent_id"))  # «message_id» is a column here
    )


@cache
def _mark_inbox() -> Update:
    return (
        update(_inbox)
        .where(_inbox.c.update_id == bindparam("target"))
        .values(
            status=bindparam("status"),
            error=bindparam("error"),
            attempts=_inbox.c.attempts + 1,
            processed_at=bindparam("processed_at"),
        )
    )


@cache
def _known_inbox() -> Select[tuple[int]]:
    return select(_inbox.c.update_id).where(
        _inbox.c.update_id.in_(bindparam("ids", expanding=True))
    )


@cache
def _add_inbox() -> Insert:
    return insert(_inbox).values(
        update_id=bindparam("update_id"),
        chat_id=bindparam("chat_id"),
        payload=bindparam("payload"),
        status="pending",
        attempts=0,
        received_at=bindparam("received_at"),
    )


async def _execute(session: AsyncSession, statement: Any, params: Any) -> Any:
    """Run a Core statement on the session's connection (skips the ORM's execution path)."""
    connection = await session.connection()
    return await connection.execute(statement, params)


async def upsert_customer(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None,
    username: str | None,
    language_code: str | None,
) -> CustomerRef:
    """Insert or refresh the customer's profile; return it with their open ticket."""
    row = (
        await _execute(
            session,
            _upsert_customer(),
            {
                "id": user_id,
                **profile(first_name, last_name, username, language_code),
                "seen_at": utcnow(),
            },
        )
    ).one()
    return CustomerRef(
        user_id,
        first_name,
        str(row.tier),
        bool(row.banned),
        open_ticket_id=row.open_ticket_id,
        comment_ticket_id=row.comment_ticket_id,
        follow_up_ticket_id=row.follow_up_ticket_id,
        follow_up_at=row.follow_up_at,
    )


async def log_message(
    session: AsyncSession,
    *,
    customer_id: int,
    direction: Literal["in", "out"],
    kind: str,
    chat_id: int,
    text: str | None,
    ticket_id: int | None,
    telegram_message_id: int | None,
    update_id: int | None,
    media_group_id: str | None = None,
    author: Author | None = None,
    agent_id: int | None = None,
    agent_name: str | None = None,
) -> int:
    """Append a message to the interaction log; return its id. One the customer is sent
    says whose it is (`author`; an agent's with their id and name)."""
    result = await _execute(
        session,
        _insert_message(),
        {
            "customer_id": customer_id,
            "ticket_id": ticket_id,
            "direction": direction,
            "kind": kind,
            "text": bound(text, MESSAGE_TEXT_MAX) if text is not None else None,
            "chat_id": chat_id,
            "telegram_message_id": telegram_message_id,
            "update_id": update_id,
            "media_group_id": media_group_id,
            "author": author,
            "agent_id": agent_id,
            "agent_name": agent_name,
            "created_at": utcnow(),
        },
    )
    return int(result.scalar_one())


async def remember_answer_messages(session: AsyncSession, sent: Sequence[tuple[int, int]]) -> None:
    """Keep, on each decision, the id of the message asking whether its answer helped."""
    await _execute(
        session,
        _remember_answer(),
        [{"decision_id": decision, "sent_id": message} for decision, message in sent],
    )


async def record_decision(
    session: AsyncSession,
    *,
    customer_id: int,
    message_id: int | None,
    query: str,
    kind: str,
    confidence: float,
    hits: list[dict[str, Any]],
    article_id: str | None,
) -> int:
    """Store a KB decision with its scores; return its id."""
    result = await _execute(
        session,
        _insert_decision(),
        {
            "customer_id": customer_id,
            "message_id": message_id,
            "query": query,
            "kind": kind,
            "confidence": float(confidence),
            "hits": hits,
            "article_id": article_id,
            "created_at": utcnow(),
        },
    )
    return int(result.scalar_one())


async def mark_inbox(
    session: AsyncSession,
    update_id: int,
    status: Literal["pending", "done", "failed"],
    error: str | None = None,
) -> None:
    """Record the outcome of processing an update."""
    await _execute(
        session,
        _mark_inbox(),
        {
            "target": update_id,
            "status": status,
            "error": error[:2000] if error else None,
            "processed_at": None if status == "pending" else utcnow(),
        },
    )


async def add_inbox(
    session: AsyncSession, rows: Sequence[tuple[int, int | None, dict[str, Any]]]
) -> set[int]:
    """Store a batch of raw updates in one statement; return the update ids new to the inbox."""
    if not rows:
        return set()
    now = utcnow()
    ids = [update_id for update_id, _, _ in rows]
    known = set((await _execute(session, _known_inbox(), {"ids": ids})).scalars())
    params = [
        {"update_id": update_id, "chat_id": chat_id, "payload": payload, "received_at": now}
        for update_id, chat_id, payload in rows
        if update_id not in known
    ]
    if not params:
        return set()
    try:
        async with session.begin_nested():
            await _execute(session, _add_inbox(), params)
    except IntegrityError:
        # Another process stored some of them meanwhile: fall back to one by one.
        return {
            update_id
            for update_id, chat_id, payload in rows
            if update_id not in known and await inbox_add(session, update_id, chat_id, payload)
        }
    return {update_id for update_id, _, _ in rows if update_id not in known}
