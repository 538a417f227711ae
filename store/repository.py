"""SqlStore: documents, items, conversations, posted cards, outbox, audit, roster, cursors. Does I/O."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Select,
    Table,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from minutes.model import ItemKind, Relative
from minutes.reconcile import Reconciliation, is_moved
from minutes.records import (
    AuditEntry,
    ConversationType,
    ConvRef,
    DocumentRecord,
    DocumentRef,
    ItemFilter,
    ItemPage,
    ItemRecord,
    ItemStatus,
    ListOrder,
    PostedCard,
    RosterEntry,
)
from store.outbox import (
    MAX_CLAIMS,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    meeting_summary_values,
    message_from_row,
    message_values,
)
from store.rows import (
    INGEST_ACTOR,
    aad_key,
    audit_from_row,
    audit_values,
    changed_item_fields,
    conversation_from_row,
    conversation_values,
    document_differs,
    document_from_row,
    document_values,
    failed_document_values,
    item_content_values,
    item_from_row,
    like_pattern,
    owner_key,
    owner_keys,
    posted_card_from_row,
    roster_from_row,
    roster_values,
    search_needle,
)
from store.tables import (
    DOCUMENT_KEY_LENGTH,
    audit_log,
    conversation_groups,
    conversation_references,
    documents,
    item_owners,
    items,
    job_leases,
    not_mine,
    outbox,
    posted_cards,
    roster,
    sent_reminders,
    source_cursors,
)
from workflows.ports import UnknownConversation as UnknownConversation  # the port's error, raised here

logger = logging.getLogger(__name__)

# Execution option marking a connection that will write; on SQLite it makes the transaction BEGIN IMMEDIATE
# (store.engine), so a writer takes the write lock up front instead of failing to upgrade a read lock.
WRITE_TRANSACTION = "minutesbot_write_transaction"
# How long rosters and conversation references read by this store are reused (SqlStore.read_cache_seconds).
READ_CACHE_SECONDS = 30.0
READ_CACHE_ENTRIES = 10_000
_MISSING = object()
_T = TypeVar("_T")

_WITHDRAWN = ItemStatus.WITHDRAWN.value
_OPEN = ItemStatus.OPEN.value
_PENDING = OutboxStatus.PENDING.value
_STATUS_ACTIONS = {ItemStatus.DONE: "item.done", ItemStatus.OPEN: "item.reopened"}


class _ReminderTaken(Exception):
    """Inside enqueue_reminder: a key was claimed already, so the transaction is rolled back."""


class StaleReconciliation(Exception):
    """save_ingest was given a reconciliation made against items that changed since they were read (another
    ingest of the same document got there first). Nothing was written; read the items and reconcile again."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


# Item ids are PostgreSQL `integer` (SQLite's are wider): a number past it names no item, and binding it would
# make the driver raise (asyncpg's 'out of int32 range', sqlite3's OverflowError).
MAX_ITEM_ID = 2**31 - 1


def is_item_id(item_id: object) -> bool:
    """Whether `item_id` could be an item's id: a whole number from 1 to MAX_ITEM_ID."""
    return isinstance(item_id, int) and not isinstance(item_id, bool) and 0 < item_id <= MAX_ITEM_ID


