"""People in minutes: the attendee roster, owner normalisation and the actors a sentence names. Pure."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field

from minutes.model import Person
from minutes.patterns import (
    ACTOR_VERBS,
    ALL_WORDS,
    NOT_INFINITIVES,
    ORGANISATION_ABBREVIATIONS,
    PARTY_WORDS,
    ROLE_ABBREVIATIONS,
    ROLE_MODIFIERS,
    ROLE_NOUNS,
    ROLE_SUFFIX,
)
from minutes.text import repair_hyphens, squash

ALL = "ALLA"
# Latin letters with their accents (Latin-1 and Latin Extended-A), for names such as 'Marković'.
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ž"
_LOWER = "a-zß-öø-ÿĀ-ž"
_NAME_WORD = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"
_FULL_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,2}}"
# 'Mia Moln (MM)': a name with its initials.
_NAME_WITH_INITIALS = re.compile(rf"({_FULL_NAME})\s*\(\s*([{_UPPER}]{{2,4}})\s*\)")
# 'Lisa Berg (systemförvaltare, LB)': the initials last in the bracket.
_NAME_ROLE_INITIALS = re.compile(rf"({_FULL_NAME})\s*\([^()]{{2,60}}?,\s*([{_UPPER}]{{2,4}})\s*\)")
# 'Ola Strand OS (utbildningschef)', 'Kalle Ek KE,': initials after the name without brackets.
# 'Eva Lind, rektor (EL)'
_NAME_COMMA_ROLE_INITIALS = re.compile(
    rf"({_FULL_NAME}),[ \t]*[^,;()\n]{{2,40}}?[ \t]*\(\s*([{_UPPER}]{{2,4}})\s*\)"
)
_NAME_THEN_BARE_INITIALS = re.compile(
    rf"({_FULL_NAME}),?[ \t]+([{_UPPER}]{{2,4}})(?=[ \t]*[(,;\t]|[ \t]*$)", re.MULTILINE
)
_ROSTER_LABEL = re.compile(
    r"^\s*(närvarande|deltagare|deltar gör|gäster|gäst|frånvarande|ordförande|sammankallande|sekreterare"
    r"|justerare|mötesdeltagare|deltagande(?: vid \w+)?|adjungerade|adjungerad|närvarande ledamöter|ledamöter"
    r"|närvarande övriga|övriga närvarande|övriga|tjänstepersoner|tjänstemän|ersättare|anmält förhinder|med"
    r"|närv|deltog|attendees|present|participants)\s*:\s*(.*)$",
    re.IGNORECASE,
)
# Any 'Label:' line ends the list above it ('Kassör: Lisa Berg' after 'Sekreterare: Kim Ek').
_ANY_LABEL = re.compile(r"^\s*[\w][\w .-]{1,30}:")
# Capitalised words that start no person's name: months, weekdays, places and organisations.
_NOT_NAMES = frozenset(
    """januari februari mars april maj juni juli augusti september oktober november december måndag tisdag
    onsdag torsdag fredag lördag söndag stad staden kommun kommunen region regionen sverige förvaltning
    förvaltningen nämnd nämnden enhet enheten avdelning avdelningen namn roll funktion organisation titel
    befattning deltagare klart senast ansvarig ansvariga åtgärd åtgärder deadline ärende beslut""".split()
)


@functools.lru_cache(maxsize=4096)  # the same few names are folded for every owner cell
def _fold(text: str) -> str:
    """Case- and accent-insensitive key, so 'Jönsson' finds 'Jonsson'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_SPELLINGS = (
    ("ch", "k"),
    ("ph", "f"),
    ("th", "t"),
    ("ck", "k"),
    ("w", "v"),
    ("z", "s"),
    ("x", "ks"),
    ("c", "k"),
)


@functools.lru_cache(maxsize=4096)
def _spelling(name: str) -> str:
    """A first name's key across spellings of one name: 'Michael' and 'Mikael', 'Christina' and 'Kristina'."""
    key = _fold(name)
    for written, said in _SPELLINGS:
        key = key.replace(written, said)
    return key


