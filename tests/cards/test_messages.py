"""Error, help and notice cards."""

from __future__ import annotations

from bot.commands import COMMANDS
from cards.messages import STALE_ITEM_MESSAGE, error_card, help_card, notice_card
from tests.cards.cardcheck import elements, execute_actions, text_block_texts


def test_error_card_is_polite_and_has_no_buttons() -> None:
    card = error_card(STALE_ITEM_MESSAGE)
    assert text_block_texts(card) == ["Det gick tyvärr inte", STALE_ITEM_MESSAGE]
    assert execute_actions(card) == [] and "actions" not in card


def test_help_lists_every_command_in_order() -> None:
    card = help_card([(command.usage, command.help_sv) for command in COMMANDS])
    [table] = [node for node in elements(card) if node.get("type") == "Table"]
    rows = [[cell["items"][0]["text"] for cell in row["cells"]] for row in table["rows"]]
    assert rows[0] == ["Kommando", "Vad det gör"]
    assert rows[1:] == [[command.usage, command.help_sv] for command in COMMANDS]


def test_notice_card() -> None:
    assert text_block_texts(notice_card("Läs in", "Protokollet läses in.")) == [
        "Läs in",
        "Protokollet läses in.",
    ]
