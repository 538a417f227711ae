"""Rosters: each group's people (name, Entra object id, role), and the groups a user belongs to. Does I/O."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select

from minutes.records import ItemStatus, RosterEntry
from store.database import Repository
from store.rows import aad_key, owner_key, roster_from_row, roster_values
from store.tables import item_owners, items, roster


class RosterRepository(Repository):
    """RosterStore, and FollowingStore's groups_of_user. A group's roster is read through the read cache."""

    async def save_roster(self, group: str, entries: Sequence[RosterEntry]) -> None:
        """Replace the group's roster with `entries` (kept in this order)."""
        async with self.database.write(changes=("roster", group)) as connection:
            await connection.execute(delete(roster).where(roster.c.group_name == group))
            if entries:
                await connection.execute(insert(roster), [roster_values(group, entry) for entry in entries])

    async def roster(self, group: str) -> list[RosterEntry]:
        async def load() -> tuple[RosterEntry, ...]:
            query = select(roster).where(roster.c.group_name == group).order_by(roster.c.id)
            async with self.database.read() as connection:
                rows = (await connection.execute(query)).mappings().all()
            return tuple(roster_from_row(row) for row in rows)

        return list(await self.database.cached(("roster", group), load))

    async def groups_of_user(self, user_aad_id: str | None, name: str | None) -> frozenset[str]:
        """The groups whose roster lists the user (by Entra object id), and those with an open or done item
        whose owner is written as the user's name (an owner the directory finds by display name)."""
        groups: set[str] = set()
        async with self.database.read() as connection:
            if user_aad_id:
                query = (
                    select(roster.c.group_name)
                    .where(func.lower(roster.c.aad_object_id) == aad_key(user_aad_id))
                    .distinct()
                )
                groups.update(name for (name,) in (await connection.execute(query)).all())
            if name and name.strip():
                query = (
                    select(items.c.group_name)
                    .join(item_owners, item_owners.c.item_id == items.c.id)
                    .where(
                        item_owners.c.owner_key == owner_key(name),
                        items.c.status != ItemStatus.WITHDRAWN.value,
                        items.c.group_name.is_not(None),
                    )
                    .distinct()
                )
                groups.update(name for (name,) in (await connection.execute(query)).all())
        return frozenset(groups)
