"""Read text dumps of minutes (.txt): rows of flattened tables recovered from owner anchors, tables whose
columns stand side by side (pdftotext -layout) cut at their columns. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
from minutes.patterns import ORGANISATION_ABBREVIATIONS, ROLE_SUFFIX
from minutes.text import squash, tidy_lines
from minutes.text_columns import layout_parts
from minutes.text_lines import PAGE_FURNITURE, URL, paragraphs, prose_paragraphs

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
    for part in layout_parts(lines, furniture):
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
            out.extend(prose_paragraphs(block, width))
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
        if URL.match(raw) or PAGE_FURNITURE.match(raw) or raw in furniture:
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
            Cell(blocks=tuple(p for chunk in row.body for p in paragraphs(chunk.split("\n"))), col=0),
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
