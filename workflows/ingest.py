"""Ingest minutes: source → download → read (by the reader given: sandboxed in the service) → extract → reconcile →
store, one file at a time."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote

from minutes.extract import extract
from minutes.logsafe import safe_log_field
from minutes.model import DocumentError, Extraction, ParsedDocument
from minutes.reconcile import Reconciliation, reconcile, to_record
from minutes.records import DocumentRecord, DocumentRef, ItemRecord
from workflows.ports import DocumentSource, IngestStore, SourceError

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 20_000_000

Reader = Callable[[bytes, str], Awaitable[ParsedDocument]]
# Read and extract in one call (file bytes, file name, reference date), e.g. in another process.
Analyser = Callable[[bytes, str, date], Awaitable[Extraction]]
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


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A file read and extracted, or the report it ends with already (unchanged, failed to read)."""

    ref: DocumentRef
    stored: DocumentRecord | None = None
    record: DocumentRecord | None = None
    records: tuple[ItemRecord, ...] = ()
    report: IngestReport | None = None
    failure: str | None = None


@dataclass(frozen=True, slots=True)
class SourceGroups:
    """Folders and library addresses tied to a group (MINUTESBOT_SOURCE_GROUPS): every document read below
    one belongs to its group whatever its text says; the longest matching place wins."""

    places: tuple[
        tuple[str, str], ...
    ] = ()  # (place as a decoded, casefolded URL without a trailing '/', group)

    @classmethod
    def parse(cls, mapping: Mapping[str, str]) -> SourceGroups:
        """From place → group: a local folder path, a file: URI, or an https address of a library or folder."""
        places = [(_place(where), group) for where, group in mapping.items()]
        return cls(tuple(sorted(places, key=lambda place: len(place[0]), reverse=True)))

    def group_of(self, web_url: str | None) -> str | None:
        """The group of a document at `web_url` (its web address, or the file: URI of a local file)."""
        if not web_url:
            return None
        address = unquote(web_url).casefold()
        for place, group in self.places:
            if address == place or address.startswith(place + "/"):
                return group
        return None


def _place(where: str) -> str:
    text = where.strip()
    if not text.lower().startswith(("http://", "https://", "file:")):
        text = Path(text).expanduser().resolve().as_uri()
    return unquote(text).rstrip("/").casefold()


