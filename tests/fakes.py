"""Hand-written fakes for the workflows' ports: an in-memory store and in-process collaborators."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from minutes.model import ItemKind, ParsedDocument
from minutes.readers import read_document
from minutes.reconcile import Reconciliation
from minutes.records import AuditEntry, DocumentRecord, DocumentRef, ItemRecord, ItemStatus, RosterEntry


async def in_process_reader(data: bytes, filename: str) -> ParsedDocument:
    """The readers without the sandbox's worker process: fast, for tests that are not about limits."""
    return read_document(data, filename)


@dataclass
class InMemoryStore:
    """IngestStore, ItemQueries, CursorStore and RosterStore in dictionaries, with the SQL store's semantics."""

    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    items: dict[str, ItemRecord] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    outbox: list[dict[str, str]] = field(default_factory=list)
    cursors: dict[str, str] = field(default_factory=dict)
    rosters: dict[str, list[RosterEntry]] = field(default_factory=dict)
    failures: dict[str, str | None] = field(default_factory=dict)  # document key → failed version
    next_id: int = 1

    async def get_cursor(self, source: str) -> str | None:
        return self.cursors.get(source)

    async def save_cursor(self, source: str, cursor: str) -> None:
        self.cursors[source] = cursor

    async def get_document(self, key: str) -> DocumentRecord | None:
        return self.documents.get(key)

    async def items_of_document(self, document_key: str) -> list[ItemRecord]:
        return [i for i in self.items.values() if i.document_key == document_key]

    async def save_ingest(
        self,
        document: DocumentRecord,
        changes: Reconciliation,
        *,
        at: datetime,
        origin: str,
        announce_at: datetime | None = None,
    ) -> list[ItemRecord]:
        # Like the SQL store: nothing at all is written when neither the document nor an item changed.
        if self.documents.get(document.key) != document:
            self.documents[document.key] = document
            self._log(at, "document.ingested", document.key, origin)
        self.failures.pop(document.key, None)
        for item in changes.added:
            self.items[item.key] = replace(item, id=self.next_id)
            self.next_id += 1
            self._log(at, "item.added", item.key, origin)
        for _, new in changes.updated:
            self.items[new.key] = new
            self._log(at, "item.updated", new.key, origin)
        for old in changes.withdrawn:
            self.items[old.key] = replace(old, status=ItemStatus.WITHDRAWN)
            self._log(at, "item.withdrawn", old.key, origin)
        due = (announce_at or at).isoformat()
        waiting = [m for m in self.outbox if m.get("document_key") == document.key]  # nothing is sent here
        if waiting:  # one announcement waits per document: a new version pushes it
            waiting[0]["due"] = max(waiting[0]["due"], due)
        elif changes.changed:
            self.outbox.append({"kind": "meeting_summary", "document_key": document.key, "due": due})
        return [i for i in await self.items_of_document(document.key) if i.status is not ItemStatus.WITHDRAWN]

    async def record_failure(self, ref: DocumentRef, reason: str, *, at: datetime, origin: str) -> bool:
        news = ref.key not in self.failures or self.failures[ref.key] != ref.version
        self.failures[ref.key] = ref.version
        existing = self.documents.get(ref.key)
        self.documents[ref.key] = DocumentRecord(
            key=ref.key,
            name=ref.name,
            version=ref.version,
            content_hash=existing.content_hash if existing else None,
            web_url=ref.web_url,
            group=existing.group if existing else None,
            meeting_date=existing.meeting_date if existing else None,
            status="failed",
            failure=reason,
        )
        if news:
            self._log(at, "document.failed", ref.key, origin)
        return news

    async def mark_deleted(self, ref: DocumentRef, *, at: datetime, origin: str) -> list[ItemRecord]:
        withdrawn: list[ItemRecord] = []
        for item in await self.items_of_document(ref.key):
            if item.status is not ItemStatus.WITHDRAWN:
                self.items[item.key] = replace(item, status=ItemStatus.WITHDRAWN, changed_at=at)
                withdrawn.append(self.items[item.key])
                self._log(at, "item.withdrawn", item.key, origin)
        if ref.key in self.documents and self.documents[ref.key].status != "deleted":
            self.documents[ref.key] = replace(self.documents[ref.key], status="deleted")
            self._log(at, "document.deleted", ref.key, origin)
            if not any(m.get("document_key") == ref.key for m in self.outbox):
                self.outbox.append(
                    {"kind": "meeting_summary", "document_key": ref.key, "due": at.isoformat()}
                )
        return withdrawn

    async def set_status(
        self, item_id: int, status: ItemStatus, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        item = next((i for i in self.items.values() if i.id == item_id), None)
        if item is None or item.status in (ItemStatus.WITHDRAWN, status):
            return item
        self.items[item.key] = replace(item, status=status, changed_by=by, changed_at=at)
        self._log(at, "item.done" if status is ItemStatus.DONE else "item.reopened", item.key, origin)
        return self.items[item.key]

    async def list_items(
        self,
        *,
        open_only: bool = False,
        owner: str | None = None,
        group: str | None = None,
        published_only: bool = False,
    ) -> list[ItemRecord]:
        awaiting = (
            {key for key, d in self.documents.items() if d.awaiting_review} if published_only else set()
        )
        found = [
            i
            for i in self.items.values()
            if (not open_only or i.status is ItemStatus.OPEN)
            and (owner is None or owner.casefold() in (o.casefold() for o in i.owners))
            and (group is None or i.group == group)
            and i.document_key not in awaiting
        ]
        return sorted(found, key=lambda i: (i.due is None, i.due or datetime.min.date(), i.id or 0))

    async def search_decisions(self, text: str | None = None) -> list[ItemRecord]:
        return [
            i
            for i in self.items.values()
            if i.kind is ItemKind.DECISION
            and (not text or text.casefold() in f"{i.topic} {i.text}".casefold())
        ]

    async def audit_log(self, subject: str | None = None) -> list[AuditEntry]:
        return [a for a in self.audit if subject is None or a.subject == subject]

    async def save_roster(self, group: str, entries: Sequence[RosterEntry]) -> None:
        self.rosters[group] = list(entries)

    async def roster(self, group: str) -> list[RosterEntry]:
        return list(self.rosters.get(group, []))

    def _log(self, at: datetime, action: str, subject: str, origin: str) -> None:
        self.audit.append(
            AuditEntry(at=at, actor="minutesbot", action=action, subject=subject, origin=origin)
        )


class EnqueueFailed(Exception):
    """What a FailingLedger raises in place of a database error half-way through enqueue_reminder."""


@dataclass
class MemoryReminderLedger:
    """ReminderLedger: the first claim of a key wins, and a message is queued with its keys in one step.
    The await before the check lets a concurrent tick run in between, as a database round trip would; the
    check and the writes after it are one step, like the store's transaction. `fail_next` makes the next
    enqueue_reminder fail after it checked the keys and before it wrote anything (a rolled-back transaction)."""

    claimed: dict[str, datetime] = field(default_factory=dict)
    outbox: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    fail_next: int = 0

    async def claim_reminder(self, key: str, *, at: datetime) -> bool:
        await asyncio.sleep(0)
        if key in self.claimed:
            return False
        self.claimed[key] = at
        return True

    async def claimed_reminders(self, keys: Collection[str]) -> set[str]:
        await asyncio.sleep(0)
        return {key for key in keys if key in self.claimed}

    async def enqueue_reminder(
        self,
        keys: Collection[str],
        kind: str,
        payload: dict[str, Any],
        *,
        conversation_key: str | None,
        at: datetime,
    ) -> bool:
        await asyncio.sleep(0)
        if any(key in self.claimed for key in keys):
            return False
        if self.fail_next:
            self.fail_next -= 1
            raise EnqueueFailed("the outbox write failed")
        self.claimed.update(dict.fromkeys(keys, at))
        self.outbox.append((at, kind, payload))
        return True


@dataclass
class MemoryNotMineLog:
    """NotMineLog: who said 'Inte min' about which item (item id → Entra object ids)."""

    items: dict[int, frozenset[str]] = field(default_factory=dict)

    async def not_mine_items(self) -> Mapping[int, frozenset[str]]:
        await asyncio.sleep(0)
        return self.items
