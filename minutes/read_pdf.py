"""Read a PDF (bytes) into a ParsedDocument: tables joined across pages, text in reading order. Pure."""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pdfplumber
from pdfplumber.utils.clustering import cluster_objects
from pdfplumber.utils.text import extract_words

from minutes.model import (
    Block,
    Cell,
    DocumentError,
    Paragraph,
    ParsedDocument,
    Row,
    Table,
    UnreadableDocument,
)
from minutes.safety import MSG_PDF_CORRUPT, check_pdf_limits
from minutes.text import clean_characters

__all__ = ["read_pdf"]

MSG_PDF_IMAGES_ONLY = "PDF-filen innehåller bara bilder – ingen text att läsa"

# Bullets that may touch their text, and glyphs that are bullets only when a space follows.
BULLETS = "•\uf0b7\uf0a7▪●◦‣\u2043\uf0d8\uf076■"
SPACED_BULLETS = "–-*"
BULLET_LINE = re.compile(rf"^\s*(?:[{re.escape(BULLETS)}]\s*|[{re.escape(SPACED_BULLETS)}]\s+)(?=\S)")
NUMBERED_LINE = re.compile(r"^\s*\d{1,2}[.)]\s+\S")  # "1) Översyn …", "2. Ledarskap": typed numbering

