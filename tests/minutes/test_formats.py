"""The registry of document formats: one entry per format, and everything that lists formats derives from it."""

from __future__ import annotations

from pathlib import Path

import pytest

import minutes.formats
from minutes import serialize
from minutes.formats import FORMATS, DocumentFormat, format_named, format_of, supported_suffixes
from minutes.model import Paragraph, ParsedDocument, UnreadableDocument
from minutes.readers import MSG_UNSUPPORTED, SUPPORTED_SUFFIXES, read_document

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_each_format_has_its_own_name_and_suffix() -> None:
    assert len({f.name for f in FORMATS}) == len({f.suffix for f in FORMATS}) == len(FORMATS)
    assert all(f.suffix.startswith(".") and f.suffix == f.suffix.lower() for f in FORMATS)
    assert supported_suffixes() == (".docx", ".pdf", ".txt", ".md")


def test_the_readers_and_the_json_derive_from_the_registry() -> None:
    assert supported_suffixes() == SUPPORTED_SUFFIXES
    assert all(suffix in MSG_UNSUPPORTED for suffix in supported_suffixes())
    assert {f.name for f in FORMATS} == serialize.SOURCE_FORMATS


@pytest.mark.parametrize(
    ("filename", "name"),
    [("a.docx", "docx"), ("A.PDF", "pdf"), ("x.tar.txt", "text"), ("notes.Md", "markdown"), ("a.doc", None)],
)
def test_a_files_format_is_its_suffix(filename: str, name: str | None) -> None:
    found = format_of(filename)
    assert (found.name if found else None) == name
    assert found is format_named(name or "")


@pytest.mark.parametrize("document_format", FORMATS, ids=lambda f: f.name)
def test_each_format_reads_a_sample_to_its_own_name(document_format: DocumentFormat) -> None:
    sample = next(SAMPLES.glob(f"*{document_format.suffix}"))  # samples/ holds minutes of every format
    data = sample.read_bytes()
    document = read_document(data, f"protokoll{document_format.suffix}")
    assert document.source_format == document_format.name and document.blocks


def test_the_safety_check_runs_before_the_reader() -> None:
    seen: list[str] = []

    def refuse(data: bytes) -> None:
        seen.append("check")
        raise UnreadableDocument("nej")

    def read(data: bytes) -> ParsedDocument:
        seen.append("read")
        return ParsedDocument(blocks=(Paragraph("x"),), source_format="x")

    with pytest.raises(UnreadableDocument):
        DocumentFormat("x", ".x", "X", read, safety_check=refuse).read_checked(b"data")
    assert seen == ["check"]


def test_a_registered_format_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def read_rtf(data: bytes) -> ParsedDocument:
        return ParsedDocument(blocks=(Paragraph(data.decode()),), source_format="rtf")

    rtf = DocumentFormat("rtf", ".rtf", "RTF", read_rtf, lambda data, suffix: data.startswith(b"{\\rtf"))
    with pytest.raises(UnreadableDocument):
        read_document(b"{\\rtf1 Hej}", "protokoll.bin")
    monkeypatch.setattr(minutes.formats, "FORMATS", (*FORMATS, rtf))
    assert read_document(b"{\\rtf1 Hej}", "protokoll.bin").source_format == "rtf"
