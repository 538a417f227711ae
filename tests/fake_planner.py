"""Microsoft Planner in the fake Graph: plans, buckets, tasks and their details, with ETags, paging, a lagging list
and a per-plan rate limit. Does I/O (served by tests.fake_graph.FakeGraph on loopback).

`PlannerState` is plain data tests change between calls (also as "a person in Planner": complete, reopen,
re-date, assign, rename, delete, each bumping the ETag as the web UI would). `PlannerRoutes` serves it; every
body it sends and every body it receives on POST/PATCH is validated against the vendored Graph schema."""

from __future__ import annotations

import base64
import itertools
import json
import math
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from tests.fake_graph import FakeGraph, Handler

Json = dict[str, Any]
APP_ID = "00000000-0000-0000-0000-00000000beef"  # who the bot's writes are made by (app-only)
ASSIGNMENT_TYPE = "#microsoft.graph.plannerAssignment"
CATEGORY_NAMES = frozenset(f"category{n}" for n in range(1, 26))


def timestamp(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).isoformat(timespec="seconds").replace("+00:00", "Z")


# --- State -----------------------------------------------------------------------------------------------


@dataclass
class FakePlannerTask:
    id: str
    plan_id: str
    bucket_id: str | None
    title: str
    etag: str = ""
    percent_complete: int = 0
    due: str | None = None  # dueDateTime as sent ('2024-09-02T10:00:00Z')
    assignments: dict[str, Json] = field(default_factory=dict)
    categories: dict[str, bool] = field(default_factory=dict)
    completed_by: str | None = None
    completed_at: str | None = None
    created_at: str = field(default_factory=timestamp)
    description: str | None = None
    details_etag: str = ""
    deleted: bool = False
    listed_after: int = 0  # the plan's list call count once the task may show in a listing (list lag)
    created_clock: float = 0.0


@dataclass
class FakePlan:
    id: str
    group_id: str
    title: str
    etag: str = ""
    category_descriptions: dict[str, str | None] = field(default_factory=dict)
    details_etag: str = ""
    list_calls: int = 0


@dataclass
class FakeBucket:
    id: str
    plan_id: str
    name: str
    etag: str = ""
    order_hint: str = "8585269235419217847"


@dataclass(frozen=True)
class PlannerRequest:
    """One request that named a plan: when it arrived (the state's clock), what, and the answer's status."""

    at: float
    plan_id: str
    method: str
    path: str
    status: int


