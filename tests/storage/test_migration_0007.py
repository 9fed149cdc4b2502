"""Migration 0007: indexes that let the supervisors' figures read one day of the log."""

from __future__ import annotations

from sqlalchemy.engine import Inspector

from tests.storage.migrating import inspected, migrate

DAY_INDEXES = {
    ("messages", "ix_messages_created_at"),
    ("kb_decisions", "ix_kb_decisions_created_at"),
    ("feedback", "ix_feedback_created_at"),
    ("ticket_events", "ix_ticket_events_kind_created_at"),
    ("tickets", "ix_tickets_opened_at"),
    ("tickets", "ix_tickets_closed_at"),
    ("tickets", "ix_tickets_first_response_at"),
    ("tickets", "ix_tickets_first_response_due"),
}


async def _indexes(url: str) -> set[tuple[str, str]]:
    def read(schema: Inspector) -> set[tuple[str, str]]:
        tables = {table for table, _ in DAY_INDEXES}
        return {(t, str(i["name"])) for t in tables for i in schema.get_indexes(t)}

    return await inspected(url, read)


async def test_upgrade_adds_the_day_indexes_and_downgrade_drops_them(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0006")
    assert not DAY_INDEXES & await _indexes(empty_db_url)

    await migrate(empty_db_url, "head")
    assert await _indexes(empty_db_url) >= DAY_INDEXES

    await migrate(empty_db_url, "0006", down=True)
    left = await _indexes(empty_db_url)
    assert not DAY_INDEXES & left
    assert ("tickets", "ix_tickets_status") in left  # the older ones stay