@dataclass(frozen=True, slots=True)
class Roster:
    """Who the document names: attendees with initials, guests, and other full names seen in it."""

    people: tuple[Person, ...]
    other_names: tuple[str, ...] = ()

    @property
    def initials(self) -> frozenset[str]:
        return frozenset(p.initials for p in self.people if p.initials)

    def first_names(self) -> frozenset[str]:
        names = [p.name for p in self.people] + list(self.other_names)
        return frozenset(n.split()[0] for n in names if n.split())

    def resolve_name(self, written: str) -> str | None:
        """The owner form of a written name: initials, else the name as the roster writes it."""
        words = written.split()
        if not words:
            return None
        key_first = _spelling(words[0])
        rest = [_fold(w.rstrip(".")) for w in words[1:]]
        candidates: list[tuple[str, str | None]] = [(p.name, p.initials) for p in self.people]
        candidates += [(n, None) for n in self.other_names]
        hits: list[tuple[str, str | None]] = []
        for near in (False, True):
            # A first name spelt a letter off ('Annelie' for 'Anneli', 'Kristofer' for 'Kristoffer') is tried only when no name is
            # spelt alike, and only for the attendees.
            for name, initials in candidates if not near else [(p.name, p.initials) for p in self.people]:
                parts = [_fold(w) for w in name.split()]
                if not parts:
                    continue
                first = _spelling(parts[0])
                if first != key_first and not (near and _one_letter_off(first, key_first)):
                    continue
                if rest and not all(any(p.startswith(r) for p in parts[1:]) for r in rest):
                    continue
                hits.append((name, initials))
            if hits:
                break
        listed = {person.name for person in self.people}
        # An attendee beats a name merely seen in the text ('Greta' is the listed Greta Fjäll).
        if any(name in listed for name, _ in hits):
            hits = [(name, initials) for name, initials in hits if name in listed]
        unique = {name: initials for name, initials in hits}
        # 'Stina Ås' and 'Stina Ås Utvecklingsledare' are one person: keep the shortest.
        shortest = min(unique, key=len, default=None)
        if shortest is not None and all(n.startswith(shortest) for n in unique):
            unique = {shortest: unique[shortest]}
        if len(unique) != 1:
            return None
        name, initials = next(iter(unique.items()))
        return initials or name

    def resolve_role(self, written: str) -> str | None:
        """The one listed person who holds the role written ('Ekonomichefen', 'ordf'), as an owner: their
        initials, else their name. None when nobody or several hold it (GOLD_FORMAT: the role then stays)."""
        # The role as written, modifiers and all, first: 'Rektor' is the rektor, not the 'bitr. rektor', and a
        # title the list itself gives ('Ola Ek (specialpedagog)') needs no vocabulary.
        as_written = written_role(written)
        exact = {
            _person_key(p.name): p.initials or p.name
            for p in self.people
            if p.role and as_written in (written_role(part) for part in _role_parts(p.role))
        }
        if len(exact) == 1:
            return next(iter(exact.values()))
        # Then the title the list gives, in the definite form too: 'Skyddsombudet' for 'undersköterska,
        # skyddsombud', 'förvaltningschefen' for 'förvaltningschef SBF', 'VD' for 'VD'.
        forms = _written_title_forms(written)
        listed = {
            _person_key(p.name): p.initials or p.name
            for p in self.people
            if p.role and forms & {f for part in _role_parts(p.role) for f in _listed_title_forms(part)}
        }
        if len(listed) == 1:
            return next(iter(listed.values()))
        wanted = role_keys(written)
        if not wanted:
            return None
        holders: dict[str, str] = {}
        for person in self.people:
            if person.role and any(wanted & role_keys(part) for part in _role_parts(person.role)):
                holders.setdefault(_person_key(person.name), person.initials or person.name)
        return next(iter(holders.values())) if len(holders) == 1 else None


def _written_title_forms(written: str) -> frozenset[str]:
    """A written owner as a title could be: itself, and without a definite ending ('arkitekten')."""
    plain = _fold(" ".join(written.replace(".", " ").split()))
    if not plain or len(plain.split()) > 3:
        return frozenset()
    forms = {plain}
    for ending in (*_DEFINITE_ENDINGS, "na", "erna"):
        if plain.endswith(ending) and len(plain) - len(ending) >= 3:
            forms.add(plain[: -len(ending)])
    return frozenset(forms)


def _listed_title_forms(part: str) -> frozenset[str]:
    """A title as an attendance list gives it: whole, and its first word when a unit follows
    ('förvaltningschef SBF', 'projektledare e-tjänster')."""
    plain = _fold(" ".join(part.replace(".", " ").split()))
    words = plain.split()
    return frozenset({plain, words[0]} if len(words) > 1 and len(words[0]) >= 5 else {plain})


def _one_letter_off(a: str, b: str) -> bool:
    """Names of five letters or more that differ by one letter added, dropped or changed."""
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _person_key(name: str) -> str:
    """One key for spellings of one person ('Mia Molin', 'Mia Mollin'): first name and the
    surname's first four letters, folded."""
    words = _fold(name).split()
    return f"{words[0]} {words[-1][:4]}" if len(words) > 1 else _fold(name)


def role_parts(role: str) -> list[str]:
    """The titles of a listed role ('undersköterska, skyddsombud' → both)."""
    return _role_parts(role)


def _role_parts(role: str) -> list[str]:
    return [part.strip(" ()") for part in re.split(r"\s*[,;/()]\s*|\s+och\s+", role) if part.strip(" ()")]


_DEFINITE_ENDINGS = ("en", "n", "et", "t")


def written_role(text: str) -> str:
    """A role as an owner: abbreviations written out ('v. ordf' → 'vice ordförande'), else lower case."""
    plain = re.sub(r"\s+", " ", text.replace(".", " ")).strip().casefold()
    return ROLE_ABBREVIATIONS.get(_fold(plain), "") or _normalise_role(text)


@functools.lru_cache(maxsize=4096)
def role_keys(text: str) -> frozenset[str]:
    """Folded forms a role may be written in: the phrase and its head noun, each also without a definite
    ending ('Kassören' → 'kassör'), abbreviations written out. Empty when the text is no role."""
    plain = _fold(re.sub(r"\s+", " ", text.replace(".", " ")).strip(" ,;:()"))
    plain = re.sub(r"\b([a-z]{2,5}) (?=\w*(?:chef|ansvarig|samordnare|strateg))", r"\1-", plain)  # 'hr chef'
    if not plain:
        return frozenset()
    expanded = ROLE_ABBREVIATIONS.get(plain)
    phrases = {_fold(expanded)} if expanded else {plain}
    if not expanded and not _FOLDED_ROLE_PHRASE.fullmatch(plain):
        return frozenset()
    keys: set[str] = set()
    for phrase in phrases:
        words = phrase.split()
        for form in {phrase, words[-1]} if len(words) < 3 else {phrase}:
            keys.add(form)
            for ending in _DEFINITE_ENDINGS:
                if form.endswith(ending) and len(form) - len(ending) >= 4:
                    keys.add(form[: -len(ending)])
    # 'vice ordförande' is not 'ordförande': a head noun after 'vice' is no key of its own.
    if any(p.startswith("vice ") for p in phrases):
        keys = {k for k in keys if k.startswith("vice ")}
    return frozenset(keys)


