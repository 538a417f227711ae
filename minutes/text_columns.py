"""Tables in text: columns standing side by side (pdftotext -layout, a copy from a PDF viewer) cut at their
columns, and tab-separated rows under a header. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from minutes.model import (
    Block,
    Cell,
    Paragraph,
    Row,
    Table,
)
from minutes.patterns import COLUMN_HEADERS, ColumnRole
from minutes.text_lines import PAGE_FURNITURE, URL, opens, paragraphs

# --- tables whose columns stand side by side ------------------------------------------------------------
# pdftotext -layout, or a copy from a PDF viewer, prints a table's cells side by side at fixed character
# columns, a cell's text wrapped over several lines in its own column:
#
#   Ärende        Åtgärd                       Ansvarig   Klart
#   Lokaler       Boka visning av de nya       BB         7/10
#                 lokalerna
#
# The header line gives the columns; each line is cut at them, and wrapped lines join their row's cells.

_CHUNK = re.compile(r"\S+(?: \S+)*")  # text between runs of two or more spaces
_ROW_NUMBER = re.compile(r"\d{1,3}[.)]?")
_COLUMN_SLACK = 3  # a cell's text may start this many characters left of its header
_LAYOUT_MAX_COLUMNS = 8
_LAYOUT_MAX_HEADER_WORDS = 5
_LAYOUT_MAX_BLANKS = 2  # more blank lines than this end the table (unless its header follows)
_LAYOUT_LOOKAHEAD = 8  # lines of page furniture a repeated header may follow
_HEADER_TAIL_WORD = re.compile(
    r"^(?:senast|datum|klart|när|vem|hur|ska|det|genomföras|genomfört|uppföljning|beslut|åtgärd|ansvarig"
    r"|/\s*\w+|\(\w+\))$",
    re.IGNORECASE,
)
# One run of upper-case words: 'DATUM', 'TYP AV DOKUMENT' (a table header has its titles further apart).
_PAGE_HEADER_LINE = re.compile(r"(?=.{4})[A-ZÅÄÖ][A-ZÅÄÖ/:.-]*(?: [A-ZÅÄÖ/:.-]+)*")
_JOINING_END = (",", "och", "&", "/", "-", "samt")
# Last words of a title line that runs on to the next ('Rekrytering av' / 'enhetschef').
_TITLE_RUN_ON = frozenset(
    "och att i på för med av till som under om från vid inom kring mot samt eller efter inför en ett den det"
    " de vår våra".split()
)


@dataclass(frozen=True, slots=True)
class _Chunk:
    start: int
    end: int
    text: str


@dataclass
class _LayoutRow:
    first_line: int
    last_line: int
    cells: dict[int, list[str]] = field(default_factory=dict)  # column → lines ('' between paragraphs)
    section: bool = False  # one text spanning the table, titling the rows below


@dataclass(frozen=True, slots=True)
class _Layout:
    titles: tuple[str, ...]
    first_titles: tuple[str, ...]  # the titles on the header's first line
    starts: tuple[int, ...]  # where each column's text starts
    roles: tuple[ColumnRole | None, ...]
    header_lines: frozenset[str]  # the header as printed, to recognise it repeated after a page break


def _chunks(line: str) -> list[_Chunk]:
    return [_Chunk(m.start(), m.end(), m.group()) for m in _CHUNK.finditer(line)]


def _role_of(title: str) -> ColumnRole | None:
    for role, pattern in COLUMN_HEADERS:
        if pattern.search(title):
            return role
    return None


def _layout_header(line: str) -> list[_Chunk] | None:
    """Column titles two or more spaces apart, naming at least two roles, one the owner or the action."""
    chunks = _chunks(line)
    if not 2 <= len(chunks) <= _LAYOUT_MAX_COLUMNS:
        return None
    if any(len(c.text.split()) > _LAYOUT_MAX_HEADER_WORDS for c in chunks):
        return None
    roles = [_role_of(c.text) for c in chunks]
    known = {r for r in roles if r is not None}
    named = sum(r is not None for r in roles)
    if len(known) < 2 or not known & {ColumnRole.OWNER, ColumnRole.ACTION} or named < 0.6 * len(chunks):
        return None
    return chunks


def layout_parts(lines: list[str], furniture: set[str]) -> list[list[str] | Table]:
    """The text split into runs of lines for the flat reader and the side-by-side tables between them."""
    raw, lines = lines, [line.replace("\f", "").expandtabs(8).rstrip() for line in lines]
    if not any("  " in line for line in lines):
        return [raw]  # no runs of spaces, no columns: the common flattened dump
    parts: list[list[str] | Table] = []
    flat_start = 0
    index = 0
    while index < len(lines):
        found = _tab_table(raw, index) if "\t" in raw[index] else None
        if found is None:
            header = _layout_header(lines[index]) if "  " in lines[index] else None
            found = _layout_table(lines, index, header, furniture) if header else None
        if found is None:
            index += 1
            continue
        table, end = found
        if flat_start < index:
            parts.append(raw[flat_start:index])
        parts.append(table)
        flat_start = index = end
    if flat_start < len(lines):
        parts.append(raw[flat_start:])  # the flat reader gets the lines as written ('\f' breaks a page)
    return parts


def _tab_table(lines: list[str], start: int) -> tuple[Table, int] | None:
    """A table copied from a spreadsheet or Word: cells separated by tabs, one row per line, under a header
    naming the columns ('Vad<TAB>Vem<TAB>När'). None when the line is no such header."""
    titles = [t.strip() for t in lines[start].strip("\n").split("\t")]
    while titles and not titles[-1]:
        titles.pop()
    roles = [_role_of(t) for t in titles if t]
    known = {r for r in roles if r is not None}
    if len(titles) < 2 or len(known) < 2 or not known & {ColumnRole.OWNER, ColumnRole.ACTION}:
        return None
    header = Row(cells=tuple(Cell(blocks=(Paragraph(t),), col=i) for i, t in enumerate(titles)), header=True)
    rows = [header]
    index = start + 1
    while index < len(lines) and "\t" in lines[index]:
        texts = [t.strip() for t in lines[index].split("\t")][: len(titles)]
        cells = tuple(
            Cell(blocks=(Paragraph(text),) if text else (), col=column) for column, text in enumerate(texts)
        )
        rows.append(Row(cells=cells))
        index += 1
    if len(rows) < 2:
        return None
    return Table(rows=tuple(rows)), index


def _layout_table(
    lines: list[str], start: int, header: list[_Chunk], furniture: set[str]
) -> tuple[Table, int] | None:
    """The table whose header is at `start`, and the index of the first line after it; None when the lines
    below do not hold cells in its columns."""
    layout, body_start = _read_header(lines, start, header)
    rows, end = _layout_rows(lines, body_start, layout, furniture)
    if not any(sum(1 for texts in row.cells.values() if any(texts)) >= 2 for row in rows):
        return None
    return _layout_to_table(layout, rows), end


def _read_header(lines: list[str], start: int, header: list[_Chunk]) -> tuple[_Layout, int]:
    """The columns of the header at `start` (wrapped titles joined: 'Klart' over 'senast'), and the index of
    the first line below it."""
    titles = [[c.text] for c in header]
    printed = {lines[start].strip()}
    index = start + 1
    while index < len(lines) and index - start <= 2:
        below = _chunks(lines[index])
        shouted = (
            lines[start].upper() == lines[start]
            and lines[index].upper() == lines[index]
            and all(sum(ch.isalpha() for ch in c.text) >= 4 for c in below)  # not initials, not dates
        )
        if not below or not (shouted or all(_HEADER_TAIL_WORD.match(c.text) for c in below)):
            break  # an upper-case header goes on in upper case ('IDENTIFIERAT' over 'FÖRBÄTTRINGSOMRÅDE')
        for chunk in below:
            titles[_column_at(chunk.start, [h.start for h in header])].append(chunk.text)
        printed.add(lines[index].strip())
        index += 1
    starts = _adjusted_starts([h.start for h in header], lines[index : index + 60])
    layout = _Layout(
        titles=tuple(" ".join(t) for t in titles),
        first_titles=tuple(c.text for c in header),
        starts=tuple(starts),
        roles=tuple(_role_of(" ".join(t)) for t in titles),
        header_lines=frozenset(printed),
    )
    return layout, index


def _column_at(position: int, starts: list[int]) -> int:
    column = 0
    for index, start in enumerate(starts):
        if position >= start - _COLUMN_SLACK:
            column = index
    return column


def _adjusted_starts(starts: list[int], body: list[str]) -> list[int]:
    """Header positions moved left to where the cells' text actually starts (a title may be centred)."""
    adjusted = list(starts)
    for line in body:
        for chunk in _chunks(line):
            for index in range(1, len(starts)):
                if starts[index] - _COLUMN_SLACK <= chunk.start < adjusted[index]:
                    adjusted[index] = chunk.start
    for index in range(1, len(adjusted)):  # columns stay in order with room between them
        adjusted[index] = max(adjusted[index], adjusted[index - 1] + 2)
    return adjusted


