"""Short message cards: a polite error, the command help and a plain notice. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from cards.elements import Card, Element, adaptive_card, plain_text_block, text_block

# For a card action whose item is gone or belongs to another group (stale card, or forged data).
STALE_ITEM_MESSAGE = "Den här punkten finns inte längre eller hör till en annan grupp. Inget har ändrats."
HELP_INTRO = "Skriv ett kommando till mig. I en kanal: nämn mig med @ först."
HELP_FOOTNOTE = "N är punktens nummer, t.ex. 12 för #12. DATUM kan skrivas 30/4, 2025-04-30 eller v. 18."


def error_card(message: str) -> Card:
    """Something the user asked for did not happen; `message` says what, in Swedish, without internals."""
    return adaptive_card(
        [
            text_block(
                "Det gick tyvärr inte", heading=True, size="medium", weight="bolder", color="attention"
            ),
            text_block(message),
        ]
    )


def notice_card(title: str, text: str) -> Card:
    return adaptive_card([text_block(title, heading=True, size="medium", weight="bolder"), text_block(text)])


def help_card(commands: Sequence[tuple[str, str]], *, lead: Sequence[str] = ()) -> Card:
    """The command vocabulary as a table of (usage, description); bot/commands.py owns the list. `lead`: lines
    said first, literally ('Jag förstod inte …' quotes the user), so that one message answers."""
    rows: list[Element] = [table_row("Kommando", "Vad det gör", header=True)]
    rows.extend(table_row(usage, description) for usage, description in commands)
    table: Element = {
        "type": "Table",
        "columns": [
            {"type": "TableColumnDefinition", "width": 2},
            {"type": "TableColumnDefinition", "width": 3},
        ],
        "rows": rows,
        "firstRowAsHeader": True,
        "showGridLines": False,
    }
    return adaptive_card(
        [
            *(plain_text_block(line) for line in lead),
            text_block("Det här kan jag", heading=True, size="large", weight="bolder"),
            text_block(HELP_INTRO),
            table,
            text_block(HELP_FOOTNOTE, subtle=True, size="small"),
        ]
    )


def table_row(usage: str, description: str, *, header: bool = False) -> Element:
    usage_text = text_block(usage, weight="bolder") if header else text_block(usage, font_type="monospace")
    description_text = text_block(description, weight="bolder" if header else None)
    return {
        "type": "TableRow",
        "cells": [
            {"type": "TableCell", "items": [usage_text]},
            {"type": "TableCell", "items": [description_text]},
        ],
    }
