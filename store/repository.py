"""SqlStore: documents, items, audit log, outbox, roster and source cursors over SQLAlchemy async. Does I/O."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, Table, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from minutes.reconcile import Reconciliation
from minutes.records import AuditEntry, DocumentRecord, DocumentRef, ItemRecord, ItemStatus, RosterEntry
from store.outbox import OutboxMessage, OutboxStatus, meeting_summary_values, message_from_row
from store.rows import (
    INGEST_ACTOR,
    audit_from_row,
    audit_values,
    changed_item_fields,
    document_differs,
    document_from_row,
    document_values,
    failed_document_values,
    item_content_values,
    item_from_row,
    like_pattern,
    owner_key,
    owner_keys,
    roster_from_row,
    roster_values,
    search_needle,
)
from store.tables import audit_log, documents, item_owners, items, outbox, roster, source_cursors

logger = logging.getLogger(__name__)

# Execution option marking a connection that will write; on SQLite it makes the transaction BEGIN IMMEDIATE
# (store.engine), so a writer takes the write lock up front instead of failing to upgrade a read lock.
WRITE_TRANSACTION = "minutesbot_write_transaction"

_WITHDRAWN = ItemStatus.WITHDRAWN.value
_STATUS_ACTIONS = {ItemStatus.DONE: "item.done", ItemStatus.OPEN: "item.reopened"}


class StaleReconciliation(Exception):
    """save_ingest was given a reconciliation made against items that changed since they were read (another
    ingest of the same document got there first). Nothing was written; read the items and reconcile again."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStore:
    """The store of ingested minutes. Satisfies workflows.ports.IngestStore, ItemQueries and RosterStore.

    Every write is one transaction behind one asyncio.Lock: SQLite allows a single writer anyway, and
    PostgreSQL runs the same code (rows are also locked, so several instances serialise per document)."""

    def __init__(self, engine: AsyncEngine, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_TRANSACTION: True})
        self._write_lock = asyncio.Lock()
        self._clock = clock

    async def close(self) -> None:
        await self._engine.dispose()

    # -- cursors -------------------------------------------------------------------------------------------

    async def get_cursor(self, source: str) -> str | None:
        async with self._read() as connection:
            cursor: str | None = await connection.scalar(
                select(source_cursors.c.cursor).where(source_cursors.c.source == source)
            )
        return cursor

    async def save_cursor(self, source: str, cursor: str) -> None:
        async with self._write() as connection:
            await _upsert(
                connection,
                source_cursors,
                {"source": source, "cursor": cursor, "updated_at": self._clock()},
                key=("source",),
            )

    # -- documents and their items ------------------------------------------------------------------------

    async def get_document(self, key: str) -> DocumentRecord | None:
        async with self._read() as connection:
            row = (
                (await connection.execute(select(documents).where(documents.c.key == key))).mappings().first()
            )
        return document_from_row(row) if row else None

    async def items_of_document(self, document_key: str) -> list[ItemRecord]:
        """Every item of the document, withdrawn ones included, in the order they were added."""
        return await self._select_items(
            select(items).where(items.c.document_key == document_key).order_by(items.c.id)
        )

    async def get_item(self, item_id: int) -> ItemRecord | None:
        found = await self._select_items(select(items).where(items.c.id == item_id))
        return found[0] if found else None

    async def save_ingest(
        self, document: DocumentRecord, changes: Reconciliation, *, at: datetime, origin: str
    ) -> list[ItemRecord]:
        """In one transaction: upsert the document, insert added items, update changed ones (status kept),
        mark vanished ones withdrawn, append an audit entry per change and, when any item changed, one outbox
        message announcing the document. Writes nothing when neither the document nor an item changed.

        A withdrawn item that reconciliation revived (an updated pair whose old side is withdrawn) is reopened
        with its old id. StaleReconciliation, before anything is written, when `changes` was not made from the
        document's items as stored now. Returns the live items as stored (with ids), in id order."""
        _check_items_belong(document.key, changes)
        async with self._write() as connection:
            stored = await _lock_document(connection, document.key)
            await _check_current(connection, document.key, changes)
            values = document_values(document)
            document_changed = stored is None or document_differs(stored, values)
            if document_changed or changes.changed:
                if stored is None:
                    await connection.execute(
                        insert(documents).values(key=document.key, created_at=at, updated_at=at, **values)
                    )
                elif document_changed:
                    await connection.execute(
                        update(documents)
                        .where(documents.c.key == document.key)
                        .values(updated_at=at, **values)
                    )
                for old, new in changes.updated:
                    await _update_item(connection, old, new, at=at, origin=origin)
                for record in changes.withdrawn:
                    await _withdraw_item(connection, record.key, at=at, origin=origin)
                for record in changes.added:
                    await _add_item(connection, record, at=at, origin=origin)
                await _audit(
                    connection,
                    at=at,
                    actor=INGEST_ACTOR,
                    action="document.ingested",
                    subject=document.key,
                    origin=origin,
                    detail=(
                        f"version={document.version} added={len(changes.added)} "
                        f"updated={len(changes.updated)} withdrawn={len(changes.withdrawn)}"
                    ),
                )
                if changes.changed:
                    await connection.execute(
                        insert(outbox).values(meeting_summary_values(document.key, at=at))
                    )
            live = await _fetch_items(
                connection,
                select(items)
                .where(items.c.document_key == document.key, items.c.status != _WITHDRAWN)
                .order_by(items.c.id),
            )
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
        async with self._write() as connection:
            stored = await _lock_document(connection, ref.key)
            if (
                stored is not None
                and stored["status"] == "failed"
                and stored["failure_version"] == ref.version
            ):
                return False
            values = failed_document_values(ref, reason)
            if stored is None:
                await connection.execute(
                    insert(documents).values(key=ref.key, created_at=at, updated_at=at, **values)
                )
            else:
                await connection.execute(
                    update(documents).where(documents.c.key == ref.key).values(updated_at=at, **values)
                )
            await _audit(
                connection,
                at=at,
                actor=INGEST_ACTOR,
                action="document.failed",
                subject=ref.key,
                origin=origin,
                detail=f"version={ref.version} reason={reason}",
            )
        return True

    async def mark_deleted(self, ref: DocumentRef, *, at: datetime, origin: str) -> list[ItemRecord]:
        """The file is gone from its source: the document is marked deleted and its open and done items
        withdrawn. Returns the items withdrawn now (as stored, status withdrawn); nothing for an unknown or
        already deleted document."""
        async with self._write() as connection:
            stored = await _lock_document(connection, ref.key)
            if stored is None or stored["status"] == "deleted":
                return []
            await connection.execute(
                update(documents).where(documents.c.key == ref.key).values(status="deleted", updated_at=at)
            )
            live_keys = (
                await connection.scalars(
                    select(items.c.key)
                    .where(items.c.document_key == ref.key, items.c.status != _WITHDRAWN)
                    .order_by(items.c.id)
                )
            ).all()
            for key in live_keys:
                await _withdraw_item(connection, key, at=at, origin=origin, detail="document deleted")
            await _audit(
                connection,
                at=at,
                actor=INGEST_ACTOR,
                action="document.deleted",
                subject=ref.key,
                origin=origin,
            )
            return await _fetch_items(
                connection, select(items).where(items.c.key.in_(live_keys)).order_by(items.c.id)
            )

    async def set_status(
        self, item_id: int, status: ItemStatus, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """Mark an item done or open again on a user's word (audit 'item.done' / 'item.reopened').

        Returns the item as stored afterwards, None for an unknown id. A withdrawn item, or one already in
        `status`, is returned unchanged: compare its status to tell the user."""
        action = _STATUS_ACTIONS.get(status)
        if action is None:
            raise ValueError(f"set_status sets open or done, not {status.value}: withdrawal is ingestion's")
        async with self._write() as connection:
            found = await _fetch_items(
                connection, select(items).where(items.c.id == item_id).with_for_update()
            )
            if not found:
                return None
            item = found[0]
            if item.status in (ItemStatus.WITHDRAWN, status):
                return item
            await connection.execute(
                update(items)
                .where(items.c.id == item_id)
                .values(status=status.value, changed_by=by, changed_at=at, updated_at=at)
            )
            await _audit(
                connection,
                at=at,
                actor=by,
                action=action,
                subject=item.key,
                origin=origin,
                detail=f"#{item_id}",
            )
            return (await _fetch_items(connection, select(items).where(items.c.id == item_id)))[0]

    # -- queries --------------------------------------------------------------------------------------------

    async def list_items(
        self, *, open_only: bool = False, owner: str | None = None, group: str | None = None
    ) -> list[ItemRecord]:
        """Live items (open, and done unless `open_only`), by due date with undated ones last, then by id.
        `owner` matches any one of an item's owners, case-insensitively."""
        query = select(items).where(
            items.c.status == ItemStatus.OPEN.value if open_only else items.c.status != _WITHDRAWN
        )
        if owner is not None:
            query = query.where(
                items.c.id.in_(
                    select(item_owners.c.item_id).where(item_owners.c.owner_key == owner_key(owner))
                )
            )
        if group is not None:
            query = query.where(items.c.group_name == group)
        return await self._select_items(query.order_by(items.c.due.asc().nulls_last(), items.c.id))

    async def search_decisions(self, text: str | None = None) -> list[ItemRecord]:
        """Live decisions whose topic or text contains `text` (case-insensitive; all when None or blank),
        newest meeting first, in document order within a meeting."""
        query = select(items).where(items.c.kind == "decision", items.c.status != _WITHDRAWN)
        needle = search_needle(text or "")
        if needle:
            query = query.where(items.c.search_text.like(like_pattern(needle), escape="\\"))
        return await self._select_items(query.order_by(items.c.meeting_date.desc().nulls_last(), items.c.id))

    async def audit_log(self, subject: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first; only the entries about `subject` when given."""
        query = select(audit_log).order_by(audit_log.c.id)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [audit_from_row(row) for row in rows]

    async def outbox_messages(self, status: OutboxStatus = OutboxStatus.PENDING) -> list[OutboxMessage]:
        """Outbox messages in `status`, oldest first."""
        query = select(outbox).where(outbox.c.status == status.value).order_by(outbox.c.id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [message_from_row(row) for row in rows]

    # -- roster ---------------------------------------------------------------------------------------------

    async def save_roster(self, group: str, entries: Sequence[RosterEntry]) -> None:
        """Replace the group's roster with `entries` (kept in this order)."""
        async with self._write() as connection:
            await connection.execute(delete(roster).where(roster.c.group_name == group))
            if entries:
                await connection.execute(insert(roster), [roster_values(group, entry) for entry in entries])

    async def roster(self, group: str) -> list[RosterEntry]:
        query = select(roster).where(roster.c.group_name == group).order_by(roster.c.id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [roster_from_row(row) for row in rows]

    # -- plumbing -------------------------------------------------------------------------------------------

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[AsyncConnection]:
        async with self._write_lock, self._writer.begin() as connection:
            yield connection

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        async with self._engine.connect() as connection:
            yield connection

    async def _select_items(self, query: Select[Any]) -> list[ItemRecord]:
        async with self._read() as connection:
            return await _fetch_items(connection, query)


async def _fetch_items(connection: AsyncConnection, query: Select[Any]) -> list[ItemRecord]:
    return [item_from_row(row) for row in (await connection.execute(query)).mappings().all()]


async def _lock_document(connection: AsyncConnection, key: str) -> RowMapping | None:
    """The document's row, locked until the transaction ends (FOR UPDATE; SQLite's write lock covers it)."""
    query = select(documents).where(documents.c.key == key).with_for_update()
    return (await connection.execute(query)).mappings().first()


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
    revived ones still withdrawn (checked as they are updated) and no added key taken."""
    stored_live = set(
        (
            await connection.scalars(
                select(items.c.key).where(items.c.document_key == document_key, items.c.status != _WITHDRAWN)
            )
        ).all()
    )
    reconciled_live = {old.key for old, _ in changes.updated if old.status is not ItemStatus.WITHDRAWN}
    reconciled_live.update(record.key for record in (*changes.unchanged, *changes.withdrawn))
    if stored_live != reconciled_live:
        raise StaleReconciliation(
            f"{document_key}: {len(stored_live - reconciled_live)} live items not reconciled, "
            f"{len(reconciled_live - stored_live)} reconciled items no longer live"
        )
    added_keys = [record.key for record in changes.added]
    if added_keys:
        taken = (await connection.scalars(select(items.c.key).where(items.c.key.in_(added_keys)))).all()
        if taken:
            raise StaleReconciliation(f"{document_key}: {len(taken)} added items exist already")


async def _add_item(connection: AsyncConnection, record: ItemRecord, *, at: datetime, origin: str) -> None:
    item_id: int = (
        await connection.execute(
            insert(items)
            .values(
                key=record.key,
                document_key=record.document_key,
                status=ItemStatus.OPEN.value,
                created_at=at,
                updated_at=at,
                **item_content_values(record),
            )
            .returning(items.c.id)
        )
    ).scalar_one()
    await _replace_owners(connection, item_id, record.owners)
    await _audit(
        connection,
        at=at,
        actor=INGEST_ACTOR,
        action="item.added",
        subject=record.key,
        origin=origin,
        detail=f"#{item_id}",
    )


async def _update_item(
    connection: AsyncConnection, old: ItemRecord, new: ItemRecord, *, at: datetime, origin: str
) -> None:
    """New content for a live item, its status kept; or a withdrawn item whose row came back, reopened."""
    reviving = old.status is ItemStatus.WITHDRAWN
    statement = update(items).where(items.c.key == old.key).values(updated_at=at, **item_content_values(new))
    if reviving:
        statement = statement.where(items.c.status == _WITHDRAWN).values(
            status=ItemStatus.OPEN.value, changed_by=INGEST_ACTOR, changed_at=at
        )
    else:
        statement = statement.where(items.c.status != _WITHDRAWN)
    item_id = (await connection.execute(statement.returning(items.c.id))).scalar_one_or_none()
    if item_id is None:
        state = "live" if reviving else "withdrawn"
        raise StaleReconciliation(f"{old.document_key}: an updated item is {state} by now")
    await _replace_owners(connection, item_id, new.owners)
    fields = ", ".join(changed_item_fields(old, new))
    detail = f"#{item_id} restored" if reviving else f"#{item_id}"
    await _audit(
        connection,
        at=at,
        actor=INGEST_ACTOR,
        action="item.updated",
        subject=old.key,
        origin=origin,
        detail=f"{detail}: {fields}" if fields else detail,
    )


async def _withdraw_item(
    connection: AsyncConnection, key: str, *, at: datetime, origin: str, detail: str = ""
) -> None:
    item_id = (
        await connection.execute(
            update(items)
            .where(items.c.key == key, items.c.status != _WITHDRAWN)
            .values(status=_WITHDRAWN, changed_by=INGEST_ACTOR, changed_at=at, updated_at=at)
            .returning(items.c.id)
        )
    ).scalar_one_or_none()
    if item_id is not None:
        await _audit(
            connection,
            at=at,
            actor=INGEST_ACTOR,
            action="item.withdrawn",
            subject=key,
            origin=origin,
            detail=f"#{item_id} {detail}".strip(),
        )


async def _replace_owners(connection: AsyncConnection, item_id: int, owners: Sequence[str]) -> None:
    await connection.execute(delete(item_owners).where(item_owners.c.item_id == item_id))
    keys = owner_keys(owners)
    if keys:
        await connection.execute(
            insert(item_owners), [{"item_id": item_id, "owner_key": key} for key in keys]
        )


async def _audit(
    connection: AsyncConnection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    origin: str,
    detail: str = "",
) -> None:
    await connection.execute(
        insert(audit_log).values(
            audit_values(at=at, actor=actor, action=action, subject=subject, origin=origin, detail=detail)
        )
    )


async def _upsert(
    connection: AsyncConnection, table: Table, values: Mapping[str, Any], *, key: Sequence[str]
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE, which SQLite and PostgreSQL spell alike."""
    dialect_insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = dialect_insert(table).values(dict(values))
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={column: statement.excluded[column] for column in values if column not in key},
        )
    )
