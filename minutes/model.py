"""Domain types of the core: the parsed document, meeting metadata and extracted items. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from minutes.errors import UserFacingError


class DocumentError(UserFacingError):
    """A document that cannot be read. `message` is one Swedish line fit to show a user."""


class UnsafeDocument(DocumentError):
    """A document refused before parsing: zip bomb, too large, too many pages."""


class UnreadableDocument(DocumentError):
    """Corrupt, encrypted, password-protected, image-only, empty or of an unsupported type."""


MSG_EMPTY = "Filen är tom"


class NotMinutes(DocumentError):
    """Readable, but nothing in it looks like meeting minutes."""


@dataclass(frozen=True, slots=True)
class Paragraph:
    """One paragraph of text. `list_item` marks bullets and numbered items (from Word or a bullet glyph);
    `level` is a list item's nesting depth (0: top level), where the source tells it."""

    text: str
    list_item: bool = False
    heading: bool = False
    level: int = 0


@dataclass(frozen=True, slots=True)
class Cell:
    """A table cell: its own blocks (paragraphs and nested tables) and its place in the grid."""

    blocks: tuple[Block, ...]
    col: int = 0
    span: int = 1
    merged_from_above: bool = False

    @property
    def text(self) -> str:
        return "\n".join(block_text(b) for b in self.blocks).strip()


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    header: bool = False  # marked as a repeating header row in the source

    @property
    def texts(self) -> tuple[str, ...]:
        return tuple(c.text for c in self.cells)


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[Row, ...]


Block = Paragraph | Table


def block_text(block: Block) -> str:
    if isinstance(block, Paragraph):
        return block.text
    return "\n".join("\t".join(row.texts) for row in block.rows)


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """A minutes document in reading order, whatever format it came from."""

    blocks: tuple[Block, ...]
    source_format: str  # a minutes.formats name: "docx" | "pdf" | "text" | "markdown"

    def text(self) -> str:
        return "\n".join(block_text(b) for b in self.blocks)


class ItemKind(StrEnum):
    ACTION = "action"
    DECISION = "decision"
    FOLLOW_UP = "follow_up"


class Relative(StrEnum):
    NEXT_MEETING = "next_meeting"


@dataclass(frozen=True, slots=True)
class Due:
    """A due-date phrase as written and what it means. `date` is None for vague or relative phrases."""

    raw: str
    date: date | None
    relative: Relative | None = None


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    initials: str | None = None
    role: str | None = None


class DateSource(StrEnum):
    """Where a meeting's date came from; only the first two are the meeting's own (GOLD_FORMAT)."""

    DOCUMENT = "document"
    FILE_NAME = "file_name"
    REFERENCE = "reference"  # the date the caller passed: the SharePoint file's date, --reference-date
    FILE_DATE = "file_date"  # the file's own timestamp


@dataclass(frozen=True, slots=True)
class Meeting:
    body: str | None  # FLG, FSG, FSG/VSG, …
    date: date | None  # as the document or its file name gives it; None when neither does
    people: tuple[Person, ...] = ()
    title: str | None = None
    date_source: DateSource | None = None  # DOCUMENT or FILE_NAME when `date` is set


@dataclass(frozen=True, slots=True)
class Source:
    """Where an item came from: a table cell (table, row, column) or a top-level paragraph."""

    block: int
    row: int | None = None
    column: int | None = None
    part: int = 0  # the n-th item cut from the same cell or paragraph

    def key(self) -> str:
        if self.row is None:
            return f"p{self.block}.{self.part}"
        return f"t{self.block}.r{self.row}.c{self.column}.{self.part}"


@dataclass(frozen=True, slots=True)
class ActionItem:
    kind: ItemKind
    topic: str
    text: str
    owners: tuple[str, ...]
    due: Due | None
    source: Source
    actors: tuple[str, ...] = ()
    context: str = ""


@dataclass(frozen=True, slots=True)
class Extraction:
    meeting: Meeting
    items: tuple[ActionItem, ...] = field(default_factory=tuple)
