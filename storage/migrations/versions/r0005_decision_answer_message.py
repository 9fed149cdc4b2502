"""A decision keeps the id of the message that asks "was this helpful?" under its answer.

A customer who types «بله» or «مشکلم حل شد» instead of pressing has answered that question;
the bot then takes its buttons off, which needs the message's id.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 17:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("kb_decisions") as batch:
        batch.add_column(sa.Column("answer_message_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("kb_decisions") as batch:
        batch.drop_column("answer_message_id")
