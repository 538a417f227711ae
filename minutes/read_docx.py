"""Read a Word .docx (bytes) into a ParsedDocument by walking the body XML. Pure: no I/O."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, replace

from lxml import etree

from minutes.model import Block, Cell, Paragraph, ParsedDocument, Row, Table, UnreadableDocument
from minutes.safety import DOCX_MAIN_PART, MSG_DOCX_CORRUPT, check_docx_container
from minutes.text import clean_characters

__all__ = ["read_docx"]

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = "{" + W_NS + "}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
STYLES_PART = "word/styles.xml"

# Tags of the body walk.
P, TBL, TR, TC = W + "p", W + "tbl", W + "tr", W + "tc"
PPR, TR_PR, TC_PR, TBL_PR_EX = W + "pPr", W + "trPr", W + "tcPr", W + "tblPrEx"
NUMPR, NUM_ID, OUTLINE_LVL, PSTYLE = W + "numPr", W + "numId", W + "outlineLvl", W + "pStyle"
TBL_HEADER, GRID_BEFORE, GRID_SPAN, V_MERGE, DEL = (
    W + "tblHeader",
    W + "gridBefore",
    W + "gridSpan",
    W + "vMerge",
    W + "del",
)
VAL = W + "val"
WRAPPERS = frozenset({W + "sdt", W + "customXml"})  # block, row and cell level content controls
SDT_CONTENT = W + "sdtContent"
# Tags of the text walk inside a paragraph.
T = W + "t"
TABS = frozenset({W + "tab", W + "ptab"})
BREAKS = frozenset({W + "br", W + "cr"})
NO_BREAK_HYPHEN = W + "noBreakHyphen"
SKIPPED = frozenset(
    {
        W + "pPr",  # paragraph properties: tab stops are w:tab too
        W + "rPr",
        W + "del",  # tracked deletion
        W + "moveFrom",  # tracked move: the text also sits at its w:moveTo
        W + "delText",
        W + "instrText",  # field codes; the field result is ordinary w:t
        W + "sdtPr",
        W + "sdtEndPr",
        MC + "Fallback",  # the same text box again, for old readers
    }
)

HEADING_STYLE_NAME = re.compile(r"(heading|rubrik) ?\d|title|rubrik", re.IGNORECASE)
NO_OUTLINE_LEVEL = 9  # w:outlineLvl 9 is body text
OFF_VALUES = frozenset({"0", "false", "off"})

# python-docx's oxml parser settings: no entity expansion (XXE, billion laughs), no network access.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True, huge_tree=False)


@dataclass(frozen=True, slots=True)
class _Style:
    based_on: str | None
    numbered: bool | None  # None: this style says nothing about numbering
    heading: bool | None  # None: this style says nothing about outline level or heading name


class _Styles:
    """Paragraph styles by id, read on first use; resolve() follows w:basedOn and caches the answer."""

    def __init__(self, elements: dict[str, etree._Element], default_id: str | None) -> None:
        self._elements = elements
        self._styles: dict[str, _Style | None] = {}
        self._resolved: dict[str | None, tuple[bool, bool]] = {}
        self.default_id = default_id

    def resolve(self, style_id: str | None) -> tuple[bool, bool]:
        """(numbered, heading) for a paragraph with this w:pStyle (None: the default paragraph style)."""
        if (known := self._resolved.get(style_id)) is not None:
            return known
        numbered: bool | None = None
        heading: bool | None = None
        current, seen = style_id or self.default_id, set[str]()
        while current is not None and current not in seen and (numbered is None or heading is None):
            seen.add(current)
            style = self._style(current)
            if style is None:
                break
            numbered = style.numbered if numbered is None else numbered
            heading = style.heading if heading is None else heading
            current = style.based_on
        answer = self._resolved[style_id] = (bool(numbered), bool(heading))
        return answer

    def _style(self, style_id: str) -> _Style | None:
        if style_id not in self._styles:
            element = self._elements.get(style_id)
            self._styles[style_id] = _read_style(element, style_id) if element is not None else None
        return self._styles[style_id]


def read_docx(data: bytes) -> ParsedDocument:
    """Paragraphs and tables of the document body in reading order (headers and footers are ignored), after
    the container's safety check."""
    check_docx_container(data)
    return parse_docx(data)


