"""Group rosters: parse a group's people and resolve an owner as the minutes write it to a person. Pure."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from minutes.errors import UserFacingError
from minutes.model import Person
from minutes.people import ALL, Roster, role_parts, written_role
from minutes.records import RosterEntry


class RosterError(UserFacingError):
    """A roster file that cannot be used; `message` is one Swedish line."""


class ResolvedVia(StrEnum):
    INITIALS = "initials"
    NAME = "name"
    ROLE = "role"
    EVERYONE = "everyone"
    DIRECTORY = "directory"


@dataclass(frozen=True, slots=True)
class ResolvedOwner:
    """An owner as written, and the people it means. No people: unresolved, shown flagged, never guessed."""

    written: str
    people: tuple[RosterEntry, ...] = ()
    via: ResolvedVia | None = None

    @property
    def resolved(self) -> bool:
        return bool(self.people)


def parse_people(group: str, people: object) -> tuple[RosterEntry, ...]:
    """The `[[person]]` tables of a group's file (as TOML gives them): initials, name, roles, aad_object_id,
    upn. The whole file, its settings too: minutes.group_file.parse_group_file."""
    if not isinstance(people, list):
        raise RosterError("'person' ska vara en lista av [[person]]-tabeller")
    entries = tuple(_entry(group, number, person) for number, person in enumerate(people, start=1))
    initials = [e.initials for e in entries if e.initials]
    if len(initials) != len(set(initials)):
        raise RosterError("samma initialer förekommer två gånger i rosterfilen")
    return entries


def _entry(group: str, number: int, person: Any) -> RosterEntry:
    if not isinstance(person, dict):
        raise RosterError(f"person nr {number} är inte en tabell")
    name = person.get("name")
    if not isinstance(name, str) or not name.strip():
        raise RosterError(f"person nr {number} saknar namn (name)")
    roles = person.get("roles", [])
    if isinstance(roles, str):
        roles = [roles]
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise RosterError(f"{name}: roles ska vara en lista av texter")
    fields = {key: person.get(key) for key in ("initials", "aad_object_id", "upn")}
    for key, value in fields.items():
        if value is not None and not isinstance(value, str):
            raise RosterError(f"{name}: {key} ska vara en text")
    return RosterEntry(
        group=group,
        initials=fields["initials"],
        name=name.strip(),
        roles=tuple(r.strip().lower() for r in roles),
        aad_object_id=fields["aad_object_id"],
        upn=fields["upn"],
    )


def resolve_in_roster(owner: str, roster: Sequence[RosterEntry]) -> ResolvedOwner:
    """Initials, then full name, then role; 'ALLA' is the whole roster. Ambiguity resolves to nobody."""
    if owner == ALL:
        return ResolvedOwner(owner, tuple(roster), ResolvedVia.EVERYONE if roster else None)
    for via, hits in (
        (ResolvedVia.INITIALS, [e for e in roster if e.initials and e.initials == owner]),
        (ResolvedVia.NAME, [e for e in roster if _fold(e.name) == _fold(owner)]),
        (ResolvedVia.ROLE, [e for e in roster if owner.lower() in e.roles]),
    ):
        if len(hits) == 1:
            return ResolvedOwner(owner, (hits[0],), via)
        if len(hits) > 1 and via is ResolvedVia.ROLE:
            return ResolvedOwner(owner, tuple(hits), via)  # a role several people hold: all of them
    return ResolvedOwner(owner)


@functools.lru_cache(maxsize=4096)  # the same roster names are folded for every owner of every item
def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", " ".join(text.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# ---- someone a command names ('öppna Eva Lind', 'öppna EL', 'öppna ekonomichefen') --------------------------


@dataclass(frozen=True, slots=True)
class PersonMatch:
    """Who a written name means, and every form the minutes may name them by as an owner: their initials,
    their name, and a role only they hold."""

    name: str
    initials: str | None
    owners: frozenset[str]

    @property
    def label(self) -> str:
        """As a reply says who was found: 'Eva Lind (EL)'."""
        return f"{self.name} ({self.initials})" if self.initials else self.name


def roster_people(entries: Sequence[RosterEntry]) -> tuple[Person, ...]:
    """A group's roster as the people an attendance list would give (roles joined as one listed role)."""
    return tuple(Person(e.name, e.initials, ", ".join(e.roles) or None) for e in entries)


def find_person(written: str, people: Sequence[Person]) -> PersonMatch | None:
    """The one person of `people` whom `written` names: by initials, by name as the minutes' roster resolves
    it (a first name alone, a surname cut short, a spelling a letter off: minutes.people.Roster.resolve_name),
    then by a role only they hold (Roster.resolve_role: 'ekonomichefen', 'ordf'). None when nobody or several
    are meant. Pure."""
    text = " ".join(written.split()).strip(" .,")
    if not text or not people:
        return None
    by_initials = [p for p in people if p.initials and p.initials.casefold() == text.casefold()]
    by_name = [p for p in people if _fold(p.name) == _fold(text)]
    by_surname = [p for p in people if len(p.name.split()) > 1 and _fold(p.name.split()[-1]) == _fold(text)]
    for hits in (by_initials, by_name, by_surname):
        if len(hits) == 1:
            return _match(hits[0], people)
    roster = Roster(tuple(people))
    for form in (roster.resolve_name(text), roster.resolve_role(text)):
        found = [p for p in people if form is not None and form in (p.initials, p.name)]
        if len(found) == 1:
            return _match(found[0], people)
    return None


def _match(person: Person, people: Sequence[Person]) -> PersonMatch:
    holders: dict[str, set[str]] = {}
    for other in people:
        for part in role_parts(other.role or ""):
            for form in {part.casefold(), written_role(part)} - {""}:
                holders.setdefault(form, set()).add(other.name)
    roles = {form for form, names in holders.items() if names == {person.name}}
    forms = {person.name, *([person.initials] if person.initials else []), *roles}
    return PersonMatch(person.name, person.initials, frozenset(forms))
