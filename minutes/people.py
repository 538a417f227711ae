"""Who a document names and how an owner is written: the roster (attendees, their initials and titles), a
written name or title resolved to a person, owner cells normalised to the answer-key form. Pure."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from minutes.model import Person
from minutes.patterns import (
    ALL_WORDS,
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
UPPER = "A-ZÀ-ÖØ-ÞĀ-ž"
LOWER = "a-zß-öø-ÿĀ-ž"
NAME_WORD = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"
FULL_NAME = rf"{NAME_WORD}(?:\s+{NAME_WORD}){{1,2}}"
# Capitalised words that start no person's name: months, weekdays, places and organisations.
NOT_NAMES = frozenset(
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
        listed = {person.name for person in self.people}
        hits: list[tuple[str, str | None]] = []
        for near in (False, True):
            # A first name spelt a letter off ('Annelie' for 'Anneli', 'Kristofer' for 'Kristoffer') is tried only when no name is
            # spelt alike, and only for the attendees. A full name spelt so in the text ('Evva Lind' for the
            # listed 'Eva Lind') is that attendee, not the name seen in the text.
            if near and hits and (not rest or any(name in listed for name, _ in hits)):
                break
            near_hits: list[tuple[str, str | None]] = []
            for name, initials in candidates if not near else [(p.name, p.initials) for p in self.people]:
                parts = [_fold(w) for w in name.split()]
                if not parts:
                    continue
                first = _spelling(parts[0])
                if first != key_first and not (near and _one_letter_off(first, key_first)):
                    continue
                if rest and not all(any(p.startswith(r) for p in parts[1:]) for r in rest):
                    continue
                near_hits.append((name, initials))
            if near_hits or not near:
                hits = near_hits
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
            if p.role
            and as_written in {written_role(part) for part in [*role_parts(p.role), *p.role.split(", ")]}
        }
        if len(exact) == 1:
            return next(iter(exact.values()))
        # Then the title the list gives, in the definite form too: 'Skyddsombudet' for 'undersköterska,
        # skyddsombud', 'förvaltningschefen' for 'förvaltningschef SBF', 'VD' for 'VD'.
        forms = _written_title_forms(written)
        listed = {
            _person_key(p.name): p.initials or p.name
            for p in self.people
            if p.role and forms & {f for part in role_parts(p.role) for f in _listed_title_forms(part)}
        }
        if len(listed) == 1:
            return next(iter(listed.values()))
        # Then a compound whose head is the title written: 'ordförande' for the 'styrelseordförande'.
        compound = {
            _person_key(p.name): p.initials or p.name
            for p in self.people
            if p.role
            and any(
                " " not in f and len(w) >= 6 and f.endswith(w) and f != w
                for part in role_parts(p.role)
                for f in _listed_title_forms(part)
                for w in forms
            )
        }
        if not listed and len(compound) == 1:
            return next(iter(compound.values()))
        wanted = role_keys(written)
        if not wanted:
            return None
        holders: dict[str, str] = {}
        for person in self.people:
            if person.role and any(wanted & role_keys(part) for part in role_parts(person.role)):
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
    return [part.strip(" ()") for part in re.split(r"\s*[,;/()]\s*|\s+och\s+", role) if part.strip(" ()")]


_DEFINITE_ENDINGS = ("en", "n", "et", "t")


def written_role(text: str) -> str:
    """A role as an owner: abbreviations written out ('v. ordf' → 'vice ordförande'), else lower case."""
    plain = re.sub(r"\s+", " ", text.replace(".", " ")).strip().casefold()
    return ROLE_ABBREVIATIONS.get(_fold(plain), "") or normalise_role(text)


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


def is_plausible_name(name: str) -> bool:
    words = name.split()
    return (
        len(words) >= 2
        and not any(w.casefold() in NOT_NAMES or w.upper() in ORGANISATION_ABBREVIATIONS for w in words)
        # 'Stina Ås Utvecklingsledare', 'Myndighetschef Ansökningstiden': roles are not names.
        and not any(re.fullmatch(ROLE_NOUNS, w, re.IGNORECASE) for w in words)
    )


def normalise_role(text: str) -> str:
    """Roles and parties in lower case as written; 'HR chef' becomes 'hr-chef' like the compound it is."""
    text = squash(text).strip(" .,;:()")
    text = re.sub(rf"\b([{UPPER}]{{2,5}})\s+({ROLE_SUFFIX})\b", r"\1-\2", text)
    return text.lower()


# Owner lists split at commas, slashes, line breaks and 'och', but not in 'Fastighet- och säkerhetsansvarig'.
SPLIT = re.compile(r"\s*[,;/&+]\s*|\s*\n\s*(?:och\s+)?|(?<!-)\s+och\s+|\s+o\s+")


_PERSON_AND_PLACE = re.compile(rf"(?P<who>[{UPPER}][{LOWER}-]+(?:\s+[{UPPER}][{LOWER}-]*\.?)?)\s*\([^()]*\)")


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
    # 'Kerstin F (Åsby), Mohammed S (Hedvik)': where a listed person comes from is not another owner.
    joined = _PERSON_AND_PLACE.sub(lambda m: m["who"] if roster.resolve_name(m["who"]) else m[0], joined)
    parts = [squash(p) for p in SPLIT.split(joined) if squash(p)]
    # 'AA EE' on one line: initials separated by spaces only.
    parts = [
        w
        for p in parts
        for w in (p.split() if re.fullmatch(rf"[{UPPER}]{{2,4}}(?:\s+[{UPPER}]{{2,4}})+", p) else [p])
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
        or re.fullmatch(rf"[{UPPER}][{LOWER}-]+", part)  # one capitalised word: a party ('Lärarförbundet')
        or re.fullmatch(rf"[{UPPER}]{{2,4}}", part)
        or roster.resolve_name(part)
        or re.fullmatch(rf"(?:{ROLE_MODIFIERS}\s+)?[\w-]*{ROLE_SUFFIX}", part, re.IGNORECASE)
        or re.fullmatch(PARTY_WORDS, part, re.IGNORECASE)
        or role_keys(part)  # 'ordf och sekr', 'arbetsgivaren och skyddsombuden'
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
    if re.fullmatch(rf"[{UPPER}]{{2,4}}", part):
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
    if re.fullmatch(NAME_WORD, part) and not role_keys(part) and not re.fullmatch(PARTY_WORDS, part, re.I):
        return part  # a first name the list does not give ('Kalle') stays a name
    return written_role(part)
