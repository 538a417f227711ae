"""Items: a user's and the secretary's changes to one item (done, reopened, moved, re-owned, archived,
dismissed), and the item rows that ingestion writes in the transaction of its document; the queries over them
are `store.item_queries`. Does I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from minutes.model import ItemKind
from minutes.reconcile import is_moved
from minutes.records import ItemRecord, ItemStatus
from store.audit import append_audit, ingest_audit
from store.database import Repository, listed
from store.rows import (
    INGEST_ACTOR,
    changed_item_fields,
    item_content_values,
    item_from_row,
    owner_keys,
)
from store.tables import item_owners, items

WITHDRAWN = ItemStatus.WITHDRAWN.value
OPEN = ItemStatus.OPEN.value
ARCHIVED = ItemStatus.ARCHIVED.value
DISMISSED = ItemStatus.DISMISSED.value
_STATUS_ACTIONS = {ItemStatus.DONE: "item.done", ItemStatus.OPEN: "item.reopened"}

# Item ids are PostgreSQL `integer` (SQLite's are wider): a number past it names no item, and binding it would
# make the driver raise (asyncpg's 'out of int32 range', sqlite3's OverflowError).
MAX_ITEM_ID = 2**31 - 1


def is_item_id(item_id: object) -> bool:
    """Whether `item_id` could be an item's id: a whole number from 1 to MAX_ITEM_ID."""
    return isinstance(item_id, int) and not isinstance(item_id, bool) and 0 < item_id <= MAX_ITEM_ID


class StaleReconciliation(Exception):
    """save_ingest was given a reconciliation made against items that changed since they were read (another
    ingest of the same document got there first). Nothing was written; read the items and reconcile again."""


# Built once: SQLAlchemy caches a statement's compiled form under its structure, and one built anew for every
# call pays for working out that structure each time. Parameters are named b_… so that no name is also a
# column that an UPDATE's SET takes from the parameters.
_SELECT_ITEM = select(items).where(items.c.id == bindparam("b_id"))
LOCK_ITEM = _SELECT_ITEM.with_for_update()
_UPDATE_ITEM = update(items).where(items.c.id == bindparam("b_id"))
INSERT_ITEM = insert(items)
# The rows that updated items name, locked (FOR UPDATE) until the transaction ends.
_LOCK_ITEM_STATES = (
    select(items.c.key, items.c.id, items.c.status).where(items.c.key.in_(listed("b_keys"))).with_for_update()
)
_WITHDRAW_ITEMS = (
    update(items)
    .where(items.c.key.in_(listed("b_keys")), items.c.status != WITHDRAWN)
    .values(
        status=WITHDRAWN, changed_by=INGEST_ACTOR, changed_at=bindparam("b_at"), updated_at=bindparam("b_at")
    )
    .returning(items.c.id, items.c.key)
)
_DELETE_OWNERS = delete(item_owners).where(item_owners.c.item_id.in_(listed("b_ids")))
_INSERT_OWNERS = insert(item_owners)
_DUE_COLUMNS = ("due", "due_raw", "due_relative")


async def fetch_items(
    connection: AsyncConnection, query: Select[Any], parameters: Mapping[str, Any] | None = None
) -> list[ItemRecord]:
    return [item_from_row(row) for row in (await connection.execute(query, parameters)).mappings().all()]


