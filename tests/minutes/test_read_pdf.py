"""read_pdf: tables, stitching, furniture and paragraphs, on PDFs drawn here and on the sample minutes."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
import pytest

from minutes import safety
from minutes.model import Paragraph, ParsedDocument, Table, UnreadableDocument, UnsafeDocument
from minutes.read_docx import read_docx
from minutes.read_pdf import read_pdf

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CORPUS = SAMPLES if SAMPLES.is_dir() else Path("/work/shared/corpus")
WIDTH, HEIGHT = 595, 842


# --- a tiny PDF writer: Helvetica text and ruled rectangles, positions measured from the top -------------


@dataclass
class Page:
    ops: list[str] = field(default_factory=list)
    deflated: bytes | None = None  # a ready FlateDecode content stream instead of the ops

    def text(self, x: float, top: float, text: str, size: float = 10, bold: bool = False) -> Page:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        baseline = HEIGHT - top - size * 0.8
        self.ops.append(f"BT /{'F2' if bold else 'F1'} {size} Tf {x} {baseline} Td ({escaped}) Tj ET")
        return self

    def box(self, x0: float, top: float, x1: float, bottom: float) -> Page:
        self.ops.append(f"{x0} {HEIGHT - bottom} {x1 - x0} {bottom - top} re S")
        return self

    def cell(self, x0: float, top: float, x1: float, bottom: float, *lines: str, bold: bool = False) -> Page:
        self.box(x0, top, x1, bottom)
        for number, line in enumerate(lines):
            self.text(x0 + 3, top + 3 + number * 12, line, size=9, bold=bold)
        return self

    def content(self) -> bytes:
        return "\n".join(self.ops).encode("cp1252")


def build_pdf(*pages: Page) -> bytes:
    """A valid PDF 1.4 with the standard Helvetica fonts (WinAnsi: å, ä, ö and • are single bytes)."""
    objects: dict[int, bytes] = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        4: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    }
    kids = []
    for index, page in enumerate(pages):
        page_id, content_id = 5 + 2 * index, 6 + 2 * index
        data = page.content() if page.deflated is None else page.deflated
        flate = b"" if page.deflated is None else b"/Filter /FlateDecode "
        objects[content_id] = b"<< %s/Length %d >>\nstream\n" % (flate, len(data)) + data + b"\nendstream"
        objects[page_id] = (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] " % (WIDTH, HEIGHT)
            + b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % content_id
        )
        kids.append(b"%d 0 R" % page_id)
    objects[2] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % len(pages)
    out = bytearray(b"%PDF-1.4\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    xref = len(out)
    count = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % count
    for number in range(1, count):
        out += b"%010d 00000 n \n" % offsets[number]
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref)
    return bytes(out)


COLUMNS = (40, 200, 420, 555)  # three columns: Rubrik, Åtgärd/beslut, Ansvarig
HEADER = ("Rubrik", "Åtgärd/beslut", "Ansvarig")


def table_row(page: Page, top: float, cells: tuple[tuple[str, ...], ...], height: float = 30) -> float:
    """Draw one row of three ruled cells; return its bottom."""
    for column, lines in enumerate(cells):
        page.cell(COLUMNS[column], top, COLUMNS[column + 1], top + height, *lines)
    return top + height


def tables_of(doc: ParsedDocument) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def paragraphs_of(doc: ParsedDocument) -> list[Paragraph]:
    return [b for b in doc.blocks if isinstance(b, Paragraph)]


# --- one page ------------------------------------------------------------------------------------------


def test_text_and_table_in_reading_order() -> None:
    page = Page().text(40, 60, "Mötesdatum: 2024-08-26").text(40, 90, "Kort-kort", size=14, bold=True)
    bottom = table_row(page, 120, tuple((h,) for h in HEADER))
    bottom = table_row(page, bottom, (("Familjedagen",), ("Vilka har anmält sig?",), ("AA",)))
    page.text(40, bottom + 30, "Incheckning kl 8.30-9.00")
    doc = read_pdf(build_pdf(page))
    assert doc.source_format == "pdf"
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Paragraph", "Table", "Paragraph"]
    first, heading, table, last = doc.blocks
    assert isinstance(heading, Paragraph) and heading.heading and heading.text == "Kort-kort"
    assert isinstance(first, Paragraph) and not first.heading
    assert isinstance(table, Table)
    assert [row.texts for row in table.rows] == [HEADER, ("Familjedagen", "Vilka har anmält sig?", "AA")]
    assert isinstance(last, Paragraph) and last.text == "Incheckning kl 8.30-9.00"


def test_lines_group_into_paragraphs_by_vertical_gaps() -> None:
    page = Page()
    page.text(40, 60, "Utifrån en helhetssyn arbetar FLG för att")
    page.text(40, 73, "förvaltningen kan leverera rätt saker.")  # 13 pt pitch: same paragraph
    page.text(40, 100, "Samarbetet inom FLG ska präglas av mod.")  # a wider gap: a new paragraph
    page.text(40, 116, "• Första punkten")
    page.text(40, 129, "• Andra punkten som")
    page.text(52, 142, "fortsätter här")
    doc = read_pdf(build_pdf(page))
    assert [(b.text, b.list_item) for b in paragraphs_of(doc)] == [
        ("Utifrån en helhetssyn arbetar FLG för att\nförvaltningen kan leverera rätt saker.", False),
        ("Samarbetet inom FLG ska präglas av mod.", False),
        ("Första punkten", True),
        ("Andra punkten som\nfortsätter här", True),
    ]


def test_cell_text_splits_into_paragraphs_at_bullets_and_typed_numbers() -> None:
    page = Page()
    bottom = table_row(page, 60, tuple((h,) for h in HEADER))
    table_row(
        page,
        bottom,
        (
            ("Sommaren 2024",),
            (
                "• Chef i beredskap – säkerställa",
                "att nya chefer vet.",
                "- Ingen alkohol",
                "1) Översyn",
                "2) Utreda",
            ),
            ("AA",),
        ),
        height=70,
    )
    table = tables_of(read_pdf(build_pdf(page)))[0]
    assert [(b.text, b.list_item) for b in table.rows[1].cells[1].blocks if isinstance(b, Paragraph)] == [
        ("Chef i beredskap – säkerställa\natt nya chefer vet.", True),
        ("Ingen alkohol", True),
        ("1) Översyn", False),
        ("2) Utreda", False),
    ]


def test_section_row_spans_and_vertical_merge_repeats_the_origin() -> None:
    page = Page()
    bottom = table_row(page, 60, tuple((h,) for h in HEADER))
    page.cell(COLUMNS[0], bottom, COLUMNS[3], bottom + 20, "Förvaltningsövergripande frågor", bold=True)
    bottom += 20
    # "EE" covers the Ansvarig column of two rows.
    page.cell(COLUMNS[0], bottom, COLUMNS[1], bottom + 30, "Lönepolitik")
    page.cell(COLUMNS[1], bottom, COLUMNS[2], bottom + 30, "Behöver göra en analys")
    page.cell(COLUMNS[0], bottom + 30, COLUMNS[1], bottom + 60, "Studieförmåner")
    page.cell(COLUMNS[1], bottom + 30, COLUMNS[2], bottom + 60, "HR får uppdraget")
    page.cell(COLUMNS[2], bottom, COLUMNS[3], bottom + 60, "EE")
    table = tables_of(read_pdf(build_pdf(page)))[0]
    section = table.rows[1]
    assert len(section.cells) == 1 and section.cells[0].span == 3
    assert section.texts == ("Förvaltningsövergripande frågor",)
    upper, lower = table.rows[2], table.rows[3]
    assert upper.texts == ("Lönepolitik", "Behöver göra en analys", "EE")
    assert lower.texts == ("Studieförmåner", "HR får uppdraget", "EE")
    assert [c.merged_from_above for c in lower.cells] == [False, False, True]
    assert [c.col for c in lower.cells] == [0, 1, 2]


def test_nested_table_is_left_to_its_outer_cell() -> None:
    page = Page()
    bottom = table_row(page, 60, tuple((h,) for h in HEADER))
    bottom = table_row(page, bottom, (("Ekonomi",), ("",), ("RN",)), height=60)
    page.cell(205, bottom - 55, 300, bottom - 30, "inre a")
    page.cell(300, bottom - 55, 410, bottom - 30, "inre b")
    tables = tables_of(read_pdf(build_pdf(page)))
    assert len(tables) == 1
    assert [row.cells[0].text for row in tables[0].rows] == ["Rubrik", "Ekonomi"]
    assert "inre a" in tables[0].rows[1].cells[1].text and "inre b" in tables[0].rows[1].cells[1].text


def test_first_row_in_bold_is_a_header_row() -> None:
    page = Page()
    for column, title in enumerate(HEADER):
        page.cell(COLUMNS[column], 60, COLUMNS[column + 1], 90, title, bold=True)
    table_row(page, 90, (("a",), ("b",), ("c",)))
    table = tables_of(read_pdf(build_pdf(page)))[0]
    assert [row.header for row in table.rows] == [True, False]


# --- across pages --------------------------------------------------------------------------------------


def test_table_continued_with_repeated_header_is_one_table() -> None:
    first = Page().text(40, 40, "Kort-kort", size=14, bold=True)
    bottom = table_row(first, 60, tuple((h,) for h in HEADER))
    table_row(first, bottom, (("Läkarmedverkan",), ("Vem har skrivit avtalen",), ("TU",)))
    second = Page()
    bottom = table_row(second, 57, tuple((h,) for h in HEADER))
    bottom = table_row(second, bottom, (("Lönepolitik",), ("Behöver göra en analys",), ("EE",)))
    second.text(40, bottom + 30, "Incheckning kl 8.30-9.00")
    doc = read_pdf(build_pdf(first, second))
    tables = tables_of(doc)
    assert len(tables) == 1
    assert [row.texts[0] for row in tables[0].rows] == ["Rubrik", "Läkarmedverkan", "Lönepolitik"]
    assert tables[0].rows[0].header
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]


def test_row_broken_over_the_page_continues_cell_wise() -> None:
    first = Page()
    bottom = table_row(first, 60, tuple((h,) for h in HEADER))
    table_row(first, bottom, (("Brister i vår MBL",), ("Vi behöver påminna",), ("AA",)))
    second = Page()
    bottom = table_row(second, 57, tuple((h,) for h in HEADER))
    bottom = table_row(second, bottom, (("",), ("förvaltningens chefer.",), ("EE",)))
    table_row(second, bottom, (("Nästa",), ("punkt",), ("TU",)))
    table = tables_of(read_pdf(build_pdf(first, second)))[0]
    assert [row.texts for row in table.rows] == [
        HEADER,
        ("Brister i vår MBL", "Vi behöver påminna\nförvaltningens chefer.", "AA\nEE"),
        ("Nästa", "punkt", "TU"),
    ]


def test_table_after_text_on_the_next_page_is_a_new_table() -> None:
    first = Page()
    bottom = table_row(first, 60, tuple((h,) for h in HEADER))
    table_row(first, bottom, (("a",), ("b",), ("c",)))
    second = Page().text(40, 57, "Våra prioriterade områden", size=14, bold=True)
    bottom = table_row(second, 80, tuple((h,) for h in HEADER))
    table_row(second, bottom, (("d",), ("e",), ("f",)))
    doc = read_pdf(build_pdf(first, second))
    assert [type(b).__name__ for b in doc.blocks] == ["Table", "Paragraph", "Table"]
    assert [len(t.rows) for t in tables_of(doc)] == [2, 2]


def test_page_header_above_a_repeated_table_header_is_furniture() -> None:
    first = Page()
    bottom = table_row(first, 60, tuple((h,) for h in HEADER))
    table_row(first, bottom, (("a",), ("b",), ("c",)))
    second = Page().text(520, 36, "DATUM", size=9).text(467, 46, "TYP AV DOKUMENT", size=9)
    bottom = table_row(second, 61, tuple((h,) for h in HEADER))
    table_row(second, bottom, (("d",), ("e",), ("f",)))
    doc = read_pdf(build_pdf(first, second))
    assert [type(b).__name__ for b in doc.blocks] == ["Table"]
    assert "DATUM" not in doc.text()


def test_page_numbers_and_repeated_header_lines_are_dropped() -> None:
    pages = []
    for number in (1, 2, 3):
        page = Page().text(400, 36, "PROTOKOLL SAMVERKANSGRUPP", size=9)
        page.text(500, 48, f"SID {number}(3)", size=9)
        page.text(40, 150, f"Brödtext på sidan {number}.")
        page.text(40, 800, "Helsingborgs stad")
        pages.append(page)
    doc = read_pdf(build_pdf(*pages))
    assert [b.text for b in paragraphs_of(doc)] == [f"Brödtext på sidan {n}." for n in (1, 2, 3)]


def test_a_page_number_block_on_one_page_only_is_dropped_but_other_top_lines_kept() -> None:
    first = Page().text(500, 36, "2023-01-24", size=9).text(400, 46, "PROTOKOLL", size=9)
    first.text(500, 61, "SID 1(2)", size=9).text(40, 90, "Minnesanteckningar", size=14, bold=True)
    second = Page().text(500, 57, "2019-09-10", size=9).text(40, 72, "Vård- och omsorgsförvaltningen")
    doc = read_pdf(build_pdf(first, second))
    assert [b.text for b in paragraphs_of(doc)] == [
        "Minnesanteckningar",
        "2019-09-10",
        "Vård- och omsorgsförvaltningen",
    ]


def test_sentence_cut_by_a_page_break_runs_on() -> None:
    first = Page().text(40, 60, "Rubrik", size=14, bold=True)
    first.text(40, 770, "Samtidigt uppkommer även")
    second = Page().text(40, 57, "organisation och ledarskap som förbättringspotential.")
    second.text(40, 90, "Nytt stycke.")
    doc = read_pdf(build_pdf(first, second))
    assert [b.text for b in paragraphs_of(doc)] == [
        "Rubrik",
        "Samtidigt uppkommer även\norganisation och ledarskap som förbättringspotential.",
        "Nytt stycke.",
    ]


# --- unreadable and unsafe -----------------------------------------------------------------------------


def pypdf_bytes(writer: pypdf.PdfWriter) -> bytes:
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_image_only_pdf_is_unreadable() -> None:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(WIDTH, HEIGHT)
    with pytest.raises(UnreadableDocument) as raised:
        read_pdf(pypdf_bytes(writer))
    assert raised.value.message == "PDF-filen innehåller bara bilder – ingen text att läsa"


def test_password_protected_pdf_is_unreadable() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf(Page().text(40, 60, "x")))))
    writer.encrypt(user_password="lösen", owner_password="ägare", algorithm="AES-128")
    with pytest.raises(UnreadableDocument) as raised:
        read_pdf(pypdf_bytes(writer))
    assert raised.value.message.startswith("PDF-filen är krypterad")


def test_owner_password_only_pdf_is_read() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf(Page().text(40, 60, "Öppen")))))
    writer.encrypt(user_password="", owner_password="ägare", algorithm="RC4-128")
    assert read_pdf(pypdf_bytes(writer)).text() == "Öppen"


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.4\nskrap utan xref",
        b"%PDF-1.7\n" + bytes(range(256)) * 20,
        build_pdf(Page().text(40, 60, "x"))[:-200],
    ],
    ids=["garbage", "binary", "truncated"],
)
def test_corrupt_pdf_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_pdf(data)
    assert "\n" not in raised.value.message and "Traceback" not in raised.value.message


def test_limits_are_checked_before_pdfplumber(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_PDF_PAGES", 2)
    with pytest.raises(UnsafeDocument):
        read_pdf(build_pdf(Page().text(40, 60, "a"), Page().text(40, 60, "b"), Page().text(40, 60, "c")))


# --- the sample minutes --------------------------------------------------------------------------------


def corpus_pairs() -> list[tuple[Path, Path]]:
    if not CORPUS.is_dir():
        return []
    pdfs = sorted(CORPUS.glob("*.pdf"))
    return [(pdf, pdf.with_suffix(".docx")) for pdf in pdfs if pdf.with_suffix(".docx").exists()]


@pytest.mark.parametrize("pdf, docx", corpus_pairs(), ids=lambda path: path.name)
def test_sample_pdf_has_the_structure_of_its_docx(pdf: Path, docx: Path) -> None:
    from_pdf = read_pdf(pdf.read_bytes())
    from_docx = read_docx(docx.read_bytes())
    pdf_tables, docx_tables = tables_of(from_pdf), tables_of(from_docx)
    assert len(pdf_tables) == len(docx_tables)
    for pdf_table, docx_table in zip(pdf_tables, docx_tables, strict=True):
        assert abs(len(pdf_table.rows) - len(docx_table.rows)) <= 1
        assert pdf_table.rows[0].texts == docx_table.rows[0].texts or pdf_table.rows[0].header
    # The same running text, apart from line breaks.
    assert abs(len(paragraphs_of(from_pdf)) - len(paragraphs_of(from_docx))) <= 2
    # Page furniture is gone: page numbers, header dates, "DATUM" placeholders.
    for paragraph in paragraphs_of(from_pdf):
        assert not paragraph.text.startswith(("SID ", "DNR:", "DATUM", "TYP AV DOKUMENT", "2020-03-10"))


@pytest.mark.skipif(not corpus_pairs(), reason="no sample minutes")
def test_sample_000_pdf_stitches_the_first_table_over_two_pages() -> None:
    doc = read_pdf(next(iter(CORPUS.glob("000_*.pdf"))).read_bytes())
    docx_table = tables_of(read_docx(next(iter(CORPUS.glob("000_*.docx"))).read_bytes()))[0]
    table = tables_of(doc)[0]
    assert table.rows[0].header and "Ansvarig" in table.rows[0].texts
    assert [t for t in table.rows[1:] if t.texts == table.rows[0].texts] == []  # the repeat on page 2 is gone
    assert abs(len(table.rows) - len(docx_table.rows)) <= 1
    rows = [row.texts for row in table.rows]
    assert any("Samordnas av innovationsgänget" in texts and texts[-1] == "AA" for texts in rows)
    assert any(texts[0] == "Planeringsstrateg" for texts in rows)  # the last row, from page 2


@pytest.mark.skipif(not corpus_pairs(), reason="no sample minutes")
def test_sample_001_pdf_section_rows_span_the_table() -> None:
    table = tables_of(read_pdf(next(iter(CORPUS.glob("001_*.pdf"))).read_bytes()))[0]
    sections = [row.cells[0].text for row in table.rows if len(row.cells) == 1 and row.cells[0].span == 4]
    assert sections == [
        "Förvaltnings-övergripande frågor",
        "Politik",
        "Kort-kort",
        "Våra prioriterade områden",
    ]


def test_a_glyph_mapped_to_no_character_is_a_bullet() -> None:
    from minutes.text import clean_characters

    assert clean_characters("(cid:127) Styrgruppen beslutar") == "• Styrgruppen beslutar"
