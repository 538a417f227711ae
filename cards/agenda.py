"""The 'Uppföljning från tidigare möten' card: what returns to a meeting, by earlier meeting. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards import elements as ui
from cards.rows import (
    OVERDUE_MARK,
    ROW_TEXT_LIMIT,
    ItemRow,
    details_block,
    fit_rows,
    is_checkable,
    is_overdue,
    item_number,
    meeting_label,
)
from cards.verbs import Verb
from cards.views import AgendaView, ViewKind, view_data
from minutes.records import ItemRecord, ItemStatus
from minutes.report_back import ReportBack, ReportState, report_line

# The records live here rather than in workflows/agenda.py because cards/ may not import workflows/;
# workflows.agenda builds them and re-exports them, bot.agenda_docx writes them to Word.


@dataclass(frozen=True, slots=True)
class AgendaLine:
    """An item that returns to the meeting, and the follow-up date the invitation states for it: its own
    due date, or the meeting's date for 'till nästa möte' and an undated follow-up."""

    item: ItemRecord
    follow_up: date
    report: ReportBack | None = None  # the owner's answer before the meeting (report-back), if any


@dataclass(frozen=True, slots=True)
class AgendaSection:
    """The returning items of one earlier meeting (one minutes document), in the minutes' order."""

    document_key: str
    group: str | None
    meeting_date: date | None
    document_name: str | None
    web_url: str | None
    lines: tuple[AgendaLine, ...]

    @property
    def label(self) -> str:
        """'FLG 26 aug 2024'; for minutes that print no date, their file name says which meeting it was."""
        if self.meeting_date is not None:
            return meeting_label(self.group, self.meeting_date) or ui.format_date(self.meeting_date)
        return self.document_name or meeting_label(self.group, None) or "Okänt möte"


@dataclass(frozen=True, slots=True)
class Agenda:
    """What returns to the group's meeting on `meeting_date`, by earlier meeting, oldest first, as the items
    stood on `made_on`. Empty when nothing returns: a valid answer, not an error."""

    group: str
    meeting_date: date
    sections: tuple[AgendaSection, ...] = ()
    made_on: date | None = None

    @property
    def lines(self) -> tuple[AgendaLine, ...]:
        return tuple(line for section in self.sections for line in section.lines)

    @property
    def items(self) -> tuple[ItemRecord, ...]:
        return tuple(line.item for line in self.lines)


TITLE = "Uppföljning från tidigare möten"
# The view a Klar click on the agenda names, with the group and the meeting date, so that the click can
# refresh this card rather than replace it with the single item.
AGENDA_VIEW = ViewKind.AGENDA
EMPTY_TEXT = "Inga punkter från tidigare möten återkommer till det här mötet."
MAX_ROWS = 20
MORE_TEXT = "Sekreteraren kan ta ut hela listan som Word-dokument till kallelsen."
AGENDA_BYTE_BUDGET = 18_000
SUPPORT_MARK = "⚑ Behöver stöd"


def follow_up_agenda_card(
    agenda: Agenda,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    max_rows: int = MAX_ROWS,
) -> ui.Card:
    """Heading with the meeting; then per earlier meeting its returning items with owners and follow-up
    date, and a link to those minutes. Beyond `max_rows` (or the size budget) a note says how many."""
    meeting = meeting_label(agenda.group, agenda.meeting_date)
    lines = agenda.lines
    count = len(lines)
    body: list[ui.Element] = [
        ui.text_block(TITLE, heading=True, size="large", weight="bolder"),
        ui.text_block(
            f"Inför {meeting} · läget {ui.format_date(agenda.made_on)}"
            if agenda.made_on
            else f"Inför {meeting}",
            subtle=True,
            spacing="none",
        ),
    ]
    if not lines:
        body.append(ui.text_block(EMPTY_TEXT))
        return ui.adaptive_card(body)
    body.append(
        ui.text_block(
            f"{count} {'punkt återkommer' if count == 1 else 'punkter återkommer'} från "
            f"{len(agenda.sections)} {'möte' if len(agenda.sections) == 1 else 'möten'}.",
            spacing="small",
        )
    )

    rows = fit_rows(
        (agenda_row(line, people=people, today=today, context=agenda_context(agenda)) for line in lines),
        max_items=max_rows,
        budget=AGENDA_BYTE_BUDGET,
    )
    # The rows fitted are the first of the agenda's lines, so each section takes its share in order.
    start = 0
    for section in agenda.sections:
        section_rows = rows[start : start + len(section.lines)]
        start += len(section.lines)
        if not section_rows:
            break
        items: list[ui.Element] = [
            ui.text_block(f"Från {section.label}", weight="bolder", size="medium"),
            *(row.element for row in section_rows),
        ]
        if ui.is_web_url(section.web_url):
            items.append(
                ui.action_set([ui.open_url_action("Öppna protokollet", section.web_url)], spacing="small")
            )
        body.append(ui.container(items, separator=True, spacing="medium"))
    if len(rows) < count:
        body.append(ui.text_block(f"Visar {len(rows)} av {count} punkter.", subtle=True, size="small"))
        body.append(ui.text_block(MORE_TEXT, subtle=True, size="small", spacing="none"))
    return ui.adaptive_card(body, entities=[e for row in rows for e in row.entities])


def agenda_context(agenda: Agenda) -> dict[str, str]:
    """What a Klar button on the agenda carries besides the item: which agenda to show again."""
    return view_data(AgendaView(agenda.group, agenda.meeting_date))


def agenda_row(
    line: AgendaLine,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    context: Mapping[str, str] | None = None,
) -> ItemRow:
    """Number | text, owners and follow-up date (late ones marked) | a Klar button carrying `context`: like
    cards.rows.item_row, but the date is the follow-up date written out, never 'nästa möte'."""
    item = line.item
    owners = ui.format_owners(item.owners, people)
    details = [f"Ansvarig: {owners.text}" if owners.text else "Ansvarig saknas"]
    details.append(f"Uppföljning: {ui.format_date(line.follow_up)}")
    overdue = is_overdue(item, today)
    if overdue:
        details.append(f"**{OVERDUE_MARK}**")
    text: list[ui.Element] = [
        ui.plain_text_block(ui.shorten(item.text, ROW_TEXT_LIMIT)),
        details_block(details, overdue=overdue),
    ]
    if line.report is not None:
        # The owner's own words: shown literally (a TextRun), the need for support marked for the meeting.
        if line.report.state is ReportState.NEEDS_SUPPORT:
            text.append(
                ui.text_block(f"**{SUPPORT_MARK}**", color="attention", size="small", spacing="small")
            )
        text.append(ui.plain_text_block(ui.shorten(report_line(line.report), ROW_TEXT_LIMIT), spacing="none"))
    columns: list[ui.Element] = [
        {"type": "Column", "width": "auto", "items": [ui.text_block(item_number(item), weight="bolder")]},
        {"type": "Column", "width": "stretch", "items": text},
    ]
    if item.status is ItemStatus.OPEN and item.id is not None and is_checkable(item):
        columns.append(
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "center",
                "items": [
                    ui.action_set(
                        [ui.execute_action(Verb.DONE, "Klar", {**(context or {}), "itemId": item.id})]
                    )
                ],
            }
        )
    element: ui.Element = {"type": "ColumnSet", "columns": columns, "spacing": "medium"}
    return ItemRow(item, element, owners.entities)
