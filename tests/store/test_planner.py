"""PlannerRepository (revision 0012) on SQLite and PostgreSQL: plan links, buckets and task links read back as
written, replaced by a second write; begin_create lets one caller create an item's task per lease, also two
instances at once; a group's items for the sync leave out minutes awaiting review and other groups."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from minutes.planner import BucketMode, PlanLink, SyncState, TaskFields, TaskLink
from minutes.records import DocumentRef, ItemStatus
from store import Database, SqlStore, create_engine_for, open_store
from store.planner import CREATE_LEASE, PlannerRepository
from store.tables import planner_tasks
from tests.store.builders import FLG_V1, FSG_REF, MONDAY, document, ingest, item, later
from tests.store.test_migrations import to_revision

DRAFT_REF = DocumentRef(source="local:/minutes", item_id="flg-2024-09-09.docx", name="flg-2024-09-09.docx")
SEEN = TaskFields(
    title="#1 Planner för aktiviteter: Klart för uppföljning 7/10 i FLG",
    due=date(2024, 10, 7),
    done=True,
    assignees=frozenset({"aad-b", "aad-a"}),
)
BARE = TaskFields(title="#2 KLG fått i uppdrag", due=None, done=False, assignees=frozenset())


async def flg_item_ids(store: SqlStore) -> list[int]:
    _, live = await ingest(store, document(), FLG_V1)
    ids = [found.id for found in live]
    assert None not in ids
    return [i for i in ids if i is not None]


def pending(item_id: int, *, group: str = "FLG", plan_id: str = "plan-flg", **fields: object) -> TaskLink:
    return replace(TaskLink(item_id, group, plan_id, SyncState.PENDING), **fields)  # type: ignore[arg-type]


# --- plans and buckets -------------------------------------------------------------------------------------


async def test_a_plan_link_is_read_back_and_replaced(store: SqlStore) -> None:
    assert await store.plan_link("FLG") is None
    assert await store.plan_links() == []
    flg = PlanLink("FLG", "plan-flg", True, MONDAY)
    fsg = PlanLink("FSG", "plan-fsg", True, later(1), bucket_mode=BucketMode.TOPIC, last_sync_at=later(2))
    await store.save_plan_link(fsg)
    await store.save_plan_link(flg)
    assert await store.plan_link("FLG") == flg
    assert await store.plan_links() == [flg, fsg]  # by group

    unlinked = replace(flg, active=False, unlinked_at=later(3), paused_until=later(4), last_sync_at=later(2))
    await store.save_plan_link(unlinked)
    assert await store.plan_link("FLG") == unlinked
    relinked = replace(flg, plan_id="plan-flg-2", linked_at=later(5))
    await store.save_plan_link(relinked)
    assert await store.plan_links() == [relinked, fsg]  # one per group, every field replaced


async def test_a_bucket_is_found_by_plan_and_name(store: SqlStore) -> None:
    assert await store.bucket_id("plan-flg", "FLG 26 aug 2024") is None
    await store.save_bucket("plan-flg", "FLG 26 aug 2024", "bucket-1")
    await store.save_bucket("plan-fsg", "FLG 26 aug 2024", "bucket-2")
    await store.save_bucket("plan-flg", "Ekonomi", "bucket-3")
    assert await store.bucket_id("plan-flg", "FLG 26 aug 2024") == "bucket-1"
    assert await store.bucket_id("plan-fsg", "FLG 26 aug 2024") == "bucket-2"
    assert await store.bucket_id("plan-flg", "Ekonomi") == "bucket-3"
    await store.save_bucket("plan-flg", "FLG 26 aug 2024", "bucket-4")  # made again after a delete in Planner
    assert await store.bucket_id("plan-flg", "FLG 26 aug 2024") == "bucket-4"


# --- task links ---------------------------------------------------------------------------------------------


async def test_task_links_are_read_back_with_their_seen_fields(store: SqlStore) -> None:
    first, second, third, _ = await flg_item_ids(store)
    linked = TaskLink(
        first,
        "FLG",
        "plan-flg",
        SyncState.LINKED,
        task_id="task-1",
        etag='W/"JzEtVGFzayAgQEBAQEBAQEBAQEBAQEBARCc="',
        seen=SEEN,
        seen_at=later(1),
        create_started_at=None,
        bucket_id="bucket-1",
    )
    bare = replace(linked, item_id=second, task_id="task-2", seen=BARE, bucket_id=None)
    waiting = pending(third, create_started_at=later(2))
    for link in (waiting, bare, linked):
        await store.save_task_link(link)

    assert await store.task_link(first) == linked
    assert await store.task_link(second) == bare  # no due, no assignees
    assert await store.task_link(third) == waiting
    assert await store.task_links("FLG") == [linked, bare, waiting]  # by item id
    assert await store.task_links("FSG") == []
    assert await store.task_links_of_items([third, first, 10**6]) == {first: linked, third: waiting}
    assert await store.task_links_of_items([]) == {}
    for nothing in (10**6, 0, -1, 2**40):
        assert await store.task_link(nothing) is None
    assert await store.task_links_of_items([0, 2**40]) == {}

    async with store.database.read() as connection:
        stored = await connection.scalar(
            select(planner_tasks.c.seen_assignees).where(planner_tasks.c.item_id == first)
        )
    assert stored == ["aad-a", "aad-b"]  # sorted


async def test_saving_a_link_again_replaces_it_and_no_seen_clears_the_seen_fields(store: SqlStore) -> None:
    first, *_ = await flg_item_ids(store)
    await store.save_task_link(pending(first, create_started_at=later(1)))
    linked = TaskLink(
        first, "FLG", "plan-flg", SyncState.LINKED, "task-1", "etag-1", SEEN, later(2), None, "bucket-1"
    )
    await store.save_task_link(linked)
    assert await store.task_link(first) == linked

    deleted = replace(linked, state=SyncState.DELETED, seen=None, seen_at=None, etag=None)
    await store.save_task_link(deleted)
    assert await store.task_link(first) == deleted
    async with store.database.read() as connection:
        row = (await connection.execute(select(planner_tasks).where(planner_tasks.c.item_id == first))).one()
    assert (row.seen_title, row.seen_due, row.seen_done, row.seen_assignees) == (None, None, None, None)


async def test_two_items_cannot_share_a_task(store: SqlStore) -> None:
    first, second, *_ = await flg_item_ids(store)
    await store.save_task_link(pending(first, state=SyncState.LINKED, task_id="task-1"))
    await store.save_task_link(pending(second))  # no task yet: NULLs are no duplicates
    await store.save_task_link(pending(second + 1))
    with pytest.raises(IntegrityError):
        await store.save_task_link(pending(second, state=SyncState.LINKED, task_id="task-1"))
    assert await store.task_link(second) == pending(second)


async def test_a_link_needs_an_item(store: SqlStore) -> None:
    await flg_item_ids(store)
    with pytest.raises(IntegrityError):
        await store.save_task_link(pending(10**6))


# --- begin_create ------------------------------------------------------------------------------------------


async def test_a_create_begins_once_per_lease(store: SqlStore) -> None:
    first, *_ = await flg_item_ids(store)
    assert await store.begin_create(pending(first, bucket_id="bucket-1"), at=later(1))
    assert await store.task_link(first) == pending(first, bucket_id="bucket-1", create_started_at=later(1))

    # A second caller within the lease (this instance or another) is refused and writes nothing.
    almost = later(1) + CREATE_LEASE - timedelta(seconds=1)
    assert not await store.begin_create(pending(first, bucket_id="bucket-2"), at=almost)
    assert not await store.begin_create(pending(first), at=later(1))
    assert await store.task_link(first) == pending(first, bucket_id="bucket-1", create_started_at=later(1))

    # Past the lease the first create's answer is taken as lost: the caller may look for the task and create.
    again = later(1) + CREATE_LEASE
    assert await store.begin_create(pending(first, bucket_id="bucket-2"), at=again)
    assert await store.task_link(first) == pending(first, bucket_id="bucket-2", create_started_at=again)


async def test_a_create_begins_for_a_pending_deleted_or_new_link_but_not_a_linked_one(
    store: SqlStore,
) -> None:
    first, second, third, _ = await flg_item_ids(store)
    await store.save_task_link(pending(first))  # pending, no create sent yet
    await store.save_task_link(pending(second, state=SyncState.DELETED, task_id="task-old"))
    linked = pending(third, state=SyncState.LINKED, task_id="task-3", etag="e", create_started_at=None)
    await store.save_task_link(linked)

    assert await store.begin_create(pending(first), at=later(1))
    assert await store.begin_create(pending(second), at=later(1))  # the item came back: a new task
    assert await store.task_link(second) == pending(second, create_started_at=later(1))
    # A linked item has its task: no create, whenever asked (the create that made it may have just ended).
    assert not await store.begin_create(pending(third), at=later(100))
    assert await store.task_link(third) == linked


async def test_two_instances_beginning_a_create_at_once_one_wins(database_url: str, store: SqlStore) -> None:
    ids = await flg_item_ids(store)
    instances = [PlannerRepository(Database(create_engine_for(database_url))) for _ in range(2)]
    try:
        for round_at in (later(1), later(2)):  # new rows, then rows whose lease ran out
            claims = await asyncio.gather(
                *(
                    instance.begin_create(pending(item_id, bucket_id=f"bucket-{n}"), at=round_at)
                    for item_id in ids
                    for n, instance in enumerate(instances)
                )
            )
            won = [claims[2 * i : 2 * i + 2] for i in range(len(ids))]
            assert all(sorted(pair) == [False, True] for pair in won), won
            for item_id, pair in zip(ids, won, strict=True):
                link = await store.task_link(item_id)
                assert link == pending(
                    item_id, bucket_id=f"bucket-{pair.index(True)}", create_started_at=round_at
                )
    finally:
        for instance in instances:
            await instance.database.close()


# --- the group's items --------------------------------------------------------------------------------------


async def test_group_items_are_the_groups_published_items_of_any_status(store: SqlStore) -> None:
    first, second, third, fourth = await flg_item_ids(store)
    await store.set_status(second, ItemStatus.DONE, by="aad-rn", at=later(1), origin="t")
    await ingest(store, document(), FLG_V1[:2] + FLG_V1[3:], at=later(2))  # the third is withdrawn
    draft = replace(document(DRAFT_REF, meeting_date=date(2024, 9, 9)), awaiting_review=True)
    await ingest(store, draft, [item("a", "Ring facket.", ref=DRAFT_REF)], at=later(3))
    fsg = document(FSG_REF, group="FSG", meeting_date=date(2024, 9, 2))
    await ingest(store, fsg, [item("b", "Boka lokal.", ref=FSG_REF, group="FSG")], at=later(4))

    found = await store.group_items("FLG")

    assert [(i.id, i.status) for i in found] == [
        (first, ItemStatus.OPEN),
        (second, ItemStatus.DONE),
        (third, ItemStatus.WITHDRAWN),
        (fourth, ItemStatus.OPEN),
    ]
    assert found[0] == await store.get_item(first)
    assert [i.text for i in await store.group_items("FSG")] == ["Boka lokal."]
    assert await store.group_items("KLG") == []
    await store.publish_document(DRAFT_REF.key, by="aad-yk", at=later(5), origin="t")
    assert [i.text for i in await store.group_items("FLG")][-1] == "Ring facket."


# --- revision 0012 ------------------------------------------------------------------------------------------


def table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


PLANNER_TABLES = {"planner_plans", "planner_buckets", "planner_tasks"}


async def test_0012_adds_the_planner_tables_to_a_database_in_use_and_takes_them_away(
    database_url: str,
) -> None:
    engine = create_engine_for(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0011"))
            assert not await connection.run_sync(table_names) & PLANNER_TABLES
        store = await open_store(database_url)  # migrates to the newest revision
        try:
            first, *_ = await flg_item_ids(store)
            await store.save_plan_link(PlanLink("FLG", "plan-flg", True, MONDAY))
            await store.save_bucket("plan-flg", "FLG 26 aug 2024", "bucket-1")
            assert await store.begin_create(pending(first), at=later(1))
        finally:
            await store.close()

        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0011", down=True))
        async with engine.connect() as connection:
            assert not await connection.run_sync(table_names) & PLANNER_TABLES
    finally:
        await engine.dispose()

    reopened = await open_store(database_url)  # and up again, empty
    try:
        assert await reopened.plan_links() == []
        assert len(await reopened.group_items("FLG")) == len(FLG_V1)
    finally:
        await reopened.close()
