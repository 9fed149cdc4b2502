"""Migration 0004: the interaction log keeps each incoming message's album."""

from __future__ import annotations

from tests.storage.migrating import add_customer_row, migrate, sql


async def _seed_0003(url: str) -> None:
    await add_customer_row(url)
    await sql(
        url,
        "INSERT INTO messages (customer_id, direction, kind, text, chat_id,"
        " telegram_message_id, created_at) VALUES"
        " (7, 'in', 'photo', 'اسکرین‌شات', 7, 41, '2026-11-01 00:00:00')",
    )


async def test_upgrade_keeps_the_log_and_adds_the_album(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0003")
    await _seed_0003(empty_db_url)

    await migrate(empty_db_url, "head")

    rows = await sql(empty_db_url, "SELECT text, telegram_message_id, media_group_id FROM messages")
    assert rows == [("اسکرین‌شات", 41, None)]


async def test_downgrade_drops_the_album_and_keeps_the_log(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0003")
    await _seed_0003(empty_db_url)
    await migrate(empty_db_url, "head")

    await migrate(empty_db_url, "0003", down=True)

    rows = await sql(empty_db_url, "SELECT * FROM messages")
    assert len(rows) == 1 and "اسکرین‌شات" in rows[0]
    assert len(rows[0]) == 10  # the columns before 0004
