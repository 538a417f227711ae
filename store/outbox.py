"""Outbox messages: the record, and the rows written beside the change they announce. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

# Claims after which a message still pending is parked instead of claimed again: one whose send kills its
# worker (a crash, an OOM kill) is never settled, so only its claims count. Above the Deliverer's 8 attempts,
# so ordinary retries run their course first; Company Communicator dead-letters after 10 deliveries too.
MAX_CLAIMS = 10


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    PARKED = "parked"  # gave up after repeated failures; kept for a person to look at


class OutboxKind(StrEnum):
    MEETING_SUMMARY = "meeting_summary"  # payload {"document_key": …}: post the meeting's card
    NOTICE = "notice"  # payload {"conversation_id": …, "text": …}: a plain text to a saved conversation


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message waiting to be sent (or sent, or parked). `conversation_key` is None when the sender
    decides where it goes (the channel of the document's group). `attempts` counts failed sends;
    `claimed_by` is the worker holding it until `claimed_until`, and on a sent or parked message the last
    worker that held it; `claims` counts every claim (settled or not)."""

    id: int
    created_at: datetime
    kind: str
    payload: Mapping[str, Any]
    conversation_key: str | None
    status: OutboxStatus
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    sent_at: datetime | None = None
    parked_at: datetime | None = None
    claims: int = 0


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