# A role phrase in folded form (up to three words before the role noun), what role_keys compares.
_FOLDED_ROLE_PHRASE = re.compile(rf"(?:[\w-]+\s+){{0,3}}{_fold(ROLE_NOUNS)}")


def parse_roster(text: str, tables: Iterable[Sequence[Sequence[str]]] = ()) -> Roster:
    """Read attendees from attendance tables ('Namn | Roll'), the opening lines and the names given with
    initials anywhere. `tables` are the document's tables as rows of cell texts, header first."""
    people: dict[str, Person] = {}
    for rows in tables:
        for person in _table_people(rows):
            people.setdefault(person.name, person)
    flat = squash(text)
    for match in _NAME_WITH_INITIALS.finditer(flat):
        name, initials = match.group(1), match.group(2)
        # '(KD)' after a name is a party: initials start with the name's own first letter.
        if initials[0] == name[0] and initials not in ORGANISATION_ABBREVIATIONS:
            people.setdefault(name, Person(name=name, initials=initials))
    for match in (*_NAME_ROLE_INITIALS.finditer(flat), *_NAME_COMMA_ROLE_INITIALS.finditer(flat)):
        name, initials = match.group(1), match.group(2)
        if initials[0] == name[0] and initials not in ORGANISATION_ABBREVIATIONS:
            people.setdefault(name, Person(name=name, initials=initials))
    # One pass over the text as written: a name may wrap over a line's end before its initials.
    for match in _NAME_THEN_BARE_INITIALS.finditer(text):
        name, initials = match.group(1), match.group(2)
        words = name.split()
        # Bare initials must be the name's own ('Ola Strand OS'), or 'Anna Berg SSR' would be a person's.
        if (
            initials[0] == words[0][0]
            and initials[-1] == words[-1][0]
            and initials not in ORGANISATION_ABBREVIATIONS
            and "\t" not in name
        ):
            people.setdefault(name, Person(name=name, initials=initials))
    lines = text.splitlines()
    titled_before: set[str] = set()
    for index, line in enumerate(lines):
        label = _ROSTER_LABEL.match(line)
        if label is None:
            continue
        role = label.group(1).lower()
        # The list may continue on the next lines until a blank line or the next label.
        body = [label.group(2)]
        for follow in lines[index + 1 : index + 6]:
            if not follow.strip() or _ANY_LABEL.match(follow) or follow.rstrip().endswith(":"):
                break
            body.append(follow)
        listed = squash(" ".join(body))
        for name in re.findall(_FULL_NAME, listed):
            if _is_plausible_name(name) and name not in people:
                single_role = role if role in {"sammankallande", "sekreterare", "ordförande"} else None
                people[name] = Person(name=name, role=single_role)
        _add_first_names(listed, people)
        titled_before |= _add_listed_roles(listed, people)
    _add_roles(text, people, titled_before)
    other = tuple(
        sorted(
            {
                n
                # line by line: a name never runs over a line's end ('… – Greta' / 'Boka föreläsare …')
                for line in text.splitlines()
                for n in re.findall(rf"(?<![{_UPPER}{_LOWER}])({_NAME_WORD}\s+{_NAME_WORD})", squash(line))
                if _is_plausible_name(n) and n not in people
            }
        )
    )
    return Roster(people=tuple(people.values()), other_names=other)


# An attendance table's columns: who, in what role, with which initials.
_NAME_COLUMN = re.compile(r"(?:namn|deltagare|närvarande|ledamot|ledamöter|representant|person)", re.I)
_ROLE_COLUMN = re.compile(r"(?:roll|funktion|titel|befattning|tjänst|uppdrag|roll i gruppen)", re.I)
_INITIALS_COLUMN = re.compile(r"(?:initialer|förkortning|sign\.?|signatur|kortnamn)", re.I)
_INITIALS = re.compile(rf"[{_UPPER}]{{2,4}}")


def _table_people(rows: Sequence[Sequence[str]]) -> list[Person]:
    """People from a table whose header names a name column, with their roles and initials if it has those
    columns; nothing from any other table."""
    if len(rows) < 2:
        return []
    header = [squash(cell).strip(" :") for cell in rows[0]]

    def column(pattern: re.Pattern[str]) -> int | None:
        return next((i for i, title in enumerate(header) if pattern.fullmatch(title)), None)

    name_at, role_at, initials_at = column(_NAME_COLUMN), column(_ROLE_COLUMN), column(_INITIALS_COLUMN)
    if name_at is None:
        return []
    people: list[Person] = []
    for row in rows[1:]:
        cells = [squash(cell) for cell in row]
        if name_at >= len(cells) or not re.fullmatch(_FULL_NAME, cells[name_at]):
            continue
        name = cells[name_at]
        if not _is_plausible_name(name):
            continue
        role = cells[role_at] if role_at is not None and role_at < len(cells) else ""
        initials = cells[initials_at] if initials_at is not None and initials_at < len(cells) else ""
        people.append(
            Person(
                name=name,
                initials=initials if _INITIALS.fullmatch(initials) else None,
                role=_normalise_role(role) or None,
            )
        )
    return people


