"""GraphPlanner with the real msgraph-sdk against the fake Planner: records, ETags, paging, its own retries and pacing
per plan, and creates that are never sent twice blindly."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date

import pytest
from msgraph.graph_service_client import GraphServiceClient

from graph.client import close_graph_client, make_graph_client
from graph.planner import GraphPlanner
from minutes.planner import (
    PlannerConflict,
    PlannerError,
    PlannerThrottled,
    PlannerUncertain,
    TaskChange,
    TaskDraft,
    due_to_planner,
)
from tests.fake_graph import FakeGraph, GraphState
from tests.fake_planner import FakePlan
from tests.graph_fixtures import FakeCredential

GROUP = "0a0a0a0a-0000-4000-8000-000000000001"
ANNA = "a1111111-1111-4111-8111-111111111111"
BO = "b2222222-2222-4222-8222-222222222222"
CARL = "c3333333-3333-4333-8333-333333333333"


class FakeTime:
    """One clock for the adapter and the fake server: sleeping moves it, so waits cost no wall time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def fake_time(state: GraphState) -> FakeTime:
    ticking = FakeTime()
    state.planner.clock = ticking.clock
    return ticking


@pytest.fixture
def plan(state: GraphState) -> FakePlan:
    state.planner.page_size = 2
    return state.planner.add_plan(GROUP, "FLG")


@pytest.fixture
def planner(graph: GraphServiceClient, fake_time: FakeTime) -> GraphPlanner:
    return GraphPlanner(
        graph,
        requests_per_second=1000,
        max_retries=3,
        max_retry_after=5,
        sleep=fake_time.sleep,
        clock=fake_time.clock,
    )


def draft(title: str = "#12 Ekonomi: Ta fram underlag", **changes: object) -> TaskDraft:
    fields: dict[str, object] = {
        "title": title,
        "bucket_id": None,
        "due": date(2024, 9, 30),
        "assignees": frozenset({ANNA, BO}),
        "description": "Punkt #12 i minutesbot.",
        "unassigned_label": False,
    }
    fields.update(changes)
    return TaskDraft(**fields)  # type: ignore[arg-type]


def bodies(state: GraphState, method: str, fragment: str) -> list[dict[str, object]]:
    return [json.loads(r.body) for r in state.requests if r.method == method and r.path.endswith(fragment)]


# --- create ----------------------------------------------------------------------------------------------


