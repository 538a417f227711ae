"""Resolve the owners of items to people: the group's roster first, then the directory by display name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from minutes.records import RosterEntry
from minutes.roster import ResolvedOwner, ResolvedVia, resolve_in_roster
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
