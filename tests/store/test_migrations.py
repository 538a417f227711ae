"""Revision 0002 on SQLite and PostgreSQL: upgrading a database in use from 0001, and back."""

from __future__ import annotations

from collections.abc import Callable

from alembic import command
from sqlalchemy import insert, select, text
from sqlalchemy.engine import Connection

from store import OutboxStatus, create_engine_for, open_store
from store.engine import migration_config
from store.tables import outbox
from tests.store.builders import MONDAY, later


def to_revision(revision: str, *, down: bool = False) -> Callable[[Connection], None]:
    def run(connection: Connection) -> None:
        config = migration_config()
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    return run


async def test_a_database_at_0001_keeps_its_outbox_through_0002_and_back(database_url: str) -> None:
    engine = create_engine_for(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0001"))
            await connection.execute(
                insert(outbox).values(
                    created_at=MONDAY,
                    kind="meeting_summary",
                    payload={"document_key": "k"},
                    status="pending",
                    attempts=0,
                    next_attempt_at=MONDAY,
                )
            )

        store = await open_store(database_url)  # migrates to the newest revision
        try:
            [message] = await store.outbox_messages()
            assert (message.id, message.parked_at) == (1, None)
            await store.park(message.id, error="HTTP 403", at=later(1))
            assert await store.enqueue("digest", {}, conversation_key=None, at=later(1)) == 2
            await store.record_posted_card("digest", "FLG", "19:flg", "1:1", at=later(1))
        finally:
            await store.close()

        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0001", down=True))
        async with engine.connect() as connection:
            rows = (await connection.execute(select(outbox.c.id, outbox.c.status))).all()
            if connection.dialect.name == "sqlite":
                # Dropping parked_at altered the table in place; a copy would have lost AUTOINCREMENT.
                schema = await connection.scalar(
                    text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'")
                )
                assert "AUTOINCREMENT" in schema
    finally:
        await engine.dispose()
    assert sorted(rows) == [(1, OutboxStatus.PARKED.value), (2, OutboxStatus.PENDING.value)]