class SqlStore:
    """The store of ingested minutes. Satisfies the Protocols of workflows.ports (IngestStore, ItemQueries,
    RosterStore, ChatStore, OutboxStore), the reminder ledger and the scheduler's job leases.

    Every write is one transaction behind one asyncio.Lock: SQLite allows a single writer anyway, and
    PostgreSQL runs the same code (rows are also locked, so several instances serialise per document)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        clock: Callable[[], datetime] = _utc_now,
        read_cache_seconds: float = READ_CACHE_SECONDS,
    ) -> None:
        self._engine = engine
        self._writer = engine.execution_options(**{WRITE_TRANSACTION: True})
        self._write_lock = asyncio.Lock()
        self._clock = clock
        # Rosters and conversation references are read on nearly every chat turn and change rarely: kept here
        # for `read_cache_seconds` (time.monotonic), dropped at once by this store's own writes. Another
        # instance's change (or `minutesbot roster` from the command line) shows within that time.
        self._read_cache_seconds = read_cache_seconds
        self._read_cache: dict[tuple[str, str], tuple[float, Any]] = {}

    async def close(self) -> None:
        await self._engine.dispose()

    @property
    def max_key_length(self) -> int | None:
        """The longest document key this store keeps: PostgreSQL enforces documents.key's VARCHAR length,
        SQLite none (so keys stored there before any limit stay valid)."""
        return None if self._engine.dialect.name == "sqlite" else DOCUMENT_KEY_LENGTH

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
            row = (await connection.execute(_SELECT_DOCUMENT, {"b_key": key})).mappings().first()
        return document_from_row(row) if row else None

    async def items_of_document(self, document_key: str) -> list[ItemRecord]:
        """Every item of the document, withdrawn ones included, in the order they were added."""
        async with self._read() as connection:
            return await _fetch_items(connection, _ITEMS_OF_DOCUMENT, {"b_document_key": document_key})

    async def get_item(self, item_id: int) -> ItemRecord | None:
        if not is_item_id(item_id):  # a number no row can have: none, rather than the driver's overflow
            return None
        found = await self._select_items(select(items).where(items.c.id == item_id))
        return found[0] if found else None

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
        async with self._write() as connection:
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
                if stored is None:
                    await connection.execute(
                        _INSERT_DOCUMENT, {"key": document.key, "created_at": at, "updated_at": at, **values}
                    )
                elif document_changed:
                    await connection.execute(
                        _UPDATE_DOCUMENT, {"b_key": document.key, "updated_at": at, **values}
                    )
                entries += await _update_items(connection, changes.updated, owners, at=at, origin=origin)
                entries += await _withdraw_items(
                    connection, [record.key for record in changes.withdrawn], at=at, origin=origin
                )
                if changes.added:
                    # Executed row after row in this order (no RETURNING, so no multi-row VALUES whose ids
                    # the database may hand out in another order): ids follow the order of `added`.
                    await connection.execute(
                        _INSERT_ITEM, [_new_item_values(record, at=at) for record in changes.added]
                    )
            live = await _fetch_items(connection, _LIVE_ITEMS, {"b_document_key": document.key})
            if writing:
                # The added items are live items of this document: their ids are in `live`.
                ids = {stored_item.key: stored_item.id for stored_item in live}
                for record in changes.added:
                    item_id = ids[record.key]
                    assert item_id is not None
                    owners[item_id] = record.owners
                    entries.append(
                        _ingest_audit("item.added", record.key, f"#{item_id}", at=at, origin=origin)
                    )
                entries.append(
                    _ingest_audit(
                        "document.ingested",
                        document.key,
                        f"version={document.version} added={len(changes.added)} "
                        f"updated={len(changes.updated)} withdrawn={len(changes.withdrawn)}",
                        at=at,
                        origin=origin,
                    )
                )
                await _insert_owners(connection, owners)
                await connection.execute(_INSERT_AUDIT, entries)
                await _announce(connection, document.key, at=at, due=announce_at or at, add=changes.changed)
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
                    _INSERT_DOCUMENT, {"key": ref.key, "created_at": at, "updated_at": at, **values}
                )
            else:
                await connection.execute(_UPDATE_DOCUMENT, {"b_key": ref.key, "updated_at": at, **values})
            await connection.execute(
                _INSERT_AUDIT,
                _ingest_audit(
                    "document.failed", ref.key, f"version={ref.version} reason={reason}", at=at, origin=origin
                ),
            )
        return True

    async def mark_deleted(self, ref: DocumentRef, *, at: datetime, origin: str) -> list[ItemRecord]:
        """The file is gone from its source: the document is marked deleted, its open and done items
        withdrawn, and its card announced again (the cards posted say the minutes are gone). Returns the items
        withdrawn now (as stored, status withdrawn); nothing for an unknown or already deleted document."""
        async with self._write() as connection:
            stored = await _lock_document(connection, ref.key)
            if stored is None or stored["status"] == "deleted":
                return []
            await connection.execute(
                _UPDATE_DOCUMENT, {"b_key": ref.key, "status": "deleted", "updated_at": at}
            )
            live_keys = list(
                (await connection.scalars(_LIVE_KEYS_IN_ORDER, {"b_document_key": ref.key})).all()
            )
            entries = await _withdraw_items(
                connection, live_keys, at=at, origin=origin, detail="document deleted"
            )
            entries.append(_ingest_audit("document.deleted", ref.key, "", at=at, origin=origin))
            await connection.execute(_INSERT_AUDIT, entries)
            await _announce(connection, ref.key, at=at, due=at, add=True)
            if not live_keys:
                return []
            return await _fetch_items(connection, _ITEMS_BY_KEY, {"b_keys": live_keys})

    async def set_status(
        self, item_id: int, status: ItemStatus, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """Mark an item done or open again on a user's word (audit 'item.done' / 'item.reopened').

        Returns the item as stored afterwards, None for an unknown id. A withdrawn item, or one already in
        `status`, is returned unchanged: compare its status to tell the user."""
        action = _STATUS_ACTIONS.get(status)
        if action is None:
            raise ValueError(f"set_status sets open or done, not {status.value}: withdrawal is ingestion's")
        if not is_item_id(item_id):
            return None
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

    async def set_due(
        self, item_id: int, due: date, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """A user moves an item to `due` (audit 'item.moved', detail 'old→new' as ISO dates, or the relative
        due or '-' for an undated item: never the minutes' wording). The item gets due_raw the ISO date and
        no relative due; the minutes' own due (document_due) stays, so the move outlives edits of the minutes
        that leave the item's date alone (minutes.reconcile). Returns the item as stored afterwards, None for an unknown id; a withdrawn item, or
        one due that day already, is returned unchanged."""
        if not is_item_id(item_id):
            return None
        async with self._write() as connection:
            found = await _fetch_items(
                connection, select(items).where(items.c.id == item_id).with_for_update()
            )
            if not found:
                return None
            item = found[0]
            if item.status is ItemStatus.WITHDRAWN or (item.due == due and item.due_relative is None):
                return item
            await connection.execute(
                update(items)
                .where(items.c.id == item_id)
                .values(due=due, due_raw=due.isoformat(), due_relative=None, updated_at=at)
            )
            await _audit(
                connection,
                at=at,
                actor=by,
                action="item.moved",
                subject=item.key,
                origin=origin,
                detail=f"{_due_label(item)}→{due.isoformat()}",
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

    async def item_page(self, spec: ItemFilter, *, limit: int, today: date) -> ItemPage:
        """The first `limit` items of a list and the whole list's counts, in one read: a chat answer shows a
        page, so only that page's rows are fetched and turned into records. Overdue as the cards count it:
        open, not a decision, a date (not 'nästa möte') before `today`."""
        conditions = _item_filter_conditions(spec)
        overdue = and_(
            items.c.status == _OPEN,
            items.c.kind != ItemKind.DECISION.value,
            items.c.due_relative.is_(None),
            items.c.due < today,
        )
        counts = select(func.count(), func.coalesce(func.sum(case((overdue, 1), else_=0)), 0)).where(
            *conditions
        )
        if spec.order is ListOrder.NEWEST_MEETING:
            order = (items.c.meeting_date.desc().nulls_last(), items.c.id)
        else:
            order = (items.c.due.asc().nulls_last(), items.c.id)
        async with self._read() as connection:
            total, overdue_count = (await connection.execute(counts)).one()
            found = (
                await _fetch_items(connection, select(items).where(*conditions).order_by(*order).limit(limit))
                if total and limit > 0
                else []
            )
        return ItemPage(tuple(found), int(total), int(overdue_count))

    async def group_names(self) -> list[str]:
        """The groups that have ingested minutes, in alphabetical order."""
        query = (
            select(documents.c.group_name)
            .where(documents.c.status == "ok", documents.c.group_name.is_not(None))
            .distinct()
            .order_by(documents.c.group_name)
        )
        async with self._read() as connection:
            return [name for (name,) in (await connection.execute(query)).all()]

    async def items_due_between(
        self, start: date, end: date, *, group: str | None = None, open_only: bool = True
    ) -> list[ItemRecord]:
        """Items due from `start` to `end`, both included: open ones, or open and done unless `open_only`.
        By due date, then id."""
        query = select(items).where(
            items.c.status == _OPEN if open_only else items.c.status != _WITHDRAWN,
            items.c.due >= start,
            items.c.due <= end,
        )
        if group is not None:
            query = query.where(items.c.group_name == group)
        return await self._select_items(query.order_by(items.c.due, items.c.id))

    async def overdue_items(self, today: date, *, group: str | None = None) -> list[ItemRecord]:
        """Open items due before `today`, oldest due date first, then by id."""
        query = select(items).where(items.c.status == _OPEN, items.c.due < today)
        if group is not None:
            query = query.where(items.c.group_name == group)
        return await self._select_items(query.order_by(items.c.due, items.c.id))

    async def follow_up_items(self, group: str | None) -> list[ItemRecord]:
        """Open items for the next meeting: due 'till nästa möte', or follow-ups; of every group when `group`
        is None. By due date with undated ones last, then by id."""
        query = select(items).where(
            items.c.status == _OPEN,
            or_(
                items.c.due_relative == Relative.NEXT_MEETING.value,
                items.c.kind == ItemKind.FOLLOW_UP.value,
            ),
        )
        if group is not None:
            query = query.where(items.c.group_name == group)
        return await self._select_items(query.order_by(items.c.due.asc().nulls_last(), items.c.id))

    async def documents(self, *, group: str | None = None) -> list[DocumentRecord]:
        """Ingested documents (status ok), newest meeting first and undated ones last; the most recently
        added first within a day."""
        return await self._select_documents(self._ok_documents(group))

    async def latest_document(self, group: str | None) -> DocumentRecord | None:
        """The ingested document of the group's newest meeting; of any group when `group` is None."""
        found = await self._select_documents(self._ok_documents(group).limit(1))
        return found[0] if found else None

    async def document_for_meeting(self, group: str | None, meeting_date: date) -> DocumentRecord | None:
        """The ingested document of the group's meeting that day (of any group when `group` is None); the most
        recently added one when there are several."""
        query = self._ok_documents(group).where(documents.c.meeting_date == meeting_date).limit(1)
        found = await self._select_documents(query)
        return found[0] if found else None

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

    # -- conversations ------------------------------------------------------------------------------------

    async def save_conversation(self, ref: ConvRef, *, at: datetime) -> None:
        """Insert or replace the conversation's reference. A ref without a group keeps the group set before:
        the references seen on incoming messages know nothing of it."""
        try:
            async with self._write() as connection:
                await _upsert(
                    connection,
                    conversation_references,
                    conversation_values(ref, at=at),
                    key=("conversation_id",),
                    keep=("group_name",),
                )
        finally:
            self._forget(
                ("conversation", ref.conversation_id)
            )  # after the commit: a read meanwhile may have cached the old row

    async def conversation(self, conversation_id: str) -> ConvRef | None:
        key = ("conversation", conversation_id)
        hit = self._cached(key)
        if hit is not _MISSING:
            return cast(ConvRef | None, hit)
        found = await self._select_conversations(
            select(conversation_references).where(
                conversation_references.c.conversation_id == conversation_id
            )
        )
        return self._keep(key, found[0] if found else None)

    async def conversations(
        self, *, group: str | None = None, conversation_type: ConversationType | None = None
    ) -> list[ConvRef]:
        """The saved conversations, by conversation id; only those following `group`, of `conversation_type`,
        when given."""
        query = select(conversation_references)
        if group is not None:
            query = query.where(conversation_references.c.group_name == group)
        if conversation_type is not None:
            query = query.where(conversation_references.c.conversation_type == conversation_type.value)
        found = await self._select_conversations(query)
        # Sorted here: PostgreSQL would order the ids by the database's collation, SQLite by code point.
        return sorted(found, key=lambda ref: ref.conversation_id)

    async def personal_conversation(self, user_aad_id: str) -> ConvRef | None:
        """The bot's personal chat with the user (object id matched case-insensitively); the most recently
        saved one should there be several."""
        query = (
            select(conversation_references)
            .where(
                conversation_references.c.conversation_type == ConversationType.PERSONAL.value,
                conversation_references.c.user_aad_id == aad_key(user_aad_id),
            )
            .order_by(conversation_references.c.updated_at.desc(), conversation_references.c.conversation_id)
            .limit(1)
        )
        found = await self._select_conversations(query)
        return found[0] if found else None

    async def set_conversation_group(
        self, conversation_id: str, group: str | None, *, by: str, at: datetime, origin: str
    ) -> None:
        """Set the reference's single group column (None: none); audit 'conversation.group', detail 'old→new'.
        Superseded by follow_group (revision 0007): delivery and authorisation read conversation_groups only,
        never this column. Nothing is written when it holds `group` already. UnknownConversation when no
        reference is saved."""
        try:
            async with self._write() as connection:
                current = (
                    await connection.execute(
                        select(conversation_references.c.group_name)
                        .where(conversation_references.c.conversation_id == conversation_id)
                        .with_for_update()
                    )
                ).first()
                if current is None:
                    raise UnknownConversation("no reference saved for the conversation")
                old: str | None = current.group_name
                if old == group:
                    return
                await connection.execute(
                    update(conversation_references)
                    .where(conversation_references.c.conversation_id == conversation_id)
                    .values(group_name=group, updated_at=at)
                )
                await _audit(
                    connection,
                    at=at,
                    actor=by,
                    action="conversation.group",
                    subject=conversation_id,
                    origin=origin,
                    detail=f"{old or '-'}→{group or '-'}",
                )

        # -- posted cards ---------------------------------------------------------------------------------------
        finally:
            self._forget(
                ("conversation", conversation_id)
            )  # after the commit: a read meanwhile may have cached the old row

    # -- following: the groups a channel or group chat follows (default deny) ------------------------------

    async def follow_group(
        self, conversation_id: str, group: str, *, by: str, at: datetime, origin: str
    ) -> bool:
        """Make the conversation follow `group` as well as what it follows; audit 'conversation.follow'. False
        (nothing written) when it follows the group already; UnknownConversation when no reference is saved."""
        try:
            async with self._write() as connection:
                known = (
                    await connection.execute(
                        select(conversation_references.c.conversation_id)
                        .where(conversation_references.c.conversation_id == conversation_id)
                        .with_for_update()
                    )
                ).first()
                if known is None:
                    raise UnknownConversation("no reference saved for the conversation")
                statement = (
                    _dialect_insert(connection)(conversation_groups)
                    .values(conversation_id=conversation_id, group_name=group, followed_by=by, followed_at=at)
                    .on_conflict_do_nothing(index_elements=["conversation_id", "group_name"])
                )
                if (await connection.execute(statement)).rowcount != 1:
                    return False
                await _audit(
                    connection,
                    at=at,
                    actor=by,
                    action="conversation.follow",
                    subject=conversation_id,
                    origin=origin,
                    detail=group,
                )
                return True
        finally:
            self._forget(
                ("follows", conversation_id)
            )  # after the commit: a read meanwhile may have cached it

    async def unfollow_group(
        self, conversation_id: str, group: str, *, by: str, at: datetime, origin: str
    ) -> bool:
        """The conversation no longer follows `group`; audit 'conversation.unfollow'. False when it did not."""
        try:
            async with self._write() as connection:
                deleted = await connection.execute(
                    delete(conversation_groups).where(
                        conversation_groups.c.conversation_id == conversation_id,
                        conversation_groups.c.group_name == group,
                    )
                )
                if deleted.rowcount != 1:
                    return False
                await _audit(
                    connection,
                    at=at,
                    actor=by,
                    action="conversation.unfollow",
                    subject=conversation_id,
                    origin=origin,
                    detail=group,
                )
                return True
        finally:
            self._forget(("follows", conversation_id))

    async def followed_groups(self, conversation_id: str) -> frozenset[str]:
        """The groups the conversation follows (none for one never told, and for personal chats)."""
        key = ("follows", conversation_id)
        hit = self._cached(key)
        if hit is not _MISSING:
            return cast(frozenset[str], hit)
        query = select(conversation_groups.c.group_name).where(
            conversation_groups.c.conversation_id == conversation_id
        )
        async with self._read() as connection:
            found = frozenset(name for (name,) in (await connection.execute(query)).all())
        return self._keep(key, found)

    async def followers(self, group: str) -> list[ConvRef]:
        """The channels and group chats that follow `group`, by conversation id."""
        query = (
            select(conversation_references)
            .join(
                conversation_groups,
                conversation_groups.c.conversation_id == conversation_references.c.conversation_id,
            )
            .where(
                conversation_groups.c.group_name == group,
                conversation_references.c.conversation_type != ConversationType.PERSONAL.value,
            )
        )
        found = await self._select_conversations(query)
        return sorted(found, key=lambda ref: ref.conversation_id)

    async def follows(self) -> dict[str, frozenset[str]]:
        """Every channel and group chat the bot knows → the groups it follows (empty: none)."""
        query = (
            select(conversation_references.c.conversation_id, conversation_groups.c.group_name)
            .select_from(conversation_references)
            .outerjoin(
                conversation_groups,
                conversation_groups.c.conversation_id == conversation_references.c.conversation_id,
            )
            .where(conversation_references.c.conversation_type != ConversationType.PERSONAL.value)
        )
        found: dict[str, set[str]] = {}
        async with self._read() as connection:
            for conversation_id, group in (await connection.execute(query)).all():
                found.setdefault(conversation_id, set()).update([group] if group else [])
        return {key: frozenset(found[key]) for key in sorted(found)}

    async def count_unbound_conversations(self) -> int:
        """How many channels and group chats follow no group."""
        return sum(1 for groups in (await self.follows()).values() if not groups)

    async def groups_of_user(self, user_aad_id: str | None, name: str | None) -> frozenset[str]:
        """The groups whose roster lists the user (by Entra object id), and those with an open or done item
        whose owner is written as the user's name (an owner the directory finds by display name)."""
        groups: set[str] = set()
        async with self._read() as connection:
            if user_aad_id:
                query = (
                    select(roster.c.group_name)
                    .where(func.lower(roster.c.aad_object_id) == aad_key(user_aad_id))
                    .distinct()
                )
                groups.update(name for (name,) in (await connection.execute(query)).all())
            if name and name.strip():
                query = (
                    select(items.c.group_name)
                    .join(item_owners, item_owners.c.item_id == items.c.id)
                    .where(
                        item_owners.c.owner_key == owner_key(name),
                        items.c.status != _WITHDRAWN,
                        items.c.group_name.is_not(None),
                    )
                    .distinct()
                )
                groups.update(name for (name,) in (await connection.execute(query)).all())
        return frozenset(groups)

    # -- documents whose group the minutes do not tell -------------------------------------------------------

    async def ungrouped_documents(self) -> list[DocumentRecord]:
        """Ingested documents of no group (their cards go to no channel), newest meeting first."""
        return await self._select_documents(
            select(documents)
            .where(documents.c.status == "ok", documents.c.group_name.is_(None))
            .order_by(documents.c.meeting_date.desc().nulls_last(), documents.c.id.desc())
        )

    async def set_document_group(
        self, key: str, group: str, *, by: str, at: datetime, origin: str
    ) -> DocumentRecord | None:
        """Give the document and its items `group` (audited 'document.group', detail 'old→new') and, in the
        same transaction, queue its meeting card anew so that the group's followers get it. None when the store
        has no such document."""
        async with self._write() as connection:
            current = await _lock_document(connection, key)
            if current is None:
                return None
            old: str | None = current["group_name"]
            if old != group:
                await connection.execute(
                    update(documents).where(documents.c.key == key).values(group_name=group, updated_at=at)
                )
                await connection.execute(
                    update(items).where(items.c.document_key == key).values(group_name=group, updated_at=at)
                )
                await _audit(
                    connection,
                    at=at,
                    actor=by,
                    action="document.group",
                    subject=key,
                    origin=origin,
                    detail=f"{old or '-'}→{group}",
                )
                await connection.execute(_INSERT_OUTBOX, meeting_summary_values(key, at=at))
        return await self.get_document(key)

    async def record_posted_card(
        self, kind: str, subject: str, conversation_id: str, activity_id: str, *, at: datetime
    ) -> None:
        """Remember that `activity_id` in the conversation shows the card of (kind, subject), after posting
        it or updating it in place. A new activity for the card replaces the old one (posted_at becomes `at`);
        the same activity keeps its posted_at. An activity shows one card: a card that replaced another in
        place takes over the activity, and the other card is no longer recorded there."""
        async with self._write() as connection:
            await connection.execute(
                delete(posted_cards).where(
                    posted_cards.c.conversation_id == conversation_id,
                    posted_cards.c.activity_id == activity_id,
                    or_(posted_cards.c.kind != kind, posted_cards.c.subject != subject),
                )
            )
            statement = _dialect_insert(connection)(posted_cards).values(
                kind=kind,
                subject=subject,
                conversation_id=conversation_id,
                activity_id=activity_id,
                posted_at=at,
                updated_at=at,
            )
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["kind", "subject", "conversation_id"],
                    set_={
                        # Both sides of the CASE read the row as it was: SET sees no earlier assignment.
                        "posted_at": case(
                            (
                                posted_cards.c.activity_id == statement.excluded.activity_id,
                                posted_cards.c.posted_at,
                            ),
                            else_=statement.excluded.posted_at,
                        ),
                        "activity_id": statement.excluded.activity_id,
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )

    async def posted_cards(self, kind: str, subject: str) -> list[PostedCard]:
        """Where the card of (kind, subject) is shown, oldest post first."""
        return await self._select_posted_cards(
            select(posted_cards)
            .where(posted_cards.c.kind == kind, posted_cards.c.subject == subject)
            .order_by(posted_cards.c.posted_at, posted_cards.c.id)
        )

    async def posted_card_by_activity(self, conversation_id: str, activity_id: str) -> PostedCard | None:
        """The card an activity shows (the one clicked), None when the bot recorded none there."""
        found = await self._select_posted_cards(
            select(posted_cards).where(
                posted_cards.c.conversation_id == conversation_id,
                posted_cards.c.activity_id == activity_id,
            )
        )
        return found[0] if found else None

    # -- outbox ---------------------------------------------------------------------------------------------

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, conversation_key: str | None, at: datetime
    ) -> int:
        """Add a message for the sender, due at `at`; its id."""
        async with self._write() as connection:
            message_id: int = (
                await connection.execute(
                    insert(outbox)
                    .values(message_values(kind, payload, conversation_key=conversation_key, at=at))
                    .returning(outbox.c.id)
                )
            ).scalar_one()
        return message_id

    async def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int, max_claims: int = MAX_CLAIMS
    ) -> list[OutboxMessage]:
        """Claim up to `limit` pending messages due by `now` that no live lease holds, for `worker` until
        now + lease; oldest due first. Several workers never get the same message while a lease lasts: on
        PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED (a concurrent claim passes them over, and
        one that waited re-reads the claim), on SQLite the write lock taken at BEGIN makes the claim one
        step. A worker that dies loses its messages to the next claim once the lease runs out.

        Every claim counts (`claims`). A message claimed `max_claims` times already and still pending is
        parked instead: its sends keep killing their workers, or it would have been settled by now. So a
        claim may return fewer than `limit` messages although more were due."""
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        if limit <= 0:
            return []
        async with self._write() as connection:
            claimable = (
                select(outbox.c.id, outbox.c.claims)
                .where(
                    outbox.c.status == _PENDING,
                    outbox.c.next_attempt_at <= now,
                    or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
                )
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            candidates = (await connection.execute(claimable)).all()
            exhausted = [row.id for row in candidates if row.claims >= max_claims]
            ids = [row.id for row in candidates if row.claims < max_claims]
            if exhausted:
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(exhausted))
                    .values(
                        status=OutboxStatus.PARKED.value,
                        parked_at=now,
                        last_error=f"parkerat efter {max_claims} hämtningar utan besked: sändningen "
                        "verkar krascha sändaren",
                        claimed_until=None,
                    )
                )
                for message_id in exhausted:
                    logger.warning(
                        "outbox message %d parked: claimed %d times and still not sent",
                        message_id,
                        max_claims,
                    )
            if not ids:
                return []
            rows = (
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(ids))
                    .values(claimed_by=worker, claimed_until=now + lease, claims=outbox.c.claims + 1)
                    .returning(*outbox.c)
                )
            ).mappings()
            claimed = [message_from_row(row) for row in rows]
        # RETURNING promises no order.
        return sorted(claimed, key=lambda message: (message.next_attempt_at, message.id))

    async def mark_sent(self, message_id: int, *, at: datetime) -> None:
        """The message went out: sent at `at`, its lease ended (claimed_by keeps who sent it). Also for a
        message parked meanwhile, since it did go out; a message sent already is left as it is."""
        async with self._write() as connection:
            await self._settle(
                connection,
                message_id,
                "sent",
                outbox.c.status != OutboxStatus.SENT.value,
                status=OutboxStatus.SENT.value,
                sent_at=at,
                claimed_until=None,
            )

    async def mark_retry(self, message_id: int, *, error: str, next_attempt_at: datetime) -> None:
        """A send failed: count the attempt, keep the error, release the claim, try again at
        `next_attempt_at`. Only for a pending message."""
        async with self._write() as connection:
            await self._settle(
                connection,
                message_id,
                "retried",
                outbox.c.status == _PENDING,
                attempts=outbox.c.attempts + 1,
                last_error=error,
                next_attempt_at=next_attempt_at,
                claimed_by=None,
                claimed_until=None,
            )

    async def park(self, message_id: int, *, error: str, at: datetime) -> None:
        """Give up on a message after a failed send (the attempt counted): parked at `at` with the error,
        never claimed again, kept for a person (outbox_messages(OutboxStatus.PARKED)). Only for a pending
        message."""
        async with self._write() as connection:
            await self._settle(
                connection,
                message_id,
                "parked",
                outbox.c.status == _PENDING,
                status=OutboxStatus.PARKED.value,
                parked_at=at,
                attempts=outbox.c.attempts + 1,
                last_error=error,
                claimed_until=None,
            )

    async def defer(self, message_id: int, *, until: datetime) -> None:
        """Put a claimed message back untried until `until` (a personal message claimed in the quiet hours):
        the claim is released and not counted, since nothing was sent and nothing failed; attempts stay.
        Only for a pending message."""
        async with self._write() as connection:
            await self._settle(
                connection,
                message_id,
                "deferred",
                outbox.c.status == _PENDING,
                next_attempt_at=until,
                claims=case((outbox.c.claims > 0, outbox.c.claims - 1), else_=0),
                claimed_by=None,
                claimed_until=None,
            )

    @staticmethod
    async def _settle(
        connection: AsyncConnection,
        message_id: int,
        outcome: str,
        allowed: ColumnElement[bool],
        **values: Any,
    ) -> None:
        updated = (
            await connection.execute(
                update(outbox)
                .where(outbox.c.id == message_id, allowed)
                .values(**values)
                .returning(outbox.c.id)
            )
        ).scalar_one_or_none()
        if updated is None:
            # Another worker got there after this one's lease ran out, or the id is wrong: nothing to undo.
            logger.warning("outbox message %d not %s: unknown, or not in a state for it", message_id, outcome)

    # -- job leases and sent reminders ------------------------------------------------------------------

    async def acquire_job_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease `name` for `holder` until now + ttl; True when `holder` holds it now.
        One holder at a time: another holder's lease is taken over only once it ran out (until <= now).
        One statement (INSERT … ON CONFLICT DO UPDATE … WHERE), so concurrent acquirers on PostgreSQL
        serialise on the row and exactly one of them wins; SQLite's write lock does the same."""
        if ttl <= timedelta(0):
            raise ValueError("the lease must be positive")
        async with self._write() as connection:
            # In UTC: aware arithmetic in a local zone adds wall-clock time, an hour off across a DST change.
            until = now.astimezone(UTC) + ttl
            statement = _dialect_insert(connection)(job_leases).values(name=name, holder=holder, until=until)
            taken = await connection.scalar(
                statement.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"holder": statement.excluded.holder, "until": statement.excluded.until},
                    where=or_(job_leases.c.holder == holder, job_leases.c.until <= now),
                ).returning(job_leases.c.name)
            )
        return taken is not None

    async def release_job_lease(self, name: str, holder: str) -> None:
        """Give the lease up, if `holder` holds it; anyone may take it at once then. Another holder's lease
        is left alone."""
        async with self._write() as connection:
            await connection.execute(
                delete(job_leases).where(job_leases.c.name == name, job_leases.c.holder == holder)
            )

    async def job_lease_holder(self, name: str, *, now: datetime) -> str | None:
        """Who holds the lease `name` at `now`; None when no one does (never taken, released, or run out)."""
        async with self._read() as connection:
            holder: str | None = await connection.scalar(
                select(job_leases.c.holder).where(job_leases.c.name == name, job_leases.c.until > now)
            )
        return holder

    async def claim_reminder(self, key: str, *, at: datetime) -> bool:
        """Record that the reminder `key` is being sent at `at`: True for the first claimer ever, False for
        every later one (another instance, a restart, a second tick). INSERT … ON CONFLICT DO NOTHING."""
        async with self._write() as connection:
            inserted = await connection.scalar(
                _dialect_insert(connection)(sent_reminders)
                .values(key=key, at=at)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(sent_reminders.c.key)
            )
        return inserted is not None

    async def claimed_reminders(self, keys: Collection[str]) -> set[str]:
        """Which of the reminder `keys` are claimed already (by claim_reminder or enqueue_reminder)."""
        if not keys:
            return set()
        async with self._read() as connection:
            found = await connection.scalars(
                select(sent_reminders.c.key).where(sent_reminders.c.key.in_(_listed("b_keys"))),
                {"b_keys": sorted(set(keys))},
            )
            return set(found.all())

    async def enqueue_reminder(
        self,
        keys: Collection[str],
        kind: str,
        payload: dict[str, Any],
        *,
        conversation_key: str | None,
        at: datetime,
    ) -> bool:
        """Claim every reminder key of `keys` and queue the message that sends them, in one transaction: True
        when all were free and both are written; False, with nothing written, when any key was claimed before
        (then ask claimed_reminders which, and queue the rest in a message of their own). A failure anywhere
        writes nothing, so the reminders stay unclaimed and the next tick queues them again.

        The keys are inserted in sorted order (INSERT … ON CONFLICT DO NOTHING RETURNING): two instances
        claiming overlapping keys on PostgreSQL wait for one another in the same order, never in a cycle."""
        wanted = sorted(set(keys))
        if not wanted:
            raise ValueError("a reminder message claims at least one key")
        try:
            async with self._write() as connection:
                inserted = (
                    await connection.scalars(
                        _dialect_insert(connection)(sent_reminders)
                        .values([{"key": key, "at": at} for key in wanted])
                        .on_conflict_do_nothing(index_elements=["key"])
                        .returning(sent_reminders.c.key)
                    )
                ).all()
                if len(inserted) != len(wanted):
                    raise _ReminderTaken
                await connection.execute(
                    _INSERT_OUTBOX, message_values(kind, payload, conversation_key=conversation_key, at=at)
                )
        except _ReminderTaken:
            return False
        return True

    # -- 'Inte min' -----------------------------------------------------------------------------------------

    async def record_not_mine(
        self,
        item_id: int,
        user_aad_id: str,
        *,
        at: datetime,
        origin: str,
        notice: tuple[str, dict[str, Any]] | None = None,
    ) -> bool:
        """Remember that the person (Entra object id) said the item is not theirs, with the item's owners as
        written now, audit it ('item.not_mine', actor the person) and queue `notice` (kind, payload; due at
        `at`), all in one transaction. True when this is news; False for an unknown or withdrawn item, or when
        they said so already about these owners (nothing is written then). Said again after the owners
        changed, it counts afresh."""
        if not is_item_id(item_id):
            return False
        who = aad_key(user_aad_id)
        if not who:
            raise ValueError("'Inte min' is recorded by Entra object id: none given")
        async with self._write() as connection:
            found = await _fetch_items(
                connection, select(items).where(items.c.id == item_id).with_for_update()
            )
            if not found or found[0].status is ItemStatus.WITHDRAWN:
                return False
            item = found[0]
            stored = (
                await connection.execute(
                    select(not_mine.c.owners).where(
                        not_mine.c.item_id == item_id, not_mine.c.user_aad_id == who
                    )
                )
            ).first()
            if stored is not None and list(stored.owners) == list(item.owners):
                return False
            await _upsert(
                connection,
                not_mine,
                {"item_id": item_id, "user_aad_id": who, "owners": list(item.owners), "at": at},
                key=("item_id", "user_aad_id"),
            )
            await _audit(
                connection,
                at=at,
                actor=who,
                action="item.not_mine",
                subject=item.key,
                origin=origin,
                detail=f"#{item_id}",
            )
            if notice is not None:
                kind, payload = notice
                await connection.execute(
                    _INSERT_OUTBOX, message_values(kind, payload, conversation_key=None, at=at)
                )
        return True

    async def not_mine_items(self) -> dict[int, frozenset[str]]:
        """Open items someone said are not theirs: item id → their Entra object ids (casefolded). A row
        recorded when the item had other owners no longer counts: the minutes re-assigned the item since."""
        query = (
            select(not_mine.c.item_id, not_mine.c.user_aad_id, not_mine.c.owners, items.c.owners.label("now"))
            .join(items, items.c.id == not_mine.c.item_id)
            .where(items.c.status == _OPEN)
        )
        async with self._read() as connection:
            rows = (await connection.execute(query)).all()
        found: dict[int, set[str]] = {}
        for row in rows:
            if list(row.owners) == list(row.now):
                found.setdefault(row.item_id, set()).add(row.user_aad_id)
        return {item_id: frozenset(people) for item_id, people in found.items()}

    # -- roster ---------------------------------------------------------------------------------------------

    async def save_roster(self, group: str, entries: Sequence[RosterEntry]) -> None:
        """Replace the group's roster with `entries` (kept in this order)."""
        try:
            async with self._write() as connection:
                await connection.execute(delete(roster).where(roster.c.group_name == group))
                if entries:
                    await connection.execute(
                        insert(roster), [roster_values(group, entry) for entry in entries]
                    )
        finally:
            self._forget(("roster", group))  # after the commit: a read meanwhile may have cached the old row

    async def roster(self, group: str) -> list[RosterEntry]:
        key = ("roster", group)
        hit = self._cached(key)
        if hit is not _MISSING:
            return list(cast(tuple[RosterEntry, ...], hit))
        query = select(roster).where(roster.c.group_name == group).order_by(roster.c.id)
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return list(self._keep(key, tuple(roster_from_row(row) for row in rows)))

    def _cached(self, key: tuple[str, str]) -> object:
        hit = self._read_cache.get(key)
        if hit is None or time.monotonic() - hit[0] >= self._read_cache_seconds:
            return _MISSING
        return hit[1]

    def _keep(self, key: tuple[str, str], value: _T) -> _T:
        if len(self._read_cache) >= READ_CACHE_ENTRIES:
            self._read_cache.clear()  # a bound, not a policy: a busy instance refills it in a few turns
        self._read_cache[key] = (time.monotonic(), value)
        return value

    def _forget(self, key: tuple[str, str]) -> None:
        self._read_cache.pop(key, None)

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

    @staticmethod
    def _ok_documents(group: str | None) -> Select[Any]:
        query = select(documents).where(documents.c.status == "ok")
        if group is not None:
            query = query.where(documents.c.group_name == group)
        return query.order_by(documents.c.meeting_date.desc().nulls_last(), documents.c.id.desc())

    async def _select_documents(self, query: Select[Any]) -> list[DocumentRecord]:
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [document_from_row(row) for row in rows]

    async def _select_conversations(self, query: Select[Any]) -> list[ConvRef]:
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [conversation_from_row(row) for row in rows]

    async def _select_posted_cards(self, query: Select[Any]) -> list[PostedCard]:
        async with self._read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [posted_card_from_row(row) for row in rows]


