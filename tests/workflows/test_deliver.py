"""Delivering the outbox: the meeting card to the group's channel once, updated in place after an edit;
failures retried, then parked; nothing lost."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from store import SqlStore
from store.outbox import OutboxStatus
from tests.workflows.chat_fixtures import NOW, RecordingSender, clock, ingest_flg
from workflows.chat import ChatSendError
from workflows.deliver import SECRETARY_NOTICE, Deliverer


async def test_the_summary_is_posted_once_then_updated(store: SqlStore, tmp_path: Path) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    sender = RecordingSender()
    deliverer = Deliverer(store, sender, clock, worker="w1")
    assert await deliverer.run_once() == 1
    assert [conversation for conversation, _ in sender.sent] == ["19:flg@thread.tacv2"]
    assert "FLG" in str(sender.sent[0][1].card)
    assert await deliverer.run_once() == 0  # nothing pending any more
    await store.enqueue("meeting_summary", {"document_key": key}, conversation_key=None, at=NOW)  # an edit
    assert await deliverer.run_once() == 1
    assert len(sender.sent) == 1 and [a for _, a, _ in sender.updated] == ["activity-1"]


async def test_a_429_is_retried_later_and_a_hopeless_message_parked(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    sender = RecordingSender(failures=[ChatSendError("429", status=429, retry_after=7)])
    deliverer = Deliverer(store, sender, clock, worker="w1", max_attempts=2)
    assert await deliverer.run_once() == 0
    (pending,) = await store.outbox_messages(OutboxStatus.PENDING)
    assert pending.attempts == 1 and pending.next_attempt_at == NOW + timedelta(seconds=7)
    later = Deliverer(store, sender, lambda: NOW + timedelta(seconds=8), worker="w1", max_attempts=2)
    sender.failures.append(ChatSendError("503", status=503))
    assert await later.run_once() == 0
    (parked,) = await store.outbox_messages(OutboxStatus.PARKED)
    assert "gav upp" in (parked.last_error or "")


async def test_a_secretary_notice_opens_a_personal_chat(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()
    await store.enqueue(SECRETARY_NOTICE, {"group": "FLG", "text": "inte min"}, conversation_key=None, at=NOW)
    sender = RecordingSender()
    assert await Deliverer(store, sender, clock, worker="w1").run_once() == 1
    assert [c for c, _ in sender.sent] == ["a:personal-aad-yk"]
