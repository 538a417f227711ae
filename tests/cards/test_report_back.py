"""The report-back cards: golden JSON and Adaptive Cards 1.5 schema for each, one verb per button with the item's
inputs named by the item, answers shown, the secretary's section, and the size limit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from cards.agenda import Agenda, AgendaLine, follow_up_agenda_card
from cards.report_back import MAX_ITEMS, ReportBackLine, Unreported, report_back_card, report_status_card
from cards.verbs import Verb, report_date_input, report_note_input, report_state_input
from minutes.report_back import ReportBack, ReportState
from tests.cards.cardcheck import (
    TEAMS_LIMIT_BYTES,
    card_bytes,
    elements,
    execute_actions,
    schema_errors,
    visible_text,
)
from tests.cards.golden_files import GOLDEN, check_golden, dump, golden_names
from tests.cards.samples import MENTIONED, NEXT_MEETING, OVERDUE, PEOPLE, TODAY, many_items
from tests.cards.test_agenda import APRIL_SECTION, MARCH_SECTION, NEXT

Card = dict[str, Any]

GOLDEN_REPORT = GOLDEN / "report_back"
AT = datetime(2025, 4, 23, 8, 30, tzinfo=UTC)  # 10.30 in Stockholm, 23 April


def report(item_id: int, state: ReportState, note: str = "", moved_to: date | None = None) -> ReportBack:
    return ReportBack(item_id, "FLG", NEXT, state, note, "aad-ra", "RN", AT, moved_to)


ONGOING = report(OVERDUE.id or 0, ReportState.ONGOING, "Offerten kommer v. 18")
SUPPORT = report(NEXT_MEETING.id or 0, ReportState.NEEDS_SUPPORT, "Behöver hjälp av HR med underlaget")
MOVED = report(MENTIONED.id or 0, ReportState.MOVE, "Lokalen var full", date(2025, 5, 9))

LINES = (
    ReportBackLine(OVERDUE, date(2025, 4, 10)),
    ReportBackLine(NEXT_MEETING, NEXT),
)
ANSWERED = (
    ReportBackLine(OVERDUE, date(2025, 4, 10), ONGOING),
    ReportBackLine(MENTIONED, NEXT, MOVED),
    ReportBackLine(NEXT_MEETING, NEXT, SUPPORT, as_secretary=True),
)


def owner_card(lines: tuple[ReportBackLine, ...] = LINES, **options: Any) -> Card:
    return report_back_card("Rickard Nyström", "FLG", NEXT, lines, today=TODAY, **options)


CASES: dict[str, Callable[[], Card]] = {
    "report_back": owner_card,
    "report_back_answered": lambda: owner_card(ANSWERED),
    "report_status": lambda: report_status_card(
        "FLG",
        NEXT,
        [Unreported("aad-rn", "Rickard Nyström", 2), Unreported("aad-so", "Sören Östlund", 1)],
        answered=1,
        total=4,
        support=[(NEXT_MEETING, SUPPORT)],
        reminded={"aad-so": "Påmind nu"},
    ),
    "report_status_everyone": lambda: report_status_card("FLG", NEXT, [], answered=3, total=3),
    "agenda_with_reports": lambda: follow_up_agenda_card(
        Agenda(
            "FLG",
            NEXT,
            (
                MARCH_SECTION,
                replace(
                    APRIL_SECTION,
                    lines=(
                        AgendaLine(OVERDUE, date(2025, 4, 10), ONGOING),
                        AgendaLine(NEXT_MEETING, NEXT, SUPPORT),
                    ),
                ),
            ),
            made_on=TODAY,
        ),
        people=PEOPLE,
        today=TODAY,
    ),
}


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_card_matches_golden_file_and_schema(name: str, build: Callable[[], Card]) -> None:
    built = build()
    assert schema_errors(built) == []
    assert built["version"] == "1.5"
    assert dump(built) == dump(build()), "not deterministic"
    check_golden(GOLDEN_REPORT, name, built)


def test_every_golden_file_has_a_case() -> None:
    assert golden_names(GOLDEN_REPORT) == set(CASES)


def test_each_item_has_its_own_inputs_and_one_report_button() -> None:
    built = owner_card()
    inputs = {
        node["id"]: node["type"] for node in elements(built) if str(node.get("type", "")).startswith("Input.")
    }
    for item in (OVERDUE, NEXT_MEETING):
        assert item.id is not None
        assert inputs[report_state_input(item.id)] == "Input.ChoiceSet"
        assert inputs[report_note_input(item.id)] == "Input.Text"
        assert inputs[report_date_input(item.id)] == "Input.Date"
    actions = execute_actions(built)
    assert [a["verb"] for a in actions] == [Verb.REPORT, Verb.REPORT]
    assert [a["data"]["itemId"] for a in actions] == [OVERDUE.id, NEXT_MEETING.id]
    assert {a["data"]["itemIds"] for a in actions} == {f"{OVERDUE.id},{NEXT_MEETING.id}"}
    assert {a["data"]["meetingDate"] for a in actions} == {"2025-04-28"}


def test_the_four_choices_in_swedish() -> None:
    (choice, *_) = [node for node in elements(owner_card()) if node.get("type") == "Input.ChoiceSet"]
    assert [c["title"] for c in choice["choices"]] == ["Klar", "Pågår", "Behöver stöd", "Flytta till …"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Läge från RN 23 apr: Pågår – Offerten kommer v. 18", "ongoing, with the note"),
        ("Läge från RN 23 apr: Flyttas till 9 maj – Lokalen var full", "moved, with its new date"),
        ("Läge från RN 23 apr: Behöver stöd – Behöver hjälp av HR med underlaget", "needs support"),
    ],
)
def test_answers_so_far_are_shown_and_preselected(line: str, expected: str) -> None:
    built = owner_card(ANSWERED)
    assert line in visible_text(built), expected
    values = {
        node["id"]: node.get("value") for node in elements(built) if node.get("type") == "Input.ChoiceSet"
    }
    assert values[report_state_input(OVERDUE.id or 0)] == "pagar"
    assert [a["title"] for a in execute_actions(built)] == ["Ändra svaret"] * 3


def test_items_for_the_secretary_come_last_under_their_own_heading() -> None:
    text = visible_text(owner_card(ANSWERED))
    assert text.index("Som sekreterare") > text.index("Lokalen var full")


def test_the_secretarys_card_offers_to_remind_each_who_has_not_reported() -> None:
    built = CASES["report_status"]()
    actions = execute_actions(built)
    assert [(a["verb"], a["data"]["userId"]) for a in actions] == [
        (Verb.REPORT_REMIND, "aad-rn"),
        (Verb.REPORT_REMIND, "aad-so"),
    ]
    assert "1 av 4 punkter har fått svar." in visible_text(built)
    assert "Alla har rapporterat." in visible_text(CASES["report_status_everyone"]())
    assert execute_actions(CASES["report_status_everyone"]()) == []


def test_a_full_card_stays_under_the_teams_limit() -> None:
    items = many_items(MAX_ITEMS + 5)
    lines = tuple(
        ReportBackLine(item, NEXT, report(item.id or 0, ReportState.ONGOING, "x" * 500)) for item in items
    )
    built = owner_card(lines)
    assert card_bytes(built) <= TEAMS_LIMIT_BYTES, card_bytes(built)
    assert len(execute_actions(built)) == MAX_ITEMS
    assert f"Visar {MAX_ITEMS} av {MAX_ITEMS + 5} punkter" in visible_text(built)