@dataclass(frozen=True, slots=True)
class Ingestor:
    """The ingestion use case with its collaborators; one instance serves every source. `reads_ahead` files
    are downloaded, read and extracted while the store writes the one before them (worth it with a reader
    that works in other processes, reading.sandbox.SandboxPool); the store sees them one at a time, in
    the order the source listed them. It reads with `analyser` (read and extract in one call) when given,
    else with `reader` and extracts here; one of them is required (the composition root gives the sandbox)."""

    store: IngestStore
    clock: Clock
    reader: Reader | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    reads_ahead: int = 0
    analyser: Analyser | None = None  # when set, reads and extracts instead of `reader` + extract here
    # How long a document must stay unchanged before its card goes out; each new version ingested meanwhile
    # pushes the card back (SharePoint's AutoSave). Ingestion itself never waits.
    settle: timedelta = timedelta(0)
    source_groups: SourceGroups = SourceGroups()  # folders and libraries tied to a group
    # Groups whose new minutes' cards go to the group's secretary first (`[cards] review_first`): such a
    # document is stored awaiting review, until the secretary's 'Publicera' (workflows/publish.py).
    review_first: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.reader is None and self.analyser is None:
            raise TypeError("Ingestor needs a reader or an analyser")

    async def run(self, source: DocumentSource, *, progress: Progress | None = None) -> list[IngestReport]:
        """Ingest every change the source reports. A failing file is recorded and never blocks the others;
        the source's cursor moves only after all of them were handled."""
        refs = await source.changes()
        reports: list[IngestReport] = []
        upcoming = iter(refs)
        ahead: deque[asyncio.Future[_Prepared]] = deque()

        def read_next() -> None:
            ref = next(upcoming, None)
            if ref is not None:
                ahead.append(asyncio.ensure_future(self._prepare(source, ref)))

        try:
            for _ in range(1 + max(0, self.reads_ahead)):
                read_next()
            while ahead:
                prepared = await ahead.popleft()
                read_next()
                reports.append(await self._finish(source, prepared))
                if progress is not None:
                    progress(len(reports), len(refs))
        finally:
            for future in ahead:  # an error or a cancellation: the files read ahead are dropped, not stored
                future.cancel()
            await asyncio.gather(*ahead, return_exceptions=True)
        await source.commit()
        return reports

    async def ingest(self, source: DocumentSource, ref: DocumentRef) -> IngestReport:
        return await self._finish(source, await self._prepare(source, ref))

    async def _prepare(self, source: DocumentSource, ref: DocumentRef) -> _Prepared:
        """Everything before the store's write: is it changed, download, read, extract."""
        if ref.deleted:
            return _Prepared(ref)
        stored = await self.store.get_document(ref.key)
        if stored is not None and stored.status == "ok" and ref.version and stored.version == ref.version:
            return _Prepared(ref, report=IngestReport(ref.key, ref.name, Outcome.UNCHANGED))
        try:
            data = await source.download(ref, max_bytes=self.max_bytes)
            content_hash = hashlib.sha256(data).hexdigest()
            if stored is not None and stored.status == "ok" and stored.content_hash == content_hash:
                return _Prepared(ref, report=IngestReport(ref.key, ref.name, Outcome.UNCHANGED))
            reference_date = _reference_date(ref, self.clock)
            if self.analyser is not None:
                result = await self.analyser(data, ref.name, reference_date)
            else:
                assert self.reader is not None  # __post_init__
                result = extract(
                    await self.reader(data, ref.name), reference_date=reference_date, file_name=ref.name
                )
        except (DocumentError, SourceError) as error:
            logger.info("ingest %s failed: %s", safe_log_field(ref.key), type(error).__name__)
            return _Prepared(ref, failure=error.message)
        meeting = result.meeting
        # The group: where the file was read (a folder or library tied to a group), then what the minutes say,
        # then what an operator set by hand for an earlier version (`minutesbot documents set-group`).
        group = self.source_groups.group_of(ref.web_url) or meeting.body or (stored.group if stored else None)
        records = tuple(
            to_record(item, document_key=ref.key, group=group, meeting_date=meeting.date)
            for item in result.items
        )
        record = DocumentRecord(
            key=ref.key,
            name=ref.name,
            version=ref.version,
            content_hash=content_hash,
            web_url=ref.web_url,
            group=group,
            meeting_date=meeting.date,
            status="ok",
            people=meeting.people,
            # Read for the first time (the store takes it on a new document only: published minutes stay so).
            awaiting_review=stored is None and group in self.review_first,
        )
        return _Prepared(ref, stored=stored, record=record, records=records)

    async def _finish(self, source: DocumentSource, prepared: _Prepared) -> IngestReport:
        """The store's part, one file at a time: a deletion, a failure, or the reconciled items."""
        ref, origin = prepared.ref, f"ingest:{source.name}"
        if prepared.report is not None:
            return prepared.report
        if ref.deleted:
            withdrawn = await self.store.mark_deleted(ref, at=self.clock(), origin=origin)
            return IngestReport(ref.key, ref.name, Outcome.DELETED, withdrawn=len(withdrawn))
        if prepared.failure is not None or prepared.record is None:
            failure = prepared.failure or ""
            reported = await self.store.record_failure(ref, failure, at=self.clock(), origin=origin)
            return IngestReport(ref.key, ref.name, Outcome.FAILED, failure=failure, reported=reported)
        # A document seen for the first time has no stored items: skip the read (most files of a bulk ingest).
        existing = await self.store.items_of_document(ref.key) if prepared.stored is not None else []
        changes = reconcile(existing, list(prepared.records))
        at = self.clock()
        await self.store.save_ingest(
            prepared.record, changes, at=at, origin=origin, announce_at=at + self.settle
        )
        logger.info(
            "ingested %s: %d added, %d updated, %d withdrawn",
            safe_log_field(ref.key),
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
