"""Customers: profiles refresh, tier and ban survive."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import hotpath
from storage import repositories as repo
from tests.storage.helpers import T0


async def test_new_customer_starts_standard_and_unbanned(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        customer = await repo.upsert_customer(
            session, user_id=2**40, first_name="علی", last_name="رضایی", username="ali", seen_at=T0
        )

    assert (customer.id, customer.tier, customer.banned) == (2**40, "standard", False)
    assert customer.full_name == "علی رضایی"
    assert customer.created_at == T0


async def test_profile_refresh_keeps_tier_ban_and_first_seen(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        await repo.upsert_customer(session, user_id=1, first_name="Ali", seen_at=T0)
        assert await repo.set_customer_tier(session, user_id=1, tier="vip")
        assert await repo.set_customer_banned(session, user_id=1, banned=True)

    async with sessions.begin() as session:
        customer = await repo.upsert_customer(
            session, user_id=1, first_name="علی", username="ali_new"
        )

    assert (customer.first_name, customer.username) == ("علی", "ali_new")
    assert (customer.tier, customer.banned, customer.created_at) == ("vip", True, T0)
    assert customer.last_seen_at > T0


async def test_changing_an_unknown_customer_reports_false(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        assert await repo.set_customer_tier(session, user_id=404, tier="vic") is False
        assert await repo.get_customer(session, 404) is None


async def test_customers_can_be_listed_by_tier(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        for user_id in (1, 2, 3):
            await repo.upsert_customer(session, user_id=user_id, first_name=f"c{user_id}")
        await repo.set_customer_tier(session, user_id=2, tier="vic")
    async with sessions() as session:
        vic = await repo.list_customers(session, tier="vic")
        everyone = await repo.list_customers(session)
        some = await repo.list_customers(session, ids={1, 3, 404})  # /tickets: one query

    assert [c.id for c in vic] == [2]
    assert sorted(c.id for c in everyone) == [1, 2, 3]
    assert sorted(c.id for c in some) == [1, 3]


async def test_a_profile_longer_than_its_columns_is_kept_cut_not_refused(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # Telegram promises no length: a custom language pack's code can pass 16 characters, and
    # PostgreSQL refused the row, so every message of that customer failed unanswered.
    long_code, long_name = "classic-zh-cn-beta-2", "ن" * 300
    async with sessions.begin() as session:
        await repo.upsert_customer(
            session, user_id=7, first_name=long_name, language_code=long_code, username="u" * 70
        )
    async with sessions.begin() as session:
        ref = await hotpath.upsert_customer(
            session,
            user_id=8,
            first_name="مریم",
            last_name=long_name,
            username="m" * 70,
            language_code=long_code,
        )
        refreshed = await repo.upsert_customer(
            session, user_id=7, first_name="علی", language_code=long_code
        )

    assert ref.id == 8
    assert (refreshed.first_name, refreshed.language_code) == ("علی", long_code[:16])
    async with sessions() as session:
        maryam = await repo.get_customer(session, 8)
    assert maryam is not None and maryam.language_code == long_code[:16]
    assert maryam.last_name == long_name[:256] and maryam.username == "m" * 64
