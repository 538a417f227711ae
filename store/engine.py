"""Open the store: build the async engine for a database URL, migrate it to the newest schema. Does I/O."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy import event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, InvalidatePoolError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from minutes.errors import UserFacingError
from store.database import WRITE_TRANSACTION, Database
from store.repository import SqlStore

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
# How long a SQLite connection waits for another process's write lock before giving up.
SQLITE_BUSY_TIMEOUT_MS = 5000
# A pooled PostgreSQL connection idle for longer than this is pinged before use (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 5.0
# pg_advisory_xact_lock key: instances starting together migrate one after the other, not side by side.
MIGRATION_LOCK_KEY = 0x6D696E75746573  # "minutes"


class UnsupportedDatabase(ValueError):
    """The database URL names neither SQLite through aiosqlite nor PostgreSQL through asyncpg."""


class StoreUnavailable(UserFacingError):
    """The database cannot be opened at start-up: `message` names it (never its password) and says why in
    Swedish, one line for the command line's `fel: …`."""


def describe_database(database_url: str | URL) -> str:
    """The database as a person recognises it, without a password: the SQLite file, or host:port/name."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return "databasen"
    if url.drivername.startswith("sqlite"):
        return url.database or "SQLite"
    port = f":{url.port}" if url.port else ""
    return f"{url.host or 'localhost'}{port}/{url.database or ''}"


def _why_unavailable(error: BaseException) -> str:
    """Why the database cannot be opened, in Swedish; never the driver's text (it may quote the URL)."""
    text = str(error).lower()
    if "file is not a database" in text or "malformed" in text:
        return "filen är ingen SQLite-databas eller är skadad"
    if "unable to open database file" in text:
        return "filen kan inte öppnas eller skapas (finns mappen, och får tjänsten skriva där?)"
    if isinstance(error, TimeoutError) or "timeout" in text:
        return "servern svarar inte"
    if isinstance(error, OSError) or "connect" in text:
        return "servern går inte att nå"
    if "password" in text or "authentication" in text:
        return "inloggningen nekades"
    if isinstance(error, CommandError):
        return "databasens schema är okänt för den här versionen"
    return f"fel {type(error).__name__}"


def create_engine_for(database_url: str, *, ping_after_idle: float = PING_AFTER_IDLE_SECONDS) -> AsyncEngine:
    """An engine for `sqlite+aiosqlite:///path/file.db` (WAL with synchronous=NORMAL, foreign keys, busy
    timeout, SQLAlchemy-issued BEGIN) or `postgresql+asyncpg://user:password@host/database` (a connection
    idle for more than `ping_after_idle` seconds is pinged before use)."""
    url = make_url(database_url)
    if url.drivername == SQLITE_DRIVER:
        if not url.database or ":memory:" in url.database or url.query.get("mode") == "memory":
            # Every pooled connection would see its own empty database, or all share one connection.
            raise UnsupportedDatabase("SQLite needs a database file: sqlite+aiosqlite:///path/minutesbot.db")
        # hide_parameters: an error's text (logged, shown) never carries the values of a statement.
        engine = create_async_engine(url, hide_parameters=True)
        _configure_sqlite(engine)
        return engine
    if url.drivername == POSTGRES_DRIVER:
        engine = create_async_engine(url, hide_parameters=True)
        _ping_when_idle(engine, ping_after_idle)
        return engine
    # The driver name only: the URL may hold a password.
    raise UnsupportedDatabase(
        f"unsupported database driver {url.drivername!r}: use {SQLITE_DRIVER}:///path/minutesbot.db "
        f"or {POSTGRES_DRIVER}://user:password@host/database"
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The sqlite3 driver's own transaction handling skips BEGIN before SELECT and DDL, which breaks
        # repeatable reads and transactional migrations; SQLAlchemy emits BEGIN instead (on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Under WAL, NORMAL syncs the log at checkpoints instead of at every commit (FULL, the default), which
        # saves a disk flush per transaction. A commit still survives a crash of the process; after a power
        # loss or an OS crash the last commits may be rolled back, but the database stays consistent
        # (sqlite.org/pragma.html#pragma_synchronous). What is lost is a suffix of commits: ingestion redoes
        # it, since a source's cursor is saved after the documents it covers; an outbox message may be sent
        # again, a check-off from a card may need redoing.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # A writer takes the write lock at BEGIN: a deferred transaction that reads first and writes later
        # can fail with "database is locked" without waiting out the busy timeout.
        writes = connection.get_execution_options().get(WRITE_TRANSACTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """pool_pre_ping, but only for a connection that has been idle a while.

    The ping finds a connection the server or a proxy closed while it sat in the pool (a restart, an idle
    timeout) and has the pool replace it, as pool_pre_ping does. pool_pre_ping pings at every checkout, a
    round trip for every read and every write: about 2 ms per file of a bulk ingest, most of it the event
    loop's time (bench/ingest.py). A connection checked in moments ago is alive; were the server to restart in
    those moments, the next statement fails once and SQLAlchemy, seeing a disconnect, replaces the pool's
    connections."""
    idle_since = "minutesbot_idle_since"
    dialect = engine.sync_engine.dialect

    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[idle_since] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get(idle_since)
        if since is None or time.monotonic() - since < idle_seconds:
            return  # a new connection, or one in use moments ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # What pool_pre_ping raises: this and every older connection of the pool are replaced.
                raise InvalidatePoolError(str(error)) from error
            raise


def migration_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine) -> None:
    """Upgrade the database to the newest revision in one transaction; a no-op when it is there already."""
    async with engine.execution_options(**{WRITE_TRANSACTION: True}).begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        await connection.run_sync(_upgrade_to_head)


def _upgrade_to_head(connection: Connection) -> None:
    config = migration_config()
    config.attributes["connection"] = connection  # store/migrations/env.py runs on this connection
    command.upgrade(config, "head")


async def open_store(database_url: str) -> SqlStore:
    """A migrated store; `await store.close()` when done. A database that cannot be opened or migrated (a
    corrupt file, a path that cannot be created, a server out of reach) raises StoreUnavailable."""
    engine = create_engine_for(database_url)
    try:
        await migrate(engine)
    except (OSError, SQLAlchemyError, CommandError) as error:
        await engine.dispose()
        await _let_sqlite_threads_stop()
        raise StoreUnavailable(
            f"databasen {describe_database(engine.url)} kan inte öppnas: {_why_unavailable(error)}"
        ) from error
    except BaseException:
        await engine.dispose()
        raise
    logger.info("store open on %s", engine.url.render_as_string(hide_password=True))
    return SqlStore(Database(engine))


async def _let_sqlite_threads_stop(seconds: float = 0.5) -> None:
    """aiosqlite stops the worker thread of a connection that failed to open without waiting for it; were the
    event loop closed first (the command line exits), the thread would print a traceback as it answers. Give
    such threads a moment, with the loop running, to finish."""
    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        if thread.name.endswith("(_connection_worker_thread)"):
            await asyncio.to_thread(thread.join, remaining)


@asynccontextmanager
async def store_context(database_url: str) -> AsyncIterator[SqlStore]:
    """open_store … close as a context manager, for an aiohttp cleanup_ctx:

    async def store_lifetime(app):
        async with store_context(settings.database_url) as app[STORE]:
            yield
    """
    store = await open_store(database_url)
    try:
        yield store
    finally:
        await store.close()
