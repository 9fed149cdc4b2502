"""Migration 0008: the table of alerts waiting to be delivered."""

from __future__ import annotations

from tests.storage.migrating import inspected, migrate


async def _tables(url: str) -> set[str]:
    return await inspected(url, lambda schema: set(schema.get_table_names()))


async def test_upgrade_adds_pending_alerts_and_downgrade_drops_it(empty_db_url: str) -> None:
    await migrate(empty_db_url, "0007")
    assert "pending_alerts" not in await _tables(empty_db_url)

    await migrate(empty_db_url, "head")
    assert "pending_alerts" in await _tables(empty_db_url)

    await migrate(empty_db_url, "0007", down=True)
    tables = await _tables(empty_db_url)
    assert "pending_alerts" not in tables and "tickets" in tables
