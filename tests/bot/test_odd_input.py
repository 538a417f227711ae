"""Odd input from chat and cards gets the polite answer on both backends, never an exception (which the gateway
would turn into 'Något gick fel'): item numbers of any size or digit class, searches of any length."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.commands import MarkDone, Move, Undo, parse_command
from cards.verbs import DUE_INPUT, Verb
from store import SqlStore
from tests.bot.test_handlers import handlers, message, said
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, ingest_flg
from workflows.chat import CardAction

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"klar {HUGE}", MarkDone(int(HUGE))),
        ("klar ٣", MarkDone(3)),  # Arabic-Indic
        ("klar ３", MarkDone(3)),  # full-width
        ("ångra ۱۲", Undo(12)),  # Extended Arabic-Indic
        (f"flytta {HUGE} 30/4", Move(int(HUGE), "30/4")),
        ("flytta ３ 30/4", Move(3, "30/4")),
    ],
)
def test_item_numbers_of_any_size_and_digit_class_parse(text: str, expected: object) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        f"klar {HUGE}",
        f"ångra {HUGE}",
        f"flytta {HUGE} 30/4",
        "klar 2147483648",  # one past PostgreSQL's integer
        "klar 9223372036854775808",  # one past SQLite's integer
        "klar ٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣٣",
        "klar ３３３３３３３３３３３３３３３３３３３３",
    ],
)
async def test_an_item_number_of_any_size_is_no_such_item(store: SqlStore, tmp_path: Path, text: str) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_message(message(text))
    assert "finns inte" in said(reply)


@pytest.mark.parametrize("item_id", [HUGE, int(HUGE), "2147483648", 2**63, "٣٣٣٣٣٣٣٣٣٣٣٣٣٣", "²", "-1", -1])
@pytest.mark.parametrize("verb", [Verb.DONE, Verb.UNDO, Verb.MOVE, Verb.NOT_MINE])
async def test_a_card_with_an_odd_item_number_is_refused_politely(
    store: SqlStore, tmp_path: Path, verb: Verb, item_id: object
) -> None:
    await ingest_flg(store, tmp_path / "m")
    click = CardAction(verb, {"itemId": item_id, DUE_INPUT: "2024-12-01"}, ANNIKA, CHANNEL, "tenant")
    reply = await handlers(store).on_card_action(click)
    assert reply.card is not None and "Inget har ändrats" in said(reply.card)


@pytest.mark.parametrize("length", [50_000, 100_000])
async def test_a_search_of_any_length_is_answered(store: SqlStore, tmp_path: Path, length: int) -> None:
    await ingest_flg(store, tmp_path / "m")
    bot = handlers(store)
    for text in (f"beslut {'x' * length}", f"öppna {'x' * length}", f"beslut {'%_' * (length // 2)}"):
        reply = await bot.on_message(message(text))
        assert reply.card is not None or reply.messages


@pytest.mark.parametrize("command", ["klar", "ångra", "flytta"])
def test_a_number_of_thousands_of_digits_is_no_command(command: str) -> None:
    assert (
        parse_command(f"{command} {'9' * 5000} 30/4".removesuffix(" 30/4" if command != "flytta" else ""))
        is None
    )


@pytest.mark.parametrize(
    "when",
    [
        "v. 99999999999999999999",
        "9999-99-99",
        "31/2",
        "99999999999999999999/4",
        "om 99999999999999 veckor",
        "x" * 100_000,
    ],
)
async def test_an_odd_date_for_a_move_is_answered(store: SqlStore, tmp_path: Path, when: str) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = next(i for i in await store.list_items(open_only=True) if "AA" in i.owners)
    reply = await handlers(store).on_message(message(f"flytta {item.id} {when}"))
    assert reply.card is not None or reply.messages


async def test_a_meeting_date_of_any_length_is_answered(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    reply = await handlers(store).on_message(message(f"möte {'x' * 100_000}"))
    assert reply.card is not None or reply.messages
