"""Every card validates against Adaptive Cards 1.5 (msteams stripped) and the project's msteams schema."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from cards.item import items_list_card
from cards.summary import meeting_summary_card
from tests.cards.cardcheck import schema_errors
from tests.cards.cases import CASES
from tests.cards.samples import DOCUMENT, PEOPLE, TODAY, many_items

STRESS: dict[str, Callable[[], dict[str, Any]]] = {
    "summary_200": lambda: meeting_summary_card(DOCUMENT, many_items(200), people=PEOPLE, today=TODAY),
    "list_200": lambda: items_list_card(
        "Öppna punkter", many_items(200), people=PEOPLE, today=TODAY, empty_text="-"
    ),
}


@pytest.mark.parametrize(("name", "build"), sorted({**CASES, **STRESS}.items()))
def test_card_is_valid(name: str, build: Callable[[], dict[str, Any]]) -> None:
    card = build()
    assert schema_errors(card) == []
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.5" and "$schema" not in card


def broken_element_type(card: dict[str, Any]) -> None:
    card["body"][0]["type"] = "TextBlockk"


def broken_nested_element_type(card: dict[str, Any]) -> None:
    card["body"][3]["items"][1]["columns"][1]["items"][0]["type"] = "RichTextBlok"


def unknown_property(card: dict[str, Any]) -> None:
    card["body"][0]["colour"] = "attention"


def broken_action_type(card: dict[str, Any]) -> None:
    card["actions"][0]["type"] = "Action.Exekute"


def entity_without_text_block(card: dict[str, Any]) -> None:
    card["msteams"]["entities"].append(
        {"type": "mention", "text": "<at>Ingen Alls</at>", "mentioned": {"id": "29:x", "name": "Ingen Alls"}}
    )


def mention_without_entity(card: dict[str, Any]) -> None:
    card["msteams"]["entities"].pop(0)


def narrow_width(card: dict[str, Any]) -> None:
    card["msteams"]["width"] = "full"


def mention_id_of_no_known_form(card: dict[str, Any]) -> None:
    card["msteams"]["entities"][0]["mentioned"]["id"] = "Anna Åberg"


def missing_msteams(card: dict[str, Any]) -> None:
    del card["msteams"]


@pytest.mark.parametrize(
    ("case", "break_card", "expected"),
    [
        ("summary", broken_element_type, "schema:"),
        ("summary", broken_nested_element_type, "schema:"),
        ("summary", unknown_property, "schema:"),
        ("item_open_overdue", broken_action_type, "schema:"),
        ("summary", entity_without_text_block, "occurs in no TextBlock"),
        ("summary", mention_without_entity, "has no entity"),
        ("summary", narrow_width, "msteams:"),
        ("summary", mention_id_of_no_known_form, "msteams:"),
        ("notice", missing_msteams, "msteams: missing"),
    ],
)
def test_a_broken_card_fails_validation(
    case: str, break_card: Callable[[dict[str, Any]], None], expected: str
) -> None:
    card = copy.deepcopy(CASES[case]())
    assert schema_errors(card) == []  # the control is only meaningful if the unbroken card passes
    break_card(card)
    problems = schema_errors(card)
    assert problems and any(expected in problem for problem in problems), problems
