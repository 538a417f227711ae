"""The composition root: create_app(settings) wires store, sources and ingestion into one aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from bot.settings import Settings
from bot.sources import sharepoint_source
from minutes.records import SourceError
from minutes.roster import RosterError, parse_roster_toml
from store.engine import store_context
from store.repository import SqlStore
from workflows.ingest import Ingestor, IngestReport, Outcome
from workflows.local_folder import LocalFolderSource
from workflows.ports import DocumentSource, RosterStore

logger = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", SqlStore)


@dataclass
class Ingestion:
    """The configured sources and the runs over them: at most one run per source at a time, and nudges that
    arrive during a run coalesce into exactly one more run afterwards."""

    ingestor: Ingestor
    sources: dict[str, DocumentSource]
    on_reports: Callable[[str, list[IngestReport]], Awaitable[None]] | None = None
    _running: dict[str, asyncio.Task[None]] = field(default_factory=dict)
    _again: set[str] = field(default_factory=set)
    last_success: dict[str, datetime] = field(default_factory=dict)

    def nudge(self, name: str) -> None:
        """Ask for a run of one source soon; never two at once for the same source."""
        if name not in self.sources:
            return
        if name in self._running:
            self._again.add(name)
            return
        self._running[name] = asyncio.create_task(self._run(name), name=f"ingest {name}")

    def nudge_all(self) -> None:
        for name in self.sources:
            self.nudge(name)

    async def _run(self, name: str) -> None:
        try:
            while True:
                self._again.discard(name)
                try:
                    reports = await self.ingestor.run(self.sources[name])
                except SourceError as error:
                    logger.warning("source %s unavailable: %s", name, error.message)
                else:
                    self.last_success[name] = datetime.now(UTC)
                    _log_reports(name, reports)
                    if self.on_reports is not None and reports:
                        await self.on_reports(name, reports)
                if name not in self._again:
                    return
        finally:
            del self._running[name]

    async def idle(self) -> None:
        """Wait until no run is in flight (tests and shutdown)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def stop(self) -> None:
        for task in list(self._running.values()):
            task.cancel()
        await asyncio.gather(*self._running.values(), return_exceptions=True)


INGESTION = web.AppKey("ingestion", Ingestion)


def _log_reports(name: str, reports: list[IngestReport]) -> None:
    for report in reports:
        if report.outcome is Outcome.FAILED:
            logger.warning("%s: %s could not be ingested", name, report.document_key)
    if reports:
        logger.info("%s: %d files handled", name, len(reports))


def create_app(settings: Settings) -> web.Application:
    """The whole service from its settings: routes, and every lifetime in cleanup_ctx (no globals)."""
    app = web.Application()
    app[SETTINGS] = settings
    app.cleanup_ctx.append(_store_lifetime)
    app.cleanup_ctx.append(_ingestion_lifetime)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


async def _store_lifetime(app: web.Application) -> AsyncIterator[None]:
    async with store_context(app[SETTINGS].database_url) as store:
        app[STORE] = store
        yield


async def _ingestion_lifetime(app: web.Application) -> AsyncIterator[None]:
    settings, store = app[SETTINGS], app[STORE]
    if settings.roster_dir is not None:
        await load_rosters(settings.roster_dir, store)
    sources: dict[str, DocumentSource] = {}
    if settings.minutes_folder is not None:
        local = LocalFolderSource(settings.minutes_folder, store)
        sources[local.name] = local
    if settings.sharepoint_library_url:
        remote = sharepoint_source(settings.sharepoint_library_url, settings, store)
        sources[remote.name] = remote
    ingestion = Ingestion(
        Ingestor(store=store, clock=lambda: datetime.now(UTC), max_bytes=settings.max_document_bytes), sources
    )
    app[INGESTION] = ingestion
    poller = asyncio.create_task(_poll(ingestion, settings), name="poll sources")
    try:
        yield
    finally:
        poller.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await poller
        await ingestion.stop()


async def load_rosters(folder: Path, rosters: RosterStore) -> list[str]:
    """Every *.toml roster in the folder into the store, at start-up; a broken file stops the start."""
    groups: list[str] = []
    for path, text in await asyncio.to_thread(_read_rosters, folder):
        try:
            if isinstance(text, Exception):
                raise text
            group, entries = parse_roster_toml(text)
        except RosterError as error:
            raise RosterError(f"{path.name}: {error.message}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise RosterError(f"{path.name} kan inte läsas ({type(error).__name__})") from None
        await rosters.save_roster(group, entries)
        groups.append(group)
    return groups


def _read_rosters(folder: Path) -> list[tuple[Path, str | Exception]]:
    found: list[tuple[Path, str | Exception]] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            found.append((path, error))
    return found


async def _poll(ingestion: Ingestion, settings: Settings) -> None:
    """The safety net and the only trigger without change notifications: every source on an interval
    (the local folder more often, since listing it costs nothing)."""
    local_every = max(1, settings.local_poll_seconds)
    remote_every = settings.poll_interval_minutes * 60
    elapsed = 0
    while True:
        for name, source in ingestion.sources.items():
            if isinstance(source, LocalFolderSource) or elapsed % remote_every == 0:
                ingestion.nudge(name)
        await asyncio.sleep(local_every)
        elapsed += local_every


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready once the store answers; the sources' last successful runs are reported, not required."""
    store, ingestion = request.app[STORE], request.app[INGESTION]
    try:
        await store.get_cursor("readyz")
    except Exception:  # any store failure means not ready; the reason is logged, not shown
        logger.exception("store not ready")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response(
        {
            "status": "ready",
            "sources": {name: ingestion.last_success.get(name) is not None for name in ingestion.sources},
        }
    )
