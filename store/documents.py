"""Documents: a version of the minutes written with its items in one transaction (ingestion's port), failed
and deleted files, the sources' cursors, and the queries over meetings. Does I/O."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, insert, or_, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from minutes.model import Person
from minutes.reconcile import Reconciliation
from minutes.records import DocumentRecord, DocumentRef, ItemRecord, ItemStatus
from store.audit import INSERT_AUDIT, append_audit, ingest_audit
from store.database import Repository, listed, upsert
from store.items import (
    INSERT_ITEM,
    WITHDRAWN,
    StaleReconciliation,
    fetch_items,
    insert_owners,
    new_item_values,
    update_items,
    withdraw_items,
)
from store.outbox import meeting_summary_values
from store.outbox_queue import INSERT_OUTBOX, announce
from store.rows import (
    document_differs,
    document_from_row,
    document_values,
    failed_document_values,
    people_from_json,
)
from store.tables import documents, items, source_cursors

logger = logging.getLogger(__name__)

# The statements of ingestion, built once (see store.items).
_SELECT_DOCUMENT = select(documents).where(documents.c.key == bindparam("b_key"))
_LOCK_DOCUMENT = _SELECT_DOCUMENT.with_for_update()
_INSERT_DOCUMENT = insert(documents)
_UPDATE_DOCUMENT = update(documents).where(documents.c.key == bindparam("b_key"))
_ITEMS_OF_DOCUMENT = (
    select(items).where(items.c.document_key == bindparam("b_document_key")).order_by(items.c.id)
)
_LIVE_ITEMS = _ITEMS_OF_DOCUMENT.where(items.c.status != WITHDRAWN)
_LIVE_KEYS_IN_ORDER = _LIVE_ITEMS.with_only_columns(items.c.key)
# The document's items, and those of any document that hold one of the keys b_keys.
_CURRENT_ITEMS = select(items.c.key, items.c.document_key, items.c.status).where(
    or_(items.c.document_key == bindparam("b_document_key"), items.c.key.in_(listed("b_keys")))
)
_ITEMS_BY_KEY = select(items).where(items.c.key.in_(listed("b_keys"))).order_by(items.c.id)


class DocumentRepository(Repository):
    """IngestStore (and so CursorStore), and the meetings that ChatStore and ReminderStore ask for."""

    # -- cursors -------------------------------------------------------------------------------------------

    async def get_cursor(self, source: str) -> str | None:
        async with self.database.read() as connection:
            cursor: str | None = await connection.scalar(
                select(source_cursors.c.cursor).where(source_cursors.c.source == source)
            )
        return cursor

    async def save_cursor(self, source: str, cursor: str) -> None:
        async with self.database.write() as connection:
            await upsert(
                connection,
                source_cursors,
                {"source": source, "cursor": cursor, "updated_at": self.database.clock()},
                key=("source",),
            )

    # -- a document and its items ---------------------------------------------------------------------------

    async def get_document(self, key: str) -> DocumentRecord | None:
        async with self.database.read() as connection:
            row = (await connection.execute(_SELECT_DOCUMENT, {"b_key": key})).mappings().first()
        return document_from_row(row) if row else None

    async def items_of_document(self, document_key: str) -> list[ItemRecord]:
        """Every item of the document, withdrawn ones included, in the order they were added."""
        async with self.database.read() as connection:
            return await fetch_items(connection, _ITEMS_OF_DOCUMENT, {"b_document_key": document_key})

    async def save_ingest(
        self,
        document: DocumentRecord,
        changes: Reconciliation,
        *,
        at: datetime,
        origin: str,
        announce_at: datetime | None = None,
    ) -> list[ItemRecord]:
        """In one transaction: upsert the document, insert added items, update changed ones (status kept),
        mark vanished ones withdrawn, append an audit entry per change and, when any item changed, one outbox
        message announcing the document, due at `announce_at` (default `at`). Writes nothing when neither the
        document nor an item changed. A document keeps one announcement waiting: a new version pushes the one
        not yet claimed to `announce_at` instead of adding another (the card waits until edits settle).

        A withdrawn item that reconciliation revived (an updated pair whose old side is withdrawn) is reopened
        with its old id. StaleReconciliation, before anything is written, when `changes` was not made from the
        document's items as stored now. Returns the live items as stored (with ids), in id order."""
        _check_items_belong(document.key, changes)
        async with self.database.write() as connection:
            stored = await _lock_document(connection, document.key)
            await _check_current(connection, document.key, changes)
            values = document_values(document)
            document_changed = stored is None or document_differs(stored, values)
            writing = document_changed or changes.changed
            # Batched: a handful of statements per document however many items change (tests/store count
            # them). The audit entries keep the order of one change at a time: updated, withdrawn, added.
            owners: dict[int, Sequence[str]] = {}
            entries: list[dict[str, Any]] = []
            if writing:
                if document_changed:
                    await _write_document(
                        connection,
                        document.key,
                        stored,
                        values,
                        at=at,
                        awaiting_review=document.awaiting_review,
                    )
                entries += await update_items(connection, changes.updated, owners, at=at, origin=origin)
                entries += await withdraw_items(
                    connection, [record.key for record in changes.withdrawn], at=at, origin=origin
                )
                if changes.added:
                    # Executed row after row in this order (no RETURNING, so no multi-row VALUES whose ids
                    # the database may hand out in another order): ids follow the order of `added`.
                    await connection.execute(
                        INSERT_ITEM, [new_item_values(record, at=at) for record in changes.added]
                    )
            live = await fetch_items(connection, _LIVE_ITEMS, {"b_document_key": document.key})
            if writing:
                # The added items are live items of this document: their ids are in `live`.
                ids = {stored_item.key: stored_item.id for stored_item in live}
                for record in changes.added:
                    item_id = ids[record.key]
                    assert item_id is not None
                    owners[item_id] = record.owners
                    entries.append(
                        ingest_audit("item.added", record.key, f"#{item_id}", at=at, origin=origin)
                    )
                entries.append(
                    ingest_audit(
                        "document.ingested",
                        document.key,
                        f"version={document.version} added={len(changes.added)} "
                        f"updated={len(changes.updated)} withdrawn={len(changes.withdrawn)}",
                        at=at,
                        origin=origin,
                    )
                )
                await insert_owners(connection, owners)
                await connection.execute(INSERT_AUDIT, entries)
                await announce(connection, document.key, at=at, due=announce_at or at, add=changes.changed)
        logger.debug(
            "saved %s: %d added, %d updated, %d withdrawn",
            document.key,
            len(changes.added),
            len(changes.updated),
            len(changes.withdrawn),
        )
        return live

    async def record_failure(self, ref: DocumentRef, reason: str, *, at: datetime, origin: str) -> bool:
        """Keep a failed file with its reason; True when this is news (first failure of this version).
        The document row now describes the failed version; the items, content hash, group and meeting date
        of the last good version stay as they are."""
        async with self.database.write() as connection:
            stored = await _lock_document(connection, ref.key)
            if (
                stored is not None
                and stored["status"] == "failed"
                and stored["failure_version"] == ref.version
            ):
                return False
            await _write_document(connection, ref.key, stored, failed_document_values(ref, reason), at=at)
            await connection.execute(
                INSERT_AUDIT,
                ingest_audit(
                    "document.failed", ref.key, f"version={ref.version} reason={reason}", at=at, origin=origin
                ),
            )
        return True

    async def mark_deleted(self, ref: DocumentRef, *, at: datetime, origin: str) -> list[ItemRecord]:
        """The file is gone from its source: the document is marked deleted, its open and done items
        withdrawn, and its card announced again (the cards posted say the minutes are gone). Returns the items
        withdrawn now (as stored, status withdrawn); nothing for an unknown or already deleted document."""
        async with self.database.write() as connection:
            stored = await _lock_document(connection, ref.key)
            if stored is None or stored["status"] == "deleted":
                return []
            await _write_document(connection, ref.key, stored, {"status": "deleted"}, at=at)
            live_keys = list(
                (await connection.scalars(_LIVE_KEYS_IN_ORDER, {"b_document_key": ref.key})).all()
            )
            entries = await withdraw_items(
                connection, live_keys, at=at, origin=origin, detail="document deleted"
            )
            entries.append(ingest_audit("document.deleted", ref.key, "", at=at, origin=origin))
            await connection.execute(INSERT_AUDIT, entries)
            await announce(connection, ref.key, at=at, due=at, add=True)
            if not live_keys:
                return []
            return await fetch_items(connection, _ITEMS_BY_KEY, {"b_keys": live_keys})

    # -- meetings ---------------------------------------------------------------------------------------------

    async def documents(self, *, group: str | None = None) -> list[DocumentRecord]:
        """Ingested documents (status ok), newest meeting first and undated ones last; the most recently
        added first within a day."""
        return await self._select_documents(_ok_documents(group))

    async def latest_document(self, group: str | None) -> DocumentRecord | None:
        """The ingested document of the group's newest published meeting; of any group when `group` is None."""
        found = await self._select_documents(_published_documents(group).limit(1))
        return found[0] if found else None

    async def document_for_meeting(self, group: str | None, meeting_date: date) -> DocumentRecord | None:
        """The ingested document of the group's meeting that day (of any group when `group` is None); the most
        recently added one when there are several."""
        found = await self._select_documents(
            _published_documents(group).where(documents.c.meeting_date == meeting_date).limit(1)
        )
        return found[0] if found else None

    async def minutes_people(self, group: str) -> list[Person]:
        """The people the group's latest minutes list (MINUTES_PEOPLE_MEETINGS of them), newest first, each
        name once: who a group without a roster is."""
        query = _ok_documents(group).with_only_columns(documents.c.people).limit(MINUTES_PEOPLE_MEETINGS)
        async with self.database.read() as connection:
            lists = [value for (value,) in (await connection.execute(query)).all()]
        found: dict[str, Person] = {}
        for value in lists:
            for person in people_from_json(value):
                found.setdefault(person.name, person)
        return list(found.values())

    async def group_names(self) -> list[str]:
        """The groups that have ingested minutes, in alphabetical order."""
        query = (
            select(documents.c.group_name)
            .where(documents.c.status == "ok", documents.c.group_name.is_not(None))
            .distinct()
            .order_by(documents.c.group_name)
        )
        async with self.database.read() as connection:
            return [name for (name,) in (await connection.execute(query)).all()]

    # -- documents whose group the minutes do not tell -------------------------------------------------------

    async def publish_document(self, key: str, *, by: str, at: datetime, origin: str) -> bool:
        """The secretary's 'Publicera': a document awaiting review no longer does, audited 'document.published',
        and its meeting card queued for the group's channels, in one transaction. False, writing nothing, when
        the document is unknown or was published already (a second click, a replay, two at once)."""
        async with self.database.write() as connection:
            published = await connection.execute(
                update(documents)
                .where(documents.c.key == key, documents.c.awaiting_review.is_(True))
                .values(awaiting_review=False, updated_at=at)
            )
            if published.rowcount != 1:
                return False
            await append_audit(
                connection, at=at, actor=by, action="document.published", subject=key, origin=origin
            )
            await announce(connection, key, at=at, due=at, add=True)
        return True

    async def ungrouped_documents(self) -> list[DocumentRecord]:
        """Ingested documents of no group (their cards go to no channel), newest meeting first."""
        return await self._select_documents(_newest_first(_OK.where(documents.c.group_name.is_(None))))

    async def set_document_group(
        self, key: str, group: str, *, by: str, at: datetime, origin: str
    ) -> DocumentRecord | None:
        """Give the document and its items `group` (audited 'document.group', detail 'old→new') and, in the
        same transaction, queue its meeting card anew so that the group's followers get it. None when the store
        has no such document."""
        async with self.database.write() as connection:
            current = await _lock_document(connection, key)
            if current is None:
                return None
            old: str | None = current["group_name"]
            if old != group:
                await _write_document(connection, key, current, {"group_name": group}, at=at)
                await connection.execute(
                    update(items).where(items.c.document_key == key).values(group_name=group, updated_at=at)
                )
                await append_audit(
                    connection,
                    at=at,
                    actor=by,
                    action="document.group",
                    subject=key,
                    origin=origin,
                    detail=f"{old or '-'}→{group}",
                )
                await connection.execute(INSERT_OUTBOX, meeting_summary_values(key, at=at))
        return await self.get_document(key)

    async def _select_documents(self, query: Select[Any]) -> list[DocumentRecord]:
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [document_from_row(row) for row in rows]


