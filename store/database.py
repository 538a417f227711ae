"""One database for every repository of the store: the engine, the one transaction helper, a short-lived read
cache, and the SQL the repositories share (upsert, lists written into IN). Does I/O."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Table, bindparam, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import BindParameter

from store.tables import DOCUMENT_KEY_LENGTH

# Execution option marking a connection that will write; on SQLite it makes the transaction BEGIN IMMEDIATE
# (store.engine), so a writer takes the write lock up front instead of failing to upgrade a read lock.
WRITE_TRANSACTION = "minutesbot_write_transaction"
# How long rosters and conversation references read through the database are reused (read_cache_seconds).
READ_CACHE_SECONDS = 30.0
READ_CACHE_ENTRIES = 10_000
_T = TypeVar("_T")

# A cached read: what it is ('roster', 'conversation', 'follows') and of what.
CacheKey = tuple[str, str]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Database:
    """The engine the repositories share, and the transactions they run on it.

    Every write is one transaction behind one asyncio.Lock: SQLite allows a single writer anyway, and
    PostgreSQL runs the same code (rows are also locked, so several instances serialise per document).

    Rosters and conversation references are read on nearly every chat turn and change rarely: kept here for
    `read_cache_seconds` (time.monotonic), dropped at once by a write through this database. Another
    instance's change (or `minutesbot roster` from the command line) shows within that time."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Callable[[], datetime] = utc_now,
        read_cache_seconds: float = READ_CACHE_SECONDS,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.read_cache_seconds = read_cache_seconds
        self._writer = engine.execution_options(**{WRITE_TRANSACTION: True})
        self._write_lock = asyncio.Lock()
        self._read_cache: dict[CacheKey, tuple[float, Any]] = {}

    async def close(self) -> None:
        await self.engine.dispose()

    @property
    def max_key_length(self) -> int | None:
        """The longest document key the database keeps: PostgreSQL enforces documents.key's VARCHAR length,
        SQLite none (so keys stored there before any limit stay valid)."""
        return None if self.engine.dialect.name == "sqlite" else DOCUMENT_KEY_LENGTH

    @asynccontextmanager
    async def write(self, *, changes: CacheKey | None = None) -> AsyncIterator[AsyncConnection]:
        """One write transaction, committed when the block ends (rolled back on an exception). `changes`: the
        cached read it changes, dropped after the commit or rollback, since a read meanwhile may have cached
        the old row."""
        try:
            async with self._write_lock, self._writer.begin() as connection:
                yield connection
        finally:
            if changes is not None:
                self._read_cache.pop(changes, None)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as connection:
            yield connection

    async def cached(self, key: CacheKey, load: Callable[[], Awaitable[_T]]) -> _T:
        """What `load` read for `key` less than read_cache_seconds ago, else what it reads now (kept)."""
        hit = self._read_cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.read_cache_seconds:
            return cast(_T, hit[1])
        value = await load()
        if len(self._read_cache) >= READ_CACHE_ENTRIES:
            self._read_cache.clear()  # a bound, not a policy: a busy instance refills it in a few turns
        self._read_cache[key] = (time.monotonic(), value)
        return value


class Repository:
    """One aggregate's repository over the shared Database."""

    def __init__(self, database: Database) -> None:
        self.database = database


def listed(name: str) -> BindParameter[Any]:
    """A list of keys or ids for IN, written into the SQL as literals (quoted by SQLAlchemy) rather than
    bound. asyncpg prepares a statement once per connection, and after five runs PostgreSQL may keep a generic
    plan for it: one made while the table was small is a sequential scan, kept as the table grows (a first
    import into an empty database got slower with every file). A list written out is planned for itself."""
    return bindparam(name, expanding=True, literal_execute=True)


def dialect_insert(connection: AsyncConnection) -> Callable[[Table], Any]:
    """The INSERT with ON CONFLICT of the connection's backend (SQLite and PostgreSQL spell it alike)."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


async def upsert(
    connection: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    keep: Sequence[str] = (),
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE; a column in `keep` keeps its stored value when the new is NULL."""
    statement = dialect_insert(connection)(table).values(dict(values))
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={
                column: (
                    func.coalesce(statement.excluded[column], table.c[column])
                    if column in keep
                    else statement.excluded[column]
                )
                for column in values
                if column not in key
            },
        )
    )
