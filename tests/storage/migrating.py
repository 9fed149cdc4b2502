"""Run Alembic to a revision and plain SQL, on a test database (for migration tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from alembic import command
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import Inspector

from storage.db import alembic_config, create_engine_from_url

T = TypeVar("T")


async def migrate(url: str, revision: str, *, down: bool = False) -> None:
    """Upgrade (or downgrade) the database at `url` to `revision`."""
    engine = create_engine_from_url(url)

    def go(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    try:
        async with engine.connect() as connection:
            await connection.run_sync(go)
            await connection.commit()
    finally:
        await engine.dispose()


async def inspected(url: str, read: Callable[[Inspector], T]) -> T:
    """Return what `read` finds in the schema of the database at `url`."""
    engine = create_engine_from_url(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(lambda sync: read(inspect(sync)))
    finally:
        await engine.dispose()


async def sql(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement in its own transaction; return its rows, if any."""
    engine = create_engine_from_url(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        await engine.dispose()


async def add_customer_row(url: str, customer_id: int = 7) -> None:
    """Insert a customer as every revision's schema has it (the rows other tables refer to)."""
    await sql(
        url,
        "INSERT INTO customers (id, first_name, tier, banned, created_at, last_seen_at) VALUES"
        f" ({customer_id}, 'a', 'standard', false, '2026-11-01 00:00:00', '2026-11-01 00:00:00')",
    )
