"""read_docx: the body XML walk, on small documents built here and on the sample minutes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest

from minutes.model import Cell, Paragraph, ParsedDocument, Row, Table, UnreadableDocument, UnsafeDocument
from minutes.read_docx import read_docx

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CORPUS = SAMPLES if SAMPLES.is_dir() else Path("/work/shared/corpus")

# Styles added to python-docx's template: a list style on the style (not the paragraph), one based on it,
# a localised heading style, and a style that switches numbering off again.
EXTRA_STYLES = f"""
<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="Punktlista">
  <w:name w:val="Punktlista"/><w:basedOn w:val="Normal"/>
  <w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr>
</w:style>
<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="PunktlistaIndrag">
  <w:name w:val="Punktlista indrag"/><w:basedOn w:val="Punktlista"/><w:pPr><w:ind w:left="720"/></w:pPr>
</w:style>
<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="IngenLista">
  <w:name w:val="Ingen lista"/><w:basedOn w:val="Punktlista"/>
  <w:pPr><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr>
</w:style>
<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="Rubrik2">
  <w:name w:val="heading 2"/><w:basedOn w:val="Normal"/>
</w:style>
<w:style xmlns:w="{W_NS}" w:type="paragraph" w:styleId="MinRubrik">
  <w:name w:val="Min rubrik"/><w:basedOn w:val="Heading1"/>