def _item_filter_conditions(spec: ItemFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [
        items.c.status == _OPEN if spec.open_only else items.c.status != _WITHDRAWN
    ]
    if spec.owners:
        keys = sorted({owner_key(owner) for owner in spec.owners})
        conditions.append(
            items.c.id.in_(select(item_owners.c.item_id).where(item_owners.c.owner_key.in_(keys)))
        )
    if spec.groups:
        conditions.append(items.c.group_name.in_(sorted(spec.groups)))
    if spec.kinds:
        conditions.append(items.c.kind.in_(sorted(kind.value for kind in spec.kinds)))
    if spec.next_meeting:
        conditions.append(
            or_(
                items.c.due_relative == Relative.NEXT_MEETING.value,
                items.c.kind == ItemKind.FOLLOW_UP.value,
            )
        )
    needle = search_needle(spec.search or "")
    if needle:
        conditions.append(items.c.search_text.like(like_pattern(needle), escape="\\"))
    return conditions


def _listed(name: str) -> BindParameter[Any]:
    """A list of keys or ids for IN, written into the SQL as literals (quoted by SQLAlchemy) rather than
    bound. asyncpg prepares a statement once per connection, and after five runs PostgreSQL may keep a generic
    plan for it: one made while the table was small is a sequential scan, kept as the table grows (a first
    import into an empty database got slower with every file). A list written out is planned for itself."""
    return bindparam(name, expanding=True, literal_execute=True)


# The statements of ingestion, built once: SQLAlchemy caches a statement's compiled form under its structure,
# and one built anew for every call pays for working out that structure each time. Parameters are named b_…
# so that no name is also a column that an UPDATE's SET takes from the parameters.
_SELECT_DOCUMENT = select(documents).where(documents.c.key == bindparam("b_key"))
_LOCK_DOCUMENT = _SELECT_DOCUMENT.with_for_update()
_INSERT_DOCUMENT = insert(documents)
_UPDATE_DOCUMENT = update(documents).where(documents.c.key == bindparam("b_key"))
_ITEMS_OF_DOCUMENT = (
    select(items).where(items.c.document_key == bindparam("b_document_key")).order_by(items.c.id)
)
_LIVE_ITEMS = (
    select(items)
    .where(items.c.document_key == bindparam("b_document_key"), items.c.status != _WITHDRAWN)
    .order_by(items.c.id)
)
_LIVE_KEYS_IN_ORDER = (
    select(items.c.key)
    .where(items.c.document_key == bindparam("b_document_key"), items.c.status != _WITHDRAWN)
    .order_by(items.c.id)
)
# The document's items, and those of any document that hold one of the keys b_keys.
_CURRENT_ITEMS = select(items.c.key, items.c.document_key, items.c.status).where(
    or_(items.c.document_key == bindparam("b_document_key"), items.c.key.in_(_listed("b_keys")))
)
_ITEMS_BY_KEY = select(items).where(items.c.key.in_(_listed("b_keys"))).order_by(items.c.id)
# The rows that updated items name, locked (FOR UPDATE) until the transaction ends.
_LOCK_ITEM_STATES = (
    select(items.c.key, items.c.id, items.c.status)
    .where(items.c.key.in_(_listed("b_keys")))
    .with_for_update()
)
_INSERT_ITEM = insert(items)
_UPDATE_ITEM = update(items).where(items.c.id == bindparam("b_id"))
_WITHDRAW_ITEMS = (
    update(items)
    .where(items.c.key.in_(_listed("b_keys")), items.c.status != _WITHDRAWN)
    .values(
        status=_WITHDRAWN, changed_by=INGEST_ACTOR, changed_at=bindparam("b_at"), updated_at=bindparam("b_at")
    )
    .returning(items.c.id, items.c.key)
)
_DELETE_OWNERS = delete(item_owners).where(item_owners.c.item_id.in_(_listed("b_ids")))
_INSERT_OWNERS = insert(item_owners)
_INSERT_AUDIT = insert(audit_log)
_INSERT_OUTBOX = insert(outbox)


async def _fetch_items(
    connection: AsyncConnection, query: Select[Any], parameters: Mapping[str, Any] | None = None
) -> list[ItemRecord]:
    return [item_from_row(row) for row in (await connection.execute(query, parameters)).mappings().all()]


async def _lock_document(connection: AsyncConnection, key: str) -> RowMapping | None:
    """The document's row, locked until the transaction ends (FOR UPDATE; SQLite's write lock covers it)."""
    return (await connection.execute(_LOCK_DOCUMENT, {"b_key": key})).mappings().first()


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
    stored_live = {row.key for row in rows if row.document_key == document_key and row.status != _WITHDRAWN}
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


def _due_label(item: ItemRecord) -> str:
    """An item's due as the audit may show it: a date, a relative due, or '-'."""
    if item.due is not None:
        return item.due.isoformat()
    return item.due_relative.value if item.due_relative is not None else "-"


def _new_item_values(record: ItemRecord, *, at: datetime) -> dict[str, Any]:
    return {
        "key": record.key,
        "document_key": record.document_key,
        "status": _OPEN,
        "created_at": at,
        "updated_at": at,
        **item_content_values(record),
    }


def _ingest_audit(action: str, subject: str, detail: str, *, at: datetime, origin: str) -> dict[str, Any]:
    return audit_values(
        at=at, actor=INGEST_ACTOR, action=action, subject=subject, origin=origin, detail=detail
    )


async def _update_items(
    connection: AsyncConnection,
    pairs: Sequence[tuple[ItemRecord, ItemRecord]],
    owners: dict[int, Sequence[str]],
    *,
    at: datetime,
    origin: str,
) -> list[dict[str, Any]]:
    """New content for live items, their status kept (and their due too when reconciliation kept the due it
    read, so a move made since stands); withdrawn items whose rows came back, reopened. Their
    owner rows are deleted and their new owners put in `owners` (by id) for the caller to insert. Returns
    the audit entries, one per pair in order.

    Written as if each pair were one `UPDATE … WHERE key = … AND status …` in turn: StaleReconciliation
    when a pair's item is not (or no longer) in the state it was reconciled from, and an item named twice
    ends up as the last pair says (reopened if any pair revived it)."""
    if not pairs:
        return []
    keys = list(dict.fromkeys(old.key for old, _ in pairs))
    current = {
        row.key: (row.id, row.status) for row in await connection.execute(_LOCK_ITEM_STATES, {"b_keys": keys})
    }
    final: dict[int, dict[str, Any]] = {}
    revived: set[int] = set()
    entries: list[dict[str, Any]] = []
    for old, new in pairs:
        reviving = old.status is ItemStatus.WITHDRAWN
        found = current.get(old.key)
        if found is None or (found[1] == _WITHDRAWN) != reviving:
            state = "live" if reviving else "withdrawn"
            raise StaleReconciliation(f"{old.document_key}: an updated item is {state} by now")
        item_id: int = found[0]
        if reviving:
            current[old.key] = (item_id, _OPEN)
            revived.add(item_id)
        values = {"b_id": item_id, "updated_at": at, **item_content_values(new)}
        if not reviving and _due_of(new) == _due_of(old):
            # The due is left as stored: a user who moved the item since it was read keeps the move.
            for column in _DUE_COLUMNS:
                del values[column]
        final[item_id] = values
        owners[item_id] = new.owners
        fields = ", ".join(changed_item_fields(old, new))
        detail = f"#{item_id} restored" if reviving else f"#{item_id}"
        if is_moved(old) and (new.due, new.due_relative) != (old.due, old.due_relative):
            fields += " (the minutes' new due replaces a user's move)"
        entries.append(
            _ingest_audit(
                "item.updated", old.key, f"{detail}: {fields}" if fields else detail, at=at, origin=origin
            )
        )
    kept: dict[frozenset[str], list[dict[str, Any]]] = {}  # one UPDATE per set of columns written
    for item_id, values in final.items():
        if item_id not in revived:
            kept.setdefault(frozenset(values), []).append(values)
    reopened = [
        {**values, "status": _OPEN, "changed_by": INGEST_ACTOR, "changed_at": at}
        for item_id, values in final.items()
        if item_id in revived
    ]
    for parameters in (*kept.values(), reopened):
        if parameters:
            await connection.execute(_UPDATE_ITEM, parameters)
    await connection.execute(_DELETE_OWNERS, {"b_ids": list(final)})
    return entries


_DUE_COLUMNS = ("due", "due_raw", "due_relative")


def _due_of(item: ItemRecord) -> tuple[object, ...]:
    return (item.due, item.due_raw, item.due_relative)


async def _withdraw_items(
    connection: AsyncConnection, keys: Sequence[str], *, at: datetime, origin: str, detail: str = ""
) -> list[dict[str, Any]]:
    """Withdraw the items of `keys` that are live; the audit entries of those withdrawn, in `keys` order."""
    if not keys:
        return []
    rows = await connection.execute(_WITHDRAW_ITEMS, {"b_keys": list(dict.fromkeys(keys)), "b_at": at})
    withdrawn: dict[str, int] = {row.key: row.id for row in rows}
    entries: list[dict[str, Any]] = []
    for key in keys:
        item_id = withdrawn.pop(key, None)
        if item_id is not None:
            entries.append(
                _ingest_audit("item.withdrawn", key, f"#{item_id} {detail}".strip(), at=at, origin=origin)
            )
    return entries


async def _insert_owners(connection: AsyncConnection, owners: Mapping[int, Sequence[str]]) -> None:
    """The item_owners rows of items that have none now (added, or theirs deleted)."""
    rows = [
        {"item_id": item_id, "owner_key": key}
        for item_id, names in owners.items()
        for key in owner_keys(names)
    ]
    if rows:
        await connection.execute(_INSERT_OWNERS, rows)


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
        _INSERT_AUDIT,
        audit_values(at=at, actor=actor, action=action, subject=subject, origin=origin, detail=detail),
    )


