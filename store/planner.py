"""Planner links: each group's plan, the buckets made in it, and each item's task with the fields last agreed
with Planner; the mark written before a create goes out, so two instances never create one item's task at
once. Does I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select

from minutes.planner import BucketMode, PlanLink, SyncState, TaskFields, TaskLink
from minutes.records import ItemRecord
from store.database import Repository, dialect_insert, listed, upsert
from store.item_queries import PUBLISHED
from store.items import fetch_items, is_item_id
from store.tables import items, planner_buckets, planner_plans, planner_tasks

# How long a create that went out keeps another caller from sending one for the same item: longer than a
# create's request with its timeouts takes. Past it the create's answer is taken as lost and the item's task is
# looked for (the '#N' title) before one is created again.
CREATE_LEASE = timedelta(minutes=2)

_SELECT_TASK_LINK = select(planner_tasks).where(planner_tasks.c.item_id == bindparam("b_id"))


class PlannerRepository(Repository):
    """workflows.ports.PlannerStore."""

    # -- plans and buckets ------------------------------------------------------------------------------------

    async def plan_link(self, group: str) -> PlanLink | None:
        async with self.database.read() as connection:
            row = (
                (await connection.execute(select(planner_plans).where(planner_plans.c.group == group)))
                .mappings()
                .first()
            )
        return None if row is None else _plan_link_from_row(row)

    async def plan_links(self) -> list[PlanLink]:
        """Every group's plan link, linked or not, by group."""
        async with self.database.read() as connection:
            rows = (
                await connection.execute(select(planner_plans).order_by(planner_plans.c.group))
            ).mappings()
            return [_plan_link_from_row(row) for row in rows.all()]

    async def save_plan_link(self, link: PlanLink) -> None:
        """Insert or replace the group's plan link (one per group)."""
        async with self.database.write() as connection:
            await upsert(connection, planner_plans, _plan_link_values(link), key=("group",))

    async def bucket_id(self, plan_id: str, name: str) -> str | None:
        query = select(planner_buckets.c.bucket_id).where(
            planner_buckets.c.plan_id == plan_id, planner_buckets.c.name == name
        )
        async with self.database.read() as connection:
            found: str | None = await connection.scalar(query)
        return found

    async def save_bucket(self, plan_id: str, name: str, bucket_id: str) -> None:
        async with self.database.write() as connection:
            await upsert(
                connection,
                planner_buckets,
                {"plan_id": plan_id, "name": name, "bucket_id": bucket_id},
                key=("plan_id", "name"),
            )

    # -- tasks ------------------------------------------------------------------------------------------------

    async def task_links(self, group: str) -> list[TaskLink]:
        """The group's task links, by item id."""
        query = select(planner_tasks).where(planner_tasks.c.group == group).order_by(planner_tasks.c.item_id)
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings()
            return [_task_link_from_row(row) for row in rows.all()]

    async def task_link(self, item_id: int) -> TaskLink | None:
        if not is_item_id(item_id):
            return None
        async with self.database.read() as connection:
            row = (await connection.execute(_SELECT_TASK_LINK, {"b_id": item_id})).mappings().first()
        return None if row is None else _task_link_from_row(row)

    async def task_links_of_items(self, item_ids: Collection[int]) -> dict[int, TaskLink]:
        """The links of those of `item_ids` that have one, by item id."""
        wanted = sorted({item_id for item_id in item_ids if is_item_id(item_id)})
        if not wanted:
            return {}
        query = select(planner_tasks).where(planner_tasks.c.item_id.in_(listed("b_ids")))
        async with self.database.read() as connection:
            rows = (await connection.execute(query, {"b_ids": wanted})).mappings()
            return {row["item_id"]: _task_link_from_row(row) for row in rows.all()}

    async def save_task_link(self, link: TaskLink) -> None:
        """Insert or replace the item's link (one per item); `seen` None clears the seen fields."""
        async with self.database.write() as connection:
            await upsert(connection, planner_tasks, _task_link_values(link), key=("item_id",))

    async def begin_create(self, link: TaskLink, *, at: datetime) -> bool:
        """Write `link` as pending with create_started_at `at`, in its own transaction, before the create goes
        out. False, with nothing written, when a create for the item began less than CREATE_LEASE before `at`
        (by this instance or another), or when the item's task is already linked.

        One INSERT … ON CONFLICT DO UPDATE … WHERE: on PostgreSQL the conflicting row is locked and the WHERE
        judged on its newest version, so of two instances at once exactly one gets its row back; on SQLite the
        write transaction is the database's only one."""
        values = {**_task_link_values(link), "state": SyncState.PENDING.value, "create_started_at": at}
        async with self.database.write() as connection:
            insert = dialect_insert(connection)(planner_tasks).values(values)
            current = planner_tasks.c
            claimed = insert.on_conflict_do_update(
                index_elements=["item_id"],
                set_={column: insert.excluded[column] for column in values if column != "item_id"},
                where=(current.state != SyncState.LINKED.value)
                & (current.create_started_at.is_(None) | (current.create_started_at <= at - CREATE_LEASE)),
            ).returning(current.item_id)
            return (await connection.execute(claimed)).first() is not None

    # -- items ------------------------------------------------------------------------------------------------

    async def group_items(self, group: str) -> list[ItemRecord]:
        """Every item of the group, whatever its status, but for those of minutes awaiting the secretary's
        'Publicera'; by id."""
        query = select(items).where(items.c.group_name == group, PUBLISHED).order_by(items.c.id)
        async with self.database.read() as connection:
            return await fetch_items(connection, query)