# Page furniture: "SID 1(3)", "Sida 2 av 5", "Page 3 of 4", "1 (3)", "- 2 -".
PAGE_NUMBER = re.compile(
    r"(?:(?:sid|sida|page|s\.)\s*\d+\s*(?:\(\s*\d+\s*\)|(?:av|of|/)\s*\d+)?"
    r"|\d+\s*(?:\(\s*\d+\s*\)|(?:av|of|/)\s*\d+)"
    r"|[-–]?\s*\d{1,3}\s*[-–]?)",
    re.IGNORECASE,
)
BAND = 0.12  # top and bottom share of the page where headers and footers live
RIGHT_ALIGNED = 0.4  # x0 beyond this share of the page width: right-aligned header text
MAX_FURNITURE_CHARS = 80  # a longer line is running text, however often it repeats
SAME_POSITION = 4.0  # points: a repeated header/footer line sits at the same height on every page
LINE_TOLERANCE = 3.0  # points: words this close vertically share a line (pdfplumber's default)
PARAGRAPH_GAP = 0.45  # a vertical gap above this share of the line height starts a new paragraph
SIZE_STEP = 0.5  # points: a font-size change starts a new paragraph
HEADING_STEP = 1.5  # points above the body font size: a heading
EDGE_TOLERANCE = 2.0  # points: column edges of a table continued on the next page
SENTENCE_END = re.compile(r"[.!?:;]\s*$")
BOLD = re.compile(r"bold|black|heavy|semibold|demibold", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    top: float
    bottom: float
    x0: float
    size: float
    bold: bool


@dataclass(slots=True)
class _PageTable:
    top: float
    edges: tuple[float, ...]  # column boundaries, left to right
    rows: list[Row]
    bold_first_row: bool


@dataclass(slots=True)
class _Page:
    width: float
    height: float
    char_count: int
    tables: list[_PageTable]
    lines: list[_Line] = field(default_factory=list)


def read_pdf(data: bytes) -> ParsedDocument:
    """Paragraphs and tables in reading order; tables split over pages are joined into one. After the safety
    check (size, pages, encryption, content streams)."""
    check_pdf_limits(data)
    return parse_pdf(data)


def parse_pdf(data: bytes) -> ParsedDocument:
    """read_pdf without the safety check, for a caller that ran check_pdf_limits (minutes.formats)."""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = []
            for page in pdf.pages:
                pages.append(_read_page(page))
                page.close()  # drop the page's cached layout objects
    except DocumentError:
        raise
    except MemoryError:  # the worker's memory limit, not a broken file: too heavy
        raise
    except Exception as error:  # PDFSyntaxError, PdfminerException, a bad font or stream, …
        raise UnreadableDocument(MSG_PDF_CORRUPT) from error
    if not any(page.char_count for page in pages):
        raise UnreadableDocument(MSG_PDF_IMAGES_ONLY)
    _drop_furniture(pages)
    return ParsedDocument(blocks=tuple(_assemble(pages)), source_format="pdf")


# --- one page ------------------------------------------------------------------------------------------


def _read_page(page: Any) -> _Page:
    chars: list[dict[str, Any]] = page.chars
    found = page.find_tables()  # the default "lines" strategy: ruled tables
    top_level = [table for index, table in enumerate(found) if not _nested(index, found)]
    tables = [_page_table(table, chars) for table in top_level]
    boxes = [table.bbox for table in top_level]
    outside = [char for char in chars if not any(_char_in(char, box) for box in boxes)]
    return _Page(
        width=float(page.width),
        height=float(page.height),
        char_count=len(chars),
        tables=tables,
        lines=_lines(outside),
    )


def _nested(index: int, tables: Sequence[Any]) -> bool:
    """Inside another table's box: a nested table, whose text the outer cell already holds."""
    x0, top, x1, bottom = tables[index].bbox
    for other_index, other in enumerate(tables):
        if other_index == index:
            continue
        ox0, otop, ox1, obottom = other.bbox
        if ox0 - 1 <= x0 and otop - 1 <= top and x1 <= ox1 + 1 and bottom <= obottom + 1:
            same = abs(ox0 - x0) + abs(otop - top) + abs(ox1 - x1) + abs(obottom - bottom) < 1
            if not same or other_index < index:  # of two identical boxes keep the first
                return True
    return False


def _char_in(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    """pdfplumber's own test in Table.extract: the character's midpoint lies in the box."""
    h_mid = (char["x0"] + char["x1"]) / 2
    v_mid = (char["top"] + char["bottom"]) / 2
    return bool(box[0] <= h_mid < box[2] and box[1] <= v_mid < box[3])


def _page_table(table: Any, chars: list[dict[str, Any]]) -> _PageTable:
    geometry = table.rows
    texts: list[list[str | None]] = table.extract()
    x0, top, x1, _ = table.bbox
    lefts = sorted({cell[0] for cell in table.cells})
    edges = (*lefts, x1)
    rows: list[Row] = []
    above: dict[int, Cell] = {}  # column → the cell covering it in the previous row
    for row_geometry, row_texts in zip(geometry, texts, strict=True):
        cells: list[Cell] = []
        covered_until = 0  # columns left of this index belong to a cell already placed
        for col, (box, text) in enumerate(zip(row_geometry.cells, row_texts, strict=True)):
            if col < covered_until:
                continue
            if box is not None:
                span = max(1, sum(1 for left in lefts if box[0] - 1 <= left < box[2] - 1))
                cell = Cell(blocks=_cell_blocks(text or ""), col=col, span=span)
            elif col in above:  # None: covered by a vertically merged cell from the row above
                origin = above[col]
                cell = Cell(blocks=origin.blocks, col=col, span=origin.span, merged_from_above=True)
            else:
                cell = Cell(blocks=(), col=col)
            cells.append(cell)
            covered_until = col + cell.span
        for cell in cells:
            for covered in range(cell.col, cell.col + cell.span):
                above[covered] = cell
        rows.append(Row(cells=tuple(cells)))
    bold = _all_bold(chars, geometry[0].bbox) if geometry else False
    return _PageTable(top=top, edges=edges, rows=rows, bold_first_row=bold)


def _all_bold(chars: Iterable[dict[str, Any]], box: tuple[float, float, float, float]) -> bool:
    fonts = [char.get("fontname", "") for char in chars if not char["text"].isspace() and _char_in(char, box)]
    return bool(fonts) and all(BOLD.search(font) for font in fonts)


def _cell_blocks(text: str) -> tuple[Block, ...]:
    """A cell's lines as paragraphs: a bullet or a typed number starts one, other lines continue it."""
    text = clean_characters(text)
    paragraphs: list[Paragraph] = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        if bullet := BULLET_LINE.match(line):
            paragraphs.append(Paragraph(text=line[bullet.end() :], list_item=True))
        elif not paragraphs or NUMBERED_LINE.match(line):
            paragraphs.append(Paragraph(text=line))
        else:
            last = paragraphs[-1]
            paragraphs[-1] = replace(last, text=last.text + "\n" + line)  # "\n" kept for hyphen repair
    return tuple(paragraphs)


def _lines(chars: list[dict[str, Any]]) -> list[_Line]:
    if not chars:
        return []
    words = extract_words(chars, extra_attrs=["size", "fontname"])
    lines: list[_Line] = []
    for cluster in cluster_objects(words, "top", LINE_TOLERANCE):
        cluster.sort(key=lambda word: word["x0"])
        text = " ".join(word["text"] for word in cluster)
        text = clean_characters(text)
        lines.append(
            _Line(
                text=text.strip(),
                top=min(word["top"] for word in cluster),
                bottom=max(word["bottom"] for word in cluster),
                x0=cluster[0]["x0"],
                size=max(word["size"] for word in cluster),
                bold=all(BOLD.search(word["fontname"]) for word in cluster),
            )
        )
    lines.sort(key=lambda line: line.top)
    return [line for line in lines if line.text]


# --- page furniture ------------------------------------------------------------------------------------


def _drop_furniture(pages: list[_Page]) -> None:
    """Drop page numbers, lines repeated in the header/footer band of most pages, and a right-aligned
    header block that holds a page number."""
    repeated = _repeated_band_lines(pages)
    for page_index, page in enumerate(pages):
        drop: set[int] = set()
        for line_index, line in enumerate(page.lines):
            if _in_band(line, page) and (
                PAGE_NUMBER.fullmatch(line.text) or (page_index, line_index) in repeated
            ):
                drop.add(line_index)
        header_block = _top_right_block(page)
        if any(index in drop for index in header_block):
            drop.update(header_block)
        page.lines = [line for index, line in enumerate(page.lines) if index not in drop]


def _in_band(line: _Line, page: _Page) -> bool:
    return line.top < page.height * BAND or line.bottom > page.height * (1 - BAND)


def _furniture_key(text: str) -> str:
    return re.sub(r"\d", "#", " ".join(text.casefold().split()))


def _repeated_band_lines(pages: list[_Page]) -> set[tuple[int, int]]:
    """(page, line) of header/footer-band lines whose text (digits aside) recurs at the same height
    on at least half of the pages, and on two at least."""
    if len(pages) < 2:
        return set()
    by_key: dict[str, list[tuple[int, int, float]]] = {}
    for page_index, page in enumerate(pages):
        for line_index, line in enumerate(page.lines):
            if _in_band(line, page) and len(line.text) <= MAX_FURNITURE_CHARS:
                by_key.setdefault(_furniture_key(line.text), []).append((page_index, line_index, line.top))
    needed = max(2, math.ceil(len(pages) / 2))
    repeated: set[tuple[int, int]] = set()
    for occurrences in by_key.values():
        for page_index, line_index, top in occurrences:
            pages_here = {
                other_page
                for other_page, _, other_top in occurrences
                if abs(other_top - top) <= SAME_POSITION
            }
            if len(pages_here) >= needed:
                repeated.add((page_index, line_index))
    return repeated


def _top_right_block(page: _Page) -> list[int]:
    """Indices of the right-aligned lines that open the page inside the header band."""
    first_table = min((table.top for table in page.tables), default=math.inf)
    block: list[int] = []
    for index, line in enumerate(page.lines):
        if line.top >= first_table or line.top >= page.height * BAND or line.x0 < page.width * RIGHT_ALIGNED:
            break
        block.append(index)
    return block


# --- reading order and stitching -----------------------------------------------------------------------


@dataclass(slots=True)
class _OpenTable:
    """The table being built; it may continue on the next page."""

    rows: list[Row]
    edges: tuple[float, ...]
    header_repeated: bool = False
    bold_first_row: bool = False

    def table(self) -> Table:
        rows = list(self.rows)
        if rows and (self.header_repeated or self.bold_first_row):
            rows[0] = replace(rows[0], header=True)
        return Table(rows=tuple(rows))


def _assemble(pages: list[_Page]) -> Iterator[Block]:
    body_size = _body_size(pages)
    open_table: _OpenTable | None = None  # the last block so far, if it is a table that ended its page
    carried: list[_Line] = []  # the lines of a paragraph cut by the page break
    for page in pages:
        items: list[tuple[float, _Line | _PageTable]] = [(line.top, line) for line in page.lines]
        items += [(table.top, table) for table in page.tables]
        items.sort(key=lambda item: item[0])
        if open_table is not None and (continuation := _continuation(open_table, items, page)) is not None:
            index, continued = continuation
            _continue_table(open_table, continued)
            items = items[index + 1 :]
        pending: list[_Line] = []
        if carried and items and isinstance(items[0][1], _Line):
            pending = carried
        else:
            yield from _paragraphs(carried, body_size)
        for _, item in items:
            if isinstance(item, _Line):
                if open_table is not None:
                    yield open_table.table()
                    open_table = None
                pending.append(item)
                continue
            yield from _paragraphs(pending, body_size)
            pending = []
            if open_table is not None:
                yield open_table.table()
            open_table = _OpenTable(
                rows=list(item.rows), edges=item.edges, bold_first_row=item.bold_first_row
            )
        carried = pending if pending and _cut_by_page_break(pending[-1], page) else []
        if not carried:
            yield from _paragraphs(pending, body_size)
    yield from _paragraphs(carried, body_size)
    if open_table is not None:
        yield open_table.table()


def _cut_by_page_break(line: _Line, page: _Page) -> bool:
    """A sentence that runs on to the next page: the page's last line, low on the page, ends mid-sentence."""
    return line.bottom > page.height * (1 - 2 * BAND) and not SENTENCE_END.search(line.text)


def _continuation(
    open_table: _OpenTable, items: list[tuple[float, _Line | _PageTable]], page: _Page
) -> tuple[int, _PageTable] | None:
    """The page's table that continues the open table, and its index in the page's items.

    It must come first on the page. Lines above it are allowed only when the table repeats the open
    table's header row and the lines are right-aligned text in the header band (a page header).
    """
    index = 0
    for index, (_, item) in enumerate(items):  # noqa: B007 - index is used after the loop
        if isinstance(item, _PageTable):
            table = item
            break
        if item.top >= page.height * BAND or item.x0 < page.width * RIGHT_ALIGNED:
            return None
    else:
        return None
    if len(table.edges) != len(open_table.edges):
        return None
    repeats_header = (
        bool(table.rows) and bool(open_table.rows) and table.rows[0].texts == open_table.rows[0].texts
    )
    same_columns = all(
        abs(a - b) <= EDGE_TOLERANCE for a, b in zip(table.edges, open_table.edges, strict=True)
    )
    if repeats_header or (index == 0 and same_columns):
        return index, table
    return None


def _continue_table(open_table: _OpenTable, table: _PageTable) -> None:
    rows = list(table.rows)
    if rows and open_table.rows and rows[0].texts == open_table.rows[0].texts:
        rows = rows[1:]  # the repeated header row
        open_table.header_repeated = True
    if rows and len(open_table.rows) > 1 and rows[0].cells and not rows[0].cells[0].text:
        # A row broken over the page break: its first column is done, the rest runs on.
        merged = _merge_rows(open_table.rows[-1], rows[0])
        if merged is not None:
            open_table.rows[-1] = merged
            rows = rows[1:]
    open_table.rows.extend(rows)


def _merge_rows(upper: Row, lower: Row) -> Row | None:
    upper_by_col = {cell.col: cell for cell in upper.cells}
    if any(cell.col not in upper_by_col for cell in lower.cells):
        return None
    lower_by_col = {cell.col: cell for cell in lower.cells}
    cells = []
    for cell in upper.cells:
        addition = lower_by_col.get(cell.col)
        cells.append(
            cell if addition is None else replace(cell, blocks=_join_blocks(cell.blocks, addition.blocks))
        )
    return replace(upper, cells=tuple(cells))


def _join_blocks(first: tuple[Block, ...], second: tuple[Block, ...]) -> tuple[Block, ...]:
    if not first or not second:
        return first + second
    last, head = first[-1], second[0]
    if isinstance(last, Paragraph) and isinstance(head, Paragraph) and not head.list_item:
        joined = replace(last, text=last.text + "\n" + head.text)  # the paragraph runs on over the break
        return (*first[:-1], joined, *second[1:])
    return first + second


def _body_size(pages: list[_Page]) -> float:
    sizes: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _paragraphs(lines: list[_Line], body_size: float) -> Iterator[Paragraph]:
    """Group lines into paragraphs by vertical gaps, font-size changes and bullets."""
    group: list[_Line] = []
    list_item = False
    for line in lines:
        bullet = BULLET_LINE.match(line.text)
        if group and (bullet or _breaks(group[-1], line)):
            yield _paragraph(group, list_item, body_size)
            group = []
        if not group:
            list_item = bullet is not None
            line = replace(line, text=line.text[bullet.end() :]) if bullet else line
        group.append(line)
    if group:
        yield _paragraph(group, list_item, body_size)


def _breaks(previous: _Line, line: _Line) -> bool:
    height = max(previous.bottom - previous.top, line.bottom - line.top, 1.0)
    return (
        line.top - previous.bottom > PARAGRAPH_GAP * height
        or abs(line.size - previous.size) > SIZE_STEP
        or line.bold != previous.bold
        or NUMBERED_LINE.match(line.text) is not None
    )


def _paragraph(lines: list[_Line], list_item: bool, body_size: float) -> Paragraph:
    heading = not list_item and body_size > 0 and min(line.size for line in lines) >= body_size + HEADING_STEP
    return Paragraph(text="\n".join(line.text for line in lines), list_item=list_item, heading=heading)
