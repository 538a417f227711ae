"""The meeting summary card: what it shows, in which order, with which buttons."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from cards.summary import meeting_removed_card, meeting_summary_card
from cards.verbs import Verb
from minutes.model import ItemKind
from tests.cards.cardcheck import elements, execute_actions, text_block_texts, visible_text
from tests.cards.samples import DOCUMENT, ITEMS, LONG_TEXT, PEOPLE, TODAY, record


def summary(**changes: Any) -> dict[str, Any]:
    return meeting_summary_card(replace(DOCUMENT, **changes), ITEMS, people=PEOPLE, today=TODAY)


def test_heading_counts_and_sections() -> None:
    texts = text_block_texts(summary())
    assert texts[:3] == [
        "Protokoll FLG 14 apr 2025",
        "Protokoll FLG 2025-04-14.docx",
        "4 åtgärder, 1 beslut, 2 uppföljningar",
    ]
    headings = [text for text in texts if text in {"Beslut", "Åtgärder", "Uppföljning"}]
    assert headings == ["Beslut", "Åtgärder", "Uppföljning"]


def test_rows_show_number_owner_and_due() -> None:
    text = visible_text(summary())
    assert "#2" in text and "Ansvarig: <at>Anna Åberg</at> · Klart senast: 15 maj 2025" in text
    assert "Ansvarig: <at>Rickard Nyström</at>, Kansliet · Klart senast: 10 apr 2025 · **försenad**" in text
    assert "Klart senast: nästa möte" in text
    assert "Ansvarig: Göran Ödman" in text


def test_withdrawn_items_are_not_shown() -> None:
    text = visible_text(summary())
    assert "Örebro" not in text and "#7" not in text


def test_done_items_are_struck_and_have_no_button() -> None:
    card = summary()
    [run] = [node for node in elements(card) if node.get("type") == "TextRun" and "Älven" in node["text"]]
    assert run.get("strikethrough") is True
    assert "✓ klar · Ansvarig: <at>Anna Åberg</at>" in visible_text(card)
    assert {a["data"]["itemId"] for a in execute_actions(card) if a["verb"] == Verb.DONE} == {2, 3, 5, 6, 8}


def test_long_text_is_shortened_on_a_word() -> None:
    [run] = [
        node
        for node in elements(summary())
        if node.get("type") == "TextRun" and node["text"].startswith("Förvaltningen")
    ]
    assert run["text"].endswith("…") and len(run["text"]) <= 200
    assert LONG_TEXT.startswith(run["text"][:-1])


@pytest.mark.parametrize(
    ("web_url", "opens"),
    [
        ("https://kommun.sharepoint.com/a.docx", True),
        ("file:///srv/a.docx", False),
        (None, False),
    ],
)
def test_document_link_only_for_web_addresses(web_url: str | None, opens: bool) -> None:
    card = summary(web_url=web_url)
    links = [node for node in elements(card) if node.get("type") == "Action.OpenUrl"]
    assert [link["url"] for link in links] == ([web_url] if opens else [])


def test_heading_without_group_or_date() -> None:
    assert text_block_texts(summary(group=None, meeting_date=None))[0] == "Protokoll"
    assert text_block_texts(summary(group=None))[0] == "Protokoll 14 apr 2025"


def test_overflow_keeps_sections_and_says_how_many() -> None:
    items = [record(n, ItemKind.DECISION, f"Beslut {n}.") for n in range(1, 11)] + [
        record(n, ItemKind.ACTION, f"Åtgärd {n}.", ("RN",)) for n in range(11, 31)
    ]
    card = meeting_summary_card(DOCUMENT, items, people=PEOPLE, today=TODAY, max_items=15)
    texts = text_block_texts(card)
    assert "Visar 15 av 30 punkter." in texts and "10 åtgärder" not in texts
    assert texts[2] == "20 åtgärder, 10 beslut"
    assert [a["title"] for a in execute_actions(card) if a["verb"] == Verb.SHOW_ALL] == ["Visa alla (30)"]


def test_only_shown_owners_are_mentioned() -> None:
    items = [
        record(1, ItemKind.ACTION, "Först.", ("RN",)),
        record(2, ItemKind.ACTION, "Sen.", ("Anna Åberg",)),
    ]
    card = meeting_summary_card(DOCUMENT, items, people=PEOPLE, today=TODAY, max_items=1)
    assert [entity["text"] for entity in card["msteams"]["entities"]] == ["<at>Rickard Nyström</at>"]


def test_document_text_never_becomes_a_mention() -> None:
    item = record(1, ItemKind.ACTION, "Skriv **fetstil** och <at>Anna Åberg</at>.", ("RN",))
    card = meeting_summary_card(DOCUMENT, [item], people=PEOPLE, today=TODAY)
    assert all("<at>Anna" not in text for text in text_block_texts(card))
    assert [entity["text"] for entity in card["msteams"]["entities"]] == ["<at>Rickard Nyström</at>"]


def test_empty_minutes() -> None:
    card = meeting_summary_card(DOCUMENT, [], people=PEOPLE, today=TODAY)
    assert "Inga punkter" in text_block_texts(card)
    assert execute_actions(card) == []


def test_the_card_of_deleted_minutes_says_so_and_offers_no_actions() -> None:
    card = meeting_removed_card(replace(DOCUMENT, status="deleted"))
    text = json.dumps(card, ensure_ascii=False)
    assert "Protokollet har tagits bort" in text and "FLG" in text
    assert "actions" not in card and "Action.Execute" not in text and Verb.DONE.value not in text
