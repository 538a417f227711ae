"""The card posted when a meeting's minutes are read: decisions, actions and follow-ups. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from cards.elements import (
    Card,
    Element,
    Mentionable,
    adaptive_card,
    container,
    execute_action,
    is_web_url,
    open_url_action,
    shorten,
    text_block,
)
from cards.rows import (
    SECTION_HEADINGS,
    SECTION_ORDER,
    count_phrase,
    fit_rows,
    is_visible,
    item_row,
    meeting_label,
)
from cards.verbs import Verb
from cards.views import MeetingView, ViewKind, view_data
from minutes.records import DocumentRecord, ItemRecord

DOCUMENT_NAME_LIMIT = 120


# The view a click on the summary refreshes: the same summary, with the item checked off.
SUMMARY_VIEW = ViewKind.MEETING


def meeting_summary_card(
    document: DocumentRecord,
    items: Sequence[ItemRecord],
    *,
    people: Mapping[str, Sequence[Mentionable]],
    today: date,
    max_items: int = 15,
) -> Card:
    """Heading, counts and the items grouped by kind; beyond `max_items` (or the size budget) a
    'Visa alla' button asks the bot for the rest. `people` maps an owner as written to who it means."""
    visible = [item for item in items if is_visible(item)]
    ordered = [item for kind in SECTION_ORDER for item in visible if item.kind is kind]
    context = view_data(MeetingView(document.key))
    rows = fit_rows(
        (item_row(item, people=people, today=today, context=context) for item in ordered), max_items=max_items
    )

    meeting = meeting_label(document.group, document.meeting_date)
    body: list[Element] = [
        text_block(
            f"Protokoll {meeting}" if meeting else "Protokoll", heading=True, size="large", weight="bolder"
        ),
        text_block(shorten(document.name, DOCUMENT_NAME_LIMIT), subtle=True, spacing="none"),
        text_block(count_phrase(visible), spacing="small"),
    ]
    for kind in SECTION_ORDER:
        section = [row.element for row in rows if row.item.kind is kind]
        if section:
            heading = text_block(SECTION_HEADINGS[kind], weight="bolder", size="medium")
            body.append(container([heading, *section], separator=True, spacing="medium"))
    if not visible:
        body.append(
            text_block("Inga åtgärder, beslut eller uppföljningar hittades i protokollet.", subtle=True)
        )

    actions: list[Element] = []
    if len(rows) < len(visible):
        body.append(text_block(f"Visar {len(rows)} av {len(visible)} punkter.", subtle=True, size="small"))
        actions.append(
            execute_action(Verb.SHOW_ALL, f"Visa alla ({len(visible)})", {"documentKey": document.key})
        )
    if is_web_url(document.web_url):
        actions.append(open_url_action("Öppna protokollet", document.web_url))
    return adaptive_card(body, actions=actions, entities=[e for row in rows for e in row.entities])


REMOVED_TEXT = "Protokollet har tagits bort – punkterna är inte längre aktuella."


def meeting_removed_card(document: DocumentRecord) -> Card:
    """What a posted summary becomes once its minutes are deleted from the library or folder: the meeting,
    the file's name and a line saying so; no items and no buttons (they are withdrawn, and the link is dead)."""
    meeting = meeting_label(document.group, document.meeting_date)
    return adaptive_card(
        [
            text_block(
                f"Protokoll {meeting}" if meeting else "Protokoll",
                heading=True,
                size="large",
                weight="bolder",
            ),
            text_block(shorten(document.name, DOCUMENT_NAME_LIMIT), subtle=True, spacing="none"),
            text_block(REMOVED_TEXT, color="attention", spacing="small"),
        ]
    )
