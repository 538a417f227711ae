"""Microsoft Planner through msgraph-sdk (workflows.ports.PlannerApi): plans, buckets and tasks, paced and retried
per plan by this adapter, not the SDK. Does I/O (Graph)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from azure.core.exceptions import ClientAuthenticationError
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.planner_applied_categories import PlannerAppliedCategories
from msgraph.generated.models.planner_assignments import PlannerAssignments
from msgraph.generated.models.planner_bucket import PlannerBucket as SdkBucket
from msgraph.generated.models.planner_category_descriptions import PlannerCategoryDescriptions
from msgraph.generated.models.planner_container_type import PlannerContainerType
from msgraph.generated.models.planner_plan import PlannerPlan as SdkPlan
from msgraph.generated.models.planner_plan_container import PlannerPlanContainer
from msgraph.generated.models.planner_plan_details import PlannerPlanDetails
from msgraph.generated.models.planner_preview_type import PlannerPreviewType
from msgraph.generated.models.planner_task import PlannerTask as SdkTask
from msgraph.generated.models.planner_task_details import PlannerTaskDetails
from msgraph.generated.planner.plans.item.planner_plan_item_request_builder import (
    PlannerPlanItemRequestBuilder,
)
from msgraph.generated.planner.tasks.item.planner_task_item_request_builder import (
    PlannerTaskItemRequestBuilder,
)
from msgraph.graph_service_client import GraphServiceClient

from graph.client import without_retries
from minutes.planner import (
    UNASSIGNED_CATEGORY,
    PlannerBucket,
    PlannerConflict,
    PlannerError,
    PlannerNotFound,
    PlannerPlan,
    PlannerTask,
    PlannerThrottled,
    PlannerUncertain,
    TaskChange,
    TaskDraft,
    due_from_planner,
    due_to_planner,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

GRAPH_GROUPS_URL = "https://graph.microsoft.com/v1.0/groups/"
ASSIGNMENT_TYPE = "#microsoft.graph.plannerAssignment"
# Planner's orderHint for "place it first"/"anywhere": the service computes the real hint from it.
FIRST_ORDER_HINT = " !"
RETRYABLE = frozenset({429, 503, 504})
# Without Retry-After on a 503/504: 1, 2, 4, 8 … seconds (capped by max_retry_after).
BACKOFF_BASE = 1.0
# Slack on each sliding window, so that one request's slower trip to the service cannot squeeze one more into
# Planner's own second (5 % below the rate at 10 a second).
WINDOW_SLACK = 0.05


class GraphPlanner:
    """PlannerApi over Microsoft Graph v1.0 (application permission Tasks.ReadWrite.All).

    Every request goes out with the SDK's retry handler off and is paced, counted and retried here, per plan:
    no more than `requests_per_second` requests start per plan per second; 429/503/504 are retried up to
    `max_retries` times after Retry-After (a wait longer than `max_retry_after` is not made: PlannerThrottled
    at once). A create is retried only after a 429 (Planner did not take it); any other failure after it went
    out is PlannerUncertain."""

    def __init__(
        self,
        graph: GraphServiceClient,
        *,
        requests_per_second: float = 10.0,
        max_retries: int = 4,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        self._graph = graph
        self._max_retries = max_retries
        self._max_retry_after = max_retry_after
        self._sleep = sleep
        self._clock = clock
        # A sliding window: at most `capacity` starts in any `window` seconds (10 a second, or 1 per 2 s).
        self._capacity = max(1, math.floor(requests_per_second))
        self._window = self._capacity / requests_per_second + WINDOW_SLACK
        self._starts: dict[str, deque[float]] = {}
        self._paused_until: dict[str, float] = {}
        self._sent: Counter[str] = Counter()

    def requests_made(self, plan_id: str) -> int:
        return self._sent[plan_id]

    # --- plans and buckets ---

    async def get_plan(self, plan_id: str) -> PlannerPlan:
        plan = await self._send(plan_id, lambda c: self._plan(plan_id).get(c))
        return plan_record(_present(plan, "planen"))

    async def create_plan(self, group_id: str, title: str) -> PlannerPlan:
        body = SdkPlan(
            title=title,
            container=PlannerPlanContainer(
                container_id=group_id, type=PlannerContainerType.Group, url=GRAPH_GROUPS_URL + group_id
            ),
        )
        # Paced and counted under the group (there is no plan yet); a retried POST could make two plans, so it is
        # retried only after a 429.
        plan = await self._send(
            f"group:{group_id}", lambda c: self._graph.planner.plans.post(body, c), create=True
        )
        return plan_record(_present(plan, "planen"))

    async def label_unassigned(self, plan_id: str, label: str) -> None:
        details_builder = self._plan(plan_id).details
        details = _present(await self._send(plan_id, details_builder.get), "planens detaljer")
        descriptions = PlannerCategoryDescriptions()
        setattr(descriptions, UNASSIGNED_CATEGORY, label)  # the category create_task sets on such tasks
        body = PlannerPlanDetails(category_descriptions=descriptions)
        await self._send(
            plan_id, lambda c: details_builder.patch(body, c), headers={"If-Match": _etag_of(details)}
        )

    async def buckets(self, plan_id: str) -> list[PlannerBucket]:
        builder = self._plan(plan_id).buckets
        page = await self._send(plan_id, builder.get)
        found: list[PlannerBucket] = []
        while page is not None:
            found += [bucket_record(b, plan_id) for b in page.value or [] if b.id]
            next_link = page.odata_next_link
            if not next_link:
                break
            page = await self._send(plan_id, builder.with_url(next_link).get)
        return found

    async def create_bucket(self, plan_id: str, name: str) -> PlannerBucket:
        body = SdkBucket(name=name, plan_id=plan_id, order_hint=FIRST_ORDER_HINT)
        bucket = await self._send(plan_id, lambda c: self._graph.planner.buckets.post(body, c), create=True)
        return bucket_record(_present(bucket, "bucketen"), plan_id)

    # --- tasks ---

    async def tasks(self, plan_id: str) -> list[PlannerTask]:
        builder = self._plan(plan_id).tasks
        page = await self._send(plan_id, builder.get)
        found: list[PlannerTask] = []
        while page is not None:
            found += [task_record(t) for t in page.value or [] if t.id]
            next_link = page.odata_next_link
            if not next_link:
                break
            page = await self._send(plan_id, builder.with_url(next_link).get)
        return found

    async def get_task(self, plan_id: str, task_id: str) -> PlannerTask | None:
        try:
            task = await self._send(plan_id, self._task(task_id).get)
        except PlannerNotFound:
            return None
        return task_record(task) if task is not None else None

    async def create_task(self, plan_id: str, draft: TaskDraft) -> PlannerTask:
        body = SdkTask(
            plan_id=plan_id,
            bucket_id=draft.bucket_id,
            title=draft.title,
            assignments=assignments(add=draft.assignees),
            due_date_time=due_to_planner(draft.due) if draft.due else None,
        )
        if draft.description:
            # The details in the same request: one request per task when Planner takes them inline.
            body.details = PlannerTaskDetails(
                description=draft.description, preview_type=PlannerPreviewType.Description
            )
        if draft.unassigned_label:
            body.applied_categories = PlannerAppliedCategories(additional_data={UNASSIGNED_CATEGORY: True})
        created = _present(
            await self._send(plan_id, lambda c: self._graph.planner.tasks.post(body, c), create=True),
            "uppgiften",
        )
        task = task_record(created)
        if draft.description and not created.has_description:
            # Planner left the inline details out: write them on their own (GET for the ETag, PATCH). The task
            # exists now, so a failure here must not look like a failed create (the sync would make another).
            try:
                await self._write_description(plan_id, task.task_id, draft.description)
            except PlannerError as error:
                log.warning(
                    "Planner task %s in plan %s was created without its description: %s",
                    task.task_id,
                    plan_id,
                    error.message,
                )
        log.debug("created Planner task %s in plan %s: %s", task.task_id, plan_id, draft.title)
        return task

    async def update_task(self, plan_id: str, task_id: str, etag: str, change: TaskChange) -> PlannerTask:
        body = task_patch(change)
        headers = {"If-Match": etag, "Prefer": "return=representation"}
        updated = await self._send(plan_id, lambda c: self._task(task_id).patch(body, c), headers=headers)
        if updated is None or not updated.id:
            # 204 without a body (the Prefer header was not honoured): read the task for its new ETag.
            after = await self.get_task(plan_id, task_id)
            if after is None:
                raise PlannerNotFound(NOT_FOUND)
            return after
        return task_record(updated)

    async def delete_task(self, plan_id: str, task_id: str, etag: str) -> None:
        try:
            await self._send(plan_id, self._task(task_id).delete, headers={"If-Match": etag})
        except PlannerNotFound:
            return  # already gone: what the caller wanted

    async def _write_description(self, plan_id: str, task_id: str, description: str) -> None:
        """The details written on their own: GET for their ETag, then PATCH. The task is not read again for
        the ETag this may change (a request per task, 1,000 on a big first sync): the sync updates a task with
        the ETag of a fresh read (its listing), and a stale one is a 412 it re-reads on."""
        details_builder = self._task(task_id).details
        details = _present(await self._send(plan_id, details_builder.get), "uppgiftens detaljer")
        body = PlannerTaskDetails(description=description, preview_type=PlannerPreviewType.Description)
        await self._send(
            plan_id, lambda c: details_builder.patch(body, c), headers={"If-Match": _etag_of(details)}
        )

    # --- requests: paced, counted and retried per plan ---

    def _plan(self, plan_id: str) -> PlannerPlanItemRequestBuilder:
        return self._graph.planner.plans.by_planner_plan_id(plan_id)

    def _task(self, task_id: str) -> PlannerTaskItemRequestBuilder:
        return self._graph.planner.tasks.by_planner_task_id(task_id)

    async def _send(
        self,
        plan_id: str,
        call: Callable[[RequestConfiguration[Any]], Awaitable[T]],
        *,
        headers: dict[str, str] | None = None,
        create: bool = False,
    ) -> T:
        attempt = 0
        while True:
            await self._pace(plan_id)
            self._sent[plan_id] += 1
            config = without_retries()  # this loop retries, paced and counted, not the SDK's handler
            for name, value in (headers or {}).items():
                config.headers.add(name, value)
            try:
                return await call(config)
            except APIError as error:
                status = error.response_status_code
                if status in RETRYABLE and (status == 429 or not create):
                    wait = self._retry_wait(error, attempt)
                    if attempt >= self._max_retries or wait > self._max_retry_after:
                        raise PlannerThrottled(throttled_message(status), retry_after=wait) from error
                    log.info("Planner answered %s for plan %s; retrying in %.1f s", status, plan_id, wait)
                    self._paused_until[plan_id] = max(
                        self._paused_until.get(plan_id, 0.0), self._clock() + wait
                    )
                    attempt += 1
                    continue
                if create and (status is None or status >= 500):
                    raise PlannerUncertain(UNCERTAIN) from error
                raise error_for_status(status) from error
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                # Nothing went out: a plain failure, also for a create.
                raise PlannerError("Planner går inte att nå just nu; försöker igen senare") from error
            except httpx.HTTPError as error:
                if create:
                    raise PlannerUncertain(UNCERTAIN) from error
                raise PlannerError("Planner svarade inte i tid; försöker igen senare") from error
            except ClientAuthenticationError as error:
                raise PlannerError(
                    "Boten kunde inte logga in mot Microsoft Entra ID för Planner; kontrollera appregistreringen"
                ) from error

    async def _pace(self, plan_id: str) -> None:
        """Reserve the plan's next start (no await in between, so concurrent callers never share one) and wait
        for it."""
        now = self._clock()
        starts = self._starts.setdefault(plan_id, deque(maxlen=self._capacity))
        start = max(now, self._paused_until.get(plan_id, 0.0))
        if len(starts) == self._capacity:
            start = max(start, starts[0] + self._window)
        starts.append(start)
        if start > now:
            await self._sleep(start - now)

    def _retry_wait(self, error: APIError, attempt: int) -> float:
        given = retry_after(error.response_headers)
        if given is not None:
            return given
        return BACKOFF_BASE * 2.0**attempt


# --- records out ---------------------------------------------------------------------------------------


def task_record(task: SdkTask) -> PlannerTask:
    """The SDK's task as the core's record (no SDK type leaves this module)."""
    assigned = task.assignments.additional_data if task.assignments else {}
    categories = task.applied_categories.additional_data if task.applied_categories else {}
    completed_by = task.completed_by.user.id if task.completed_by and task.completed_by.user else None
    return PlannerTask(
        task_id=task.id or "",
        plan_id=task.plan_id or "",
        etag=_etag_of(task),
        title=task.title or "",
        bucket_id=task.bucket_id,
        due=due_from_planner(task.due_date_time),
        percent_complete=task.percent_complete or 0,
        assignees=frozenset(k for k, v in assigned.items() if v is not None and not k.startswith("@")),
        completed_by=completed_by,
        categories=frozenset(k for k, v in categories.items() if v is True),
    )


def plan_record(plan: SdkPlan) -> PlannerPlan:
    group = plan.container.container_id if plan.container and plan.container.container_id else plan.owner
    etag = plan.additional_data.get("@odata.etag")
    return PlannerPlan(plan.id or "", plan.title or "", group, etag if isinstance(etag, str) else None)


def bucket_record(bucket: SdkBucket, plan_id: str) -> PlannerBucket:
    return PlannerBucket(bucket.id or "", bucket.plan_id or plan_id, bucket.name or "")


# --- bodies in ---------------------------------------------------------------------------------------------


def assignments(
    *, add: frozenset[str] = frozenset(), remove: frozenset[str] = frozenset()
) -> PlannerAssignments:
    """Planner's open type: user id → a plannerAssignment to assign, → null to unassign."""
    data: dict[str, Any] = {user: None for user in sorted(remove)}
    data.update(
        {user: {"@odata.type": ASSIGNMENT_TYPE, "orderHint": FIRST_ORDER_HINT} for user in sorted(add)}
    )
    return PlannerAssignments(additional_data=data)


