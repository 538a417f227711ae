"""A hand-built history of three groups (FLG, FSG, VSG) over 2023 and 2024: items and their audit entries, for the
follow-through report's tests (the figures, the files, the card). The comments say what each item is."""

from __future__ import annotations

from datetime import UTC, date, datetime

from minutes.follow_through import Period
from minutes.model import ItemKind, Relative
from minutes.records import AuditEntry, ItemRecord, ItemStatus

A, D, F = ItemKind.ACTION, ItemKind.DECISION, ItemKind.FOLLOW_UP
OPEN, DONE = ItemStatus.OPEN, ItemStatus.DONE
TODAY = date(2025, 1, 10)
Y2023 = Period(date(2023, 1, 1), date(2023, 12, 31))
Y2024 = Period(date(2024, 1, 1), date(2024, 12, 31))
BOTH = Period(date(2023, 1, 1), date(2024, 12, 31))


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


def item(
    number: int,
    group: str,
    kind: ItemKind,
    meeting: str,
    due: str | None = None,
    *,
    status: ItemStatus = OPEN,
    done_on: str | None = None,
    owners: tuple[str, ...] = (),
    relative: Relative | None = None,
) -> ItemRecord:
    return ItemRecord(
        key=f"k{number}",
        document_key=f"doc-{group}-{meeting}",
        kind=kind,
        topic=f"Ämne {number}",
        text=f"Punkt {number}",
        owners=owners,
        actors=(),
        due=date.fromisoformat(due) if due else None,
        due_raw=due,
        due_relative=relative,
        source=f"p{number}.0",
        status=DONE if done_on else status,
        group=group,
        meeting_date=date.fromisoformat(meeting),
        changed_at=at(done_on) if done_on else None,
        id=number,
    )


def audit(number: int, action: str, detail: str, day: str) -> AuditEntry:
    return AuditEntry(at(day), "u1", action, f"k{number}", "teams:x", detail)


ITEMS = [
    # FLG 2023
    item(1, "FLG", A, "2023-02-06", "2023-03-01", done_on="2023-02-20", owners=("AA",)),  # 14 days
    item(2, "FLG", A, "2023-02-06", "2023-04-01", done_on="2023-03-20", owners=("BB",)),  # moved; 42 days
    item(3, "FLG", F, "2023-09-04", "2023-10-02", owners=("AA",)),  # open, overdue
    item(4, "FLG", D, "2023-09-04"),  # a decision: recorded, nothing to do
    # FLG 2024
    item(5, "FLG", A, "2024-01-15", "2024-02-15", owners=("ekonomichef",)),  # moved twice, overdue
    item(6, "FLG", A, "2024-01-15", "2024-03-01", done_on="2024-03-05", owners=("AA", "BB")),  # late; 50 days
    item(7, "FLG", A, "2024-06-10", status=ItemStatus.WITHDRAWN),  # left out
    item(8, "FLG", A, "2024-06-10", status=ItemStatus.ARCHIVED, owners=("ALLA",)),
    item(
        9, "FLG", D, "2024-06-10", "2024-09-01", done_on="2024-08-30", owners=("BB",)
    ),  # actionable; 81 days
    item(10, "FLG", F, "2024-11-04", owners=("AA",), relative=Relative.NEXT_MEETING),  # an old-style change
    item(11, "FLG", A, "2024-11-04", status=ItemStatus.DISMISSED),  # left out
    # FSG
    item(
        21, "FSG", A, "2023-03-13", "2023-04-30", done_on="2023-04-30", owners=("Eva Lind",)
    ),  # on the day; 48
    item(22, "FSG", A, "2023-03-13"),  # no owner, no date: open, never overdue
    item(23, "FSG", F, "2024-05-20", "2024-06-17", done_on="2024-06-17", owners=("Eva Lind",)),  # moved; 28
    item(24, "FSG", A, "2024-05-20", "2024-12-31", owners=("Eva Lind", "hr-chef")),  # overdue
    item(25, "FSG", A, "2024-12-31", "2025-02-01", owners=("ALLA",)),  # the period's last day; not yet due
    item(26, "FSG", A, "2025-01-08", "2025-01-09", owners=("ALLA",)),  # after the period
    # VSG
    item(31, "VSG", D, "2023-12-04"),
    item(32, "VSG", D, "2024-01-01"),
    item(33, "VSG", A, "2024-02-05", "2024-03-01", done_on="2024-04-10", owners=("CC",)),  # late; 65 days
    item(34, "VSG", A, "2022-12-31", "2023-01-31", owners=("CC",)),  # before the period
]
AUDIT = [
    audit(2, "item.moved", "2023-03-01→2023-04-01", "2023-02-27"),
    audit(5, "item.updated", "#5: due, due_raw; due 2024-01-31→2024-02-10", "2024-01-20"),
    audit(5, "item.moved", "2024-02-10→2024-02-15", "2024-02-09"),
    audit(5, "item.updated", "#5: text", "2024-02-12"),  # no date changed
    audit(6, "item.done", "#6", "2024-03-05"),
    audit(10, "item.updated", "#10: due_relative, due_raw", "2024-11-20"),  # before the dates were logged
    audit(23, "item.moved", "2024-06-03→2024-06-17", "2024-06-01"),
    audit(24, "item.updated", "#24: owners", "2024-06-01"),
]
