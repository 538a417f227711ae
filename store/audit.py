"""The audit log: who changed what, appended in the transaction that makes the change, read back oldest first.
Does I/O."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from minutes.records import AuditEntry
from store.database import Repository
from store.rows import INGEST_ACTOR, audit_from_row, audit_values
from store.tables import audit_log, items

INSERT_AUDIT = insert(audit_log)


async def append_audit(
    connection: AsyncConnection,
    *,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    origin: str,
    detail: str = "",
) -> None:
    """One entry, written on `connection`: it commits, or rolls back, with the change it records."""
    await connection.execute(
        INSERT_AUDIT,
        audit_values(at=at, actor=actor, action=action, subject=subject, origin=origin, detail=detail),
    )


def ingest_audit(action: str, subject: str, detail: str, *, at: datetime, origin: str) -> dict[str, Any]:
    """The row of an entry that ingestion writes (actor INGEST_ACTOR), for a batched INSERT_AUDIT."""
    return audit_values(
        at=at, actor=INGEST_ACTOR, action=action, subject=subject, origin=origin, detail=detail
    )


class AuditRepository(Repository):
    """Reads the audit log (ItemQueries.audit_log)."""

    async def audit_log(self, subject: str | None = None) -> list[AuditEntry]:
        """The audit log, oldest first; only the entries about `subject` when given."""
        query = select(audit_log).order_by(audit_log.c.id)
        if subject is not None:
            query = query.where(audit_log.c.subject == subject)
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [audit_from_row(row) for row in rows]

    async def item_audit_between(
        self, group: str, start: date, end: date, actions: Sequence[str]
    ) -> list[AuditEntry]:
        """The entries of `actions` about the group's items of meetings from `start` to `end`, both included
        (the follow-through report's history of those items), oldest first."""
        query = (
            select(audit_log)
            .join(items, items.c.key == audit_log.c.subject)
            .where(
                items.c.group_name == group,
                items.c.meeting_date >= start,
                items.c.meeting_date <= end,
                audit_log.c.action.in_(list(actions)),
            )
            .order_by(audit_log.c.id)
        )
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [audit_from_row(row) for row in rows]