_ROLE_PHRASE = (
    rf"(?:(?:(?:{ROLE_MODIFIERS}|vice|v\.)\s+)?{ROLE_NOUNS}(?:\s+(?-i:[{_UPPER}]{{2,4}}))?"
    r"|v\.\s*ordf\.?|vordf\.?|ordf\.?|sekr\.?)"
)
# 'Eva Lind, ekonomichef', 'Eva Lind (ekonomichef)', 'Eva Lind – ekonomichef', 'Eva Lind<TAB>ekonomichef'.
# The name is found first (cheap: it needs capitals); the role is then matched where it must stand, beside it.
_NAME = re.compile(rf"(?<![\w-])(?:{_FULL_NAME})(?![\w-])")
# after the name: ', ekonomichef', ' (ekonomichef)', ' – ekonomichef', '<TAB>ekonomichef', ', ND (ordf)'
_ROLE_AFTER_NAME = re.compile(
    rf"(?:,?[ \t]+\(?(?-i:[{_UPPER}]{{2,4}})\)?)?[ \t]*(?:,|\(|–|—|-(?=\s)|\t)[ \t]*"
    rf"({_ROLE_PHRASE}(?:[ \t]*[,(][ \t]*{_ROLE_PHRASE}\)?)*)(?![\w-])",
    re.IGNORECASE,
)
# before the name: 'ordförande Eva Lind', 'Kassör: Per Holm', 'ekonomichef Eva Lind'
_ROLE_BEFORE_NAME = re.compile(rf"(?<![\w-])({_ROLE_PHRASE})[ \t]*:?[ \t]+\Z", re.IGNORECASE)
_RECORD_LABEL = re.compile(r"ansvarig|ansvariga|ansv\.?", re.IGNORECASE)
_ROLE_LINE = re.compile(rf"\s*({_ROLE_PHRASE})\s*", re.IGNORECASE)
_NAME_LINE = re.compile(rf"\s*({_FULL_NAME})\s*")


# In an attendance list, what stands in parentheses after a name is the person's role ('(bitr. rektor)',
# '(SYV)', '(specialpedagog)'), whatever the word, unless it is their initials or a party ('(KD)').
_NAME_PARENTHESIS = re.compile(rf"({_FULL_NAME}|{_NAME_WORD})\s*\(([^()]{{2,40}})\)")
_PARTY_LETTERS = re.compile(r"S|M|V|C|L|KD|MP|SD|FP|Fi")  # '(KD)' after a politician's name
_LISTED_ENTRY = re.compile(
    rf"({_FULL_NAME})\s*(\([^()]{{1,12}}\))?\s*,\s*([^,()]{{2,60}}?)\s*(?:\([^()]*\))?\s*[.]?"
)


_FIRST_NAME_ENTRY = re.compile(rf"({_NAME_WORD})\s*(?:\(([^()]{{1,40}})\))?")


def _add_first_names(listed: str, people: dict[str, Person]) -> None:
    """An attendance list of first names only ('Med: Nora (ordf), Elias, Wilma'): each is a person."""
    entries = [e.strip(" .") for e in re.split(r"\s*[,;]\s*|\s+(?:och|o|&)\s+", listed) if e.strip(" .")]
    if not entries or any(re.search(_FULL_NAME, e) for e in entries):
        return
    for entry in entries:
        found = _FIRST_NAME_ENTRY.fullmatch(entry)
        if found is None:
            continue
        name = found.group(1)
        if name.casefold() in _NOT_NAMES or re.fullmatch(ROLE_NOUNS, name, re.IGNORECASE) or name in people:
            continue
        people[name] = Person(name=name)


# Initials as secretaries write them in an attendance list: '(LPe)', '(KiS)' beside '(EL)', or first in the
# parentheses before the role: '(LÖ, projektledare)'.
_LISTED_INITIALS = re.compile(
    rf"({_FULL_NAME})\s*\(\s*([{_UPPER}][{_UPPER}{_LOWER}]{{1,3}})\s*(?:,\s*([^()]{{2,60}}))?\)"
)


def _add_listed_initials(listed: str, people: dict[str, Person]) -> None:
    for match in _LISTED_INITIALS.finditer(listed):
        name, initials, role = match.group(1), match.group(2), match.group(3)
        person = people.get(name)
        if person is None or person.initials or initials[0] != name[0]:
            continue
        if sum(ch.isupper() for ch in initials) < 2 or initials.upper() in ORGANISATION_ABBREVIATIONS:
            continue
        people[name] = Person(name, initials, person.role or (_normalise_role(role) if role else None))


# 'ordf Eva Lind, vordf Per Holm' and 'Eva Lind ordf, Per Holm vordf': a title in lower case
# written straight before or after the name in a comma-separated list.
_TITLE_BEFORE_NAME = re.compile(
    rf"(?P<role>(?-i:[{_LOWER}])[\w.-]*(?:\s+[\w.-]+){{0,2}}?)\s+(?P<name>{_FULL_NAME})"
)
_TITLE_AFTER_NAME = re.compile(
    rf"(?P<name>{_FULL_NAME})\s+(?P<role>(?-i:[{_LOWER}])[\w.-]*(?:\s+[\w.-]+){{0,2}})"
)


