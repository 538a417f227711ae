"""Task lines of informal notes: action-list headings, owner markers at a line's end, label records, to-do
lines that open with a verb, negations. Pure: the grammar of a line, no knowledge of the document."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from minutes.patterns import (
    ACTION_SECTION,
    NOT_INFINITIVE_WORDS,
    PRESENT_VERB,
    SHORT_INFINITIVES,
)

__all__ = [
    "ACTION_SECTION",
    "LabelRecord",
    "is_negated",
    "label_record",
    "opens_with_infinitive",
    "record_part",
    "split_owner_marker",
    "strip_line_marker",
]

# '- [ ] ', '* ', '• ', '1. ', '1) ', 'a) ', 'a.) ', '[x] ': what opens a list line.
_LINE_MARKER = re.compile(
    r"^\s*(?:[-*•·▪–+]\s+)?(?:\[[ xX]?\]\s*)?(?:(?:\d{1,2}|[a-hA-H])\.?\)\s+|\d{1,2}\.\s+)?"
)
_NEGATED = re.compile(
    r"\b(?:ska|skall|kommer|behöver|måste|bör|vill|tänker)\s+(?:\w+\s+)?(?:inte|ej|aldrig|icke)\b"
    r"|^\s*(?:inte|ingen|inga|inget)\s",
    re.IGNORECASE,
)
_TRAILING_PAREN = re.compile(r"\(\s*([^()]{1,60}?)\s*\)\s*[.!]?\s*$")
_TRAILING_DASH = re.compile(r"\s[–—-]\s*([^–—()]{1,60}?)\s*[.!]?\s*$")
_TRAILING_COMMA = re.compile(r",\s*([^,()]{1,40}?)\s*[.!]?\s*$")
_OWNER_LABEL = re.compile(
    r"(?:^|[\s,;(])(?:ansv(?:ariga?)?|owner|ägare|vem)\s*[:.]?\s+([^:()]{1,60}?)\s*[.!)]?\s*$", re.IGNORECASE
)
# A due date after the owner marker: ' – fre 21/3', ' – due: v. 14', ', deadline Q2'.
_TRAILING_DUE = re.compile(
    r"(?:(?:\s*[,;–—]\s*|\s+-\s+)(?:(?:due|deadline|senast|klart(?:\s+senast)?|till)\s*:?\s*)?"
    r"|\s+(?:due|deadline|senast|klart(?:\s+senast)?)\s*:?\s*)"
    r"(?P<when>[^,;–—()]{1,30}?)\s*[.!]?\s*$",
    re.IGNORECASE,
)
# 'Kristoffer: boka möte med …'
_LEADING_OWNER = re.compile(r"^\s*([^:]{1,40}?)\s*:\s+(\S.*)$", re.DOTALL)
_MENTION = re.compile(r"(?<![\w.])@([A-ZÅÄÖ][\wåäöé-]+(?:[ .][A-ZÅÄÖ][\wåäöé-]+)?)")
_NAME_JOINED_TO_MENTION = re.compile(r"(?<![\w@])[A-ZÅÄÖ][\wåäöé-]+\s*(?:,|\s(?:och|o|&))\s*@")
# The labels of a record's three parts, as secretaries write them.
_WHAT = r"åtgärd|aktivitet|uppgift|action|vad|att göra"
_WHO = r"ansvarig|ansv|vem|owner|ägare"
_WHEN = r"klart senast|klart|senast|deadline|när|datum|due|slutdatum"
_TOPIC = r"ärende|punkt|fråga|rubrik|ämne|topic"
_RECORD = re.compile(
    rf"^\s*(?:(?:{_TOPIC})\s*:\s*(?P<topic>.+?)\s*[,;.]?\s+)?(?:{_WHAT})\s*:\s*(?P<what>.+?)\s*[,;.]?\s+(?:{_WHO})\s*:\s*(?P<who>.+?)"
    rf"(?:\s*[,;.]?\s+(?:{_WHEN})\s*:\s*(?P<when>.+?))?\s*[.;]?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_RECORD_PART = re.compile(
    rf"^\s*(?:(?P<what>{_WHAT})|(?P<who>{_WHO})|(?P<when>{_WHEN}))\s*:\s*(?P<value>.+)$", re.I
)
RecordField = Literal["what", "who", "when"]


@dataclass(frozen=True, slots=True)
class LabelRecord:
    """'Åtgärd: … Ansvarig: … Klart senast: …' read as its parts."""

    what: str
    who: str
    when: str
    topic: str = ""  # 'Ärende: …' before the action


def strip_line_marker(line: str) -> tuple[str, bool]:
    """The line without its bullet, checkbox or number; tell whether it had one."""
    match = _LINE_MARKER.match(line)
    if match is None or not match.group(0).strip():
        return line.strip(), False
    return line[match.end() :].strip(), True


def is_negated(text: str) -> bool:
    """'Vi ska inte …', 'Ingen ny upphandling …': a negated commitment is no task."""
    return _NEGATED.search(text) is not None


def opens_with_infinitive(text: str) -> bool:
    """A to-do line opens with a verb in the infinitive or imperative ('Boka lokal', 'Se över rutinen').

    The general rule of Swedish: infinitives end in -a ('Skicka', 'Sammanställa'), apart from a few short verbs
    ('se', 'ta', 'gå'); words ending in -a that are no verbs are listed (adjectives, pronouns, common nouns)."""
    words = re.findall(r"[\wåäöÅÄÖé-]+", text)
    if len(words) < 2:
        return False
    first = words[0]
    if not first[:1].isupper() or first.isupper():
        return False
    folded = first.casefold()
    if folded in SHORT_INFINITIVES:
        return True
    return (
        len(folded) >= 4
        and folded.endswith("a")
        and folded not in NOT_INFINITIVE_WORDS
        and not words[1][:1].isdigit()
        and "-" not in folded
    )


def split_owner_marker(
    line: str,
    is_owner: Callable[[str], bool],
    is_due: Callable[[str], bool] = lambda _: False,
    is_people: Callable[[str], bool] = lambda _: False,
) -> tuple[str, str | None]:
    """The line and the owner its end names: '(Kalle)', '– Kalle', ', Kalle.', 'Ansv: KL', '@Kalle', also
    before a trailing due date ('(Maja) – fre 21/3', 'owner: Maja + Erik, deadline Q2'), or at its start
    before an infinitive ('Kristoffer: boka möte …') or, when it names attendees or everyone (`is_people`),
    before any verb ('Alla: läs igenom …', 'SR: finish …'). The due date stays in the line.

    `is_owner` tells whether a phrase names owners (people, initials, roles, parties, 'alla'); a trailing
    phrase that does not ('…, senast 18/3', '(se bilaga)') is no marker. `is_due` tells a due date."""
    head, tail = line, ""
    due = _TRAILING_DUE.search(line)
    if due and is_due(due.group("when")):
        head, tail = line[: due.start()], line[due.start() :]
    for pattern in (_OWNER_LABEL, _TRAILING_PAREN, _TRAILING_DASH, _TRAILING_COMMA):
        match = pattern.search(head)
        owner = match.group(1).replace("@", "").rstrip("!") if match else ""  # '(alla!)'
        if match and is_owner(owner):
            return head[: match.start()].rstrip(" ,–—-→") + tail, owner
    leading = _LEADING_OWNER.match(line)
    if (
        leading
        and leading.group(2)[:1].islower()  # 'Kristoffer: boka …', not 'Deltagare: Anna Berg, …'
        and len(leading.group(1).split()) <= 3
        and is_owner(leading.group(1))
        and (
            opens_with_infinitive(leading.group(2)[:1].upper() + leading.group(2)[1:])
            or (is_people(leading.group(1)) and _opens_with_command(leading.group(2)))
        )
    ):
        return leading.group(2), leading.group(1)
    mentions = _MENTION.findall(line)
    if mentions and _NAME_JOINED_TO_MENTION.search(line):
        # 'Stina och @Kalle Berg går igenom …': the sentence names them both; its actors are the owners.
        return _MENTION.sub(lambda m: m.group(1), line), None
    if mentions and all(is_owner(m) for m in mentions):
        return _MENTION.sub(lambda m: m.group(1), line), ", ".join(mentions)
    return line, None


# A clause with a subject of its own after 'Kalle:' reports ('Kalle: vi ligger bra till', 'Kalle: klassningen
# är försenad'); an imperative or an infinitive gives a task ('Alla: läs igenom …', 'SR: finish …').
_PRONOUN = re.compile(r"(?:vi|jag|ni|de|det|den|han|hon|man|dom|we|it|they|i)", re.IGNORECASE)


def _opens_with_command(text: str) -> bool:
    words = text.split()
    return (
        len(words) >= 2
        and not _PRONOUN.fullmatch(words[0])
        and not PRESENT_VERB.fullmatch(words[1].casefold())
        and words[1].casefold() not in {"är", "var", "har", "blir", "kan", "ska", "is", "was", "has"}
    )


def record_part(text: str) -> tuple[RecordField, str] | None:
    """One part of a record standing in a paragraph of its own: 'Åtgärd: …', 'Ansvarig: …', 'Klart senast: …'."""
    match = _RECORD_PART.match(text)
    if match is None:
        return None
    field: RecordField = "what" if match.group("what") else "who" if match.group("who") else "when"
    return field, match.group("value").strip()


def label_record(text: str) -> LabelRecord | None:
    """'Åtgärd: Boka lokal. Ansvarig: Kim. Klart senast: 3/5' on one line or in one paragraph."""
    match = _RECORD.match(" ".join(text.split()))
    if match is None:
        return None
    return LabelRecord(
        match.group("what"), match.group("who"), match.group("when") or "", match.group("topic") or ""
    )
