"""Resolve the owners of items to people: the group's roster first, then the directory by display name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from minutes.records import ItemRecord, RosterEntry
from minutes.roster import ResolvedOwner, ResolvedVia, resolve_in_roster
from workflows.chat import Person
from workflows.ports import RosterStore


@dataclass(frozen=True, slots=True)
class DirectoryUser:
    object_id: str
    upn: str | None
    display_name: str


class UserDirectory(Protocol):
    """Looks people up by display name or UPN (Microsoft Graph in production)."""

    async def find_users(self, display_name_or_upn: str) -> Sequence[DirectoryUser]: ...


async def resolve_owners(
    owners: Sequence[str], group: str | None, rosters: RosterStore, directory: UserDirectory | None = None
) -> list[ResolvedOwner]:
    """Every owner as a ResolvedOwner. A name the roster lacks is looked up in the directory and accepted
    only when exactly one person matches; otherwise it stays unresolved (flagged), never guessed."""
    roster = await rosters.roster(group) if group else []
    resolved: list[ResolvedOwner] = []
    for owner in owners:
        found = resolve_in_roster(owner, roster)
        if not found.resolved and directory is not None and _looks_like_a_name(owner):
            users = await directory.find_users(owner)
            if len(users) == 1:
                user = users[0]
                entry = RosterEntry(
                    group=group or "",
                    initials=None,
                    name=user.display_name,
                    aad_object_id=user.object_id,
                    upn=user.upn,
                )
                found = ResolvedOwner(owner, (entry,), ResolvedVia.DIRECTORY)
        resolved.append(found)
    return resolved


def _looks_like_a_name(owner: str) -> bool:
    """Only full names go to the directory: a role ('hr-chef') or initials would match by chance."""
    words = owner.split()
    return len(words) >= 2 and all(w[:1].isupper() for w in words)


def person_of(entry: RosterEntry) -> Person | None:
    """A roster entry as someone to @mention: Teams accepts the Entra object id or the UPN as the id."""
    teams_id = entry.aad_object_id or entry.upn
    return Person(teams_id=teams_id, name=entry.name, aad_object_id=entry.aad_object_id) if teams_id else None


async def people_of(
    items: Sequence[ItemRecord], rosters: RosterStore, directory: UserDirectory | None = None
) -> dict[str, tuple[Person, ...]]:
    """Owner as written → the people to @mention, for every owner of the items (unresolved: absent)."""
    found: dict[str, tuple[Person, ...]] = {}
    for group in {item.group for item in items}:
        owners = sorted({o for item in items if item.group == group for o in item.owners})
        for resolved in await resolve_owners(owners, group, rosters, directory):
            people = tuple(p for p in (person_of(e) for e in resolved.people) if p is not None)
            if people:
                found[resolved.written] = people
    return found


async def owners_for_user(user_aad_id: str | None, group: str | None, rosters: RosterStore) -> set[str]:
    """How the minutes may name this user: their initials, name and roles in the group's roster."""
    if not user_aad_id or not group:
        return set()
    names: set[str] = set()
    for entry in await rosters.roster(group):
        if entry.aad_object_id == user_aad_id:
            names |= {n for n in (entry.initials, entry.name) if n} | set(entry.roles)
    return names
