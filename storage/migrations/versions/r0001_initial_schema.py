"""Initial schema: customers, inbox, interaction log, tickets, links, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 14:43:22.149411
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp() -> sa.DateTime:
    # Aware UTC in the models (storage.timestamps.UTCDateTime); frozen here as its impl.
    return sa.DateTime(timezone=True)


def _big_id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "customers",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("first_name", sa.String(length=256), nullable=False),
        sa.Column("last_name", sa.String(length=256), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("language_code", sa.String(length=16), nullable=True),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("banned", sa.Boolean(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.Column("last_seen_at", _timestamp(), nullable=False),
        sa.CheckConstraint("tier IN ('standard', 'vip', 'vic')", name=op.f("ck_customers_tier")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customers")),
    )
    op.create_table(
        "inbox_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", _timestamp(), nullable=False),
        sa.Column("processed_at", _timestamp(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'done', 'failed')", name=op.f("ck_inbox_updates_status")
        ),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox_updates")),
    )
    op.create_index(
        "ix_inbox_updates_status_update_id", "inbox_updates", ["status", "update_id"], unique=False
    )

    op.create_table(
        "key_values",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", _timestamp(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_key_values")),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("tried", sa.JSON(), nullable=False),
        sa.Column("agent_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("thread_id", sa.BigInteger(), nullable=True),
        sa.Column("card_message_id", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.Column("claimed_by_name", sa.String(length=256), nullable=True),
        sa.Column("opened_at", _timestamp(), nullable=False),
        sa.Column("first_response_due", _timestamp(), nullable=True),
        sa.Column("first_response_at", _timestamp(), nullable=True),
        sa.Column("last_customer_at", _timestamp(), nullable=True),
        sa.Column("last_agent_at", _timestamp(), nullable=True),
        sa.Column("awaiting_reply_since", _timestamp(), nullable=True),
        sa.Column("escalated_at", _timestamp(), nullable=True),
        sa.Column("closed_at", _timestamp(), nullable=True),
        sa.Column("closed_by", sa.BigInteger(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_comment", sa.Text(), nullable=True),
        sa.Column("previous_ticket_id", sa.Integer(), nullable=True),
        sa.Column("customer_blocked", sa.Boolean(), nullable=False),
        sa.Column("opening_update_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "priority IN ('normal', 'high', 'urgent')", name=op.f("ck_tickets_priority")
        ),
        sa.CheckConstraint(
            "reason IN ('asked', 'no_answer', 'not_helpful')", name=op.f("ck_tickets_reason")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'claimed', 'escalated', 'waiting', 'closed')",
            name=op.f("ck_tickets_status"),
        ),
        sa.CheckConstraint("level IN (1, 2)", name=op.f("ck_tickets_level")),
        sa.CheckConstraint(
            "rating IS NULL OR (rating >= 1 AND rating <= 5)", name=op.f("ck_tickets_rating")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_tickets_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["previous_ticket_id"],
            ["tickets.id"],
            name=op.f("fk_tickets_previous_ticket_id_tickets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        sa.UniqueConstraint("opening_update_id", name=op.f("uq_tickets_opening_update_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_tickets_agent_chat_id_thread_id",
        "tickets",
        ["agent_chat_id", "thread_id"],
        unique=False,
    )
    op.create_index(op.f("ix_tickets_customer_id"), "tickets", ["customer_id"], unique=False)
    op.create_index("ix_tickets_status", "tickets", ["status"], unique=False)
    op.create_index(
        "uq_tickets_one_open_per_customer",
        "tickets",
        ["customer_id"],
        unique=True,
        sqlite_where=sa.text("status != 'closed'"),
        postgresql_where=sa.text("status != 'closed'"),
    )

    op.create_table(
        "message_links",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("customer_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("customer_message_id", sa.BigInteger(), nullable=False),
        sa.Column("agent_chat_id", sa.BigInteger(), nullable=False),
        sa.Column("agent_message_id", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("media_group_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint(
            "direction IN ('to_agents', 'to_customer')", name=op.f("ck_message_links_direction")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_message_links_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_links")),
        sa.UniqueConstraint(
            "agent_chat_id",
            "agent_message_id",
            name=op.f("uq_message_links_agent_chat_id_agent_message_id"),
        ),
        sa.UniqueConstraint(
            "customer_chat_id",
            "customer_message_id",
            "direction",
            name=op.f("uq_message_links_customer_chat_id_customer_message_id_direction"),
        ),
    )
    op.create_index(
        op.f("ix_message_links_ticket_id"), "message_links", ["ticket_id"], unique=False
    )

    op.create_table(
        "messages",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("text", sa.String(length=4096), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("telegram_message_id", sa.BigInteger(), nullable=True),
        sa.Column("update_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_messages_direction")),
        sa.CheckConstraint(
            "kind IN ('text', 'photo', 'voice', 'document', 'sticker', 'video', 'audio', "
            "'animation', 'location', 'contact', 'video_note', 'callback', 'other')",
            name=op.f("ck_messages_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_messages_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_messages_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(
        "ix_messages_customer_id_created_at",
        "messages",
        ["customer_id", "created_at"],
        unique=False,
    )
    op.create_index(op.f("ix_messages_ticket_id"), "messages", ["ticket_id"], unique=False)

    op.create_table(
        "ticket_events",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
    )
    op.create_index(
        "ix_ticket_events_ticket_id_id", "ticket_events", ["ticket_id", "id"], unique=False
    )

    op.create_table(
        "kb_decisions",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", _big_id(), nullable=True),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("hits", sa.JSON(), nullable=False),
        sa.Column("article_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('answer', 'suggest', 'handoff')", name=op.f("ck_kb_decisions_kind")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_kb_decisions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_kb_decisions_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_decisions")),
    )
    op.create_index(
        op.f("ix_kb_decisions_customer_id"), "kb_decisions", ["customer_id"], unique=False
    )

    op.create_table(
        "feedback",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("decision_id", _big_id(), nullable=False),
        sa.Column("customer_id", sa.BigInteger(), nullable=False),
        sa.Column("helpful", sa.Boolean(), nullable=False),
        sa.Column("created_at", _timestamp(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_feedback_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["kb_decisions.id"], name=op.f("fk_feedback_decision_id_kb_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_feedback_decision_id")),
    )


def downgrade() -> None:
    """Revert this revision."""
    for table in (
        "feedback",
        "kb_decisions",
        "ticket_events",
        "messages",
        "message_links",
        "tickets",
        "key_values",
        "inbox_updates",
        "customers",
    ):
        op.drop_table(table)
