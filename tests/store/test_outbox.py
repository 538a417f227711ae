"""Outbox rows: what a meeting summary message holds. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from store.outbox import OutboxKind, OutboxMessage, OutboxStatus, meeting_summary_values, message_from_row

AT = datetime(2024, 8, 26, 7, 30, tzinfo=UTC)


def test_a_meeting_summary_names_only_the_document_and_is_due_at_once() -> None:
    values = meeting_summary_values("local:/minutes|flg.docx", at=AT)

    assert values == {
        "created_at": AT,
        "kind": "meeting_summary",
        "payload": {"document_key": "local:/minutes|flg.docx"},
        "conversation_key": None,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": AT,
    }


def test_a_message_is_read_from_its_row() -> None:
    row = {
        "id": 1,
        "last_error": None,
        "claimed_by": None,
        "claimed_until": None,
        "sent_at": None,
        "parked_at": None,
        **meeting_summary_values("k", at=AT),
    }

    assert message_from_row(row) == OutboxMessage(
        id=1,
        created_at=AT,
        kind=OutboxKind.MEETING_SUMMARY,
        payload={"document_key": "k"},
        conversation_key=None,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=AT,
    )
