"""SQLite's durability setting: WAL with synchronous=NORMAL on every pooled connection."""

from __future__ import annotations

from pathlib import Path

from store import create_engine_for, open_store
from tests.conftest import sqlite_url

SYNCHRONOUS_NORMAL = 1  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA


async def test_every_sqlite_connection_syncs_at_checkpoints_not_at_each_commit(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await (await open_store(url)).close()
    engine = create_engine_for(url)
    try:
        # Two connections checked out at once: the setting is per connection, not per database file.
        async with engine.connect() as first, engine.connect() as second:
            settings = [
                (
                    (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar(),
                    (await connection.exec_driver_sql("PRAGMA synchronous")).scalar(),
                )
                for connection in (first, second)
            ]
    finally:
        await engine.dispose()
    assert settings == [("wal", SYNCHRONOUS_NORMAL)] * 2