def _add_bare_titles(listed: str, people: dict[str, Person]) -> set[str]:
    """The titles; returns the names whose title stands before them (the word after such a name's comma is the
    next person's title, not theirs)."""
    titled_before: set[str] = set()
    for entry in re.split(r"\s*[,;]\s*", listed):
        before = _TITLE_BEFORE_NAME.fullmatch(entry.strip(" ."))
        found = before or _TITLE_AFTER_NAME.fullmatch(entry.strip(" ."))
        if found is None or found.group("name") not in people:
            continue
        person = people[found.group("name")]
        if before:
            titled_before.add(person.name)
        if not person.role:
            people[person.name] = Person(person.name, person.initials, written_role(found.group("role")))
    return titled_before


def _add_listed_roles(listed: str, people: dict[str, Person]) -> set[str]:
    _add_listed_initials(listed, people)
    titled_before = _add_bare_titles(listed, people)
    if ";" in listed:
        # 'Eva Lind (EL), vårdenhetschef; Per Holm, specialistsjuksköterska; …': the text after a
        # name's comma, up to the semicolon, is the title.
        for entry in listed.split(";"):
            found = _LISTED_ENTRY.fullmatch(entry.strip())
            if found is None or found.group(1) not in people:
                continue
            holder = people[found.group(1)]
            title = re.split(r"\s+(?:och|&)\s+", found.group(3))
            role = ", ".join(_normalise_role(part) for part in title if part.strip())
            if role and not holder.role:
                people[holder.name] = Person(holder.name, holder.initials, role)
    for match in _NAME_PARENTHESIS.finditer(listed):
        name = match.group(1)
        person = people.get(name)
        if person is None or person.role:
            continue
        roles = [
            part.strip()
            for part in match.group(2).split(",")
            if part.strip()
            and not _PARTY_LETTERS.fullmatch(part.strip())
            and part.strip().upper() not in ORGANISATION_ABBREVIATIONS
            and not (_INITIALS.fullmatch(part.strip()) and part.strip()[0] == name[0])
        ]
        if roles:
            people[name] = Person(person.name, person.initials, ", ".join(_normalise_role(r) for r in roles))
    return titled_before


def _add_roles(text: str, people: dict[str, Person], titled_before: Set[str] = frozenset()) -> None:
    """Roles written beside a name anywhere in the document, and a name line over a role line (an author
    block): the people who hold them, so that an owner written as a title reaches the person."""
    found: list[tuple[str, str]] = []
    # One pass over the text as written: a name may wrap over a line's end ('Therese' / 'Bylund, controller'),
    # a role never does.
    for match in _NAME.finditer(text):
        words = match.group(0).split()
        # 'Tora Vik Sekreterare' reads as three name words: try the name without its last word too.
        for count in range(len(words), 1, -1):
            end = match.start() + len(" ".join(words[:count])) if count < len(words) else match.end()
            name = text[match.start() : end]
            role_after = _ROLE_AFTER_NAME.match(text, end) if name not in titled_before else None
            # A role before the name stands on the name's own line, and such a name does not run on to the next
            # ('Ansvarig: Kim Berg' / 'Klart senast: …').
            line_start = text.rfind("\n", 0, match.start()) + 1
            role_before = (
                _ROLE_BEFORE_NAME.search(text, max(line_start, match.start() - 60), match.start())
                if "\n" not in name
                else None
            )
            if role_before and _RECORD_LABEL.fullmatch(role_before.group(0).strip(" :\t")):
                role_before = None  # 'Ansvarig: Kim' labels a record's owner, it is no title
            if role_after or role_before:
                found += [(name, role.group(1)) for role in (role_after, role_before) if role]
                break
    lines = [line for line in text.splitlines() if line.strip()]
    for line, after in zip(lines, lines[1:], strict=False):
        name_line, role_line = _NAME_LINE.fullmatch(line), _ROLE_LINE.fullmatch(after)
        if name_line and role_line:
            found.append((name_line.group(1), role_line.group(1)))
    for written_name, written in found:
        name = " ".join(written_name.split())  # a name wrapped over a line's end
        if not _is_plausible_name(name) or "\t" in written_name:
            continue
        role = written_role(written)
        person = people.get(name)
        if person is None:
            people[name] = Person(name=name, role=role)
        elif not person.role or role not in _role_parts(person.role):
            people[name] = Person(
                person.name, person.initials, f"{person.role}, {role}" if person.role else role
            )


def _is_plausible_name(name: str) -> bool:
    words = name.split()
    return (
        len(words) >= 2
        and not any(w.casefold() in _NOT_NAMES or w.upper() in ORGANISATION_ABBREVIATIONS for w in words)
        # 'Stina Ås Utvecklingsledare', 'Myndighetschef Ansökningstiden': roles are not names.
        and not any(re.fullmatch(ROLE_NOUNS, w, re.IGNORECASE) for w in words)
    )


def _normalise_role(text: str) -> str:
    """Roles and parties in lower case as written; 'HR chef' becomes 'hr-chef' like the compound it is."""
    text = squash(text).strip(" .,;:()")
    text = re.sub(rf"\b([{_UPPER}]{{2,5}})\s+({ROLE_SUFFIX})\b", r"\1-\2", text)
    return text.lower()


# Owner lists split at commas, slashes, line breaks and 'och', but not in 'Fastighet- och säkerhetsansvarig'.
_SPLIT = re.compile(r"\s*[,;/&+]\s*|\s*\n\s*(?:och\s+)?|(?<!-)\s+och\s+|\s+o\s+")


