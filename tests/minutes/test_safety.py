"""safety: ZIP central-directory checks for .docx and pypdf checks for .pdf, before any parser runs."""

from __future__ import annotations

import io
import random
import zipfile
import zlib

import pypdf
import pytest

from minutes import safety
from minutes.model import DocumentError, UnreadableDocument, UnsafeDocument
from minutes.safety import check_docx_container, check_pdf_limits
from tests.minutes.test_read_docx import make_docx, p
from tests.minutes.test_read_pdf import Page, build_pdf

OLE2_HEADER = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb(uncompressed_bytes: int) -> bytes:
    """A zip whose word/document.xml inflates to `uncompressed_bytes` zeros, written in 1 MB chunks."""
    buffer = io.BytesIO()
    chunk = b"\0" * 1_000_000
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            for _ in range(uncompressed_bytes // len(chunk)):
                part.write(chunk)
    return buffer.getvalue()


def assert_one_swedish_line(error: DocumentError) -> None:
    assert error.message and "\n" not in error.message and "Traceback" not in error.message


# --- .docx ---------------------------------------------------------------------------------------------


def test_a_normal_docx_passes() -> None:
    check_docx_container(make_docx(p("Hej")))


def test_zip_bomb_of_60_mb_zeros_is_refused_from_the_central_directory() -> None:
    data = zip_bomb(60_000_000)
    assert len(data) < 200_000
    with pytest.raises(UnsafeDocument) as raised:
        check_docx_container(data)
    assert_one_swedish_line(raised.value)


def test_high_overall_compression_ratio_is_refused() -> None:
    # Ten parts of 900 kB zeros: each under the size limits and under the 1 MB per-part ratio check.
    parts = {"word/document.xml": b"<w:document/>"} | {
        f"word/part{n}.xml": b"\0" * 900_000 for n in range(10)
    }
    with pytest.raises(UnsafeDocument):
        check_docx_container(zip_of(parts))


def test_one_highly_compressed_large_part_is_refused_even_among_incompressible_ones() -> None:
    parts = {
        "word/document.xml": b"\0" * 2_000_000,  # ~1000x
        "word/media/image1.jpeg": random.Random(0).randbytes(100_000),  # keeps the overall ratio near 20x
    }
    with pytest.raises(UnsafeDocument):
        check_docx_container(zip_of(parts))


def test_too_many_entries_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_DOCX_ENTRIES", 10)
    parts = {"word/document.xml": b"<w:document/>"} | {f"word/media/{n}.bin": bytes([n]) for n in range(10)}
    with pytest.raises(UnsafeDocument):
        check_docx_container(zip_of(parts))


def test_too_large_part_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_DOCX_PART_BYTES", 1000)
    incompressible = bytes(range(256)) * 8  # 2 kB, ratio ~1
    with pytest.raises(UnsafeDocument):
        check_docx_container(zip_of({"word/document.xml": b"<x/>", "word/media/a.bin": incompressible}))


def test_too_large_total_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_DOCX_TOTAL_BYTES", 3000)
    incompressible = bytes(range(256)) * 8
    parts = {
        "word/document.xml": b"<x/>",
        "word/media/a.bin": incompressible,
        "word/media/b.bin": incompressible,
    }
    with pytest.raises(UnsafeDocument):
        check_docx_container(zip_of(parts))


def test_too_large_file_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_DOCX_BYTES", 100)
    with pytest.raises(UnsafeDocument):
        check_docx_container(make_docx(p("Hej")))


def test_ole2_file_is_password_protected_or_old_doc() -> None:
    with pytest.raises(UnreadableDocument) as raised:
        check_docx_container(OLE2_HEADER)
    assert "lösenordsskyddad" in raised.value.message and ".doc" in raised.value.message


def test_zip_without_word_document_is_not_a_word_file() -> None:
    with pytest.raises(UnreadableDocument) as raised:
        check_docx_container(zip_of({"xl/workbook.xml": b"<workbook/>"}))
    assert "Word-dokument" in raised.value.message


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04trasig", b"inte en zip alls", b""], ids=["zip", "text", "empty"]
)
def test_not_a_zip_is_a_damaged_word_file(data: bytes) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        check_docx_container(data)
    assert raised.value.message == "Word-filen är skadad och kan inte läsas"


def test_encrypted_zip_entries_are_unreadable() -> None:
    data = bytearray(zip_of({"word/document.xml": b"<w:document/>"}))
    # zipfile cannot encrypt: set the "encrypted" flag bit in the local and the central header.
    data[data.find(b"PK\x03\x04") + 6] |= 0x1
    data[data.find(b"PK\x01\x02") + 8] |= 0x1
    with pytest.raises(UnreadableDocument) as raised:
        check_docx_container(bytes(data))
    assert "lösenordsskyddad" in raised.value.message


def test_macro_enabled_content_type_is_refused() -> None:
    data = make_docx(p("Hej"))
    source = zipfile.ZipFile(io.BytesIO(data))
    types = source.read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml",
    )
    assert b"macroEnabled" in types
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts["[Content_Types].xml"] = types
    with pytest.raises(UnsafeDocument) as raised:
        check_docx_container(zip_of(parts))
    assert "makron" in raised.value.message


def test_vba_project_is_refused() -> None:
    with pytest.raises(UnsafeDocument) as raised:
        check_docx_container(make_docx(p("Hej"), add_parts={"word/vbaProject.bin": b"\0" * 100}))
    assert "makron" in raised.value.message


# --- .pdf ----------------------------------------------------------------------------------------------


def test_a_normal_pdf_passes() -> None:
    check_pdf_limits(build_pdf(Page().text(40, 60, "Hej")))


def test_too_large_pdf_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_PDF_BYTES", 100)
    with pytest.raises(UnsafeDocument) as raised:
        check_pdf_limits(build_pdf(Page().text(40, 60, "Hej")))
    assert_one_swedish_line(raised.value)


def test_too_many_pages_is_refused() -> None:
    writer = pypdf.PdfWriter()
    for _ in range(safety.MAX_PDF_PAGES + 1):
        writer.add_blank_page(100, 100)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnsafeDocument) as raised:
        check_pdf_limits(buffer.getvalue())
    assert "sidor" in raised.value.message


def test_encrypted_pdf_is_unreadable() -> None:
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(build_pdf(Page().text(40, 60, "x")))))
    writer.encrypt(user_password="lösen", algorithm="AES-256")
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(UnreadableDocument) as raised:
        check_pdf_limits(buffer.getvalue())
    assert raised.value.message.startswith("PDF-filen är krypterad")


def test_content_streams_over_the_limit_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_PDF_CONTENT_BYTES", 10_000)
    data = build_pdf(Page().text(40, 60, "x" * 6000), Page().text(40, 60, "y" * 6000))
    with pytest.raises(UnsafeDocument):
        check_pdf_limits(data)


def test_flate_bomb_in_a_content_stream_is_refused() -> None:
    # 80 MB of spaces deflated to ~80 kB: over pypdf's 75 MB cap per stream, where it stops inflating.
    compressor = zlib.compressobj()
    bomb = b"".join(compressor.compress(b" " * 1_000_000) for _ in range(80)) + compressor.flush()
    with pytest.raises(UnsafeDocument) as raised:
        check_pdf_limits(build_pdf(Page(deflated=bomb)))
    assert_one_swedish_line(raised.value)


@pytest.mark.parametrize("data", [b"%PDF-1.4\nskrap", b"", b"\0" * 100], ids=["garbage", "empty", "zeros"])
def test_corrupt_pdf_is_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        check_pdf_limits(data)
    assert raised.value.message == "PDF-filen är skadad och kan inte läsas"
