"""Pending alerts: deadline alerts kept until Telegram takes them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "pending_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('overdue', 'due_soon')", name=op.f("ck_pending_alerts_kind")),
        sa.CheckConstraint(
            "audience IN ('desk', 'topic', 'supervisors')",
            name=op.f("ck_pending_alerts_audience"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name=op.f("fk_pending_alerts_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_alerts")),
        sa.UniqueConstraint(
            "ticket_id", "kind", "audience", name=op.f("uq_pending_alerts_ticket_id_kind_audience")
        ),
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_table("pending_alerts")