def normalise_owner_cell(text: str, roster: Roster) -> tuple[str, ...]:
    """Owners from a responsible-column cell: 'EE, SR och TU' → ('EE', 'SR', 'TU'); roles in lower case."""
    # A PDF may wrap one letter of a word onto its own line ('Myndighetsche' / 'f').
    joined = re.sub(r"(\w)\n([a-zåäö]{1,2})(?=\n|$)", r"\1\2", repair_hyphens(text)).strip(" .,;:\n")
    # A phrase wrapped over lines ('Avdelningschef för\ndigitalisering och\nvälfärdsteknik') is one owner:
    # a line ending in a small word, or followed by a lower-case line, continues.
    joined = re.sub(r"\b(för|och|i|av|med|inom|på)[ \t]*\n\s*", r"\1 ", joined)
    joined = re.sub(r"[ \t]*\n\s*(?=[a-zåäö])", " ", joined)
    if not squash(joined):
        return ()
    parts = [squash(p) for p in _SPLIT.split(joined) if squash(p)]
    # 'AA EE' on one line: initials separated by spaces only.
    parts = [
        w
        for p in parts
        for w in (p.split() if re.fullmatch(rf"[{_UPPER}]{{2,4}}(?:\s+[{_UPPER}]{{2,4}})+", p) else [p])
    ]
    # Split on 'och' only when every part is an owner on its own; otherwise 'och' belongs to a phrase
    # ('Avdelningschef för digitalisering och välfärdsteknik'). Commas, slashes and lines always separate.
    if len(parts) > 1 and not all(_is_owner_token(p, roster) for p in parts):
        parts = [squash(p) for p in re.split(r"\s*[/\n;,&+]\s*", joined) if p.strip(" .,")]
    owners: list[str] = []
    for part in parts:
        owner = normalise_owner(part, roster)
        if owner and owner not in owners:
            owners.append(owner)
    return tuple(owners)


def _is_owner_token(part: str, roster: Roster) -> bool:
    part = part.strip(" .")
    return bool(
        ALL_WORDS.match(part)
        or re.fullmatch(rf"[{_UPPER}][{_LOWER}-]+", part)  # one capitalised word: a party ('Lärarförbundet')
        or re.fullmatch(rf"[{_UPPER}]{{2,4}}", part)
        or roster.resolve_name(part)
        or re.fullmatch(rf"(?:{ROLE_MODIFIERS}\s+)?[\w-]*{ROLE_SUFFIX}", part, re.IGNORECASE)
        or re.fullmatch(PARTY_WORDS, part, re.IGNORECASE)
    )


# An owner cell that names nobody yet.
_NO_OWNER = re.compile(
    r"(?:tbd|tba|ej utsedd|inte utsedd|ingen|saknas|oklart|okänd|n/a|vakant)", re.IGNORECASE
)


def normalise_owner(part: str, roster: Roster) -> str | None:
    """One owner phrase → its GOLD form: initials, roster name, 'ALLA', or a lower-case role/party."""
    part = squash(part).strip(" .,;:()").lstrip("@")  # '@Anna Berg', a mention copied from Teams or Loop
    if not part or part in {"-", "–", "—", "?"} or _NO_OWNER.fullmatch(part):
        return None
    if ALL_WORDS.match(part):
        return ALL
    if re.fullmatch(rf"[{_UPPER}]{{2,4}}", part):
        if part in roster.initials:
            return part
        if holder := roster.resolve_role(part):
            return holder  # 'SYV' when the list says 'Ola Ek (SYV)'
        if part in ORGANISATION_ABBREVIATIONS or roster.initials:
            return part.lower()
        return part
    # A title fitting one listed person beats a name merely seen in the text ('Specialpedagog' is no first name).
    resolved = roster.resolve_role(part) or roster.resolve_name(part)
    if resolved:
        return resolved
    if re.fullmatch(_NAME_WORD, part) and not role_keys(part) and not re.fullmatch(PARTY_WORDS, part, re.I):
        return part  # a first name the list does not give ('Kalle') stays a name
    return written_role(part)


# --- actors named in a sentence ------------------------------------------------------------------


# Names in a sentence are swapped for one private-use character each before the actor patterns run,
# so those patterns are the same for every document and compile once per process: with each
# document's names inside them they took 25-55 ms to compile per document, more than the rest of
# the extraction. Plane 15 is private use and never appears in minutes; any such character is
# neutralised first all the same.
_NAME_TOKEN_BASE = 0xF0000
_NAME_TOKEN = "[\U000f0000-\U000ffffd]"
_FOREIGN_TOKENS = re.compile(_NAME_TOKEN)


