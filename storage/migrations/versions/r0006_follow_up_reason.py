"""A ticket opened by the customer's next message after a close says so: reason "follow_up".

Such tickets were stored as "asked" (the customer asked for a person), which they had not;
the card showed that reason to the agents, and the log would count them as requests.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "reason IN ('asked', 'no_answer', 'not_helpful')"
_AFTER = "reason IN ('asked', 'no_answer', 'not_helpful', 'follow_up')"


def _allow(condition: str) -> None:
    # SQLite cannot alter a constraint: batch mode copies the table (named CHECKs and the
    # partial unique index included; AUTOINCREMENT only when asked for again), with foreign
    # keys off (storage/migrations/env.py).
    with op.batch_alter_table("tickets", table_kwargs={"sqlite_autoincrement": True}) as batch:
        batch.drop_constraint(op.f("ck_tickets_reason"), type_="check")
        batch.create_check_constraint(op.f("ck_tickets_reason"), condition)


def upgrade() -> None:
    """Apply this revision."""
    _allow(_AFTER)


def downgrade() -> None:
    """Revert this revision: follow-ups become what they were stored as before it."""
    op.execute("UPDATE tickets SET reason = 'asked' WHERE reason = 'follow_up'")
    _allow(_BEFORE)