def _plan_link_values(link: PlanLink) -> dict[str, Any]:
    return {
        "group": link.group,
        "plan_id": link.plan_id,
        "active": link.active,
        "bucket_mode": link.bucket_mode.value,
        "linked_at": link.linked_at,
        "unlinked_at": link.unlinked_at,
        "paused_until": link.paused_until,
        "last_sync_at": link.last_sync_at,
    }


def _plan_link_from_row(row: Mapping[Any, Any]) -> PlanLink:
    return PlanLink(
        group=row["group"],
        plan_id=row["plan_id"],
        active=bool(row["active"]),
        linked_at=row["linked_at"],
        bucket_mode=BucketMode(row["bucket_mode"]),
        unlinked_at=row["unlinked_at"],
        paused_until=row["paused_until"],
        last_sync_at=row["last_sync_at"],
    )


def _task_link_values(link: TaskLink) -> dict[str, Any]:
    seen = link.seen
    return {
        "item_id": link.item_id,
        "group": link.group,
        "plan_id": link.plan_id,
        "state": link.state.value,
        "task_id": link.task_id,
        "etag": link.etag,
        "bucket_id": link.bucket_id,
        "seen_title": seen.title if seen else None,
        "seen_due": seen.due if seen else None,
        "seen_done": seen.done if seen else None,
        "seen_assignees": sorted(seen.assignees) if seen else None,
        "seen_at": link.seen_at,
        "create_started_at": link.create_started_at,
        "renamed_title": link.renamed_title,
    }


def _task_link_from_row(row: Mapping[Any, Any]) -> TaskLink:
    seen = None
    if row["seen_title"] is not None:
        seen = TaskFields(
            title=row["seen_title"],
            due=row["seen_due"],
            done=bool(row["seen_done"]),
            assignees=frozenset(row["seen_assignees"] or ()),
        )
    return TaskLink(
        item_id=row["item_id"],
        group=row["group"],
        plan_id=row["plan_id"],
        state=SyncState(row["state"]),
        task_id=row["task_id"],
        etag=row["etag"],
        seen=seen,
        seen_at=row["seen_at"],
        create_started_at=row["create_started_at"],
        bucket_id=row["bucket_id"],
        renamed_title=row["renamed_title"],
    )