def _actor_patterns() -> tuple[re.Pattern[str], ...]:
    # Initials and capitalised words must keep their case even inside the case-insensitive patterns.
    initials = rf"(?-i:(?<![\w-])[{_UPPER}]{{2,3}}(?![\w-]))"
    modifier = rf"(?:{ROLE_MODIFIERS}|(?-i:[{_UPPER}][{_LOWER}]+(?:iv|ig|isk|ell|ör)))"
    role = rf"(?:{modifier}\s+)?(?:[\w]+-\s+och\s+)?{ROLE_NOUNS}"
    abbreviated = r"(?:v\.\s*ordf|vordf|ordf|sekr)\.?"  # 'Ordf ringer …', 'Sekr meddelar …'
    everyone = r"(?:alla|samtliga|var och en|vi)"
    one = rf"(?:{_NAME_TOKEN}|{initials}|{role}|{abbreviated}|{PARTY_WORDS}|{everyone})(?![\w-])"
    agent = rf"(?P<agent>{one}(?:\s*,\s*{one})*(?:\s+(?:och|&)\s+{one})?)"
    return (
        re.compile(
            rf"(?:^|[.;:!?–]\s+|,\s+(?:och\s+|men\s+)?|\b(?:och|att|men)\s+){agent}\s+"
            rf"(?:även\s+|också\s+|sedan\s+|nu\s+)?{ACTOR_VERBS}\b",
            re.IGNORECASE,
        ),
        re.compile(rf"\b(?:ge|ger|gav|uppdras åt|uppdrar åt)\s+{agent}\s+(?:i\s+)?uppdrag", re.I),
        # '(beslutar) att uppdra åt X att …', the protocol's form of an assignment
        re.compile(rf"\b(?:uppdra|uppdrar|uppdras|uppdrog|uppdrogs)\s+åt\s+{agent}\s+att\b", re.I),
        # Any verb in the present tense after the agent that opens the sentence ('Kassören anmäler …').
        re.compile(
            rf"^{agent}\s+(?:även\s+|också\s+|sedan\s+)?(?-i:[{_LOWER}]{{2,}}(?:ar|er|ör|år|ir|yr))\b(?!\s+att\b)",
            re.IGNORECASE,
        ),
        re.compile(
            rf"\b(?:ska|skall|kommer|får|vill|fortsätter|tar|behöver|måste|bör)\s+{agent}"
            rf"\s+(?:att\s+|även\s+|också\s+|med\s+)?[{_LOWER}]",
            re.IGNORECASE,
        ),
        re.compile(rf"\b\w+s\s+(?:(?:ut|in|fram|upp|över|om)\s+)?av\s+{agent}", re.IGNORECASE),
        # V2 inversion after a fronted time: 'Vid nästa AU-möte diskuterar A, B och C programmet'.
        re.compile(
            rf"^(?:vid|i|på|under|till|efter|inför|nästa|senare|sedan|därefter|imorgon)\b[^,.;]{{0,40}}?\s"
            rf"(?-i:[{_LOWER}]{{2,}}(?:ar|er|ör|år))\s+{agent}",
            re.IGNORECASE,
        ),
    )


# Tried in this order; the first that finds anyone decides.
_ACTOR_PATTERNS = _actor_patterns()

# Sentence openings that are adverbials or pronouns, never a unit that acts.
_NOT_SUBJECT_START = (
    r"(?:Det|Detta|Den|Denna|De|Dessa|Man|Vi|Vidare|Därefter|Sedan|Dessutom|Även|Också|Nu|Här|Då|Om|När"
    r"|Efter|Innan|Under|Inför|Framöver|Förhoppningsvis|Samtidigt|Totalt|Beslut|Arbetet|Resultatet)"
)

# Between the auxiliary and the verb only adverbs may stand ('kommer inom snar framtid utannonsera');
# a conjunction or another auxiliary means the verb belongs to another clause.
_NOT_ADVERBS = r"(?:och|men|eller|samt|att|ska|skall|kan|bör|måste|som|det|den|de)"

# A unit named at the start of the sentence and committed to an active verb:
# 'Barn, unga och familj kommer inom snar framtid utannonsera …'. Runs on the text as written.
_LEADING_NOUN_PHRASE = re.compile(
    rf"^(?P<agent>(?!{_NOT_SUBJECT_START}\b)[{_UPPER}][{_LOWER}-]+(?:(?:,\s*|\s+och\s+|\s+)[{_LOWER}-]+){{0,3}})"
    rf"\s+(?:kommer(?:\s+att)?|ska|skall)\s+(?:(?!{_NOT_ADVERBS}\b)[{_LOWER}]+(?<!s)\s+){{0,3}}?"
    rf"(?!{NOT_INFINITIVES}\b|{_NOT_ADVERBS}\b)[{_LOWER}]+[^s\W]a\b"
)


# A capitalised pair is taken for a name wherever it stands ('Ge Edit' at the start of 'Ge Edit i uppdrag …',
# 'Ekonomisk Uppföljning' in a heading), but the actor patterns may read its words otherwise. One with a word
# of the patterns' own grammar in it ('Ge', 'Men', 'Kommer') is never a name: it is not tokenised at all.
# One that starts with a word that may begin a role or a party ('Ekonomisk', 'Fackliga', 'Kjell') is a name
# first; where that finds nobody, the sentence is read again with it as plain words (what a pattern with the
# names inside did by backtracking).
_NEVER_A_NAME_WORD = re.compile(
    rf"(?:och|att|men|även|också|sedan|nu|ge|ger|gav|uppdras|uppdrar|vill|{ACTOR_VERBS})"
)
_MAYBE_NOT_A_NAME_START = re.compile(
    rf"(?:alla|samtliga|var|vi|{ROLE_MODIFIERS}|{PARTY_WORDS}|[\w-]*{ROLE_SUFFIX}|[{_LOWER}]+(?:iv|ig|isk|ell|ör))"
)
_MAX_NAME_FORMS = 0xFFFFD - _NAME_TOKEN_BASE + 1  # one token character each


