"""Cards for one item (with its buttons) and for lists of items answering chat commands. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from cards import elements as ui
from cards.rows import (
    KIND_NAMES,
    OVERDUE_MARK,
    action_text,
    done_stamp,
    fit_rows,
    is_checkable,
    is_overdue,
    is_visible,
    item_number,
    item_row,
    meeting_label,
    page_context,
    pager,
)
from cards.verbs import DUE_INPUT, OWNERS_INPUT, Verb
from cards.views import PagePlace, View
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus

# One item may show its whole text, but a runaway paragraph must not push the card past Teams' limit.
ITEM_TEXT_LIMIT = 3_000
TOPIC_LIMIT = 200
STATUS_NAMES = {
    ItemStatus.OPEN: "Öppen",
    ItemStatus.DONE: "Klar",
    ItemStatus.WITHDRAWN: "Borttagen ur protokollet",
    ItemStatus.ARCHIVED: "Arkiverad",
    ItemStatus.DISMISSED: "Inte en uppgift",
}


def item_card(
    item: ItemRecord,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    can_act: bool = True,
    actors: Mapping[str, str] | None = None,
    task_url: str | None = None,
) -> ui.Card:
    """One item with its facts and, when `can_act`, the buttons its state allows: Klar, Flytta and
    Inte min while open; Ångra when done; none once withdrawn or for decisions that name no owner and date.
    A done item says who checked it off and when (`actors`: who changed it, an id → a name)."""
    done = item.status is ItemStatus.DONE
    overdue = is_overdue(item, today)
    body: list[ui.Element] = [
        ui.text_block(
            f"{KIND_NAMES[item.kind]} {item_number(item)}", heading=True, size="large", weight="bolder"
        )
    ]
    if overdue:
        body.append(
            ui.text_block(
                f"⚠ {OVERDUE_MARK.capitalize()}", color="attention", weight="bolder", spacing="none"
            )
        )
    if item.topic.strip() and item.topic.strip() != item.text.strip():
        body.append(ui.text_block(ui.shorten(item.topic, TOPIC_LIMIT), subtle=True, spacing="none"))
    body.append(ui.plain_text_block(ui.shorten(action_text(item), ITEM_TEXT_LIMIT), strikethrough=done))
    if done:
        body.append(ui.text_block(done_stamp(item, actors or {}), color="good", weight="bolder"))

    owners = ui.format_owners(item.owners, people)
    # Mentions render only in TextBlock text, so the owners stand above the FactSet rather than in it.
    if owners.text:
        body.append(ui.text_block(f"**Ansvarig:** {owners.text}"))
    facts: list[tuple[str, str]] = []
    due = ui.format_due(item.due, item.due_relative, item.due_raw)
    if due:
        facts.append(("Klart senast", due))
    status = STATUS_NAMES[item.status]
    facts.append(("Status", f"{status}, {OVERDUE_MARK}" if overdue else status))
    if meeting := meeting_label(item.group, item.meeting_date):
        facts.append(("Möte", meeting))
    body.append(ui.fact_set(facts))
    if item.status is ItemStatus.WITHDRAWN:
        body.append(ui.text_block("Punkten finns inte längre i protokollet.", subtle=True))
    if item.status is ItemStatus.DISMISSED:
        body.append(ui.text_block("Sekreteraren har markerat raden som inte en uppgift.", subtle=True))
    if item.status is ItemStatus.ARCHIVED:
        body.append(
            ui.text_block("Arkiverad: syns inte i listor, påminnelser och sammanfattningar.", subtle=True)
        )

    actions: list[ui.Element] = []
    if can_act and item.id is not None and is_checkable(item):
        data = {"itemId": item.id}
        if item.status is ItemStatus.OPEN:
            actions.append(ui.execute_action(Verb.DONE, "Klar", data, style="positive"))
            actions.append(move_action(item, data, today=today))
            actions.append(ui.execute_action(Verb.NOT_MINE, "Inte min", data))
            actions.append(secretary_action(item, data))
        elif done:
            actions.append(ui.execute_action(Verb.UNDO, "Ångra", data))
        elif item.status in (ItemStatus.ARCHIVED, ItemStatus.DISMISSED):
            actions.append(ui.execute_action(Verb.RESTORE, "Återställ", data))
    if task_url:
        actions.append(ui.open_url_action("Öppna i Planner", task_url))
    return ui.adaptive_card(body, actions=actions, entities=owners.entities)


def secretary_action(item: ItemRecord, data: Mapping[str, str | int]) -> ui.Element:
    """'Sekreterare…': the group's secretary corrects the item (other owners, 'Inte en uppgift') or archives
    it. Shown to everyone, in a ShowCard so that it costs one button; the handlers check who clicks."""
    owners: ui.Element = {
        "type": "Input.Text",
        "id": OWNERS_INPUT,
        "label": "Ansvariga (initialer eller namn, med komma emellan)",
        "placeholder": "till exempel AA, Eva Lind",
        "value": ", ".join(item.owners),
        "isRequired": True,
        "errorMessage": "Skriv minst en ansvarig.",
    }
    return {
        "type": "Action.ShowCard",
        "title": "Sekreterare…",
        "card": {
            "type": "AdaptiveCard",
            "body": [owners],
            "actions": [
                ui.execute_action(Verb.SET_OWNERS, "Spara ansvariga", data),
                ui.execute_action(Verb.DISMISS, "Inte en uppgift", data),
                # A decision stays in the register of decisions: it is never archived.
                *(
                    []
                    if item.kind is ItemKind.DECISION
                    else [ui.execute_action(Verb.ARCHIVE, "Arkivera", data)]
                ),
            ],
        },
    }


def move_action(item: ItemRecord, data: Mapping[str, str | int], *, today: date) -> ui.Element:
    """'Flytta…' opens a date picker; its own button sends Verb.MOVE with the date under DUE_INPUT.
    The picker sits in a ShowCard so that its required date never blocks the card's other buttons."""
    picker: ui.Element = {
        "type": "Input.Date",
        "id": DUE_INPUT,
        "label": "Nytt datum",
        "placeholder": "Välj ett datum",
        "min": today.isoformat(),
        "isRequired": True,
        "errorMessage": "Välj ett datum, i dag eller senare.",
    }
    if item.due is not None and item.due >= today:
        picker["value"] = item.due.isoformat()
    return {
        "type": "Action.ShowCard",
        "title": "Flytta…",
        "card": {
            "type": "AdaptiveCard",
            "body": [picker],
            "actions": [ui.execute_action(Verb.MOVE, "Spara nytt datum", data)],
        },
    }


