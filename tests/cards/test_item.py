"""The one-item card and the list cards that answer chat commands."""

from __future__ import annotations

from datetime import date

import pytest

from cards.item import item_card, items_list_card
from cards.summary import meeting_summary_card
from cards.verbs import Verb
from cards.views import DecisionsView, FollowUpsView, MyItemsView, OpenItemsView, View, offset_of, view_of
from minutes.model import ItemKind
from minutes.records import ItemRecord
from tests.cards.cardcheck import elements, execute_actions, schema_errors, text_block_texts, visible_text
from tests.cards.samples import (
    ACTORS,
    DOCUMENT,
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
    assert "Visar 1–15 av 40 punkter." in text_block_texts(card)
    assert len(execute_actions(card)) == 15


def test_one_item_one_overdue_in_the_singular() -> None:
    item = record(1, ItemKind.ACTION, "Text.", ("RN",), due=date(2025, 1, 1))
    assert text_block_texts(items_list_card("T", [item], people=PEOPLE, today=TODAY, empty_text="-"))[1] == (
        "1 punkt, varav 1 försenad"
    )


def list_page(items: list[ItemRecord], offset: int, view: View | None) -> dict[str, object]:
    """The page at `offset` of `items` as Queries hands it over: that page's items and the whole's count."""
    return items_list_card(
        "Öppna punkter",
        items[offset : offset + 15],
        people=PEOPLE,
        today=TODAY,
        empty_text="-",
        refresh=view,
        total=len(items),
        overdue=0,
        offset=offset,
    )


@pytest.mark.parametrize(
    "view", [MyItemsView(), OpenItemsView("EE"), FollowUpsView(), DecisionsView("budget")]
)
@pytest.mark.parametrize("count", [1, 15, 16, 27, 44])
def test_nasta_walks_a_list_to_its_end_and_foregaende_back(count: int, view: View) -> None:
    items = many_items(count)
    seen: list[int] = []
    offset = 0
    while True:
        card = list_page(items, offset, view)
        rows = [a["data"]["itemId"] for a in execute_actions(card) if a["verb"] == Verb.DONE]
        # Each Klar carries its page, so that the click shows this page again.
        assert {offset_of(a["data"]) for a in execute_actions(card) if a["verb"] == Verb.DONE} == {offset}
        if count > 15:
            assert f"Visar {offset + 1}–{offset + len(rows)} av {count} punkter." in text_block_texts(card)
        seen += rows
        pages = {a["title"]: a["data"] for a in execute_actions(card) if a["verb"] == Verb.PAGE}
        assert ("‹ Föregående" in pages) is (offset > 0)
        if "‹ Föregående" in pages:
            assert view_of(pages["‹ Föregående"]) == view
            assert offset_of(pages["‹ Föregående"]) == offset - 15
        if "Nästa ›" not in pages:
            break
        assert view_of(pages["Nästa ›"]) == view
        offset = offset_of(pages["Nästa ›"])
    assert seen == list(range(1, count + 1))


def test_a_page_past_the_end_says_so_and_leads_back() -> None:
    card = list_page(many_items(20), 30, OpenItemsView())
    assert "Inga fler punkter (av 20)." in text_block_texts(card)
    assert [a["title"] for a in execute_actions(card)] == ["‹ Föregående"]


def test_decisions_are_counted_as_beslut_without_owner_line_or_klar() -> None:
    decision = record(1, ItemKind.DECISION, "Beslut: Mötet antar budgeten.", topic="Budget")
    card = items_list_card(
        "Beslut", [decision], people=PEOPLE, today=TODAY, empty_text="-", noun=("beslut", "beslut")
    )
    assert text_block_texts(card)[1] == "1 beslut"
    assert "Ansvarig" not in visible_text(card) and execute_actions(card) == []
    assert "Budget – Mötet antar budgeten." in visible_text(card).replace("\n", "")


def test_move_picker_is_in_swedish() -> None:
    [picker] = [
        node
        for node in elements(item_card(MENTIONED, people=PEOPLE, today=TODAY))
        if node.get("type") == "Input.Date"
    ]
    assert picker["placeholder"] == "Välj ett datum"


def test_done_item_card_says_who_and_when_and_offers_angra() -> None:
    card = item_card(DONE, people=PEOPLE, today=TODAY, actors=ACTORS)
    assert "✓ Klar – Anna Åberg 21 apr 2025" in text_block_texts(card)
    assert [(a["verb"], a["title"]) for a in execute_actions(card)] == [(Verb.UNDO, "Ångra")]


def test_an_item_with_a_planner_task_links_to_it_on_its_card_and_its_row() -> None:
    url = "https://planner.cloud.microsoft/webui/plan/p1/view/board/task/t1"
    card = item_card(MENTIONED, people=PEOPLE, today=TODAY, task_url=url)
    [link] = [a for a in elements(card) if a.get("type") == "Action.OpenUrl"]
    assert (link["title"], link["url"]) == ("Öppna i Planner", url)
    assert execute_actions(card)[0]["title"] == "Klar"  # the link comes after the item's own buttons
    assert schema_errors(card) == []
    assert MENTIONED.id is not None
    listed = meeting_summary_card(
        DOCUMENT, [MENTIONED], people=PEOPLE, today=TODAY, task_urls={MENTIONED.id: url}
    )
    assert f"[Planner]({url})" in visible_text(listed)
    assert schema_errors(listed) == []
    listed_mine = items_list_card(
        "Dina öppna punkter",
        [MENTIONED],
        people=PEOPLE,
        today=TODAY,
        empty_text="",
        task_urls={MENTIONED.id: url},
    )
    assert f"[Planner]({url})" in visible_text(listed_mine)
    plain = item_card(MENTIONED, people=PEOPLE, today=TODAY)
    assert not [a for a in elements(plain) if a.get("type") == "Action.OpenUrl"]
