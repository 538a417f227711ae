"""The Action.Execute verbs of every card: one enum shared by the card builders and the bot's handlers."""

from __future__ import annotations

from enum import StrEnum


class Verb(StrEnum):
    DONE = "item.done"  # the owner (or anyone allowed) checks the item off
    UNDO = "item.undo"  # reopen an item checked off by mistake
    MOVE = "item.move"  # a new due date, from the card's Input.Date named DUE_INPUT
    NOT_MINE = "item.notMine"  # the named owner says the item is not theirs: the secretary is told
    SHOW_ALL = "meeting.showAll"  # the full list of a long meeting's items
    PAGE = "list.page"  # Föregående/Nästa: another page of the card's view (its view and OFFSET in the data)
    ARCHIVE = "item.archive"  # the group's secretary puts a long-past item aside ('arkiverad')
    RESTORE = "item.restore"  # the group's secretary brings an archived or dismissed item back, open
    SET_OWNERS = "item.setOwners"  # the group's secretary corrects the owners, from the input OWNERS_INPUT
    DISMISS = "item.dismiss"  # the group's secretary says the row is no task ('Inte en uppgift')
    REPORT = (
        "report.answer"  # the owner reports back on a returning item before the meeting (its inputs below)
    )
    REPORT_REMIND = "report.remind"  # the secretary asks someone who has not reported back once more
    PUBLISH = (
        "meeting.publish"  # the group's secretary sends a meeting's card, reviewed, to the group's channels
    )


# The Input.Date id on item cards whose value comes back with Verb.MOVE.
DUE_INPUT = "nyttDatum"

# The data key of a paged card's buttons: the place in the whole list of the page's first row.
OFFSET = "offset"
# The data key beside OFFSET: where the pages before it started ('0,17,34'), so that Föregående returns to the
# very page Nästa came from — pages differ in length, a card holds as many rows as fit its byte budget.
BACK = "back"
# The Input.Text id on item cards whose value (owners, comma-separated) comes back with Verb.SET_OWNERS.
OWNERS_INPUT = "nyaAnsvariga"


# The inputs of one item on a report-back card, named by the item so that one card holds several items.
def report_state_input(item_id: int) -> str:
    return f"lage-val-{item_id}"


def report_note_input(item_id: int) -> str:
    return f"lage-text-{item_id}"


def report_date_input(item_id: int) -> str:
    return f"lage-datum-{item_id}"
