"""The ports the workflows call: small Protocols that the store and the sources satisfy structurally."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from minutes.reconcile import Reconciliation
from minutes.records import (
    AuditEntry,
    DocumentRecord,
    DocumentRef,
    DocumentTooLarge,
    ItemRecord,
    RosterEntry,
    SourceError,
)

__all__ = [
    "DocumentTooLarge",
    "SourceError",
]  # raised by sources; defined where every adapter can import them


class DocumentSource(Protocol):
    """Where minutes files come from: a SharePoint library or a local folder."""

    @property
    def name(self) -> str: ...

    async def changes(self) -> Sequence[DocumentRef]:
        """New, edited and deleted files since the last call (the source keeps its own cursor)."""
        ...

    async def download(self, ref: DocumentRef, *, max_bytes: int) -> bytes:
        """The file's bytes; DocumentTooLarge past `max_bytes` (also when the file grows while read)."""
        ...

    async def commit(self) -> None:
        """Remember that the changes returned so far are applied: the cursor moves only now, so a crash
        in between replays them (ingestion is idempotent) instead of losing them."""
        ...


class CursorStore(Protocol):
    """Where a source keeps its place between runs (a Graph deltaLink)."""

    async def get_cursor(self, source: str) -> str | None: ...

    async def save_cursor(self, source: str, cursor: str) -> None: ...


class IngestStore(CursorStore, Protocol):
    """What ingestion needs of the store."""

    async def get_document(self, key: str) -> DocumentRecord | None: ...

    async def items_of_document(self, document_key: str) -> list[ItemRecord]: ...

    async def save_ingest(
        self, document: DocumentRecord, changes: Reconciliation, *, at: datetime, origin: str
    ) -> list[ItemRecord]:
        """In one transaction: upsert the document, insert added items, update changed ones (status kept),
        mark vanished ones withdrawn, append an audit entry per change and, when anything changed, one outbox
        message announcing the document. Returns the document's live items as stored (with ids)."""
        ...

    async def record_failure(self, ref: DocumentRef, reason: str, *, at: datetime, origin: str) -> bool:
        """Keep a failed file with its reason; True when this is news (first failure of this version)."""
        ...

    async def mark_deleted(self, ref: DocumentRef, *, at: datetime, origin: str) -> list[ItemRecord]:
        """The file is gone from its source: the document is marked deleted, its open items withdrawn."""
        ...


class ItemQueries(Protocol):
    """What the command line and the bot ask of stored items."""

    async def list_items(
        self, *, open_only: bool = False, owner: str | None = None, group: str | None = None
    ) -> list[ItemRecord]: ...

    async def search_decisions(self, text: str | None = None) -> list[ItemRecord]: ...

    async def audit_log(self, subject: str | None = None) -> list[AuditEntry]: ...


class RosterStore(Protocol):
    async def save_roster(self, group: str, entries: Sequence[RosterEntry]) -> None: ...

    async def roster(self, group: str) -> list[RosterEntry]: ...
