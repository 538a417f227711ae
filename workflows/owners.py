"""Resolve the owners of items to people: the group's roster first, then the directory by display name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from minutes.records import ItemRecord, ItemStatus, RosterEntry
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


# Who the store records for a change ingestion made (store.rows.INGEST_ACTOR): the minutes marked it done.
INGEST_ACTOR = "minutesbot"
BY_THE_MINUTES = "enligt protokollet"


async def actor_names(items: Sequence[ItemRecord], rosters: RosterStore) -> dict[str, str]:
    """Who checked the done items off (the id the store keeps) → their name in the item's group's roster;
    the minutes themselves as 'enligt protokollet'. Someone the roster lacks stays unnamed."""
    names: dict[str, str] = {}
    done = [item for item in items if item.status is ItemStatus.DONE and item.changed_by]
    for group in sorted({item.group for item in done if item.group is not None}):
        wanted = {(item.changed_by or "").casefold() for item in done if item.group == group}
        for entry in await rosters.roster(group):
            aad = (entry.aad_object_id or "").casefold()
            if aad and aad in wanted:
                names.setdefault(aad, entry.name)
    found = {
        item.changed_by: names[item.changed_by.casefold()]
        for item in done
        if item.changed_by and item.changed_by.casefold() in names
    }
    if any(item.changed_by == INGEST_ACTOR for item in done):
        found[INGEST_ACTOR] = BY_THE_MINUTES
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
