"""Pick the reader for an uploaded document from its magic bytes, then its file name. Pure: no I/O."""

from __future__ import annotations

from pathlib import PurePath

from minutes.model import MSG_EMPTY, ParsedDocument, UnreadableDocument
from minutes.read_docx import read_docx
from minutes.read_markdown import read_markdown
from minutes.read_pdf import read_pdf
from minutes.safety import MSG_DOCX_CORRUPT, MSG_OLE2, MSG_PDF_CORRUPT, is_ole2

__all__ = ["MSG_EMPTY", "SUPPORTED_SUFFIXES", "read_document"]

SUPPORTED_SUFFIXES = (".docx", ".pdf", ".txt", ".md")
ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # the PDF header may follow some junk within the first kilobyte

MSG_UNSUPPORTED = (
    "Filtypen stöds inte – skicka protokollet som " + ", ".join(SUPPORTED_SUFFIXES[:-1]) + " eller .md"
)


def read_document(data: bytes, filename: str) -> ParsedDocument:
    """Read .docx, .pdf, .txt or .md bytes. Raises a DocumentError with a one-line Swedish message."""
    if not data:
        raise UnreadableDocument(MSG_EMPTY)
    suffix = PurePath(filename).suffix.lower()
    if data.startswith(ZIP_MAGIC):
        return read_docx(data)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(PDF_MAGIC) or (
        suffix == ".pdf" and PDF_MAGIC in data[:PDF_HEADER_WINDOW]
    ):
        return read_pdf(data)
    if is_ole2(data):  # a password-protected Office file or a legacy .doc
        raise UnreadableDocument(MSG_OLE2)
    if suffix == ".md":
        return read_markdown(data)
    if suffix == ".txt":
        from minutes.read_text import read_text  # imported here: an optional, separately written reader

        return read_text(data)
    if suffix == ".docx":
        raise UnreadableDocument(MSG_DOCX_CORRUPT)
    if suffix == ".pdf":
        raise UnreadableDocument(MSG_PDF_CORRUPT)
    raise UnreadableDocument(MSG_UNSUPPORTED)