async def test_a_create_sends_the_details_inline_in_one_request(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    bucket = state.planner.add_bucket(plan, "FLG 26 aug 2024")

    task = await planner.create_task(plan.id, draft(bucket_id=bucket.id, unassigned_label=True))

    (sent,) = bodies(state, "POST", "/planner/tasks")
    assert sent["assignments"] == {
        user: {"@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"} for user in (ANNA, BO)
    }
    assert sent["details"] == {"description": "Punkt #12 i minutesbot.", "previewType": "description"}
    assert sent["appliedCategories"] == {"category1": True}
    assert sent["dueDateTime"] == "2024-09-30T10:00:00+00:00"  # noon in Stockholm (summer time)
    stored = state.planner.tasks[task.task_id]
    assert stored.description == "Punkt #12 i minutesbot." and stored.bucket_id == bucket.id
    assert (task.plan_id, task.bucket_id, task.title) == (plan.id, bucket.id, "#12 Ekonomi: Ta fram underlag")
    assert task.etag == stored.etag and task.etag.startswith('W/"')
    assert (task.due, task.assignees, task.categories) == (
        date(2024, 9, 30),
        frozenset({ANNA, BO}),
        frozenset({"category1"}),
    )
    assert planner.requests_made(plan.id) == 1 == len(state.planner.requests)
    assert state.planner.creates == 1


async def test_when_planner_ignores_inline_details_they_are_written_with_the_details_etag(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    state.planner.inline_details = False

    task = await planner.create_task(plan.id, draft(due=None, assignees=frozenset()))

    stored = state.planner.tasks[task.task_id]
    assert stored.description == "Punkt #12 i minutesbot."
    assert [(r.method, r.path.removeprefix(f"/planner/tasks/{task.task_id}")) for r in state.requests] == [
        ("POST", "/planner/tasks"),
        ("GET", "/details"),
        ("PATCH", "/details"),
    ]
    patch = state.requests[2]
    assert patch.headers["if-match"] != stored.details_etag  # the ETag read, since bumped by the write
    assert task.due is None and task.assignees == frozenset()
    assert planner.requests_made(plan.id) == 3  # the create, and the details' read and write


async def test_a_failed_details_write_still_returns_the_created_task(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    state.planner.inline_details = False
    state.fail("/details", 403, method="PATCH")

    task = await planner.create_task(plan.id, draft())

    assert [t.id for t in state.planner.live_tasks(plan.id)] == [task.task_id]
    assert state.planner.tasks[task.task_id].description is None


async def test_fields_changed_in_planner_come_back_in_the_record(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    task = await planner.create_task(plan.id, draft())
    state.planner.complete(task.task_id, by_user_id=BO)
    state.planner.set_due(task.task_id, date(2024, 10, 15))
    state.planner.assign(task.task_id, CARL)
    state.planner.unassign(task.task_id, ANNA)

    now = await planner.get_task(plan.id, task.task_id)

    assert now is not None
    assert (now.percent_complete, now.completed_by, now.fields.done) == (100, BO, True)
    assert now.due == date(2024, 10, 15)
    assert now.assignees == frozenset({BO, CARL})
    assert now.etag != task.etag


async def test_a_missing_task_is_none(planner: GraphPlanner, plan: FakePlan, state: GraphState) -> None:
    task = await planner.create_task(plan.id, draft())
    state.planner.delete(task.task_id)

    assert await planner.get_task(plan.id, task.task_id) is None
    assert await planner.get_task(plan.id, "no-such-task") is None


async def test_the_plans_tasks_are_read_over_every_page(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    for number in range(1, 6):
        state.planner.add_task(plan, f"#{number} Punkt", assignees=(ANNA,))
    state.planner.add_task(state.planner.add_plan(), "#9 en annan plan")

    tasks = await planner.tasks(plan.id)

    assert sorted(t.title for t in tasks) == [f"#{n} Punkt" for n in range(1, 6)]
    assert all(t.assignees == frozenset({ANNA}) and t.plan_id == plan.id for t in tasks)
    assert len(state.requests_to(f"/planner/plans/{plan.id}/tasks")) == 3  # pages of 2
    assert planner.requests_made(plan.id) == 3


# --- update and delete -----------------------------------------------------------------------------------


async def test_an_update_sends_if_match_and_returns_the_new_etag(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    task = await planner.create_task(plan.id, draft())
    change = TaskChange(
        clear_due=True,
        done=True,
        add_assignees=frozenset({CARL}),
        remove_assignees=frozenset({ANNA}),
        title="#12 Ekonomi: Nytt underlag",
    )

    after = await planner.update_task(plan.id, task.task_id, task.etag, change)

    patch = state.requests[-1]
    assert (patch.method, patch.headers["if-match"], patch.headers["prefer"]) == (
        "PATCH",
        task.etag,
        "return=representation",
    )
    assert json.loads(patch.body) == {
        "title": "#12 Ekonomi: Nytt underlag",
        "percentComplete": 100,
        "dueDateTime": None,
        "assignments": {
            ANNA: None,
            CARL: {"@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"},
        },
    }
    assert after.etag == state.planner.tasks[task.task_id].etag != task.etag
    assert (after.due, after.percent_complete, after.assignees, after.title) == (
        None,
        100,
        frozenset({BO, CARL}),
        "#12 Ekonomi: Nytt underlag",
    )

    reopened = await planner.update_task(
        plan.id, task.task_id, after.etag, TaskChange(done=False, due=date(2024, 12, 1))
    )
    assert (reopened.percent_complete, reopened.due) == (0, date(2024, 12, 1))
    assert json.loads(state.requests[-1].body) == {
        "percentComplete": 0,
        "dueDateTime": due_to_planner(date(2024, 12, 1)).isoformat(),
    }


async def test_the_unassigned_label_is_set_and_cleared_by_an_update(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    task = await planner.create_task(plan.id, draft())
    assert task.categories == frozenset()
    labelled = await planner.update_task(plan.id, task.task_id, task.etag, TaskChange(unassigned_label=True))
    assert json.loads(state.requests[-1].body) == {"appliedCategories": {"category1": True}}
    assert labelled.categories == {"category1"}
    cleared = await planner.update_task(
        plan.id, task.task_id, labelled.etag, TaskChange(unassigned_label=False)
    )
    assert json.loads(state.requests[-1].body) == {"appliedCategories": {"category1": False}}
    assert cleared.categories == frozenset()


async def test_an_update_answered_204_reads_the_task_for_its_etag(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    task = await planner.create_task(plan.id, draft())
    state.planner.honour_prefer = False

    after = await planner.update_task(plan.id, task.task_id, task.etag, TaskChange(done=True))

    assert after.etag == state.planner.tasks[task.task_id].etag and after.percent_complete == 100
    assert [r.method for r in state.requests[-2:]] == ["PATCH", "GET"]


async def test_a_stale_etag_is_a_conflict(planner: GraphPlanner, state: GraphState, plan: FakePlan) -> None:
    task = await planner.create_task(plan.id, draft())
    state.planner.complete(task.task_id, by_user_id=ANNA)  # someone in Planner, after our read

    with pytest.raises(PlannerConflict) as raised:
        await planner.update_task(plan.id, task.task_id, task.etag, TaskChange(due=date(2024, 11, 1)))
    with pytest.raises(PlannerConflict):
        await planner.delete_task(plan.id, task.task_id, task.etag)

    assert "412" in raised.value.message
    assert state.planner.tasks[task.task_id].due == "2024-09-30T10:00:00+00:00"  # unchanged
    assert not state.planner.tasks[task.task_id].deleted


async def test_delete_removes_the_task_and_a_task_already_gone_is_fine(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    task = await planner.create_task(plan.id, draft())

    await planner.delete_task(plan.id, task.task_id, task.etag)
    await planner.delete_task(plan.id, task.task_id, task.etag)

    assert state.planner.tasks[task.task_id].deleted
    delete = next(r for r in state.requests if r.method == "DELETE")
    assert delete.headers["if-match"] == task.etag
    assert await planner.tasks(plan.id) == []


# --- plans and buckets -------------------------------------------------------------------------------------


async def test_a_plan_is_created_in_the_group_and_its_category1_labelled(
    planner: GraphPlanner, state: GraphState
) -> None:
    created = await planner.create_plan(GROUP, "FLG åtgärder")
    await planner.label_unassigned(created.plan_id, "Ägare utanför Planner")

    (sent,) = bodies(state, "POST", "/planner/plans")
    assert sent == {
        "container": {
            "containerId": GROUP,
            "type": "group",
            "url": f"https://graph.microsoft.com/v1.0/groups/{GROUP}",
        },
        "title": "FLG åtgärder",
    }
    assert (created.group_id, created.title) == (GROUP, "FLG åtgärder") and created.etag
    assert state.planner.plans[created.plan_id].category_descriptions["category1"] == "Ägare utanför Planner"
    details_patch = state.requests[-1]
    assert details_patch.method == "PATCH" and details_patch.headers["if-match"].startswith('W/"')
    assert await planner.get_plan(created.plan_id) == created


async def test_buckets_are_listed_and_created(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    state.planner.add_bucket(plan, "FLG 26 aug 2024")

    made = await planner.create_bucket(plan.id, "FLG 23 sep 2024")
    listed = await planner.buckets(plan.id)

    assert bodies(state, "POST", "/planner/buckets") == [
        {"name": "FLG 23 sep 2024", "orderHint": " !", "planId": plan.id}
    ]
    assert sorted(b.name for b in listed) == ["FLG 23 sep 2024", "FLG 26 aug 2024"]
    assert made in listed and made.plan_id == plan.id


# --- retries and throttling ----------------------------------------------------------------------------


async def test_a_bounded_429_storm_is_retried_after_retry_after_and_counted(
    planner: GraphPlanner, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    task = await planner.create_task(plan.id, draft())
    state.fail("/planner/tasks/", 429, times=3, Retry_After="2")

    found = await planner.get_task(plan.id, task.task_id)

    assert found is not None and found.task_id == task.task_id
    assert fake_time.sleeps == [2, 2, 2]
    # 1 create + 4 GETs, every one counted; the SDK's own retry handler sent none of its own.
    assert planner.requests_made(plan.id) == 5 == len(state.requests)


async def test_a_storm_that_does_not_end_is_throttled_after_the_retries(
    planner: GraphPlanner, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    state.fail(f"/planner/plans/{plan.id}/tasks", 429, times=100, Retry_After="1")

    with pytest.raises(PlannerThrottled) as raised:
        await planner.tasks(plan.id)

    assert raised.value.retry_after == 1 and "429" in raised.value.message
    assert planner.requests_made(plan.id) == 4 == len(state.requests)  # 1 + max_retries
    assert fake_time.sleeps == [1, 1, 1]


async def test_a_retry_after_past_the_cap_is_not_waited_for(
    planner: GraphPlanner, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    state.fail(f"/planner/plans/{plan.id}/tasks", 429, Retry_After="120")

    with pytest.raises(PlannerThrottled) as raised:
        await planner.tasks(plan.id)

    assert raised.value.retry_after == 120 and fake_time.sleeps == []
    assert planner.requests_made(plan.id) == 1


async def test_a_503_on_an_update_is_retried_with_backoff(
    planner: GraphPlanner, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    task = await planner.create_task(plan.id, draft())
    state.fail("/planner/tasks/", 503, times=2, method="PATCH")

    after = await planner.update_task(plan.id, task.task_id, task.etag, TaskChange(done=True))

    assert after.percent_complete == 100 and fake_time.sleeps == [1, 2]


async def test_the_adapter_paces_each_plan_below_planners_limit(
    planner: GraphPlanner, graph: GraphServiceClient, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    other = state.planner.add_plan(title="Styrgrupp")
    state.planner.rate_per_plan = 10
    paced = GraphPlanner(graph, requests_per_second=10, sleep=fake_time.sleep, clock=fake_time.clock)

    for _ in range(25):
        await paced.tasks(plan.id)
        await paced.tasks(other.id)

    assert sum(state.planner.throttled.values()) == 0
    for plan_id in (plan.id, other.id):
        times = state.planner.request_times(plan_id)
        assert len(times) == 25 == paced.requests_made(plan_id)
        assert max(sum(1 for t in times if start <= t < start + 1) for start in times) <= 10
    # 25 requests at 10 a second: about 2 s of (fake) waiting per plan, paced together, not one after another.
    assert 1.9 <= fake_time.now - 1000.0 <= 3.0


async def test_without_pacing_planners_429s_are_waited_out(
    planner: GraphPlanner, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    state.planner.rate_per_plan = 10

    for _ in range(25):
        await planner.tasks(plan.id)

    throttled = state.planner.throttled[plan.id]
    assert throttled > 0
    assert planner.requests_made(plan.id) == 25 + throttled == len(state.planner.request_times(plan.id))


async def test_pacing_holds_in_wall_clock_time(
    graph: GraphServiceClient, state: GraphState, plan: FakePlan
) -> None:
    state.planner.clock = time.monotonic  # the fake's timestamps in real time; no limit of its own here
    paced = GraphPlanner(graph, requests_per_second=20)
    started = time.monotonic()

    await asyncio.gather(*(paced.get_plan(plan.id) for _ in range(30)))

    elapsed = time.monotonic() - started
    times = state.planner.request_times(plan.id)
    assert len(times) == 30 == paced.requests_made(plan.id)
    # 20 start at once and the other 10 a second later (unpaced, all 30 would land within a few ms); arrivals
    # may bunch a little on a busy machine, hence the shorter window.
    assert max(sum(1 for t in times if start <= t < start + 0.9) for start in times) <= 20
    assert 1.0 <= elapsed < 20  # loose above: the machine is shared


# --- creates are never sent twice blindly --------------------------------------------------------------


async def test_a_503_after_the_create_is_uncertain_and_not_sent_again(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    state.fail("/planner/tasks", 503, method="POST", after=True)

    with pytest.raises(PlannerUncertain):
        await planner.create_task(plan.id, draft())

    assert len(state.planner.live_tasks(plan.id)) == 1 and state.planner.creates == 1
    assert len(bodies(state, "POST", "/planner/tasks")) == 1


async def test_a_504_on_a_create_is_uncertain_too(
    planner: GraphPlanner, state: GraphState, plan: FakePlan
) -> None:
    state.fail("/planner/tasks", 504, method="POST")

    with pytest.raises(PlannerUncertain) as raised:
        await planner.create_task(plan.id, draft())

    assert raised.value.message.startswith("Planner svarade inte på om uppgiften skapades")
    assert state.planner.creates == 0 and planner.requests_made(plan.id) == 1


async def test_a_429_on_a_create_is_retried_once_planner_said_it_took_nothing(
    planner: GraphPlanner, state: GraphState, plan: FakePlan, fake_time: FakeTime
) -> None:
    state.fail("/planner/tasks", 429, method="POST", Retry_After="1")

    await planner.create_task(plan.id, draft())

    assert len(state.planner.live_tasks(plan.id)) == 1 and planner.requests_made(plan.id) == 2


async def test_a_create_that_never_left_is_a_plain_error(credential: FakeCredential, fake: FakeGraph) -> None:
    closed = make_graph_client(credential, base_url="http://127.0.0.1:9/v1.0", max_retries=0, retry_delay=0)
    try:
        with pytest.raises(PlannerError) as raised:
            await GraphPlanner(closed).create_task("plan", draft())
    finally:
        await close_graph_client(closed)

    assert not isinstance(raised.value, PlannerUncertain)


# --- errors ------------------------------------------------------------------------------------------------


async def test_a_403_names_the_permission(planner: GraphPlanner, state: GraphState, plan: FakePlan) -> None:
    state.fail(f"/planner/plans/{plan.id}", 403)

    with pytest.raises(PlannerError) as raised:
        await planner.get_plan(plan.id)

    assert "Tasks.ReadWrite.All" in raised.value.message and "403" in raised.value.message
