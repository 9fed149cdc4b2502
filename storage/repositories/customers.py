"""Customers: who wrote to the bot, their tier and ban flag."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Customer, Tier
from storage.repositories._common import upsert_insert
from storage.timestamps import utcnow


def profile(
    first_name: str, last_name: str | None, username: str | None, language_code: str | None
) -> dict[str, str | None]:
    """A Telegram profile cut to the customers table's columns: Telegram does not promise
    their lengths (a custom language pack's code can pass 16), and PostgreSQL refuses a
    longer value, which would leave the customer unanswered."""

    def fit(value: str | None, column: str) -> str | None:
        length = getattr(Customer.__table__.c[column].type, "length", None)
        return value[:length] if value is not None and length is not None else value

    return {
        "first_name": fit(first_name, "first_name") or "",
        "last_name": fit(last_name, "last_name"),
        "username": fit(username, "username"),
        "language_code": fit(language_code, "language_code"),
    }


async def upsert_customer(
    session: AsyncSession,
    *,
    user_id: int,
    first_name: str,
    last_name: str | None = None,
    username: str | None = None,
    language_code: str | None = None,
    seen_at: datetime | None = None,
) -> Customer:
    """Insert or refresh a customer's profile; tier and ban flag are kept."""
    seen_at = seen_at or utcnow()
    insert = upsert_insert(session, Customer)
    stmt = (
        insert.values(
            id=user_id,
            **profile(first_name, last_name, username, language_code),
            created_at=seen_at,
            last_seen_at=seen_at,
        )
        .on_conflict_do_update(
            index_elements=[Customer.id],
            set_={
                "first_name": insert.excluded.first_name,
                "last_name": insert.excluded.last_name,
                "username": insert.excluded.username,
                "language_code": insert.excluded.language_code,
                "last_seen_at": insert.excluded.last_seen_at,
            },
        )
        .returning(Customer)
    )
    result = await session.scalars(stmt, execution_options={"populate_existing": True})
    customer: Customer = result.one()
    return customer


async def get_customer(session: AsyncSession, user_id: int) -> Customer | None:
    """Return the customer with this Telegram user id, if known."""
    return await session.get(Customer, user_id)


async def set_customer_tier(session: AsyncSession, *, user_id: int, tier: Tier) -> bool:
    """Change a customer's service tier; False if the customer is unknown."""
    result = await session.execute(
        update(Customer).where(Customer.id == user_id).values(tier=tier).returning(Customer.id),
        execution_options={"synchronize_session": "fetch"},
    )
    return result.scalar_one_or_none() is not None


async def set_customer_banned(session: AsyncSession, *, user_id: int, banned: bool) -> bool:
    """Ban or unban a customer; False if the customer is unknown."""
    result = await session.execute(
        update(Customer).where(Customer.id == user_id).values(banned=banned).returning(Customer.id),
        execution_options={"synchronize_session": "fetch"},
    )
    return result.scalar_one_or_none() is not None


async def list_customers(
    session: AsyncSession, *, tier: Tier | None = None, ids: Collection[int] | None = None
) -> list[Customer]:
    """Return customers (optionally of one tier, or these ids: one query for a list of
    tickets, not one a ticket), oldest first."""
    stmt = select(Customer).order_by(Customer.created_at, Customer.id)
    if tier is not None:
        stmt = stmt.where(Customer.tier == tier)
    if ids is not None:
        stmt = stmt.where(Customer.id.in_(ids))
    return list(await session.scalars(stmt))


async def set_follow_up(
    session: AsyncSession, *, user_id: int, ticket_id: int, closed_at: datetime
) -> None:
    """Remember that the customer's next message may open a follow-up of this closed ticket
    (and that it is no comment on an earlier one's rating)."""
    await session.execute(
        update(Customer)
        .where(Customer.id == user_id)
        .values(follow_up_ticket_id=ticket_id, follow_up_at=closed_at, comment_ticket_id=None),
        execution_options={"synchronize_session": False},
    )


async def set_comment_expected(session: AsyncSession, *, user_id: int, ticket_id: int) -> None:
    """Remember that the customer's next text is the rating comment of this ticket."""
    await session.execute(
        update(Customer).where(Customer.id == user_id).values(comment_ticket_id=ticket_id),
        execution_options={"synchronize_session": False},
    )


async def clear_after_close(
    session: AsyncSession, *, user_id: int, comment: bool = True, follow_up: bool = True
) -> None:
    """Forget the expected rating comment and/or the pending follow-up."""
    values: dict[str, None] = {}
    if comment:
        values["comment_ticket_id"] = None
    if follow_up:
        values.update(follow_up_ticket_id=None, follow_up_at=None)
    if values:
        await session.execute(
            update(Customer).where(Customer.id == user_id).values(**values),
            execution_options={"synchronize_session": False},
        )
