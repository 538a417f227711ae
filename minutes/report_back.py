"""Report-back before a meeting: the owner's answer ('Läge'), when the cards go out, how it reads. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from minutes.calendar import STOCKHOLM, is_working_day, previous_working_day
from minutes.dates import SHORT_MONTHS

# Working days before the agenda goes out that the owners are asked (a group's `[report_back]
# lead_working_days`), and the bounds a group's file may set.
REPORT_BACK_LEAD_DAYS: Final = 2
REPORT_BACK_DAYS: Final = range(1, 21)
# The longest 'Läge' kept: a line on the agenda, not a report.
MAX_NOTE: Final = 500


class ReportState(StrEnum):
    """The owner's choice on the report-back card."""

    DONE = "klar"  # Klar: the item is closed
    ONGOING = "pagar"  # Pågår
    NEEDS_SUPPORT = "stod"  # Behöver stöd: flagged on the agenda, the secretary is told
    MOVE = "flytta"  # Flytta till … : the item gets the new date (as `flytta`)

    @property
    def label(self) -> str:
        return STATE_LABELS[self]


STATE_LABELS: Final = {
    ReportState.DONE: "Klar",
    ReportState.ONGOING: "Pågår",
    ReportState.NEEDS_SUPPORT: "Behöver stöd",
    ReportState.MOVE: "Flytta till …",
}


def parse_state(value: object) -> ReportState | None:
    """The state a card's choice carries; None for anything else (a forged or empty value)."""
    if not isinstance(value, str):
        return None
    try:
        return ReportState(value.strip())
    except ValueError:
        return None


def clean_note(value: object) -> str:
    """The 'Läge' text as stored: whitespace collapsed, at most MAX_NOTE characters; '' for no text."""
    if not isinstance(value, str):
        return ""
    return " ".join(value.split())[:MAX_NOTE]


@dataclass(frozen=True, slots=True)
class ReportBack:
    """One answer about one item before one meeting: who (Entra object id, and as the group knows them:
    initials else name), what, when. The latest answer before the meeting stands; each is audited."""

    item_id: int
    group: str
    meeting_date: date
    state: ReportState
    note: str
    by: str  # Entra object id, casefolded
    by_label: str  # 'AA', or the name when the roster gives no initials
    at: datetime
    moved_to: date | None = None


def report_line(report: ReportBack) -> str:
    """How the answer reads under its item: 'Läge från AA 5 sep: Pågår – offerten kommer v. 38'."""
    said = report.state.label
    if report.state is ReportState.MOVE:
        said = f"Flyttas till {_short(report.moved_to)}" if report.moved_to else "Flyttas"
    when = _short(report.at.astimezone(ZoneInfo(STOCKHOLM)).date())
    return f"Läge från {report.by_label} {when}: {said}" + (f" – {report.note}" if report.note else "")


def _short(day: date) -> str:
    """'5 sep': the day and month, as a line written days before the meeting needs."""
    return f"{day.day} {SHORT_MONTHS[day.month - 1]}"


def working_days_before(day: date, count: int) -> date:
    """The working day `count` working days before `day` (weekends and Swedish holidays skipped)."""
    for _ in range(count):
        day = previous_working_day(day - timedelta(days=1))
    return day


def owners_day(meeting: date, *, agenda_lead: int, report_lead: int) -> date:
    """When the owners are asked: `report_lead` working days before the agenda goes out, which is
    `agenda_lead` working days before the meeting."""
    return working_days_before(meeting, agenda_lead + report_lead)


def secretary_day(meeting: date) -> date:
    """When the secretary hears who has not reported: the working day before the meeting."""
    return working_days_before(meeting, 1)


def is_open_for_answers(meeting: date, today: date) -> bool:
    """Answers can be given and changed until the meeting day (not on it: the meeting asks then)."""
    return today < meeting


def is_report_day(today: date, first: date, meeting: date) -> bool:
    """Whether a card due on `first` goes out today: on a working day from `first` until the meeting, so a
    service that was down on `first` catches up the next working day."""
    return is_working_day(today) and first <= today < meeting
