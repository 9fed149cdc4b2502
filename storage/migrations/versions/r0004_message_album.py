"""The interaction log keeps which album a message was part of.

An album arrives as one message per item; the bot answers the album once (its first item
speaks for it), and the log shows the items as one album.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 16:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("media_group_id", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("media_group_id")
