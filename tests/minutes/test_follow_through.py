"""The follow-through figures on a hand-built history: three groups over 2023 and 2024, each number worked out by
hand (the comments say which items count)."""

from __future__ import annotations

from datetime import date

import pytest

from minutes.follow_through import (
    FIGURES,
    Period,
    follow_through,
    format_days,
    item_facts,
    share,
    summary_line,
)
from tests.minutes.follow_through_history import AUDIT, BOTH, ITEMS, TODAY, Y2023, Y2024

NAMES = [figure.name for figure in FIGURES]
# actions, follow_ups, decisions, to_do, done, done_by_first_due, done_by_last_due, open, overdue, moved, archived
CASES = [
    # 1, 2 done (2 moved, late on its first date); 3 open and overdue; 4 a decision.
    ("FLG", Y2023, (2, 1, 1, 3, 2, 1, 2, 1, 1, 1, 0), 1, 28.0),
    # 5 open, overdue, moved twice; 6 done late; 8 archived; 9 a decision to do, done in time; 10 open, moved.
    ("FLG", Y2024, (3, 1, 1, 5, 2, 1, 1, 2, 1, 2, 1), 3, 65.5),
    ("FLG", BOTH, (5, 2, 2, 8, 4, 2, 3, 3, 2, 3, 1), 4, 46.0),
    # 21 done on its day; 22 open without a date.
    ("FSG", Y2023, (2, 0, 0, 2, 1, 1, 1, 1, 0, 0, 0), 0, 48.0),
    # 23 done on its moved date, after its first; 24 overdue; 25 open, due after today; 26 after the period.
    ("FSG", Y2024, (2, 1, 0, 3, 1, 0, 1, 2, 1, 1, 0), 1, 28.0),
    ("VSG", Y2023, (0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0), 0, None),  # 34 met before the period
    ("VSG", Y2024, (1, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0), 0, 65.0),
]


@pytest.mark.parametrize(("group", "period", "counts", "moves", "median"), CASES)
def test_group_figures(
    group: str, period: Period, counts: tuple[int, ...], moves: int, median: float | None
) -> None:
    report = follow_through(group, period, ITEMS, AUDIT, today=TODAY)
    assert report.totals.counts == tuple(zip(NAMES, counts, strict=True))
    assert (report.totals.moves, report.totals.median_days_to_done) == (moves, median)


def test_each_figure_lists_the_items_it_counts() -> None:
    report = follow_through("FLG", Y2024, ITEMS, AUDIT, today=TODAY)
    rows = {name: [f.item.id for f in report.rows_of(name)] for name in NAMES}
    assert rows == {
        "actions": [5, 6, 8],
        "follow_ups": [10],
        "decisions": [9],
        "to_do": [5, 6, 8, 9, 10],
        "done": [6, 9],
        "done_by_first_due": [9],
        "done_by_last_due": [9],
        "open": [5, 10],
        "overdue": [5],
        "moved": [5, 10],
        "archived": [8],
    }
    assert [f.item.id for f in report.facts] == [5, 6, 8, 9, 10]  # 7 withdrawn and 11 dismissed left out


@pytest.mark.parametrize(
    ("number", "first_due", "moves", "done_on"),
    [
        (1, date(2023, 3, 1), 0, date(2023, 2, 20)),
        (2, date(2023, 3, 1), 1, date(2023, 3, 20)),  # the move's old date
        (5, date(2024, 1, 31), 2, None),  # the minutes' edit gave the old date; the text edit is no move
        (10, None, 1, None),  # an edit logged before the dates were: the first date is not known
        (23, date(2024, 6, 3), 1, date(2024, 6, 17)),
        (24, date(2024, 12, 31), 0, None),  # an owners' change is no move
    ],
)
def test_item_facts_from_the_audit_log(
    number: int, first_due: date | None, moves: int, done_on: date | None
) -> None:
    record = next(i for i in ITEMS if i.id == number)
    facts = item_facts(record, AUDIT)
    assert (facts.first_due, facts.moves, facts.done_on) == (first_due, moves, done_on)


def test_per_owner_and_per_role() -> None:
    roles = {"aa": ["sekreterare"], "bb": ["ordförande"]}
    report = follow_through("FLG", Y2024, ITEMS, AUDIT, today=TODAY, roles=roles)
    owners = {
        owner: (f["to_do"], f["done"], f["open"], f["overdue"], f["archived"]) for owner, f in report.by_owner
    }
    assert owners == {
        "AA": (2, 1, 1, 0, 0),  # 6 done, 10 open (no date)
        "ALLA": (1, 0, 0, 0, 1),  # 8 archived
        "BB": (2, 2, 0, 0, 0),  # 6 and 9
        "ekonomichef": (1, 0, 1, 1, 0),  # 5
    }
    by_role = {role: (f["to_do"], f["done"]) for role, f in report.by_role}
    assert by_role == {"alla": (1, 0), "ekonomichef": (1, 0), "ordförande": (2, 2), "sekreterare": (2, 1)}


def test_months_ages_and_the_oldest_open() -> None:
    report = follow_through("FLG", Y2024, ITEMS, AUDIT, today=TODAY)
    months = {row.month.month: (row.created, row.done) for row in report.months if row.created or row.done}
    assert len(report.months) == 12
    assert months == {1: (2, 0), 3: (0, 1), 6: (2, 0), 8: (0, 1), 11: (1, 0)}
    # 5 met 361 days before today, 10 met 67 days before.
    assert dict(report.open_by_age) == {
        "0–30 dagar": 0,
        "31–90 dagar": 1,
        "91–180 dagar": 0,
        "181–365 dagar": 1,
        "över ett år": 0,
    }
    assert [f.item.id for f in report.oldest_open] == [5, 10]


def test_no_items_in_the_period() -> None:
    report = follow_through("FLG", Period(date(2020, 1, 1), date(2020, 3, 31)), ITEMS, AUDIT, today=TODAY)
    assert all(count == 0 for _, count in report.totals.counts)
    assert report.totals.median_days_to_done is None and len(report.months) == 3
    assert summary_line(report.totals) == "Klara 0 av 0 (–), 0 senast sista datumet, 0 försenade."


@pytest.mark.parametrize(
    ("value", "text"), [(None, "–"), (1.0, "1 dag"), (28.0, "28 dagar"), (65.5, "65,5 dagar")]
)
def test_format_days(value: float | None, text: str) -> None:
    assert format_days(value) == text


def test_the_summary_line() -> None:
    report = follow_through("FLG", BOTH, ITEMS, AUDIT, today=TODAY)
    assert share(4, 8) == "50 %"
    assert summary_line(report.totals) == "Klara 4 av 8 (50 %), 3 senast sista datumet, 2 försenade."