def _cut(line: str, starts: tuple[int, ...]) -> dict[int, str] | None:
    """The line's text per column; None when text runs across a column boundary (not a table line)."""
    cells: dict[int, list[str]] = {}
    chunks = _chunks(line)
    for chunk in chunks:
        position = chunk.start
        while position < chunk.end:
            column = max((i for i, s in enumerate(starts) if s <= position), default=0)
            following = starts[column + 1] if column + 1 < len(starts) else None
            if (
                following is not None
                and position == chunk.start
                and chunk.end > following
                and following - position < position - starts[column]
                and column + 1 not in cells
            ):
                # A cell whose text starts a little left of its column (its row sits further left).
                column += 1
                following = starts[column + 1] if column + 1 < len(starts) else None
            if following is None or chunk.end <= following:
                cells.setdefault(column, []).append(line[position : chunk.end])
                break
            if line[following - 1] != " " or len(chunks) == 1:
                # A word straddles the boundary, or one run of words crosses it with nothing else on the
                # line: running text, not cells. (Cells a single space apart are cut when others aren't.)
                return None
            cells.setdefault(column, []).append(line[position : following - 1])
            position = following
    return {column: " ".join(p.strip() for p in parts if p.strip()) for column, parts in cells.items()}


def _layout_rows(
    lines: list[str], start: int, layout: _Layout, furniture: set[str]
) -> tuple[list[_LayoutRow], int]:
    """Rows from the lines below the header: a row starts where the first column gets text after a blank
    line or after lines without it, or where the owner column gets a new owner on the next line; other
    lines continue it (after a blank line, as a new paragraph of the same cells)."""
    owner = next((i for i, r in enumerate(layout.roles) if r is ColumnRole.OWNER and i > 0), None)
    rows: list[_LayoutRow] = []
    blanks = 0
    previous_first: str | None = None  # the first column's text on the line above
    index = start
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        if not stripped or PAGE_FURNITURE.match(stripped) or stripped in furniture or URL.match(stripped):
            if not stripped:
                blanks += 1
            if blanks > _LAYOUT_MAX_BLANKS:
                resumed = _resumes_after_page_break(lines, index, layout, furniture)
                if resumed is None:
                    break
                index, blanks = resumed, 1
                continue
            index += 1
            continue
        if stripped in layout.header_lines:  # repeated at the top of the next page
            index += 1
            continue
        if _PAGE_HEADER_LINE.fullmatch(stripped) and _page_header_until_table(lines, index, layout):
            index += 1  # 'DATUM', 'TYP AV DOKUMENT' printed above the table's header on the next page
            continue
        header = _layout_header(line)
        if header is not None and tuple(c.text for c in header) == layout.first_titles:
            # The same header at other positions on the next page: the table goes on in its new columns.
            continued, index = _read_header(lines, index, header)
            layout = replace(layout, starts=continued.starts, header_lines=continued.header_lines)
            continue
        cells = _cut(line, layout.starts) if header is None else None
        if cells is None and header is None and _is_section_title(lines, index, layout, furniture):
            # One text across the columns between rows ('Förvaltningsövergripande frågor'): a section row.
            rows.append(_LayoutRow(first_line=index, last_line=index, cells={0: [stripped]}, section=True))
            previous_first, blanks = None, 0
            index += 1
            continue
        if cells is None:
            resumed = _resumes_after_page_break(lines, index, layout, furniture)
            if resumed is None:
                break
            index, blanks = resumed, 1
            continue
        current = rows[-1] if rows else None
        if previous_first is not None and _is_title_between_rows(
            cells, previous_first, lines, index, layout, furniture
        ):
            rows.append(_LayoutRow(first_line=index, last_line=index, cells={0: [cells[0]]}, section=True))
            previous_first, blanks = None, 0
            index += 1
            continue
        if current is None or _starts_row(cells, current, blanks > 0, previous_first, owner, layout.roles):
            current = _LayoutRow(first_line=index, last_line=index)
            rows.append(current)
        elif blanks:
            for column in cells:
                if current.cells.get(column):
                    current.cells[column].append("")  # a blank line inside the cell: a new paragraph
        for column, text in cells.items():
            current.cells.setdefault(column, []).append(text)
        current.last_line = index
        previous_first = cells.get(0)
        blanks = 0
        index += 1
    rows = _without_trailing_prose(rows, lines)
    return rows, (rows[-1].last_line + 1 if rows else start)


