"""Keeping the sources read: a run per source when nudged (coalesced), the folder's poll, Graph subscriptions."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from minutes.logsafe import safe_log_field
from minutes.records import SourceError
from sources.local_folder import LocalFolderSource
from workflows.ingest import Ingestor, IngestReport, Outcome
from workflows.ports import DocumentSource
from workflows.runs import CoalescingRuns
from workflows.subscriptions import SubscriptionKeeper

if TYPE_CHECKING:
    from sources.sharepoint import SharePointSource

logger = logging.getLogger(__name__)

SUBSCRIBE_AFTER_START_SECONDS = 2.0


@dataclass
class Ingestion:
    """The configured sources and the runs over them: at most one run per source at a time, and nudges that
    arrive during a run coalesce into exactly one more run afterwards (workflows.runs.CoalescingRuns)."""

    ingestor: Ingestor
    sources: dict[str, DocumentSource]
    on_reports: Callable[[str, list[IngestReport]], Awaitable[None]] | None = None
    last_success: dict[str, datetime] = field(default_factory=dict)
    _runs: CoalescingRuns = field(init=False)

    def __post_init__(self) -> None:
        self._runs = CoalescingRuns(self._run_once, label="ingest")

    def nudge(self, name: str) -> None:
        """Ask for a run of one source soon; never two at once for the same source."""
        if name in self.sources:
            self._runs.nudge(name)

    def nudge_all(self) -> None:
        for name in self.sources:
            self.nudge(name)

    async def _run_once(self, name: str) -> None:
        try:
            reports = await self.ingestor.run(self.sources[name])
        except SourceError as error:
            logger.warning("source %s unavailable: %s", safe_log_field(name), safe_log_field(error.message))
            return
        self.last_success[name] = datetime.now(UTC)
        _log_reports(name, reports)
        if self.on_reports is not None and reports:
            await self.on_reports(name, reports)

    async def idle(self) -> None:
        """Wait until no run is in flight (tests and shutdown)."""
        await self._runs.wait_idle()

    async def stop(self) -> None:
        await self._runs.close()


def _log_reports(name: str, reports: list[IngestReport]) -> None:
    for report in reports:
        if report.outcome is Outcome.FAILED:
            logger.warning(
                "%s: %s could not be ingested", safe_log_field(name), safe_log_field(report.document_key)
            )
    if reports:
        logger.info("%s: %d files handled", safe_log_field(name), len(reports))


async def watch_local_folders(ingestion: Ingestion, every_seconds: float) -> None:
    """Watch the local folder (listing it costs nothing); SharePoint is polled by the scheduler's
    'sources.poll' job and triggered by change notifications. Every source is read once at start."""
    ingestion.nudge_all()
    while True:
        await asyncio.sleep(every_seconds)
        for name, source in ingestion.sources.items():
            if isinstance(source, LocalFolderSource):
                ingestion.nudge(name)


@dataclass
class LibrarySubscriptions:
    """The change subscriptions of the SharePoint libraries, and which source each notifies."""

    ingestion: Ingestion
    keepers: list[tuple[SubscriptionKeeper, SharePointSource]] = field(default_factory=list)
    subscribed: dict[str, str] = field(default_factory=dict)  # subscription id → source name

    async def keep_after_start(self) -> None:
        """Subscribe once the server answers Graph's validation call; the scheduler renews every hour after."""
        await asyncio.sleep(SUBSCRIBE_AFTER_START_SECONDS)
        await self.ensure()

    async def ensure(self) -> None:
        """Create or renew each library's subscription; a new one is followed by a delta run (nothing before
        it was notified)."""
        for keeper, source in self.keepers:
            try:
                library = await source.resolve()
            except SourceError as error:
                logger.warning(
                    "library %s not reachable: %s", safe_log_field(source.name), safe_log_field(error.message)
                )
                continue
            subscription, created = await keeper.ensure(library.drive_id)
            if subscription is not None:
                self.subscribed[subscription.id] = source.name
            if created:
                self.ingestion.nudge(source.name)

    def notified(self, subscription_ids: frozenset[str]) -> None:
        """Nudge one delta run for each library whose subscription Graph notified."""
        for subscription_id in subscription_ids:
            name = self.subscribed.get(subscription_id)
            if name is not None:
                self.ingestion.nudge(name)
