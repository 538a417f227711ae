"""Safety checks on .docx and .pdf bytes before any parser runs (bombs, macros, encryption). Pure: no I/O."""

from __future__ import annotations

import io
import zipfile

import pypdf
from pypdf.errors import LimitReachedError

from minutes.model import UnreadableDocument, UnsafeDocument

# --- .docx (a ZIP container). Real minutes run at ~22x overall and <=32x for the most compressible part.
MAX_DOCX_BYTES = 50_000_000
MAX_DOCX_ENTRIES = 2_000
MAX_DOCX_TOTAL_BYTES = 50_000_000  # sum of the declared uncompressed sizes
MAX_DOCX_PART_BYTES = 25_000_000  # declared uncompressed size of any one part
MAX_DOCX_RATIO = 100  # total uncompressed / total compressed
MAX_DOCX_PART_RATIO = 200  # any one part of at least RATIO_CHECKED_PART_BYTES
RATIO_CHECKED_PART_BYTES = 1_000_000
DOCX_MAIN_PART = "word/document.xml"

# --- .pdf
MAX_PDF_BYTES = 20_000_000
MAX_PDF_PAGES = 200
MAX_PDF_CONTENT_BYTES = 50_000_000  # decompressed page content streams, all pages together

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MSG_OLE2 = (
    "Word-filen är lösenordsskyddad eller i det gamla .doc-formatet – spara den som .docx utan lösenord"
)
MSG_DOCX_CORRUPT = "Word-filen är skadad och kan inte läsas"
MSG_DOCX_NOT_WORD = "Filen är inget Word-dokument (.docx) och kan inte läsas"
MSG_DOCX_ENCRYPTED = "Word-filen är lösenordsskyddad och kan inte läsas"
MSG_DOCX_TOO_LARGE = f"Word-filen är för stor (högst {MAX_DOCX_BYTES // 1_000_000} MB)"
MSG_DOCX_BOMB = "Word-filen blir orimligt stor när den packas upp och läses inte av säkerhetsskäl"
MSG_DOCX_MACROS = (
    "Word-filen innehåller makron (.docm) och läses inte av säkerhetsskäl – spara den som vanlig .docx"
)
MSG_PDF_TOO_LARGE = f"PDF-filen är för stor (högst {MAX_PDF_BYTES // 1_000_000} MB)"
MSG_PDF_ENCRYPTED = "PDF-filen är krypterad eller lösenordsskyddad och kan inte läsas"
MSG_PDF_TOO_MANY_PAGES = f"PDF-filen har för många sidor (högst {MAX_PDF_PAGES})"
MSG_PDF_CORRUPT = "PDF-filen är skadad och kan inte läsas"
MSG_PDF_BOMB = "PDF-filen blir orimligt stor när den packas upp och läses inte av säkerhetsskäl"


def is_ole2(data: bytes) -> bool:
    """An OLE2 compound file: a password-protected Office file or a legacy .doc."""
    return data[:8] == OLE2_MAGIC


def check_docx_container(data: bytes) -> None:
    """Refuse a .docx from its ZIP central directory alone, before any XML parser sees it."""
    if is_ole2(data):
        raise UnreadableDocument(MSG_OLE2)
    if len(data) > MAX_DOCX_BYTES:
        raise UnsafeDocument(MSG_DOCX_TOO_LARGE)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            _check_zip_sizes(infos)
            names = {info.filename for info in infos}
            if DOCX_MAIN_PART not in names:
                raise UnreadableDocument(MSG_DOCX_NOT_WORD)
            if any(info.flag_bits & 0x1 for info in infos):
                raise UnreadableDocument(MSG_DOCX_ENCRYPTED)
            if any(name.lower().rsplit("/", 1)[-1] == "vbaproject.bin" for name in names):
                raise UnsafeDocument(MSG_DOCX_MACROS)
            content_types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (UnsafeDocument, UnreadableDocument):
        raise
    except MemoryError:  # the worker's memory limit, not a broken file: too heavy
        raise
    except Exception as error:  # BadZipFile, a CRC error, a truncated or lying archive, …
        raise UnreadableDocument(MSG_DOCX_CORRUPT) from error
    # Every macro-enabled Word content type (…document.macroEnabled.main+xml, …macroEnabledTemplate…).
    if b"macroenabled" in content_types.lower():
        raise UnsafeDocument(MSG_DOCX_MACROS)


def _check_zip_sizes(infos: list[zipfile.ZipInfo]) -> None:
    # The declared sizes can be trusted: zipfile stops at the declared file_size and then fails the CRC.
    if len(infos) > MAX_DOCX_ENTRIES:
        raise UnsafeDocument(MSG_DOCX_BOMB)
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos)
    if total > MAX_DOCX_TOTAL_BYTES or total > MAX_DOCX_RATIO * max(compressed, 1):
        raise UnsafeDocument(MSG_DOCX_BOMB)
    for info in infos:
        if info.file_size > MAX_DOCX_PART_BYTES:
            raise UnsafeDocument(MSG_DOCX_BOMB)
        if info.file_size >= RATIO_CHECKED_PART_BYTES and info.file_size > MAX_DOCX_PART_RATIO * max(
            info.compress_size, 1
        ):
            raise UnsafeDocument(MSG_DOCX_BOMB)


def check_pdf_limits(data: bytes) -> None:
    """Refuse a PDF that is too large, encrypted, has too many pages or decompresses to too much content."""
    if len(data) > MAX_PDF_BYTES:
        raise UnsafeDocument(MSG_PDF_TOO_LARGE)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _require_empty_user_password(reader)
        pages = reader.pages
        if len(pages) > MAX_PDF_PAGES:
            raise UnsafeDocument(MSG_PDF_TOO_MANY_PAGES)
        content_bytes = 0
        for page in pages:
            contents = page.get_contents()
            if contents is not None:
                content_bytes += len(contents.get_data())  # pypdf caps each stream (LimitReachedError)
            if content_bytes > MAX_PDF_CONTENT_BYTES:
                raise UnsafeDocument(MSG_PDF_BOMB)
    except (UnsafeDocument, UnreadableDocument):
        raise
    except LimitReachedError as error:
        raise UnsafeDocument(MSG_PDF_BOMB) from error
    except MemoryError:  # the worker's memory limit, not a broken file: too heavy
        raise
    except Exception as error:  # PdfReadError, PdfStreamError, a broken xref, …
        raise UnreadableDocument(MSG_PDF_CORRUPT) from error


def _require_empty_user_password(reader: pypdf.PdfReader) -> None:
    # An owner-password-only PDF ("no copying") opens with the empty user password, and pdfplumber opens it
    # the same way; anything else needs a password we do not have.
    try:
        opened = bool(reader.decrypt(""))
    except MemoryError:  # the worker's memory limit, not a broken file: too heavy
        raise
    except Exception as error:  # an unsupported algorithm, a broken /Encrypt dictionary, …
        raise UnreadableDocument(MSG_PDF_ENCRYPTED) from error
    if not opened:
        raise UnreadableDocument(MSG_PDF_ENCRYPTED)