# A group's people change slowly: the last year of monthly meetings knows who it is now.
MINUTES_PEOPLE_MEETINGS = 12

_OK = select(documents).where(documents.c.status == "ok")


def _newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(documents.c.meeting_date.desc().nulls_last(), documents.c.id.desc())


def _ok_documents(group: str | None) -> Select[Any]:
    return _newest_first(_OK if group is None else _OK.where(documents.c.group_name == group))


def _published_documents(group: str | None) -> Select[Any]:
    """As _ok_documents, without minutes awaiting the secretary's 'Publicera': the meeting a chat is shown."""
    return _ok_documents(group).where(documents.c.awaiting_review.is_(False))


async def _lock_document(connection: AsyncConnection, key: str) -> RowMapping | None:
    """The document's row, locked until the transaction ends (FOR UPDATE; SQLite's write lock covers it)."""
    return (await connection.execute(_LOCK_DOCUMENT, {"b_key": key})).mappings().first()


async def _write_document(
    connection: AsyncConnection,
    key: str,
    stored: RowMapping | None,
    values: dict[str, Any],
    *,
    at: datetime,
    awaiting_review: bool = False,
) -> None:
    """Insert the document's row (`stored` None: there is none) or update it with `values`, updated at `at`.
    Only a new row takes `awaiting_review`: a later version of published minutes never goes back to the
    secretary, and one awaiting review keeps waiting (workflows/publish.py)."""
    if stored is None:
        row = {"key": key, "created_at": at, "updated_at": at, "awaiting_review": awaiting_review, **values}
        await connection.execute(_INSERT_DOCUMENT, row)
    else:
        await connection.execute(_UPDATE_DOCUMENT, {"b_key": key, "updated_at": at, **values})