def parse_docx(data: bytes) -> ParsedDocument:
    """read_docx without the safety check, for a caller that ran check_docx_container (minutes.formats)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            document_xml = archive.read(DOCX_MAIN_PART)
            styles_xml = archive.read(STYLES_PART) if STYLES_PART in archive.namelist() else None
        root = etree.fromstring(document_xml, XML_PARSER)
        styles = _read_styles(styles_xml) if styles_xml is not None else _Styles({}, None)
        body = root.find(W + "body")
        blocks = tuple(_blocks(body, styles)) if body is not None else ()
    except UnreadableDocument:
        raise
    except MemoryError:  # the worker's memory limit, not a broken file: too heavy
        raise
    except Exception as error:  # zip, CRC, XML syntax, a bad attribute value, …
        raise UnreadableDocument(MSG_DOCX_CORRUPT) from error
    return ParsedDocument(blocks=blocks, source_format="docx")


# --- body walk -------------------------------------------------------------------------------------------


def _unwrap(element: etree._Element) -> Iterator[etree._Element]:
    """Children, seeing through content controls (w:sdt → w:sdtContent) and w:customXml."""
    for child in element:
        tag = child.tag
        if tag in WRAPPERS:
            content = child.find(SDT_CONTENT) if tag == W + "sdt" else child
            if content is not None:
                yield from _unwrap(content)
        else:
            yield child


def _blocks(container: etree._Element, styles: _Styles) -> Iterator[Block]:
    for child in _unwrap(container):
        if child.tag == P:
            paragraph = _paragraph(child, styles)
            if paragraph.text:
                yield paragraph
        elif child.tag == TBL:
            yield _table(child, styles)


def _paragraph(p: etree._Element, styles: _Styles) -> Paragraph:
    parts: list[str] = []
    _collect_text(p, parts)
    text = "".join(parts)
    text = clean_characters(text)
    text = text.strip()
    numbered: bool | None = None
    outline: bool | None = None
    style_id: str | None = None
    # Plain child loops: lxml's find() costs microseconds per call, and this runs for every paragraph.
    for child in _properties(p, PPR):
        tag = child.tag
        if tag == NUMPR:
            for number in child:
                if number.tag == NUM_ID:
                    numbered = number.get(VAL) != "0"  # numId 0 switches numbering off
        elif tag == OUTLINE_LVL:
            outline = _outline_is_heading(child)
        elif tag == PSTYLE:
            style_id = child.get(VAL)
    style_numbered, style_heading = styles.resolve(style_id)
    return Paragraph(
        text=text,
        list_item=style_numbered if numbered is None else numbered,
        heading=style_heading if outline is None else outline,
    )


def _properties(element: etree._Element, tag: str) -> etree._Element | tuple[()]:
    """The properties child (w:pPr, w:trPr, w:tcPr), which the schema puts first; () when absent."""
    for child in element:
        if child.tag == tag:
            return child
        if child.tag != TBL_PR_EX:  # w:tblPrEx may precede w:trPr
            break
    return ()


def _collect_text(element: etree._Element, out: list[str]) -> None:
    """Visible text: tracked insertions kept, deletions skipped, tabs and breaks kept."""
    for child in element:
        tag = child.tag
        if tag == T:
            out.append(child.text or "")
        elif tag in SKIPPED:
            continue
        elif tag in TABS:
            out.append("\t")
        elif tag in BREAKS:
            out.append("\n")
        elif tag == NO_BREAK_HYPHEN:
            out.append("-")
        elif tag == P:  # a paragraph of a text box anchored in this one
            _collect_text(child, out)
            out.append("\n")
        elif len(child):
            _collect_text(child, out)


def _table(tbl: etree._Element, styles: _Styles) -> Table:
    rows: list[Row] = []
    origins: dict[int, Cell] = {}  # grid column → the cell that opened a vertical merge there
    for tr in _unwrap(tbl):
        if tr.tag != TR:
            continue
        header, deleted, col = False, False, 0
        for setting in _properties(tr, TR_PR):
            tag = setting.tag
            if tag == TBL_HEADER:
                header = _is_on(setting)
            elif tag == GRID_BEFORE:
                col = _int_value(setting, 0)  # rows may start a few grid columns in
            elif tag == DEL:
                deleted = True  # a tracked row deletion
        if deleted:
            continue
        cells: list[Cell] = []
        for tc in _unwrap(tr):
            if tc.tag != TC:
                continue
            span, merge = 1, None
            for setting in _properties(tc, TC_PR):
                if setting.tag == GRID_SPAN:
                    span = max(_int_value(setting, 1), 1)
                elif setting.tag == V_MERGE:
                    merge = setting
            cell = Cell(blocks=tuple(_blocks(tc, styles)), col=col, span=span)
            if merge is not None and merge.get(VAL) != "restart" and col in origins:
                cell = replace(cell, blocks=origins[col].blocks, merged_from_above=True)
            elif merge is not None:
                origins[col] = cell
            else:
                origins.pop(col, None)
            cells.append(cell)
            col += span
        rows.append(Row(cells=tuple(cells), header=header))
    return Table(rows=tuple(rows))


def _int_value(element: etree._Element | None, default: int) -> int:
    if element is None:
        return default
    try:
        return int(element.get(W + "val", default))
    except ValueError:
        return default


def _is_on(element: etree._Element | None) -> bool:
    """An ST_OnOff element: present means on unless w:val says off."""
    return element is not None and (element.get(W + "val") or "true").lower() not in OFF_VALUES


def _outline_is_heading(level: etree._Element) -> bool:
    return _int_value(level, NO_OUTLINE_LEVEL) < NO_OUTLINE_LEVEL


# --- styles ----------------------------------------------------------------------------------------------

STYLE_OPENING = re.compile(rb"<w:style\s[^>]*>")
STYLE_CLOSING = b"</w:style>"
PARAGRAPH_TYPE = re.compile(rb"""w:type\s*=\s*["']paragraph["']""")
ROOT_OPENING = re.compile(rb"<w:styles\s[^>]*>")
W_PREFIX_DECLARATION = b'xmlns:w="' + W_NS.encode() + b'"'


def _read_styles(xml: bytes) -> _Styles:
    elements: dict[str, etree._Element] = {}
    default_id: str | None = None
    for element in _parse_paragraph_styles(xml).iterchildren(W + "style"):
        if element.get(W + "type") != "paragraph" or (style_id := element.get(W + "styleId")) is None:
            continue
        elements.setdefault(style_id, element)
        if _is_on_attribute(element.get(W + "default")):
            default_id = style_id
    return _Styles(elements, default_id)


def _read_style(element: etree._Element, style_id: str) -> _Style:
    based_on = element.find(W + "basedOn")
    properties = element.find(W + "pPr")
    numbered: bool | None = None
    heading: bool | None = None
    if properties is not None:
        if (num_id := properties.find(f"{W}numPr/{W}numId")) is not None:
            numbered = num_id.get(VAL) != "0"
        if (level := properties.find(OUTLINE_LVL)) is not None:
            heading = _outline_is_heading(level)
    name = element.find(W + "name")
    name_value = name.get(VAL, "") if name is not None else ""
    if HEADING_STYLE_NAME.fullmatch(name_value) or HEADING_STYLE_NAME.fullmatch(style_id):
        heading = True
    return _Style(
        based_on=based_on.get(VAL) if based_on is not None else None, numbered=numbered, heading=heading
    )


def _parse_paragraph_styles(xml: bytes) -> etree._Element:
    """The paragraph styles only. Word's styles.xml is ~350 kB, mostly table styles, and a full parse costs
    ~5 ms, more than the whole rest of the read; so cut out the paragraph styles and parse those. Anything
    unexpected falls back to parsing the whole part."""
    root_opening = ROOT_OPENING.search(xml, 0, 4096)
    if root_opening is None or W_PREFIX_DECLARATION not in root_opening.group():
        return etree.fromstring(xml, XML_PARSER)
    fragments = [root_opening.group()]
    for opening in STYLE_OPENING.finditer(xml, root_opening.end()):
        if opening.group().endswith(b"/>") or not PARAGRAPH_TYPE.search(opening.group()):
            continue
        end = xml.find(STYLE_CLOSING, opening.end())
        if end < 0:
            return etree.fromstring(xml, XML_PARSER)
        fragments.append(xml[opening.start() : end + len(STYLE_CLOSING)])
    fragments.append(b"</w:styles>")
    try:
        return etree.fromstring(b"".join(fragments), XML_PARSER)
    except etree.XMLSyntaxError:
        return etree.fromstring(xml, XML_PARSER)


def _is_on_attribute(value: str | None) -> bool:
    return value is not None and value.lower() not in OFF_VALUES
