"""The report's files: web page and Word with the charts embedded, .xlsx with every figure's rows. Does I/O."""

# Each file is written beside its path and moved into place, so a failure never leaves half a file.

from __future__ import annotations

import base64
import html
import io
import os
import re
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

import docx
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from minutes.dates import format_date
from minutes.errors import UserFacingError
from minutes.follow_through import FollowThrough, period_label
from reports.charts import CHARTS
from reports.tables import Cell, Table, cell_text, figure_tables, summary_tables

FILES_NOTE = "Innehåller siffror per ansvarig och roll: bara för gruppens sekreterare och ordförande, sprid inte vidare."


class ReportFormat(StrEnum):
    HTML = "html"
    DOCX = "docx"
    XLSX = "xlsx"


class ReportWriteError(UserFacingError):
    """The file could not be written; `message` says which and why, in Swedish."""


def title_of(report: FollowThrough) -> str:
    return f"Uppföljningsrapport {report.group}"


def subtitle_of(report: FollowThrough) -> str:
    return f"Möten {period_label(report.period)}, läget {format_date(report.today)}"


def html_page(report: FollowThrough) -> str:
    """One self-contained page: the charts as data: URLs, the tables escaped."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="sv"><head><meta charset="utf-8">',
        f"<title>{html.escape(title_of(report))}</title>",
        "<style>body{font-family:'Segoe UI',sans-serif;margin:2em;max-width:60em;color:#242424}"
        "table{border-collapse:collapse;margin:0 0 1.5em}th,td{border:1px solid #ccc;padding:.25em .6em;"
        "text-align:left}th{background:#f0f0f0}img{max-width:100%}.note{color:#616161;font-size:.9em}</style>",
        "</head><body>",
        f"<h1>{html.escape(title_of(report))}</h1>",
        f"<p>{html.escape(subtitle_of(report))}</p>",
    ]
    for title, chart in CHARTS:
        encoded = base64.b64encode(chart(report)).decode("ascii")
        parts.append(
            f'<figure><img alt="{html.escape(title)}" src="data:image/png;base64,{encoded}"></figure>'
        )
    for table in summary_tables(report):
        parts.append(f"<h2>{html.escape(table.title)}</h2>")
        parts.append(_html_table(table))
    parts.append(f'<p class="note">{html.escape(FILES_NOTE)}</p></body></html>')
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(name)}</th>" for name in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell_text(cell))}</td>" for cell in row) + "</tr>"
        for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _write_docx(report: FollowThrough, out: Path) -> None:
    document = docx.Document()
    document.add_heading(title_of(report), level=1)
    document.add_paragraph(subtitle_of(report))
    for title, chart in CHARTS:
        document.add_heading(title, level=2)
        document.add_picture(io.BytesIO(chart(report)), width=docx.shared.Cm(16))
    for table in summary_tables(report):
        document.add_heading(table.title, level=2)
        grid = document.add_table(rows=1, cols=len(table.header))
        grid.style = "Table Grid"
        for cell, name in zip(grid.rows[0].cells, table.header, strict=True):
            cell.text = name
        for row in table.rows:
            for cell, value in zip(grid.add_row().cells, row, strict=True):
                cell.text = cell_text(value)
    document.add_paragraph(FILES_NOTE)
    document.save(str(out))


_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A title as Excel allows a sheet's name: at most 31 characters, none of []:*?/\\, unique."""
    base = _SHEET_FORBIDDEN.sub("-", title)[:31]
    name, number = base, 2
    while name.casefold() in taken:
        suffix = f" ({number})"
        name, number = base[: 31 - len(suffix)] + suffix, number + 1
    taken.add(name.casefold())
    return name


def _write_xlsx(report: FollowThrough, out: Path) -> None:
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    for table in (*summary_tables(report), *figure_tables(report)):
        sheet = workbook.create_sheet(sheet_name(table.title, taken))
        sheet.append([title_of(report), subtitle_of(report)])
        sheet.append(list(table.header))
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    workbook.save(str(out))


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: Cell) -> object:
    """Text from the minutes stays text: control characters (which Excel refuses) dropped, and a text
    starting with '=' kept a string, never read as a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell


def _write_html(report: FollowThrough, out: Path) -> None:
    out.write_text(html_page(report), encoding="utf-8")


WRITERS: dict[ReportFormat, Callable[[FollowThrough, Path], None]] = {
    ReportFormat.HTML: _write_html,
    ReportFormat.DOCX: _write_docx,
    ReportFormat.XLSX: _write_xlsx,
}


def write_report(report: FollowThrough, out: Path, kind: ReportFormat) -> Path:
    """Write `report` to `out` as `kind`; ReportWriteError when the file cannot be written. Returns `out`."""
    partial = out.with_name(f".{out.name}.tmp")
    try:
        WRITERS[kind](report, partial)
        os.replace(partial, out)
    except OSError as error:
        partial.unlink(missing_ok=True)
        reason = error.strerror or type(error).__name__
        raise ReportWriteError(f"Kunde inte skriva {out}: {reason}.") from error
    return out
