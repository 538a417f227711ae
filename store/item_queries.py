"""Items: the queries over action items and decisions — lists, pages with their counts, what falls due, what
returns to the next meeting, a group's items of a period. Does I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from minutes.model import ItemKind, Relative
from minutes.records import ItemFilter, ItemPage, ItemRecord, ListOrder
from store.database import Repository
from store.items import ARCHIVED, DISMISSED, OPEN, WITHDRAWN, fetch_items
from store.rows import like_pattern, owner_key, search_needle
from store.tables import documents, item_owners, items

# Items a list shows when it shows done ones too: not withdrawn or dismissed, and not archived unless asked.
_SHOWN = items.c.status.notin_((WITHDRAWN, ARCHIVED, DISMISSED))
# Not of minutes awaiting the secretary's 'Publicera' (documents.awaiting_review): until then their items are in
# no reminder, digest, agenda or list; the secretary has the meeting's card in a personal chat.
PUBLISHED = items.c.document_key.notin_(
    select(documents.c.key).where(documents.c.awaiting_review.is_(True)).scalar_subquery()
)


class ItemQueryRepository(Repository):
    """The item queries of workflows.ports (ItemQueries, and ChatStore's lists)."""

    async def list_items(
        self,
        *,
        open_only: bool = False,
        owner: str | None = None,
        group: str | None = None,
        published_only: bool = False,
    ) -> list[ItemRecord]:
        """Live items (open, and done unless `open_only`), by due date with undated ones last, then by id.
        `owner` matches any one of an item's owners, case-insensitively; `published_only` leaves out the items
        of minutes awaiting the secretary's 'Publicera' (the digest and the agenda; the command line shows all)."""
        query = select(items).where(items.c.status == OPEN if open_only else items.c.status != WITHDRAWN)
        if published_only:
            query = query.where(PUBLISHED)
        if owner is not None:
            query = query.where(
                items.c.id.in_(
                    select(item_owners.c.item_id).where(item_owners.c.owner_key == owner_key(owner))
                )
            )
        return await self._select_items(
            _of_group(query, group).order_by(items.c.due.asc().nulls_last(), items.c.id)
        )

    async def search_decisions(self, text: str | None = None) -> list[ItemRecord]:
        """Live decisions whose topic or text contains `text` (case-insensitive; all when None or blank),
        newest meeting first, in document order within a meeting."""
        query = select(items).where(items.c.kind == ItemKind.DECISION.value, _SHOWN)
        needle = search_needle(text or "")
        if needle:
            query = query.where(items.c.search_text.like(like_pattern(needle), escape="\\"))
        return await self._select_items(query.order_by(items.c.meeting_date.desc().nulls_last(), items.c.id))

    async def item_page(self, spec: ItemFilter, *, limit: int, today: date, offset: int = 0) -> ItemPage:
        """Items `offset`… of a list (at most `limit`) and the whole list's counts, in one read: a chat answer
        shows a page, so only that page's rows are fetched and turned into records. Overdue as the cards count
        it (minutes.records.is_actionable): open, an action, a follow-up or a decision naming an owner, with a
        date (not 'nästa möte') before `today`."""
        conditions = _item_filter_conditions(spec)
        overdue = and_(
            items.c.status == OPEN,
            or_(
                items.c.kind != ItemKind.DECISION.value,
                items.c.id.in_(select(item_owners.c.item_id)),
            ),
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
        start = max(offset, 0)
        async with self.database.read() as connection:
            total, overdue_count = (await connection.execute(counts)).one()
            query = select(items).where(*conditions).order_by(*order).limit(limit).offset(start)
            found = await fetch_items(connection, query) if total > start and limit > 0 else []
        return ItemPage(tuple(found), int(total), int(overdue_count), offset=start)

    async def items_due_between(
        self, start: date, end: date, *, group: str | None = None, open_only: bool = True
    ) -> list[ItemRecord]:
        """Items due from `start` to `end`, both included: open ones, or open and done unless `open_only`.
        By due date, then id."""
        query = select(items).where(
            items.c.status == OPEN if open_only else _SHOWN,
            items.c.due >= start,
            items.c.due <= end,
            PUBLISHED,
        )
        return await self._select_items(_of_group(query, group).order_by(items.c.due, items.c.id))

    async def overdue_items(self, today: date, *, group: str | None = None) -> list[ItemRecord]:
        """Open items due before `today`, oldest due date first, then by id."""
        query = select(items).where(items.c.status == OPEN, items.c.due < today, PUBLISHED)
        return await self._select_items(_of_group(query, group).order_by(items.c.due, items.c.id))

    async def items_met_between(self, group: str, start: date, end: date) -> list[ItemRecord]:
        """The group's items of meetings from `start` to `end`, both included, whatever their status (the
        follow-through report). By meeting date, then id."""
        query = select(items).where(
            items.c.group_name == group, items.c.meeting_date >= start, items.c.meeting_date <= end
        )
        return await self._select_items(query.order_by(items.c.meeting_date, items.c.id))

    async def follow_up_items(self, group: str | None) -> list[ItemRecord]:
        """Open items for the next meeting: due 'till nästa möte', or follow-ups; of every group when `group`
        is None. By due date with undated ones last, then by id."""
        query = select(items).where(items.c.status == OPEN, _for_next_meeting(), PUBLISHED)
        return await self._select_items(
            _of_group(query, group).order_by(items.c.due.asc().nulls_last(), items.c.id)
        )

    async def _select_items(
        self, query: Select[Any], parameters: Mapping[str, Any] | None = None
    ) -> list[ItemRecord]:
        async with self.database.read() as connection:
            return await fetch_items(connection, query, parameters)


def _of_group(query: Select[Any], group: str | None) -> Select[Any]:
    """`query` narrowed to the items of `group`; all of them when None."""
    return query if group is None else query.where(items.c.group_name == group)


def _for_next_meeting() -> ColumnElement[bool]:
    """Items for the next meeting: due 'till nästa möte', or follow-ups."""
    return or_(items.c.due_relative == Relative.NEXT_MEETING.value, items.c.kind == ItemKind.FOLLOW_UP.value)


def _item_filter_conditions(spec: ItemFilter) -> list[ColumnElement[bool]]:
    if spec.archived:
        status = items.c.status == ARCHIVED
    else:
        status = items.c.status == OPEN if spec.open_only else _SHOWN
    conditions: list[ColumnElement[bool]] = [status, PUBLISHED]
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
        conditions.append(_for_next_meeting())
    needle = search_needle(spec.search or "")
    if needle:
        conditions.append(items.c.search_text.like(like_pattern(needle), escape="\\"))
    return conditions
