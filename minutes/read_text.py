"""Read text dumps of minutes (.txt): rows of flattened tables recovered from owner anchors, tables whose
columns stand side by side (pdftotext -layout) cut at their columns. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from minutes.attendance import parse_roster
from minutes.model import (
    MSG_EMPTY,
    Block,
    Cell,
    Paragraph,
    ParsedDocument,
    Row,
    Table,
    UnreadableDocument,
)
from minutes.patterns import COLUMN_HEADERS, ORGANISATION_ABBREVIATIONS, ROLE_SUFFIX, ColumnRole
from minutes.text import squash, strip_bullet, tidy_lines

MAX_TEXT_BYTES = 5_000_000

# Words of table headers; a line holding two or more of them (one naming the owner or the action) is a header.
_HEADER_WORD = re.compile(
    r"\b(rubrik|information|anteckning(?:ar)?|åtgärd(?:/beslut)?|beslut|ansvarig|ärende(?:/dialog)?|dialog"
    r"|tid|datum|målgrupp|resultat|uppföljning|genomfört|planerad|identifierat|förbättringsområde|område"
    r"|punkt|när|status|kommentar)\b",
    re.IGNORECASE,
)
_KEY_HEADER_WORD = re.compile(r"\b(ansvarig|åtgärd|beslut)", re.IGNORECASE)
_OWNER_HEADER_WORD = re.compile(r"\bansvarig\b", re.IGNORECASE)
_URL = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")
_PAGE_FURNITURE = re.compile(r"^\s*(?:SID\s*\d+\s*\(\d+\)|\d+\s*\(\d+\)|sida \d+ av \d+)\s*$", re.IGNORECASE)
_TIME_SLOT = re.compile(r"^\s*(?:kl\.?\s*)?\d{1,2}[.:]\d{2}\s*[-–]", re.IGNORECASE)
_DATE = r"(?:\d+\)\s*)?(?:\d{4}-\d{2}-\s?\d{2}|\d{1,2}/\d{1,2}(?:-\d{2,4})?)"
_DATE_LABEL = r"(?:uppföljning|utvärdering|klart|senast|genomfört)\s*:?"
# Dates after the owner, possibly labelled: 'HR-chef 2019-11-30 Uppföljning:' (the date on the next line).
_DATE_TAIL = rf"(?:\s+(?:{_DATE_LABEL}\s*)?{_DATE})*(?:\s+{_DATE_LABEL})?"
_DATES_ONLY = re.compile(rf"^(?:\s*(?:{_DATE_LABEL}\s*)?{_DATE})+\s*$", re.IGNORECASE)


@dataclass
class _OpenRow:
    body: list[str] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)


def read_text(data: bytes) -> ParsedDocument:
    """Paragraphs outside tables; a table whose columns stand side by side cut at its columns; inside a
    flattened table region, rows closed by their owner block."""
    if len(data) > MAX_TEXT_BYTES:
        raise UnreadableDocument("Textfilen är för stor för att vara ett protokoll")
    text = _decode(data)
    if not text.strip():
        raise UnreadableDocument(MSG_EMPTY)
    roster = parse_roster(text)
    owner_token = _owner_token_pattern(roster.initials)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    furniture = _repeated_furniture(tidy_lines("\n".join(lines)).split("\n"))
    out: list[Block] = []
    # The widest line tells a line broken by hand from one wrapped at the margin.
    width = max((len(line.rstrip()) for line in lines), default=0)
    for part in _layout_parts(lines, furniture):
        if isinstance(part, Table):
            out.append(part)
        else:
            out.extend(_read_flat(part, owner_token, furniture, width))
    return ParsedDocument(blocks=tuple(out), source_format="text")


def _read_flat(
    lines: list[str], owner_token: re.Pattern[str], furniture: set[str], width: int = 0
) -> list[Block]:
    blocks = _blocks(lines, furniture)
    out: list[Block] = []
    table_rows: list[_OpenRow] | None = None
    header: tuple[str, ...] = ()
    current = _OpenRow()
    index = 0
    while index < len(blocks):
        block = blocks[index]
        header_end = _header_span(blocks, index)
        if header_end is not None:
            new_header = _header_cells(" ".join(" ".join(b) for b in blocks[index:header_end]))
            if table_rows is not None and new_header == header:
                index = header_end  # a header repeated after a page break continues the table
                continue
            if table_rows is not None:
                _close(table_rows, current)
                out.append(_table(header, table_rows))
            table_rows, header, current = [], new_header, _OpenRow()
            index = header_end
            continue
        if table_rows is None:
            out.extend(_prose_paragraphs(block, width))
            index += 1
            continue
        current = _consume(block, current, table_rows, owner_token)
        index += 1
    if table_rows is not None:
        _close(table_rows, current)
        out.append(_table(header, table_rows))
    return out


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableDocument("Textfilen har en okänd teckenkodning")


def _blocks(raw_lines: list[str], furniture: set[str]) -> list[list[str]]:
    """Runs of non-blank lines, without link lines and page numbers."""
    blocks: list[list[str]] = []
    current: list[str] = []
    lines = tidy_lines("\n".join(raw_lines)).split("\n")
    for raw in lines:
        if _URL.match(raw) or _PAGE_FURNITURE.match(raw) or raw in furniture:
            continue
        if _is_header_line(raw):
            # A header glued between a section title and the first row stands on its own.
            if current:
                blocks.append(current)
            blocks.append([raw.strip()])
            current = []
        elif raw.strip():
            current.append(raw.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _repeated_furniture(lines: list[str]) -> set[str]:
    """Upper-case lines printed on several pages ('DATUM', 'TYP AV DOKUMENT') are page headers."""
    counts: dict[str, int] = {}
    for line in lines:
        if re.fullmatch(r"[A-ZÅÄÖ ]{5,}", line) and re.search(r"[A-ZÅÄÖ]{4,}", line):
            counts[line] = counts.get(line, 0) + 1
    return {line for line, count in counts.items() if count >= 2}


def _is_header_line(line: str) -> bool:
    return (
        len(line) <= 90
        and len(set(m.lower() for m in _HEADER_WORD.findall(line))) >= 2
        and (_KEY_HEADER_WORD.search(line) is not None or len(line) <= 30)
        and _HEADER_WORD.match(line.strip()) is not None
    )


def _header_span(blocks: list[list[str]], start: int) -> int | None:
    """If a table header starts at this block, the index of the first block after it."""
    first = blocks[start][0]
    if len(first) > 90 or len(set(m.lower() for m in _HEADER_WORD.findall(first))) < 2:
        return None
    # A header may continue over a few short blocks ('Hur ska / beslutet / kommuniceras', 'Ansvarig').
    words = " ".join(blocks[start])
    end = start + 1
    while (
        not _OWNER_HEADER_WORD.search(words)
        and end < len(blocks)
        and end - start < 7
        and all(len(line) < 40 for line in blocks[end])
    ):
        words += " " + " ".join(blocks[end])
        end += 1
    if not _OWNER_HEADER_WORD.search(words):
        return start + 1 if _KEY_HEADER_WORD.search(first) and len(blocks[start]) == 1 else None
    if len(blocks[start]) > 1 and not all(_HEADER_WORD.search(line) for line in blocks[start][1:3]):
        return None
    # Trailing header-only blocks ('UPPFÖLJNING / DATUM') belong to the header too.
    while end < len(blocks) and all(_HEADER_WORD.fullmatch(line.strip()) for line in blocks[end]):
        end += 1
    return end


def _header_cells(words: str) -> tuple[str, ...]:
    """The text dump glues the header; the body of a row is read as the action column."""
    cells = ["Åtgärd", "Ansvarig"]
    lowered = words.lower()
    if re.search(r"genomfört|klart senast|datum|när ska", lowered):
        cells.append("Genomfört datum")
    if "uppföljning" in lowered:
        cells.append("Uppföljning datum")
    return tuple(cells)


def _owner_token_pattern(initials: frozenset[str]) -> re.Pattern[str]:
    if initials:
        initial = "|".join(sorted(initials, key=len, reverse=True))
    else:
        excluded = "|".join(sorted(ORGANISATION_ABBREVIATIONS))
        initial = rf"(?!(?:{excluded})\b)[A-ZÅÄÖ]{{2,3}}"
    return re.compile(rf"(?:{initial}|Alla|Samtliga|Gemensamt ansvar)(?![\wÅÄÖåäö-])")


def _owner_list(owner_token: re.Pattern[str]) -> str:
    token = owner_token.pattern
    return rf"{token}(?:\s*(?:,|och|&|\s)\s*{token})*"


def _consume(
    block: list[str], current: _OpenRow, rows: list[_OpenRow], owner_token: re.Pattern[str]
) -> _OpenRow:
    flat = squash("\n".join(block))
    owners = _owner_list(owner_token)
    role_only = re.fullmatch(
        rf"((?:[A-ZÅÄÖ][\wåäö-]*\s)?[\wåäöÅÄÖ-]*{ROLE_SUFFIX}(?:\s*/\s*[\wåäö-]+|\s+för\s+[\wåäö ]{{3,60}})?)"
        rf"({_DATE_TAIL})",
        flat,
        re.IGNORECASE,
    )
    if _DATES_ONLY.match(flat) and not current.body and rows:
        rows[-1].dates.append(flat)
        return current
    whole_owner = re.fullmatch(rf"({owners})({_DATE_TAIL})", flat)
    if whole_owner or role_only:
        match = whole_owner or role_only
        assert match is not None
        return _close_row(current, rows, match.group(1), match.group(2))
    last = block[-1]
    # 'inom ÄO', 'för HR': after a preposition the letters are the text's, not an owner cell.
    tail = re.search(
        rf"(?:^|(?<!\binom)(?<!\bför)(?<!\bi)(?<!\bpå)(?<!\bav)(?<!\bmed)\s)({owners})({_DATE_TAIL})\s*$",
        last,
    )
    if tail:
        head = last[: tail.start()].rstrip()
        body_lines = [*block[:-1], head] if head else block[:-1]
        if body_lines:
            current.body.append("\n".join(body_lines))
        return _close_row(current, rows, tail.group(1), tail.group(2))
    if _TIME_SLOT.match(block[0]) and current.body:
        rows.append(current)
        current = _OpenRow()
    current.body.append("\n".join(block))
    return current


def _close_row(current: _OpenRow, rows: list[_OpenRow], owners: str, dates: str) -> _OpenRow:
    """An owner block ends the open row; with no open row it adds to the last one ('TU' then 'SR')."""
    target = current if current.body or not rows else rows[-1]
    target.owners.append(owners)
    if dates.strip():
        target.dates.append(dates.strip())
    if current.body:
        rows.append(current)
        return _OpenRow()
    return current


def _close(rows: list[_OpenRow], current: _OpenRow) -> None:
    if current.body:
        rows.append(current)


def _table(header: tuple[str, ...], rows: list[_OpenRow]) -> Table:
    header_row = Row(
        cells=tuple(Cell(blocks=(Paragraph(h),), col=i) for i, h in enumerate(header)), header=True
    )
    out = [header_row]
    for row in rows:
        cells = [
            Cell(blocks=tuple(p for chunk in row.body for p in _paragraphs(chunk.split("\n"))), col=0),
            Cell(blocks=tuple(Paragraph(o) for o in row.owners), col=1),
        ]
        dates = " ".join(row.dates)
        split = _split_dates(dates, len(header) - 2)
        cells.extend(Cell(blocks=(Paragraph(d),) if d else (), col=2 + i) for i, d in enumerate(split))
        out.append(Row(cells=tuple(cells)))
    return Table(rows=tuple(out))


def _split_dates(dates: str, columns: int) -> list[str]:
    """Dates after the owner fill the date columns left to right; numbered ones stay together."""
    if columns <= 0:
        return []
    if re.search(r"\d\)\s*\d", dates):
        return [dates] + [""] * (columns - 1)
    found = re.findall(_DATE, dates)
    first = found[0] if found else ""
    rest = " ".join(found[1:])
    return ([first, rest] + [""] * columns)[:columns]


def _prose_paragraphs(lines: list[str], width: int = 0) -> list[Paragraph]:
    """A block of running text; a short first line over longer text is its heading."""
    if len(lines) > 1 and _is_heading_line(lines[0], lines[1:]):
        # One heading per block: the next short line is already text ('Första träffen fortsätter vi …').
        return [Paragraph(lines[0], heading=True), *_paragraphs(lines[1:], width)]
    return _paragraphs(lines, width)


def _is_heading_line(line: str, rest: list[str]) -> bool:
    widest = max(len(other) for other in rest)
    return (
        len(line) <= 70
        and len(line.split()) <= 9
        and not re.search(r"[.,;:!?-]$", line)
        and rest[0][:1].isupper()
        and (widest > len(line) + 10 or len(rest) == 1)
        and not line.endswith((" och", " att", " i", " på", " för", " med", " av", " till"))
    )


def _paragraphs(lines: list[str], width: int = 0) -> list[Paragraph]:
    """Lines of one block as paragraphs: a bullet or a numbered '1)' line starts a new one, a '§ 4 Ekonomi'
    line is a heading of its own, and a line after a finished sentence starts a new paragraph (notes written
    line by line without blank lines between them)."""
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    is_list = False
    for line in lines:
        stripped, bullet = strip_bullet(line)
        numbered = re.match(r"^\d{1,2}\)\s", line) is not None
        if _SECTION_LINE.match(line) and not re.search(r"[.,;:!?]$", line):
            if current:
                paragraphs.append(Paragraph("\n".join(current), list_item=is_list))
            paragraphs.append(Paragraph(line, heading=True))
            current, is_list = [], False
            continue
        after_sentence = bool(current) and (
            (_opens(line) and _SENTENCE_END.search(current[-1]) is not None)
            or (line[:1].isupper() and _broken_by_hand(current[-1], line, width))
            # A line in lower case after one that stops far short of the margin starts afresh too
            # ('… senast 28/2' / 'vi ska inte byta städfirma').
            or _broken_by_hand(current[-1], line, width * 6 // 10)
        )
        if (bullet or numbered or after_sentence) and current:
            paragraphs.append(Paragraph("\n".join(current), list_item=is_list))
            current = []
            is_list = False
        if bullet or numbered:
            is_list = True
        current.append(stripped if bullet else line)
    if current:
        paragraphs.append(Paragraph("\n".join(current), list_item=is_list))
    return paragraphs


def _broken_by_hand(line: str, following: str, width: int) -> bool:
    """A line that stops before the margin although the next line's first word would have fitted: notes
    written one statement per line ('Ahmed fixar listan' / 'Jenny pratar med fastighet'), not prose wrapped."""
    words = following.split()
    return (
        width > 0
        and bool(words)
        and not line.rstrip().endswith((",", ";", ":", "-", "–", "/", "&", "(", " och", " att", " samt"))
        and len(line.rstrip()) + 1 + len(words[0]) <= width
    )


_SECTION_LINE = re.compile(r"^§\s*\d+[a-z]?\s+\S")  # '§ 4 Ekonomi'
_SENTENCE_END = re.compile(r"[.!?]$")


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


def _layout_parts(lines: list[str], furniture: set[str]) -> list[list[str] | Table]:
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
        if not stripped or _PAGE_FURNITURE.match(stripped) or stripped in furniture or _URL.match(stripped):
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
        and _opens(cells[0])
        and all(
            _opens(text) or (column < len(roles) and roles[column] in lower_case_allowed)
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
    return bool(others) and all(_opens(text) for text in others)


def _opens(text: str) -> bool:
    """Text that starts a cell rather than continues one: a capital, a digit, a bullet or a quote."""
    first = text[:1]
    return first.isupper() or first.isdigit() or first in "\"“”'«(" or strip_bullet(text)[1]


def _is_section_title(lines: list[str], index: int, layout: _Layout, furniture: set[str]) -> bool:
    """A single run of text across the columns, with table rows going on below it."""
    if len(_chunks(lines[index])) != 1 or len(lines[index].split()) > _LAYOUT_MAX_HEADER_WORDS:
        return False
    for ahead in range(index + 1, min(len(lines), index + _LAYOUT_LOOKAHEAD)):
        stripped = lines[ahead].strip()
        if not stripped or _PAGE_FURNITURE.match(stripped) or stripped in furniture:
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
        if not stripped or _PAGE_FURNITURE.match(stripped) or stripped in furniture:
            continue
        below = _cut(lines[ahead], layout.starts)
        return below is not None and 0 in below and len(below) >= 2 and all(_opens(t) for t in below.values())
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
        if stripped and not _PAGE_HEADER_LINE.fullmatch(stripped) and not _PAGE_FURNITURE.match(stripped):
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
        if stripped and not (
            _PAGE_FURNITURE.match(stripped) or stripped in furniture or _URL.match(stripped)
        ):
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
                    blocks.extend(_paragraphs([line for line in paragraph.split("\n") if line]))
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