def _starts_row(
    cells: dict[int, str],
    row: _LayoutRow,
    after_blank: bool,
    previous_first: str | None,
    owner: int | None,
    roles: tuple[ColumnRole | None, ...],
) -> bool:
    if 0 in cells and (after_blank or previous_first is None):
        return True
    if 0 in cells and _ROW_NUMBER.fullmatch(cells[0]) and len(cells) >= 2:
        return True  # a numbered row ('4  Kalla till städdag  Ordf  v. 18')
    # Rows packed without blank lines: every cell of a row's first line starts afresh — but a date ('v. 18',
    # 'snarast') or an owner ('ordf') is often written in lower case.
    lower_case_allowed = {ColumnRole.DUE_DATE, ColumnRole.FOLLOW_UP_DATE, ColumnRole.TIME, ColumnRole.OWNER}
    if (
        0 in cells
        and len(cells) >= 2
        and opens(cells[0])
        and all(
            opens(text) or (column < len(roles) and roles[column] in lower_case_allowed)
            for column, text in cells.items()
        )
        and not (previous_first and _title_runs_on(previous_first))
    ):
        return True
    if after_blank or owner is None or owner not in cells or not row.cells.get(owner):
        return False
    owner_so_far = " ".join(row.cells[owner]).rstrip()
    if owner_so_far.endswith(_JOINING_END):
        return False  # 'AA, BB och' wraps onto 'CC'
    others = [text for column, text in cells.items() if column != owner]
    # A new owner opens a row when the line's other text starts afresh; a name alone stacks under the last.
    return bool(others) and all(opens(text) for text in others)


