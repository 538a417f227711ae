"""Shared fixtures: a migrated store on a SQLite file and on a throwaway PostgreSQL, per test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import NullPool, text
from sqlalchemy.ext.asyncio import create_async_engine

from store import SqlStore, open_store
from tests.skips import skip_or_fail

# The fake Graph and the autouse guard that fails any connection off loopback, for every test.
pytest_plugins = ["tests.graph_fixtures"]

ROOT = Path(__file__).resolve().parents[1]
POSTGRES_SCRIPT = ROOT / "scripts" / "postgres-test.sh"
POSTGRES_URL_VARIABLE = "MINUTESBOT_TEST_POSTGRES_URL"
POSTGRES_DIR_VARIABLE = "MINUTESBOT_TEST_POSTGRES_DIR"
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL database for the tests: $MINUTESBOT_TEST_POSTGRES_URL, or a cluster this
    session starts with scripts/postgres-test.sh (never installing anything) and stops at the end."""
    configured = os.environ.get(POSTGRES_URL_VARIABLE)
    if configured:
        yield configured
        return
    try:
        started = subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "start", "--no-install"],
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        skip_or_fail(f"PostgreSQL variant skipped: could not run {POSTGRES_SCRIPT.name}: {error}")
    if started.returncode != 0:
        reason = (started.stderr.strip().splitlines() or ["no output"])[-1]
        skip_or_fail(
            f"PostgreSQL variant skipped: {reason} "
            f'(set {POSTGRES_URL_VARIABLE}, or run `eval "$(scripts/postgres-test.sh start)"` first)'
        )
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ")
    )
    try:
        yield exports[POSTGRES_URL_VARIABLE]
    finally:
        subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "stop", exports[POSTGRES_DIR_VARIABLE]],
            capture_output=True,
            timeout=120,
            check=False,
        )


async def empty_postgres(url: str) -> None:
    """Drop every table, view and function the previous test left: each test starts from nothing."""
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'minutesbot.db'}"


@pytest.fixture(params=BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on each backend."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url: str = request.getfixturevalue("postgres_server")
    await empty_postgres(url)
    return url


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SqlStore]:
    opened = await open_store(database_url)
    try:
        yield opened
    finally:
        await opened.close()
