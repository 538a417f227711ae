"""Buttons and size: every verb is a Verb, every item button names its item, 200 items stay under 28 KB."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from cards.item import item_card, items_list_card
from cards.summary import SUMMARY_VIEW, meeting_summary_card
from cards.verbs import DUE_INPUT, Verb
from cards.views import place_data, place_of, view_of
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus
from tests.cards.cardcheck import TEAMS_LIMIT_BYTES, card_bytes, elements, execute_actions, schema_errors
from tests.cards.cases import CASES
from tests.cards.samples import DOCUMENT, DOCUMENT_KEY, ITEMS, LONG_TEXT, PEOPLE, TODAY, many_items, record
from workflows.chat import Person

ITEM_VERBS = {
    Verb.DONE,
    Verb.UNDO,
    Verb.MOVE,
    Verb.NOT_MINE,
    Verb.ARCHIVE,
    Verb.RESTORE,
    Verb.SET_OWNERS,
    Verb.DISMISS,
}
# What a button's data may hold beside the item: the view it refreshes (views.view_data), the page's offset and
# where the pages before it started (views.place_data).
VIEW_KEYS = {"view", "documentKey", "all", "person", "search", "group", "meetingDate", "offset", "back"}
KNOWN_IDS = {item.id for item in ITEMS} | {item.id for item in many_items(200)}


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_every_button_uses_a_verb_and_names_its_subject(
    name: str, build: Callable[[], dict[str, Any]]
) -> None:
    for action in execute_actions(build()):
        verb = Verb(action["verb"])  # raises for a verb the handlers do not know
        if verb in ITEM_VERBS:
            # Besides the item, a button may name the view it refreshes (the summary of its document, a command).
            assert action["data"]["itemId"] in KNOWN_IDS, action
            # A move may carry the date it offers (the working day before a holiday).
            offered = {DUE_INPUT} if verb is Verb.MOVE else set()
            assert set(action["data"]) <= {"itemId", *VIEW_KEYS, *offered}, action
            if action["data"].get("view") == SUMMARY_VIEW:
                assert action["data"]["documentKey"] == DOCUMENT_KEY, action
        elif verb is Verb.PAGE:
            # A page names its view (views.view_of reads it back) and, past the first page, where it starts.
            data = action["data"]
            assert view_of(data) is not None, action
            assert set(data) <= VIEW_KEYS, action
            assert isinstance(data.get("offset", 0), int) and data.get("offset", 0) >= 0, action
            # The way back reads back as written (place_of drops a malformed one).
            assert place_data(place_of(data)) == {k: v for k, v in data.items() if k in ("offset", "back")}
        else:
            assert action["data"] == {"documentKey": DOCUMENT_KEY}, action


@pytest.mark.parametrize("item", ITEMS, ids=lambda item: f"#{item.id}-{item.kind}-{item.status}")
def test_item_card_buttons_carry_that_item(item: ItemRecord) -> None:
    card = item_card(item, people=PEOPLE, today=TODAY)
    assert {action["data"]["itemId"] for action in execute_actions(card)} <= {item.id}


def stress_items(count: int) -> tuple[list[ItemRecord], dict[str, tuple[Person, ...]]]:
    """Long texts and owners resolving to a dozen people each: the heaviest rows a card might carry."""
    crowd = {
        f"Grupp {n}": tuple(
            Person(teams_id=f"{n:08x}-0000-4000-8000-{m:012x}", name=f"Åsa Östergård-Ärlig {n}-{m}")
            for m in range(12)
        )
        for n in range(count)
    }
    items = [
        record(
            n + 1, ItemKind.ACTION, LONG_TEXT * 3, (f"Grupp {n}", "ALLA", "Kansliet"), due=date(2025, 4, 1)
        )
        for n in range(count)
    ]
    return items, crowd


@pytest.mark.parametrize("count", [200])
def test_no_card_exceeds_the_teams_limit(count: int) -> None:
    plain = many_items(count)
    heavy, crowd = stress_items(count)
    cards = {
        "summary": meeting_summary_card(DOCUMENT, plain, people=PEOPLE, today=TODAY),
        "summary heavy": meeting_summary_card(DOCUMENT, heavy, people=crowd, today=TODAY),
        "summary heavy, no item limit": meeting_summary_card(
            DOCUMENT, heavy, people=crowd, today=TODAY, max_items=count
        ),
        "list": items_list_card("Öppna punkter", plain, people=PEOPLE, today=TODAY, empty_text="-"),
        "list heavy": items_list_card(
            "Öppna punkter", heavy, people=crowd, today=TODAY, empty_text="-", max_items=count
        ),
        "item heavy": item_card(
            record(1, ItemKind.ACTION, LONG_TEXT * 100, tuple(crowd), due=date(2025, 4, 1)),
            people=crowd,
            today=TODAY,
        ),
    }
    for name, card in cards.items():
        assert card_bytes(card) <= TEAMS_LIMIT_BYTES, f"{name}: {card_bytes(card)} bytes"
        assert schema_errors(card) == [], name


def test_summary_overflow_offers_the_rest() -> None:
    card = meeting_summary_card(DOCUMENT, many_items(200), people=PEOPLE, today=TODAY)
    show_all = [a for a in execute_actions(card) if a["verb"] == Verb.SHOW_ALL]
    assert [(a["title"], a["data"]) for a in show_all] == [("Visa alla (200)", {"documentKey": DOCUMENT_KEY})]
    assert len([a for a in execute_actions(card) if a["verb"] == Verb.DONE]) == 15


def test_summary_within_the_limit_has_no_show_all_button() -> None:
    card = meeting_summary_card(DOCUMENT, many_items(15), people=PEOPLE, today=TODAY)
    assert Verb.SHOW_ALL not in {a["verb"] for a in execute_actions(card)}


def test_size_budget_cuts_before_the_item_limit() -> None:
    heavy, crowd = stress_items(60)
    card = meeting_summary_card(DOCUMENT, heavy, people=crowd, today=TODAY, max_items=60)
    shown = len([a for a in execute_actions(card) if a["verb"] == Verb.DONE])
    assert 0 < shown < 60
    assert any(a["title"] == "Visa alla (60)" for a in execute_actions(card))


@pytest.mark.parametrize(
    ("status", "kind", "can_act", "expected"),
    [
        # The secretary's corrections sit in one ShowCard ('Sekreterare…'): other owners, 'Inte en uppgift'.
        (
            ItemStatus.OPEN,
            ItemKind.ACTION,
            True,
            [Verb.DONE, Verb.MOVE, Verb.NOT_MINE, Verb.SET_OWNERS, Verb.DISMISS, Verb.ARCHIVE],
        ),
        (
            ItemStatus.OPEN,
            ItemKind.FOLLOW_UP,
            True,
            [Verb.DONE, Verb.MOVE, Verb.NOT_MINE, Verb.SET_OWNERS, Verb.DISMISS, Verb.ARCHIVE],
        ),
        (ItemStatus.ARCHIVED, ItemKind.ACTION, True, [Verb.RESTORE]),
        (ItemStatus.DISMISSED, ItemKind.ACTION, True, [Verb.RESTORE]),
        (ItemStatus.DONE, ItemKind.ACTION, True, [Verb.UNDO]),
        (ItemStatus.WITHDRAWN, ItemKind.ACTION, True, []),
        # A decision with an owner and a date is also an action; it is never archived.
        (
            ItemStatus.OPEN,
            ItemKind.DECISION,
            True,
            [Verb.DONE, Verb.MOVE, Verb.NOT_MINE, Verb.SET_OWNERS, Verb.DISMISS],
        ),
        (ItemStatus.OPEN, ItemKind.ACTION, False, []),
        (ItemStatus.DONE, ItemKind.ACTION, False, []),
    ],
)
def test_item_card_buttons_follow_the_state(
    status: ItemStatus, kind: ItemKind, can_act: bool, expected: list[Verb]
) -> None:
    item = record(
        9, kind, "Skriva remissvar om översiktsplanen.", ("RN",), due=date(2025, 5, 5), status=status
    )
    card = item_card(item, people=PEOPLE, today=TODAY, can_act=can_act)
    assert [a["verb"] for a in execute_actions(card)] == expected


@pytest.mark.parametrize(
    ("owners", "due", "expected"),
    [
        ((), None, []),
        (("RN",), None, []),  # an owner without a date: recorded, not done
        ((), date(2025, 5, 5), []),
        # also an action, which the secretary may correct (never archive)
        (("RN",), date(2025, 5, 5), [Verb.DONE, Verb.MOVE, Verb.NOT_MINE, Verb.SET_OWNERS, Verb.DISMISS]),
    ],
)
def test_a_decision_is_an_action_only_with_an_owner_and_a_date(
    owners: tuple[str, ...], due: date | None, expected: list[Verb]
) -> None:
    item = record(9, ItemKind.DECISION, "IT byter projektorerna.", owners, due=due)
    card = item_card(item, people=PEOPLE, today=TODAY)
    assert [a["verb"] for a in execute_actions(card)] == expected


def test_move_sends_a_date_from_today_on() -> None:
    item = record(9, ItemKind.ACTION, "Skriva remissvar.", ("RN",), due=date(2025, 5, 5))
    card = item_card(item, people=PEOPLE, today=TODAY)
    [show_card] = [
        node
        for node in elements(card)
        if node.get("type") == "Action.ShowCard" and node["title"] == "Flytta…"
    ]
    [picker] = [node for node in elements(show_card) if node.get("type") == "Input.Date"]
    assert (picker["id"], picker["min"], picker["value"]) == (DUE_INPUT, "2025-04-22", "2025-05-05")
    assert [a["verb"] for a in execute_actions(show_card["card"])] == [Verb.MOVE]


def test_move_proposes_no_past_date() -> None:
    item = record(9, ItemKind.ACTION, "Skriva remissvar.", ("RN",), due=date(2025, 4, 1))
    [picker] = [
        n for n in elements(item_card(item, people=PEOPLE, today=TODAY)) if n.get("type") == "Input.Date"
    ]
    assert "value" not in picker
