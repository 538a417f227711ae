"""SqlStore: documents, items, conversations, posted cards, outbox, audit, roster, cursors. Does I/O."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Table, case, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from minutes.model import ItemKind, Relative
from minutes.reconcile import Reconciliation
from minutes.records import (
    AuditEntry,
    ConversationType,
    ConvRef,
    DocumentRecord,
    DocumentRef,
    ItemRecord,
    ItemStatus,
    PostedCard,
    RosterEntry,
)
from store.outbox import (
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
    audit_log,
    conversation_references,
    documents,
    item_owners,
    items,
    outbox,
    posted_cards,
    roster,
    source_cursors,
)

logger = logging.getLogger(__name__)

# Execution option marking a connection that will write; on SQLite it makes the transaction BEGIN IMMEDIATE
# (store.engine), so a writer takes the write lock up front instead of failing to upgrade a read lock.
WRITE_TRANSACTION = "minutesbot_write_transaction"

_WITHDRAWN = ItemStatus.WITHDRAWN.value
_OPEN = ItemStatus.OPEN.value
_PENDING = OutboxStatus.PENDING.value
_STATUS_ACTIONS = {ItemStatus.DONE: "item.done", ItemStatus.OPEN: "item.reopened"}


class UnknownConversation(LookupError):
    """set_conversation_group was given a conversation the store has no reference for (none was saved)."""


class StaleReconciliation(Exception):
    """save_ingest was given a reconciliation made against items that changed since they were read (another
    ingest of the same document got there first). Nothing was written; read the items and reconcile again."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SqlStore:
    """The store of ingested minutes. Satisfies the Protocols of workflows.ports (IngestStore, ItemQueries,
    RosterStore, ChatStore, OutboxStore).

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

    async def set_due(
        self, item_id: int, due: date, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """A user moves an item to `due` (audit 'item.moved', detail 'old→new' as ISO dates, or the relative
        due or '-' for an undated item: never the minutes' wording). The item gets due_raw the ISO date and
        no relative due. Returns the item as stored afterwards, None for an unknown id; a withdrawn item, or
        one due that day already, is returned unchanged."""
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
        async with self._write() as connection:
            await _upsert(
                connection,
                conversation_references,
                conversation_values(ref, at=at),
                key=("conversation_id",),
                keep=("group_name",),
            )

    async def conversation(self, conversation_id: str) -> ConvRef | None:
        found = await self._select_conversations(
            select(conversation_references).where(
                conversation_references.c.conversation_id == conversation_id
            )
        )
        return found[0] if found else None

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
        """Make the conversation follow `group` (None: none); audit 'conversation.group', detail 'old→new'.
        Nothing is written when it follows `group` already. UnknownConversation when no reference is saved."""
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
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxMessage]:
        """Claim up to `limit` pending messages due by `now` that no live lease holds, for `worker` until
        now + lease; oldest due first. Several workers never get the same message while a lease lasts: on
        PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED (a concurrent claim passes them over, and
        one that waited re-reads the claim), on SQLite the write lock taken at BEGIN makes the claim one
        step. A worker that dies loses its messages to the next claim once the lease runs out."""
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        if limit <= 0:
            return []
        async with self._write() as connection:
            claimable = (
                select(outbox.c.id)
                .where(
                    outbox.c.status == _PENDING,
                    outbox.c.next_attempt_at <= now,
                    or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
                )
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            ids = (await connection.scalars(claimable)).all()
            if not ids:
                return []
            rows = (
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(ids))
                    .values(claimed_by=worker, claimed_until=now + lease)
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


def _due_label(item: ItemRecord) -> str:
    """An item's due as the audit may show it: a date, a relative due, or '-'."""
    if item.due is not None:
        return item.due.isoformat()
    return item.due_relative.value if item.due_relative is not None else "-"


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
