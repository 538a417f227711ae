"""PostgreSQL's pooled connections: one idle for a while is pinged and replaced when the server closed it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from store import create_engine_for


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")) or 0)


async def terminate(url: str, pid: int) -> None:
    """Close the pooled connection from the server's side, as a restart or an idle timeout would."""
    admin = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            # With a timeout, pg_terminate_backend waits until the backend has exited.
            ended = await connection.scalar(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
    finally:
        await admin.dispose()
    assert ended is True


async def test_a_connection_closed_while_idle_is_replaced_before_use(postgres_server: str) -> None:
    engine = create_engine_for(postgres_server, ping_after_idle=0)  # every reused connection counts as idle
    try:
        first = await backend_pid(engine)
        await terminate(postgres_server, first)
        assert await backend_pid(engine) not in {0, first}
    finally:
        await engine.dispose()


async def test_a_connection_used_moments_ago_is_not_pinged(postgres_server: str) -> None:
    engine = create_engine_for(postgres_server, ping_after_idle=3600)
    try:
        first = await backend_pid(engine)
        await terminate(postgres_server, first)
        # No ping: the closed connection is found by the statement, which fails once ...
        with pytest.raises(DBAPIError) as failure:
            await backend_pid(engine)
        assert failure.value.connection_invalidated
        # ... and the pool has replaced it for the next one.
        assert await backend_pid(engine) not in {0, first}
    finally:
        await engine.dispose()
