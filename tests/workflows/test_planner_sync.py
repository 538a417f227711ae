"""The Planner sync on the real store (SQLite) against a hand-written Planner: tasks created once per item, kept in
step both ways, conflicts settled field by field, and no duplicate task whatever fails."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from minutes.planner import UNASSIGNED_LABEL, BucketMode, PlanLink, PlannerRule, SyncState, TaskLink
from minutes.records import ItemRecord, ItemStatus
from store import SqlStore
from store.engine import open_store
from tests.workflows.chat_fixtures import ingest_flg
from tests.workflows.planner_fakes import MemoryPlanner
from workflows.item_actions import SECRETARY_NOTICE, ActionPolicy
from workflows.outbox import OutboxKind
from workflows.planner_sync import PERSON_NOTICE, PlannerSync, plan_status, unlink_plan
from workflows.queries import Queries

T0 = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)
PLAN = "plan-flg"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def later(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'planner.db'}")
    try:
        await ingest_flg(store, tmp_path / "protokoll")
        yield store
    finally:
        await store.close()


@pytest.fixture
def planner() -> MemoryPlanner:
    fake = MemoryPlanner()
    fake.add_plan(PLAN)
    return fake


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def linked(store: SqlStore, planner: MemoryPlanner, clock: Clock, **options: Any) -> PlannerSync:
    sync = PlannerSync(store, planner, {"FLG": PlannerRule(plan_id=PLAN)}, clock, **options)
    assert await sync.apply_group_files(clock()) == [f"FLG: länkad till Planner-planen {PLAN}"]
    return sync


async def synced_with_annikas_item(
    store: SqlStore, planner: MemoryPlanner, clock: Clock, **options: Any
) -> tuple[PlannerSync, ItemRecord]:
    """The group linked and synced once, and an open item of AA's (an owner with an Entra id)."""
    sync = await linked(store, planner, clock, **options)
    await sync.sync_group("FLG", clock())
    item = next(i for i in await open_items(store) if i.owners == ("AA",))
    assert item.id is not None
    return sync, item


async def open_items(store: SqlStore) -> list[ItemRecord]:
    return [i for i in await store.group_items("FLG") if i.status is ItemStatus.OPEN]


async def outbox(store: SqlStore, kind: str) -> list[dict[str, Any]]:
    return [dict(m.payload) for m in await store.outbox_messages() if m.kind == kind]


