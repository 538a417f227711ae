"""Planner, both ways: each linked group's items as tasks in its plan, and what people change in Planner back into the items."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from minutes.planner import (
    UNASSIGNED_LABEL,
    BucketMode,
    PlanLink,
    PlannerError,
    PlannerRule,
    PlannerThrottled,
    SyncState,
    wants_task,
)
from minutes.records import ItemStatus
from workflows.item_actions import SECRETARY_NOTICE, ActionPolicy
from workflows.planner_run import (
    NOTICE_TITLE,
    PERSON_NOTICE,
    PLANNER_ORIGIN,
    PlannerSyncStore,
    PlanRun,
    SyncReport,
)
from workflows.ports import ChatStore, PlannerApi
from workflows.remind import NotMineLog

__all__ = [
    "PERSON_NOTICE",
    "PLANNER_ORIGIN",
    "PlannerStatus",
    "PlannerSync",
    "PlannerSyncStore",
    "SyncReport",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PlannerStatus:
    group: str
    link: PlanLink | None
    linked: int
    pending: int
    deleted: int
    gone: int


@dataclass
class PlannerSync:
    """Sync each linked group's plan: create, update and delete tasks for its items, and take what people
    changed in Planner into the items. One run per group at a time (the scheduler leases it per group)."""

    store: PlannerSyncStore
    planner: PlannerApi
    groups: Mapping[str, PlannerRule]  # the groups' files' [planner]
    clock: Callable[[], datetime]
    policy: ActionPolicy = ActionPolicy.MEMBERS
    request_budget: int = 600  # per group and run; the rest waits for the next run
    # A create whose answer was lost may not show in the task list at once: wait this long before creating again.
    list_lag: timedelta = timedelta(minutes=10)
    # Who said 'Inte min' about which item: they are taken off its task (store.not_mine.NotMineRepository).
    not_mine: NotMineLog | None = None

    # -- operators ---------------------------------------------------------------------------------------------

    async def link(
        self, group: str, plan_id: str, *, at: datetime, bucket_mode: BucketMode | None = None
    ) -> PlanLink:
        """Link the group to an existing plan (checked to exist): the next sync creates its tasks."""
        plan = await self.planner.get_plan(plan_id)
        mode = bucket_mode or self._config(group).bucket_mode
        link = PlanLink(group=group, plan_id=plan.plan_id, active=True, linked_at=at, bucket_mode=mode)
        await self.store.save_plan_link(link)
        logger.info("planner: group %s linked to plan %s", group, plan.plan_id)
        return link

    async def apply_group_files(self, at: datetime) -> list[str]:
        """Bring the store's links in line with the groups' files at start: link a plan a file names, unlink a
        group whose file turns Planner off. Returns one line per change, for the start-up log."""
        said: list[str] = []
        for group, config in sorted(self.groups.items()):
            link = await self.store.plan_link(group)
            if not config.enabled:
                if link is not None and link.active:
                    await unlink_plan(self.store, group, at=at)
                    said.append(f"{group}: Planner avstängt i gruppens fil; uppgifterna ligger kvar i planen")
                continue
            if config.plan_id and (link is None or not link.active or link.plan_id != config.plan_id):
                await self.store.save_plan_link(
                    PlanLink(group, config.plan_id, True, at, bucket_mode=config.bucket_mode)
                )
                said.append(f"{group}: länkad till Planner-planen {config.plan_id}")
        return said

    # -- the sync ----------------------------------------------------------------------------------------------

    async def sync_all(self, at: datetime) -> list[SyncReport]:
        """Every group with an active link (or a plan to create), one after the other."""
        groups = {link.group for link in await self.store.plan_links() if link.active}
        groups |= {g for g, c in self.groups.items() if c.enabled and c.create_in_group}
        reports = []
        for group in sorted(groups):
            try:
                reports.append(await self.sync_group(group, at))
            except PlannerError as error:  # one group's trouble must not stop the others
                logger.warning("planner: group %s not synced: %s", group, error.message)
                reports.append(SyncReport(group, skipped=error.message))
        return reports

    async def sync_group(self, group: str, at: datetime) -> SyncReport:
        report = SyncReport(group)
        link = await self._plan_of(group, at)
        if link is None:
            report.skipped = "gruppen har ingen Planner-plan"
            return report
        report.plan_id = link.plan_id
        if not link.active:
            report.skipped = "gruppen är inte längre länkad till Planner"
            return report
        if link.paused_until is not None and link.paused_until > at:
            report.skipped = f"Planner bad oss vänta till {link.paused_until:%H:%M} UTC"
            return report
        run = PlanRun(self, link, report, at, start=self.planner.requests_made(link.plan_id))
        try:
            await run.run()
        except PlannerThrottled as error:
            report.throttled = True
            pause = timedelta(seconds=error.retry_after or 60)
            link = replace(link, paused_until=at + pause)
            logger.info("planner: group %s throttled, pausing %s", group, pause)
        report.requests = self.planner.requests_made(link.plan_id) - run.start
        await self.store.save_plan_link(replace(link, last_sync_at=at))
        if run.unassigned:
            listed = ", ".join(f"#{i} ({', '.join(o)})" for i, o in run.unassigned[:10])
            more = f" och {len(run.unassigned) - 10} till" if len(run.unassigned) > 10 else ""
            report.notices.append(
                f"Nya uppgifter i Planner utan tilldelning (ägaren finns inte i gruppens förteckning med "
                f"Entra-id): {listed}{more}. De har etiketten '{UNASSIGNED_LABEL}'."
            )
        for text in report.notices:
            await self._tell_secretary(group, text, at)
        logger.info(
            "planner: group %s synced: %d created, %d adopted, %d updated, %d taken from Planner, %d deleted, "
            "%d pending, %d requests",
            group, report.created, report.adopted, report.updated, report.taken, report.deleted,
            report.pending, report.requests,
        )  # fmt: skip
        return report

    async def _plan_of(self, group: str, at: datetime) -> PlanLink | None:
        link = await self.store.plan_link(group)
        config = self.groups.get(group)
        if link is None and config is not None and config.enabled and config.create_in_group:
            plan = await self.planner.create_plan(config.create_in_group, f"{group} – punkter ur protokollen")
            await self.planner.label_unassigned(plan.plan_id, UNASSIGNED_LABEL)
            link = PlanLink(group, plan.plan_id, True, at, bucket_mode=config.bucket_mode)
            await self.store.save_plan_link(link)
            await self._tell_secretary(
                group, f"En Planner-plan skapades för gruppen i dess Microsoft 365-grupp: {plan.title}.", at
            )
        return link

    def _config(self, group: str) -> PlannerRule:
        return self.groups.get(group) or PlannerRule()

    async def _tell_secretary(self, group: str, text: str, at: datetime) -> None:
        await tell_secretary(self.store, group, text, at)


async def tell_secretary(store: ChatStore, group: str, text: str, at: datetime) -> None:
    await store.enqueue(
        SECRETARY_NOTICE, {"group": group, "text": text, "title": NOTICE_TITLE}, conversation_key=None, at=at
    )


async def unlink_plan(store: PlannerSyncStore, group: str, *, at: datetime) -> PlanLink | None:
    """Stop syncing the group: its tasks stay in Planner as they are (neither deleted nor completed), and the
    secretary is told. Needs no call to Planner."""
    link = await store.plan_link(group)
    if link is None or not link.active:
        return link
    unlinked = replace(link, active=False, unlinked_at=at)
    await store.save_plan_link(unlinked)
    await tell_secretary(
        store,
        group,
        "Gruppens punkter synkas inte längre med Planner. Uppgifterna i planen ligger kvar som de är.",
        at,
    )
    logger.info("planner: group %s unlinked from plan %s", group, link.plan_id)
    return unlinked


async def plan_status(store: PlannerSyncStore, group: str) -> PlannerStatus:
    """What is mapped and what waits, from the store alone."""
    links = await store.task_links(group)
    count = {state: sum(1 for link in links if link.state is state) for state in SyncState}
    mapped = {link.item_id for link in links}
    unmapped = sum(
        1
        for item in await store.group_items(group)
        if item.status is ItemStatus.OPEN and wants_task(item) and item.id not in mapped
    )
    return PlannerStatus(
        group,
        await store.plan_link(group),
        linked=count[SyncState.LINKED],
        pending=count[SyncState.PENDING] + unmapped,
        deleted=count[SyncState.DELETED],
        gone=count[SyncState.GONE],
    )