@dataclass
class PlannerState:
    """Planner's data and switches. `rate_per_plan`: at most this many requests per plan in any sliding second,
    429 + Retry-After beyond (every request counts, the throttled ones too). `inline_details=False`: POST
    /planner/tasks ignores `details` (the adapter must write them separately). `list_lag_calls` / `list_lag_seconds`:
    a new task shows in `GET /planner/plans/{id}/tasks` only after that many further list calls / seconds."""

    plans: dict[str, FakePlan] = field(default_factory=dict)
    buckets: dict[str, FakeBucket] = field(default_factory=dict)
    tasks: dict[str, FakePlannerTask] = field(default_factory=dict)
    rate_per_plan: int | None = None
    page_size: int = 100
    inline_details: bool = True
    honour_prefer: bool = True  # False: PATCH answers 204 even with Prefer: return=representation
    list_lag_calls: int = 0
    list_lag_seconds: float = 0.0
    clock: Callable[[], float] = time.monotonic
    requests: list[PlannerRequest] = field(default_factory=list)
    throttled: Counter[str] = field(default_factory=Counter)  # 429s sent, per plan
    creates: int = 0  # tasks created through POST /planner/tasks (answered or not)
    _versions: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _listings: dict[str, list[str]] = field(default_factory=dict)  # skiptoken key → the task ids listed

    # -- counters --

    def requests_per_plan(self) -> Counter[str]:
        return Counter(request.plan_id for request in self.requests)

    def request_times(self, plan_id: str) -> list[float]:
        return [request.at for request in self.requests if request.plan_id == plan_id]

    def live_tasks(self, plan_id: str) -> list[FakePlannerTask]:
        return [t for t in self.tasks.values() if t.plan_id == plan_id and not t.deleted]

    def etag(self) -> str:
        token = base64.b64encode(f"'1-Task {next(self._versions):08d}'".encode()).decode()
        return f'W/"{token}"'

    # -- set-up --

    def add_plan(self, group_id: str | None = None, title: str = "FLG") -> FakePlan:
        plan = FakePlan(new_id(), group_id or str(uuid.uuid4()), title, self.etag(), details_etag=self.etag())
        self.plans[plan.id] = plan
        return plan

    def add_bucket(self, plan: FakePlan, name: str) -> FakeBucket:
        bucket = FakeBucket(new_id(), plan.id, name, self.etag())
        self.buckets[bucket.id] = bucket
        return bucket

    def add_task(
        self,
        plan: FakePlan,
        title: str,
        *,
        bucket: FakeBucket | None = None,
        assignees: tuple[str, ...] = (),
        due: str | None = None,
        description: str | None = None,
    ) -> FakePlannerTask:
        """A task made in Planner by a person (not through POST: not counted as a create)."""
        task = FakePlannerTask(new_id(), plan.id, bucket.id if bucket else None, title, due=due)
        for user_id in assignees:
            task.assignments[user_id] = assignment_json("ffffffff-0000-0000-0000-000000000001")
        task.description = description
        self._created(task)
        return task

    def _created(self, task: FakePlannerTask) -> None:
        plan = self.plans[task.plan_id]
        task.etag, task.details_etag = self.etag(), self.etag()
        task.listed_after = plan.list_calls + self.list_lag_calls
        task.created_clock = self.clock()
        self.tasks[task.id] = task

    # -- a person in Planner (the web UI or the phone app) --

    def complete(self, task_id: str, by_user_id: str) -> None:
        task = self.tasks[task_id]
        task.percent_complete, task.completed_by, task.completed_at = 100, by_user_id, timestamp()
        task.etag = self.etag()

    def reopen(self, task_id: str) -> None:
        task = self.tasks[task_id]
        task.percent_complete, task.completed_by, task.completed_at = 0, None, None
        task.etag = self.etag()

    def set_due(self, task_id: str, due: date | None) -> None:
        """Re-date the task as a person would (10:00 UTC: the same day in Stockholm, summer or winter)."""
        task = self.tasks[task_id]
        task.due = f"{due.isoformat()}T10:00:00Z" if due else None
        task.etag = self.etag()

    def assign(
        self, task_id: str, user_id: str, *, by_user_id: str = "ffffffff-0000-0000-0000-000000000001"
    ) -> None:
        task = self.tasks[task_id]
        task.assignments[user_id] = assignment_json(by_user_id)
        task.etag = self.etag()

    def unassign(self, task_id: str, user_id: str) -> None:
        task = self.tasks[task_id]
        task.assignments.pop(user_id, None)
        task.etag = self.etag()

    def rename(self, task_id: str, title: str) -> None:
        task = self.tasks[task_id]
        task.title = title
        task.etag = self.etag()

    def delete(self, task_id: str) -> None:
        self.tasks[task_id].deleted = True

    # -- the rate limit --

    def admit(self, plan_id: str) -> float | None:
        """Count one request to the plan; the Retry-After (seconds) when it is over the limit, else None."""
        if self.rate_per_plan is None:
            return None
        now = self.clock()
        window = self._windows.setdefault(plan_id, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        over = len(window) >= self.rate_per_plan
        window.append(now)
        if not over:
            return None
        return max(1.0, math.ceil(window[0] + 1.0 - now))


def new_id() -> str:
    """A Planner-like id: 28 URL-safe characters."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes[:5]).decode()[:28]


def assignment_json(by_user_id: str) -> Json:
    return {
        "@odata.type": ASSIGNMENT_TYPE,
        "assignedDateTime": timestamp(),
        "orderHint": "8585269235419217847",
        "assignedBy": {"user": {"id": by_user_id}},
    }


def planner_schema_refinements(schemas: Json) -> None:
    """plannerAssignments and plannerAppliedCategories are open types in the schema, so any key passes. Graph
    takes only a user id → a plannerAssignment (or null, to remove it) and category1…category25 → a boolean;
    hold the fake's bodies and the SDK's requests to that (the project's reading of the docs)."""
    assignment = {
        "type": "object",
        "required": ["@odata.type", "orderHint"],
        "properties": {
            "@odata.type": {"const": ASSIGNMENT_TYPE},
            "orderHint": {"type": "string"},
            "assignedDateTime": {"type": ["string", "null"], "format": "date-time"},
            "assignedBy": {
                "anyOf": [{"$ref": "#/components/schemas/microsoft.graph.identitySet"}, {"type": "null"}]
            },
        },
        "additionalProperties": False,
    }
    schemas["microsoft.graph.plannerAssignments"] = {
        "title": "plannerAssignments",
        "type": "object",
        "patternProperties": {
            "^@odata\\.type$": {"const": "#microsoft.graph.plannerAssignments"},
            "^[0-9a-fA-F-]{36}$": {"anyOf": [assignment, {"type": "null"}]},
        },
        "additionalProperties": False,
    }
    schemas["microsoft.graph.plannerAppliedCategories"] = {
        "title": "plannerAppliedCategories",
        "type": "object",
        "patternProperties": {
            "^@odata\\.type$": {"const": "#microsoft.graph.plannerAppliedCategories"},
            "^category([1-9]|1[0-9]|2[0-5])$": {"type": "boolean"},
        },
        "additionalProperties": False,
    }


# --- Server ----------------------------------------------------------------------------------------------


class PlannerRoutes:
    """The Planner endpoints of the fake Graph."""

    def __init__(self, graph: FakeGraph) -> None:
        self.graph = graph

    @property
    def state(self) -> PlannerState:
        return self.graph.state.planner

    def routes(self) -> list[tuple[str, str, Handler]]:
        plan = r"/planner/plans/(?P<plan>[^/]+)"
        task = r"/planner/tasks/(?P<task>[^/]+)"
        return [
            ("POST", r"/planner/plans", self._create_plan),
            ("GET", plan, self._get_plan),
            ("GET", plan + "/details", self._get_plan_details),
            ("PATCH", plan + "/details", self._patch_plan_details),
            ("GET", plan + "/buckets", self._list_buckets),
            ("GET", plan + "/tasks", self._list_tasks),
            ("POST", r"/planner/buckets", self._create_bucket),
            ("POST", r"/planner/tasks", self._create_task),
            ("GET", task, self._get_task),
            ("PATCH", task, self._patch_task),
            ("DELETE", task, self._delete_task),
            ("GET", task + "/details", self._get_task_details),
            ("PATCH", task + "/details", self._patch_task_details),
        ]

    def plan_of(self, method: str, path: str, body: bytes) -> str | None:
        """The plan a request counts against (None: not a Planner request, or no plan yet)."""
        parts = path.strip("/").split("/")
        if len(parts) < 2 or parts[0] != "planner":
            return None
        if len(parts) >= 3:
            if parts[1] == "plans":
                return parts[2]
            if parts[1] == "tasks":
                found = self.state.tasks.get(parts[2])
                return found.plan_id if found else None
            if parts[1] == "buckets":
                bucket = self.state.buckets.get(parts[2])
                return bucket.plan_id if bucket else None
        if method == "POST" and parts[1] in ("tasks", "buckets"):
            try:
                plan_id = json.loads(body).get("planId")
            except (ValueError, AttributeError):
                return None
            return plan_id if isinstance(plan_id, str) else None
        return None

    def throttle(self, plan_id: str) -> web.Response | None:
        retry_after = self.state.admit(plan_id)
        if retry_after is None:
            return None
        self.state.throttled[plan_id] += 1
        return self.graph._error(
            429, "TooManyRequests", "Too many requests", {"Retry-After": str(int(retry_after))}
        )

    def record(self, plan_id: str, method: str, path: str, status: int, at: float) -> None:
        self.state.requests.append(PlannerRequest(at, plan_id, method, path, status))

    # -- helpers --

    def _received(self, kind: str, body: bytes) -> tuple[Json | None, web.Response | None]:
        """The request body parsed and validated strictly; a 400 (and a recorded problem) when it is wrong."""
        try:
            parsed = json.loads(body)
        except ValueError:
            self.graph.problems.append(f"request {kind}: not JSON")
            return None, self.graph._error(400, "BadRequest", "The request body is not JSON")
        if problems := self.graph.schemas.errors(kind, parsed):
            self.graph.problems.extend(f"request {problem}" for problem in problems)
            return None, self.graph._error(400, "BadRequest", "Invalid request body")
        return parsed, None

    def _precondition(self, request: web.Request, etag: str) -> web.Response | None:
        given = request.headers.get("If-Match")
        if given is None:
            return self.graph._error(
                400, "BadRequest", "The If-Match header must be specified for this kind of request."
            )
        if given != etag:
            return self.graph._error(
                412, "PreconditionFailed", "The request is invalid: precondition failed."
            )
        return None

    def _answer(self, request: web.Request, kind: str, body: Json) -> web.Response:
        prefer = request.headers.get("Prefer", "")
        if "return=representation" in prefer and self.state.honour_prefer:
            return self.graph._json(kind, body)
        return web.Response(status=204)

    def _not_found(self) -> web.Response:
        return self.graph._error(404, "NotFound", "The requested item is not found.")

    def _live_task(self, task_id: str) -> FakePlannerTask | None:
        found = self.state.tasks.get(task_id)
        return None if found is None or found.deleted else found

    # -- JSON --

    def plan_json(self, plan: FakePlan) -> Json:
        return {
            "@odata.etag": plan.etag,
            "id": plan.id,
            "title": plan.title,
            "owner": plan.group_id,
            "createdDateTime": "2024-08-01T08:00:00Z",
            "createdBy": {"application": {"id": APP_ID}},
            "container": {
                "containerId": plan.group_id,
                "type": "group",
                "url": f"https://graph.microsoft.com/v1.0/groups/{plan.group_id}",
            },
        }

    def plan_details_json(self, plan: FakePlan) -> Json:
        return {
            "@odata.etag": plan.details_etag,
            "id": plan.id,
            "sharedWith": {},
            "categoryDescriptions": {
                name: plan.category_descriptions.get(name) for name in ("category1", "category2")
            },
        }

    def bucket_json(self, bucket: FakeBucket) -> Json:
        return {
            "@odata.etag": bucket.etag,
            "id": bucket.id,
            "name": bucket.name,
            "planId": bucket.plan_id,
            "orderHint": bucket.order_hint,
        }

    def task_json(self, task: FakePlannerTask) -> Json:
        return {
            "@odata.etag": task.etag,
            "id": task.id,
            "planId": task.plan_id,
            "bucketId": task.bucket_id,
            "title": task.title,
            "orderHint": "8585269235419217847",
            "assigneePriority": "",
            "percentComplete": task.percent_complete,
            "priority": 5,
            "startDateTime": None,
            "createdDateTime": task.created_at,
            "dueDateTime": task.due,
            "hasDescription": bool(task.description),
            "previewType": "automatic",
            "completedDateTime": task.completed_at,
            "completedBy": {"user": {"id": task.completed_by}} if task.completed_by else None,
            "referenceCount": 0,
            "checklistItemCount": 0,
            "activeChecklistItemCount": 0,
            "conversationThreadId": None,
            "createdBy": {"application": {"id": APP_ID}},
            "appliedCategories": dict(task.categories),
            "assignments": {user: dict(value) for user, value in task.assignments.items()},
        }

    def task_details_json(self, task: FakePlannerTask) -> Json:
        return {
            "@odata.etag": task.details_etag,
            "id": task.id,
            "description": task.description,
            "previewType": "description" if task.description else "automatic",
            "references": {},
            "checklist": {},
        }

    # -- plans --

    async def _create_plan(self, request: web.Request, *, body: bytes) -> web.Response:
        sent, refused = self._received("plannerPlan", body)
        if refused is not None or sent is None:
            return refused or self._not_found()
        container = sent.get("container") or {}
        if not sent.get("title") or container.get("type") != "group" or not container.get("containerId"):
            return self.graph._error(400, "BadRequest", "A plan needs a title and a group container.")
        plan = self.state.add_plan(str(container["containerId"]), str(sent["title"]))
        return self.graph._json("plannerPlan", self.plan_json(plan), 201)

    async def _get_plan(self, request: web.Request, *, plan: str, body: bytes) -> web.Response:
        found = self.state.plans.get(plan)
        return self.graph._json("plannerPlan", self.plan_json(found)) if found else self._not_found()

    async def _get_plan_details(self, request: web.Request, *, plan: str, body: bytes) -> web.Response:
        found = self.state.plans.get(plan)
        if found is None:
            return self._not_found()
        return self.graph._json("plannerPlanDetails", self.plan_details_json(found))

    async def _patch_plan_details(self, request: web.Request, *, plan: str, body: bytes) -> web.Response:
        found = self.state.plans.get(plan)
        if found is None:
            return self._not_found()
        if (failed := self._precondition(request, found.details_etag)) is not None:
            return failed
        sent, refused = self._received("plannerPlanDetails", body)
        if refused is not None or sent is None:
            return refused or self._not_found()
        for name, value in (sent.get("categoryDescriptions") or {}).items():
            if name in CATEGORY_NAMES:
                found.category_descriptions[name] = value
        found.details_etag = self.state.etag()
        return self._answer(request, "plannerPlanDetails", self.plan_details_json(found))

    # -- buckets --

    async def _list_buckets(self, request: web.Request, *, plan: str, body: bytes) -> web.Response:
        if plan not in self.state.plans:
            return self._not_found()
        value = [self.bucket_json(b) for b in self.state.buckets.values() if b.plan_id == plan]
        return self.graph._json("collection:plannerBucket", {"value": value})

    async def _create_bucket(self, request: web.Request, *, body: bytes) -> web.Response:
        sent, refused = self._received("plannerBucket", body)
        if refused is not None or sent is None:
            return refused or self._not_found()
        plan = self.state.plans.get(str(sent.get("planId")))
        if plan is None or not sent.get("name"):
            return self.graph._error(400, "BadRequest", "A bucket needs a name and an existing planId.")
        bucket = self.state.add_bucket(plan, str(sent["name"]))
        if isinstance(sent.get("orderHint"), str):
            bucket.order_hint = "8585269235419217846"  # Planner computes its own from the hint
        return self.graph._json("plannerBucket", self.bucket_json(bucket), 201)

    # -- tasks --

    async def _list_tasks(self, request: web.Request, *, plan: str, body: bytes) -> web.Response:
        found = self.state.plans.get(plan)
        if found is None:
            return self._not_found()
        skip = request.query.get("$skiptoken")
        if skip is None:
            found.list_calls += 1
            now = self.state.clock()
            snapshot = [
                task.id
                for task in self.state.live_tasks(plan)
                if found.list_calls > task.listed_after
                and now - task.created_clock >= self.state.list_lag_seconds
            ]
            key, offset = f"{plan}-{found.list_calls}", 0
            self.state._listings[key] = snapshot
        else:
            key, _, offset_text = skip.rpartition("~")
            if key not in self.state._listings:
                return self.graph._error(400, "BadRequest", "The skip token is not valid.")
            offset = int(offset_text)
        ids = self.state._listings[key]
        end = offset + self.state.page_size
        value = [
            self.task_json(self.state.tasks[i]) for i in ids[offset:end] if not self.state.tasks[i].deleted
        ]
        answer: Json = {
            "@odata.context": f"{self.graph.base_url}/$metadata#planner/plans('{plan}')/tasks",
            "value": value,
        }
        if end < len(ids):
            answer["@odata.nextLink"] = (
                f"{self.graph.base_url}/planner/plans/{plan}/tasks?$skiptoken={key}~{end}"
            )
        return self.graph._json("collection:plannerTask", answer)

    async def _create_task(self, request: web.Request, *, body: bytes) -> web.Response:
        sent, refused = self._received("plannerTask", body)
        if refused is not None or sent is None:
            return refused or self._not_found()
        plan = self.state.plans.get(str(sent.get("planId")))
        if plan is None or not sent.get("title"):
            return self.graph._error(400, "BadRequest", "A task needs a title and an existing planId.")
        bucket_id = sent.get("bucketId")
        if bucket_id is not None and (
            bucket_id not in self.state.buckets or self.state.buckets[bucket_id].plan_id != plan.id
        ):
            return self.graph._error(400, "BadRequest", "The bucket is not in the plan.")
        if len(str(sent["title"])) > 255:
            return self.graph._error(400, "BadRequest", "The title is longer than 255 characters.")
        task = FakePlannerTask(new_id(), plan.id, bucket_id, str(sent["title"]), due=sent.get("dueDateTime"))
        task.percent_complete = int(sent.get("percentComplete") or 0)
        for user_id, value in (sent.get("assignments") or {}).items():
            if value is not None and not user_id.startswith("@"):
                task.assignments[user_id] = {**assignment_json(APP_ID), "orderHint": value["orderHint"]}
        task.categories = {
            name: True for name, value in (sent.get("appliedCategories") or {}).items() if value is True
        }
        details = sent.get("details")
        if self.state.inline_details and isinstance(details, dict):
            task.description = details.get("description")
        self.state._created(task)
        self.state.creates += 1
        return self.graph._json("plannerTask", self.task_json(task), 201)

    async def _get_task(self, request: web.Request, *, task: str, body: bytes) -> web.Response:
        found = self._live_task(task)
        return self.graph._json("plannerTask", self.task_json(found)) if found else self._not_found()

    async def _patch_task(self, request: web.Request, *, task: str, body: bytes) -> web.Response:
        found = self._live_task(task)
        if found is None:
            return self._not_found()
        if (failed := self._precondition(request, found.etag)) is not None:
            return failed
        sent, refused = self._received("plannerTask", body)
        if refused is not None or sent is None:
            return refused or self._not_found()
        if "title" in sent:
            found.title = str(sent["title"])
        if "dueDateTime" in sent:
            found.due = sent["dueDateTime"]
        if "percentComplete" in sent:
            found.percent_complete = int(sent["percentComplete"])
            done = found.percent_complete >= 100
            found.completed_at = timestamp() if done else None
            found.completed_by = None  # the bot completes as the app: completedBy names no user
        for user_id, value in (sent.get("assignments") or {}).items():
            if user_id.startswith("@"):
                continue
            if value is None:
                found.assignments.pop(user_id, None)
            else:
                found.assignments[user_id] = {**assignment_json(APP_ID), "orderHint": value["orderHint"]}
        for name, value in (sent.get("appliedCategories") or {}).items():
            if name in CATEGORY_NAMES:
                if value:
                    found.categories[name] = True
                else:
                    found.categories.pop(name, None)
        found.etag = self.state.etag()
        return self._answer(request, "plannerTask", self.task_json(found))

    async def _delete_task(self, request: web.Request, *, task: str, body: bytes) -> web.Response:
        found = self._live_task(task)
        if found is None:
            return self._not_found()
        if (failed := self._precondition(request, found.etag)) is not None:
            return failed
        found.deleted = True
        return web.Response(status=204)

    async def _get_task_details(self, request: web.Request, *, task: str, body: bytes) -> web.Response:
        found = self._live_task(task)
        return (
            self.graph._json("plannerTaskDetails", self.task_details_json(found))
            if found
            else self._not_found()
        )

    async def _patch_task_details(self, request: web.Request, *, task: str, body: bytes) -> web.Response:
        found = self._live_task(task)
        if found is None:
            return self._not_found()
        if (failed := self._precondition(request, found.details_etag)) is not None:
            return failed
        sent, refused = self._received("plannerTaskDetails", body)
        if refused is not None or sent is None:
            return refused or self._not_found()
        if "description" in sent:
            found.description = sent["description"]
            found.etag = self.state.etag()  # hasDescription changes with it
        found.details_etag = self.state.etag()
        return self._answer(request, "plannerTaskDetails", self.task_details_json(found))