@dataclass(frozen=True, slots=True)
class ActorGrammar:
    """The names one document uses, found as whole words, longest first; built once per document."""

    names: re.Pattern[str] | None
    sure_names: re.Pattern[str] | None  # the names without those whose first word may be read otherwise
    forms: tuple[str, ...]
    index: Mapping[str, int] = field(init=False, compare=False, hash=False)  # form → its token

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {form: i for i, form in enumerate(self.forms)})

    def readings(self, text: str) -> tuple[str, ...]:
        """The text with each name replaced by its token character; then, if it differs, with only the sure
        names replaced."""
        text = _FOREIGN_TOKENS.sub("\ufffd", text)
        if self.names is None:
            return (text,)
        every = self.names.sub(self._token, text)
        if self.sure_names is self.names:
            return (every,)
        sure = self.sure_names.sub(self._token, text) if self.sure_names is not None else text
        return (every,) if sure == every else (every, sure)

    def restore(self, text: str) -> str:
        """The names back in place of their tokens."""
        return _FOREIGN_TOKENS.sub(lambda m: self.forms[ord(m.group(0)) - _NAME_TOKEN_BASE], text)

    def _token(self, match: re.Match[str]) -> str:
        return chr(_NAME_TOKEN_BASE + self.index[match.group(0)])


def actor_grammar(roster: Roster) -> ActorGrammar:
    def usable(forms: Iterable[str]) -> list[str]:
        return [
            form
            # Ties in length in a fixed order: which names keep a token never depends on hash order.
            for form in sorted(set(forms), key=lambda f: (-len(f), f))
            if not any(_NEVER_A_NAME_WORD.fullmatch(word.casefold()) for word in form.split())
        ]

    # Beyond the token characters' range (a document naming tens of thousands) the attendees keep theirs
    # and the shortest of the other names are plain words.
    attendees = usable(n for p in roster.people for n in _name_forms(p.name))
    known = set(attendees)
    others = [form for form in usable(_other_forms(roster)) if form not in known]
    kept = (attendees + others)[:_MAX_NAME_FORMS]
    # Longest first, so that at one place the longest name wins.
    forms = tuple(sorted(kept, key=len, reverse=True))
    if not forms:
        return ActorGrammar(names=None, sure_names=None, forms=())
    sure = [form for form in forms if not _MAYBE_NOT_A_NAME_START.fullmatch(form.split()[0].casefold())]
    every_pattern = _whole_words(forms)
    sure_pattern = every_pattern if len(sure) == len(forms) else _whole_words(sure) if sure else None
    return ActorGrammar(names=every_pattern, sure_names=sure_pattern, forms=forms)


def _whole_words(forms: Iterable[str]) -> re.Pattern[str]:
    # Case-sensitive, and whole words only: the actor patterns never let a name touch a letter or '-'.
    return re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(form) for form in forms)})(?![\w-])")


def _name_forms(name: str) -> list[str]:
    words = name.split()
    forms = [name, words[0]]
    if len(words) > 1:
        forms.append(f"{words[0]} {words[1][0]}")
    return forms


def _other_forms(roster: Roster) -> Iterable[str]:
    for name in roster.other_names:
        yield name
        yield name.split()[0]


_PRONOUN_SUBJECTS = re.compile(r"^(?:det|detta|den|denna|de|dessa|man|som|han|hon|ni|du|jag)$", re.I)


_DECIDER = re.compile(
    r"^\s*(?:[\w-]+\s+){1,3}?(?:beslutar|beslöt|beslutade|ställer sig bakom|fastställer)\s+(?:att\s+)?",
    re.IGNORECASE,
)


def find_actors(sentence: str, roster: Roster, grammar: ActorGrammar) -> tuple[str, ...]:
    """Who the sentence says will act, as owners; empty when it names nobody."""
    flat = squash(sentence)
    found: list[str] = []
    # A comparison or condition ('… än att arbetsgivaren skickar ut …') commits nobody.
    flat = re.split(r"\b(?:än att|ifall|såvida)\b", flat, maxsplit=1)[0]
    # Who decides is not who acts: 'Rådet beslutar att mötestiderna läggs på måndagar' names no owner, and
    # 'Styrelsen beslutar att kassören betalar' names the kassör.
    decided = _DECIDER.match(flat)
    if decided:
        flat = flat[decided.end() :]
    readings = grammar.readings(flat)
    for pattern in _ACTOR_PATTERNS:
        for reading in readings:
            for match in pattern.finditer(reading):
                for owner in _agent_owners(grammar.restore(match.group("agent")), roster):
                    if owner not in found:
                        found.append(owner)
            if found:
                # A named owner beats 'vi' and 'alla' in the same sentence (GOLD_FORMAT, informal notes).
                named = [owner for owner in found if owner != ALL]
                return tuple(named or found)
    leading = _LEADING_NOUN_PHRASE.match(flat)
    if leading and not decided and not _PRONOUN_SUBJECTS.match(leading.group("agent")):
        agent = leading.group("agent")
        return (roster.resolve_role(agent) or _normalise_role(agent),)
    return ()


def _agent_owners(agent: str, roster: Roster) -> list[str]:
    if _PRONOUN_SUBJECTS.match(agent.strip()):
        return []
    if re.fullmatch(r"vi", agent.strip(), re.IGNORECASE) or ALL_WORDS.match(agent.strip()):
        return [ALL]
    if re.match(r"(?:alla|samtliga)\s+\w", agent.strip(), re.IGNORECASE):
        return [_normalise_role(agent)]
    # A coordinated role such as 'arbetsgivaren och fackliga representanter' splits into its parties.
    owners: list[str] = []
    for part in _SPLIT.split(agent):
        if not part:
            continue
        owner = normalise_owner(part, roster)
        if owner and owner not in owners:
            owners.append(owner)
    return owners
