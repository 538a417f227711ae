"""Word classes from a morphology, taken as data: which words of a document are verbs in the present, the
infinitive or the imperative. Pure: a morphology outside the core answers `candidate_words`; without one, the
extractor falls back to the verb-shape rules of minutes/patterns.py."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from minutes.model import ParsedDocument, Table, block_text


class WordClass(StrEnum):
    PRESENT = "present"  # 'bokar', 'tar', 'fixar': present tense, active
    PASSIVE = "passive"  # 'bokas', 'skickas': present tense, passive
    INFINITIVE = "infinitive"  # 'boka', 'skicka'
    IMPERATIVE = "imperative"  # 'boka', 'skicka'
    PAST = "past"  # 'bokade', 'bokat'
    NOUN = "noun"
    ADJECTIVE = "adjective"
    ADVERB = "adverb"
    OTHER = "other"  # known to the morphology, none of the above (prepositions, pronouns, …)


@dataclass(frozen=True, slots=True)
class WordClasses:
    """The readings of each word the morphology knows, keyed by the word in lower case. A word missing here
    is unknown (names, acronyms, new compounds): the shape rules decide for it."""

    readings: Mapping[str, frozenset[WordClass]] = field(default_factory=dict)

    def knows(self, word: str) -> bool:
        return word.casefold() in self.readings

    def can_be(self, word: str, *classes: WordClass) -> bool:
        return bool(self.readings.get(word.casefold(), frozenset()) & set(classes))


# The words a task could turn on: the first words of every line, sentence and clause (where a subject and its
# verb or an infinitive stand). Asking only these keeps a morphology's work small.
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_CLAUSE = re.compile(r"[\n.!?:;,–—]|\s-\s")
_OPENING_WORDS = 6


def candidate_words(doc: ParsedDocument) -> frozenset[str]:
    """The lower-case words at the start of each line, sentence or clause of the document, tables included."""
    return frozenset(
        _opening_words(block_text(b) if not isinstance(b, Table) else _table_text(b) for b in doc.blocks)
    )


def _table_text(table: Table) -> str:
    return "\n".join(cell.text for row in table.rows for cell in row.cells)


def _opening_words(texts: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for text in texts:
        for clause in _CLAUSE.split(text):
            found.update(w.casefold() for w in _WORD.findall(clause)[:_OPENING_WORDS])
    return found
