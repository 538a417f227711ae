"""The follow-up agenda as a Word section for the meeting invitation: a heading and one table. Writes a file."""

from __future__ import annotations

import os
from pathlib import Path

import docx
from docx.document import Document
from docx.table import _Cell

from cards.agenda import SUPPORT_MARK
from cards.elements import format_date
from minutes.report_back import ReportState, report_line
from workflows.agenda import Agenda, AgendaError, AgendaLine

HEADING = "Uppföljning från tidigare möten"
COLUMNS = ("Punkt", "Ansvarig", "Uppföljningsdatum", "Från mötet")
EMPTY_TEXT = "Inga punkter från tidigare möten återkommer till det här mötet."
NO_OWNER = "–"
# A table style every Word document has; the secretary's invitation template restyles the pasted table.
TABLE_STYLE = "Table Grid"


def write_agenda_docx(agenda: Agenda, out: Path) -> Path:
    """Write `agenda` to `out` (.docx): the heading, a sentence naming the meeting, and a table Punkt |
    Ansvarig | Uppföljningsdatum | Från mötet in the agenda's order, dates in Swedish ('9 sep 2024'). An
    empty agenda gets the heading and a sentence saying nothing returns, so the section can still be pasted.

    Written beside `out` and moved into place, so a failure never leaves half a file; AgendaError when the
    file cannot be written. Returns `out`."""
    document = agenda_document(agenda)
    partial = out.with_name(f".{out.name}.tmp")
    try:
        document.save(str(partial))
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        reason = error.strerror or type(error).__name__
        raise AgendaError(f"Kunde inte skriva {out}: {reason}.") from error
    return out


def agenda_document(agenda: Agenda) -> Document:
    """The Word document of `agenda`, not yet saved."""
    document = docx.Document()
    document.core_properties.title = f"{HEADING} – {agenda.group} {format_date(agenda.meeting_date)}"
    document.core_properties.language = "sv-SE"
    document.add_heading(HEADING, level=2)
    if not agenda.lines:
        document.add_paragraph(EMPTY_TEXT)
        return document
    document.add_paragraph(
        f"Punkter från tidigare möten som återkommer till {agenda.group} {format_date(agenda.meeting_date)}, "
        "med ansvarig och uppföljningsdatum."
    )
    table = document.add_table(rows=1, cols=len(COLUMNS))
    table.style = TABLE_STYLE
    for cell, title in zip(table.rows[0].cells, COLUMNS, strict=True):
        cell.paragraphs[0].add_run(title).bold = True
    for section in agenda.sections:
        for line in section.lines:
            point, owner, follow_up, meeting = table.add_row().cells
            _write_point(point, line)
            owner.text = ", ".join(line.item.owners) or NO_OWNER
            follow_up.text = format_date(line.follow_up)
            meeting.text = section.label
    return document


def _write_point(cell: _Cell, line: AgendaLine) -> None:
    """The topic in bold above the text, unless the topic is empty or says the same; the owner's answer before
    the meeting under them ('Läge från AA 5 sep: …')."""
    item = line.item
    topic, text = " ".join(item.topic.split()), " ".join(item.text.split())
    paragraph = cell.paragraphs[0]
    if topic and topic != text:
        paragraph.add_run(topic).bold = True
        paragraph = cell.add_paragraph()
    paragraph.add_run(text)
    if line.report is not None:
        # The owner's answer before the meeting (report-back), in italics under the item.
        said = cell.add_paragraph()
        if line.report.state is ReportState.NEEDS_SUPPORT:
            said.add_run(f"{SUPPORT_MARK}. ").bold = True
        said.add_run(report_line(line.report)).italic = True
