"""The card posted when a meeting's minutes are read: decisions, actions and follow-ups. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from cards import elements as ui
from cards.item import move_action, secretary_action
from cards.rows import (
    SECTION_HEADINGS,
    SECTION_ORDER,
    ItemRow,
    count_phrase,
    fit_rows,
    is_visible,
    item_row,
    meeting_label,
    page_context,
    pager,
)
from cards.verbs import Verb
from cards.views import MeetingView, PagePlace, ViewKind
from minutes.records import DocumentRecord, ItemRecord

DOCUMENT_NAME_LIMIT = 120
# 'Visa alla' shows pages as large as a card holds (the byte budget decides), not a first page of 15.
EVERYTHING_PAGE = 100


# Above the rows of a meeting's card that the group's secretary reviews first.
REVIEW_TEXT = (
    "Förhandsgranskning: bara du som sekreterare ser kortet. Rätta punkterna (Flytta…, Sekreterare…) och "
    "tryck Publicera, så skickas kortet till gruppens kanaler. Tills dess får ingen påminnelser om punkterna."
)

# The view a click on the summary refreshes: the same summary, with the item checked off.
SUMMARY_VIEW = ViewKind.MEETING


def meeting_summary_card(
    document: DocumentRecord,
    items: Sequence[ItemRecord],
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    max_items: int = 15,
    offset: int = 0,
    back: tuple[int, ...] = (),
    everything: bool = False,
    actors: Mapping[str, str] | None = None,
    review: bool = False,
    task_urls: Mapping[int, str] | None = None,
) -> ui.Card:
    """The meeting ('Protokoll FLG 26 aug 2024') with a link to its minutes, the counts and the items
    grouped by kind, a page at a time: beyond `max_items` (or the size budget) Nästa/Föregående walk the list
    and 'Visa alla' asks for it in pages as large as a card holds (`everything`); `back` is where the pages
    before this one started (PagePlace), for Föregående. `review`: the card as the group's secretary sees it
    before the channels do (DocumentRecord.awaiting_review): each open row with the secretary's corrections
    (Flytta…, Sekreterare…) and the card with **Publicera**. `people` maps an owner as
    written to who it means; `actors` who checked an item off to a name; `task_urls` an item's task in Planner."""
    visible = [item for item in items if is_visible(item)]
    ordered = [item for kind in SECTION_ORDER for item in visible if item.kind is kind]
    view = MeetingView(document.key, everything)
    start = min(max(offset, 0), len(ordered))
    page_size = EVERYTHING_PAGE if everything else max_items
    place = PagePlace(start, tuple(b for b in back if b < start))

    def corrections(item: ItemRecord, data: Mapping[str, str | int]) -> list[ui.Element]:
        return [move_action(item, data, today=today), secretary_action(item, data)]

    def page_from(first: int, context: Mapping[str, str | int] | None) -> list[ItemRow]:
        return fit_rows(
            (
                item_row(
                    item,
                    people=people,
                    today=today,
                    context=context,
                    actors=actors,
                    corrections=corrections if review else None,
                    task_urls=task_urls,
                )
                for item in ordered[first:]
            ),
            max_items=page_size,
        )

    rows = page_from(start, page_context(view, place))
    previous = None
    if start and not place.back:
        # No way back in the click (a card posted before pages remembered it): the page before is where the
        # walk from the first page puts it, as Nästa would have paged.
        walked = PagePlace()
        while walked.offset < start:
            shown = len(page_from(walked.offset, page_context(view, walked)))
            if not shown or walked.offset + shown >= start:
                break
            walked = walked.following(shown)
        previous = walked

    body: list[ui.Element] = [
        *meeting_heading(document),
        ui.text_block(count_phrase(visible), spacing="small"),
    ]
    if review:
        body.append(ui.text_block(REVIEW_TEXT, color="accent", spacing="small"))
    for kind in SECTION_ORDER:
        section = [row.element for row in rows if row.item.kind is kind]
        if section:
            heading = ui.text_block(SECTION_HEADINGS[kind], weight="bolder", size="medium")
            body.append(ui.container([heading, *section], separator=True, spacing="medium"))
    if not visible:
        body.append(
            ui.text_block("Inga åtgärder, beslut eller uppföljningar hittades i protokollet.", subtle=True)
        )

    line, actions = pager(
        view, place=place, shown=len(rows), total=len(visible), page_size=page_size, previous=previous
    )
    body.extend(line)
    if not everything and len(rows) < len(visible):
        actions.append(
            ui.execute_action(Verb.SHOW_ALL, f"Visa alla ({len(visible)})", {"documentKey": document.key})
        )
    if review:
        publish = ui.execute_action(
            Verb.PUBLISH, "Publicera", {"documentKey": document.key}, style="positive"
        )
        actions.insert(0, publish)
    return ui.adaptive_card(body, actions=actions, entities=[e for row in rows for e in row.entities])


def meeting_heading(document: DocumentRecord) -> list[ui.Element]:
    """'Protokoll FLG 26 aug 2024' and, below it, a link to the minutes when their web address is known.
    The file's name stands there only when neither the group nor the date is known."""
    meeting = meeting_label(document.group, document.meeting_date)
    heading = ui.text_block(
        f"Protokoll {meeting}" if meeting else "Protokoll", heading=True, size="large", weight="bolder"
    )
    if ui.is_web_url(document.web_url):
        # Parentheses would end the markdown link early; percent-encoded they mean the same address.
        url = document.web_url.replace("(", "%28").replace(")", "%29")
        return [heading, ui.text_block(f"[Öppna protokollet]({url})", spacing="none")]
    if meeting is None:
        return [
            heading,
            ui.text_block(ui.shorten(document.name, DOCUMENT_NAME_LIMIT), subtle=True, spacing="none"),
        ]
    return [heading]


REMOVED_TEXT = "Protokollet har tagits bort – punkterna är inte längre aktuella."


def meeting_removed_card(document: DocumentRecord) -> ui.Card:
    """What a posted summary becomes once its minutes are deleted from the library or folder: the meeting,
    the file's name and a line saying so; no items and no buttons (they are withdrawn, and the link is dead)."""
    meeting = meeting_label(document.group, document.meeting_date)
    return ui.adaptive_card(
        [
            ui.text_block(
                f"Protokoll {meeting}" if meeting else "Protokoll",
                heading=True,
                size="large",
                weight="bolder",
            ),
            ui.text_block(ui.shorten(document.name, DOCUMENT_NAME_LIMIT), subtle=True, spacing="none"),
            ui.text_block(REMOVED_TEXT, color="attention", spacing="small"),
        ]
    )
