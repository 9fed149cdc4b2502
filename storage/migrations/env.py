"""Alembic environment: runs on a connection handed over by `storage.db.migrate`.

Used from the command line too (`alembic -c storage/alembic.ini ...`): then the URL
comes from DATABASE_URL (or the ini file) and an async engine is created here.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from storage.db import DEFAULT_URL, create_engine_from_url
from storage.models import Base

config = context.config
target_metadata = Base.metadata


# SQLite's user_version while the foreign keys a migration left are broken, or not yet
# checked (see _run).
CHECK_FAILED = 1


def _run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: later migrations copy-and-move tables.
        render_as_batch=sqlite,
        compare_type=True,
    )
    if not sqlite:
        with context.begin_transaction():
            context.run_migrations()
        return
    # Copying a table drops the old one, which the rows of other tables refer to: SQLite
    # needs its foreign keys off for that, and the pragma works only between transactions.
    # They are checked, then turned back on, once the migrations are committed: only after
    # a revision ran (the check reads every row: seconds at a year's log, at every start,
    # while no update is handled), or while an earlier check's failure is unmended (marked in
    # the file's user_version, which nothing else uses: the next start, having nothing to
    # migrate, would otherwise check nothing and start on the broken rows).
    before = MigrationContext.configure(connection).get_current_revision()
    if connection.in_transaction():  # the read began one: the pragma works only outside
        connection.commit()
    if before != context.script.get_current_head():
        # Marked before migrating: a start killed between the migration and the check (a
        # minute on a year's log) leaves the check to the next one.
        _pragma(connection, f"PRAGMA user_version = {CHECK_FAILED}")
        connection.connection.commit()
    _pragma(connection, "PRAGMA foreign_keys = OFF")
    try:
        with context.begin_transaction():
            context.run_migrations()
        if connection.in_transaction():
            connection.commit()
        ran = MigrationContext.configure(connection).get_current_revision() != before
        failed_before = _pragma(connection, "PRAGMA user_version") == [(CHECK_FAILED,)]
        if not (ran or failed_before):
            return
        broken = _pragma(connection, "PRAGMA foreign_key_check")
        _pragma(connection, f"PRAGMA user_version = {CHECK_FAILED if broken else 0}")
        connection.connection.commit()  # kept even though the start then fails
        if broken:
            raise RuntimeError(f"the migrations left rows referring to nothing: {broken[:5]}")
    finally:
        _pragma(connection, "PRAGMA foreign_keys = ON")


def _pragma(connection: Connection, statement: str) -> list[tuple[object, ...]]:
    """Run a pragma on the driver's connection, outside SQLAlchemy's transaction handling."""
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


async def _run_with_own_engine(url: str) -> None:
    engine = create_engine_from_url(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _url() -> str:
    return os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url") or DEFAULT_URL


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        if config.config_file_name is not None:
            fileConfig(config.config_file_name, disable_existing_loggers=False)
        asyncio.run(_run_with_own_engine(_url()))