def _check_items_belong(document_key: str, changes: Reconciliation) -> None:
    records = [
        *changes.added,
        *changes.unchanged,
        *changes.withdrawn,
        *(record for pair in changes.updated for record in pair),
    ]
    strangers = {record.document_key for record in records} - {document_key}
    if strangers:
        raise ValueError(f"items of {sorted(strangers)} passed with document {document_key}")


async def _check_current(connection: AsyncConnection, document_key: str, changes: Reconciliation) -> None:
    """`changes` must have been made from the document's items as stored now: the same live items, the
    revived ones still withdrawn (checked as they are updated) and no added key taken. One query reads both
    the document's items and any item holding an added key."""
    added_keys = {record.key for record in changes.added}
    rows = (
        await connection.execute(
            _CURRENT_ITEMS, {"b_document_key": document_key, "b_keys": sorted(added_keys)}
        )
    ).all()
    stored_live = {row.key for row in rows if row.document_key == document_key and row.status != WITHDRAWN}
    reconciled_live = {old.key for old, _ in changes.updated if old.status is not ItemStatus.WITHDRAWN}
    reconciled_live.update(record.key for record in (*changes.unchanged, *changes.withdrawn))
    if stored_live != reconciled_live:
        raise StaleReconciliation(
            f"{document_key}: {len(stored_live - reconciled_live)} live items not reconciled, "
            f"{len(reconciled_live - stored_live)} reconciled items no longer live"
        )
    taken = {row.key for row in rows if row.key in added_keys}
    if taken:
        raise StaleReconciliation(f"{document_key}: {len(taken)} added items exist already")
