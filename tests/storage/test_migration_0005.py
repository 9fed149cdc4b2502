"""Migration 0005: a decision keeps the message id of its answer's "was this helpful?"."""

from __future__ import annotations

from tests.storage.migrating import add_customer_row, migrate, sql


async def _seed_0004(url: str) -> None:
    await add_customer_row(url)
    await sql(
        url,
        "INSERT INTO kb_decisions (customer_id, query, kind, confidence, hits, article_id,"
        " created_at) VALUES (7, 'رمزم یادم رفته', 'answer', 0.9, '[]', 'password-reset',"
        " '2026-11-01 00:00:00')",
    )


async def test_upgrade_keeps_the_decisions_with_no_message_known(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0004")
    await _seed_0004(empty_db_url)

    await migrate(empty_db_url, "head")

    rows = await sql(empty_db_url, "SELECT query, article_id, answer_message_id FROM kb_decisions")
    assert rows == [("رمزم یادم رفته", "password-reset", None)]


async def test_downgrade_drops_the_message_id_and_keeps_the_decisions(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0004")
    await _seed_0004(empty_db_url)
    await migrate(empty_db_url, "head")

    await migrate(empty_db_url, "0004", down=True)

    rows = await sql(empty_db_url, "SELECT * FROM kb_decisions")
    assert len(rows) == 1 and "رمزم یادم رفته" in rows[0]
    assert len(rows[0]) == 9  # the columns before 0005
