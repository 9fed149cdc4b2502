"""Migration 0002: the after-close state moves from key_values onto the customer row."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tests.storage.migrating import migrate as _run
from tests.storage.migrating import sql as _sql

CLOSED_AT = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)


async def _seed_0001(url: str) -> None:
    await _sql(
        url,
        "INSERT INTO customers (id, first_name, tier, banned, created_at, last_seen_at) VALUES"
        " (7, 'a', 'standard', false, '2026-11-01 00:00:00', '2026-11-01 00:00:00'),"
        " (8, 'b', 'standard', false, '2026-11-01 00:00:00', '2026-11-01 00:00:00'),"
        " (9, 'c', 'standard', false, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    )
    await _sql(
        url,
        "INSERT INTO key_values (key, value, updated_at) VALUES"
        " ('desk:comment:7', '12', '2026-11-30 08:16:00'),"
        f' (\'desk:follow_up:7\', \'{{"ticket": 12, "at": "{CLOSED_AT.isoformat()}"}}\','
        " '2026-11-30 08:15:00'),"
        " ('desk:follow_up:8', '{\"ticket\": 3, \"at\": \"not a time\"}', '2026-11-30 08:15:00'),"
        " ('agent_chat_id', '-100', '2026-11-30 08:15:00')",
    )


async def test_upgrade_moves_after_close_keys_onto_customers(empty_db_url: str) -> None:
    await _run(empty_db_url, "0001")
    await _seed_0001(empty_db_url)

    await _run(empty_db_url, "head")

    rows = await _sql(
        empty_db_url,
        "SELECT id, comment_ticket_id, follow_up_ticket_id, follow_up_at"
        " FROM customers ORDER BY id",
    )
    assert [row[:3] for row in rows] == [(7, 12, 12), (8, None, None), (9, None, None)]
    moved_at = rows[0][3]
    if isinstance(moved_at, str):  # SQLite keeps naive UTC text
        moved_at = datetime.fromisoformat(moved_at).replace(tzinfo=UTC)
    assert moved_at == CLOSED_AT
    # The moved keys are gone (an unreadable one too); other settings stay.
    keys = await _sql(empty_db_url, "SELECT key FROM key_values ORDER BY key")
    assert keys == [("agent_chat_id",)]


async def test_downgrade_puts_the_keys_back(empty_db_url: str) -> None:
    await _run(empty_db_url, "0001")
    await _seed_0001(empty_db_url)
    await _run(empty_db_url, "head")

    await _run(empty_db_url, "0001", down=True)

    keys = await _sql(empty_db_url, "SELECT key FROM key_values ORDER BY key")
    assert keys == [("agent_chat_id",), ("desk:comment:7",), ("desk:follow_up:7",)]
    columns = await _sql(empty_db_url, "SELECT * FROM customers WHERE id = 7")
    assert len(columns[0]) == 9  # the three columns of 0002 are dropped


def test_a_script_of_sql_for_postgresql_is_written_whole() -> None:
    # `alembic upgrade head --sql` (the SQL a database administrator runs by hand) failed at
    # this revision, which reads rows to move: in a script there are none to read.
    env = os.environ | {"DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1:5432/none"}
    alembic = Path(sys.executable).with_name("alembic")
    script = subprocess.run(
        [str(alembic), "-c", "storage/alembic.ini", "upgrade", "head", "--sql"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    assert script.returncode == 0, script.stderr[-500:]
    assert "CREATE TABLE tickets" in script.stdout
    assert "ALTER TABLE customers ADD COLUMN comment_ticket_id" in script.stdout
