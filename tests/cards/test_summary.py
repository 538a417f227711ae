"""The meeting summary card: what it shows, in which order, with which buttons."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from cards.summary import meeting_removed_card, meeting_summary_card
from cards.verbs import Verb
from cards.views import MeetingView, offset_of, view_of
from minutes.model import ItemKind
from tests.cards.cardcheck import (
    TEAMS_LIMIT_BYTES,
    card_bytes,
    elements,
    execute_actions,
    text_block_texts,
    visible_text,
)
from tests.cards.samples import ACTORS, DOCUMENT, ITEMS, LONG_TEXT, PEOPLE, TODAY, many_items, record


def summary(**changes: Any) -> dict[str, Any]:
    return meeting_summary_card(replace(DOCUMENT, **changes), ITEMS, people=PEOPLE, today=TODAY)


def test_heading_counts_and_sections() -> None:
    texts = text_block_texts(summary())
    assert texts[:3] == [
        "Protokoll FLG 14 apr 2025",
        f"[Öppna protokollet]({DOCUMENT.web_url})",  # the meeting and a link, not the file's name
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


def test_done_items_are_struck_say_who_and_when_and_offer_angra() -> None:
    card = meeting_summary_card(DOCUMENT, ITEMS, people=PEOPLE, today=TODAY, actors=ACTORS)
    [run] = [node for node in elements(card) if node.get("type") == "TextRun" and "Älven" in node["text"]]
    assert run.get("strikethrough") is True
    assert "✓ Klar – Anna Åberg 21 apr 2025 · Ansvarig: <at>Anna Åberg</at>" in visible_text(card)
    assert {a["data"]["itemId"] for a in execute_actions(card) if a["verb"] == Verb.DONE} == {2, 3, 5, 6, 8}
    [undo] = [a for a in execute_actions(card) if a["verb"] == Verb.UNDO]
    assert (undo["title"], undo["data"]["itemId"], undo["data"]["view"]) == ("Ångra", 4, "summary")


def test_done_by_someone_unknown_says_when() -> None:
    assert "✓ Klar – 21 apr 2025 · Ansvarig" in visible_text(summary())


def test_rows_show_the_topic_before_the_action() -> None:
    [row] = [
        node
        for node in elements(summary())
        if node.get("type") == "RichTextBlock" and "lönekartläggningen" in str(node)
    ]
    assert [run["text"] for run in row["inlines"]] == [
        "Lönekartläggning",
        " – ",
        "Sammanställa lönekartläggningen och skicka den till HR-chefen.",
    ]


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
    texts = text_block_texts(summary(web_url=web_url))
    assert (f"[Öppna protokollet]({web_url})" in texts) is opens
    assert not any("file://" in text for text in texts)
    assert "Protokoll FLG 2025-04-14.docx" not in texts  # the meeting is known: its file's name says nothing


def test_file_name_only_when_the_meeting_is_unknown() -> None:
    texts = text_block_texts(summary(web_url=None, group=None, meeting_date=None))
    assert texts[:2] == ["Protokoll", "Protokoll FLG 2025-04-14.docx"]


def test_heading_without_group_or_date() -> None:
    assert text_block_texts(summary(group=None, meeting_date=None))[0] == "Protokoll"
    assert text_block_texts(summary(group=None))[0] == "Protokoll 14 apr 2025"


def test_overflow_keeps_sections_and_says_how_many() -> None:
    items = [record(n, ItemKind.DECISION, f"Beslut {n}.") for n in range(1, 11)] + [
        record(n, ItemKind.ACTION, f"Åtgärd {n}.", ("RN",)) for n in range(11, 31)
    ]
    card = meeting_summary_card(DOCUMENT, items, people=PEOPLE, today=TODAY, max_items=15)
    texts = text_block_texts(card)
    assert "Visar 1–15 av 30 punkter." in texts and "10 åtgärder" not in texts
    assert texts[2] == "20 åtgärder, 10 beslut"
    assert [a["title"] for a in execute_actions(card) if a["verb"] == Verb.SHOW_ALL] == ["Visa alla (30)"]


@pytest.mark.parametrize("everything", [False, True])
@pytest.mark.parametrize("count", [1, 15, 16, 19, 44, 200])
def test_nasta_walks_every_item_once_and_the_counts_are_true(count: int, everything: bool) -> None:
    items = many_items(count, text="Åtgärda ärende nummer {n} " + "i kön hos förvaltningen " * 6)
    seen: list[int] = []
    offset, pages = 0, 0
    while True:
        card = meeting_summary_card(
            DOCUMENT, items, people=PEOPLE, today=TODAY, offset=offset, everything=everything
        )
        rows = [a["data"]["itemId"] for a in execute_actions(card) if a["verb"] == Verb.DONE]
        assert rows and card_bytes(card) < TEAMS_LIMIT_BYTES
        if len(rows) < count:
            assert f"Visar {offset + 1}–{offset + len(rows)} av {count} punkter." in text_block_texts(card)
        # 'Visa alla' is offered only where it shows more, never again once everything is asked for.
        show_all = [a["title"] for a in execute_actions(card) if a["verb"] == Verb.SHOW_ALL]
        assert show_all == ([f"Visa alla ({count})"] if len(rows) < count and not everything else [])
        seen += rows
        pages += 1
        following = [a for a in execute_actions(card) if a["verb"] == Verb.PAGE and a["title"] == "Nästa ›"]
        if not following:
            break
        assert view_of(following[0]["data"]) == MeetingView(DOCUMENT.key, everything)
        offset = offset_of(following[0]["data"])
    assert seen == list(range(1, count + 1))
    assert pages == 1 or any(a["title"] == "‹ Föregående" for a in execute_actions(card))


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
