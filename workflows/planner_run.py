"""One sync of one Planner plan: the plan's tasks listed once, then each of the group's items created, updated,
deleted or changed from Planner, in turn. Pure of I/O but through its ports."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Protocol

from minutes.logsafe import safe_log_field
from minutes.planner import (
    UNASSIGNED_CATEGORY,
    Assignment,
    PlanLink,
    PlannerConflict,
    PlannerError,
    PlannerTask,
    PlannerUncertain,
    Settlement,
    SyncState,
    TaskDraft,
    TaskLink,
    Winner,
    assignment,
    bucket_name,
    describe_field,
    item_number,
    owners_of,
    settle,
    task_description,
    wanted_fields,
    wants_task,
)
from minutes.records import ItemRecord, ItemStatus, RosterEntry
from minutes.roster import ResolvedVia, resolve_in_roster
from workflows.item_actions import SECRETARY_ROLE, ActionPolicy
from workflows.outbox import OutboxKind
from workflows.ports import ChatStore, PlannerApi, PlannerStore
from workflows.remind import NotMineLog

logger = logging.getLogger(__name__)

# The outbox kind of a note to one person's personal chat (delivered by workflows/deliver.py).
PERSON_NOTICE = "person_notice"
PLANNER_ORIGIN = "planner"
PLANNER_ACTOR = "Planner"  # who the audit names when Planner does not say who (a due date, assignees)
NOTICE_TITLE = "Planner"
# Assignments the roster resolves this way are people; 'ALLA' and roles are no one Planner can assign.
ASSIGNABLE = frozenset({ResolvedVia.INITIALS, ResolvedVia.NAME})
# How many times a write answered 412 is re-read and re-decided before the item waits for the next sync.
CONFLICT_ROUNDS = 3

REFUSED_COMPLETION = (
    "Du markerade #{id} som klar i Planner, men i gruppen {group} får bara punktens ansvariga och sekreteraren "
    "klarmarkera. Uppgiften är öppen igen i Planner och i Teams."
)


class PlannerSyncStore(ChatStore, PlannerStore, Protocol):
    """The store as the sync sees it: the items, the outbox and the Planner links."""


class SyncSettings(Protocol):
    """What a run takes from the sync that starts it (workflows.planner_sync.PlannerSync)."""

    @property
    def store(self) -> PlannerSyncStore: ...

    @property
    def planner(self) -> PlannerApi: ...

    @property
    def policy(self) -> ActionPolicy: ...

    @property
    def request_budget(self) -> int: ...

    @property
    def list_lag(self) -> timedelta: ...

    @property
    def not_mine(self) -> NotMineLog | None: ...


@dataclass(slots=True)
class SyncReport:
    """What one sync of a group did; the CLI prints it, the scheduler logs its counts."""

    group: str
    plan_id: str | None = None
    created: int = 0
    adopted: int = 0  # tasks found again by their '#N' title after a create whose answer was lost
    updated: int = 0
    taken: int = 0  # items changed from Planner
    refused: int = 0  # completions in Planner the group's policy does not allow (reopened)
    deleted: int = 0
    gone: int = 0  # tasks deleted in Planner
    waiting: int = 0  # creates waiting for the task list to show an earlier attempt
    pending: int = 0  # items still to be created (the budget ran out, or Planner throttled)
    conflicts: int = 0  # 412 answers re-decided
    requests: int = 0
    throttled: bool = False
    skipped: str | None = None  # why the group was not synced
    notices: list[str] = field(default_factory=list)


@dataclass
class PlanRun:
    """One sync of one plan: the task list read once, then every item of the group decided in turn; `owner` is
    the sync that runs it (workflows/planner_sync.py)."""

    owner: SyncSettings
    link: PlanLink
    report: SyncReport
    at: datetime
    start: int
    unassigned: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    refreshed: set[str] = field(default_factory=set)  # documents whose card is queued for a refresh
    roster: list[RosterEntry] = field(default_factory=list)
    disowned: Mapping[int, frozenset[str]] = field(default_factory=dict)  # 'Inte min': item id → Entra ids
    minutes_urls: dict[str, str | None] = field(
        default_factory=dict
    )  # document key → its web address, read once

    @property
    def plan_id(self) -> str:
        return self.link.plan_id

    def spent(self) -> bool:
        return self.owner.planner.requests_made(self.plan_id) - self.start >= self.owner.request_budget

    async def run(self) -> None:  # noqa: C901 - one pass over the items, each branch a state of its link
        store, planner = self.owner.store, self.owner.planner
        listing = await planner.tasks(self.plan_id)
        by_id = {task.task_id: task for task in listing}
        by_number: dict[int, PlannerTask] = {}
        for task in listing:
            number = item_number(task.title)
            if number is not None:
                by_number.setdefault(number, task)
        links = {link.item_id: link for link in await store.task_links(self.link.group)}
        self.roster = list(await store.roster(self.link.group))
        if self.owner.not_mine is not None:
            self.disowned = await self.owner.not_mine.not_mine_items()
        linked_tasks = {link.task_id for link in links.values() if link.task_id}
        for item in await store.group_items(self.link.group):
            if item.id is None:
                continue
            link = links.get(item.id)
            if link is not None and link.plan_id != self.plan_id:
                link = None  # linked to an earlier plan: this plan gets its own task
            if (
                link is None
                or link.state is SyncState.PENDING
                or (link.state is SyncState.DELETED and wants_task(item))
            ):
                orphan = by_number.get(item.id)
                if (
                    orphan is not None
                    and (
                        orphan.task_id not in linked_tasks
                        or (link is not None and link.task_id == orphan.task_id)
                    )
                    and (link is None or link.state is not SyncState.DELETED)
                ):
                    await self._adopt(item, orphan)
                    continue
                if item.status is not ItemStatus.OPEN or not wants_task(item):
                    continue
                if self.spent():
                    self.report.pending += 1
                    continue
                await self._create(item, link)
            elif link.state is SyncState.LINKED:
                listed = by_id.get(link.task_id or "")
                if listed is None:
                    if self.spent():
                        continue
                    listed = await planner.get_task(self.plan_id, link.task_id or "")
                    if listed is None:
                        await self._gone(item, link)
                        continue
                task = listed
                if not wants_task(item):
                    await self._delete(item, link, task)
                elif not self.spent():
                    await self._settle(item, link, task)
        for document_key in sorted(self.refreshed):
            await store.enqueue(
                OutboxKind.MEETING_SUMMARY.value,
                {"document_key": document_key},
                conversation_key=None,
                at=self.at,
            )

    # -- creating ----------------------------------------------------------------------------------------------

    async def _create(self, item: ItemRecord, link: TaskLink | None) -> None:
        assert item.id is not None
        store, planner = self.owner.store, self.owner.planner
        if (
            link is not None
            and link.create_started_at is not None
            and self.at - link.create_started_at < self.owner.list_lag
        ):
            # An earlier create may have made the task and the list not show it yet: wait rather than make two.
            self.report.waiting += 1
            return
        assigned = self._assignment(item)
        bucket_id = await self._bucket(item)
        pending = TaskLink(item.id, self.link.group, self.plan_id, SyncState.PENDING, bucket_id=bucket_id)
        if not await store.begin_create(pending, at=self.at):
            self.report.waiting += 1  # another instance is creating it right now
            return
        draft = TaskDraft(
            title=wanted_fields(item, assigned).title,
            bucket_id=bucket_id,
            due=item.due,
            assignees=assigned.assignees,
            description=task_description(item, minutes_url=await self._minutes_url(item.document_key)),
            unassigned_label=bool(assigned.unplaced),
        )
        try:
            task = await planner.create_task(self.plan_id, draft)
        except PlannerUncertain:
            # It may exist: the next run looks for '#N' in the task list before creating again.
            self.report.pending += 1
            return
        except PlannerError:
            # Not created (429, a refusal): forget the attempt so the next run creates at once.
            await store.save_task_link(pending)
            raise
        await store.save_task_link(
            TaskLink(
                item.id, self.link.group, self.plan_id, SyncState.LINKED, task.task_id, task.etag,
                seen=task.fields, seen_at=self.at, bucket_id=bucket_id,
            )
        )  # fmt: skip
        if assigned.unplaced:
            self.unassigned.append((item.id, assigned.unplaced))
        self.report.created += 1

    async def _minutes_url(self, document_key: str) -> str | None:
        """The minutes' web address, read once per document in a run (a meeting has many items)."""
        if document_key not in self.minutes_urls:
            document = await self.owner.store.get_document(document_key)
            self.minutes_urls[document_key] = document.web_url if document is not None else None
        return self.minutes_urls[document_key]

    async def _adopt(self, item: ItemRecord, task: PlannerTask) -> None:
        """A task whose create's answer was lost (or whose link was): link it, then settle as if new."""
        assert item.id is not None
        link = TaskLink(
            item.id,
            self.link.group,
            self.plan_id,
            SyncState.LINKED,
            task.task_id,
            task.etag,
            bucket_id=task.bucket_id,
        )
        await self.owner.store.save_task_link(link)
        self.report.adopted += 1
        if wants_task(item):
            await self._settle(item, link, task)

    async def _bucket(self, item: ItemRecord) -> str | None:
        store, planner = self.owner.store, self.owner.planner
        name = bucket_name(item, self.link.bucket_mode)
        found = await store.bucket_id(self.plan_id, name)
        if found is not None:
            return found
        existing = {b.name: b.bucket_id for b in await planner.buckets(self.plan_id)}
        bucket_id = existing.get(name) or (await planner.create_bucket(self.plan_id, name)).bucket_id
        await store.save_bucket(self.plan_id, name, bucket_id)
        return bucket_id

    def _assignment(self, item: ItemRecord) -> Assignment:
        """The owners' Entra ids; 'ALLA', roles, unknown names and whoever said 'Inte min' are no assignee."""
        disowned = self.disowned.get(item.id or 0, frozenset())
        resolved: dict[str, list[str]] = {}
        for owner in item.owners:
            found = resolve_in_roster(owner, self.roster)
            if found.via in ASSIGNABLE:
                ids = [e.aad_object_id for e in found.people if e.aad_object_id]
                resolved[owner] = [i for i in ids if i.casefold() not in disowned]
        return assignment(item.owners, resolved)

    # -- keeping in step ---------------------------------------------------------------------------------------

    async def _settle(self, item: ItemRecord, link: TaskLink, task: PlannerTask) -> None:
        assert item.id is not None
        for _round in range(CONFLICT_ROUNDS):
            assigned = self._assignment(item)
            bot = wanted_fields(item, assigned)
            # The poll that last saw Planner's value: the plan's previous sync listed every linked task, and a
            # value Planner changed before it would have been taken then.
            seen_at = max((t for t in (link.seen_at, self.link.last_sync_at) if t is not None), default=None)
            decided = settle(link.seen, bot, task.fields, bot_changed_at=item.changed_at, seen_at=seen_at)
            if decided.overridden:
                # Both sides changed a field: when the bot's change was made decides, from the item's audit.
                changed_at = await self._bot_changed_at(item)
                decided = settle(link.seen, bot, task.fields, bot_changed_at=changed_at, seen_at=seen_at)
            decided, item = await self._take(item, task, decided)
            labelled = UNASSIGNED_CATEGORY in task.categories
            if (decided.push.add_assignees or decided.push.remove_assignees) and labelled != bool(
                assigned.unplaced
            ):
                # Re-owned in Teams: the label says whether an owner is someone Planner cannot assign.
                decided = replace(
                    decided, push=replace(decided.push, unassigned_label=bool(assigned.unplaced))
                )
            after = task
            if not decided.push.empty:
                try:
                    after = await self.owner.planner.update_task(
                        self.plan_id, task.task_id, task.etag, decided.push
                    )
                except PlannerConflict:
                    self.report.conflicts += 1
                    fresh = await self.owner.planner.get_task(self.plan_id, task.task_id)
                    if fresh is None:
                        await self._gone(item, link)
                        return
                    task = fresh
                    continue
                self.report.updated += 1
            self._report_settled(item, link, decided)
            # The title kept as seen is the one the bot wrote: a rename in Planner stays a rename.
            seen = replace(after.fields, title=bot.title)
            renamed = decided.renamed
            if seen != link.seen or after.etag != link.etag or renamed != link.renamed_title:
                await self.owner.store.save_task_link(
                    replace(
                        link, state=SyncState.LINKED, task_id=after.task_id, etag=after.etag, seen=seen,
                        seen_at=self.at, create_started_at=None, renamed_title=renamed,
                    )
                )  # fmt: skip
            return

    async def _bot_changed_at(self, item: ItemRecord) -> datetime | None:
        """The last change to the item made anywhere but in Planner (a card, a command, new minutes)."""
        entries = [e.at for e in await self.owner.store.audit_log(item.key) if e.origin != PLANNER_ORIGIN]
        return max(entries, default=item.changed_at)

    async def _take(
        self, item: ItemRecord, task: PlannerTask, decided: Settlement
    ) -> tuple[Settlement, ItemRecord]:
        """Write Planner's side of the settlement into the item (audited as from Planner); a completion the
        group's policy does not allow is turned into a push that reopens the task, and its maker is told."""
        assert item.id is not None
        store = self.owner.store
        changed: ItemRecord | None = None
        if decided.take_done is True:
            who = task.completed_by
            if self.owner.policy is ActionPolicy.OWNER_OR_SECRETARY and not self._may_complete(item, who):
                self.report.refused += 1
                if who:
                    name = next((e.name for e in self.roster if e.aad_object_id == who), "")
                    await store.enqueue(
                        PERSON_NOTICE,
                        {"user_aad_id": who, "name": name,
                         "text": REFUSED_COMPLETION.format(id=item.id, group=item.group or "")},
                        conversation_key=None, at=self.at,
                    )  # fmt: skip
                decided = replace(decided, take_done=None, push=replace(decided.push, done=False))
            else:
                changed = await store.set_status(
                    item.id, ItemStatus.DONE, by=who or PLANNER_ACTOR, at=self.at, origin=PLANNER_ORIGIN
                )
        elif decided.take_done is False:
            changed = await store.set_status(
                item.id, ItemStatus.OPEN, by=PLANNER_ACTOR, at=self.at, origin=PLANNER_ORIGIN
            )
        if decided.take_due is not None:
            changed = (
                await store.set_due(
                    item.id, decided.take_due, by=PLANNER_ACTOR, at=self.at, origin=PLANNER_ORIGIN
                )
                or changed
            )
        elif decided.take_clear_due:
            # An item keeps a date once it has one: a date removed in Planner is written back.
            decided = replace(decided, take_clear_due=False, push=replace(decided.push, due=item.due))
        if decided.take_assignees is not None:
            owners, strangers = owners_of(decided.take_assignees, self.roster)
            if owners:
                changed = (
                    await store.set_owners(
                        item.id, owners, by=PLANNER_ACTOR, at=self.at, origin=PLANNER_ORIGIN
                    )
                    or changed
                )
            if strangers or not owners:
                self.report.notices.append(
                    f"#{item.id} tilldelades i Planner någon som inte finns i gruppens förteckning; "
                    "punkten behåller sina ansvariga i Teams."
                )
                if not owners:
                    decided = replace(decided, take_assignees=None)
        if changed is not None:
            self.report.taken += 1
            self.refreshed.add(item.document_key)
            item = changed
        return decided, item

    def _may_complete(self, item: ItemRecord, who: str | None) -> bool:
        if not who:
            return False
        if any(e.aad_object_id == who and SECRETARY_ROLE in e.roles for e in self.roster):
            return True
        return who in self._assignment(item).assignees

    def _report_settled(self, item: ItemRecord, link: TaskLink, decided: Settlement) -> None:
        for field_settled in decided.overridden:
            side = "Teams" if field_settled.winner is Winner.BOT else "Planner"
            self.report.notices.append(
                f"#{item.id} ändrades både i Teams och i Planner ({_FIELD_NAMES[field_settled.name]}): "
                f"{side}s ändring gäller, {describe_field(field_settled.name, field_settled.kept)}; "
                f"den andra, {describe_field(field_settled.name, field_settled.dropped)}, skrevs över."
            )
        if decided.renamed is not None and decided.renamed != link.renamed_title:
            self.report.notices.append(
                f"#{item.id} fick en ny titel i Planner. Punkten i Teams behåller protokollets text; ändra "
                "protokollet om texten ska ändras."
            )

    # -- ending ------------------------------------------------------------------------------------------------

    async def _delete(self, item: ItemRecord, link: TaskLink, task: PlannerTask) -> None:
        """The item was withdrawn, archived or dismissed: its task goes (a restored item gets a new one)."""
        planner = self.owner.planner
        for _round in range(CONFLICT_ROUNDS):
            try:
                await planner.delete_task(self.plan_id, task.task_id, task.etag)
                break
            except PlannerConflict:
                self.report.conflicts += 1
                fresh = await planner.get_task(self.plan_id, task.task_id)
                if fresh is None:
                    break
                task = fresh
        else:
            return
        await self.owner.store.save_task_link(
            replace(link, state=SyncState.DELETED, task_id=None, etag=None, seen=None, seen_at=self.at)
        )
        self.report.deleted += 1

    async def _gone(self, item: ItemRecord, link: TaskLink) -> None:
        await self.owner.store.save_task_link(replace(link, state=SyncState.GONE, etag=None, seen_at=self.at))
        self.report.gone += 1
        if item.status is ItemStatus.OPEN:
            self.report.notices.append(
                f"Uppgiften för #{item.id} togs bort i Planner. Punkten är kvar i Teams och skapas inte igen."
            )
        logger.info("planner: the task of item %s was deleted in Planner", safe_log_field(str(item.id)))


_FIELD_NAMES = {"due": "datum", "done": "klar", "assignees": "ansvariga"}
