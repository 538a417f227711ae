"""Text clean-up shared by readers and extraction: hyphen repair, whitespace, sentences. Pure."""

from __future__ import annotations

import re

_SOFT_HYPHEN = "\u00ad"
# A word broken at a line end with a hyphen, continued in lower case: "Myndig-\nhetschef".
# Not before 'och'/'eller': 'Fastighet- och säkerhetsansvarig' is a suspended compound.
_LINE_END_HYPHEN = re.compile(r"(\w)-[ \t]*\n[ \t]*(?=[a-zåäö])(?!(?:och|eller|samt|respektive|till)\b)")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_WHITESPACE = re.compile(r"\s+")
_NEEDS_SQUASH = re.compile(r"\s\s|[^\S ]|\u00ad|^\s|\s$")
_BULLET = re.compile(r"^\s*(?:[•\uf0b7\uf0a7▪◦●○■□➢►✓*]|-(?=\s))\s*")
# Sentence ends: . ! ? followed by space and an upper-case letter, digit or quote; abbreviations guarded below.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ0-9\"”“'(])")
# Abbreviations that are a word of their own: 'v. 14', 'nr. 3', 'bitr. rektor', 'ordf. Anna'.
_WORD_ABBREVIATIONS = frozenset(
    {"v.", "nr.", "bitr.", "ordf.", "sekr.", "tf.", "vordf.", "jfr.", "avd.", "tel."}
)
_ABBREVIATIONS = ("t.ex.", "bl.a.", "m.m.", "kl.", "ca.", "resp.", "t.o.m.", "fr.o.m.", "s.k.", "dvs.", "mm.")


# Soft hyphens and zero-width characters go; non-breaking spaces become spaces; non-breaking hyphens hyphens.
_CHARACTER_FIXES = str.maketrans(
    {
        "\u00ad": None,
        "\u200b": None,
        "\ufeff": None,
        "\u00a0": " ",
        "\u202f": " ",
        "\u2007": " ",
        "\u2011": "-",
    }
)
_NEEDS_FIXES = re.compile("[\u00ad\u200b\ufeff\u00a0\u202f\u2007\u2011]")


def clean_characters(text: str) -> str:
    """Readers' text as plain characters (translate() is slow: skipped when nothing needs it). A glyph the PDF
    maps to no character ('(cid:127)', a symbol font's bullet) is read as a bullet."""
    if "(cid:" in text:
        text = _UNMAPPED_GLYPH.sub("•", text)
    return text.translate(_CHARACTER_FIXES) if _NEEDS_FIXES.search(text) else text


_UNMAPPED_GLYPH = re.compile(r"\(cid:\d+\)")


def repair_hyphens(text: str) -> str:
    """Join soft hyphens and line-end hyphenation; keep line breaks otherwise."""
    if "-" not in text and _SOFT_HYPHEN not in text:
        return text
    return _LINE_END_HYPHEN.sub(r"\1", text.replace(_SOFT_HYPHEN, ""))


def squash(text: str) -> str:
    """One line with single spaces: hyphens repaired first so no word stays broken."""
    if _NEEDS_SQUASH.search(text) is None:
        return text  # already one clean line: the common case inside extraction
    return _WHITESPACE.sub(" ", repair_hyphens(text)).strip()


def tidy_lines(text: str) -> str:
    """Collapse runs of spaces on each line and strip the lines."""
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())


def strip_bullet(text: str) -> tuple[str, bool]:
    """Remove a leading bullet glyph; tell whether there was one."""
    match = _BULLET.match(text)
    if match is None:
        return text, False
    return text[match.end() :], True


def sentences(text: str) -> list[str]:
    """Split running text into sentences, keeping common Swedish abbreviations whole.

    A short line without end punctuation followed by a capitalised line also ends a sentence:
    text dumps and PDFs lose the paragraph break after a heading or an unpunctuated statement.
    """
    found: list[str] = []
    for chunk in _soft_chunks(repair_hyphens(text)):
        found.extend(_split_sentences(chunk))
    return found


def _soft_chunks(text: str) -> list[str]:
    lines = text.split("\n")
    if len(lines) < 2:
        return [text]
    widest = max(len(line.rstrip()) for line in lines)
    chunks: list[list[str]] = [[]]
    for index, line in enumerate(lines):
        chunks[-1].append(line)
        following = lines[index + 1].lstrip() if index + 1 < len(lines) else ""
        stripped = line.rstrip()
        if (
            following[:1].isupper()
            and stripped
            and stripped[-1] not in ".,;:-–!?("
            and len(stripped) < 0.85 * widest
            and not stripped.endswith((" och", " att", " i", " på", " för", " med", " av", " till", " som"))
        ):
            chunks.append([])
    return ["\n".join(chunk) for chunk in chunks if "".join(chunk).strip()]


def _split_sentences(text: str) -> list[str]:
    flat = squash(text)
    if not flat:
        return []
    parts = _SENTENCE_END.split(flat)
    merged: list[str] = []
    for part in parts:
        if merged and (
            merged[-1].lower().endswith(_ABBREVIATIONS)
            or merged[-1].rsplit(None, 1)[-1].lower() in _WORD_ABBREVIATIONS
        ):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return [p.strip() for p in merged if p.strip()]
