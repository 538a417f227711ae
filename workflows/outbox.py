"""Outbox messages as the use cases see them: the record, its status and its kinds. Pure: no I/O.

Owned here, beside the ports that hand them out (workflows.ports.OutboxStore); the store imports them to
write and read its rows (store/outbox.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


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
