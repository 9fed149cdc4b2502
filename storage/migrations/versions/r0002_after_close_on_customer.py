"""Keep the after-close state (rating comment, follow-up) on the customer row.

It lived in key_values as "desk:comment:<customer>" (a ticket id) and
"desk:follow_up:<customer>" ({"ticket": id, "at": ISO time}); every private
message read both keys. Existing rows move into the new columns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 15:40:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from storage.timestamps import UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COMMENT_PREFIX = "desk:comment:"
FOLLOW_UP_PREFIX = "desk:follow_up:"

_key_values = sa.table(
    "key_values",
    sa.column("key", sa.String()),
    sa.column("value", sa.JSON()),
    sa.column("updated_at", UTCDateTime()),
)
_customers = sa.table(
    "customers",
    sa.column("id", sa.BigInteger()),
    sa.column("comment_ticket_id", sa.Integer()),
    sa.column("follow_up_ticket_id", sa.Integer()),
    sa.column("follow_up_at", UTCDateTime()),
)


def _parse_time(value: Any) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _customer_of(key: str, prefix: str) -> int | None:
    tail = key[len(prefix) :]
    return int(tail) if tail.lstrip("-").isdigit() else None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("comment_ticket_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("follow_up_ticket_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("follow_up_at", sa.DateTime(timezone=True), nullable=True))

    if context.is_offline_mode():
        # A script of SQL for a database administrator (alembic upgrade --sql) cannot read
        # the rows it would move: run this revision online to carry the marks over.
        return
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(_key_values.c.key, _key_values.c.value).where(
            sa.or_(
                _key_values.c.key.startswith(COMMENT_PREFIX),
                _key_values.c.key.startswith(FOLLOW_UP_PREFIX),
            )
        )
    ).all()
    for key, value in rows:
        if key.startswith(COMMENT_PREFIX):
            customer = _customer_of(key, COMMENT_PREFIX)
            if customer is not None and isinstance(value, int):
                bind.execute(
                    sa.update(_customers)
                    .where(_customers.c.id == customer)
                    .values(comment_ticket_id=value)
                )
        else:
            customer = _customer_of(key, FOLLOW_UP_PREFIX)
            ticket = value.get("ticket") if isinstance(value, dict) else None
            at = _parse_time(value.get("at")) if isinstance(value, dict) else None
            if customer is not None and isinstance(ticket, int) and at is not None:
                bind.execute(
                    sa.update(_customers)
                    .where(_customers.c.id == customer)
                    .values(follow_up_ticket_id=ticket, follow_up_at=at)
                )
    if rows:
        bind.execute(sa.delete(_key_values).where(_key_values.c.key.in_([k for k, _ in rows])))


def downgrade() -> None:
    """Revert this revision: the state goes back into key_values."""
    if not context.is_offline_mode():  # as in upgrade: no rows to read in a script
        _marks_back()
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("follow_up_at")
        batch.drop_column("follow_up_ticket_id")
        batch.drop_column("comment_ticket_id")


def _marks_back() -> None:
    """Put the customers' after-close marks back into key_values."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    for customer, comment, ticket, at in bind.execute(
        sa.select(
            _customers.c.id,
            _customers.c.comment_ticket_id,
            _customers.c.follow_up_ticket_id,
            _customers.c.follow_up_at,
        ).where(
            sa.or_(
                _customers.c.comment_ticket_id.is_not(None),
                _customers.c.follow_up_ticket_id.is_not(None),
            )
        )
    ).all():
        if comment is not None:
            bind.execute(
                sa.insert(_key_values).values(
                    key=f"{COMMENT_PREFIX}{customer}", value=comment, updated_at=now
                )
            )
        if ticket is not None and at is not None:
            bind.execute(
                sa.insert(_key_values).values(
                    key=f"{FOLLOW_UP_PREFIX}{customer}",
                    value={"ticket": ticket, "at": at.isoformat()},
                    updated_at=now,
                )
            )
