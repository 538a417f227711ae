"""The agenda's Word section for the invitation, written by bot/agenda_docx.py and read back with python-docx."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest

from bot.agenda_docx import write_agenda_docx
from minutes.report_back import ReportBack, ReportState
from store import SqlStore
from tests.workflows.chat_fixtures import ingest_flg
from tests.workflows.test_agenda import NEXT_FLG, STAFFING, TODAY
from workflows.agenda import Agenda, AgendaError, build_agenda


def docx_rows(path: Path) -> tuple[docx.document.Document, list[list[str]]]:
    document = docx.Document(str(path))
    rows = [[cell.text for cell in row.cells] for table in document.tables for row in table.rows]
    return document, rows


async def test_the_word_section_for_the_invitation(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    agenda = await build_agenda(store, "FLG", NEXT_FLG, today=TODAY)
    out = write_agenda_docx(agenda, tmp_path / "uppfoljning.docx")
    assert out == tmp_path / "uppfoljning.docx" and list(tmp_path.glob(".*.tmp")) == []
    document, rows = docx_rows(out)
    heading = document.paragraphs[0]
    assert heading.text == "Uppföljning från tidigare möten" and heading.style is not None
    assert heading.style.name == "Heading 2"
    assert document.core_properties.language == "sv-SE"
    assert rows[0] == ["Punkt", "Ansvarig", "Uppföljningsdatum", "Från mötet"]
    assert [row[1:] for row in rows[1:]] == [
        ["ALLA", "9 sep 2024", "FLG 26 aug 2024"],  # 'kommande FLG' written out
        ["EE, SR, TU", "28 aug 2024", "FLG 26 aug 2024"],
        ["RN", "9 sep 2024", "FLG 26 aug 2024"],
    ]
    # The point: its topic in bold, then the text of the minutes.
    point = document.tables[0].rows[2].cells[0]
    assert point.paragraphs[0].text.startswith(STAFFING) and point.paragraphs[0].runs[0].bold
    assert point.paragraphs[1].text.startswith("Styrgruppsmöte 28/8")


async def test_the_word_section_with_nothing_to_follow_up(tmp_path: Path) -> None:
    out = write_agenda_docx(Agenda("FLG", NEXT_FLG), tmp_path / "tom.docx")
    document, rows = docx_rows(out)
    assert [p.text for p in document.paragraphs] == [
        "Uppföljning från tidigare möten",
        "Inga punkter från tidigare möten återkommer till det här mötet.",
    ]
    assert rows == []


def test_an_unwritable_file_is_a_swedish_error(tmp_path: Path) -> None:
    with pytest.raises(AgendaError) as raised:
        write_agenda_docx(Agenda("FLG", NEXT_FLG), tmp_path / "saknas" / "ut.docx")
    assert raised.value.message.startswith(f"Kunde inte skriva {tmp_path / 'saknas' / 'ut.docx'}")
    assert not (tmp_path / "saknas").exists()


async def test_the_owners_answers_stand_under_their_items(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    rn = next(i for i in await store.list_items(open_only=True, group="FLG") if i.owners == ("RN",))
    assert rn.id is not None
    said = ReportBack(rn.id, "FLG", NEXT_FLG, ReportState.NEEDS_SUPPORT, "Saknar underlag", "aad-rn", "RN",
                      datetime(2024, 9, 5, 8, 0, tzinfo=UTC))  # fmt: skip
    assert await store.save_report_back(said, origin="test")
    agenda = await build_agenda(store, "FLG", NEXT_FLG, today=TODAY)
    document, _ = docx_rows(write_agenda_docx(agenda, tmp_path / "uppfoljning.docx"))
    point = next(row.cells[0] for row in document.tables[0].rows if row.cells[1].text == "RN")
    last = point.paragraphs[-1]
    assert last.text == "⚑ Behöver stöd. Läge från RN 5 sep: Behöver stöd – Saknar underlag"
    assert last.runs[0].bold and last.runs[-1].italic
    others = [row.cells[0].text for row in document.tables[0].rows[1:] if row.cells[1].text != "RN"]
    assert not any("Läge från" in text for text in others)
