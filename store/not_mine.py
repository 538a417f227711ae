"""'Inte min': who said an item is not theirs, kept with the item's owners as written then, so that minutes
naming other owners make it count no longer. Does I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from minutes.records import ItemStatus
from store.audit import append_audit
from store.database import Repository, upsert
from store.items import LOCK_ITEM, OPEN, fetch_items, is_item_id
from store.outbox import message_values
from store.outbox_queue import INSERT_OUTBOX
from store.rows import aad_key
from store.tables import items, not_mine


class NotMineRepository(Repository):
    """ChatStore's record_not_mine, and the reminders' NotMineLog."""

    async def record_not_mine(
        self,
        item_id: int,
        user_aad_id: str,
        *,
        at: datetime,
        origin: str,
        notice: tuple[str, dict[str, Any]] | None = None,
    ) -> bool:
        """Remember that the person (Entra object id) said the item is not theirs, with the item's owners as
        written now, audit it ('item.not_mine', actor the person) and queue `notice` (kind, payload; due at
        `at`), all in one transaction. True when this is news; False for an unknown or withdrawn item, or when
        they said so already about these owners (nothing is written then). Said again after the owners
        changed, it counts afresh."""
        if not is_item_id(item_id):
            return False
        who = aad_key(user_aad_id)
        if not who:
            raise ValueError("'Inte min' is recorded by Entra object id: none given")
        async with self.database.write() as connection:
            found = await fetch_items(connection, LOCK_ITEM, {"b_id": item_id})
            if not found or found[0].status is ItemStatus.WITHDRAWN:
                return False
            item = found[0]
            stored = (
                await connection.execute(
                    select(not_mine.c.owners).where(
                        not_mine.c.item_id == item_id, not_mine.c.user_aad_id == who
                    )
                )
            ).first()
            if stored is not None and list(stored.owners) == list(item.owners):
                return False
            await upsert(
                connection,
                not_mine,
                {"item_id": item_id, "user_aad_id": who, "owners": list(item.owners), "at": at},
                key=("item_id", "user_aad_id"),
            )
            await append_audit(
                connection,
                at=at,
                actor=who,
                action="item.not_mine",
                subject=item.key,
                origin=origin,
                detail=f"#{item_id}",
            )
            if notice is not None:
                kind, payload = notice
                await connection.execute(
                    INSERT_OUTBOX, message_values(kind, payload, conversation_key=None, at=at)
                )
        return True

    async def not_mine_items(self) -> dict[int, frozenset[str]]:
        """Open items someone said are not theirs: item id → their Entra object ids (casefolded). A row
        recorded when the item had other owners no longer counts: the minutes re-assigned the item since."""
        query = (
            select(not_mine.c.item_id, not_mine.c.user_aad_id, not_mine.c.owners, items.c.owners.label("now"))
            .join(items, items.c.id == not_mine.c.item_id)
            .where(items.c.status == OPEN)
        )
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).all()
        found: dict[int, set[str]] = {}
        for row in rows:
            if list(row.owners) == list(row.now):
                found.setdefault(row.item_id, set()).add(row.user_aad_id)
        return {item_id: frozenset(people) for item_id, people in found.items()}
