"""The follow-through report's figures from items and their audit history. Pure: no I/O, `today` is a parameter."""

# Every figure is defined once, in FIGURES (its name, its Swedish label and which items it counts); README's table
# 'The follow-through report' states the same definitions, and the .xlsx lists each figure's items on a sheet.

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from minutes.dates import format_date
from minutes.model import ItemKind
from minutes.people import ALL
from minutes.records import AuditEntry, ItemRecord, ItemStatus, is_actionable

# What a user's move and an edit of the minutes write to the audit log (store.items): 'item.moved' with detail
# 'OLD→NEW' (ISO dates, a relative due or '-'); 'item.updated' with '#12: due, due_raw; due OLD→NEW' when the
# minutes' date changed (older entries name the fields only, without the dates).
MOVED = "item.moved"
UPDATED = "item.updated"
_DUE_FIELDS = frozenset({"due", "due_relative"})
_ARROW = "→"

# Items a report leaves out: gone from the minutes, or 'inte en uppgift' by the secretary.
LEFT_OUT = frozenset({ItemStatus.WITHDRAWN, ItemStatus.DISMISSED})
# How many of the oldest open items the report lists.
OLDEST_SHOWN = 5
# The age brackets of the open items (days since their meeting, up to and including the bound).
AGE_BRACKETS: tuple[tuple[str, int | None], ...] = (
    ("0–30 dagar", 30),
    ("31–90 dagar", 90),
    ("91–180 dagar", 180),
    ("181–365 dagar", 365),
    ("över ett år", None),
)
NO_OWNER = "(ingen ansvarig)"
NO_ROLE = "(ingen roll)"
EVERYONE_ROLE = "alla"


