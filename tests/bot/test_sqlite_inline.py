"""The bot's inline SQLite connection waits for another writer without blocking the loop."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import text

from bot.main import pool_options
from bot.sqlite_inline import wait_in_the_loop
from storage.db import create_engine_from_url, make_sessionmaker


async def test_a_locked_database_is_waited_for_while_the_loop_runs(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode = WAL")
    setup.execute("CREATE TABLE t (n INTEGER)")
    setup.commit()
    engine = create_engine_from_url(url, **pool_options(url))
    wait_in_the_loop(engine)
    sessions = make_sessionmaker(engine)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    async def write() -> None:
        async with sessions.begin() as session:
            await session.execute(text("INSERT INTO t VALUES (1)"))

    ticker = asyncio.create_task(tick())
    writer = asyncio.create_task(write())
    try:
        await asyncio.sleep(0.3)
        assert not writer.done()
        assert ticks >= 10  # the loop kept running while the write waited
        holder.execute("COMMIT")
        await asyncio.wait_for(writer, 5)
    finally:
        ticker.cancel()
        holder.close()
        await engine.dispose()
    assert setup.execute("SELECT count(*) FROM t").fetchone() == (1,)
    setup.close()
