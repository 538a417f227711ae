"""The fake Planner's own rules: its schema checks catch what Graph would refuse or never send, its ETags, list lag,
rate limit and injected failures behave as the adapter's tests assume."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.fake_graph import FakeGraph, GraphSchemas, GraphState
from tests.fake_planner import FakePlan, PlannerRoutes

ANNA = "a1111111-1111-4111-8111-111111111111"
ASSIGNMENT = {"@odata.type": "#microsoft.graph.plannerAssignment", "orderHint": " !"}


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(state: GraphState) -> Clock:
    ticking = Clock()
    state.planner.clock = ticking
    return ticking


@pytest.fixture
def plan(state: GraphState) -> FakePlan:
    return state.planner.add_plan(title="FLG")


@pytest.fixture
async def http(fake: FakeGraph) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=fake.base_url) as client:
        yield client


def new_task(plan: FakePlan, **fields: Any) -> dict[str, Any]:
    return {"planId": plan.id, "title": "#1 Ekonomi: underlag", **fields}


# --- schema ---------------------------------------------------------------------------------------------


def test_the_fakes_own_planner_bodies_pass(schemas: GraphSchemas, fake: FakeGraph, state: GraphState) -> None:
    plan = state.planner.add_plan()
    task = state.planner.add_task(plan, "#1 Punkt", assignees=(ANNA,), due="2024-09-30T10:00:00Z")
    state.planner.complete(task.id, by_user_id=ANNA)
    task.categories["category1"] = True
    routes = PlannerRoutes(fake)

    assert schemas.errors("plannerTask", routes.task_json(task)) == []
    assert schemas.errors("collection:plannerTask", {"value": [routes.task_json(task)]}) == []
    assert schemas.errors("plannerTaskDetails", routes.task_details_json(task)) == []
    assert schemas.errors("plannerPlan", routes.plan_json(plan)) == []
    assert schemas.errors("plannerPlanDetails", routes.plan_details_json(plan)) == []
    bucket = state.planner.add_bucket(plan, "FLG 26 aug 2024")
    assert schemas.errors("collection:plannerBucket", {"value": [routes.bucket_json(bucket)]}) == []


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("plannerTask", {"title": "x", "assignment": {}}, "'assignment' does not match any of the regexes"),
        ("plannerTask", {"assignments": {ANNA: {**ASSIGNMENT, "orderhint": " !"}}}, "/assignments"),
        ("plannerTask", {"assignments": {ANNA: {"orderHint": " !"}}}, "/assignments"),
        ("plannerTask", {"assignments": {"anna@kommun.se": ASSIGNMENT}}, "/assignments"),
        ("plannerTask", {"appliedCategories": {"Category1": True}}, "/appliedCategories"),
        ("plannerTask", {"appliedCategories": {"category1": "yes"}}, "/appliedCategories"),
        ("plannerTask", {"dueDateTime": "tomorrow"}, "is not a 'date-time'"),
        ("plannerTask", {"percentComplete": "100"}, "is not of type"),
        ("plannerTask", {"details": {"Description": "x"}}, "/details"),
        ("plannerTaskDetails", {"previewType": "text"}, "/previewType"),
        ("plannerPlan", {"container": {"groupId": "g"}}, "/container"),
        ("plannerPlanDetails", {"categoryDescriptions": {"categoryOne": "x"}}, "/categoryDescriptions"),
    ],
)
def test_the_validator_rejects_what_planner_would_not_take(
    schemas: GraphSchemas, kind: str, body: dict[str, Any], expected: str
) -> None:
    assert expected in "\n".join(schemas.errors(kind, body))


def test_removing_an_assignee_with_null_is_valid(schemas: GraphSchemas) -> None:
    assert schemas.errors("plannerTask", {"assignments": {ANNA: None}}) == []


async def test_a_wrong_property_name_in_a_request_is_refused_and_recorded(
    http: httpx.AsyncClient, fake: FakeGraph, state: GraphState, plan: FakePlan
) -> None:
    response = await http.post("/planner/tasks", json=new_task(plan, bucketID="b"))

    assert response.status_code == 400 and state.planner.creates == 0
    assert any("'bucketID'" in problem for problem in fake.problems)
    fake.problems.clear()  # expected here; the fixture fails any test that leaves problems behind


# --- tasks, ETags and details ----------------------------------------------------------------------------


async def test_patch_and_delete_need_the_current_etag(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan
) -> None:
    task = state.planner.add_task(plan, "#1 Punkt")
    url = f"/planner/tasks/{task.id}"
    first = task.etag

    missing = await http.patch(url, json={"percentComplete": 100})
    done = await http.patch(url, json={"percentComplete": 100}, headers={"If-Match": first})
    stale = await http.patch(url, json={"percentComplete": 0}, headers={"If-Match": first})
    stale_delete = await http.delete(url, headers={"If-Match": first})

    assert missing.status_code == 400
    assert done.status_code == 204 and task.percent_complete == 100 and task.etag != first
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "PreconditionFailed"
    assert stale_delete.status_code == 412 and not task.deleted
    gone = await http.delete(url, headers={"If-Match": task.etag})
    assert gone.status_code == 204 and task.deleted
    assert (await http.get(url)).status_code == 404


async def test_a_person_in_planner_changes_the_etag_each_time(state: GraphState, plan: FakePlan) -> None:
    task = state.planner.add_task(plan, "#1 Punkt")
    seen = {task.etag}

    for act in (
        lambda: state.planner.complete(task.id, ANNA),
        lambda: state.planner.reopen(task.id),
        lambda: state.planner.set_due(task.id, None),
        lambda: state.planner.assign(task.id, ANNA),
        lambda: state.planner.unassign(task.id, ANNA),
        lambda: state.planner.rename(task.id, "#1 Nytt namn"),
    ):
        act()
        assert task.etag not in seen
        seen.add(task.etag)


async def test_inline_details_are_taken_or_ignored_by_the_switch(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan
) -> None:
    details = {"details": {"description": "Punkt #1", "previewType": "description"}}

    taken = (await http.post("/planner/tasks", json=new_task(plan, **details))).json()
    state.planner.inline_details = False
    ignored = (await http.post("/planner/tasks", json=new_task(plan, **details))).json()

    assert (taken["hasDescription"], ignored["hasDescription"]) == (True, False)
    assert state.planner.tasks[ignored["id"]].description is None and state.planner.creates == 2


# --- listing -----------------------------------------------------------------------------------------------


async def test_the_listing_pages_and_can_lag_behind_a_create(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan
) -> None:
    state.planner.page_size = 2
    for number in range(3):
        state.planner.add_task(plan, f"#{number} Punkt")
    state.planner.list_lag_calls = 1
    late = state.planner.add_task(plan, "#9 Ny")

    async def listed() -> list[str]:
        ids: list[str] = []
        url: str | None = f"/planner/plans/{plan.id}/tasks"
        while url:
            page = (await http.get(url)).json()
            ids += [task["id"] for task in page["value"]]
            url = page.get("@odata.nextLink")
        return ids

    first = await listed()
    second = await listed()

    assert late.id not in first and len(first) == 3
    assert late.id in second and len(second) == 4


async def test_the_listing_can_lag_by_seconds(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan, clock: Clock
) -> None:
    state.planner.list_lag_seconds = 5
    task = state.planner.add_task(plan, "#1 Ny")

    early = (await http.get(f"/planner/plans/{plan.id}/tasks")).json()["value"]
    clock.now += 5
    later = (await http.get(f"/planner/plans/{plan.id}/tasks")).json()["value"]

    assert early == [] and [t["id"] for t in later] == [task.id]


# --- rate limit and failures -------------------------------------------------------------------------------


async def test_each_plan_gets_its_own_rate_limit_and_every_request_counts(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan, clock: Clock
) -> None:
    other = state.planner.add_plan()
    state.planner.rate_per_plan = 3

    statuses = [(await http.get(f"/planner/plans/{plan.id}")).status_code for _ in range(5)]
    other_status = (await http.get(f"/planner/plans/{other.id}")).status_code
    throttled = await http.get(f"/planner/plans/{plan.id}/tasks")
    clock.now += 0.5
    throttled_again = await http.get(f"/planner/plans/{plan.id}")  # the 429s count in the window too
    clock.now += 1.0
    after = await http.get(f"/planner/plans/{plan.id}")

    assert statuses == [200, 200, 200, 429, 429] and other_status == 200
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled_again.status_code == 429 and after.status_code == 200
    assert state.planner.throttled == {plan.id: 4}
    assert state.planner.requests_per_plan() == {plan.id: 8, other.id: 1}


async def test_a_failure_after_the_create_leaves_the_task_made(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan
) -> None:
    state.fail("/planner/tasks", 503, method="POST", after=True)

    response = await http.post("/planner/tasks", json=new_task(plan))

    assert response.status_code == 503
    assert len(state.planner.live_tasks(plan.id)) == 1 and state.planner.creates == 1


async def test_each_batch_sub_request_counts_against_its_plan(
    http: httpx.AsyncClient, state: GraphState, plan: FakePlan, clock: Clock
) -> None:
    other = state.planner.add_plan()
    task = state.planner.add_task(plan, "#1 Punkt")
    state.planner.rate_per_plan = 2
    batch = {
        "requests": [
            {"id": "1", "method": "GET", "url": f"/planner/plans/{plan.id}"},
            {
                "id": "2",
                "method": "PATCH",
                "url": f"/planner/tasks/{task.id}",
                "headers": {"If-Match": task.etag, "Content-Type": "application/json"},
                "body": {"percentComplete": 100},
            },
            {"id": "3", "method": "GET", "url": f"/planner/plans/{plan.id}/tasks"},
            {"id": "4", "method": "GET", "url": f"/planner/plans/{other.id}"},
        ]
    }

    answer = await http.post("/$batch", json=batch)

    statuses = {r["id"]: r["status"] for r in answer.json()["responses"]}
    assert statuses == {"1": 200, "2": 204, "3": 429, "4": 200}
    assert task.percent_complete == 100
    assert state.planner.requests_per_plan() == {plan.id: 3, other.id: 1}
    assert state.planner.throttled == {plan.id: 1}
    throttled = next(r for r in answer.json()["responses"] if r["id"] == "3")
    assert (
        throttled["headers"]["Retry-After"] == "1" and throttled["body"]["error"]["code"] == "TooManyRequests"
    )