@dataclass(frozen=True, slots=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class ItemFacts:
    """One item as the report sees it: the record, the date the minutes first gave it (None when it had none,
    or the log does not tell), how often its date changed after the first reading, and the day it was checked
    off (its last status change, a UTC day, when it is done now)."""

    item: ItemRecord
    first_due: date | None
    moves: int
    done_on: date | None

    @property
    def meeting(self) -> date:
        return self.item.meeting_date or date.min

    @property
    def days_to_done(self) -> int | None:
        if self.done_on is None or self.item.meeting_date is None:
            return None
        return (self.done_on - self.item.meeting_date).days


def _due_change(entry: AuditEntry) -> tuple[bool, str | None]:
    """Whether an audit entry changed the item's date, and the date it had before when the entry says."""
    if entry.action == MOVED:
        old, _, _ = entry.detail.partition(_ARROW)
        return True, old
    if entry.action != UPDATED:
        return False, None
    _, _, rest = entry.detail.partition(": ")
    fields, _, dates = rest.partition("; due ")
    named = {name.strip() for name in fields.split(" (")[0].split(",")}
    if not named & _DUE_FIELDS:
        return False, None
    old, arrow, _ = dates.partition(_ARROW)
    return True, old if arrow else None


def _iso_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:  # a relative due ('next_meeting') or '-': no date
        return None


def item_facts(item: ItemRecord, entries: Iterable[AuditEntry]) -> ItemFacts:
    """The facts of `item` from its audit entries (any order; those about other items are ignored)."""
    changes = sorted((e for e in entries if e.subject == item.key), key=lambda e: e.at)
    moves = 0
    first_due = item.due
    for entry in changes:
        changed, old = _due_change(entry)
        if not changed:
            continue
        if moves == 0:  # the first change tells what the minutes first gave, when it says
            first_due = _iso_date(old) if old is not None else None
        moves += 1
    done_on = (
        item.changed_at.date() if item.status is ItemStatus.DONE and item.changed_at is not None else None
    )
    return ItemFacts(item, first_due, moves, done_on)


def facts_of(items: Iterable[ItemRecord], entries: Iterable[AuditEntry]) -> tuple[ItemFacts, ...]:
    """item_facts for every item, the audit log read once."""
    by_subject: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        if entry.action in (MOVED, UPDATED):
            by_subject.setdefault(entry.subject, []).append(entry)
    return tuple(item_facts(item, by_subject.get(item.key, ())) for item in items)


# ---- the figures ------------------------------------------------------------------------------------------

Counts = Callable[[ItemFacts, date], bool]


def _to_do(f: ItemFacts, today: date) -> bool:
    return is_actionable(f.item)


def _done(f: ItemFacts, today: date) -> bool:
    return _to_do(f, today) and f.item.status is ItemStatus.DONE


def _open(f: ItemFacts, today: date) -> bool:
    return _to_do(f, today) and f.item.status is ItemStatus.OPEN


@dataclass(frozen=True, slots=True)
class Figure:
    """A counted figure: `counts` says whether an item of the period counts in it on `today`."""

    name: str
    label: str  # Swedish, as the report and the card show it
    counts: Counts


FIGURES: tuple[Figure, ...] = (
    Figure("actions", "Åtgärder", lambda f, t: f.item.kind is ItemKind.ACTION),
    Figure("follow_ups", "Uppföljningar", lambda f, t: f.item.kind is ItemKind.FOLLOW_UP),
    Figure("decisions", "Beslut", lambda f, t: f.item.kind is ItemKind.DECISION),
    Figure("to_do", "Att göra", _to_do),
    Figure("done", "Klara", _done),
    Figure(
        "done_by_first_due",
        "Klara senast första datumet",
        lambda f, t: _done(f, t) and f.first_due is not None and f.done_on is not None and f.done_on <= f.first_due,
    ),
    Figure(
        "done_by_last_due",
        "Klara senast sista datumet",
        lambda f, t: _done(f, t) and f.item.due is not None and f.done_on is not None and f.done_on <= f.item.due,
    ),
    Figure("open", "Öppna", _open),
    Figure("overdue", "Försenade", lambda f, t: _open(f, t) and f.item.due is not None and f.item.due < t),
    Figure("moved", "Flyttade", lambda f, t: _to_do(f, t) and f.moves > 0),
    Figure("archived", "Arkiverade", lambda f, t: _to_do(f, t) and f.item.status is ItemStatus.ARCHIVED),
)  # fmt: skip
FIGURE_BY_NAME: Mapping[str, Figure] = {figure.name: figure for figure in FIGURES}


@dataclass(frozen=True, slots=True)
class Figures:
    """The counted figures (by name, in FIGURES' order), the date changes of all items and the median days from
    meeting to done (None when nothing is done)."""

    counts: tuple[tuple[str, int], ...]
    moves: int
    median_days_to_done: float | None

    def __getitem__(self, name: str) -> int:
        return dict(self.counts)[name]


def figures(facts: Sequence[ItemFacts], today: date) -> Figures:
    return _tally([(f, _flags(f, today)) for f in facts])


def _flags(fact: ItemFacts, today: date) -> tuple[bool, ...]:
    """Whether `fact` counts in each of FIGURES, in order: asked once per item, however many tallies use it."""
    return tuple(figure.counts(fact, today) for figure in FIGURES)


_TO_DO = next(index for index, figure in enumerate(FIGURES) if figure.name == "to_do")
_DONE = next(index for index, figure in enumerate(FIGURES) if figure.name == "done")


def _tally(flagged: Sequence[tuple[ItemFacts, tuple[bool, ...]]]) -> Figures:
    counts = [0] * len(FIGURES)
    moves = 0
    days: list[int] = []
    for fact, flags in flagged:
        for index, counted in enumerate(flags):
            counts[index] += counted
        if flags[_TO_DO]:
            moves += fact.moves
        if flags[_DONE] and fact.days_to_done is not None:
            days.append(fact.days_to_done)
    median = float(statistics.median(days)) if days else None
    return Figures(
        tuple((figure.name, count) for figure, count in zip(FIGURES, counts, strict=True)), moves, median
    )


@dataclass(frozen=True, slots=True)
class MonthRow:
    """A month of the period: items to do met then, and items checked off then (of those the period counts)."""

    month: date  # its first day
    created: int
    done: int


@dataclass(frozen=True, slots=True)
class FollowThrough:
    """The report of one group over `period`, as the items stood on `today`. `facts` are the period's items
    (meeting date in the period, withdrawn and dismissed ones left out): the rows behind every figure.
    `by_owner` and `by_role` describe named staff: only the report's files show them, never a card."""

    group: str
    period: Period
    today: date
    facts: tuple[ItemFacts, ...]
    totals: Figures
    by_owner: tuple[tuple[str, Figures], ...]
    by_role: tuple[tuple[str, Figures], ...]
    oldest_open: tuple[ItemFacts, ...]
    months: tuple[MonthRow, ...]
    open_by_age: tuple[tuple[str, int], ...]

    def rows_of(self, name: str) -> tuple[ItemFacts, ...]:
        """The items a figure counts (the .xlsx's sheet of that figure)."""
        figure = FIGURE_BY_NAME[name]
        return tuple(f for f in self.facts if figure.counts(f, self.today))


def in_period(items: Iterable[ItemRecord], group: str, period: Period) -> list[ItemRecord]:
    """The group's items met in the period, withdrawn and dismissed ones left out."""
    return [
        item
        for item in items
        if item.group == group and item.meeting_date in period and item.status not in LEFT_OUT
    ]


def follow_through(
    group: str,
    period: Period,
    items: Iterable[ItemRecord],
    entries: Iterable[AuditEntry],
    *,
    today: date,
    roles: Mapping[str, Sequence[str]] | None = None,
) -> FollowThrough:
    """The report of `group` over `period` on `today`. `entries` is the audit log of the items (at least their
    'item.moved' and 'item.updated' entries); `roles` maps an owner as written (casefolded) to the roster's
    roles of that person: an owner the roster does not list counts under itself when it is written in lower
    case (a role or party, 'hr-chef'), 'ALLA' under 'alla', anyone else under '(ingen roll)'."""
    facts = tuple(
        sorted(facts_of(in_period(items, group, period), entries), key=lambda f: (f.meeting, f.item.id or 0))
    )
    flagged = [(fact, _flags(fact, today)) for fact in facts]
    by_owner: dict[str, list[tuple[ItemFacts, tuple[bool, ...]]]] = {}
    by_role: dict[str, list[tuple[ItemFacts, tuple[bool, ...]]]] = {}
    for fact, flags in flagged:
        owners = fact.item.owners or (NO_OWNER,)
        for owner in dict.fromkeys(owners):
            by_owner.setdefault(owner, []).append((fact, flags))
        item_roles = dict.fromkeys(
            role for owner in fact.item.owners for role in role_of(owner, roles or {})
        ) or {NO_ROLE: None}
        for role in item_roles:
            by_role.setdefault(role, []).append((fact, flags))
    open_facts = [f for f in facts if _open(f, today)]
    return FollowThrough(
        group=group,
        period=period,
        today=today,
        facts=facts,
        totals=_tally(flagged),
        by_owner=tuple((owner, _tally(rows)) for owner, rows in sorted(by_owner.items())),
        by_role=tuple((role, _tally(rows)) for role, rows in sorted(by_role.items())),
        oldest_open=tuple(open_facts[:OLDEST_SHOWN]),
        months=month_rows(facts, period, today),
        open_by_age=age_brackets(open_facts, today),
    )


def role_of(owner: str, roles: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The roles an owner counts under (see follow_through)."""
    listed = roles.get(owner.casefold())
    if listed is not None:
        return tuple(listed) or (NO_ROLE,)
    if owner == ALL:
        return (EVERYONE_ROLE,)
    return (owner,) if owner == owner.lower() else (NO_ROLE,)


def _month(day: date) -> date:
    return day.replace(day=1)


def month_rows(facts: Sequence[ItemFacts], period: Period, today: date) -> tuple[MonthRow, ...]:
    """Each month of the period: items to do met that month, and items to do checked off that month."""
    created: dict[date, int] = {}
    done: dict[date, int] = {}
    for fact in facts:
        if not _to_do(fact, today):
            continue
        created[_month(fact.meeting)] = created.get(_month(fact.meeting), 0) + 1
        if _done(fact, today) and fact.done_on in period and fact.done_on is not None:
            done[_month(fact.done_on)] = done.get(_month(fact.done_on), 0) + 1
    rows: list[MonthRow] = []
    month = _month(period.start)
    while month <= period.end:
        rows.append(MonthRow(month, created.get(month, 0), done.get(month, 0)))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return tuple(rows)


def age_brackets(open_facts: Sequence[ItemFacts], today: date) -> tuple[tuple[str, int], ...]:
    """How many open items are how old (days from their meeting to `today`), by AGE_BRACKETS."""
    counts = dict.fromkeys((label for label, _ in AGE_BRACKETS), 0)
    for fact in open_facts:
        age = (today - fact.meeting).days
        label = next(label for label, bound in AGE_BRACKETS if bound is None or age <= bound)
        counts[label] += 1
    return tuple(counts.items())


def share(part: int, whole: int) -> str:
    """'65 %' (rounded), or '–' of nothing."""
    return f"{round(100 * part / whole)} %" if whole else "–"


def format_days(days: float | None) -> str:
    """'12 dagar', '12,5 dagar', or '–'."""
    if days is None:
        return "–"
    text = f"{days:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} {'dag' if days == 1 else 'dagar'}"


def summary_line(totals: Figures) -> str:
    """The report in one line (the weekly digest's): 'Klara 34 av 52 (65 %), 28 senast sista datumet,
    6 försenade.'"""
    to_do, done = totals["to_do"], totals["done"]
    return (
        f"Klara {done} av {to_do} ({share(done, to_do)}), {totals['done_by_last_due']} senast sista datumet, "
        f"{totals['overdue']} försenade."
    )


def period_label(period: Period) -> str:
    """'1 jan 2024 – 31 dec 2024'."""
    return f"{format_date(period.start)} – {format_date(period.end)}"


def total_facts(totals: Figures) -> tuple[tuple[str, str], ...]:
    """The group's totals as (label, value) lines, in Swedish: what the card, the text and the files show."""
    to_do, done = totals["to_do"], totals["done"]
    return (
        ("Åtgärder", str(totals["actions"])),
        ("Uppföljningar", str(totals["follow_ups"])),
        ("Beslut", str(totals["decisions"])),
        ("Att göra", str(to_do)),
        ("Klara", f"{done} av {to_do} ({share(done, to_do)})"),
        ("Klara senast första datumet", f"{totals['done_by_first_due']} ({share(totals['done_by_first_due'], done)} av de klara)"),
        ("Klara senast sista datumet", f"{totals['done_by_last_due']} ({share(totals['done_by_last_due'], done)} av de klara)"),
        ("Öppna", f"{totals['open']}, varav {totals['overdue']} försenade"),
        ("Flyttade", f"{totals['moved']} punkter, {totals.moves} gånger"),
        ("Arkiverade", str(totals["archived"])),
        ("Mediantid från möte till klar", format_days(totals.median_days_to_done)),
    )  # fmt: skip
