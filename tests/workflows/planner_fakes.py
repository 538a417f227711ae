"""A hand-written Planner for the sync's tests (workflows.ports.PlannerApi in memory): ETags, a person who edits
tasks as Planner's web UI would, and the failures that matter (a lost create, a stale ETag, 429)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date

from minutes.planner import (
    PlannerBucket,
    PlannerConflict,
    PlannerError,
    PlannerPlan,
    PlannerTask,
    PlannerThrottled,
    PlannerUncertain,
    TaskChange,
    TaskDraft,
)


@dataclass
class MemoryPlanner:
    plans: dict[str, PlannerPlan] = field(default_factory=dict)
    buckets_by_plan: dict[str, list[PlannerBucket]] = field(default_factory=dict)
    stored: dict[str, PlannerTask] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    # Failures: the next create makes the task but its answer is lost; the next N creates answer 429; the next
    # update's ETag is stale (someone changed the task just before); the list leaves out new tasks.
    lose_next_create_answer: bool = False
    throttle_creates: int = 0
    stale_next_update: bool = False
    hidden_from_list: set[str] = field(default_factory=set)
    hide_new_tasks: bool = False
    fail_listing_of: str | None = None  # a plan whose task list answers with an error
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def add_plan(self, plan_id: str = "plan-flg", group_id: str = "m365-flg") -> PlannerPlan:
        plan = PlannerPlan(plan_id, "FLG", group_id)
        self.plans[plan_id] = plan
        self.buckets_by_plan[plan_id] = []
        return plan

    def _count(self, plan_id: str, call: str) -> None:
        self.requests[plan_id] = self.requests.get(plan_id, 0) + 1
        self.calls.append(call)

    def _etag(self) -> str:
        return f'W/"{next(self._ids)}"'

    # -- PlannerApi ------------------------------------------------------------------------------------------

    def requests_made(self, plan_id: str) -> int:
        return self.requests.get(plan_id, 0)

    async def get_plan(self, plan_id: str) -> PlannerPlan:
        self._count(plan_id, "get_plan")
        return self.plans[plan_id]

    async def create_plan(self, group_id: str, title: str) -> PlannerPlan:
        plan = self.add_plan(f"plan-{len(self.plans) + 1}", group_id)
        plan = replace(plan, title=title)
        self.plans[plan.plan_id] = plan
        self._count(plan.plan_id, "create_plan")
        return plan

    async def label_unassigned(self, plan_id: str, label: str) -> None:
        self._count(plan_id, "label")
        self.labels[plan_id] = label

    async def buckets(self, plan_id: str) -> list[PlannerBucket]:
        self._count(plan_id, "buckets")
        return list(self.buckets_by_plan[plan_id])

    async def create_bucket(self, plan_id: str, name: str) -> PlannerBucket:
        self._count(plan_id, "create_bucket")
        bucket = PlannerBucket(f"bucket-{len(self.buckets_by_plan[plan_id]) + 1}", plan_id, name)
        self.buckets_by_plan[plan_id].append(bucket)
        return bucket

    async def tasks(self, plan_id: str) -> list[PlannerTask]:
        self._count(plan_id, "tasks")
        if plan_id == self.fail_listing_of:
            raise PlannerError("Planner avvisade anropet (HTTP 403)")
        return [
            t for t in self.stored.values() if t.plan_id == plan_id and t.task_id not in self.hidden_from_list
        ]

    async def get_task(self, plan_id: str, task_id: str) -> PlannerTask | None:
        self._count(plan_id, "get_task")
        return self.stored.get(task_id)

    async def create_task(self, plan_id: str, draft: TaskDraft) -> PlannerTask:
        self._count(plan_id, "create_task")
        if self.throttle_creates:
            self.throttle_creates -= 1
            raise PlannerThrottled("Planner ber oss vänta", retry_after=2)
        task = PlannerTask(
            task_id=f"task-{next(self._ids)}",
            plan_id=plan_id,
            etag=self._etag(),
            title=draft.title,
            bucket_id=draft.bucket_id,
            due=draft.due,
            percent_complete=0,
            assignees=draft.assignees,
            categories=frozenset({"category1"}) if draft.unassigned_label else frozenset(),
        )
        self.stored[task.task_id] = task
        self.descriptions[task.task_id] = draft.description
        if self.hide_new_tasks:
            self.hidden_from_list.add(task.task_id)
        if self.lose_next_create_answer:
            self.lose_next_create_answer = False
            raise PlannerUncertain("Planner svarade inte")
        return task

    async def update_task(self, plan_id: str, task_id: str, etag: str, change: TaskChange) -> PlannerTask:
        self._count(plan_id, "update_task")
        task = self.stored[task_id]
        if self.stale_next_update:
            self.stale_next_update = False
            self.person_sets_due(task_id, date(2031, 1, 1))  # someone else wrote first
            raise PlannerConflict("uppgiften ändrades")
        if etag != task.etag:
            raise PlannerConflict("uppgiften ändrades")
        assignees = (task.assignees | change.add_assignees) - change.remove_assignees
        updated = replace(
            task,
            etag=self._etag(),
            title=change.title if change.title is not None else task.title,
            due=None if change.clear_due else (change.due if change.due is not None else task.due),
            percent_complete=(100 if change.done else 0)
            if change.done is not None
            else task.percent_complete,
            completed_by=None if change.done is False else task.completed_by,
            assignees=assignees,
            categories=(
                task.categories
                if change.unassigned_label is None
                else (
                    task.categories | {"category1"}
                    if change.unassigned_label
                    else task.categories - {"category1"}
                )
            ),
        )
        self.stored[task_id] = updated
        return updated

    async def delete_task(self, plan_id: str, task_id: str, etag: str) -> None:
        self._count(plan_id, "delete_task")
        task = self.stored.get(task_id)
        if task is None:
            return
        if etag != task.etag:
            raise PlannerConflict("uppgiften ändrades")
        del self.stored[task_id]

    # -- a person in Planner's web UI --------------------------------------------------------------------------

    def _edit(self, task_id: str, **changes: object) -> PlannerTask:
        task = replace(self.stored[task_id], etag=self._etag(), **changes)  # type: ignore[arg-type]
        self.stored[task_id] = task
        return task

    def person_completes(self, task_id: str, user_id: str) -> PlannerTask:
        return self._edit(task_id, percent_complete=100, completed_by=user_id)

    def person_reopens(self, task_id: str) -> PlannerTask:
        return self._edit(task_id, percent_complete=0, completed_by=None)

    def person_sets_due(self, task_id: str, due: date | None) -> PlannerTask:
        return self._edit(task_id, due=due)

    def person_assigns(self, task_id: str, *user_ids: str) -> PlannerTask:
        return self._edit(task_id, assignees=frozenset(user_ids))

    def person_renames(self, task_id: str, title: str) -> PlannerTask:
        return self._edit(task_id, title=title)

    def person_deletes(self, task_id: str) -> None:
        del self.stored[task_id]

    def task_of(self, item_id: int) -> PlannerTask:
        found = [t for t in self.stored.values() if t.title.startswith(f"#{item_id} ")]
        assert len(found) == 1, f"{len(found)} tasks for #{item_id}"
        return found[0]
