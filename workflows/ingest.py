"""Ingest minutes: source → download → read (sandboxed) → extract → reconcile → store, one file at a time."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from minutes.extract import extract
from minutes.model import DocumentError, ParsedDocument
from minutes.reconcile import Reconciliation, reconcile, to_record
from minutes.records import DocumentRecord, DocumentRef
from workflows.ports import DocumentSource, IngestStore, SourceError
from workflows.sandbox import read_in_sandbox

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20_000_000

Reader = Callable[[bytes, str], Awaitable[ParsedDocument]]
Clock = Callable[[], datetime]
Progress = Callable[[int, int], None]  # (done, total)


class Outcome(StrEnum):
    INGESTED = "ingested"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What happened to one file. `reported` is True for a failure the first time it is seen."""

    document_key: str
    name: str
    outcome: Outcome
    added: int = 0
    updated: int = 0
    withdrawn: int = 0
    failure: str | None = None
    reported: bool = False


async def sandboxed_reader(data: bytes, filename: str) -> ParsedDocument:
    """Parse in a worker process with memory and CPU limits, off the event loop."""
    return await asyncio.to_thread(read_in_sandbox, data, filename)


@dataclass(frozen=True, slots=True)
class Ingestor:
    """The ingestion use case with its collaborators; one instance serves every source."""

    store: IngestStore
    clock: Clock
    reader: Reader = sandboxed_reader
    max_bytes: int = DEFAULT_MAX_BYTES

    async def run(self, source: DocumentSource, *, progress: Progress | None = None) -> list[IngestReport]:
        """Ingest every change the source reports. A failing file is recorded and never blocks the others;
        the source's cursor moves only after all of them were handled."""
        refs = await source.changes()
        reports: list[IngestReport] = []
        for ref in refs:
            reports.append(await self.ingest(source, ref))
            if progress is not None:
                progress(len(reports), len(refs))
        await source.commit()
        return reports

    async def ingest(self, source: DocumentSource, ref: DocumentRef) -> IngestReport:
        origin = f"ingest:{source.name}"
        if ref.deleted:
            withdrawn = await self.store.mark_deleted(ref, at=self.clock(), origin=origin)
            return IngestReport(ref.key, ref.name, Outcome.DELETED, withdrawn=len(withdrawn))
        stored = await self.store.get_document(ref.key)
        if stored is not None and stored.status == "ok" and ref.version and stored.version == ref.version:
            return IngestReport(ref.key, ref.name, Outcome.UNCHANGED)
        try:
            data = await source.download(ref, max_bytes=self.max_bytes)
            content_hash = hashlib.sha256(data).hexdigest()
            if stored is not None and stored.status == "ok" and stored.content_hash == content_hash:
                return IngestReport(ref.key, ref.name, Outcome.UNCHANGED)
            document = await self.reader(data, ref.name)
            result = extract(document, reference_date=_reference_date(ref, self.clock))
        except (DocumentError, SourceError) as error:
            reported = await self.store.record_failure(ref, error.message, at=self.clock(), origin=origin)
            logger.info("ingest %s failed: %s", ref.key, type(error).__name__)
            return IngestReport(ref.key, ref.name, Outcome.FAILED, failure=error.message, reported=reported)
        meeting = result.meeting
        records = [
            to_record(item, document_key=ref.key, group=meeting.body, meeting_date=meeting.date)
            for item in result.items
        ]
        # A document seen for the first time has no stored items: skip the read (most files of a bulk ingest).
        existing = await self.store.items_of_document(ref.key) if stored is not None else []
        changes = reconcile(existing, records)
        record = DocumentRecord(
            key=ref.key,
            name=ref.name,
            version=ref.version,
            content_hash=content_hash,
            web_url=ref.web_url,
            group=meeting.body,
            meeting_date=meeting.date,
            status="ok",
        )
        await self.store.save_ingest(record, changes, at=self.clock(), origin=origin)
        logger.info(
            "ingested %s: %d added, %d updated, %d withdrawn",
            ref.key,
            len(changes.added),
            len(changes.updated),
            len(changes.withdrawn),
        )
        return _report(ref, changes)


def _report(ref: DocumentRef, changes: Reconciliation) -> IngestReport:
    return IngestReport(
        ref.key,
        ref.name,
        Outcome.INGESTED,
        added=len(changes.added),
        updated=len(changes.updated),
        withdrawn=len(changes.withdrawn),
    )


def _reference_date(ref: DocumentRef, clock: Clock) -> date:
    """Minutes without a printed meeting date resolve dates against the file's own date."""
    return (ref.modified or clock()).date()


def summarise(reports: Sequence[IngestReport]) -> dict[Outcome, int]:
    counts = dict.fromkeys(Outcome, 0)
    for report in reports:
        counts[report.outcome] += 1
    return counts