class ItemRepository(Repository):
    """Items by number and the changes to them (ChatStore's set_status, set_due, set_owners, archive_item,
    restore_item, dismiss_item, and the archiving rule's archive_older_than)."""

    async def get_item(self, item_id: int) -> ItemRecord | None:
        if not is_item_id(item_id):  # a number no row can have: none, rather than the driver's overflow
            return None
        async with self.database.read() as connection:
            found = await fetch_items(connection, _SELECT_ITEM, {"b_id": item_id})
        return found[0] if found else None

    # -- a user's changes -----------------------------------------------------------------------------------

    async def set_status(
        self, item_id: int, status: ItemStatus, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """Mark an item done or open again on a user's word (audit 'item.done' / 'item.reopened').

        Returns the item as stored afterwards, None for an unknown id. A withdrawn item, or one already in
        `status`, is returned unchanged: compare its status to tell the user."""
        action = _STATUS_ACTIONS.get(status)
        if action is None:
            raise ValueError(f"set_status sets open or done, not {status.value}: withdrawal is ingestion's")
        return await self._change_item(
            item_id,
            {"status": status.value, "changed_by": by, "changed_at": at},
            action=action,
            detail=lambda item: f"#{item_id}",
            already=lambda item: item.status is status,
            by=by,
            at=at,
            origin=origin,
        )

    async def archive_item(self, item_id: int, *, by: str, at: datetime, origin: str) -> ItemRecord | None:
        """Put an open item aside (audit 'item.archived'). Returns the item as stored afterwards, None for an
        unknown id; an item not open (done, withdrawn, archived already) is returned unchanged."""
        return await self._change_item(
            item_id,
            {"status": ARCHIVED, "changed_by": by, "changed_at": at},
            action="item.archived",
            detail=lambda item: f"#{item_id}",
            already=lambda item: item.status is not ItemStatus.OPEN,
            by=by,
            at=at,
            origin=origin,
        )

    async def dismiss_item(self, item_id: int, *, by: str, at: datetime, origin: str) -> ItemRecord | None:
        """The group's secretary says an open item is no task (audit 'item.dismissed'); it stays so when the
        minutes are read again. Any item not open is returned unchanged."""
        return await self._change_item(
            item_id,
            {"status": DISMISSED, "changed_by": by, "changed_at": at},
            action="item.dismissed",
            detail=lambda item: f"#{item_id}",
            already=lambda item: item.status is not ItemStatus.OPEN,
            by=by,
            at=at,
            origin=origin,
        )

    async def set_owners(
        self, item_id: int, owners: Sequence[str], *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """The group's secretary gives an item other owners (audit 'item.owners', detail the count before and
        after: never names from the minutes). The minutes' owners stay in document_owners, so the correction
        outlives edits of the minutes that leave the item's owners alone (minutes.reconcile). None for an
        unknown id; a withdrawn item, or one with these owners already, is returned unchanged."""
        if not is_item_id(item_id):
            return None
        wanted = tuple(owners)
        async with self.database.write() as connection:
            found = await fetch_items(connection, LOCK_ITEM, {"b_id": item_id})
            if not found:
                return None
            item = found[0]
            if item.status is ItemStatus.WITHDRAWN or item.owners == wanted:
                return item
            await connection.execute(
                _UPDATE_ITEM,
                {
                    "b_id": item_id,
                    "updated_at": at,
                    "owners": list(wanted),
                    "changed_by": by,
                    "changed_at": at,
                },
            )
            await connection.execute(_DELETE_OWNERS, {"b_ids": [item_id]})
            await insert_owners(connection, {item_id: wanted})
            await append_audit(
                connection,
                at=at,
                actor=by,
                action="item.owners",
                subject=item.key,
                origin=origin,
                detail=f"{len(item.owners)}→{len(wanted)}",
            )
            return (await fetch_items(connection, _SELECT_ITEM, {"b_id": item_id}))[0]

    async def restore_item(self, item_id: int, *, by: str, at: datetime, origin: str) -> ItemRecord | None:
        """Bring an archived or dismissed item back, open (audit 'item.restored'); any other item is returned
        unchanged."""
        return await self._change_item(
            item_id,
            {"status": OPEN, "changed_by": by, "changed_at": at},
            action="item.restored",
            detail=lambda item: f"#{item_id}",
            already=lambda item: item.status not in (ItemStatus.ARCHIVED, ItemStatus.DISMISSED),
            by=by,
            at=at,
            origin=origin,
        )

    async def archive_older_than(
        self, group: str, before: date, *, by: str, at: datetime, origin: str, detail: str
    ) -> list[int]:
        """Archive the group's open actions and follow-ups whose due date (else meeting date) is before
        `before`, in one transaction, one audit entry 'item.archived' each with `detail`; their ids, in order.
        Decisions are never archived: they stay in the register."""
        when = func.coalesce(items.c.due, items.c.meeting_date)
        query = (
            select(items)
            .where(
                items.c.group_name == group,
                items.c.status == OPEN,
                items.c.kind != ItemKind.DECISION.value,
                when < before,
            )
            .order_by(items.c.id)
            .with_for_update()
        )
        async with self.database.write() as connection:
            stale = await fetch_items(connection, query)
            for item in stale:
                await connection.execute(
                    _UPDATE_ITEM,
                    {
                        "b_id": item.id,
                        "status": ARCHIVED,
                        "changed_by": by,
                        "changed_at": at,
                        "updated_at": at,
                    },
                )
                await append_audit(
                    connection, at=at, actor=by, action="item.archived", subject=item.key, origin=origin,
                    detail=detail,
                )  # fmt: skip
        return [item.id for item in stale if item.id is not None]

    async def set_due(
        self, item_id: int, due: date, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None:
        """A user moves an item to `due` (audit 'item.moved', detail 'old→new' as ISO dates, or the relative
        due or '-' for an undated item: never the minutes' wording). The item gets due_raw the ISO date and
        no relative due; the minutes' own due (document_due) stays, so the move outlives edits of the minutes
        that leave the item's date alone (minutes.reconcile). Returns the item as stored afterwards, None for
        an unknown id; a withdrawn item, or one due that day already, is returned unchanged."""
        return await self._change_item(
            item_id,
            {"due": due, "due_raw": due.isoformat(), "due_relative": None},
            action="item.moved",
            detail=lambda item: f"{_due_label(item)}→{due.isoformat()}",
            already=lambda item: item.due == due and item.due_relative is None,
            by=by,
            at=at,
            origin=origin,
        )

    async def _change_item(
        self,
        item_id: int,
        values: Mapping[str, Any],
        *,
        action: str,
        detail: Callable[[ItemRecord], str],
        already: Callable[[ItemRecord], bool],
        by: str,
        at: datetime,
        origin: str,
    ) -> ItemRecord | None:
        """A user's change to one item, in one transaction: lock and read the item, write `values` (and
        updated_at `at`) and an audit entry (`action`, actor `by`, `detail` of the item as it was), read it
        back. None for an unknown id; a withdrawn item, or one `already` so, is returned unchanged."""
        if not is_item_id(item_id):
            return None
        async with self.database.write() as connection:
            found = await fetch_items(connection, LOCK_ITEM, {"b_id": item_id})
            if not found:
                return None
            item = found[0]
            if item.status is ItemStatus.WITHDRAWN or already(item):
                return item
            await connection.execute(_UPDATE_ITEM, {"b_id": item_id, "updated_at": at, **values})
            await append_audit(
                connection,
                at=at,
                actor=by,
                action=action,
                subject=item.key,
                origin=origin,
                detail=detail(item),
            )
            return (await fetch_items(connection, _SELECT_ITEM, {"b_id": item_id}))[0]


def _due_label(item: ItemRecord) -> str:
    """An item's due as the audit may show it: a date, a relative due, or '-'."""
    if item.due is not None:
        return item.due.isoformat()
    return item.due_relative.value if item.due_relative is not None else "-"


def _due_of(item: ItemRecord) -> tuple[object, ...]:
    return (item.due, item.due_raw, item.due_relative)


# -- the item rows of ingestion, written in the transaction of their document (store.documents) -------------


def new_item_values(record: ItemRecord, *, at: datetime) -> dict[str, Any]:
    return {
        "key": record.key,
        "document_key": record.document_key,
        "status": OPEN,
        "created_at": at,
        "updated_at": at,
        **item_content_values(record),
    }


async def update_items(
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
        if found is None or (found[1] == WITHDRAWN) != reviving:
            state = "live" if reviving else "withdrawn"
            raise StaleReconciliation(f"{old.document_key}: an updated item is {state} by now")
        item_id: int = found[0]
        if reviving:
            current[old.key] = (item_id, OPEN)
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
        if (new.due, new.due_relative) != (old.due, old.due_relative):
            # The dates too (never the minutes' wording): the follow-through report's 'first date'.
            fields += f"; due {_due_label(old)}→{_due_label(new)}"
        entries.append(
            ingest_audit(
                "item.updated", old.key, f"{detail}: {fields}" if fields else detail, at=at, origin=origin
            )
        )
    kept: dict[frozenset[str], list[dict[str, Any]]] = {}  # one UPDATE per set of columns written
    for item_id, values in final.items():
        if item_id not in revived:
            kept.setdefault(frozenset(values), []).append(values)
    reopened = [
        {**values, "status": OPEN, "changed_by": INGEST_ACTOR, "changed_at": at}
        for item_id, values in final.items()
        if item_id in revived
    ]
    for parameters in (*kept.values(), reopened):
        if parameters:
            await connection.execute(_UPDATE_ITEM, parameters)
    await connection.execute(_DELETE_OWNERS, {"b_ids": list(final)})
    return entries


async def withdraw_items(
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
                ingest_audit("item.withdrawn", key, f"#{item_id} {detail}".strip(), at=at, origin=origin)
            )
    return entries


async def insert_owners(connection: AsyncConnection, owners: Mapping[int, Sequence[str]]) -> None:
    """The item_owners rows of items that have none now (added, or theirs deleted)."""
    rows = [
        {"item_id": item_id, "owner_key": key}
        for item_id, names in owners.items()
        for key in owner_keys(names)
    ]
    if rows:
        await connection.execute(_INSERT_OWNERS, rows)
