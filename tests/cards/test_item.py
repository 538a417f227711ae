"""The one-item card and the list cards that answer chat commands."""

from __future__ import annotations

from datetime import date

from cards.item import item_card, items_list_card
from cards.verbs import Verb
from minutes.model import ItemKind
from tests.cards.cardcheck import elements, execute_actions, text_block_texts, visible_text
from tests.cards.samples import (
    DONE,
    LONG,
    LONG_TEXT,
    MENTIONED,
    NEXT_MEETING,
    OVERDUE,
    PEOPLE,
    TODAY,
    UNRESOLVED,
    WITHDRAWN,
    many_items,
    record,
)


def facts(card: dict[str, object]) -> dict[str, str]:
    return {node["title"]: node["value"] for node in elements(card) if {"title", "value"} <= node.keys()}


def test_item_facts() -> None:
    card = item_card(MENTIONED, people=PEOPLE, today=TODAY)
    assert text_block_texts(card)[0] == "Åtgärd #2"
    assert "**Ansvarig:** <at>Anna Åberg</at>" in text_block_texts(card)
    assert facts(card) == {"Klart senast": "15 maj 2025", "Status": "Öppen", "Möte": "FLG 14 apr 2025"}


def test_overdue_item_is_marked() -> None:
    card = item_card(OVERDUE, people=PEOPLE, today=TODAY)
    assert "⚠ Försenad" in text_block_texts(card)
    assert facts(card)["Status"] == "Öppen, försenad"
    assert "**Ansvarig:** <at>Rickard Nyström</at>, Kansliet" in text_block_texts(card)


def test_done_withdrawn_and_next_meeting_facts() -> None:
    assert facts(item_card(DONE, people=PEOPLE, today=TODAY))["Status"] == "Klar"
    assert facts(item_card(WITHDRAWN, people=PEOPLE, today=TODAY))["Status"] == "Borttagen ur protokollet"
    assert facts(item_card(NEXT_MEETING, people=PEOPLE, today=TODAY))["Klart senast"] == "nästa möte"
    assert facts(item_card(LONG, people=PEOPLE, today=TODAY))["Klart senast"] == "under hösten"


def test_item_card_shows_the_whole_text_up_to_a_limit() -> None:
    texts = [
        n["text"] for n in elements(item_card(LONG, people=PEOPLE, today=TODAY)) if n.get("type") == "TextRun"
    ]
    assert texts == [LONG_TEXT]
    huge = record(1, ItemKind.ACTION, "ord " * 5_000, ("RN",))
    [run] = [n for n in elements(item_card(huge, people=PEOPLE, today=TODAY)) if n.get("type") == "TextRun"]
    assert run["text"].endswith("…") and len(run["text"]) <= 3_000


def test_list_card_rows_carry_their_meeting_and_buttons() -> None:
    card = items_list_card(
        "Dina öppna punkter", [MENTIONED, OVERDUE, UNRESOLVED], people=PEOPLE, today=TODAY, empty_text="-"
    )
    texts = text_block_texts(card)
    assert texts[:2] == ["Dina öppna punkter", "3 punkter, varav 1 försenad"]
    assert "Möte: FLG 14 apr 2025" in visible_text(card)
    assert [(a["verb"], a["data"]["itemId"]) for a in execute_actions(card)] == [
        (Verb.DONE, 2),
        (Verb.DONE, 3),
        (Verb.DONE, 8),
    ]


def test_list_card_keeps_the_order_given_and_hides_withdrawn() -> None:
    card = items_list_card(
        "Öppna punkter för RN", [UNRESOLVED, WITHDRAWN, OVERDUE], people=PEOPLE, today=TODAY, empty_text="-"
    )
    numbers = [t for t in text_block_texts(card) if t.startswith("#")]
    assert numbers == ["#8", "#3"]


def test_empty_list_says_so() -> None:
    card = items_list_card(
        "Beslut om 'budget'", [WITHDRAWN], people=PEOPLE, today=TODAY, empty_text="Inga beslut hittades."
    )
    assert text_block_texts(card) == ["Beslut om 'budget'", "Inga beslut hittades."]
    assert card["msteams"] == {"width": "Full", "entities": []}


def test_long_list_is_cut_with_a_note() -> None:
    card = items_list_card("Öppna punkter", many_items(40), people=PEOPLE, today=TODAY, empty_text="-")
    assert "Visar 15 av 40 punkter." in text_block_texts(card)
    assert len(execute_actions(card)) == 15


def test_one_item_one_overdue_in_the_singular() -> None:
    item = record(1, ItemKind.ACTION, "Text.", ("RN",), due=date(2025, 1, 1))
    assert text_block_texts(items_list_card("T", [item], people=PEOPLE, today=TODAY, empty_text="-"))[1] == (
        "1 punkt, varav 1 försenad"
    )
