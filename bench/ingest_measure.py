"""One measurement of the ingestion bench, run in a fresh process of its own (`ingest.py --one KIND`): the
extractor alone, or an ingest into SQLite or PostgreSQL (in process, as the service reads, sandboxed or
profiled), printed as JSON."""

from __future__ import annotations

import asyncio
import cProfile
import io
import os
import pstats
import re
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import ROOT, peak_rss_mib
from ingest_corpus import corpus_files

URL_VARIABLE = "MINUTESBOT_BENCH_DATABASE_URL"  # the database URL reaches a measurement here, not in argv
Result = dict[str, Any]


def _measure_extract(folder: Path, stride: int, offset: int) -> Result:
    """The extractor's own work per file: read the bytes, read_document in process, extract."""
    from minutes.extract import extract
    from minutes.model import DocumentError
    from tests.fakes import in_process_reader

    paths = corpus_files(folder, stride, offset)
    seconds: dict[str, float] = {}
    counts = {"items": 0, "failed": 0}

    async def run() -> None:
        for path in paths:
            begin = time.perf_counter()
            data = path.read_bytes()
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()  # as Ingestor does
            try:
                result = extract(await in_process_reader(data, path.name), reference_date=modified)
            except DocumentError:
                counts["failed"] += 1
            else:
                counts["items"] += len(result.items)
            seconds[path.name] = time.perf_counter() - begin

    start, cpu = time.perf_counter(), time.thread_time()
    asyncio.run(run())
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    return {
        "files": len(paths),
        "elapsed": elapsed,
        "loop_cpu": cpu,  # CPU time of the thread running the event loop
        "peak_rss_mib": peak_rss_mib(),
        "items": counts["items"],
        "failed": counts["failed"],
        "seconds": seconds,
    }


async def _count_items(url: str) -> tuple[int, str]:
    from sqlalchemy import func, select, text

    from store.engine import create_engine_for
    from store.tables import items

    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            stored = int(await connection.scalar(select(func.count()).select_from(items)) or 0)
            server = ""
            if connection.dialect.name == "postgresql":
                server = str(await connection.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()
    return stored, server


def reads_ahead() -> int:
    from reading.sandbox import SandboxPool
    from workflows.ingest import DEFAULT_MAX_BYTES

    return SandboxPool().reads_ahead(DEFAULT_MAX_BYTES)


def other_database(postgres_url: str) -> str:
    """The service rows fill a database of their own on the same server (created on first use)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    other = f"{url.database}_service"

    async def create() -> None:
        connection = await asyncpg.connect(
            user=url.username, password=url.password, host=url.host, port=url.port, database=url.database
        )
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", other)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{other}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return url.set(database=other).render_as_string(hide_password=False)


def _measure_ingest(kind: str, folder: Path, url: str, stride: int, offset: int) -> Result:
    """One Ingestor run, timed from opening the store to the source's commit."""
    from reading.sandbox import SandboxPool, sandboxed_reader
    from sources.local_folder import LocalFolderSource
    from store import open_store
    from tests.fakes import in_process_reader
    from workflows.ingest import DEFAULT_MAX_BYTES, Ingestor, Outcome, summarise

    only = None if stride == 1 else frozenset(path.name for path in corpus_files(folder, stride, offset))
    profiler = cProfile.Profile() if kind == "profile" else None
    phases: dict[str, float] = {}
    statements = [0]
    if kind == "profile":
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(Engine, "before_cursor_execute", count)  # every engine's every statement

    async def run() -> list[Any]:
        store = await open_store(url)
        readers = SandboxPool()
        try:
            if kind == "sandbox":
                ingestor = Ingestor(store, lambda: datetime.now(UTC), reader=sandboxed_reader)
            elif (
                kind == "service"
            ):  # as `minutesbot run` and `minutesbot ingest` read (bot/app.py, bot/cli.py)
                ingestor = Ingestor(
                    store,
                    lambda: datetime.now(UTC),
                    analyser=readers.read_and_extract,
                    reads_ahead=readers.reads_ahead(DEFAULT_MAX_BYTES),
                )
            else:
                ingestor = Ingestor(store, lambda: datetime.now(UTC), reader=in_process_reader)
            if kind == "profile":
                ingestor = _timed(ingestor, phases)
            return await ingestor.run(LocalFolderSource(folder, store, only=only))
        finally:
            await readers.close()
            await store.close()

    start, cpu = time.perf_counter(), time.thread_time()
    if profiler is not None:
        profiler.enable()
    reports = asyncio.run(run())
    if profiler is not None:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    peak, worker_peak = peak_rss_mib(), peak_rss_mib(resource.RUSAGE_CHILDREN)
    stored, server = asyncio.run(_count_items(url))
    counts = summarise(reports)
    result: Result = {
        "files": len(only) if only is not None else len(corpus_files(folder, 1)),
        "changes": len(reports),
        "elapsed": elapsed,
        "loop_cpu": cpu,  # CPU time of the thread running the event loop
        "peak_rss_mib": peak,
        "worker_peak_rss_mib": worker_peak,
        "items": stored,
        "outcomes": {outcome.value: counts[outcome] for outcome in Outcome if counts[outcome]},
        "server": server,
    }
    if profiler is not None:
        listing = io.StringIO()
        stats = pstats.Stats(profiler, stream=listing).sort_stats("cumulative")
        stats.print_stats(15)
        listing.write("Project code only:\n")
        stats.print_stats(rf"{re.escape(str(ROOT))}/(minutes|store|workflows)/", 15)
        result["profile"] = listing.getvalue()
        result["phases"] = phases
        result["statements"] = statements[0]
    return result


def _timed(ingestor: Any, phases: dict[str, float]) -> Any:
    """The same Ingestor with wall-clock totals per collaborator (store calls include their wait on the
    driver's thread, which cProfile, profiling only the event loop's thread, does not see)."""
    import dataclasses

    import workflows.ingest

    def total(name: str, elapsed: float) -> None:
        phases[name] = phases.get(name, 0.0) + elapsed

    def timed_async(name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                total(name, time.perf_counter() - begin)

        return wrapper

    def timed_sync(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                total(name, time.perf_counter() - begin)

        return wrapper

    store = ingestor.store
    for method in ("get_document", "items_of_document", "save_ingest", "record_failure"):
        setattr(store, method, timed_async(f"store.{method}", getattr(store, method)))
    for name in ("extract", "reconcile"):
        setattr(workflows.ingest, name, timed_sync(name, getattr(workflows.ingest, name)))
    return dataclasses.replace(ingestor, reader=timed_async("read_document", ingestor.reader))


def measure(kind: str, folder: Path, stride: int, offset: int) -> Result:
    sys.path.insert(0, str(ROOT))  # tests.fakes
    # Imported before the clock starts, as a running service has them.
    import minutes.extract  # noqa: F401
    import minutes.readers  # noqa: F401
    import store  # noqa: F401
    import tests.fakes  # noqa: F401
    import workflows.ingest  # noqa: F401

    if kind == "extract":
        return _measure_extract(folder, stride, offset)
    return _measure_ingest(kind, folder, os.environ[URL_VARIABLE], stride, offset)
