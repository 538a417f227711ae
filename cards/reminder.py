"""The personal reminder card: one person's items due soon or overdue, each with its buttons. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards import elements as ui
from cards.item import move_action
from cards.rows import ROWS_BYTE_BUDGET, is_checkable, item_number, meeting_label
from cards.verbs import Verb
from cards.views import MyItemsView, view_data
from minutes.model import Relative
from minutes.records import ItemRecord, ItemStatus

ITEM_TEXT_LIMIT = 300
MAX_ITEMS = 10
SECRETARY_HEADING = "Som sekreterare: punkter utan nåbar ansvarig"
SECRETARY_NOTE = "Ansvarig finns inte i gruppens förteckning, eller har sagt att punkten inte är deras."


def reminder_card(
    person_name: str,
    items: Sequence[ItemRecord],
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    forwarded: Collection[int] = (),
    max_items: int = MAX_ITEMS,
) -> ui.Card:
    """'Påminnelse: 3 punkter att göra' for `person_name`: their open items in the order given, each with its
    due date said relative to `today` and Klar, Flytta… and Inte min. Items whose ids are in `forwarded`
    reach the person as the group's secretary (no owner could be reached): they come last, in a section of
    their own, without Inte min. Beyond `max_items` (or the size budget) a note points to 'mina'."""
    open_items = [item for item in items if item.status is ItemStatus.OPEN and is_checkable(item)]
    own = [item for item in open_items if item.id not in forwarded]
    others = [item for item in open_items if item.id in forwarded]

    body: list[ui.Element] = [
        ui.text_block(
            f"Påminnelse: {_count(len(open_items))} att göra", heading=True, size="large", weight="bolder"
        ),
        ui.text_block(f"Hej {_first_name(person_name)}! {_intro(own, others)}", spacing="small"),
    ]
    rows = _fit(
        [_item_row(item, people=people, today=today, secretary=False) for item in own]
        + [_item_row(item, people=people, today=today, secretary=True) for item in others],
        max_items=max_items,
    )
    body.extend(row.element for row in rows if not row.secretary)
    if any(row.secretary for row in rows):
        body.append(
            ui.text_block(SECRETARY_HEADING, weight="bolder", size="medium", separator=True, spacing="large")
        )
        body.append(ui.text_block(SECRETARY_NOTE, subtle=True, size="small", spacing="none"))
        body.extend(row.element for row in rows if row.secretary)
    shown = len(rows)
    if shown < len(open_items):
        body.append(
            ui.text_block(
                f"Visar {shown} av {len(open_items)} punkter. Skriv 'mina' till mig för att se alla.",
                subtle=True,
                size="small",
            )
        )
    return ui.adaptive_card(body, entities=[e for row in rows for e in row.entities])


@dataclass(frozen=True, slots=True)
class ReminderRow:
    element: ui.Element
    entities: tuple[ui.Element, ...]
    secretary: bool

    @property
    def size(self) -> int:
        return ui.json_size(self.element) + sum(ui.json_size(e) for e in self.entities)


def _fit(rows: Sequence[ReminderRow], *, max_items: int) -> list[ReminderRow]:
    """The first rows within the item limit and the byte budget (at least one, if any)."""
    fitted: list[ReminderRow] = []
    budget = ROWS_BYTE_BUDGET
    for row in rows:
        if len(fitted) >= max_items or (fitted and row.size > budget):
            break
        budget -= row.size
        fitted.append(row)
    return fitted


def _item_row(
    item: ItemRecord, *, people: Mapping[str, Sequence[ui.Mentionable]], today: date, secretary: bool
) -> ReminderRow:
    """One item as a separated container: number and meeting, the text, owners and due date, its buttons."""
    heading = " · ".join(p for p in (item_number(item), meeting_label(item.group, item.meeting_date)) if p)
    overdue = item.due is not None and item.due_relative is None and item.due < today
    owners = ui.format_owners(item.owners, people)
    details = [f"Klart senast: {when_due(item, today)}"]
    if owners.text:
        details.append(f"Ansvarig: {owners.text}")
    parts: list[ui.Element] = [
        ui.text_block(heading, weight="bolder", size="small", subtle=True),
        ui.plain_text_block(ui.shorten(item.text, ITEM_TEXT_LIMIT), spacing="none"),
        ui.text_block(
            " · ".join(details),
            size="small",
            spacing="none",
            color="attention" if overdue else None,
            weight="bolder" if overdue else None,
        ),
    ]
    if item.id is not None:
        # A click refreshes the reminder into the person's list of open items ('mina'), not a lone item card.
        data: dict[str, str | int] = {**view_data(MyItemsView()), "itemId": item.id}
        buttons = [
            ui.execute_action(Verb.DONE, "Klar", data, style="positive"),
            move_action(item, {"itemId": item.id}, today=today),
        ]
        if not secretary:
            buttons.append(ui.execute_action(Verb.NOT_MINE, "Inte min", data))
        parts.append(ui.action_set(buttons, spacing="small"))
    return ReminderRow(ui.container(parts, separator=True, spacing="medium"), owners.entities, secretary)


def when_due(item: ItemRecord, today: date) -> str:
    """'15 maj 2025 (i morgon)', '10 apr 2025 (försenad 12 dagar)', 'nästa möte'."""
    if item.due_relative is Relative.NEXT_MEETING or item.due is None:
        return ui.format_due(item.due, item.due_relative, item.due_raw) or "inget datum"
    days = (item.due - today).days
    if days == 0:
        relative = "i dag"
    elif days == 1:
        relative = "i morgon"
    elif days > 1:
        relative = f"om {days} dagar"
    else:
        relative = f"försenad {-days} {'dag' if days == -1 else 'dagar'}"
    return f"{ui.format_date(item.due)} ({relative})"


def _count(n: int) -> str:
    return f"{n} {'punkt' if n == 1 else 'punkter'}"


def _first_name(name: str) -> str:
    words = name.split()
    return words[0] if words else "där"


def _intro(own: Sequence[ItemRecord], others: Sequence[ItemRecord]) -> str:
    if own and others:
        return "Det här ska snart vara klart, och några punkter saknar ansvarig som kan nås."
    if others:
        return "Några punkter saknar ansvarig som kan nås; du får dem som gruppens sekreterare."
    return "Det här ska snart vara klart, eller är redan försenat."