def task_patch(change: TaskChange) -> SdkTask:
    """The PATCH body for `change`: only the fields it sets (dueDateTime null clears the due date)."""
    body = SdkTask()
    if change.title is not None:
        body.title = change.title
    if change.done is not None:
        body.percent_complete = 100 if change.done else 0
    if change.due is not None:
        body.due_date_time = due_to_planner(change.due)
    elif change.clear_due:
        body.additional_data["dueDateTime"] = None
    if change.add_assignees or change.remove_assignees:
        body.assignments = assignments(add=change.add_assignees, remove=change.remove_assignees)
    if change.unassigned_label is not None:
        body.applied_categories = PlannerAppliedCategories(
            additional_data={UNASSIGNED_CATEGORY: change.unassigned_label}
        )
    return body


# --- errors and headers --------------------------------------------------------------------------------

NOT_FOUND = "Hittar inte uppgiften eller planen i Planner (HTTP 404); den kan ha tagits bort"
UNCERTAIN = "Planner svarade inte på om uppgiften skapades; boten letar efter den innan den skapas igen"


def throttled_message(status: int | None) -> str:
    if status == 429:
        return "Planner begränsar antalet anrop just nu (HTTP 429); synkningen fortsätter senare"
    return f"Planner är överbelastat just nu (HTTP {status}); synkningen fortsätter senare"


