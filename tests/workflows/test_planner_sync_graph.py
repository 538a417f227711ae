"""The Planner sync end to end: the store (SQLite and PostgreSQL), the adapter and the real msgraph-sdk against the
fake Graph, its bodies checked against the Graph v1.0 schema. Both ways, a 412 in the middle, a bounded 429 storm,
a create whose answer is lost, and two instances at once."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from msgraph.graph_service_client import GraphServiceClient

from graph.client import close_graph_client, make_graph_client
from graph.planner import GraphPlanner
from minutes.planner import PlannerRule, SyncState, TaskLink, item_number
from minutes.records import ItemRecord, ItemStatus, RosterEntry
from store import SqlStore
from store.engine import open_store
from tests.fake_graph import FakeGraph, GraphState
from tests.fake_planner import FakePlan, FakePlannerTask
from tests.graph_fixtures import FakeCredential
from tests.workflows.chat_fixtures import ingest_flg
from workflows.planner_sync import PlannerSync

T0 = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)
M365_GROUP = "0a0a0a0a-0000-4000-8000-000000000001"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def later(self, minutes: float = 5) -> datetime:
        self.now += timedelta(minutes=minutes)
        return self.now


async def no_wait(seconds: float) -> None:
    """The adapter's Retry-After waits, taken at once (the fake's window is its own clock)."""
    await asyncio.sleep(0)


# Entra object ids are GUIDs: the fake holds plannerAssignments' keys to that.
AA, YK, RN = (
    "a1111111-1111-4111-8111-111111111111",
    "b2222222-2222-4222-8222-222222222222",
    "c3333333-3333-4333-8333-333333333333",
)
ROSTER = [
    RosterEntry("FLG", "AA", "Annika Andersson", ("omsorgsdirektör",), AA),
    RosterEntry("FLG", "YK", "Yvonne Kvist", ("sekreterare",), YK),
    RosterEntry("FLG", "RN", "Rickard Nilsson", (), RN),
]


@pytest.fixture
async def flg(store: SqlStore, tmp_path: Path) -> SqlStore:
    await ingest_flg(store, tmp_path / "protokoll")
    await store.save_roster("FLG", ROSTER)
    return store


@pytest.fixture
def plan(state: GraphState) -> FakePlan:
    state.planner.page_size = 10  # the 27 tasks come in pages
    return state.planner.add_plan(M365_GROUP, "FLG")


def adapter(graph: GraphServiceClient) -> GraphPlanner:
    return GraphPlanner(graph, requests_per_second=1000, max_retries=3, max_retry_after=5, sleep=no_wait)


def syncer(store: SqlStore, graph: GraphServiceClient, plan: FakePlan, clock: Clock) -> PlannerSync:
    return PlannerSync(store, adapter(graph), {"FLG": PlannerRule(plan_id=plan.id)}, clock)


async def open_items(store: SqlStore) -> list[ItemRecord]:
    return [i for i in await store.group_items("FLG") if i.status is ItemStatus.OPEN]


def tasks_by_item(state: GraphState, plan: FakePlan) -> dict[int, list[FakePlannerTask]]:
    found: dict[int, list[FakePlannerTask]] = {}
    for task in state.planner.live_tasks(plan.id):
        number = item_number(task.title)
        if number is not None:
            found.setdefault(number, []).append(task)
    return found


def one_task(state: GraphState, plan: FakePlan, item_id: int) -> FakePlannerTask:
    [task] = tasks_by_item(state, plan)[item_id]
    return task


async def test_both_ways_through_the_sdk(
    flg: SqlStore, graph: GraphServiceClient, fake: FakeGraph, state: GraphState, plan: FakePlan
) -> None:
    clock = Clock()
    sync = syncer(flg, graph, plan, clock)
    await sync.apply_group_files(clock())
    items = await open_items(flg)
    created = await sync.sync_group("FLG", clock())
    assert created.created == len(items) and state.planner.creates == len(items)
    assert all(len(tasks) == 1 for tasks in tasks_by_item(state, plan).values())
    annika = next(i for i in items if i.owners == ("AA",))
    assert annika.id is not None
    task = one_task(state, plan, annika.id)
    assert set(task.assignments) == {AA} and task.description and f"Punkt #{annika.id}" in task.description

    # Teams → Planner: checked off, moved, re-owned.
    await flg.set_status(annika.id, ItemStatus.DONE, by=AA, at=clock.later(1), origin="card")
    await flg.set_due(annika.id, date(2024, 12, 2), by=AA, at=clock.later(1), origin="card")
    await flg.set_owners(annika.id, ["RN"], by=YK, at=clock.later(1), origin="card")
    await sync.sync_group("FLG", clock.later())
    task = one_task(state, plan, annika.id)
    assert task.percent_complete == 100 and task.due and task.due.startswith("2024-12-02")
    assert set(task.assignments) == {RN}

    # Planner → Teams: reopened, re-dated and re-assigned by a person.
    state.planner.reopen(task.id)
    state.planner.set_due(task.id, date(2025, 1, 13))
    state.planner.assign(task.id, AA)
    report = await sync.sync_group("FLG", clock.later())
    after = await flg.get_item(annika.id)
    assert report.taken == 1 and after is not None
    assert (after.status, after.due, set(after.owners)) == (ItemStatus.OPEN, date(2025, 1, 13), {"AA", "RN"})
    assert {e.origin for e in await flg.audit_log(annika.key)} >= {"planner"}

    # Completed in Planner by its owner.
    state.planner.complete(task.id, RN)
    await sync.sync_group("FLG", clock.later())
    done = await flg.get_item(annika.id)
    assert done is not None and done.status is ItemStatus.DONE and done.changed_by == RN

    # Withdrawn (archived here): the task goes.
    other = next(i for i in items if i.owners == ("RN",))
    assert other.id is not None
    await flg.archive_item(other.id, by=YK, at=clock.later(1), origin="card")
    report = await sync.sync_group("FLG", clock.later())
    assert report.deleted == 1 and other.id not in tasks_by_item(state, plan)
    assert fake.problems == []


async def test_a_412_in_the_middle_is_reread_and_decided_again(
    flg: SqlStore, graph: GraphServiceClient, fake: FakeGraph, state: GraphState, plan: FakePlan
) -> None:
    clock = Clock()
    sync = syncer(flg, graph, plan, clock)
    await sync.apply_group_files(clock())
    await sync.sync_group("FLG", clock())
    item = (await open_items(flg))[0]
    assert item.id is not None
    await flg.set_status(item.id, ItemStatus.DONE, by=YK, at=clock.later(1), origin="card")
    state.fail("/planner/tasks/", 412, method="PATCH")
    report = await sync.sync_group("FLG", clock.later())
    assert report.conflicts == 1 and one_task(state, plan, item.id).percent_complete == 100
    assert fake.problems == []


async def test_a_bounded_429_storm_is_waited_out_and_a_longer_one_pauses_the_plan(
    flg: SqlStore, graph: GraphServiceClient, state: GraphState, plan: FakePlan
) -> None:
    clock = Clock()
    sync = syncer(flg, graph, plan, clock)
    await sync.apply_group_files(clock())
    state.fail(f"/planner/plans/{plan.id}/tasks", 429, times=2, Retry_After="1")
    report = await sync.sync_group("FLG", clock())
    assert not report.throttled and report.created == len(await open_items(flg))
    sent_before = len(state.requests)
    state.fail(f"/planner/plans/{plan.id}/tasks", 429, times=50, Retry_After="2")
    storm = await sync.sync_group("FLG", clock.later())
    assert storm.throttled and len(state.requests) - sent_before == 4  # the first try and 3 retries, no more
    assert (await sync.sync_group("FLG", clock.later(0.01))).skipped  # paused for Retry-After
    state.failures.clear()
    assert not (await sync.sync_group("FLG", clock.later())).throttled


async def test_a_create_answered_503_after_it_happened_makes_no_second_task(
    flg: SqlStore, graph: GraphServiceClient, state: GraphState, plan: FakePlan
) -> None:
    clock = Clock()
    sync = syncer(flg, graph, plan, clock)
    await sync.apply_group_files(clock())
    state.fail("/planner/tasks", 503, method="POST", after=True)  # the task is made, the answer is a 503
    first = await sync.sync_group("FLG", clock())
    assert first.pending == 1
    again = await sync.sync_group("FLG", clock.later())
    assert again.adopted == 1 and again.created == 0
    counts = Counter(item_number(t.title) for t in state.planner.live_tasks(plan.id))
    assert set(counts.values()) == {1} and len(counts) == len(await open_items(flg))


async def test_a_crash_between_the_store_write_and_the_create_makes_one_task(
    flg: SqlStore, graph: GraphServiceClient, state: GraphState, plan: FakePlan
) -> None:
    clock = Clock()
    sync = syncer(flg, graph, plan, clock)
    await sync.apply_group_files(clock())
    item = (await open_items(flg))[0]
    assert item.id is not None
    assert await flg.begin_create(TaskLink(item.id, "FLG", plan.id, SyncState.PENDING), at=clock())
    soon = await sync.sync_group("FLG", clock.later(1))  # the create may be on its way: wait for the list
    assert soon.waiting == 1 and item.id not in tasks_by_item(state, plan)
    later = await sync.sync_group("FLG", clock.later(15))
    assert later.created == 1 and len(tasks_by_item(state, plan)[item.id]) == 1


async def test_two_instances_at_once_make_each_task_once(
    flg: SqlStore, database_url: str, fake: FakeGraph, state: GraphState, plan: FakePlan
) -> None:
    clock = Clock()
    other = await open_store(database_url)
    graphs = [make_graph_client(FakeCredential(), base_url=fake.base_url, retry_delay=0) for _ in range(2)]
    try:
        syncs = [syncer(flg, graphs[0], plan, clock), syncer(other, graphs[1], plan, clock)]
        await syncs[0].apply_group_files(clock())
        reports = await asyncio.gather(*(s.sync_group("FLG", clock()) for s in syncs))
        items = await open_items(flg)
        assert sum(r.created for r in reports) == len(items) == state.planner.creates
        assert all(len(tasks) == 1 for tasks in tasks_by_item(state, plan).values())
        # And the next poll of either leaves it so.
        await asyncio.gather(*(s.sync_group("FLG", clock.later()) for s in syncs))
        assert state.planner.creates == len(items)
    finally:
        for client in graphs:
            await close_graph_client(client)
        await other.close()