async def _announce(
    connection: AsyncConnection, document_key: str, *, at: datetime, due: datetime, add: bool
) -> None:
    """Keep one meeting card waiting per document: push the pending announcement no worker holds to `due`
    (never earlier than a retry already set), or, when none waits and `add`, queue one due at `due`. One
    that a worker is sending now is left alone: the change gets an announcement of its own."""
    waiting = (
        await connection.execute(
            update(outbox)
            .where(
                outbox.c.kind == OutboxKind.MEETING_SUMMARY.value,
                outbox.c.status == _PENDING,
                outbox.c.payload["document_key"].as_string() == document_key,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= at),
            )
            .values(
                next_attempt_at=case(
                    (outbox.c.next_attempt_at > due, outbox.c.next_attempt_at),
                    else_=literal(due, outbox.c.next_attempt_at.type),
                )
            )
            .returning(outbox.c.id)
        )
    ).first()
    if waiting is None and add:
        await connection.execute(_INSERT_OUTBOX, meeting_summary_values(document_key, at=at, due=due))


def _dialect_insert(connection: AsyncConnection) -> Callable[[Table], Any]:
    """The INSERT with ON CONFLICT of the connection's backend (SQLite and PostgreSQL spell it alike)."""
    return postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert


async def _upsert(
    connection: AsyncConnection,
    table: Table,
    values: Mapping[str, Any],
    *,
    key: Sequence[str],
    keep: Sequence[str] = (),
) -> None:
    """INSERT … ON CONFLICT (key) DO UPDATE; a column in `keep` keeps its stored value when the new is NULL."""
    statement = _dialect_insert(connection)(table).values(dict(values))
    await connection.execute(
        statement.on_conflict_do_update(
            index_elements=list(key),
            set_={
                column: (
                    func.coalesce(statement.excluded[column], table.c[column])
                    if column in keep
                    else statement.excluded[column]
                )
                for column in values
                if column not in key
            },
        )
    )
