"""Answers that offer what to do instead: a date on no working day gets the working day before. Pure."""

from __future__ import annotations

from datetime import date

from cards.elements import Card, adaptive_card, execute_action, format_date, text_block
from cards.verbs import DUE_INPUT, Verb


def non_working_day_card(item_id: int, text: str, offered: date) -> Card:
    """`text` says why the date chosen is no working day; one button moves the item to `offered` instead."""
    return adaptive_card(
        [text_block("Ingen arbetsdag", heading=True, size="medium", weight="bolder"), text_block(text)],
        actions=[
            execute_action(
                Verb.MOVE,
                f"Flytta till {format_date(offered)}",
                {"itemId": item_id, DUE_INPUT: offered.isoformat()},
                style="positive",
            )
        ],
    )