async def test_the_first_sync_makes_one_task_per_open_item_and_a_quiet_poll_only_lists(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    items = await open_items(store)
    report = await sync.sync_group("FLG", clock())
    assert report.created == len(items) == len(planner.stored) and report.pending == 0
    first = items[0]
    task = planner.task_of(first.id or 0)
    assert task.title.startswith(f"#{first.id} ") and task.due == first.due
    assert [b.name for b in planner.buckets_by_plan[PLAN]] == ["FLG 26 aug 2024"]
    assert f"Punkt #{first.id}" in planner.descriptions[task.task_id]
    # AA and RN are in the roster with Entra ids; 'ALLA', roles and people without an id carry the label.
    owned_by_aa = next(i for i in items if i.owners == ("AA",))
    assert planner.task_of(owned_by_aa.id or 0).assignees == {"aad-aa"}
    everyone = next(i for i in items if i.owners == ("ALLA",))
    assert planner.task_of(everyone.id or 0).assignees == frozenset()
    assert planner.task_of(everyone.id or 0).categories == {"category1"}
    assert any(UNASSIGNED_LABEL in n for n in report.notices)

    planner.calls.clear()
    quiet = await sync.sync_group("FLG", clock.later(minutes=5))
    assert planner.calls == ["tasks"] and quiet.requests == 1
    assert (quiet.created, quiet.updated, quiet.taken) == (0, 0, 0)
    status = await plan_status(store, "FLG")
    assert (status.linked, status.pending) == (len(items), 0)


async def test_the_meeting_card_links_each_item_to_its_task(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    await sync.sync_group("FLG", clock())
    item = (await open_items(store))[0]
    document = await store.get_document(item.document_key)
    assert document is not None
    card = json.dumps(await Queries(store, clock).meeting_card(document), ensure_ascii=False)
    linked_tasks = re.findall(
        r"\[Planner\]\(https://planner\.cloud\.microsoft/webui/plan/([^/]+)/view/board/task/([^)]+)\)", card
    )
    rows = re.findall(r'"text": "#(\d+)"', card)  # each row starts with its number
    assert rows and len(linked_tasks) == len(rows)  # a page of the card: every row links its task
    assert {(PLAN, planner.task_of(int(n)).task_id) for n in rows} == set(linked_tasks)


async def test_checked_off_moved_and_reowned_in_teams_reaches_the_task(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    await store.set_status(item.id, ItemStatus.DONE, by="aad-aa", at=clock.later(minutes=1), origin="card")
    await store.set_due(item.id, date(2024, 12, 2), by="aad-aa", at=clock.later(minutes=1), origin="card")
    await store.set_owners(item.id, ["RN"], by="aad-yk", at=clock.later(minutes=1), origin="card")
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    task = planner.task_of(item.id)
    assert report.updated == 1
    assert (task.percent_complete, task.due, task.assignees) == (100, date(2024, 12, 2), {"aad-rn"})
    await store.set_status(item.id, ItemStatus.OPEN, by="aad-aa", at=clock.later(minutes=1), origin="card")
    await sync.sync_group("FLG", clock.later(minutes=5))
    assert planner.task_of(item.id).percent_complete == 0


async def test_re_owned_in_teams_the_label_follows_whether_planner_can_assign_the_owners(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    assert item.id is not None and planner.task_of(item.id).categories == frozenset()
    await store.set_owners(item.id, ["ALLA"], by="aad-yk", at=clock.later(minutes=1), origin="card")
    await sync.sync_group("FLG", clock.later(minutes=5))
    task = planner.task_of(item.id)
    assert task.assignees == frozenset() and task.categories == {"category1"}
    await store.set_owners(item.id, ["RN"], by="aad-yk", at=clock.later(minutes=1), origin="card")
    await sync.sync_group("FLG", clock.later(minutes=5))
    task = planner.task_of(item.id)
    assert task.assignees == {"aad-rn"} and task.categories == frozenset()


async def test_inte_min_takes_the_person_off_the_task(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock, not_mine=store)
    assert item.id is not None and planner.task_of(item.id).assignees == {"aad-aa"}
    assert await store.record_not_mine(item.id, "aad-aa", at=clock.later(minutes=1), origin="card")
    await sync.sync_group("FLG", clock.later(minutes=5))
    assert planner.task_of(item.id).assignees == frozenset()


async def test_completed_redated_and_reassigned_in_planner_reaches_the_item_and_its_card(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    task = planner.task_of(item.id)
    planner.person_completes(task.task_id, "aad-aa")
    planner.person_sets_due(task.task_id, date(2024, 11, 4))
    planner.person_assigns(task.task_id, "aad-aa", "aad-rn")
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    after = await store.get_item(item.id)
    assert after is not None and report.taken == 1 and report.updated == 0
    assert (after.status, after.due, after.owners) == (ItemStatus.DONE, date(2024, 11, 4), ("AA", "RN"))
    audit = [e for e in await store.audit_log(item.key) if e.origin == "planner"]
    assert audit and any(e.actor == "aad-aa" for e in audit)
    refresh = await outbox(store, OutboxKind.MEETING_SUMMARY.value)
    assert {"document_key": item.document_key} in refresh
    # Reopened in Planner: open again in Teams.
    planner.person_reopens(task.task_id)
    await sync.sync_group("FLG", clock.later(minutes=5))
    reopened = await store.get_item(item.id)
    assert reopened is not None and reopened.status is ItemStatus.OPEN


async def test_under_owner_or_secretary_a_strangers_completion_is_undone_and_explained(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock, policy=ActionPolicy.OWNER_OR_SECRETARY)
    task = planner.task_of(item.id)
    planner.person_completes(task.task_id, "aad-rn")  # RN is no owner of it, nor the secretary
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    after = await store.get_item(item.id)
    assert after is not None and after.status is ItemStatus.OPEN and report.refused == 1
    assert planner.task_of(item.id).percent_complete == 0
    told = await outbox(store, PERSON_NOTICE)
    assert told and told[0]["user_aad_id"] == "aad-rn" and f"#{item.id}" in told[0]["text"]
    # The secretary may.
    planner.person_completes(task.task_id, "aad-yk")
    await sync.sync_group("FLG", clock.later(minutes=5))
    done = await store.get_item(item.id)
    assert done is not None and done.status is ItemStatus.DONE


@pytest.mark.parametrize(
    ("bot_after_the_poll", "winner_due"), [(True, date(2024, 12, 9)), (False, date(2025, 1, 13))]
)
async def test_a_field_changed_on_both_sides_is_settled_by_when_and_the_secretary_told(
    store: SqlStore, planner: MemoryPlanner, clock: Clock, bot_after_the_poll: bool, winner_due: date
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    polled = clock.later(minutes=5)
    await sync.sync_group("FLG", polled)  # the poll that last saw Planner's value
    changed_at = polled + timedelta(minutes=1) if bot_after_the_poll else polled - timedelta(minutes=1)
    await store.set_due(item.id, date(2024, 12, 9), by="aad-aa", at=changed_at, origin="card")
    planner.person_sets_due(planner.task_of(item.id).task_id, date(2025, 1, 13))
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    after = await store.get_item(item.id)
    assert after is not None and after.due == winner_due == planner.task_of(item.id).due
    assert any("både i Teams och i Planner" in n for n in report.notices)


async def test_withdrawn_archived_or_dismissed_items_lose_their_task_and_a_restored_one_gets_a_new_one(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    await store.archive_item(item.id, by="aad-yk", at=clock.later(minutes=1), origin="card")
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    assert report.deleted == 1 and not [
        t for t in planner.stored.values() if t.title.startswith(f"#{item.id} ")
    ]
    await store.restore_item(item.id, by="aad-yk", at=clock.later(minutes=1), origin="card")
    again = await sync.sync_group("FLG", clock.later(minutes=5))
    assert again.created == 1 and planner.task_of(item.id).percent_complete == 0


async def test_a_412_in_the_middle_is_reread_and_decided_again(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    await store.set_status(item.id, ItemStatus.DONE, by="aad-aa", at=clock.later(minutes=1), origin="card")
    planner.stale_next_update = True  # someone moves the task's date in Planner just before our write
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    task = planner.task_of(item.id)
    assert report.conflicts == 1 and task.percent_complete == 100
    after = await store.get_item(item.id)
    assert after is not None and after.due == task.due == date(2031, 1, 1)  # their date, our completion


async def test_a_create_whose_answer_is_lost_is_found_again_not_made_twice(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    planner.lose_next_create_answer = True
    first = await sync.sync_group("FLG", clock())
    assert first.pending == 1
    again = await sync.sync_group("FLG", clock.later(minutes=5))
    assert again.adopted == 1 and again.created == 0
    assert len(planner.stored) == len(await open_items(store))
    numbers = sorted(int(t.title.split()[0][1:]) for t in planner.stored.values())
    assert numbers == sorted({*numbers})


async def test_a_create_the_list_does_not_show_yet_waits_rather_than_duplicates(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock, list_lag=timedelta(minutes=10))
    planner.lose_next_create_answer = True
    planner.hide_new_tasks = True  # Planner's list lags behind its creates
    await sync.sync_group("FLG", clock())
    planner.hide_new_tasks = False
    lagging = await sync.sync_group("FLG", clock.later(minutes=3))
    assert lagging.waiting == 1 and lagging.created == 0
    planner.hidden_from_list.clear()  # the list catches up
    caught_up = await sync.sync_group("FLG", clock.later(minutes=3))
    assert caught_up.adopted == 1 and len(planner.stored) == len(await open_items(store))


async def test_a_crash_between_the_store_write_and_the_create_makes_one_task(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock, list_lag=timedelta(minutes=10))
    item = (await open_items(store))[0]
    assert item.id is not None
    # The process wrote that a create goes out, then died before sending it.
    assert await store.begin_create(TaskLink(item.id, "FLG", PLAN, SyncState.PENDING), at=clock())
    soon = await sync.sync_group("FLG", clock.later(minutes=1))
    assert soon.waiting == 1 and not [
        t for t in planner.stored.values() if t.title.startswith(f"#{item.id} ")
    ]
    later = await sync.sync_group("FLG", clock.later(minutes=15))
    assert later.created == 1 and planner.task_of(item.id)


async def test_planner_throttling_pauses_the_plan_and_the_next_sync_goes_on(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    planner.throttle_creates = 1
    report = await sync.sync_group("FLG", clock())
    assert report.throttled and report.created == 0
    paused = await sync.sync_group("FLG", clock.later(seconds=1))
    assert paused.skipped is not None
    done = await sync.sync_group("FLG", clock.later(minutes=5))
    assert done.created == len(await open_items(store)) == len(planner.stored)


async def test_a_request_budget_leaves_the_rest_for_the_next_sync(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock, request_budget=10)
    first = await sync.sync_group("FLG", clock())
    assert first.requests <= 11 and first.pending > 0
    for _ in range(10):
        await sync.sync_group("FLG", clock.later(minutes=5))
    assert len(planner.stored) == len(await open_items(store))


async def test_a_task_deleted_or_renamed_in_planner_is_not_undone_and_the_secretary_told_once(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    await sync.sync_group("FLG", clock())
    first, second = (await open_items(store))[:2]
    assert first.id is not None and second.id is not None
    planner.person_deletes(planner.task_of(first.id).task_id)
    planner.person_renames(planner.task_of(second.id).task_id, "Eget namn")
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    assert report.gone == 1 and report.created == 0
    assert [t.title for t in planner.stored.values()].count("Eget namn") == 1
    assert (
        sum("ny titel" in n for n in report.notices) == 1
        and sum("togs bort" in n for n in report.notices) == 1
    )
    quiet = await sync.sync_group("FLG", clock.later(minutes=5))
    assert quiet.notices == [] and quiet.created == 0
    assert [t.title for t in planner.stored.values()].count("Eget namn") == 1
    notices = await outbox(store, SECRETARY_NOTICE)
    assert any("ny titel" in n["text"] for n in notices)


async def test_unlinking_leaves_the_tasks_and_stops_the_sync(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    await sync.sync_group("FLG", clock())
    before = dict(planner.stored)
    unlinked = await unlink_plan(store, "FLG", at=clock.later(minutes=1))
    assert unlinked is not None and not unlinked.active
    planner.calls.clear()
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    assert report.skipped and planner.calls == [] and planner.stored == before
    assert any("synkas inte längre" in n["text"] for n in await outbox(store, SECRETARY_NOTICE))


async def test_a_plan_is_created_in_the_groups_own_microsoft_365_group_on_request(
    store: SqlStore, clock: Clock
) -> None:
    planner = MemoryPlanner()
    rule = PlannerRule(create_in_group="m365-flg", bucket_mode=BucketMode.TOPIC)
    sync = PlannerSync(store, planner, {"FLG": rule}, clock)
    [report] = await sync.sync_all(clock())
    plan = next(iter(planner.plans.values()))
    assert plan.group_id == "m365-flg" and planner.labels[plan.plan_id] == UNASSIGNED_LABEL
    assert report.created == len(planner.stored) > 0
    first = next(iter(planner.stored.values()))
    assert first.title.split(": ")[0].split(" ", 1)[1] in {
        b.name for b in planner.buckets_by_plan[plan.plan_id]
    }
    again = await sync.sync_all(clock.later(minutes=5))
    assert len(planner.plans) == 1 and again[0].created == 0


async def test_a_file_that_turns_planner_off_unlinks_at_start_and_leaves_the_tasks(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync = await linked(store, planner, clock)
    await sync.sync_group("FLG", clock())
    before = dict(planner.stored)
    off = PlannerSync(store, planner, {"FLG": PlannerRule(enabled=False)}, clock)
    said = await off.apply_group_files(clock.later(minutes=1))
    assert said == ["FLG: Planner avstängt i gruppens fil; uppgifterna ligger kvar i planen"]
    link = await store.plan_link("FLG")
    assert link is not None and not link.active and planner.stored == before
    assert await off.apply_group_files(clock.later(minutes=1)) == []  # once


async def test_a_due_date_removed_in_planner_is_written_back(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    dated = next(i for i in await open_items(store) if i.due is not None)
    assert dated.id is not None
    planner.person_sets_due(planner.task_of(dated.id).task_id, None)
    await sync.sync_group("FLG", clock.later(minutes=5))
    after = await store.get_item(dated.id)
    assert after is not None and after.due == dated.due == planner.task_of(dated.id).due


async def test_an_assignee_the_roster_does_not_know_is_not_taken_and_the_secretary_told(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    sync, item = await synced_with_annikas_item(store, planner, clock)
    planner.person_assigns(planner.task_of(item.id or 0).task_id, "aad-stranger")
    report = await sync.sync_group("FLG", clock.later(minutes=5))
    after = await store.get_item(item.id or 0)
    assert after is not None and after.owners == ("AA",)
    assert any("inte finns i gruppens förteckning" in n for n in report.notices)


async def test_one_groups_trouble_with_planner_does_not_stop_the_others(
    store: SqlStore, planner: MemoryPlanner, clock: Clock
) -> None:
    await store.save_plan_link(PlanLink("FSG", "no-such-plan", True, clock()))
    sync = await linked(store, planner, clock)
    planner.fail_listing_of = "no-such-plan"
    reports = {r.group: r for r in await sync.sync_all(clock())}
    assert reports["FSG"].skipped and reports["FLG"].created == len(planner.stored) > 0