def items_list_card(
    title: str,
    items: Sequence[ItemRecord],
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    empty_text: str,
    max_items: int = 15,
    refresh: View | None = None,
    total: int | None = None,
    overdue: int | None = None,
    offset: int = 0,
    back: tuple[int, ...] = (),
    noun: tuple[str, str] = ("punkt", "punkter"),
    actors: Mapping[str, str] | None = None,
    task_urls: Mapping[int, str] | None = None,
) -> ui.Card:
    """A command's answer ('Dina öppna punkter', 'Beslut om "budget"' …): one page of a list, items in the
    order given, each with its topic and meeting; overdue ones marked. `items` is the page starting at
    `offset` of a list of `total` (ItemPage), or the whole list when `total` is None. `refresh` (the view of
    the list) rides on each button with the page, so a click shows the same page again as it is then, and
    Föregående/Nästa walk the list to its end; `back` is where the pages before it started (PagePlace). `noun` counts the rows ('beslut', not 'punkter'); `task_urls` links an item's Planner task."""
    visible = [item for item in items if is_visible(item)]
    place = PagePlace(offset, back)
    rows = fit_rows(
        (
            item_row(
                item,
                people=people,
                today=today,
                show_meeting=True,
                context=page_context(refresh, place),
                actors=actors,
                task_urls=task_urls,
            )
            for item in visible
        ),
        max_items=max_items,
    )
    body: list[ui.Element] = [
        ui.text_block(ui.shorten(title, 200), heading=True, size="large", weight="bolder")
    ]
    count = len(visible) if total is None else max(total, offset + len(visible)) if visible else total
    if not visible and offset == 0:
        body.append(ui.text_block(empty_text))
        return ui.adaptive_card(body)

    singular, plural = noun
    late = overdue if overdue is not None else sum(1 for item in visible if is_overdue(item, today))
    summary = f"{count} {singular if count == 1 else plural}"
    if late:
        summary += f", varav {late} {'försenad' if late == 1 else 'försenade'}"
    body.append(ui.text_block(summary, subtle=True, spacing="none"))
    if rows:
        body.append(ui.container([row.element for row in rows], spacing="medium"))
    line, actions = pager(
        refresh, place=place, shown=len(rows), total=count, page_size=max_items, noun=plural
    )
    body.extend(line)
    return ui.adaptive_card(body, actions=actions, entities=[e for row in rows for e in row.entities])