</w:style>
"""


def template_docx() -> bytes:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def make_docx(
    body: str,
    *,
    extra_styles: str = EXTRA_STYLES,
    replace_parts: dict[str, bytes] | None = None,
    add_parts: dict[str, bytes] | None = None,
) -> bytes:
    """python-docx's blank document with `body` (WordprocessingML, `w:` prefix) as the document body."""
    document_xml = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<w:document xmlns:w="{W_NS}" '
        f'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f"<w:body>{body}<w:sectPr/></w:body></w:document>"
    ).encode()
    parts = dict(replace_parts or {})
    parts.setdefault("word/document.xml", document_xml)
    source = zipfile.ZipFile(io.BytesIO(template_docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = parts.get(info.filename, source.read(info.filename))
            if info.filename == "word/styles.xml" and info.filename not in parts:
                data = data.replace(b"</w:styles>", extra_styles.encode() + b"</w:styles>")
            target.writestr(info.filename, data)
        for name, data in (add_parts or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def p(text: str, properties: str = "") -> str:
    pr = f"<w:pPr>{properties}</w:pPr>" if properties else ""
    return f"<w:p>{pr}<w:r><w:t xml:space='preserve'>{text}</w:t></w:r></w:p>"


def tc(content: str, properties: str = "") -> str:
    return f"<w:tc>{f'<w:tcPr>{properties}</w:tcPr>' if properties else ''}{content}</w:tc>"


def tr(cells: str, properties: str = "") -> str:
    return f"<w:tr>{f'<w:trPr>{properties}</w:trPr>' if properties else ''}{cells}</w:tr>"


def tbl(rows: str) -> str:
    return f"<w:tbl><w:tblPr/><w:tblGrid/>{rows}</w:tbl>"


def texts(doc: ParsedDocument) -> list[str]:
    return [b.text for b in doc.blocks if isinstance(b, Paragraph)]


def only_table(doc: ParsedDocument) -> Table:
    tables = [b for b in doc.blocks if isinstance(b, Table)]
    assert len(tables) == 1
    return tables[0]


# --- text ------------------------------------------------------------------------------------------------


def test_tracked_insertions_are_kept_and_deletions_dropped() -> None:
    body = (
        "<w:p><w:r><w:t xml:space='preserve'>AA skickar </w:t></w:r>"
        "<w:ins w:id='1' w:author='x'><w:r><w:t xml:space='preserve'>inbjudan </w:t></w:r></w:ins>"
        "<w:del w:id='2' w:author='x'><w:r><w:delText>kallelse </w:delText></w:r></w:del>"
        "<w:del w:id='3' w:author='x'><w:r><w:t>ALDRIG </w:t></w:r></w:del>"
        "<w:moveFrom w:id='4' w:author='x'><w:r><w:t>flyttad </w:t></w:r></w:moveFrom>"
        "<w:r><w:t>senast 7/10.</w:t></w:r></w:p>"
    )
    assert texts(read_docx(make_docx(body))) == ["AA skickar inbjudan senast 7/10."]


def test_content_controls_are_unwrapped_at_body_row_and_cell_level() -> None:
    body = (
        "<w:sdt><w:sdtPr><w:alias w:val='Rubrik'/></w:sdtPr><w:sdtContent>"
        + p("Inne i innehållskontroll")
        + "</w:sdtContent></w:sdt>"
        + tbl(
            "<w:sdt><w:sdtContent>"
            + tr(
                tc(p("rad i kontroll"))
                + "<w:sdt><w:sdtContent>"
                + tc(p("cell i kontroll"))
                + "</w:sdtContent></w:sdt>"
            )
            + "</w:sdtContent></w:sdt>"
        )
        + "<w:p><w:sdt><w:sdtContent><w:r><w:t>inline</w:t></w:r></w:sdtContent></w:sdt></w:p>"
    )
    doc = read_docx(make_docx(body))
    assert texts(doc) == ["Inne i innehållskontroll", "inline"]
    assert only_table(doc).rows[0].texts == ("rad i kontroll", "cell i kontroll")


def test_tabs_and_breaks_are_kept_but_tab_stops_are_not_text() -> None:
    body = (
        "<w:p><w:pPr><w:tabs><w:tab w:val='left' w:pos='720'/></w:tabs></w:pPr>"
        "<w:r><w:t>Tid</w:t><w:tab/><w:t>Rubrik</w:t><w:br/><w:t>rad två</w:t>"
        "<w:cr/><w:t>tre</w:t></w:r></w:p>"
    )
    assert texts(read_docx(make_docx(body))) == ["Tid\tRubrik\nrad två\ntre"]


def test_soft_hyphens_removed_and_non_breaking_spaces_become_spaces() -> None:
    body = (
        p("språk\u00adutvecklande\u00a0arbetsplats")
        + "<w:p><w:r><w:t>a</w:t><w:softHyphen/><w:t>b</w:t></w:r></w:p>"
    )
    assert texts(read_docx(make_docx(body))) == ["språkutvecklande arbetsplats", "ab"]


def test_empty_paragraphs_are_dropped() -> None:
    body = p("ett") + "<w:p/>" + p("   ") + p("två")
    assert texts(read_docx(make_docx(body))) == ["ett", "två"]


def test_alternate_content_fallback_is_not_read_twice() -> None:
    body = (
        "<w:p><w:r><mc:AlternateContent>"
        "<mc:Choice Requires='wps'><w:t>ruta</w:t></mc:Choice>"
        "<mc:Fallback><w:t>ruta</w:t></mc:Fallback>"
        "</mc:AlternateContent></w:r></w:p>"
    )
    assert texts(read_docx(make_docx(body))) == ["ruta"]


def test_headers_and_footers_are_ignored() -> None:
    document = docx.Document()
    document.add_paragraph("Brödtext")
    document.sections[0].header.paragraphs[0].text = "SIDHUVUD 2023-01-24"
    document.sections[0].footer.paragraphs[0].text = "SIDFOT"
    buffer = io.BytesIO()
    document.save(buffer)
    doc = read_docx(buffer.getvalue())
    assert doc.text() == "Brödtext"
    assert doc.source_format == "docx"


# --- lists and headings --------------------------------------------------------------------------------


def test_list_items_from_the_paragraph_or_its_style_following_based_on() -> None:
    body = (
        p("numrerad", "<w:numPr><w:ilvl w:val='0'/><w:numId w:val='3'/></w:numPr>")
        + p("numId noll", "<w:numPr><w:ilvl w:val='0'/><w:numId w:val='0'/></w:numPr>")
        + p("stilens lista", "<w:pStyle w:val='ListBullet'/>")
        + p("egen stil", "<w:pStyle w:val='Punktlista'/>")
        + p("ärvd stil", "<w:pStyle w:val='PunktlistaIndrag'/>")
        + p("avstängd i stilen", "<w:pStyle w:val='IngenLista'/>")
        + p("avstängd på stycket", "<w:pStyle w:val='Punktlista'/><w:numPr><w:numId w:val='0'/></w:numPr>")
        + p("vanlig")
        + p("okänd stil", "<w:pStyle w:val='FinnsInte'/>")
    )
    doc = read_docx(make_docx(body))
    assert [(b.text, b.list_item) for b in doc.blocks if isinstance(b, Paragraph)] == [
        ("numrerad", True),
        ("numId noll", False),
        ("stilens lista", True),
        ("egen stil", True),
        ("ärvd stil", True),
        ("avstängd i stilen", False),
        ("avstängd på stycket", False),
        ("vanlig", False),
        ("okänd stil", False),
    ]


def test_headings_from_style_name_outline_level_and_based_on() -> None:
    body = (
        p("Rubrik ett", "<w:pStyle w:val='Heading1'/>")
        + p("Lokaliserad", "<w:pStyle w:val='Rubrik2'/>")
        + p("Ärvd rubrik", "<w:pStyle w:val='MinRubrik'/>")
        + p("Dispositionsnivå", "<w:outlineLvl w:val='1'/>")
        + p("Brödtext nivå", "<w:outlineLvl w:val='9'/>")
        + p("Titel", "<w:pStyle w:val='Title'/>")
        + p("Vanlig")
    )
    doc = read_docx(make_docx(body))
    assert [(b.text, b.heading) for b in doc.blocks if isinstance(b, Paragraph)] == [
        ("Rubrik ett", True),
        ("Lokaliserad", True),
        ("Ärvd rubrik", True),
        ("Dispositionsnivå", True),
        ("Brödtext nivå", False),
        ("Titel", True),
        ("Vanlig", False),
    ]


def test_styles_are_found_when_styles_xml_needs_the_full_parse() -> None:
    # No `w:` prefix on the styles part: the fast cut-out of paragraph styles cannot apply.
    template = zipfile.ZipFile(io.BytesIO(template_docx()))
    styles = template.read("word/styles.xml").decode()
    styles = styles.replace("xmlns:w=", "xmlns:ww=").replace("<w:", "<ww:").replace("</w:", "</ww:")
    styles = styles.replace(" w:", " ww:")
    data = make_docx(
        p("punkt", "<w:pStyle w:val='ListBullet'/>"), replace_parts={"word/styles.xml": styles.encode()}
    )
    assert read_docx(data).blocks == (Paragraph("punkt", list_item=True),)


def test_a_document_without_styles_part_still_reads() -> None:
    data = make_docx(p("text", "<w:pStyle w:val='ListBullet'/>"))
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != "word/styles.xml":
                target.writestr(info.filename, source.read(info.filename))
    assert read_docx(out.getvalue()).blocks == (Paragraph("text"),)


# --- tables --------------------------------------------------------------------------------------------


def test_table_grid_span_vertical_merge_grid_before_and_header() -> None:
    body = tbl(
        tr(tc(p("Rubrik")) + tc(p("Åtgärd")) + tc(p("Ansvarig")), "<w:tblHeader/>")
        + tr(tc(p("Förvaltningsövergripande"), "<w:gridSpan w:val='3'/>"))
        + tr(tc(p("Lönepolitik")) + tc(p("Analys")) + tc(p("EE"), "<w:vMerge w:val='restart'/>"))
        + tr(tc(p("Studieförmåner")) + tc(p("HR får uppdraget")) + tc("<w:p/>", "<w:vMerge/>"))
        + tr(tc(p("Sent inskjuten")) + tc(p("AA")), "<w:gridBefore w:val='1'/>")
        + tr(tc(p("Ingen rubrikrad")) + tc(p("x")) + tc(p("y")), "<w:tblHeader w:val='false'/>")
    )
    table = only_table(read_docx(make_docx(body)))
    assert [row.header for row in table.rows] == [True, False, False, False, False, False]
    assert table.rows[1].cells == (Cell((Paragraph("Förvaltningsövergripande"),), col=0, span=3),)
    merged = table.rows[3].cells[2]
    assert merged == Cell((Paragraph("EE"),), col=2, span=1, merged_from_above=True)
    assert table.rows[3].texts == ("Studieförmåner", "HR får uppdraget", "EE")
    assert [(c.col, c.text) for c in table.rows[4].cells] == [(1, "Sent inskjuten"), (2, "AA")]


def test_vertical_merge_ends_at_a_cell_without_vmerge() -> None:
    body = tbl(
        tr(tc(p("a")) + tc(p("ägare"), "<w:vMerge w:val='restart'/>"))
        + tr(tc(p("b")) + tc("<w:p/>"))
        + tr(tc(p("c")) + tc("<w:p/>", "<w:vMerge/>"))
    )
    rows = only_table(read_docx(make_docx(body))).rows
    assert [row.cells[1].merged_from_above for row in rows] == [False, False, False]
    assert [row.texts for row in rows] == [("a", "ägare"), ("b", ""), ("c", "")]


def test_nested_table_stays_inside_its_cell() -> None:
    inner = tbl(tr(tc(p("inre 1")) + tc(p("inre 2"))))
    body = tbl(tr(tc(p("Rubrik")) + tc(p("före") + inner + p("efter"))) + tr(tc(p("nästa")) + tc(p("rad"))))
    doc = read_docx(make_docx(body))
    table = only_table(doc)
    assert len(table.rows) == 2
    cell = table.rows[0].cells[1]
    assert [type(b).__name__ for b in cell.blocks] == ["Paragraph", "Table", "Paragraph"]
    nested = cell.blocks[1]
    assert isinstance(nested, Table) and nested.rows[0].texts == ("inre 1", "inre 2")


def test_tracked_row_deletion_is_skipped_and_paragraphs_in_cells_kept_apart() -> None:
    body = tbl(
        tr(tc(p("kvar") + p("andra stycket", "<w:pStyle w:val='ListBullet'/>")))
        + tr(tc(p("raderad rad")), "<w:del w:id='9' w:author='x'/>")
    )
    table = only_table(read_docx(make_docx(body)))
    assert table.rows == (Row((Cell((Paragraph("kvar"), Paragraph("andra stycket", list_item=True))),)),)


def test_reading_order_of_paragraphs_and_tables() -> None:
    body = p("före") + tbl(tr(tc(p("cell")))) + p("efter")
    doc = read_docx(make_docx(body))
    assert [type(b).__name__ for b in doc.blocks] == ["Paragraph", "Table", "Paragraph"]


# --- hostile and broken input --------------------------------------------------------------------------


def test_malformed_xml_is_unreadable_with_one_swedish_line() -> None:
    data = make_docx("", replace_parts={"word/document.xml": b"<w:document><w:body><w:p>"})
    with pytest.raises(UnreadableDocument) as raised:
        read_docx(data)
    assert raised.value.message == "Word-filen är skadad och kan inte läsas"


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "hemlig.txt"
    secret.write_text("HEMLIGHET")
    document_xml = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>'
    ).encode()
    data = make_docx("", replace_parts={"word/document.xml": document_xml})
    try:
        doc = read_docx(data)
    except UnreadableDocument:
        return
    assert "HEMLIGHET" not in doc.text()


def test_billion_laughs_is_not_expanded() -> None:
    entities = '<!ENTITY a "hahahahahahahahahahaha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9)
    )
    document_xml = (
        f'<?xml version="1.0"?><!DOCTYPE w:document [{entities}]>'
        f'<w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&j;</w:t></w:r></w:p></w:body></w:document>'
    ).encode()
    data = make_docx("", replace_parts={"word/document.xml": document_xml})
    try:
        doc = read_docx(data)
    except UnreadableDocument:
        return
    assert len(doc.text()) < 1000


def test_safety_checks_run_before_parsing() -> None:
    data = make_docx(p("text"), add_parts={"word/vbaProject.bin": b"\0" * 10})
    with pytest.raises(UnsafeDocument):
        read_docx(data)


def test_bad_crc_is_unreadable() -> None:
    data = bytearray(make_docx(p("text")))
    # Flip the CRC-32 in the central directory entry of word/document.xml.
    name = b"word/document.xml"
    position = 0
    while (position := data.find(b"PK\x01\x02", position + 1)) >= 0:
        name_length = int.from_bytes(data[position + 28 : position + 30], "little")
        if data[position + 46 : position + 46 + name_length] == name:
            data[position + 16] ^= 0xFF
            break
    assert position >= 0
    with pytest.raises(UnreadableDocument):
        read_docx(bytes(data))


# --- the sample minutes --------------------------------------------------------------------------------


def corpus_files(suffix: str) -> list[Path]:
    return sorted(CORPUS.glob(f"*{suffix}")) if CORPUS.is_dir() else []


def tables_of(doc: ParsedDocument) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


@pytest.mark.parametrize("path", corpus_files(".docx"), ids=lambda path: path.name)
def test_every_sample_docx_reads_into_sensible_blocks(path: Path) -> None:
    doc = read_docx(path.read_bytes())
    assert doc.source_format == "docx"
    assert len(doc.text()) > 1000
    for table in tables_of(doc):
        assert table.rows[0].header
        assert all(cell.col + cell.span <= 6 for row in table.rows for cell in row.cells)
    # Headers and footers (DATUM, SID 1(3), DNR …) never enter the body.
    assert "SID " not in doc.text() and "DNR:" not in doc.text()


@pytest.mark.skipif(not corpus_files(".docx"), reason="no sample minutes")
def test_sample_000_docx_tables() -> None:
    doc = read_docx(next(iter(CORPUS.glob("000_*.docx"))).read_bytes())
    tables = tables_of(doc)
    assert len(tables) == 4
    assert all(t.rows[0].header and "Ansvarig" in t.rows[0].texts for t in tables)
    assert [len(t.rows) for t in tables] == [17, 4, 5, 2]
    rows = [row.texts for row in tables[0].rows]
    assert "Impact Innovation Summit 2024 https://impactinnovationsummit.com/" in rows[3][0].replace(
        "\n", " "
    )
    assert rows[3][2:] == ("Samordnas av innovationsgänget", "AA")
    headings = [b.text for b in doc.blocks if isinstance(b, Paragraph) and b.heading]
    assert headings == ["Kort-kort", "Förvaltningsövergripande frågor", "Våra prioriterade områden", "Beslut"]
    in_cells = [b for c in tables[1].rows[1].cells for b in c.blocks]  # the bullet list of "Sommaren 2024"
    assert sum(isinstance(b, Paragraph) and b.list_item for b in in_cells) == 14


@pytest.mark.skipif(not corpus_files(".docx"), reason="no sample minutes")
def test_sample_001_docx_section_rows_span_the_table() -> None:
    table = tables_of(read_docx(next(iter(CORPUS.glob("001_*.docx"))).read_bytes()))[0]
    sections = [row.cells[0].text for row in table.rows if len(row.cells) == 1 and row.cells[0].span == 4]
    assert sections == [
        "Förvaltnings-övergripande frågor",
        "Politik",
        "Kort-kort",
        "Våra prioriterade områden",
    ]
