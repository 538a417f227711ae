"""Outbox rows: written beside the change they announce, read back as the workflows' records. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from workflows.outbox import OutboxKind, OutboxMessage, OutboxStatus

# The records are the workflows' (beside the ports that hand them out); re-exported for the store's modules.
__all__ = [
    "MAX_CLAIMS",
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "meeting_summary_values",
    "message_from_row",
    "message_values",
]

# Claims after which a message still pending is parked instead of claimed again: one whose send kills its
# worker (a crash, an OOM kill) is never settled, so only its claims count. Above the Deliverer's 8 attempts,
# so ordinary retries run their course first; Company Communicator dead-letters after 10 deliveries too.
MAX_CLAIMS = 10


def message_values(
    kind: str, payload: Mapping[str, Any], *, conversation_key: str | None, at: datetime
) -> dict[str, Any]:
    """A new outbox row: pending, never tried, due at once."""
    return {
        "created_at": at,
        "kind": kind,
        "payload": dict(payload),
        "conversation_key": conversation_key,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": at,
    }


def meeting_summary_values(document_key: str, *, at: datetime, due: datetime | None = None) -> dict[str, Any]:
    """The outbox row announcing that a document changed; due at `due` (a settle time later), else at once."""
    values = message_values(
        OutboxKind.MEETING_SUMMARY.value, {"document_key": document_key}, conversation_key=None, at=at
    )
    return values if due is None else {**values, "next_attempt_at": due}


def message_from_row(row: Mapping[Any, Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        created_at=row["created_at"],
        kind=row["kind"],
        payload=dict(row["payload"]),
        conversation_key=row["conversation_key"],
        status=OutboxStatus(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        last_error=row["last_error"],
        claimed_by=row["claimed_by"],
        claimed_until=row["claimed_until"],
        sent_at=row["sent_at"],
        parked_at=row["parked_at"],
        claims=row.get("claims", 0),  # a row made without the column (before revision 0003): no claims
    )
