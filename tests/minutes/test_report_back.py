"""The report-back core: when the cards go out (working days, Swedish holidays), how an answer reads on the agenda,
and what a card's inputs may carry."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from minutes.report_back import (
    MAX_NOTE,
    ReportBack,
    ReportState,
    clean_note,
    is_open_for_answers,
    is_report_day,
    owners_day,
    parse_state,
    report_line,
    secretary_day,
)


@pytest.mark.parametrize(
    ("meeting", "agenda_lead", "report_lead", "owners", "secretary"),
    [
        (date(2024, 9, 9), 3, 2, date(2024, 9, 2), date(2024, 9, 6)),  # an ordinary Monday
        (date(2024, 9, 11), 3, 2, date(2024, 9, 4), date(2024, 9, 10)),  # a Wednesday: over the weekend
        # Midsommarafton (Fri 21 June 2024) is no working day: the day before the meeting is Thursday.
        (date(2024, 6, 24), 1, 1, date(2024, 6, 19), date(2024, 6, 20)),
        # Christmas and the days around it: the owners are asked before julafton.
        (date(2024, 12, 27), 1, 2, date(2024, 12, 19), date(2024, 12, 23)),
        (date(2024, 9, 9), 3, 20, date(2024, 8, 7), date(2024, 9, 6)),
    ],
)
def test_the_days_the_cards_go_out(
    meeting: date, agenda_lead: int, report_lead: int, owners: date, secretary: date
) -> None:
    assert owners_day(meeting, agenda_lead=agenda_lead, report_lead=report_lead) == owners
    assert secretary_day(meeting) == secretary


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2024, 8, 30), False),  # before the day
        (date(2024, 9, 2), True),
        (date(2024, 9, 3), True),  # catching up
        (date(2024, 9, 7), False),  # a Saturday
        (date(2024, 9, 9), False),  # the meeting itself
    ],
)
def test_a_card_goes_out_on_working_days_from_its_day_until_the_meeting(today: date, expected: bool) -> None:
    assert is_report_day(today, date(2024, 9, 2), date(2024, 9, 9)) is expected


def test_answers_are_open_until_the_meeting_day() -> None:
    assert is_open_for_answers(date(2024, 9, 9), date(2024, 9, 8))
    assert not is_open_for_answers(date(2024, 9, 9), date(2024, 9, 9))


AT = datetime(2024, 9, 4, 22, 30, tzinfo=UTC)  # already 5 September in Stockholm


@pytest.mark.parametrize(
    ("state", "note", "moved_to", "line"),
    [
        (ReportState.ONGOING, "Offert inväntas", None, "Läge från AA 5 sep: Pågår – Offert inväntas"),
        (ReportState.DONE, "", None, "Läge från AA 5 sep: Klar"),
        (ReportState.NEEDS_SUPPORT, "HR", None, "Läge från AA 5 sep: Behöver stöd – HR"),
        (ReportState.MOVE, "", date(2024, 10, 1), "Läge från AA 5 sep: Flyttas till 1 okt"),
    ],
)
def test_how_an_answer_reads(state: ReportState, note: str, moved_to: date | None, line: str) -> None:
    report = ReportBack(7, "FLG", date(2024, 9, 9), state, note, "aad-aa", "AA", AT, moved_to)
    assert report_line(report) == line


@pytest.mark.parametrize(
    ("value", "state"),
    [("klar", ReportState.DONE), (" pagar ", ReportState.ONGOING), ("stod", ReportState.NEEDS_SUPPORT),
     ("flytta", ReportState.MOVE), ("Klar", None), ("", None), (None, None), (1, None), (["klar"], None)],
)  # fmt: skip
def test_only_the_cards_choices_are_states(value: object, state: ReportState | None) -> None:
    assert parse_state(value) is state


@pytest.mark.parametrize(
    ("value", "note"),
    [("  Offert\n inväntas ", "Offert inväntas"), (None, ""), (3, ""), ("x" * 2000, "x" * MAX_NOTE)],
)
def test_the_note_is_one_short_line(value: object, note: str) -> None:
    assert clean_note(value) == note
