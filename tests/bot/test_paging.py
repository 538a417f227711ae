"""Every paged list walked through the handlers as a user clicks: Nästa to its last item, Föregående back to
the first page, each page shown again as it was, the counts on the way true."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest

from bot.handlers import Handlers
from cards.verbs import Verb
from minutes.model import ItemKind, Relative
from minutes.records import ConvRef
from store import SqlStore
from tests.cards.cardcheck import elements, execute_actions, text_block_texts
from tests.store.builders import FLG_REF, document, ingest, item
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, NOW, PERSONAL, ROSTER, clock
from workflows.chat import CardAction, IncomingMessage
from workflows.following import Following
from workflows.item_actions import ItemActions
from workflows.publish import Publishing
from workflows.queries import Queries

# Rows of uneven weight, so that a card's byte budget, not only its row limit, cuts some pages short.
SHORT = "Boka lokal."
LONG = "Se över rutinen för " + "dokumentation och uppföljning i verksamheten " * 4


def meeting_items() -> list[Any]:
    """A long meeting: 40 actions for AA (some with long texts and dates), 22 decisions, 19 follow-ups."""
    actions = [
        item(
            f"a{n}",
            f"{LONG if n % 3 == 0 else SHORT} ({n})",
            owners=("AA", "RN", "YK") if n % 4 == 0 else ("AA",),
            due=date(2024, 9, 1 + n % 28) if n % 2 else None,
            topic=f"Ärende {n} " + ("om lokaler och bemanning " * 3 if n % 5 == 0 else ""),
        )
        for n in range(40)
    ]
    decisions = [
        item(f"d{n}", f"Beslut: FLG fastställer riktlinje {n}.", owners=(), kind=ItemKind.DECISION)
        for n in range(22)
    ]
    follow_ups = [
        item(
            f"f{n}",
            f"Åter till FLG med punkt {n}.",
            kind=ItemKind.FOLLOW_UP,
            due_relative=Relative.NEXT_MEETING,
        )
        for n in range(19)
    ]
    return [*actions, *decisions, *follow_ups]


async def long_meeting(store: SqlStore) -> str:
    await ingest(store, document(FLG_REF), meeting_items())
    await store.save_roster("FLG", ROSTER)
    await store.save_conversation(CHANNEL, at=NOW)
    await store.follow_group(CHANNEL.conversation_id, "FLG", by="aad-yk", at=NOW, origin="test")
    return FLG_REF.key


def handlers(store: SqlStore) -> Handlers:
    async def ingest_now(link: str) -> str:
        return "Jag läser in protokollet nu."

    return Handlers(
        store,
        Queries(store, clock),
        ItemActions(store, clock),
        clock,
        ingest_now,
        Following(store, clock),
        Publishing(store, clock),
    )


def row_numbers(card: dict[str, Any]) -> list[int]:
    """The items a card shows, by the number in each row's first column ('#12'), in order."""
    return [
        int(element["text"][1:])
        for element in elements(card)
        if element.get("type") == "TextBlock" and re.fullmatch(r"#\d+", element.get("text", ""))
    ]


def page_line(card: dict[str, Any]) -> str | None:
    return next((text for text in text_block_texts(card) if text.startswith("Visar ")), None)


async def click(bot: Handlers, card: dict[str, Any], title: str, where: ConvRef) -> dict[str, Any] | None:
    """The card a click on the page button `title` shows in place, or None when the card has no such button."""
    found = [a for a in execute_actions(card) if a["verb"] == Verb.PAGE and a["title"] == title]
    if not found:
        return None
    reply = await bot.on_card_action(CardAction(Verb.PAGE, found[0]["data"], ANNIKA, where, "tenant", "a-1"))
    assert reply.card is not None and not reply.replace_for_everyone and not reply.messages
    return reply.card


async def first_card(bot: Handlers, command: str, where: ConvRef, show_all: bool) -> dict[str, Any]:
    reply = await bot.on_message(
        IncomingMessage(text=command, sender=ANNIKA, conversation=where, tenant_id="t")
    )
    card = reply.messages[0].card or {}
    if show_all:
        action = next(a for a in execute_actions(card) if a["verb"] == Verb.SHOW_ALL)
        everything = await bot.on_card_action(CardAction(Verb.SHOW_ALL, action["data"], ANNIKA, where, "t"))
        assert everything.card is not None
        card = everything.card
    return card


# command, where it is typed, whether 'Visa alla' is clicked first, the items the whole list holds
# (AA owns every action and follow-up; öppna lists open decisions too), and the noun of its counts.
LISTS = [
    ("möte", CHANNEL, False, 81, "punkter"),
    ("möte", CHANNEL, True, 81, "punkter"),
    ("öppna", CHANNEL, False, 81, "punkter"),
    ("öppna AA", CHANNEL, False, 59, "punkter"),
    ("mina", PERSONAL, False, 59, "punkter"),
    ("mina", CHANNEL, False, 59, "punkter"),
    ("beslut", CHANNEL, False, 22, "beslut"),
    ("uppföljning", CHANNEL, False, 19, "punkter"),
]


@pytest.mark.parametrize(("command", "where", "show_all", "total", "noun"), LISTS)
async def test_nasta_reaches_the_last_item_and_foregaende_the_first_page(
    store: SqlStore, command: str, where: ConvRef, show_all: bool, total: int, noun: str
) -> None:
    await long_meeting(store)
    bot = handlers(store)
    card: dict[str, Any] | None = await first_card(bot, command, where, show_all)
    forward: list[tuple[list[int], str | None]] = []
    last: dict[str, Any] = {}
    while card is not None:
        rows = row_numbers(card)
        assert rows, command
        forward.append((rows, page_line(card)))
        last = card
        card = await click(bot, card, "Nästa ›", where)
    # Every item once, in pages whose lines count from where the page starts, up to the whole list.
    seen = [number for rows, _ in forward for number in rows]
    assert len(seen) == total == len(set(seen))
    assert len(forward) >= 2
    start = 0
    for rows, line in forward:
        assert line == f"Visar {start + 1}–{start + len(rows)} av {total} {noun}.", command
        start += len(rows)
    # Back again: Föregående shows each earlier page exactly as Nästa showed it, down to the first.
    backward = []
    shown: dict[str, Any] = last
    while (earlier := await click(bot, shown, "‹ Föregående", where)) is not None:
        backward.append((row_numbers(earlier), page_line(earlier)))
        shown = earlier
    assert backward == forward[-2::-1]


async def test_visa_alla_pages_differ_in_length_and_foregaende_still_returns_to_the_one_before(
    store: SqlStore,
) -> None:
    """The bug this guards: 'Visa alla' pages as large as a card holds, so a step back of a page size (100)
    went to the first page from the third."""
    await long_meeting(store)
    bot = handlers(store)
    card: dict[str, Any] | None = await first_card(bot, "möte", CHANNEL, True)
    pages = []
    while card is not None:
        pages.append(row_numbers(card))
        card = await click(bot, card, "Nästa ›", CHANNEL)
    assert len(pages) >= 3
    third = await first_card(bot, "möte", CHANNEL, True)
    for _ in range(2):
        third = await click(bot, third, "Nästa ›", CHANNEL) or {}
    back = await click(bot, third, "‹ Föregående", CHANNEL) or {}
    assert row_numbers(back) == pages[1]
