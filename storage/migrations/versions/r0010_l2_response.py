"""Tickets keep when second line's reply is due and when it first came.

An escalated ticket's clock restarts at the escalation: the overdue scan (bot.supervision)
reads `l2_response_due`, the supervisors' figures `l2_response_at`, both through an index.
Tickets escalated before this revision and answered since get their latest agent reply as
the L2 reply (the first one after the escalation was not kept apart); the bot gives the
open ones their deadline at its next start, on its support calendar.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_tickets_l2_response_at", ["l2_response_at"]),
    ("ix_tickets_l2_response_due", ["l2_response_due"]),
)


def upgrade() -> None:
    """Apply this revision."""
    # Aware UTC in the models (storage.timestamps.UTCDateTime); frozen here as its impl.
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("l2_response_due", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("l2_response_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE tickets SET l2_response_at = last_agent_at"
        " WHERE escalated_at IS NOT NULL AND last_agent_at > escalated_at"
    )
    for name, columns in INDEXES:
        op.create_index(name, "tickets", columns)


def downgrade() -> None:
    """Revert this revision."""
    for name, _ in reversed(INDEXES):
        op.drop_index(name, table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("l2_response_at")
        batch.drop_column("l2_response_due")
