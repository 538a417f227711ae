"""The text-dump reader: rows recovered from owner anchors, headings, furniture dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from minutes.model import Paragraph, Table, UnreadableDocument
from minutes.read_text import read_text

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

DUMP = """Mötesdatum:
2025-03-10

Närvarande:
Eva Karlsson (EK), Lars Berg (LB).

Rubrik Information Åtgärd/beslut Ansvarig
Budget 2026

Prognosen är klar.

Ta fram ett förslag. EK

Lokaler Dialog om lokalerna Boka visning LB

https://example.invalid/link

DATUM
TYP AV DOKUMENT

Rubrik Information Åtgärd/beslut Ansvarig
Rekrytering Annonsera tjänsten

EK
och LB

DATUM
TYP AV DOKUMENT
"""


def tables(text: str) -> list[Table]:
    return [b for b in read_text(text.encode()).blocks if isinstance(b, Table)]


def test_rows_close_at_their_owner_and_a_repeated_header_continues_the_table() -> None:
    (table,) = tables(DUMP)
    rows = [(r.cells[0].text.replace("\n", " "), r.cells[1].text.replace("\n", " ")) for r in table.rows[1:]]
    assert rows == [
        ("Budget 2026 Prognosen är klar. Ta fram ett förslag.", "EK"),
        ("Lokaler Dialog om lokalerna Boka visning", "LB"),
        ("Rekrytering Annonsera tjänsten", "EK och LB"),
    ]


def test_links_and_page_furniture_are_dropped() -> None:
    text = "\n".join(b.text if isinstance(b, Paragraph) else str(b) for b in read_text(DUMP.encode()).blocks)
    assert "https://" not in text and "TYP AV DOKUMENT" not in text


def test_a_short_line_over_running_text_is_a_heading() -> None:
    blocks = read_text(
        "Uppdatering chefsrekryteringar\nArbetsgivaren kommer att annonsera en tjänst som\nsektionschef under våren.\n".encode()
    ).blocks
    assert isinstance(blocks[0], Paragraph) and blocks[0].heading
    assert blocks[0].text == "Uppdatering chefsrekryteringar"


def test_bullets_start_list_items() -> None:
    (table,) = tables("Rubrik Åtgärd Ansvarig\nPunkt\n* Första saken\nfortsätter här\n* Andra saken EK\n")
    paragraphs = table.rows[1].cells[0].blocks
    assert [(p.text, p.list_item) for p in paragraphs if isinstance(p, Paragraph)] == [
        ("Punkt", False),
        ("Första saken\nfortsätter här", True),
        ("Andra saken", True),
    ]


@pytest.mark.parametrize("data", [b"", b"   \n\n", "\ufeff".encode()])
def test_empty_text_is_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="tom"):
        read_text(data)


def test_latin1_text_is_read() -> None:
    assert "Åtgärd" in read_text("Åtgärd: boka möte".encode("cp1252")).text()


@pytest.mark.skipif(not SAMPLES.exists(), reason="samples/ missing")
def test_corpus_dump_keeps_every_owner_cell() -> None:
    (first, *_) = tables((SAMPLES / "000_9fb95432c85b271b.txt").read_text(encoding="utf-8"))
    owners = [r.cells[1].text.replace("\n", " ") for r in first.rows[1:]]
    assert owners[:4] == ["Alla", "AA, RN och EE", "AA", "TU"]
