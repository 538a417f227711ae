"""The registry of document formats the bot reads: suffix, name, how the content is recognised, the safety
check and the reader. Every list of suffixes (the readers', the sources', the sandbox's answers) derives from
it, so a format added here is read and listed everywhere. Pure data and pure functions: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePath

from minutes.model import ParsedDocument
from minutes.read_docx import parse_docx
from minutes.read_markdown import read_markdown
from minutes.read_pdf import parse_pdf
from minutes.safety import MSG_DOCX_CORRUPT, MSG_PDF_CORRUPT, check_docx_container, check_pdf_limits

__all__ = ["FORMATS", "DocumentFormat", "format_named", "format_of", "supported_suffixes"]

ZIP_MAGIC = b"PK\x03\x04"
PDF_MAGIC = b"%PDF-"
PDF_HEADER_WINDOW = 1024  # the PDF header may follow some junk within the first kilobyte


@dataclass(frozen=True, slots=True)
class DocumentFormat:
    """One kind of minutes file. `name` is ParsedDocument.source_format; `display_name` is for people.
    `recognise` tells the format from the content whatever the file is called (given the bytes and the
    name's lower-case suffix); a format without one is read by its suffix alone. `damaged` is the message
    when the name says this format and the content does not. `safety_check` refuses bombs, macros and
    encryption before `read` parses."""

    name: str
    suffix: str
    display_name: str
    read: Callable[[bytes], ParsedDocument]
    recognise: Callable[[bytes, str], bool] | None = None
    safety_check: Callable[[bytes], None] | None = None
    damaged: str | None = None

    def recognises(self, data: bytes, suffix: str) -> bool:
        """The content is of this format (never for a format read by its suffix alone)."""
        return self.recognise is not None and self.recognise(data, suffix)

    def read_checked(self, data: bytes) -> ParsedDocument:
        """The safety check, then the reader. Raises a DocumentError with a one-line Swedish message."""
        if self.safety_check is not None:
            self.safety_check(data)
        return self.read(data)


def _is_zip(data: bytes, suffix: str) -> bool:
    return data.startswith(ZIP_MAGIC)


def _is_pdf(data: bytes, suffix: str) -> bool:
    return data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(PDF_MAGIC) or (
        suffix == ".pdf" and PDF_MAGIC in data[:PDF_HEADER_WINDOW]
    )


def _read_text(data: bytes) -> ParsedDocument:
    from minutes.read_text import read_text  # imported here: an optional, separately written reader

    return read_text(data)


# In the order content is recognised, then the order people are told.
FORMATS: tuple[DocumentFormat, ...] = (
    DocumentFormat(
        "docx",
        ".docx",
        "Word",
        parse_docx,
        _is_zip,
        safety_check=check_docx_container,
        damaged=MSG_DOCX_CORRUPT,
    ),
    DocumentFormat(
        "pdf", ".pdf", "PDF", parse_pdf, _is_pdf, safety_check=check_pdf_limits, damaged=MSG_PDF_CORRUPT
    ),
    DocumentFormat("text", ".txt", "text", _read_text),
    DocumentFormat("markdown", ".md", "Markdown", read_markdown),
)


def supported_suffixes(formats: Sequence[DocumentFormat] | None = None) -> tuple[str, ...]:
    """The suffixes of the formats (default: the registry, as it is at the call), lower case with their dot
    ('.docx', …), in the registry's order."""
    return tuple(document_format.suffix for document_format in (FORMATS if formats is None else formats))


def format_of(filename: str, formats: Sequence[DocumentFormat] | None = None) -> DocumentFormat | None:
    """The format a file's name says (its suffix, any case), or None."""
    suffix = PurePath(filename).suffix.lower()
    return next((f for f in (FORMATS if formats is None else formats) if f.suffix == suffix), None)


def format_named(name: str, formats: Sequence[DocumentFormat] | None = None) -> DocumentFormat | None:
    """The format whose ParsedDocument.source_format is `name`, or None."""
    return next((f for f in (FORMATS if formats is None else formats) if f.name == name), None)
