"""read_document: magic bytes first, then the file name's suffix; one-line Swedish errors."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from minutes.model import Paragraph, ParsedDocument, Table, UnreadableDocument
from minutes.readers import read_document
from tests.minutes.test_read_docx import make_docx, p
from tests.minutes.test_read_pdf import Page, build_pdf

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CORPUS = SAMPLES if SAMPLES.is_dir() else Path("/work/shared/corpus")
OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
FAKE_TEXT_DOCUMENT = ParsedDocument(blocks=(Paragraph("från read_text"),), source_format="text")


@pytest.fixture
def fake_read_text(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Stand in for minutes.read_text (written separately) and record what it was given."""
    calls: list[bytes] = []

    def read_text(data: bytes) -> ParsedDocument:
        calls.append(data)
        return FAKE_TEXT_DOCUMENT

    module = types.ModuleType("minutes.read_text")
    module.read_text = read_text  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "minutes.read_text", module)
    return calls


@pytest.mark.parametrize("filename", ["protokoll.docx", "protokoll.pdf", "protokoll.txt", "utan-ändelse"])
def test_a_zip_is_read_as_docx_whatever_its_name(filename: str) -> None:
    doc = read_document(make_docx(p("Hej")), filename)
    assert doc.source_format == "docx" and doc.text() == "Hej"


@pytest.mark.parametrize("filename", ["protokoll.pdf", "protokoll.docx", "protokoll.txt", "PROTOKOLL.PDF"])
def test_a_pdf_is_read_as_pdf_whatever_its_name(filename: str) -> None:
    doc = read_document(build_pdf(Page().text(40, 60, "Hej")), filename)
    assert doc.source_format == "pdf" and doc.text() == "Hej"


def test_pdf_header_after_some_junk_is_found_for_a_pdf_name() -> None:
    data = b"\r\n junk \r\n" + build_pdf(Page().text(40, 60, "Hej"))
    assert read_document(data, "protokoll.pdf").text() == "Hej"


@pytest.mark.parametrize("filename", ["protokoll.txt", "PROTOKOLL.TXT", "mapp/protokoll.txt"])
def test_text_dumps_go_to_read_text(filename: str, fake_read_text: list[bytes]) -> None:
    assert read_document("Mötesdatum: 2024-08-26".encode(), filename) is FAKE_TEXT_DOCUMENT
    assert fake_read_text == ["Mötesdatum: 2024-08-26".encode()]


@pytest.mark.parametrize("filename", ["protokoll.md", "PROTOKOLL.MD", "mapp/protokoll.md"])
def test_markdown_goes_to_the_markdown_reader(filename: str, fake_read_text: list[bytes]) -> None:
    doc = read_document("# Protokoll\n\n| Åtgärd | Ansvarig |\n|---|---|\n| Boka | EK |\n".encode(), filename)
    assert doc.source_format == "markdown"
    assert [type(b) for b in doc.blocks] == [Paragraph, Table]
    assert fake_read_text == []


def test_binary_formats_never_reach_read_text(fake_read_text: list[bytes]) -> None:
    read_document(make_docx(p("Hej")), "a.txt")
    read_document(build_pdf(Page().text(40, 60, "Hej")), "a.md")
    assert fake_read_text == []


def test_empty_file() -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_document(b"", "protokoll.docx")
    assert raised.value.message == "Filen är tom"


@pytest.mark.parametrize("filename", ["protokoll.docx", "protokoll.doc", "protokoll"])
def test_ole2_is_password_protected_or_old_doc(filename: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_document(OLE2_HEADER, filename)
    assert "lösenordsskyddad" in raised.value.message


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"inte en zip", "protokoll.docx", "Word-filen är skadad och kan inte läsas"),
        (b"inte en pdf", "protokoll.pdf", "PDF-filen är skadad och kan inte läsas"),
    ],
)
def test_a_known_suffix_with_the_wrong_content_is_damaged(data: bytes, filename: str, message: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_document(data, filename)
    assert raised.value.message == message


@pytest.mark.parametrize("filename", ["bild.png", "kalkyl.xlsx.exe", "protokoll", "protokoll.rtf"])
def test_unknown_types_list_the_supported_ones(filename: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_document(b"\x89PNG\r\n\x1a\n data", filename)
    message = raised.value.message
    assert "\n" not in message
    assert all(suffix in message for suffix in (".docx", ".pdf", ".txt", ".md"))


def test_the_real_text_reader_when_it_exists() -> None:
    pytest.importorskip("minutes.read_text")
    text_dump = next(iter(sorted(CORPUS.glob("*.txt"))), None) if CORPUS.is_dir() else None
    if text_dump is None:
        pytest.skip("no sample text dump")
    doc = read_document(text_dump.read_bytes(), text_dump.name)
    assert doc.source_format == "text" and doc.blocks
