"""Database models: customers, the update inbox, the interaction log and tickets.

Every timestamp is an aware UTC datetime (see `storage.timestamps.UTCDateTime`).
Status-like columns are short strings guarded by CHECK constraints; their
allowed values are the `Literal` aliases below (one source for both).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.timestamps import UTCDateTime, utcnow

Tier = Literal["standard", "vip", "vic"]
InboxStatus = Literal["pending", "done", "failed"]
Direction = Literal["in", "out"]
MessageKind = Literal[
    "text",
    "photo",
    "voice",
    "document",
    "sticker",
    "video",
    "audio",
    "animation",
    "location",
    "contact",
    "video_note",
    "callback",
    "other",
]
DecisionKind = Literal["answer", "suggest", "handoff"]
TicketStatus = Literal["open", "claimed", "escalated", "waiting", "closed"]
Priority = Literal["normal", "high", "urgent"]
HandoffReason = Literal["asked", "no_answer", "not_helpful", "follow_up"]
LinkDirection = Literal["to_agents", "to_customer"]
# Who wrote a message the customer was sent: an agent of the desk, or the bot itself.
Author = Literal["agent", "bot"]
AlertKind = Literal["overdue", "due_soon"]
# Which response a deadline is for: the first, or second line's after an escalation.
ResponseClock = Literal["first", "l2"]
# Where an alert goes: the agents' group outside any topic, the ticket's topic, the supervisors.
AlertAudience = Literal["desk", "topic", "supervisors"]

# Longest text kept in the interaction log (Telegram's own message limit).
MESSAGE_TEXT_MAX = 4096

# Surrogate keys of the busy tables: 64-bit on PostgreSQL, rowid aliases on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _one_of(column: str, alias: Any) -> str:
    """Build a CHECK expression allowing exactly the values of a Literal alias."""
    values = ", ".join(f"'{value}'" for value in get_args(alias))
    return f"{column} IN ({values})"


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints stably."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Customer(Base):
    """A Telegram user who wrote to the bot."""

    __tablename__ = "customers"
    __table_args__ = (CheckConstraint(_one_of("tier", Tier), name="tier"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(256), default="")
    last_name: Mapped[str | None] = mapped_column(String(256))
    username: Mapped[str | None] = mapped_column(String(64))
    language_code: Mapped[str | None] = mapped_column(String(16))
    tier: Mapped[Tier] = mapped_column(String(16), default="standard")
    banned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # After a close (bot.handlers.after_close.after_close): the customer's next text is the rating
    # comment of `comment_ticket_id`; their next message within a window opens a follow-up of
    # `follow_up_ticket_id` (closed at `follow_up_at`). In this row, not in key_values, because
    # every private message reads it, and the customer upsert returns it without another query.
    comment_ticket_id: Mapped[int | None] = mapped_column(Integer)
    follow_up_ticket_id: Mapped[int | None] = mapped_column(Integer)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def full_name(self) -> str:
        """Return the display name Telegram would show."""
        return " ".join(part for part in (self.first_name, self.last_name) if part)


class InboxUpdate(Base):
    """A raw Telegram update stored before it is confirmed, so a crash loses nothing."""

    __tablename__ = "inbox_updates"
    __table_args__ = (
        CheckConstraint(_one_of("status", InboxStatus), name="status"),
        Index("ix_inbox_updates_status_update_id", "status", "update_id"),
    )

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[InboxStatus] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    """One message in or out of a customer's private chat (the interaction log)."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(_one_of("direction", Direction), name="direction"),
        CheckConstraint(_one_of("kind", MessageKind), name="kind"),
        CheckConstraint(_one_of("author", Author), name="author"),
        Index("ix_messages_customer_id_created_at", "customer_id", "created_at"),
        Index("ix_messages_created_at", "created_at"),  # a day's log (handoff.figures)
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    direction: Mapped[Direction] = mapped_column(String(8))
    kind: Mapped[MessageKind] = mapped_column(String(16))
    text: Mapped[str | None] = mapped_column(String(MESSAGE_TEXT_MAX))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    # The album an incoming photo or file was part of (one message per item).
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    # Who wrote a message the customer was sent: an agent (their Telegram user id and name, as
    # a ticket keeps its holder's) or the bot. None for the customer's own messages, and for
    # those logged before revision 0013, which did not keep whose they were.
    author: Mapped[Author | None] = mapped_column(String(8))
    agent_id: Mapped[int | None] = mapped_column(BigInteger)
    agent_name: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KBDecision(Base):
    """What the knowledge base decided for one question, with its scores."""

    __tablename__ = "kb_decisions"
    __table_args__ = (
        CheckConstraint(_one_of("kind", DecisionKind), name="kind"),
        Index("ix_kb_decisions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(BigIntPK, ForeignKey("messages.id"))
    query: Mapped[str] = mapped_column(Text)
    kind: Mapped[DecisionKind] = mapped_column(String(16))
    confidence: Mapped[float] = mapped_column(Float)
    # [{"id": article id, "score": float}, ...] best first.
    hits: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    article_id: Mapped[str | None] = mapped_column(String(128))
    # The customer's message that shows the answer's "was this helpful?" buttons, once sent.
    answer_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Feedback(Base):
    """A customer's "was this helpful?" answer; at most one per decision."""

    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("decision_id"),
        Index("ix_feedback_created_at", "created_at"),
        # A customer's latest answers (failed attempts in a row), at every question.
        Index("ix_feedback_customer_id_id", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    decision_id: Mapped[int] = mapped_column(BigIntPK, ForeignKey("kb_decisions.id"))
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"))
    helpful: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Ticket(Base):
    """A hand-off to people; `id` is the number #N customers and agents see."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_one_of("status", TicketStatus), name="status"),
        CheckConstraint(_one_of("priority", Priority), name="priority"),
        CheckConstraint(_one_of("reason", HandoffReason), name="reason"),
        CheckConstraint("level IN (1, 2)", name="level"),
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating"),
        # The database itself keeps a customer to one ticket that is not closed.
        Index(
            "uq_tickets_one_open_per_customer",
            "customer_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_tickets_agent_chat_id_thread_id", "agent_chat_id", "thread_id"),
        # A group's open tickets (/tickets), however many it has closed.
        Index(
            "ix_tickets_open_by_chat",
            "agent_chat_id",
            "awaiting_reply_since",
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_tickets_status", "status"),
        # A day's tickets (handoff.figures), and the overdue ones (bot.supervision).
        Index("ix_tickets_opened_at", "opened_at"),
        Index("ix_tickets_closed_at", "closed_at"),
        Index("ix_tickets_first_response_at", "first_response_at"),
        Index("ix_tickets_first_response_due", "first_response_due"),
        # The same for second-line replies (escalated tickets).
        Index("ix_tickets_l2_response_at", "l2_response_at"),
        Index("ix_tickets_l2_response_due", "l2_response_due"),
        # AUTOINCREMENT: numbers are never reused on SQLite.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    customer_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("customers.id"), index=True)
    status: Mapped[TicketStatus] = mapped_column(String(16), default="open")
    level: Mapped[int] = mapped_column(Integer, default=1)
    priority: Mapped[Priority] = mapped_column(String(16), default="normal")
    reason: Mapped[HandoffReason] = mapped_column(String(16))
    question: Mapped[str] = mapped_column(Text)
    # [{"id": article id, "title": str, "score": float}, ...] best first.
    tried: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    agent_chat_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    card_message_id: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)
    claimed_by_name: Mapped[str | None] = mapped_column(String(256))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_customer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_agent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Oldest customer message no agent has answered yet (None: nobody is waiting).
    awaiting_reply_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Second line's reply is due by then (counted from the escalation, as the first response
    # is from the opening), and was first sent then (None: not yet).
    l2_response_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    l2_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[int | None] = mapped_column(BigInteger)
    rating: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    previous_ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    customer_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    opening_update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)


class TicketEvent(Base):
    """One entry of a ticket's audit trail."""

    __tablename__ = "ticket_events"
    __table_args__ = (
        Index("ix_ticket_events_ticket_id_id", "ticket_id", "id"),
        Index("ix_ticket_events_kind_created_at", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    # "opened", "claimed", "released", "escalated", "waiting", "resumed", "closed", "rated",
    # "note", "relay_failed", "not_relayed", "topic_recreated", "customer_blocked", ...
    kind: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MessageLink(Base):
    """Ties a message in the customer's chat to its copy in the agents' topic."""

    __tablename__ = "message_links"
    __table_args__ = (
        CheckConstraint(_one_of("direction", LinkDirection), name="direction"),
        UniqueConstraint("agent_chat_id", "agent_message_id"),
        UniqueConstraint("customer_chat_id", "customer_message_id", "direction"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_chat_id: Mapped[int] = mapped_column(BigInteger)
    customer_message_id: Mapped[int] = mapped_column(BigInteger)
    agent_chat_id: Mapped[int] = mapped_column(BigInteger)
    agent_message_id: Mapped[int] = mapped_column(BigInteger)
    direction: Mapped[LinkDirection] = mapped_column(String(16))
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    # The customer forwarded it from elsewhere: copied again (to L2, a new topic), it is
    # forwarded too, so agents still see whose words they are.
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The agent who wrote a message copied to the customer ("to_customer"): a history copied
    # into a new topic names them. None on other links, and on links made before 0013.
    agent_id: Mapped[int | None] = mapped_column(BigInteger)
    agent_name: Mapped[str | None] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PendingAlert(Base):
    """A deadline alert decided but not yet delivered (bot.supervision).

    Kept until Telegram takes it, so an outage delays alerts rather than losing them; drawn
    when it is sent, from the ticket as it is then.
    """

    __tablename__ = "pending_alerts"
    __table_args__ = (
        CheckConstraint(_one_of("kind", AlertKind), name="kind"),
        CheckConstraint(_one_of("audience", AlertAudience), name="audience"),
        UniqueConstraint("ticket_id", "kind", "audience"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    kind: Mapped[AlertKind] = mapped_column(String(16))
    audience: Mapped[AlertAudience] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class KeyValue(Base):
    """Small settings that must survive restarts (e.g. the agents' chat id after a migration)."""

    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Lease(Base):
    """A job only one bot process may do at a time (polling Telegram), who does it, until when.

    The holder renews it well before `expires_at`; another process takes it over once it
    has expired, or at once when the holder is known dead (same host, process gone).
    """

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(64))  # one process run: a random id
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
