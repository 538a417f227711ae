"""The personal reminder card: golden JSON, Adaptive Card 1.5, Swedish counts and dates, the item verbs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from cards.reminder import reminder_card, when_due
from cards.verbs import Verb
from minutes.model import ItemKind
from tests.cards.cardcheck import TEAMS_LIMIT_BYTES, card_bytes, execute_actions, schema_errors, visible_text
from tests.cards.golden_files import GOLDEN, check_golden, dump, golden_names
from tests.cards.samples import (
    DECISION,
    DONE,
    MENTIONED,
    NEXT_MEETING,
    OVERDUE,
    PEOPLE,
    TODAY,
    UNRESOLVED,
    many_items,
    record,
)

GOLDEN_REMINDER = GOLDEN / "reminder"
TOMORROW = record(
    9, ItemKind.ACTION, "Skicka kallelsen till FLG.", ("RN",), due=date(2025, 4, 23), due_raw="23/4"
)

CASES: dict[str, Callable[[], dict[str, Any]]] = {
    "reminder_three": lambda: reminder_card(
        "Anna Åberg", [OVERDUE, MENTIONED, NEXT_MEETING], people=PEOPLE, today=TODAY
    ),
    "reminder_one_tomorrow": lambda: reminder_card("Rickard Nyström", [TOMORROW], people=PEOPLE, today=TODAY),
    "reminder_secretary": lambda: reminder_card(
        "Yvonne Kvist", [MENTIONED, UNRESOLVED], people=PEOPLE, today=TODAY, forwarded={UNRESOLVED.id or 0}
    ),
    "reminder_overflow": lambda: reminder_card("Anna Åberg", many_items(14), people=PEOPLE, today=TODAY),
}


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_card_matches_golden_file(name: str, build: Callable[[], dict[str, Any]]) -> None:
    card = build()
    check_golden(GOLDEN_REMINDER, name, card)
    assert dump(build()) == dump(card)  # deterministic


def test_every_golden_file_has_a_case() -> None:
    assert golden_names(GOLDEN_REMINDER) <= set(CASES)


@pytest.mark.parametrize(
    ("name", "build"),
    sorted(
        {
            **CASES,
            "reminder_200": lambda: reminder_card("Anna Åberg", many_items(200), people=PEOPLE, today=TODAY),
            "reminder_long_texts": lambda: reminder_card(
                "Anna Åberg", many_items(30, text="Åtgärd {n}: " + "å" * 5_000), people=PEOPLE, today=TODAY
            ),
        }.items()
    ),
)
def test_card_is_valid_adaptive_card_within_the_teams_limit(
    name: str, build: Callable[[], dict[str, Any]]
) -> None:
    card = build()
    assert schema_errors(card) == []
    assert card["version"] == "1.5" and card_bytes(card) < TEAMS_LIMIT_BYTES


@pytest.mark.parametrize(
    ("items", "heading"),
    [
        ([OVERDUE, MENTIONED, NEXT_MEETING], "Påminnelse: 3 punkter att göra"),
        ([TOMORROW], "Påminnelse: 1 punkt att göra"),
        ([TOMORROW, DONE, DECISION], "Påminnelse: 1 punkt att göra"),  # nothing to do about those
    ],
)
def test_heading_counts_what_there_is_to_do(items: list[Any], heading: str) -> None:
    card = reminder_card("Anna Åberg", items, people=PEOPLE, today=TODAY)
    assert card["body"][0]["text"] == heading
    assert card["body"][1]["text"].startswith("Hej Anna!")


def test_each_item_has_the_item_card_verbs() -> None:
    card = reminder_card("Anna Åberg", [OVERDUE, MENTIONED], people=PEOPLE, today=TODAY)
    verbs = [(a["verb"], a["data"]["itemId"]) for a in execute_actions(card)]
    assert verbs == [
        (Verb.DONE, OVERDUE.id),
        (Verb.MOVE, OVERDUE.id),
        (Verb.NOT_MINE, OVERDUE.id),
        (Verb.DONE, MENTIONED.id),
        (Verb.MOVE, MENTIONED.id),
        (Verb.NOT_MINE, MENTIONED.id),
    ]
    assert "Flytta…" in visible_text(card)


def test_items_reaching_the_secretary_come_last_without_inte_min() -> None:
    card = reminder_card(
        "Yvonne Kvist", [UNRESOLVED, MENTIONED], people=PEOPLE, today=TODAY, forwarded={UNRESOLVED.id or 0}
    )
    verbs = [(a["verb"], a["data"]["itemId"]) for a in execute_actions(card)]
    assert verbs[-2:] == [(Verb.DONE, UNRESOLVED.id), (Verb.MOVE, UNRESOLVED.id)]
    text = visible_text(card)
    assert text.index("Som sekreterare") < text.index("sjukfrånvaron")
    assert text.index("tillgängligheten") < text.index("Som sekreterare")


def test_overflow_points_to_the_mine_command() -> None:
    card = reminder_card("Anna Åberg", many_items(14), people=PEOPLE, today=TODAY)
    assert "Visar 10 av 14 punkter" in visible_text(card)
    assert "'mina'" in visible_text(card)


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (date(2025, 4, 22), "22 apr 2025 (i dag)"),
        (date(2025, 4, 23), "23 apr 2025 (i morgon)"),
        (date(2025, 4, 29), "29 apr 2025 (om 7 dagar)"),
        (date(2025, 4, 21), "21 apr 2025 (försenad 1 dag)"),
        (date(2025, 4, 10), "10 apr 2025 (försenad 12 dagar)"),
        (None, "nästa möte"),
    ],
)
def test_due_dates_are_said_relative_to_today(due: date | None, expected: str) -> None:
    item = NEXT_MEETING if due is None else replace(MENTIONED, due=due)
    assert when_due(item, TODAY) == expected
