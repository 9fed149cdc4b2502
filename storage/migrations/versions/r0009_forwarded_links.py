"""Message links say whether the customer's message was forwarded from elsewhere.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 05:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("message_links") as batch:
        batch.add_column(
            sa.Column("forwarded", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("message_links") as batch:
        batch.drop_column("forwarded")
