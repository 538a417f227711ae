"""Every card builder on the fixed samples, by golden-file name; shared by the golden and schema tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from bot.commands import COMMANDS
from bot.not_understood import not_understood
from cards.answers import non_working_day_card
from cards.item import item_card, items_list_card
from cards.messages import STALE_ITEM_MESSAGE, error_card, help_card, notice_card
from cards.report import choose_group_card, follow_through_card
from cards.summary import meeting_removed_card, meeting_summary_card
from cards.views import DecisionsView, MyItemsView, OpenItemsView
from minutes.follow_through import follow_through
from minutes.model import ItemKind
from tests.cards.samples import (
    ACTORS,
    DECISION,
    DECISION_WITH_OWNER,
    DOCUMENT,
    DONE,
    ITEMS,
    LONG,
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
from tests.minutes import follow_through_history as history

Card = dict[str, Any]

CASES: dict[str, Callable[[], Card]] = {
    # `rapport`: FLG's totals over the hand-built two years (no one named: totals only), and the question
    # which group for someone in several.
    "report": lambda: follow_through_card(
        follow_through("FLG", history.BOTH, history.ITEMS, history.AUDIT, today=history.TODAY)
    ),
    "report_choose_group": lambda: choose_group_card(["FLG", "FSG"], 2024),
    "summary": lambda: meeting_summary_card(DOCUMENT, ITEMS, people=PEOPLE, today=TODAY),
    "summary_overflow": lambda: meeting_summary_card(DOCUMENT, many_items(20), people=PEOPLE, today=TODAY),
    # Föregående/Nästa: the second page of a long meeting, and 'Visa alla' (pages as large as a card holds).
    "summary_page_2": lambda: meeting_summary_card(
        DOCUMENT, many_items(20), people=PEOPLE, today=TODAY, offset=15
    ),
    "summary_everything": lambda: meeting_summary_card(
        DOCUMENT, many_items(20), people=PEOPLE, today=TODAY, everything=True
    ),
    # The card the group's secretary reviews first: the corrections on each open row, and Publicera.
    "summary_review": lambda: meeting_summary_card(
        DOCUMENT, ITEMS, people=PEOPLE, today=TODAY, actors=ACTORS, review=True
    ),
    # Who checked the item off and when, with Ångra; a decision naming an owner and a date has Klar.
    "summary_done_by": lambda: meeting_summary_card(
        DOCUMENT, [DONE, DECISION_WITH_OWNER, DECISION], people=PEOPLE, today=TODAY, actors=ACTORS
    ),
    # No web address known: the file's name is all that says which minutes these are.
    "summary_no_link": lambda: meeting_summary_card(
        replace(DOCUMENT, web_url=None, group=None, meeting_date=None), ITEMS, people=PEOPLE, today=TODAY
    ),
    "summary_empty": lambda: meeting_summary_card(DOCUMENT, [WITHDRAWN], people=PEOPLE, today=TODAY),
    # The minutes were deleted from the library: the posted card says so and offers no Klar.
    "summary_removed": lambda: meeting_removed_card(replace(DOCUMENT, status="deleted")),
    "item_open_overdue": lambda: item_card(OVERDUE, people=PEOPLE, today=TODAY),
    "item_open_mention": lambda: item_card(MENTIONED, people=PEOPLE, today=TODAY),
    "item_done": lambda: item_card(DONE, people=PEOPLE, today=TODAY, actors=ACTORS),
    "item_decision_with_owner": lambda: item_card(DECISION_WITH_OWNER, people=PEOPLE, today=TODAY),
    "item_next_meeting_read_only": lambda: item_card(NEXT_MEETING, people=PEOPLE, today=TODAY, can_act=False),
    "item_long_unresolved": lambda: item_card(LONG, people=PEOPLE, today=TODAY),
    "item_decision": lambda: item_card(DECISION, people=PEOPLE, today=TODAY),
    "item_withdrawn": lambda: item_card(WITHDRAWN, people=PEOPLE, today=TODAY),
    "list_mine": lambda: items_list_card(
        "Dina öppna punkter",
        [MENTIONED, OVERDUE, LONG, UNRESOLVED],
        people=PEOPLE,
        today=TODAY,
        empty_text="Du har inga öppna punkter.",
    ),
    "list_follow_ups": lambda: items_list_card(
        "Uppföljning till nästa möte",
        [NEXT_MEETING, UNRESOLVED],
        people=PEOPLE,
        today=TODAY,
        empty_text="Inget återkommer till nästa möte.",
    ),
    "list_overflow": lambda: items_list_card(
        "Öppna punkter för RN", many_items(20), people=PEOPLE, today=TODAY, empty_text="Inga öppna punkter."
    ),
    # The first page of a long list (ItemPage): the counts are the whole list's, not the page's.
    "list_page": lambda: items_list_card(
        "Öppna punkter",
        [MENTIONED, OVERDUE],
        people=PEOPLE,
        today=TODAY,
        empty_text="Inga öppna punkter.",
        refresh=OpenItemsView(),
        total=412,
        overdue=37,
    ),
    # A later page: Föregående and Nästa, and the rows shown counted from the offset.
    "list_page_2": lambda: items_list_card(
        "Dina öppna punkter",
        many_items(20)[15:],
        people=PEOPLE,
        today=TODAY,
        empty_text="Du har inga öppna punkter.",
        refresh=MyItemsView(),
        total=20,
        overdue=0,
        offset=15,
    ),
    # Decisions are counted as 'beslut', newest meeting first, without Klar unless they name owner and date.
    "list_decisions": lambda: items_list_card(
        "Beslut",
        [
            DECISION_WITH_OWNER,
            DECISION,
            record(10, ItemKind.DECISION, "Beslut – Mötet godkänner dagordningen.", topic="Dagordning"),
        ],
        people=PEOPLE,
        today=TODAY,
        empty_text="Inga beslut hittades.",
        refresh=DecisionsView(),
        total=3,
        overdue=1,
        noun=("beslut", "beslut"),
    ),
    "list_done_by": lambda: items_list_card(
        "Öppna punkter",
        [DONE, MENTIONED],
        people=PEOPLE,
        today=TODAY,
        empty_text="Inga öppna punkter.",
        refresh=OpenItemsView("AÅ"),
        actors=ACTORS,
    ),
    "list_empty": lambda: items_list_card(
        "Beslut om 'budget'", [], people=PEOPLE, today=TODAY, empty_text="Inga beslut om 'budget' hittades."
    ),
    "error_stale": lambda: error_card(STALE_ITEM_MESSAGE),
    "help": lambda: help_card([(command.usage, command.help_sv) for command in COMMANDS]),
    # Text that is no command: what was not understood and the closest command lead the help.
    "help_not_understood": lambda: help_card(
        [(command.usage, command.help_sv) for command in COMMANDS], lead=not_understood("kalr 12")
    ),
    "non_working_day": lambda: non_working_day_card(
        12,
        "7 sep 2024 är en lördag och ingen arbetsdag. Vill du flytta punkt #12 till 6 sep 2024 i stället?",
        date(2024, 9, 6),
    ),
    "notice": lambda: notice_card("Inte min punkt", "Anna Åberg säger att punkt #3 inte är hennes."),
}
