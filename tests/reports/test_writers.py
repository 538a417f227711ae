"""The report's files from the hand-built history: each figure's rows in the .xlsx, the charts embedded in the web
page and the Word document, the minutes' text kept text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import docx
import openpyxl

from minutes.follow_through import FIGURES, FollowThrough, follow_through
from minutes.records import ItemRecord
from reports.tables import figure_tables
from reports.writers import ReportFormat, html_page, sheet_name, write_report
from tests.minutes.follow_through_history import AUDIT, BOTH, ITEMS, TODAY

ROLES = {"aa": ["sekreterare"], "bb": ["ordförande"]}


def report(items: list[ItemRecord] = ITEMS) -> FollowThrough:
    return follow_through("FLG", BOTH, items, AUDIT, today=TODAY, roles=ROLES)


def test_the_xlsx_has_the_rows_behind_every_figure(tmp_path: Path) -> None:
    made = report()
    path = write_report(made, tmp_path / "r.xlsx", ReportFormat.XLSX)
    workbook = openpyxl.load_workbook(path)
    for figure in FIGURES:
        sheet = workbook[sheet_name(figure.label, set())]
        numbers = [row[0] for row in sheet.iter_rows(min_row=3, values_only=True)]
        assert numbers == [f.item.id for f in made.rows_of(figure.name)], figure.name
        assert len(numbers) == made.totals[figure.name]
    assert "Per ansvarig" in workbook.sheetnames and "Per roll" in workbook.sheetnames
    assert workbook.sheetnames[-1] == "Mediantid 46 dagar"


def test_text_from_the_minutes_stays_text(tmp_path: Path) -> None:
    # Item 3 is open: its topic is on the web page's list of the oldest open items too.
    hostile = [
        replace(ITEMS[2], topic='=HYPERLINK("http://x")<script>', text="<script>alert(1)</script>\x07")
    ]
    made = report(hostile)
    workbook = openpyxl.load_workbook(write_report(made, tmp_path / "r.xlsx", ReportFormat.XLSX))
    cells = [c for row in workbook["Uppföljningar"].iter_rows(min_row=3) for c in row]
    topic = next(c for c in cells if str(c.value).startswith("=HYPERLINK"))
    assert topic.data_type == "s"
    assert any(c.value == "<script>alert(1)</script>" for c in cells)  # the bell dropped
    page = html_page(made)
    assert "<script>" not in page and "=HYPERLINK(&quot;http://x&quot;)&lt;script&gt;" in page


def test_the_web_page_and_the_word_document_embed_the_charts(tmp_path: Path) -> None:
    made = report()
    page = html_page(made)
    assert page.count('src="data:image/png;base64,') == 2
    assert "Per ansvarig" in page and "Per roll" in page and "Uppföljningsrapport FLG" in page
    document = docx.Document(str(write_report(made, tmp_path / "r.docx", ReportFormat.DOCX)))
    assert len(document.inline_shapes) == 2
    assert document.paragraphs[0].text == "Uppföljningsrapport FLG"


def test_sheet_names_are_what_excel_allows() -> None:
    taken: set[str] = set()
    assert sheet_name("Klara senast första datumet", taken) == "Klara senast första datumet"
    assert sheet_name("a/b:c" + "x" * 40, taken) == "a-b-c" + "x" * 26
    assert sheet_name("a/b:c" + "x" * 40, taken) == "a-b-c" + "x" * 22 + " (2)"
    assert len(figure_tables(report())) == len(FIGURES) + 1
