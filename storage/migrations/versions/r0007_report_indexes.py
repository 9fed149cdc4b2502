"""Indexes for the supervisors' figures: each reads one day of the log by its timestamps.

Without them, /report (answered inside an update's transaction) and the daily report scan
every message, decision and ticket ever logged.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 20:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_messages_created_at", "messages", ["created_at"]),
    ("ix_kb_decisions_created_at", "kb_decisions", ["created_at"]),
    ("ix_feedback_created_at", "feedback", ["created_at"]),
    ("ix_ticket_events_kind_created_at", "ticket_events", ["kind", "created_at"]),
    ("ix_tickets_opened_at", "tickets", ["opened_at"]),
    ("ix_tickets_closed_at", "tickets", ["closed_at"]),
    ("ix_tickets_first_response_at", "tickets", ["first_response_at"]),
    ("ix_tickets_first_response_due", "tickets", ["first_response_due"]),
)


def upgrade() -> None:
    """Apply this revision."""
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Revert this revision."""
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
