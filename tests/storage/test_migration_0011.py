"""Migration 0011: indexes for /tickets' open tickets and a customer's latest feedback."""

from __future__ import annotations

from sqlalchemy.engine import Inspector

from tests.storage.migrating import inspected, migrate

BUSY_INDEXES = {
    ("tickets", "ix_tickets_open_by_chat"),
    ("feedback", "ix_feedback_customer_id_id"),
}


async def _indexes(url: str) -> set[tuple[str, str]]:
    def read(schema: Inspector) -> set[tuple[str, str]]:
        tables = {table for table, _ in BUSY_INDEXES}
        return {(t, str(i["name"])) for t in tables for i in schema.get_indexes(t)}

    return await inspected(url, read)


async def test_upgrade_adds_the_busy_path_indexes_and_downgrade_drops_them(
    empty_db_url: str,
) -> None:
    await migrate(empty_db_url, "0010")
    assert not BUSY_INDEXES & await _indexes(empty_db_url)

    await migrate(empty_db_url, "head")
    assert await _indexes(empty_db_url) >= BUSY_INDEXES

    await migrate(empty_db_url, "0010", down=True)
    left = await _indexes(empty_db_url)
    assert not BUSY_INDEXES & left
    assert ("feedback", "ix_feedback_created_at") in left  # the older ones stay