def _is_section_title(lines: list[str], index: int, layout: _Layout, furniture: set[str]) -> bool:
    """A single run of text across the columns, with table rows going on below it."""
    if len(_chunks(lines[index])) != 1 or len(lines[index].split()) > _LAYOUT_MAX_HEADER_WORDS:
        return False
    for ahead in range(index + 1, min(len(lines), index + _LAYOUT_LOOKAHEAD)):
        stripped = lines[ahead].strip()
        if not stripped or PAGE_FURNITURE.match(stripped) or stripped in furniture:
            continue
        cells = _cut(lines[ahead], layout.starts)
        return cells is not None and len(cells) >= 2
    return False


def _title_runs_on(text: str) -> bool:
    """A first-column line that goes on below ('Rekrytering av' / 'Myndighetschef')."""
    return text.endswith((",", "-", "–", "/", "&", "(")) or text.rsplit(None, 1)[-1].lower() in _TITLE_RUN_ON


def _is_title_between_rows(
    cells: dict[int, str], above: str, lines: list[str], index: int, layout: _Layout, furniture: set[str]
) -> bool:
    """A short title alone in the first column, right under a row's first-column text that does not run on
    ('Budget' over 'Politik'), with a new row starting below it: a section title, not a wrapped cell."""
    text = cells.get(0, "")
    if set(cells) != {0} or not text[:1].isupper() or any(ch.isdigit() for ch in text):
        return False  # a section is named in words ('Politik'); '28 EC > 40 underställda' is a cell's line
    if len(text.split()) > _LAYOUT_MAX_HEADER_WORDS:
        return False
    if _title_runs_on(above):
        return False
    for ahead in range(index + 1, min(len(lines), index + _LAYOUT_LOOKAHEAD)):
        stripped = lines[ahead].strip()
        if not stripped or PAGE_FURNITURE.match(stripped) or stripped in furniture:
            continue
        below = _cut(lines[ahead], layout.starts)
        return below is not None and 0 in below and len(below) >= 2 and all(opens(t) for t in below.values())
    return False


