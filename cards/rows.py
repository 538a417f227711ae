"""Items as compact card rows, shared by the meeting summary and the command answers. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards.elements import (
    Element,
    Mentionable,
    action_set,
    execute_action,
    format_date,
    format_due,
    format_owners,
    json_size,
    plain_text_block,
    shorten,
    text_block,
)
from cards.verbs import Verb
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus

# Summary order: what was decided first, then what people must do, then what comes back next time.
SECTION_ORDER = (ItemKind.DECISION, ItemKind.ACTION, ItemKind.FOLLOW_UP)
SECTION_HEADINGS = {
    ItemKind.DECISION: "Beslut",
    ItemKind.ACTION: "Åtgärder",
    ItemKind.FOLLOW_UP: "Uppföljning",
}
KIND_NAMES = {ItemKind.DECISION: "Beslut", ItemKind.ACTION: "Åtgärd", ItemKind.FOLLOW_UP: "Uppföljning"}
# (singular, plural) for the counts line; the order of the counts follows the brief: actions first.
COUNT_WORDS = {
    ItemKind.ACTION: ("åtgärd", "åtgärder"),
    ItemKind.DECISION: ("beslut", "beslut"),
    ItemKind.FOLLOW_UP: ("uppföljning", "uppföljningar"),
}
ROW_TEXT_LIMIT = 200
# What the rows of one card may weigh together. Teams refuses messages above about 28 KB, and the activity
# around the card, the heading and ensure_ascii escaping of å, ä, ö all add to the size on the wire.
ROWS_BYTE_BUDGET = 18_000
DONE_MARK = "✓ klar"
OVERDUE_MARK = "försenad"


@dataclass(frozen=True, slots=True)
class ItemRow:
    item: ItemRecord
    element: Element
    entities: tuple[Element, ...]

    @property
    def size(self) -> int:
        return json_size(self.element) + sum(json_size(e) for e in self.entities)


def is_visible(item: ItemRecord) -> bool:
    """Withdrawn items left the minutes in a later version, dismissed ones are no tasks by the secretary's
    word; they stay in the store but not on cards."""
    return item.status not in (ItemStatus.WITHDRAWN, ItemStatus.DISMISSED)


def is_checkable(item: ItemRecord) -> bool:
    """Decisions are recorded, not done: only actions and follow-ups get Klar/Flytta/Inte min."""
    return item.kind is not ItemKind.DECISION


def is_overdue(item: ItemRecord, today: date) -> bool:
    # 'Nästa möte' has no date until the next minutes arrive, so it is never overdue here.
    return (
        item.status is ItemStatus.OPEN
        and item.kind is not ItemKind.DECISION
        and item.due_relative is None
        and item.due is not None
        and item.due < today
    )


def count_phrase(items: Iterable[ItemRecord]) -> str:
    """'12 åtgärder, 3 beslut, 2 uppföljningar'; kinds with none are left out."""
    counts = {kind: 0 for kind in COUNT_WORDS}
    for item in items:
        counts[item.kind] += 1
    parts = [
        f"{counts[kind]} {singular if counts[kind] == 1 else plural}"
        for kind, (singular, plural) in COUNT_WORDS.items()
        if counts[kind]
    ]
    return ", ".join(parts) if parts else "Inga punkter"


def meeting_label(group: str | None, meeting_date: date | None) -> str | None:
    """'FLG 14 apr 2025', or whichever half is known."""
    parts = [part for part in (group, format_date(meeting_date) if meeting_date else None) if part]
    return " ".join(parts) or None


def item_number(item: ItemRecord) -> str:
    return f"#{item.id}" if item.id is not None else "#–"


def details_block(details: Sequence[str], *, overdue: bool) -> Element:
    """A row's small line of facts ('Ansvarig: … · Klart senast: …'), in the attention colour when overdue."""
    return text_block(
        " · ".join(details),
        size="small",
        spacing="none",
        color="attention" if overdue else None,
        subtle=not overdue,
    )


def item_row(
    item: ItemRecord,
    *,
    people: Mapping[str, Sequence[Mentionable]],
    today: date,
    show_meeting: bool = False,
    context: Mapping[str, str] | None = None,
) -> ItemRow:
    """Number | text with owners, due date and state | a Klar button while the item is open.

    `context` goes into the button's data so that the click can refresh the very card it came from (the
    meeting summary, a command's list) instead of replacing it with the single item."""
    done = item.status is ItemStatus.DONE
    owners = format_owners(item.owners, people)
    details: list[str] = []
    if done:
        details.append(DONE_MARK)
    if owners.text:
        details.append(f"Ansvarig: {owners.text}")
    due = format_due(item.due, item.due_relative, item.due_raw)
    if due and item.kind is not ItemKind.DECISION:
        details.append(f"Klart senast: {due}")
    if show_meeting and (meeting := meeting_label(item.group, item.meeting_date)):
        details.append(f"Möte: {meeting}")
    overdue = is_overdue(item, today)
    if overdue:
        details.append(f"**{OVERDUE_MARK}**")

    text_items: list[Element] = [plain_text_block(shorten(item.text, ROW_TEXT_LIMIT), strikethrough=done)]
    if details:
        text_items.append(details_block(details, overdue=overdue))
    columns: list[Element] = [
        {
            "type": "Column",
            "width": "auto",
            "items": [text_block(item_number(item), weight="bolder", subtle=done)],
        },
        {"type": "Column", "width": "stretch", "items": text_items},
    ]
    if item.status is ItemStatus.OPEN and item.id is not None and is_checkable(item):
        done_button = execute_action(Verb.DONE, "Klar", {**(context or {}), "itemId": item.id})
        columns.append(
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "center",
                "items": [action_set([done_button])],
            }
        )
    element: Element = {"type": "ColumnSet", "columns": columns, "spacing": "medium"}
    return ItemRow(item, element, owners.entities)


def fit_rows(rows: Iterable[ItemRow], *, max_items: int, budget: int = ROWS_BYTE_BUDGET) -> list[ItemRow]:
    """The first rows that fit both the item limit and the byte budget (at least one, if any)."""
    kept: list[ItemRow] = []
    used = 0
    for row in rows:
        if len(kept) >= max_items:
            break
        used += row.size
        if kept and used > budget:
            break
        kept.append(row)
    return kept
