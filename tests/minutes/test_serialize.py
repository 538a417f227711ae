"""serialize: ParsedDocument → JSON-ready dict → ParsedDocument is the identity."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from minutes.extract import extract
from minutes.model import (
    ActionItem,
    Block,
    Cell,
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
from minutes.read_docx import read_docx
from minutes.read_pdf import read_pdf
from minutes.readers import read_document
from minutes.serialize import (
    document_from_json,
    document_to_json,
    extraction_from_wire,
    extraction_to_json,
    extraction_to_wire,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CORPUS = SAMPLES if SAMPLES.is_dir() else Path("/work/shared/corpus")


def round_trip(doc: ParsedDocument) -> ParsedDocument:
    """Through real JSON text, as across the sandbox's pipe."""
    return document_from_json(json.loads(json.dumps(document_to_json(doc), ensure_ascii=False)))


NESTED = ParsedDocument(
    blocks=(
        Paragraph("Kort-kort", heading=True),
        Table(
            rows=(
                Row((Cell((Paragraph("Rubrik"),)), Cell((Paragraph("Ansvarig"),), col=1)), header=True),
                Row((Cell((Paragraph("Förvaltningsövergripande frågor"),), span=2),)),
                Row(
                    (
                        Cell(
                            (
                                Paragraph("punkt", list_item=True, level=1),
                                Table((Row((Cell((Paragraph("inre"),)),)),)),
                            )
                        ),
                        Cell((Paragraph("EE"),), col=1),
                    )
                ),
                Row((Cell(()), Cell((Paragraph("EE"),), col=1, merged_from_above=True))),
            )
        ),
        Paragraph("språk-\nutvecklande\t\u00e5\u00e4\u00f6 “citat”"),
    ),
    source_format="pdf",
)


def test_a_nested_document_round_trips() -> None:
    assert round_trip(NESTED) == NESTED


def test_the_json_names_every_field() -> None:
    data = document_to_json(NESTED)
    assert data["source_format"] == "pdf"
    assert data["blocks"][0] == {
        "type": "paragraph",
        "text": "Kort-kort",
        "list_item": False,
        "heading": True,
        "level": 0,
    }
    merged = data["blocks"][1]["rows"][3]["cells"][1]
    assert merged == {
        "col": 1,
        "span": 1,
        "merged_from_above": True,
        "blocks": [{"type": "paragraph", "text": "EE", "list_item": False, "heading": False, "level": 0}],
    }


def sample_documents() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted([*CORPUS.glob("*.docx"), *CORPUS.glob("*.pdf")])


@pytest.mark.parametrize("path", sample_documents(), ids=lambda path: path.name)
def test_sample_documents_round_trip(path: Path) -> None:
    doc = (read_docx if path.suffix == ".docx" else read_pdf)(path.read_bytes())
    assert round_trip(doc) == doc


@pytest.mark.parametrize(
    "data",
    [
        {"source_format": "odt", "blocks": []},
        {"source_format": "docx"},
        {"source_format": "docx", "blocks": {}},
        {"source_format": "docx", "blocks": [{"type": "image"}]},
        {"source_format": "docx", "blocks": [{"type": "paragraph"}]},
        {"source_format": "docx", "blocks": [{"type": "paragraph", "text": 3}]},
        {"source_format": "docx", "blocks": [{"type": "paragraph", "text": "x", "heading": "ja"}]},
        {"source_format": "docx", "blocks": [{"type": "paragraph", "text": "x", "level": -1}]},
        {"source_format": "docx", "blocks": [{"type": "paragraph", "text": "x", "level": "1"}]},
        {
            "source_format": "docx",
            "blocks": [{"type": "table", "rows": [{"cells": [{"col": -1, "blocks": []}]}]}],
        },
        {
            "source_format": "docx",
            "blocks": [{"type": "table", "rows": [{"cells": [{"span": 0, "blocks": []}]}]}],
        },
        {
            "source_format": "docx",
            "blocks": [{"type": "table", "rows": [{"cells": [{"col": True, "blocks": []}]}]}],
        },
        {"source_format": "docx", "blocks": [{"type": "table", "rows": ["rad"]}]},
    ],
)
def test_malformed_json_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        document_from_json(data)


paragraphs = st.builds(
    Paragraph,
    text=st.text(max_size=20),
    list_item=st.booleans(),
    heading=st.booleans(),
    level=st.integers(min_value=0, max_value=5),
)


def tables(children: st.SearchStrategy[Block]) -> st.SearchStrategy[Table]:
    cells = st.builds(
        Cell,
        blocks=st.lists(children, max_size=3).map(tuple),
        col=st.integers(0, 6),
        span=st.integers(1, 4),
        merged_from_above=st.booleans(),
    )
    rows = st.builds(Row, cells=st.lists(cells, max_size=3).map(tuple), header=st.booleans())
    return st.builds(Table, rows=st.lists(rows, max_size=3).map(tuple))


