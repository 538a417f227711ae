"""The report-back cards: the owner's card of returning items (Läge and a choice each) and the secretary's card. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from cards import elements as ui
from cards.rows import item_number
from cards.verbs import Verb, report_date_input, report_note_input, report_state_input
from minutes.records import ItemRecord
from minutes.report_back import MAX_NOTE, STATE_LABELS, ReportBack, ReportState, report_line

ITEM_TEXT_LIMIT = 240
REPORT_TEXT_LIMIT = 240
# A card holds about 28 KB; an item with its inputs and a full answer takes at most about 2.5 KB.
MAX_ITEMS = 10
SECRETARY_HEADING = "Som sekreterare: punkter utan nåbar ansvarig"
SECRETARY_NOTE = (
    "Ansvarig är 'Alla', en roll eller någon som inte finns i gruppens förteckning, "
    "eller har sagt att punkten inte är deras."
)
EDIT_NOTE = "Du kan ändra ditt svar fram till mötet. Svaren står under punkterna i kallelsen."


@dataclass(frozen=True, slots=True)
class ReportBackLine:
    """An item on someone's report-back card: the item, its follow-up date on the agenda, the answer given so
    far (None: none yet), and whether it reaches them as the group's secretary."""

    item: ItemRecord
    follow_up: date
    report: ReportBack | None = None
    as_secretary: bool = False


@dataclass(frozen=True, slots=True)
class Unreported:
    """Someone who has not reported back on all their items: the secretary's card offers to remind them."""

    aad_object_id: str
    name: str
    missing: int


def report_back_card(
    person_name: str,
    group: str,
    meeting_date: date,
    lines: Sequence[ReportBackLine],
    *,
    today: date,
    max_items: int = MAX_ITEMS,
) -> ui.Card:
    """'Läget inför FLG 9 sep 2024' for `person_name`: each line's item with the answer so far, a choice, a
    'Läge' text, a date for Flytta and a button that saves the item's answer (Verb.REPORT). Lines reaching
    them as the secretary come last under a heading of their own."""
    own = [line for line in lines if not line.as_secretary]
    forwarded = [line for line in lines if line.as_secretary]
    shown = (own + forwarded)[:max_items]
    ids = ",".join(str(line.item.id) for line in shown if line.item.id is not None)
    meeting = f"{group} {ui.format_date(meeting_date)}"
    body: list[ui.Element] = [
        ui.text_block(f"Läget inför {meeting}", heading=True, size="large", weight="bolder"),
        ui.text_block(
            f"Hej {person_name.split()[0] if person_name.split() else person_name}! "
            f"{_count(len(lines))} återkommer på mötet. Hur går det?",
            spacing="small",
        ),
    ]
    for line in shown:
        if line.as_secretary and line is forwarded[0]:
            body.append(
                ui.text_block(
                    SECRETARY_HEADING, weight="bolder", size="medium", separator=True, spacing="large"
                )
            )
            body.append(ui.text_block(SECRETARY_NOTE, subtle=True, size="small", spacing="none"))
        body.append(_item(line, group=group, meeting_date=meeting_date, today=today, ids=ids))
    if len(shown) < len(lines):
        body.append(
            ui.text_block(
                f"Visar {len(shown)} av {len(lines)} punkter. Skriv 'uppföljning' för hela listan; "
                "sekreteraren kan ta läget för resten på mötet.",
                subtle=True,
                size="small",
            )
        )
    body.append(ui.text_block(EDIT_NOTE, subtle=True, size="small", spacing="medium"))
    return ui.adaptive_card(body)


