"""ParsedDocument to and from JSON-ready dicts, for handing a document across a process boundary. Pure."""

from __future__ import annotations

from typing import Any, TypeVar

from minutes.model import Block, Cell, Paragraph, ParsedDocument, Row, Table

__all__ = ["document_from_json", "document_to_json"]

SOURCE_FORMATS = frozenset({"docx", "pdf", "text"})

T = TypeVar("T")


def document_to_json(document: ParsedDocument) -> dict[str, Any]:
    return {"source_format": document.source_format, "blocks": [_block_to_json(b) for b in document.blocks]}


def document_from_json(data: dict[str, Any]) -> ParsedDocument:
    """The inverse of document_to_json. Raises ValueError on anything it did not produce."""
    source_format = data.get("source_format")
    if source_format not in SOURCE_FORMATS:
        raise ValueError(f"unknown source_format {source_format!r}")
    return ParsedDocument(blocks=_blocks_from_json(data.get("blocks")), source_format=source_format)


def _block_to_json(block: Block) -> dict[str, Any]:
    if isinstance(block, Paragraph):
        return {
            "type": "paragraph",
            "text": block.text,
            "list_item": block.list_item,
            "heading": block.heading,
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
        )
    if kind == "table":
        return Table(rows=tuple(_row_from_json(row) for row in _list(block.get("rows"), "rows")))
    raise ValueError(f"unknown block type {kind!r}")


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
