"""A due date a user moved survives edits of the minutes until the minutes give the item another date."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from minutes.model import ItemKind, Relative
from minutes.reconcile import is_moved, is_reassigned, reconcile
from minutes.records import ItemRecord, ItemStatus

OCT_7 = date(2024, 10, 7)
OCT_21 = date(2024, 10, 21)
NOV_4 = date(2024, 11, 4)  # where users move items to
TEXT = "Ta fram ett förslag till budget."


@dataclass(frozen=True)
class Due:
    """A due as the record fields hold it."""

    date: date | None
    raw: str | None = None
    relative: Relative | None = None


MOVED_TO_NOV_4 = Due(NOV_4, "2024-11-04")  # what SqlStore.set_due writes
D_OCT_7 = Due(OCT_7, "7/10")
D_OCT_21 = Due(OCT_21, "21/10")
NEXT_MEETING = Due(None, "kommande FLG", Relative.NEXT_MEETING)
UNDATED = Due(None)


def stored(current: Due, minutes: Due, *, status: ItemStatus = ItemStatus.DONE) -> ItemRecord:
    """A stored item: its current due, and the due the minutes gave it when they were last read."""
    return ItemRecord(
        key="k1",
        document_key="doc",
        kind=ItemKind.ACTION,
        topic="Budget",
        text=TEXT,
        owners=("EK",),
        actors=(),
        due=current.date,
        due_raw=current.raw,
        due_relative=current.relative,
        source="t1.r1.c2.0",
        status=status,
        id=12,
        document_due=minutes.date,
        document_due_relative=minutes.relative,
    )


def extracted(due: Due, *, text: str = TEXT) -> ItemRecord:
    """The item as read from the edited minutes (document_due left unset: reconcile takes the due as it)."""
    return ItemRecord(
        key="fresh",
        document_key="doc",
        kind=ItemKind.ACTION,
        topic="Budget",
        text=text,
        owners=("EK",),
        actors=(),
        due=due.date,
        due_raw=due.raw,
        due_relative=due.relative,
        source="t1.r1.c2.0",
    )


@dataclass(frozen=True)
class Case:
    name: str
    current: Due  # the item's due as stored
    minutes_before: Due  # what the minutes said when last read
    minutes_now: Due  # what the edited minutes say
    expected: Due  # the item's due afterwards
    updated: bool  # whether the item is updated (else unchanged)
    text: str = TEXT


CASES = [
    Case("untouched item, same date", D_OCT_7, D_OCT_7, D_OCT_7, D_OCT_7, updated=False),
    Case("untouched item, the minutes move it", D_OCT_7, D_OCT_7, D_OCT_21, D_OCT_21, updated=True),
    Case(
        "untouched item, the date reworded",
        D_OCT_7,
        D_OCT_7,
        Due(OCT_7, "den 7 oktober"),
        Due(OCT_7, "den 7 oktober"),
        updated=True,
    ),
    Case("moved, the minutes unchanged", MOVED_TO_NOV_4, D_OCT_7, D_OCT_7, MOVED_TO_NOV_4, updated=False),
    Case(
        "moved, another part of the row edited",
        MOVED_TO_NOV_4,
        D_OCT_7,
        D_OCT_7,
        MOVED_TO_NOV_4,
        updated=True,
        text=TEXT + " Ekonomichefen bjuds in.",
    ),
    Case(
        "moved, the date reworded but the same",
        MOVED_TO_NOV_4,
        D_OCT_7,
        Due(OCT_7, "den 7 oktober"),
        MOVED_TO_NOV_4,
        updated=False,
    ),
    Case("moved, the minutes give a new date", MOVED_TO_NOV_4, D_OCT_7, D_OCT_21, D_OCT_21, updated=True),
    Case("moved, the minutes drop the date", MOVED_TO_NOV_4, D_OCT_7, UNDATED, UNDATED, updated=True),
    Case(
        "moved, the minutes agree with the move",
        MOVED_TO_NOV_4,
        D_OCT_7,
        Due(NOV_4, "4/11"),
        Due(NOV_4, "4/11"),
        updated=True,
    ),
    Case(
        "moved from undated, still undated", MOVED_TO_NOV_4, UNDATED, UNDATED, MOVED_TO_NOV_4, updated=False
    ),
    Case("moved from undated, now dated", MOVED_TO_NOV_4, UNDATED, D_OCT_21, D_OCT_21, updated=True),
    Case(
        "moved from 'next meeting', still so",
        MOVED_TO_NOV_4,
        NEXT_MEETING,
        NEXT_MEETING,
        MOVED_TO_NOV_4,
        updated=False,
    ),
    Case(
        "moved from 'next meeting', now dated",
        MOVED_TO_NOV_4,
        NEXT_MEETING,
        D_OCT_21,
        D_OCT_21,
        updated=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_moved_due_stands_until_the_minutes_change_the_items_date(case: Case) -> None:
    old = stored(case.current, case.minutes_before)

    result = reconcile([old], [extracted(case.minutes_now, text=case.text)])

    assert not result.added and not result.withdrawn
    if not case.updated:
        assert result.unchanged == (old,) and not result.updated
        return
    ((before, after),) = result.updated
    assert before is old
    assert (after.due, after.due_raw, after.due_relative) == (
        case.expected.date,
        case.expected.raw,
        case.expected.relative,
    )
    # What the minutes say now is remembered, so the next edit compares with it.
    assert (after.document_due, after.document_due_relative) == (
        case.minutes_now.date,
        case.minutes_now.relative,
    )
    assert (after.key, after.id, after.status, after.text) == ("k1", 12, ItemStatus.DONE, case.text)


def test_a_kept_move_is_still_a_move_for_the_next_edit() -> None:
    old = stored(MOVED_TO_NOV_4, D_OCT_7)
    first = reconcile([old], [extracted(D_OCT_7, text=TEXT + " Rapport.")])
    ((_, after),) = first.updated
    assert is_moved(after)

    second = reconcile([after], [extracted(D_OCT_21, text=TEXT + " Rapport.")])

    ((_, latest),) = second.updated
    assert (latest.due, latest.due_raw) == (OCT_21, "21/10") and not is_moved(latest)


def test_added_items_take_their_due_as_the_minutes_due() -> None:
    result = reconcile([], [extracted(D_OCT_7), replace(extracted(NEXT_MEETING), source="t1.r2.c2.0")])

    assert [(a.document_due, a.document_due_relative) for a in result.added] == [
        (OCT_7, None),
        (None, Relative.NEXT_MEETING),
    ]
    assert not any(is_moved(a) for a in result.added)


def test_a_revived_item_keeps_its_move_while_the_minutes_say_the_same() -> None:
    gone = stored(MOVED_TO_NOV_4, D_OCT_7, status=ItemStatus.WITHDRAWN)

    result = reconcile([gone], [extracted(D_OCT_7)])

    ((_, revived),) = result.updated
    assert (revived.id, revived.status, revived.due, revived.document_due) == (
        12,
        ItemStatus.OPEN,
        NOV_4,
        OCT_7,
    )


@pytest.mark.parametrize(
    ("minutes_owners", "expected_owners", "kept"),
    [
        (("EK",), ("EE",), True),  # the minutes unchanged: the owners the secretary set stand
        (("RN",), ("RN",), False),  # the minutes name another owner: theirs replace the correction
        (("EE",), ("EE",), False),  # the minutes now say what the secretary said
    ],
)
def test_owners_the_secretary_set_stand_until_the_minutes_name_others(
    minutes_owners: tuple[str, ...], expected_owners: tuple[str, ...], kept: bool
) -> None:
    corrected = replace(
        stored(D_OCT_7, D_OCT_7, status=ItemStatus.OPEN), owners=("EE",), document_owners=("EK",)
    )
    assert is_reassigned(corrected)
    changes = reconcile([corrected], [replace(extracted(D_OCT_7), owners=minutes_owners)])
    [after] = [*changes.unchanged, *(new for _, new in changes.updated)]
    assert after.owners == expected_owners and is_reassigned(after) is kept and after.id == 12
    assert (changes.unchanged == (corrected,)) is kept  # nothing to write while the correction stands


def test_a_dismissed_row_stays_dismissed_when_the_minutes_are_read_again() -> None:
    dismissed = stored(D_OCT_7, D_OCT_7, status=ItemStatus.DISMISSED)
    changes = reconcile([dismissed], [extracted(D_OCT_21)])
    [(_, after)] = changes.updated
    assert after.status is ItemStatus.DISMISSED and after.due == OCT_21 and not changes.added
