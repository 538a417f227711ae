"""Items as compact card rows, shared by the meeting summary and the command answers. Pure: no I/O."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards import elements as ui
from cards.verbs import Verb
from cards.views import PagePlace, View, place_data, view_data
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus, is_actionable

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
ROW_TOPIC_LIMIT = 80
# What the rows of one card may weigh together. Teams refuses messages above about 28 KB, and the activity
# around the card, the heading and ensure_ascii escaping of å, ä, ö all add to the size on the wire.
ROWS_BYTE_BUDGET = 18_000
DONE_MARK = "✓ Klar"
# A decision's text often repeats its kind ('Beslut: …') under the heading 'Beslut': said once is enough.
_DECISION_PREFIX = re.compile(r"^\s*beslut\s*[:–-]\s*", re.IGNORECASE)
OVERDUE_MARK = "försenad"


# The secretary's buttons for one row (cards.item: Flytta…, Sekreterare…), given the row's button data.
Corrections = Callable[[ItemRecord, Mapping[str, str | int]], Sequence[ui.Element]]


@dataclass(frozen=True, slots=True)
class ItemRow:
    item: ItemRecord
    element: ui.Element
    entities: tuple[ui.Element, ...]

    @property
    def size(self) -> int:
        return ui.json_size(self.element) + sum(ui.json_size(e) for e in self.entities)


def is_visible(item: ItemRecord) -> bool:
    """Withdrawn items left the minutes in a later version, dismissed ones are no tasks by the secretary's
    word; they stay in the store but not on cards."""
    return item.status not in (ItemStatus.WITHDRAWN, ItemStatus.DISMISSED)


def is_checkable(item: ItemRecord) -> bool:
    """Decisions are recorded, not done: actions, follow-ups and decisions that name an owner and a date
    (minutes.records.is_actionable) get Klar/Flytta/Inte min."""
    return is_actionable(item)


def is_overdue(item: ItemRecord, today: date) -> bool:
    # 'Nästa möte' has no date until the next minutes arrive, so it is never overdue here.
    return (
        item.status is ItemStatus.OPEN
        and is_actionable(item)
        and item.due_relative is None
        and item.due is not None
        and item.due < today
    )


def done_stamp(item: ItemRecord, actors: Mapping[str, str]) -> str:
    """'✓ Klar – Annika Andersson 7 dec 2026': who checked it off and when, as far as the store knows."""
    who = actors.get(item.changed_by or "")
    when = ui.format_date(item.changed_at.date()) if item.changed_at is not None else None
    stamp = DONE_MARK
    if who:
        stamp += f" – {who}"
    if when:
        stamp += f" {when}" if who else f" – {when}"
    return stamp


def action_text(item: ItemRecord) -> str:
    """What the item says, without a decision's repeated 'Beslut:'."""
    text = item.text
    if item.kind is ItemKind.DECISION:
        text = _DECISION_PREFIX.sub("", text, count=1) or text
    return text


def topic_and_action(item: ItemRecord, *, limit: int = ROW_TEXT_LIMIT, done: bool = False) -> ui.Element:
    """The item's topic in bold, then its action ('Personalfest – HR får uppdraget'): an action alone often
    means nothing. Literal text (TextRuns): no markdown or mentions from a document."""
    text = action_text(item)
    topic = " ".join(item.topic.split())
    runs: list[ui.Element] = []
    if topic and topic.casefold() != " ".join(text.split()).casefold():
        runs.append({"type": "TextRun", "text": ui.shorten(topic, ROW_TOPIC_LIMIT), "weight": "bolder"})
        runs.append({"type": "TextRun", "text": " – "})
    runs.append({"type": "TextRun", "text": ui.shorten(text, limit)})
    if done:
        for run in runs:
            run["strikethrough"] = True
            run["isSubtle"] = True
    return {"type": "RichTextBlock", "inlines": runs}


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
    parts = [part for part in (group, ui.format_date(meeting_date) if meeting_date else None) if part]
    return " ".join(parts) or None


def item_number(item: ItemRecord) -> str:
    return f"#{item.id}" if item.id is not None else "#–"


def details_block(details: Sequence[str], *, overdue: bool) -> ui.Element:
    """A row's small line of facts ('Ansvarig: … · Klart senast: …'), in the attention colour when overdue."""
    return ui.text_block(
        " · ".join(details),
        size="small",
        spacing="none",
        color="attention" if overdue else None,
        subtle=not overdue,
    )


