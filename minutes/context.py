"""What every rule of the extractor shares: the document's people, names, meeting date and word classes, and
the sentence-level judgements both tables and prose make (a sentence's kind, an owner-like phrase). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from minutes.actors import ActorGrammar, find_actors
from minutes.dates import choose_due, resolve_due
from minutes.model import (
    Due,
    ItemKind,
)
from minutes.patterns import (
    ACTION,
    ACTION_OPENING,
    ALL_WORDS,
    DECISION,
    FOLLOW_UP,
    PRESENT_VERB,
    PROCEDURAL,
    STATIVE_FUTURE,
)
from minutes.people import Roster, role_keys
from minutes.tasks import (
    opens_with_infinitive,
)
from minutes.words import WordClass, WordClasses

# Sentences that pick up the previous one ('Detta kommer ske på nästa möte') belong to its item.
ANAPHORIC = re.compile(r"^(?:detta|denna|dessa|det här|där|därefter|sedan)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class DocumentContext:
    roster: Roster
    grammar: ActorGrammar
    meeting_date: date
    words: WordClasses | None = None  # a morphology's answers; None: the verb-shape rules alone
    # The same sentence is asked for its actors several times (cutting, owning, headings): ask once.
    # The attendees as owners are written (initials, else names): derived once per document.
    listed_owners: frozenset[str] = field(init=False)
    first_names: frozenset[str] = field(init=False)  # of the people the document lists or names
    _dues: dict[str, Due | None] = field(default_factory=dict)
    _actors: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "listed_owners", frozenset(p.initials or p.name for p in self.roster.people))
        names = [p.name for p in self.roster.people] + list(self.roster.other_names)
        object.__setattr__(self, "first_names", frozenset(name.split()[0] for name in names if name.split()))

    def due_of(self, text: str) -> Due | None:
        """The due date a sentence gives (choose_due), asked once per text: several rules want it."""
        if text not in self._dues:
            self._dues[text] = choose_due(text, self.meeting_date)
        return self._dues[text]

    def actors(self, text: str) -> tuple[str, ...]:
        found = self._actors.get(text)
        if found is None:
            found = self._actors[text] = find_actors(text, self.roster, self.grammar)
        return found

    def names_owners(self, phrase: str) -> bool:
        """Whether a phrase at a line's end names owners: people, initials, roles, parties or 'alla'."""
        parts = [p for p in re.split(r"\s*(?:,|/|&|\+|\bo\b|\boch\b)\s*", phrase.strip(" .")) if p]
        return bool(parts) and len(parts) <= 6 and all(owner_like(part, self.roster) for part in parts)

    def names_people(self, phrase: str) -> bool:
        """Whether a phrase names only attendees (by name or initials) or everyone: 'Mattias', 'SR', 'Alla'."""
        parts = [p for p in re.split(r"\s*(?:,|/|&|\+|\bo\b|\boch\b)\s*", phrase.strip(" .")) if p]
        return bool(parts) and all(
            ALL_WORDS.match(part)
            or part in self.roster.initials
            or self.roster.resolve_name(part) in self.listed_owners
            for part in parts
        )

    def is_present_verb(self, word: str) -> bool:
        """'bokar', 'tar', 'fixar' — not 'åter' or 'efter', which only look like one."""
        if self.words is not None and self.words.knows(word):
            return self.words.can_be(word, WordClass.PRESENT)
        return PRESENT_VERB.fullmatch(word) is not None

    def opens_with_infinitive(self, text: str) -> bool:
        """A to-do line: 'Boka lokal', 'Skicka ut kallelsen' — not a sentence about someone whose name looks like
        one ('Anna Berg informerar …', 'Stina berättar …')."""
        words = text.split()
        first = words[0].strip(".,;:()") if words else ""
        if first in self.first_names:
            return False
        if self.words is not None and len(words) >= 2 and first[:1].isupper() and self.words.knows(first):
            return self.words.can_be(first, WordClass.INFINITIVE, WordClass.IMPERATIVE)
        return opens_with_infinitive(text)

    def names_due(self, phrase: str) -> bool:
        """Whether a phrase at a line's end is a due date ('fre 21/3', 'v. 14', 'Q2', 'end of April')."""
        return len(phrase) <= 30 and resolve_due(phrase, self.meeting_date) is not None


def owner_like(part: str, roster: Roster) -> bool:
    """One phrase that can only be an owner: a listed name, initials, a role, a party, 'alla', an organisation."""
    part = part.strip(" .!")
    words = part.split()
    if not part or len(words) > 4 or re.search(r"\d", part):
        return False
    if len(words) >= 3 and any(PRESENT_VERB.fullmatch(word) for word in words[1:-1]):
        return False  # 'Anders meddelar deras ledare' is a clause, though it ends on a role
    if ALL_WORDS.match(part):
        return True
    if re.fullmatch(r"[A-ZÅÄÖ]{2,4}", part) or roster.resolve_name(part) or role_keys(part):
        return True
    # A capitalised name or organisation not in the list ('Kalle', 'Skolverket', 'Anna Berg').
    return re.fullmatch(r"(?:[A-ZÅÄÖ][\wåäöéü-]+)(?:\s+[A-ZÅÄÖ][\wåäöéü-]+){0,2}", part) is not None and not (
        NOT_OWNER_WORDS.fullmatch(part.split()[0])
    )


# Capitalised words at a line's end that are no owner ('(Bilaga)', '– Klart', ', Se nedan').
NOT_OWNER_WORDS = re.compile(
    r"(?i:bilaga|se|klart|klar|pågår|pågående|ok|nej|ja|inget|ingen|ev|obs|vt|ht|januari|februari|mars|april|maj"
    r"|juni|juli|augusti|september|oktober|november|december|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag"
    r"|vecka|v|senast|löpande|status|info|information|beslut|prel|preliminärt|kl)"
)


def kind_of(text: str) -> ItemKind | None:
    """The signal a piece of text carries, if any: a decision, a follow-up or an action."""
    if not text or PROCEDURAL.search(text) or text.rstrip().endswith("?"):
        return None
    if DECISION.search(text):
        return ItemKind.DECISION
    if FOLLOW_UP.search(text):
        return ItemKind.FOLLOW_UP
    active = STATIVE_FUTURE.sub(" ", text)
    if ACTION.search(active) or ACTION_OPENING.match(text):
        return ItemKind.ACTION
    return None
