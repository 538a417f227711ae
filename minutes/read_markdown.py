"""Read Markdown minutes (.md) by their structure with markdown-it-py: headings, lists, pipe tables. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.token import Token

from minutes.model import MSG_EMPTY, Block, Cell, Paragraph, ParsedDocument, Row, Table, UnreadableDocument
from minutes.patterns import RUN_ON_WORDS
from minutes.text import clean_characters, strip_bullet

__all__ = ["MAX_MARKDOWN_BYTES", "read_markdown"]

MAX_MARKDOWN_BYTES = 5_000_000
MSG_TOO_LARGE = "Markdown-filen är för stor för att vara ett protokoll"
MSG_NOT_TEXT = "Filen är ingen läsbar text"

# CommonMark plus GitHub's pipe tables and ~~strikethrough~~ (its text is kept, the marks dropped).
# Built once: the parser holds compiled rules only; each parse keeps its state apart.
_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])


_BREAK_TAG = re.compile(r"^<br\s*/?>$", re.IGNORECASE)
_URL_ONLY = re.compile(r"^(?:https?://|www\.)\S+$")
_SENTENCE_END = (".", "!", "?", ":", ";")
# A line ending in one of these words, or a comma or hyphen, runs on into the next one.
_MAX_BOLD_HEADING_WORDS = 12
_FRONT_MATTER_FENCES = ("---", "...")
_FRONT_MATTER_MAX_LINES = 100
_YAML_LINE = re.compile(r"^(?:[\w.-]+\s*:(?:\s|$)|\s|-\s)")  # 'key: value', indented, '- item'
_HTML_LINE_TAGS = frozenset(
    "br p div li tr table thead tbody ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote pre hr section".split()
)
_HTML_HIDDEN_TAGS = frozenset({"script", "style", "head", "title"})


def read_markdown(data: bytes) -> ParsedDocument:
    """Headings, list items (with their nesting level), pipe tables and paragraphs, as plain text."""
    if len(data) > MAX_MARKDOWN_BYTES:
        raise UnreadableDocument(MSG_TOO_LARGE)
    text = clean_characters(_decode(data))
    if not text.strip():
        raise UnreadableDocument(MSG_EMPTY)
    front, body = _split_front_matter(text)
    walker = _Walker(blocks=[Paragraph(line) for line in front])
    walker.walk(_MARKDOWN.parse(body))
    if not walker.blocks:
        raise UnreadableDocument(MSG_EMPTY)
    return ParsedDocument(blocks=tuple(walker.blocks), source_format="markdown")


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with its byte-order mark (Notepad's 'Unicode')
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableDocument(MSG_NOT_TEXT) from None
    if b"\0" in data:
        raise UnreadableDocument(MSG_NOT_TEXT)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise UnreadableDocument(MSG_NOT_TEXT) from None


def _split_front_matter(text: str) -> tuple[list[str], str]:
    """YAML front matter ('---' … '---' at the very top) as plain lines, and the Markdown after it."""
    if not text.startswith("---"):
        return [], text
    lines = text.splitlines()
    if lines[0].rstrip() != "---":
        return [], text
    for index in range(1, min(len(lines), _FRONT_MATTER_MAX_LINES)):
        if lines[index].rstrip() in _FRONT_MATTER_FENCES:
            front = [line for line in lines[1:index] if line.strip()]
            if not all(_YAML_LINE.match(line) for line in front):
                return [], text  # two thematic breaks ('---') around Markdown, not front matter
            return [line.strip() for line in front], "\n".join(lines[index + 1 :])
    return [], text


@dataclass
class _Line:
    """One line of inline text; `hard` when an explicit break (two spaces, a backslash, <br>) ended the
    line before it; `bold` when all of its text is strong."""

    text: str
    hard: bool = False
    bold: bool = False


@dataclass
class _Item:
    level: int
    lines: list[str] = field(default_factory=list)
    emitted: bool = False


@dataclass
class _Walker:
    blocks: list[Block] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)  # open list items, innermost last
    depth: int = 0  # open lists

    def walk(self, tokens: list[Token]) -> None:
        index = 0
        count = len(tokens)
        while index < count:
            token = tokens[index]
            kind = token.type
            if kind == "inline":
                self.inline(token, heading=tokens[index - 1].type == "heading_open")
            elif kind == "bullet_list_open" or kind == "ordered_list_open":
                self.flush_item()  # a parent item's own text comes before its children
                self.depth += 1
            elif kind == "bullet_list_close" or kind == "ordered_list_close":
                self.depth -= 1
            elif kind == "list_item_open":
                self.items.append(_Item(level=self.depth - 1))
            elif kind == "list_item_close":
                self.flush_item()
                self.items.pop()
            elif kind == "table_open":
                self.flush_item()
                index = self.table(tokens, index)
            elif kind == "code_block" or kind == "fence":
                self.prose(token.content.splitlines())
            elif kind == "html_block":
                for part in _html_blocks(token.content):
                    if isinstance(part, list):
                        self.prose(part)
                    else:
                        self.flush_item()
                        self.blocks.append(part)
            index += 1

    def inline(self, token: Token, heading: bool) -> None:
        lines = _inline_lines(token.children or [])
        if heading:
            text = " ".join(line.text for line in lines if line.text)
            if text:
                self.flush_item()
                self.blocks.append(Paragraph(text, heading=True))
            return
        item = self.items[-1] if self.items else None
        if item is not None and not item.emitted:
            # A checkbox stays on the line ('[ ] Boka lokal', '[x] Boka lokal'): the extractor reads an open
            # one as a to-do and a ticked one as done.
            item.lines.extend(line.text for line in lines if line.text)
            return
        # Text after a nested list belongs to its item, but the item's paragraph is already out.
        self.blocks.extend(_paragraphs(lines, item.level if item is not None else 0))

    def prose(self, raw_lines: list[str]) -> None:
        lines = [_Line(line.strip()) for line in raw_lines if line.strip()]
        if lines:
            self.flush_item()
            self.blocks.extend(_paragraphs(lines, 0))

    def flush_item(self) -> None:
        if not self.items or self.items[-1].emitted:
            return
        item = self.items[-1]
        item.emitted = True
        if item.lines:
            self.blocks.append(Paragraph("\n".join(item.lines), list_item=True, level=item.level))

    def table(self, tokens: list[Token], index: int) -> int:
        """A pipe table from table_open at `index`; returns the index of its table_close."""
        rows: list[Row] = []
        cells: list[Cell] = []
        header = False
        while True:
            index += 1
            kind = tokens[index].type
            if kind == "table_close":
                break
            if kind == "thead_open":
                header = True
            elif kind == "tbody_open":
                header = False
            elif kind == "tr_open":
                cells = []
            elif kind == "tr_close":
                rows.append(Row(cells=tuple(cells), header=header))
            elif kind == "inline":
                lines = _inline_lines(tokens[index].children or [])
                for line in lines:
                    line.hard = False  # <br> is a cell's only line break, within a sentence too
                cells.append(Cell(blocks=tuple(_paragraphs(lines, 0)), col=len(cells)))
        self.blocks.append(Table(rows=tuple(rows)))
        return index


def _inline_lines(children: list[Token]) -> list[_Line]:
    """Inline tokens as plain lines: formatting dropped, links kept as their text, images and autolinks
    (a bare address) dropped, HTML tags dropped but for <br>, which breaks the line."""
    if len(children) == 1 and children[0].type == "text":  # plain text, as most table cells are
        text = children[0].content.strip()
        return [_Line(text)] if text and not _URL_ONLY.match(text) else []
    lines: list[_Line] = []
    parts: list[str] = []
    hard = False
    strong = 0
    bold_chars = 0
    plain_chars = 0
    skipping_link = False

    def end_line(next_hard: bool) -> None:
        nonlocal parts, hard, bold_chars, plain_chars
        text = "".join(parts).strip()
        if text and not _URL_ONLY.match(text):
            lines.append(_Line(text, hard=hard, bold=bold_chars > 0 and plain_chars == 0))
        parts, hard, bold_chars, plain_chars = [], next_hard, 0, 0

    for child in children:
        kind = child.type
        if skipping_link:
            skipping_link = kind != "link_close"
        elif kind == "text" or kind == "text_special" or kind == "code_inline":
            parts.append(child.content)
            if child.content.strip():
                if strong:
                    bold_chars += 1
                else:
                    plain_chars += 1
        elif kind == "softbreak":
            end_line(next_hard=False)
        elif kind == "hardbreak":
            end_line(next_hard=True)
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "link_open" and child.markup == "autolink":
            skipping_link = True
        elif kind == "html_inline" and _BREAK_TAG.match(child.content):
            end_line(next_hard=True)
    end_line(next_hard=False)
    return lines


def _paragraphs(lines: list[_Line], level: int) -> list[Paragraph]:
    """Lines of one Markdown paragraph as paragraphs of the document. Notes are often written one statement
    to a line without blank lines between: each such line is a paragraph of its own. A line that runs on
    from the one before (a lower-case start, a trailing comma or 'och') joins it. A line that opens with a
    bullet glyph ('• ') is a list item; a short line all in bold is a heading."""
    if len(lines) == 1:  # the common case, without the bookkeeping
        text, glyph = strip_bullet(lines[0].text)
        if not text:
            return []
        heading = lines[0].bold and not glyph and _bold_heading(text)
        return [Paragraph(text, list_item=glyph, heading=heading, level=level)]
    out: list[Paragraph] = []
    current: list[str] = []
    bullet = False
    bold = False

    def flush() -> None:
        if not current:
            return
        text = "\n".join(current)
        heading = bold and not bullet and len(current) == 1 and _bold_heading(text)
        out.append(Paragraph(text, list_item=bullet, heading=heading, level=level))
        current.clear()

    for line in lines:
        text, glyph = strip_bullet(line.text)
        if not text:
            continue
        if current and not glyph and not line.hard and _runs_on(current[-1], text):
            current.append(text)
            bold = bold and line.bold
            continue
        flush()
        current.append(text)
        bullet, bold = glyph, line.bold
    flush()
    return out


def _runs_on(previous: str, line: str) -> bool:
    if line[0].islower():
        return True
    if previous.endswith((",", "-", "–", "(", "/", "&")) and not previous.endswith(_SENTENCE_END):
        return True
    last_word = previous.rsplit(None, 1)[-1].lower()
    return last_word in RUN_ON_WORDS


def _bold_heading(text: str) -> bool:
    return len(text.split()) <= _MAX_BOLD_HEADING_WORDS and not text.endswith((".", "!", "?", ":", ";", ","))


class _HtmlReader(HTMLParser):
    """An HTML block (Markdown lets HTML through) as text lines, a line break at each block-level tag, and
    its tables as tables: the form converters write tables in that Markdown cannot. Scripts and styles
    are dropped; a table inside a cell is read as more text of the cell."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block | list[str]] = []  # tables, and runs of text lines between them
        self.text: list[str] = []  # outside tables
        self.rows: list[Row] = []
        self.cells: list[Cell] = []
        self.cell: list[str] | None = None
        self.span = 1
        self.header_row = True
        self.in_head = False
        self.tables = 0  # open tables, nested ones included
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HTML_HIDDEN_TAGS:
            self.hidden += 1
        elif tag == "table":
            self.tables += 1
            if self.tables == 1:
                self.flush_text()
                self.rows = []
            else:
                self.target().append("\n")
        elif self.tables == 1 and tag == "thead":
            self.in_head = True
        elif self.tables == 1 and tag == "tr":
            self.cells, self.header_row = [], True
        elif self.tables == 1 and tag in ("td", "th"):
            self.cell = []
            self.header_row = self.header_row and tag == "th"
            span = dict(attrs).get("colspan") or "1"
            self.span = max(1, int(span)) if span.isdigit() else 1
        elif tag == "li":
            self.target().append("\n• ")  # read as a bullet line
        elif tag in _HTML_LINE_TAGS:
            self.target().append("\n")
        elif tag in ("td", "th"):
            self.target().append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HTML_HIDDEN_TAGS:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "table" and self.tables:
            self.tables -= 1
            if self.tables == 0:
                self.end_cell()
                self.end_row()
                self.blocks.append(Table(rows=tuple(self.rows)))
        elif self.tables == 1 and tag == "thead":
            self.in_head = False
        elif self.tables == 1 and tag == "tr":
            self.end_cell()
            self.end_row()
        elif self.tables == 1 and tag in ("td", "th"):
            self.end_cell()
        elif tag in _HTML_LINE_TAGS:
            self.target().append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.target().append(data.replace("\n", " "))  # a line break in HTML source is a space

    def target(self) -> list[str]:
        if self.cell is not None:
            return self.cell
        return self.text

    def end_cell(self) -> None:
        if self.cell is None:
            return
        lines = [_Line(" ".join(line.split())) for line in "".join(self.cell).split("\n") if line.strip()]
        col = sum(cell.span for cell in self.cells)
        self.cells.append(Cell(blocks=tuple(_paragraphs(lines, 0)), col=col, span=self.span))
        self.cell, self.span = None, 1

    def end_row(self) -> None:
        if self.cells:
            self.rows.append(Row(cells=tuple(self.cells), header=self.in_head or self.header_row))
        self.cells = []

    def flush_text(self) -> None:
        lines = [" ".join(line.split()) for line in "".join(self.text).split("\n")]
        if any(lines):
            self.blocks.append([line for line in lines if line])
        self.text = []


def _html_blocks(html: str) -> list[Block | list[str]]:
    reader = _HtmlReader()
    reader.feed(html)
    reader.close()
    if reader.tables:  # a table left open at the end of the block
        reader.tables = 1
        reader.handle_endtag("table")
    reader.flush_text()
    return reader.blocks
