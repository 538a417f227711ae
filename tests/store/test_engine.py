"""Opening the store: URLs, SQLite settings, migrations on start, the schema they make, append-only audit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from store import UnsupportedDatabase, create_engine_for, open_store, store_context
from store.engine import migration_config
from store.tables import metadata
from tests.conftest import sqlite_url
from tests.store.builders import FLG_V1, document, ingest


def schema_differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_opening_twice_migrates_once_and_keeps_the_data(database_url: str) -> None:
    first = await open_store(database_url)
    await first.save_cursor("local:/minutes", "cursor-1")
    await first.close()

    second = await open_store(database_url)
    try:
        assert await second.get_cursor("local:/minutes") == "cursor-1"
    finally:
        await second.close()
    engine = create_engine_for(database_url)
    try:
        async with engine.connect() as connection:
            versions = (
                (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars().all()
            )
    finally:
        await engine.dispose()
    assert versions == [ScriptDirectory.from_config(migration_config()).get_current_head()]


async def test_the_migrations_make_exactly_the_tables_the_code_uses(database_url: str) -> None:
    await (await open_store(database_url)).close()
    engine = create_engine_for(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(schema_differences) == []
            assert await connection.run_sync(table_names) == set(metadata.tables) | {"alembic_version"}
    finally:
        await engine.dispose()


async def test_downgrading_to_nothing_and_back(database_url: str) -> None:
    await (await open_store(database_url)).close()
    engine = create_engine_for(database_url)

    def downgrade_to_base(connection: Connection) -> None:
        config = migration_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "base")

    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade_to_base)
        async with engine.connect() as connection:
            assert await connection.run_sync(table_names) == {"alembic_version"}
    finally:
        await engine.dispose()
    reopened = await open_store(database_url)
    try:
        assert await reopened.audit_log() == []
    finally:
        await reopened.close()


async def test_the_audit_log_refuses_updates_and_deletes(database_url: str) -> None:
    store = await open_store(database_url)
    try:
        await ingest(store, document(), FLG_V1)
    finally:
        await store.close()
    engine = create_engine_for(database_url)
    try:
        for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
        async with engine.connect() as connection:
            actors = (await connection.execute(text("SELECT DISTINCT actor FROM audit_log"))).scalars().all()
    finally:
        await engine.dispose()
    assert actors == ["minutesbot"]


async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    await (await open_store(url)).close()
    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            settings = [
                (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            ]
    finally:
        await engine.dispose()
    assert settings == ["wal", 1, 5000]


async def test_two_stores_on_one_sqlite_file_wait_for_each_other(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    stores = [await open_store(url), await open_store(url)]
    try:
        await asyncio.gather(
            *(store.save_cursor(f"source-{n % 3}", f"cursor-{n}") for n in range(30) for store in stores)
        )
        cursors = {await stores[0].get_cursor(f"source-{n}") for n in range(3)}
    finally:
        for store in stores:
            await store.close()
    assert None not in cursors


async def test_store_context_opens_a_migrated_store(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    async with store_context(url) as store:
        await store.save_cursor("local:/minutes", "cursor-1")

    async with store_context(url) as store:
        assert await store.get_cursor("local:/minutes") == "cursor-1"


@pytest.mark.parametrize(
    "url",
    [
        "mysql+aiomysql://minutesbot:s3cret-word@db.example/minutes",
        "postgresql://minutesbot:s3cret-word@127.0.0.1/minutes",
        "sqlite:///minutesbot.db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
    ],
)
def test_unsupported_databases_are_refused_without_echoing_a_password(url: str) -> None:
    with pytest.raises(UnsupportedDatabase) as refused:
        create_engine_for(url)

    assert "s3cret-word" not in str(refused.value)