def error_for_status(status: int | None) -> PlannerError:
    """One Swedish line per HTTP status, as the matching minutes.planner error."""
    if status == 412:
        return PlannerConflict("Uppgiften har ändrats i Planner sedan den lästes (HTTP 412); läser om den")
    if status == 404:
        return PlannerNotFound(NOT_FOUND)
    if status == 403:
        return PlannerError(
            "Boten får inte ändra i Planner (HTTP 403): appen saknar behörigheten Tasks.ReadWrite.All "
            "eller är inte med i gruppen"
        )
    if status == 401:
        return PlannerError("Boten är inte inloggad mot Planner (HTTP 401); kontrollera appregistreringen")
    if status in RETRYABLE:
        return PlannerThrottled(throttled_message(status))
    if status is not None and status >= 500:
        return PlannerError(f"Planner svarar inte just nu (HTTP {status}); försöker igen senare")
    return PlannerError(f"Planner avvisade anropet (HTTP {status})")


def retry_after(headers: Any) -> float | None:
    """Retry-After in seconds (a number or an HTTP date); None without one."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _etag_of(entity: Any) -> str:
    etag = entity.additional_data.get("@odata.etag") if entity is not None else None
    if not isinstance(etag, str) or not etag:
        raise PlannerError("Planner svarade utan ETag; försöker igen senare")
    return etag


def _present(value: T | None, what: str) -> T:
    if value is None:
        raise PlannerError(f"Planner svarade utan {what}; försöker igen senare")
    return value
