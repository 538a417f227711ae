"""Claims made once across every instance: the reminders sent (each reminder key claimed at most once, ever)
and the scheduler's job leases (one holder of a slot at a time). Does I/O."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select

from store.database import Repository, dialect_insert, listed
from store.outbox import message_values
from store.outbox_queue import INSERT_OUTBOX
from store.tables import job_leases, sent_reminders


class _ReminderTaken(Exception):
    """Inside enqueue_reminder: a key was claimed already, so the transaction is rolled back."""


class ReminderRepository(Repository):
    """The reminder ledger (workflows.remind.ReminderLedger)."""

    async def claim_reminder(self, key: str, *, at: datetime) -> bool:
        """Record that the reminder `key` is being sent at `at`: True for the first claimer ever, False for
        every later one (another instance, a restart, a second tick). INSERT … ON CONFLICT DO NOTHING."""
        async with self.database.write() as connection:
            inserted = await connection.scalar(
                dialect_insert(connection)(sent_reminders)
                .values(key=key, at=at)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(sent_reminders.c.key)
            )
        return inserted is not None

    async def claimed_reminders(self, keys: Collection[str]) -> set[str]:
        """Which of the reminder `keys` are claimed already (by claim_reminder or enqueue_reminder)."""
        if not keys:
            return set()
        async with self.database.read() as connection:
            found = await connection.scalars(
                select(sent_reminders.c.key).where(sent_reminders.c.key.in_(listed("b_keys"))),
                {"b_keys": sorted(set(keys))},
            )
            return set(found.all())

    async def enqueue_reminder(
        self,
        keys: Collection[str],
        kind: str,
        payload: dict[str, Any],
        *,
        conversation_key: str | None,
        at: datetime,
    ) -> bool:
        """Claim every reminder key of `keys` and queue the message that sends them, in one transaction: True
        when all were free and both are written; False, with nothing written, when any key was claimed before
        (then ask claimed_reminders which, and queue the rest in a message of their own). A failure anywhere
        writes nothing, so the reminders stay unclaimed and the next tick queues them again.

        The keys are inserted in sorted order (INSERT … ON CONFLICT DO NOTHING RETURNING): two instances
        claiming overlapping keys on PostgreSQL wait for one another in the same order, never in a cycle."""
        wanted = sorted(set(keys))
        if not wanted:
            raise ValueError("a reminder message claims at least one key")
        try:
            async with self.database.write() as connection:
                inserted = (
                    await connection.scalars(
                        dialect_insert(connection)(sent_reminders)
                        .values([{"key": key, "at": at} for key in wanted])
                        .on_conflict_do_nothing(index_elements=["key"])
                        .returning(sent_reminders.c.key)
                    )
                ).all()
                if len(inserted) != len(wanted):
                    raise _ReminderTaken
                await connection.execute(
                    INSERT_OUTBOX, message_values(kind, payload, conversation_key=conversation_key, at=at)
                )
        except _ReminderTaken:
            return False
        return True


class LeaseRepository(Repository):
    """The scheduler's job leases (scheduler.jobs.JobLeases)."""

    async def acquire_job_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        """Take or renew the lease `name` for `holder` until now + ttl; True when `holder` holds it now.
        One holder at a time: another holder's lease is taken over only once it ran out (until <= now).
        One statement (INSERT … ON CONFLICT DO UPDATE … WHERE), so concurrent acquirers on PostgreSQL
        serialise on the row and exactly one of them wins; SQLite's write lock does the same."""
        if ttl <= timedelta(0):
            raise ValueError("the lease must be positive")
        async with self.database.write() as connection:
            # In UTC: aware arithmetic in a local zone adds wall-clock time, an hour off across a DST change.
            until = now.astimezone(UTC) + ttl
            statement = dialect_insert(connection)(job_leases).values(name=name, holder=holder, until=until)
            taken = await connection.scalar(
                statement.on_conflict_do_update(
                    index_elements=["name"],
                    set_={"holder": statement.excluded.holder, "until": statement.excluded.until},
                    where=or_(job_leases.c.holder == holder, job_leases.c.until <= now),
                ).returning(job_leases.c.name)
            )
        return taken is not None

    async def release_job_lease(self, name: str, holder: str) -> None:
        """Give the lease up, if `holder` holds it; anyone may take it at once then. Another holder's lease
        is left alone."""
        async with self.database.write() as connection:
            await connection.execute(
                delete(job_leases).where(job_leases.c.name == name, job_leases.c.holder == holder)
            )

    async def job_lease_holder(self, name: str, *, now: datetime) -> str | None:
        """Who holds the lease `name` at `now`; None when no one does (never taken, released, or run out)."""
        async with self.database.read() as connection:
            holder: str | None = await connection.scalar(
                select(job_leases.c.holder).where(job_leases.c.name == name, job_leases.c.until > now)
            )
        return holder
