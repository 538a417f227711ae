"""Pick the reader for an uploaded document from its content, then its file name, by the registry of formats
(minutes.formats). Pure: no I/O."""

from __future__ import annotations

from pathlib import PurePath

from minutes import formats
from minutes.formats import format_of, supported_suffixes
from minutes.model import MSG_EMPTY, ParsedDocument, UnreadableDocument
from minutes.safety import MSG_OLE2, is_ole2

__all__ = ["MSG_EMPTY", "SUPPORTED_SUFFIXES", "read_document"]

SUPPORTED_SUFFIXES = supported_suffixes()


def unsupported_message() -> str:
    """'Filtypen stöds inte – skicka protokollet som .docx, .pdf, .txt eller .md', from the registry."""
    *most, last = SUPPORTED_SUFFIXES
    listed = f"{', '.join(most)} eller {last}" if most else last
    return f"Filtypen stöds inte – skicka protokollet som {listed}"


MSG_UNSUPPORTED = unsupported_message()


def read_document(data: bytes, filename: str) -> ParsedDocument:
    """Read the bytes of any registered format (.docx, .pdf, .txt, .md). Raises a DocumentError with a one-line
    Swedish message."""
    if not data:
        raise UnreadableDocument(MSG_EMPTY)
    suffix = PurePath(filename).suffix.lower()
    for (
        document_format
    ) in formats.FORMATS:  # the content first: a .docx sent as 'protokoll.pdf' is still read
        if document_format.recognises(data, suffix):
            return document_format.read_checked(data)
    if is_ole2(data):  # a password-protected Office file or a legacy .doc
        raise UnreadableDocument(MSG_OLE2)
    named = format_of(filename)
    if named is None:
        raise UnreadableDocument(MSG_UNSUPPORTED)
    if named.recognise is not None:  # the name says so, the content does not
        raise UnreadableDocument(named.damaged or MSG_UNSUPPORTED)
    return named.read_checked(data)
