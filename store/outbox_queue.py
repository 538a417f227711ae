"""The outbox as a queue: messages enqueued beside the change they announce, claimed by a worker under a lease,
then settled (sent, retried later, parked or deferred). Does I/O."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, insert, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from store.database import Repository
from store.outbox import (
    MAX_CLAIMS,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    meeting_summary_values,
    message_from_row,
    message_values,
)
from store.tables import outbox

logger = logging.getLogger(__name__)

_PENDING = OutboxStatus.PENDING.value
INSERT_OUTBOX = insert(outbox)


async def announce(
    connection: AsyncConnection, document_key: str, *, at: datetime, due: datetime, add: bool
) -> None:
    """Keep one meeting card waiting per document: push the pending announcement no worker holds to `due`
    (never earlier than a retry already set), or, when none waits and `add`, queue one due at `due`. One
    that a worker is sending now is left alone: the change gets an announcement of its own."""
    waiting = (
        await connection.execute(
            update(outbox)
            .where(
                outbox.c.kind == OutboxKind.MEETING_SUMMARY.value,
                outbox.c.status == _PENDING,
                outbox.c.payload["document_key"].as_string() == document_key,
                or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= at),
            )
            .values(
                next_attempt_at=case(
                    (outbox.c.next_attempt_at > due, outbox.c.next_attempt_at),
                    else_=literal(due, outbox.c.next_attempt_at.type),
                )
            )
            .returning(outbox.c.id)
        )
    ).first()
    if waiting is None and add:
        await connection.execute(INSERT_OUTBOX, meeting_summary_values(document_key, at=at, due=due))


class OutboxRepository(Repository):
    """The outbox: QueueStore and the sender's side of OutboxStore (claim, mark_sent, mark_retry, park, defer)."""

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, conversation_key: str | None, at: datetime
    ) -> int:
        """Add a message for the sender, due at `at`; its id."""
        async with self.database.write() as connection:
            message_id: int = (
                await connection.execute(
                    insert(outbox)
                    .values(message_values(kind, payload, conversation_key=conversation_key, at=at))
                    .returning(outbox.c.id)
                )
            ).scalar_one()
        return message_id

    async def outbox_messages(self, status: OutboxStatus = OutboxStatus.PENDING) -> list[OutboxMessage]:
        """Outbox messages in `status`, oldest first."""
        query = select(outbox).where(outbox.c.status == status.value).order_by(outbox.c.id)
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [message_from_row(row) for row in rows]

    async def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int, max_claims: int = MAX_CLAIMS
    ) -> list[OutboxMessage]:
        """Claim up to `limit` pending messages due by `now` that no live lease holds, for `worker` until
        now + lease; oldest due first. Several workers never get the same message while a lease lasts: on
        PostgreSQL the rows are selected FOR UPDATE SKIP LOCKED (a concurrent claim passes them over, and
        one that waited re-reads the claim), on SQLite the write lock taken at BEGIN makes the claim one
        step. A worker that dies loses its messages to the next claim once the lease runs out.

        Every claim counts (`claims`). A message claimed `max_claims` times already and still pending is
        parked instead: its sends keep killing their workers, or it would have been settled by now. So a
        claim may return fewer than `limit` messages although more were due."""
        if lease <= timedelta(0):
            raise ValueError("the lease must be positive")
        if limit <= 0:
            return []
        async with self.database.write() as connection:
            claimable = (
                select(outbox.c.id, outbox.c.claims)
                .where(
                    outbox.c.status == _PENDING,
                    outbox.c.next_attempt_at <= now,
                    or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until <= now),
                )
                .order_by(outbox.c.next_attempt_at, outbox.c.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
            candidates = (await connection.execute(claimable)).all()
            exhausted = [row.id for row in candidates if row.claims >= max_claims]
            ids = [row.id for row in candidates if row.claims < max_claims]
            if exhausted:
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(exhausted))
                    .values(
                        status=OutboxStatus.PARKED.value,
                        parked_at=now,
                        last_error=f"parkerat efter {max_claims} hämtningar utan besked: sändningen "
                        "verkar krascha sändaren",
                        claimed_until=None,
                    )
                )
                for message_id in exhausted:
                    logger.warning(
                        "outbox message %d parked: claimed %d times and still not sent",
                        message_id,
                        max_claims,
                    )
            if not ids:
                return []
            rows = (
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(ids))
                    .values(claimed_by=worker, claimed_until=now + lease, claims=outbox.c.claims + 1)
                    .returning(*outbox.c)
                )
            ).mappings()
            claimed = [message_from_row(row) for row in rows]
        # RETURNING promises no order.
        return sorted(claimed, key=lambda message: (message.next_attempt_at, message.id))

    async def mark_sent(self, message_id: int, *, at: datetime) -> None:
        """The message went out: sent at `at`, its lease ended (claimed_by keeps who sent it). Also for a
        message parked meanwhile, since it did go out; a message sent already is left as it is."""
        await self._settle(
            message_id,
            "sent",
            outbox.c.status != OutboxStatus.SENT.value,
            status=OutboxStatus.SENT.value,
            sent_at=at,
            claimed_until=None,
        )

    async def mark_retry(self, message_id: int, *, error: str, next_attempt_at: datetime) -> None:
        """A send failed: count the attempt, keep the error, release the claim, try again at
        `next_attempt_at`. Only for a pending message."""
        await self._settle(
            message_id,
            "retried",
            outbox.c.status == _PENDING,
            attempts=outbox.c.attempts + 1,
            last_error=error,
            next_attempt_at=next_attempt_at,
            claimed_by=None,
            claimed_until=None,
        )

    async def park(self, message_id: int, *, error: str, at: datetime) -> None:
        """Give up on a message after a failed send (the attempt counted): parked at `at` with the error,
        never claimed again, kept for a person (outbox_messages(OutboxStatus.PARKED)). Only for a pending
        message."""
        await self._settle(
            message_id,
            "parked",
            outbox.c.status == _PENDING,
            status=OutboxStatus.PARKED.value,
            parked_at=at,
            attempts=outbox.c.attempts + 1,
            last_error=error,
            claimed_until=None,
        )

    async def defer(self, message_id: int, *, until: datetime) -> None:
        """Put a claimed message back untried until `until` (a personal message claimed in the quiet hours):
        the claim is released and not counted, since nothing was sent and nothing failed; attempts stay.
        Only for a pending message."""
        await self._settle(
            message_id,
            "deferred",
            outbox.c.status == _PENDING,
            next_attempt_at=until,
            claims=case((outbox.c.claims > 0, outbox.c.claims - 1), else_=0),
            claimed_by=None,
            claimed_until=None,
        )

    async def _settle(
        self, message_id: int, outcome: str, allowed: ColumnElement[bool], **values: Any
    ) -> None:
        """Write `values` to the message, in a transaction of its own, when it is in a state `allowed`."""
        async with self.database.write() as connection:
            updated = (
                await connection.execute(
                    update(outbox)
                    .where(outbox.c.id == message_id, allowed)
                    .values(**values)
                    .returning(outbox.c.id)
                )
            ).scalar_one_or_none()
        if updated is None:
            # Another worker got there after this one's lease ran out, or the id is wrong: nothing to undo.
            logger.warning("outbox message %d not %s: unknown, or not in a state for it", message_id, outcome)