def _item(line: ReportBackLine, *, group: str, meeting_date: date, today: date, ids: str) -> ui.Element:
    item, report = line.item, line.report
    assert item.id is not None
    owners = ", ".join(item.owners) or "saknas"
    items: list[ui.Element] = [
        # The topic is the minutes' text: a TextRun shows it literally (no markdown), in bold.
        {
            "type": "RichTextBlock",
            "inlines": [
                {"type": "TextRun", "text": f"{item_number(item)} {item.topic}".strip(), "weight": "bolder"}
            ],
        },
        ui.plain_text_block(ui.shorten(item.text, ITEM_TEXT_LIMIT), spacing="none"),
        ui.text_block(
            f"Ansvarig: {owners} · Uppföljning: {ui.format_date(line.follow_up)}",
            subtle=True,
            size="small",
            spacing="none",
        ),
    ]
    if report is not None:
        items.append(ui.plain_text_block(ui.shorten(report_line(report), REPORT_TEXT_LIMIT), spacing="small"))
    choice: ui.Element = {
        "type": "Input.ChoiceSet",
        "id": report_state_input(item.id),
        "label": "Läge",
        "style": "expanded",
        "choices": [{"title": label, "value": state.value} for state, label in STATE_LABELS.items()],
    }
    if report is not None:
        choice["value"] = report.state.value
    note: ui.Element = {
        "type": "Input.Text",
        "id": report_note_input(item.id),
        "label": "Kort om läget",
        "placeholder": "till exempel: offerten kommer v. 38",
        "maxLength": MAX_NOTE,
    }
    if report is not None and report.note:
        note["value"] = report.note
    moved: ui.Element = {
        "type": "Input.Date",
        "id": report_date_input(item.id),
        "label": "Flytta till (vid Flytta till …)",
        "min": today.isoformat(),
    }
    if report is not None and report.state is ReportState.MOVE and report.moved_to is not None:
        moved["value"] = report.moved_to.isoformat()
    data: dict[str, str | int] = {
        "itemId": item.id,
        "group": group,
        "meetingDate": meeting_date.isoformat(),
        "itemIds": ids,
    }
    title = "Ändra svaret" if report is not None else "Skicka"
    items += [
        choice,
        note,
        moved,
        ui.action_set([ui.execute_action(Verb.REPORT, title, data, style="positive")], spacing="small"),
    ]
    return ui.container(items, separator=True, spacing="medium")


def report_status_card(
    group: str,
    meeting_date: date,
    unreported: Sequence[Unreported],
    *,
    answered: int,
    total: int,
    support: Sequence[tuple[ItemRecord, ReportBack]] = (),
    reminded: Mapping[str, str] | None = None,
) -> ui.Card:
    """The secretary's card the working day before the meeting: how many items have an answer, who has not
    reported (each with Påminn, Verb.REPORT_REMIND), and the items whose owner needs support. `reminded`:
    who was reminded just now (Entra id → the line said under their name)."""
    meeting = f"{group} {ui.format_date(meeting_date)}"
    body: list[ui.Element] = [
        ui.text_block(f"Återrapportering inför {meeting}", heading=True, size="large", weight="bolder"),
        ui.text_block(f"{answered} av {_count(total)} har fått svar.", spacing="small"),
    ]
    if not unreported:
        body.append(ui.text_block("Alla har rapporterat.", spacing="medium"))
    else:
        body.append(ui.text_block("Har inte rapporterat", weight="bolder", size="medium", separator=True))
    for person in unreported:
        said = (reminded or {}).get(person.aad_object_id)
        column: list[ui.Element] = [
            ui.text_block(person.name, weight="bolder"),
            ui.text_block(f"{_count(person.missing)} utan svar", subtle=True, size="small", spacing="none"),
        ]
        if said:
            column.append(ui.text_block(said, color="good", size="small", spacing="none"))
        button = ui.execute_action(
            Verb.REPORT_REMIND,
            "Påminn",
            {"group": group, "meetingDate": meeting_date.isoformat(), "userId": person.aad_object_id},
        )
        body.append(
            {
                "type": "ColumnSet",
                "spacing": "medium",
                "columns": [
                    {"type": "Column", "width": "stretch", "items": column},
                    {
                        "type": "Column",
                        "width": "auto",
                        "verticalContentAlignment": "center",
                        "items": [ui.action_set([button])],
                    },
                ],
            }
        )
    if support:
        body.append(ui.text_block("Behöver stöd", weight="bolder", size="medium", separator=True))
        for item, report in support:
            body.append(ui.plain_text_block(f"{item_number(item)} {ui.shorten(item.text, 120)}"))
            body.append(ui.plain_text_block(report_line(report), spacing="none"))
    return ui.adaptive_card(body)


def _count(count: int) -> str:
    return f"{count} punkt" if count == 1 else f"{count} punkter"
