"""The Planner core: task titles and buckets within Planner's limits, due days as Planner's instants, who is
assigned, and how a field both sides changed is settled."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from minutes.model import ItemKind, Relative
from minutes.planner import (
    MAX_TITLE,
    BucketMode,
    TaskFields,
    Winner,
    assignment,
    bucket_name,
    due_from_planner,
    due_to_planner,
    item_number,
    owners_of,
    settle,
    task_description,
    task_title,
    wants_task,
)
from minutes.records import ItemRecord, ItemStatus, RosterEntry


def item(**changes: object) -> ItemRecord:
    base: dict[str, object] = {
        "key": "k",
        "document_key": "local:x|a.docx",
        "kind": ItemKind.ACTION,
        "topic": "Ekonomi",
        "text": "Ta fram underlag för budget",
        "owners": ("EL",),
        "actors": (),
        "due": date(2024, 9, 30),
        "due_raw": "30/9",
        "due_relative": None,
        "source": "t1",
        "group": "FLG",
        "meeting_date": date(2024, 8, 26),
        "id": 12,
    }
    base.update(changes)
    return ItemRecord(**base)  # type: ignore[arg-type]


def test_a_title_starts_with_the_item_number_and_keeps_within_planners_limit() -> None:
    assert task_title(item()) == "#12 Ekonomi: Ta fram underlag för budget"
    assert task_title(item(topic="")) == "#12 Ta fram underlag för budget"
    long = task_title(item(text="ord " * 200))
    assert len(long) <= MAX_TITLE and long.startswith("#12 Ekonomi: ord") and long.endswith("…")
    assert item_number(long) == 12


@pytest.mark.parametrize(
    ("title", "number"),
    [("#12 Ekonomi: x", 12), ("  #7 x", 7), ("#7", 7), ("#12a x", None), ("Ekonomi #12", None), ("", None)],
)
def test_the_item_number_is_read_from_a_titles_start(title: str, number: int | None) -> None:
    assert item_number(title) == number


@pytest.mark.parametrize(
    ("mode", "changes", "name"),
    [
        (BucketMode.MEETING, {}, "FLG 26 aug 2024"),
        (BucketMode.MEETING, {"meeting_date": None}, "FLG utan datum"),
        (BucketMode.TOPIC, {}, "Ekonomi"),
        (BucketMode.TOPIC, {"topic": "  "}, "Övrigt"),
    ],
)
def test_buckets_per_meeting_or_topic(mode: BucketMode, changes: dict[str, object], name: str) -> None:
    assert bucket_name(item(**changes), mode) == name


@pytest.mark.parametrize(
    ("changes", "wanted"),
    [
        ({}, True),
        ({"status": ItemStatus.DONE}, True),
        ({"status": ItemStatus.WITHDRAWN}, False),
        ({"status": ItemStatus.ARCHIVED}, False),
        ({"status": ItemStatus.DISMISSED}, False),
        ({"kind": ItemKind.FOLLOW_UP}, True),
        ({"kind": ItemKind.DECISION, "owners": ()}, False),  # a decision recorded, nobody to act
        ({"kind": ItemKind.DECISION, "due": None, "due_relative": Relative.NEXT_MEETING}, True),
    ],
)
def test_which_items_get_a_task(changes: dict[str, object], wanted: bool) -> None:
    assert wants_task(item(**changes)) is wanted


def test_the_description_names_the_item_the_meeting_and_the_minutes() -> None:
    text = task_description(item(), minutes_url="https://contoso.sharepoint.com/p.docx")
    assert (
        "Punkt #12" in text
        and "Möte: FLG 26 aug 2024" in text
        and "https://contoso.sharepoint.com/p.docx" in text
    )


@pytest.mark.parametrize(
    ("day", "instant"),
    [
        (date(2024, 9, 30), datetime(2024, 9, 30, 10, 0, tzinfo=UTC)),  # summer time: UTC+2
        (date(2024, 12, 2), datetime(2024, 12, 2, 11, 0, tzinfo=UTC)),  # winter: UTC+1
    ],
)
def test_a_due_day_is_noon_in_stockholm_and_reads_back_as_the_same_day(day: date, instant: datetime) -> None:
    assert due_to_planner(day) == instant
    assert due_from_planner(instant) == day
    # A due set in Planner's web UI in Stockholm is midnight local, the evening before in UTC.
    assert due_from_planner(datetime(2024, 9, 29, 22, 0, tzinfo=UTC)) == date(2024, 9, 30)
    assert due_from_planner(None) is None


def test_only_people_with_an_entra_id_are_assigned() -> None:
    found = assignment(("EL", "ALLA", "ekonomichefen", "PH"), {"EL": ["id-el"], "PH": ["id-ph", ""]})
    assert found.assignees == frozenset({"id-el", "id-ph"})
    assert found.unplaced == ("ALLA", "ekonomichefen")


def test_planners_assignees_as_the_minutes_write_them() -> None:
    roster = [
        RosterEntry("FLG", "EL", "Eva Lind", aad_object_id="id-el"),
        RosterEntry("FLG", None, "Per Holm", aad_object_id="id-ph"),
    ]
    assert owners_of(frozenset({"id-ph", "id-el", "id-x"}), roster) == (
        ("EL", "Per Holm"),
        frozenset({"id-x"}),
    )


SEEN = TaskFields("#12 t", date(2024, 9, 30), False, frozenset({"a"}))
T0 = datetime(2024, 9, 1, 8, 0, tzinfo=UTC)
BEFORE, AFTER = datetime(2024, 9, 1, 7, 0, tzinfo=UTC), datetime(2024, 9, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("bot", "planner", "changed_at", "push", "take", "winner"),
    [
        # Nobody changed anything.
        (SEEN, SEEN, AFTER, {}, {}, None),
        # Only the bot: the task follows.
        (SEEN.__class__("#12 t", date(2024, 10, 7), False, frozenset({"a"})), SEEN, AFTER,
         {"due": date(2024, 10, 7)}, {}, None),
        (SEEN.__class__("#12 t", SEEN.due, True, SEEN.assignees), SEEN, AFTER, {"done": True}, {}, None),
        # Only Planner: the item follows.
        (SEEN, SEEN.__class__("#12 t", SEEN.due, True, SEEN.assignees), AFTER, {}, {"done": True}, None),
        (SEEN, SEEN.__class__("#12 t", date(2024, 10, 7), False, SEEN.assignees), BEFORE,
         {}, {"due": date(2024, 10, 7)}, None),
        (SEEN, SEEN.__class__("#12 t", SEEN.due, False, frozenset({"b"})), AFTER, {}, {"assignees": {"b"}}, None),
        # Both, to different values: the bot's change after the poll that last saw Planner's value wins …
        (SEEN.__class__("#12 t", date(2024, 10, 7), False, SEEN.assignees),
         SEEN.__class__("#12 t", date(2024, 10, 14), False, SEEN.assignees), AFTER,
         {"due": date(2024, 10, 7)}, {}, Winner.BOT),
        # … a change made before it loses to Planner's.
        (SEEN.__class__("#12 t", date(2024, 10, 7), False, SEEN.assignees),
         SEEN.__class__("#12 t", date(2024, 10, 14), False, SEEN.assignees), BEFORE,
         {}, {"due": date(2024, 10, 14)}, Winner.PLANNER),
        # Both to the same value: nothing to do, nothing overridden.
        (SEEN.__class__("#12 t", SEEN.due, True, SEEN.assignees),
         SEEN.__class__("#12 t", SEEN.due, True, SEEN.assignees), AFTER, {}, {}, None),
    ],
)  # fmt: skip
def test_settling_field_by_field(
    bot: TaskFields,
    planner: TaskFields,
    changed_at: datetime,
    push: dict[str, object],
    take: dict[str, object],
    winner: Winner | None,
) -> None:
    decided = settle(SEEN, bot, planner, bot_changed_at=changed_at, seen_at=T0)
    pushed = {
        name: value
        for name, value in (("due", decided.push.due), ("done", decided.push.done))
        if value is not None
    }
    if decided.push.add_assignees or decided.push.remove_assignees:
        pushed["assignees"] = set(decided.push.add_assignees)
    assert pushed == push
    taken = {
        name: value
        for name, value in (("due", decided.take_due), ("done", decided.take_done))
        if value is not None
    }
    if decided.take_assignees is not None:
        taken["assignees"] = set(decided.take_assignees)
    assert taken == take
    assert [o.winner for o in decided.overridden] == ([winner] if winner else [])


def test_a_rename_in_planner_is_reported_not_taken_and_a_new_text_in_the_minutes_is_written() -> None:
    renamed = TaskFields("Budgetunderlag", SEEN.due, False, SEEN.assignees)
    decided = settle(SEEN, SEEN, renamed, bot_changed_at=AFTER, seen_at=T0)
    assert decided.renamed == "Budgetunderlag" and decided.push.title is None and decided.push.empty
    edited = TaskFields("#12 ny text", SEEN.due, False, SEEN.assignees)
    decided = settle(SEEN, edited, renamed, bot_changed_at=AFTER, seen_at=T0)
    assert decided.push.title == "#12 ny text" and decided.renamed is None


def test_a_task_found_again_takes_the_bots_values() -> None:
    found = TaskFields("#12 t", None, True, frozenset())
    decided = settle(None, SEEN, found, bot_changed_at=None, seen_at=None)
    assert decided.push.due == SEEN.due and decided.push.done is False
    assert decided.push.add_assignees == {"a"} and not decided.takes


def test_removing_an_assignee_and_clearing_a_due_are_pushed() -> None:
    bot = TaskFields("#12 t", None, False, frozenset())
    decided = settle(SEEN, bot, SEEN, bot_changed_at=AFTER, seen_at=T0)
    assert decided.push.clear_due and decided.push.due is None
    assert decided.push.remove_assignees == {"a"} and not decided.push.add_assignees