blocks: st.SearchStrategy[Block] = st.recursive(paragraphs, tables, max_leaves=12)
documents = st.builds(
    ParsedDocument,
    blocks=st.lists(blocks, max_size=5).map(tuple),
    source_format=st.sampled_from(["docx", "pdf", "text", "markdown"]),
)


@given(documents)
def test_any_document_round_trips(doc: ParsedDocument) -> None:
    assert round_trip(doc) == doc


# --- Extraction -------------------------------------------------------------------------------------------


def extraction_round_trip(extraction: Extraction) -> Extraction:
    return extraction_from_wire(json.loads(json.dumps(extraction_to_wire(extraction), ensure_ascii=False)))


@pytest.mark.parametrize("path", sample_documents(), ids=lambda path: path.name)
def test_sample_extractions_round_trip(path: Path) -> None:
    extraction = extract(read_document(path.read_bytes(), path.name), reference_date=date(2024, 8, 26))
    assert extraction.items  # the sample has something to carry
    assert extraction_round_trip(extraction) == extraction


EVERY_FIELD = Extraction(
    meeting=Meeting(
        body="FSG/VSG",
        date=date(2024, 8, 26),
        people=(Person("Åsa Öberg", "ÅÖ", "sekreterare"), Person("Bo Ek")),
        title="Protokoll",
    ),
    items=(
        ActionItem(
            kind=ItemKind.FOLLOW_UP,
            topic="Lokaler",
            text="Åter till nästa möte.",
            owners=("ÅÖ", "ALLA"),
            due=Due("kommande FLG", None, Relative.NEXT_MEETING),
            source=Source(3, 2, 1, 1),
            actors=("Emma Jonsson",),
            context="Förvaltningsövergripande",
        ),
        ActionItem(ItemKind.DECISION, "Budget", "Fastställs.", (), None, Source(7)),
        ActionItem(ItemKind.ACTION, "APT", "Boka.", ("BE",), Due("7/10", date(2024, 10, 7)), Source(1, 0, 0)),
    ),
)


def test_every_field_of_an_extraction_round_trips() -> None:
    assert extraction_round_trip(EVERY_FIELD) == EVERY_FIELD
    assert extraction_round_trip(Extraction(Meeting(None, None))) == Extraction(Meeting(None, None))


def damaged(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = json.loads(json.dumps(extraction_to_wire(EVERY_FIELD)))
    change(data)
    return data


@pytest.mark.parametrize(
    "data",
    [
        {},
        damaged(lambda d: d.update(meeting=[])),
        damaged(lambda d: d["meeting"].update(date="26/8")),
        damaged(lambda d: d["meeting"]["people"].append({"name": 7})),
        damaged(lambda d: d.update(items={})),
        damaged(lambda d: d["items"][0].update(kind="wish")),
        damaged(lambda d: d["items"][0]["due"].update(relative="someday")),
        damaged(lambda d: d["items"][0].update(source=[1, 2, 3])),
        damaged(lambda d: d["items"][0].update(source=[True, 0, 0, 0])),
        damaged(lambda d: d["items"][0].update(owners=["AA", None])),
        damaged(lambda d: d["items"][1].update(context=None)),
    ],
)
def test_a_malformed_extraction_is_rejected(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        extraction_from_wire(data)


def test_the_public_json_is_the_command_lines() -> None:
    """`minutesbot extract --json` (README, the customer's scorer): due flat, the source as its key."""
    public = extraction_to_json(EVERY_FIELD)
    assert public["meeting"] == {
        "body": "FSG/VSG",
        "date": "2024-08-26",
        "date_source": None,
        "title": "Protokoll",
        "people": [
            {"name": "Åsa Öberg", "initials": "ÅÖ", "role": "sekreterare"},
            {"name": "Bo Ek", "initials": None, "role": None},
        ],
    }
    assert public["meeting"] == extraction_to_wire(EVERY_FIELD)["meeting"]
    assert public["items"] == [
        {
            "kind": "follow_up",
            "topic": "Lokaler",
            "text": "Åter till nästa möte.",
            "owners": ["ÅÖ", "ALLA"],
            "actors": ["Emma Jonsson"],
            "due": None,
            "due_raw": "kommande FLG",
            "due_relative": "next_meeting",
            "source": "t3.r2.c1.1",
        },
        {
            "kind": "decision",
            "topic": "Budget",
            "text": "Fastställs.",
            "owners": [],
            "actors": [],
            "due": None,
            "due_raw": None,
            "due_relative": None,
            "source": "p7.0",
        },
        {
            "kind": "action",
            "topic": "APT",
            "text": "Boka.",
            "owners": ["BE"],
            "actors": [],
            "due": "2024-10-07",
            "due_raw": "7/10",
            "due_relative": None,
            "source": "t1.r0.c0.0",
        },
    ]
