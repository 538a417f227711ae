"""Adaptive Cards as pure functions from domain objects to JSON dicts. Pure: no I/O, no clock."""

from cards.elements import Mentionable
from cards.item import item_card, items_list_card
from cards.messages import STALE_ITEM_MESSAGE, error_card, help_card, notice_card
from cards.summary import meeting_summary_card
from cards.verbs import DUE_INPUT, Verb

__all__ = [
    "DUE_INPUT",
    "STALE_ITEM_MESSAGE",
    "Mentionable",
    "Verb",
    "error_card",
    "help_card",
    "item_card",
    "items_list_card",
    "meeting_summary_card",
    "notice_card",
]