def item_row(
    item: ItemRecord,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    show_meeting: bool = False,
    context: Mapping[str, str | int] | None = None,
    actors: Mapping[str, str] | None = None,
    corrections: Corrections | None = None,
    task_urls: Mapping[int, str] | None = None,
) -> ItemRow:
    """Number | topic and action with owners, due date and state | Klar while the item is open, Ångra once
    done. `actors` maps who changed an item (an id) to a name, for the done stamp.

    `context` goes into the button's data so that the click can refresh the very card it came from (the
    meeting summary, a command's list) instead of replacing it with the single item. `corrections` gives an
    open row the secretary's buttons too (a meeting card awaiting the secretary's review). `task_urls`: item
    number → its task in Planner, linked on the row."""
    done = item.status is ItemStatus.DONE
    owners = ui.format_owners(item.owners, people)
    details: list[str] = []
    if done:
        details.append(done_stamp(item, actors or {}))
    if owners.text:
        details.append(f"Ansvarig: {owners.text}")
    due = ui.format_due(item.due, item.due_relative, item.due_raw)
    if due and is_actionable(item):
        details.append(f"Klart senast: {due}")
    if show_meeting and (meeting := meeting_label(item.group, item.meeting_date)):
        details.append(f"Möte: {meeting}")
    overdue = is_overdue(item, today)
    if overdue:
        details.append(f"**{OVERDUE_MARK}**")
    if item.id is not None and (url := (task_urls or {}).get(item.id)):
        details.append(f"[Planner]({url})")

    text_items: list[ui.Element] = [topic_and_action(item, done=done)]
    if details:
        text_items.append(details_block(details, overdue=overdue))
    columns: list[ui.Element] = [
        {
            "type": "Column",
            "width": "auto",
            "items": [ui.text_block(item_number(item), weight="bolder", subtle=done)],
        },
        {"type": "Column", "width": "stretch", "items": text_items},
    ]
    buttons: list[ui.Element] = []
    if item.id is not None and is_checkable(item):
        data = {**(context or {}), "itemId": item.id}
        if item.status is ItemStatus.OPEN:
            buttons.append(ui.execute_action(Verb.DONE, "Klar", data))
        elif done:
            buttons.append(ui.execute_action(Verb.UNDO, "Ångra", data))
    if item.id is not None and corrections is not None and item.status is ItemStatus.OPEN:
        buttons.extend(corrections(item, {**(context or {}), "itemId": item.id}))
    if buttons:
        columns.append(
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "center",
                "items": [ui.action_set(buttons)],
            }
        )
    element: ui.Element = {"type": "ColumnSet", "columns": columns, "spacing": "medium"}
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


def page_context(view: View | None, place: PagePlace) -> dict[str, str | int] | None:
    """What a row's button carries so that its click shows the same page of the same card again (with the
    way back, so that Föregående still leads to the page before)."""
    if view is None:
        return None
    return {**view_data(view), **place_data(place)}


def pager(
    view: View | None,
    *,
    place: PagePlace,
    shown: int,
    total: int,
    page_size: int,
    noun: str = "punkter",
    previous: PagePlace | None = None,
) -> tuple[list[ui.Element], list[ui.Element]]:
    """The line 'Visar 16–30 av 40 punkter' and the Föregående/Nästa buttons of a page of a list, when the
    whole list does not fit on one card. Nästa starts right after the last row shown (a card may show fewer
    than `page_size` rows to stay small enough), so every row can be reached, and remembers where this page
    started; Föregående goes back to that very page (PagePlace), else to `previous` when the caller knows
    better than a step of `page_size`."""
    offset = place.offset
    if total <= shown and offset == 0:
        return [], []
    first, last = (offset + 1, offset + shown) if shown else (0, 0)
    line = f"Visar {first}–{last} av {total} {noun}." if shown else f"Inga fler {noun} (av {total})."
    body = [ui.text_block(line, subtle=True, size="small")]
    buttons: list[ui.Element] = []
    if view is not None:
        data = view_data(view)
        if offset > 0:
            before = place.previous(page_size) if place.back or previous is None else previous
            buttons.append(ui.execute_action(Verb.PAGE, "‹ Föregående", {**data, **place_data(before)}))
        if offset + shown < total and shown:
            after = place.following(shown)
            buttons.append(ui.execute_action(Verb.PAGE, "Nästa ›", {**data, **place_data(after)}))
    return body, buttons
