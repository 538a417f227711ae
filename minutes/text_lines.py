"""Lines of a text dump read as paragraphs: headings, bullets, sentences ended or lines broken by hand, and the
page furniture to drop. Pure."""

from __future__ import annotations

import re

from minutes.model import (
    Paragraph,
)
from minutes.patterns import RUN_ON_WORDS
from minutes.text import strip_bullet

PAGE_FURNITURE = re.compile(r"^\s*(?:SID\s*\d+\s*\(\d+\)|\d+\s*\(\d+\)|sida \d+ av \d+)\s*$", re.IGNORECASE)
URL = re.compile(r"^\s*(?:https?://|www\.)\S+\s*$")


def prose_paragraphs(lines: list[str], width: int = 0) -> list[Paragraph]:
    """A block of running text; a short first line over longer text is its heading."""
    if len(lines) > 1 and _is_heading_line(lines[0], lines[1:]):
        # One heading per block: the next short line is already text ('Första träffen fortsätter vi …').
        return [Paragraph(lines[0], heading=True), *paragraphs(lines[1:], width)]
    return paragraphs(lines, width)


def _is_heading_line(line: str, rest: list[str]) -> bool:
    widest = max(len(other) for other in rest)
    return (
        len(line) <= 70
        and len(line.split()) <= 9
        and not re.search(r"[.,;:!?-]$", line)
        and rest[0][:1].isupper()
        and (widest > len(line) + 10 or len(rest) == 1)
        and not line.endswith((" och", " att", " i", " på", " för", " med", " av", " till"))
    )


def paragraphs(lines: list[str], width: int = 0) -> list[Paragraph]:
    """Lines of one block as paragraphs: a bullet or a numbered '1)' line starts a new one, a '§ 4 Ekonomi'
    line is a heading of its own, and a line after a finished sentence starts a new paragraph (notes written
    line by line without blank lines between them)."""
    paragraphs: list[Paragraph] = []
    current: list[str] = []
    is_list = False
    if _unpunctuated(lines):
        # Notes with no sentence ended anywhere: every line is a statement of its own, as a list's lines are.
        return [Paragraph(strip_bullet(line)[0], list_item=True) for line in lines if line.strip()]
    lower_margin = max(width * 6 // 10, _block_margin(lines) - 2)
    for line in lines:
        stripped, bullet = strip_bullet(line)
        numbered = re.match(r"^\d{1,2}\)\s", line) is not None
        if _SECTION_LINE.match(line) and not re.search(r"[.,;:!?]$", line):
            if current:
                paragraphs.append(Paragraph("\n".join(current), list_item=is_list))
            paragraphs.append(Paragraph(line, heading=True))
            current, is_list = [], False
            continue
        after_sentence = bool(current) and (
            (opens(line) and _SENTENCE_END.search(current[-1]) is not None)
            or (line[:1].isupper() and _broken_by_hand(current[-1], line, width))
            # A line in lower case after one that stops far short of the margin starts afresh too
            # ('… senast 28/2' / 'vi ska inte byta städfirma').
            or _broken_by_hand(current[-1], line, lower_margin)
        )
        if (bullet or numbered or after_sentence) and current:
            paragraphs.append(Paragraph("\n".join(current), list_item=is_list))
            current = []
            is_list = False
        if bullet or numbered:
            is_list = True
        current.append(stripped if bullet else line)
    if current:
        paragraphs.append(Paragraph("\n".join(current), list_item=is_list))
    return paragraphs


_FEW_LINES = 5  # fewer lines in a block tell nothing of its margin
_SENTENCE_STOP = re.compile(r"[.!?:;](?:\s|$)")


def _unpunctuated(lines: list[str]) -> bool:
    """Notes typed line by line with no punctuation at all ('Hassan servar motorsprutan imorgon' / 'Bettan
    beställer nya andningsskydd'): prose wrapped at a margin ends its sentences somewhere in the block, and
    most of its lines run up to the margin (the next word would not have fitted)."""
    filled = [line.rstrip() for line in lines if line.strip()]
    if len(filled) < _FEW_LINES or any(_SENTENCE_STOP.search(line) for line in filled):
        return False
    if any(line.split()[-1].casefold() in RUN_ON_WORDS for line in filled[:-1]):
        return False  # '… beslutade att' / 'ge HR i uppdrag': a sentence wrapped in a narrow column
    margin = max(len(line) for line in filled)
    full = sum(
        1
        for line, following in zip(filled, filled[1:], strict=False)
        if len(line) + 1 + len(following.split()[0]) > margin
    )
    return full * 2 < len(filled) - 1


def _block_margin(lines: list[str]) -> int:
    """Where a block's lines wrap: nine in ten of them are no longer. Text wrapped at a margin fills its lines
    to about there; in notes ended by hand, a line that stops well short of it was ended on purpose."""
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < _FEW_LINES:
        return 0
    return lengths[(len(lengths) - 1) * 9 // 10]


def _broken_by_hand(line: str, following: str, width: int) -> bool:
    """A line that stops before the margin although the next line's first word would have fitted: notes
    written one statement per line ('Ahmed fixar listan' / 'Jenny pratar med fastighet'), not prose wrapped."""
    words = following.split()
    return (
        width > 0
        and bool(words)
        and not line.rstrip().endswith((",", ";", ":", "-", "–", "/", "&", "(", " och", " att", " samt"))
        and len(line.rstrip()) + 1 + len(words[0]) <= width
    )


_SECTION_LINE = re.compile(r"^§\s*\d+[a-z]?\s+\S")  # '§ 4 Ekonomi'
_SENTENCE_END = re.compile(r"[.!?]$")


def opens(text: str) -> bool:
    """Text that starts a cell rather than continues one: a capital, a digit, a bullet or a quote."""
    first = text[:1]
    return first.isupper() or first.isdigit() or first in "\"“”'«(" or strip_bullet(text)[1]
