"""ParsedDocument and Extraction to and from JSON-ready dicts: the public JSON of an extraction (the command line's),
and lossless forms for handing them across a process boundary. Pure."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from minutes.formats import FORMATS
from minutes.model import (
    ActionItem,
    Block,
    Cell,
    DateSource,
    Due,
    Extraction,
    ItemKind,
    Meeting,
    Paragraph,
    ParsedDocument,
    Person,
    Relative,
    Row,
    Source,
    Table,
)

__all__ = [
    "document_from_json",
    "document_to_json",
    "extraction_from_wire",
    "extraction_to_json",
    "extraction_to_wire",
    "meeting_to_json",
]

SOURCE_FORMATS = frozenset(document_format.name for document_format in FORMATS)

T = TypeVar("T")


def document_to_json(document: ParsedDocument) -> dict[str, Any]:
    return {"source_format": document.source_format, "blocks": [_block_to_json(b) for b in document.blocks]}


def document_from_json(data: dict[str, Any]) -> ParsedDocument:
    """The inverse of document_to_json. Raises ValueError on anything it did not produce."""
    source_format = data.get("source_format")
    if source_format not in SOURCE_FORMATS:
        raise ValueError(f"unknown source_format {source_format!r}")
    return ParsedDocument(blocks=_blocks_from_json(data.get("blocks")), source_format=source_format)


def meeting_to_json(meeting: Meeting) -> dict[str, Any]:
    return {
        "body": meeting.body,
        "date": meeting.date.isoformat() if meeting.date else None,
        "date_source": meeting.date_source.value if meeting.date_source else None,
        "title": meeting.title,
        "people": [{"name": p.name, "initials": p.initials, "role": p.role} for p in meeting.people],
    }


def extraction_to_json(extraction: Extraction) -> dict[str, Any]:
    """The public JSON of an extraction, as `minutesbot extract --json` prints it (README, the customer's scorer):
    each item's due date flat (`due`, `due_raw`, `due_relative`) and its source as a key ('t11.r1.c2.0')."""
    return {
        "meeting": meeting_to_json(extraction.meeting),
        "items": [
            {
                "kind": item.kind.value,
                "topic": item.topic,
                "text": item.text,
                "owners": list(item.owners),
                "actors": list(item.actors),
                "due": item.due.date.isoformat() if item.due and item.due.date else None,
                "due_raw": item.due.raw if item.due else None,
                "due_relative": item.due.relative.value if item.due and item.due.relative else None,
                "source": item.source.key(),
            }
            for item in extraction.items
        ],
    }


def extraction_to_wire(extraction: Extraction) -> dict[str, Any]:
    """Every field of an extraction, for extraction_from_wire in another process (the sandbox's answer): the
    public meeting, and items with their context and their source as numbers."""
    return {
        "meeting": meeting_to_json(extraction.meeting),
        "items": [_item_to_json(i) for i in extraction.items],
    }


def extraction_from_wire(data: dict[str, Any]) -> Extraction:
    """The inverse of extraction_to_wire. Raises ValueError on anything it did not produce."""
    meeting = _dict(data.get("meeting"), "meeting")
    people = tuple(
        Person(
            name=_typed(person.get("name"), str, "name"),
            initials=_optional(person.get("initials"), str, "initials"),
            role=_optional(person.get("role"), str, "role"),
        )
        for person in (_dict(p, "person") for p in _list(meeting.get("people"), "people"))
    )
    return Extraction(
        meeting=Meeting(
            body=_optional(meeting.get("body"), str, "body"),
            date=_date(meeting.get("date")),
            people=people,
            title=_optional(meeting.get("title"), str, "title"),
            date_source=_date_source(meeting.get("date_source")),
        ),
        items=tuple(_item_from_json(item) for item in _list(data.get("items"), "items")),
    )


def _item_to_json(item: ActionItem) -> dict[str, Any]:
    due = item.due
    return {
        "kind": item.kind.value,
        "topic": item.topic,
        "text": item.text,
        "owners": list(item.owners),
        "actors": list(item.actors),
        "context": item.context,
        "due": None
        if due is None
        else {
            "raw": due.raw,
            "date": due.date.isoformat() if due.date else None,
            "relative": due.relative.value if due.relative else None,
        },
        "source": [item.source.block, item.source.row, item.source.column, item.source.part],
    }


def _item_from_json(data: object) -> ActionItem:
    item = _dict(data, "item")
    due_data = item.get("due")
    due = None
    if due_data is not None:
        due_fields = _dict(due_data, "due")
        relative = _optional(due_fields.get("relative"), str, "relative")
        due = Due(
            raw=_typed(due_fields.get("raw"), str, "raw"),
            date=_date(due_fields.get("date")),
            relative=Relative(relative) if relative is not None else None,
        )
    block, row, column, part = _list(item.get("source"), "source")
    return ActionItem(
        kind=ItemKind(_typed(item.get("kind"), str, "kind")),
        topic=_typed(item.get("topic"), str, "topic"),
        text=_typed(item.get("text"), str, "text"),
        owners=tuple(_typed(o, str, "owner") for o in _list(item.get("owners"), "owners")),
        due=due,
        source=Source(
            block=_integer(block, "block"),
            row=None if row is None else _integer(row, "row"),
            column=None if column is None else _integer(column, "column"),
            part=_integer(part, "part"),
        ),
        actors=tuple(_typed(a, str, "actor") for a in _list(item.get("actors"), "actors")),
        context=_typed(item.get("context"), str, "context"),
    )


def _date_source(value: object) -> DateSource | None:
    text = _optional(value, str, "date_source")
    return DateSource(text) if text else None


def _date(value: object) -> date | None:
    return None if value is None else date.fromisoformat(_typed(value, str, "date"))


def _integer(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} is not an integer")
    return value


def _optional(value: object, kind: type[T], what: str) -> T | None:
    return None if value is None else _typed(value, kind, what)


def _block_to_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {
            "type": "paragraph",
            "text": block.text,
            "list_item": block.list_item,
            "heading": block.heading,
            "level": block.level,
        }
    return {"type": "table", "rows": [_row_to_json(row) for row in block.rows]}


def _row_to_json(row: Row) -> dict[str, Any]:
    return {"header": row.header, "cells": [_cell_to_json(cell) for cell in row.cells]}


def _cell_to_json(cell: Cell) -> dict[str, Any]:
    return {
        "col": cell.col,
        "span": cell.span,
        "merged_from_above": cell.merged_from_above,
        "blocks": [_block_to_json(b) for b in cell.blocks],
    }


def _blocks_from_json(data: object) -> tuple[Block, ...]:
    return tuple(_block_from_json(item) for item in _list(data, "blocks"))


def _block_from_json(data: object) -> Block:
    block = _dict(data, "block")
    kind = block.get("type")
    if kind == "paragraph":
        return Paragraph(
            text=_typed(block.get("text"), str, "text"),
            list_item=_typed(block.get("list_item", False), bool, "list_item"),
            heading=_typed(block.get("heading", False), bool, "heading"),
            level=_level(block.get("level", 0)),
        )
    if kind == "table":
        return Table(rows=tuple(_row_from_json(row) for row in _list(block.get("rows"), "rows")))
    raise ValueError(f"unknown block type {kind!r}")


def _level(value: object) -> int:
    level = _integer(value, "level")
    if level < 0:
        raise ValueError("negative level")
    return level


def _row_from_json(data: object) -> Row:
    row = _dict(data, "row")
    return Row(
        cells=tuple(_cell_from_json(cell) for cell in _list(row.get("cells"), "cells")),
        header=_typed(row.get("header", False), bool, "header"),
    )


def _cell_from_json(data: object) -> Cell:
    cell = _dict(data, "cell")
    col = _typed(cell.get("col", 0), int, "col")
    span = _typed(cell.get("span", 1), int, "span")
    if isinstance(col, bool) or isinstance(span, bool) or col < 0 or span < 1:
        raise ValueError("bad cell position")
    return Cell(
        blocks=_blocks_from_json(cell.get("blocks")),
        col=col,
        span=span,
        merged_from_above=_typed(cell.get("merged_from_above", False), bool, "merged_from_above"),
    )


def _dict(data: object, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError(f"{what} is not an object")
    return data


def _list(data: object, what: str) -> list[Any]:
    if not isinstance(data, list):
        raise ValueError(f"{what} is not a list")
    return data


def _typed(value: object, kind: type[T], what: str) -> T:
    if not isinstance(value, kind):
        raise ValueError(f"{what} is not a {kind.__name__}")
    return value