def _page_header_until_table(lines: list[str], index: int, layout: _Layout) -> bool:
    """Only upper-case page-header lines between here and the table's header repeated."""
    for ahead in range(index, min(len(lines), index + _LAYOUT_LOOKAHEAD)):
        stripped = lines[ahead].strip()
        if stripped in layout.header_lines:
            return True
        header = _layout_header(lines[ahead]) if "  " in lines[ahead] else None
        if header is not None:
            return tuple(c.text for c in header) == layout.first_titles
        if stripped and not _PAGE_HEADER_LINE.fullmatch(stripped) and not PAGE_FURNITURE.match(stripped):
            return False
    return False


def _resumes_after_page_break(
    lines: list[str], index: int, layout: _Layout, furniture: set[str]
) -> int | None:
    """The index after the table's header repeated past page furniture below `index`, if it is."""
    for ahead in range(index, min(len(lines), index + _LAYOUT_LOOKAHEAD)):
        stripped = lines[ahead].strip()
        if stripped in layout.header_lines:
            return ahead + 1
        if stripped and not (PAGE_FURNITURE.match(stripped) or stripped in furniture or URL.match(stripped)):
            return None
    return None


def _is_trailing_prose(row: _LayoutRow, lines: list[str]) -> bool:
    """A last row with text in the first column only, after a blank line: prose below the table."""
    return set(row.cells) == {0} and row.first_line > 0 and not lines[row.first_line - 1].strip()


def _without_trailing_prose(rows: list[_LayoutRow], lines: list[str]) -> list[_LayoutRow]:
    while len(rows) > 1 and _is_trailing_prose(rows[-1], lines):
        rows.pop()
    return rows


def _layout_to_table(layout: _Layout, rows: list[_LayoutRow]) -> Table:
    header = Row(
        cells=tuple(Cell(blocks=(Paragraph(title),), col=i) for i, title in enumerate(layout.titles)),
        header=True,
    )
    out = [header]
    for row in rows:
        if row.section or (set(row.cells) == {0} and len(row.cells[0]) == 1):
            # A title alone on one line between rows heads the rows below it, as a merged row does.
            title = Cell(blocks=(Paragraph(row.cells[0][0]),), col=0, span=len(layout.titles))
            out.append(Row(cells=(title,)))
            continue
        cells = []
        for column in range(len(layout.titles)):
            texts = row.cells.get(column, [])
            if layout.roles[column] is ColumnRole.OWNER:
                texts = _glue_broken_words(texts)
            blocks: list[Block] = []
            for paragraph in "\n".join(texts).split("\n\n"):
                if paragraph.strip():
                    blocks.extend(paragraphs([line for line in paragraph.split("\n") if line]))
            cells.append(Cell(blocks=tuple(blocks), col=column))
        out.append(Row(cells=tuple(cells)))
    return Table(rows=tuple(out))


def _glue_broken_words(lines: list[str]) -> list[str]:
    """A narrow owner column breaks a long word without a hyphen ('Myndighetsche' over 'f'): a line of one
    or two lower-case letters ends the word above it."""
    out: list[str] = []
    for line in lines:
        if out and out[-1][-1:].isalpha() and len(line) <= 2 and line.isalpha() and line.islower():
            out[-1] += line
        else:
            out.append(line)
    return out
