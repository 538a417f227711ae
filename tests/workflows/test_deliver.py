"""Delivering the outbox: the meeting card to the group's channel once, updated in place after an edit;
failures retried, then parked; nothing lost."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from cards.verbs import Verb
from minutes.calendar import QuietHours
from minutes.records import ConversationType, ConvRef
from sources.local_folder import LocalFolderSource
from store import SqlStore
from tests.fakes import in_process_reader
from tests.store.builders import FSG_REF, document, ingest, item
from tests.workflows.chat_fixtures import CHANNEL, NOW, RecordingSender, clock, ingest_flg
from workflows.chat import ChatSendError
from workflows.deliver import SECRETARY_NOTICE, Deliverer
from workflows.digest import DIGEST
from workflows.ingest import Ingestor
from workflows.outbox import OutboxStatus
from workflows.planner_run import PERSON_NOTICE
from workflows.remind import REMINDER, GroupPolicies, ReminderPolicy


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


async def test_a_person_notice_goes_to_that_persons_chat_and_a_bad_one_is_parked(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()
    text = "Du markerade #3 som klar i Planner, men …"
    await store.enqueue(
        PERSON_NOTICE, {"user_aad_id": "aad-rn", "name": "Rickard Nilsson", "text": text},
        conversation_key=None, at=NOW,
    )  # fmt: skip
    await store.enqueue(PERSON_NOTICE, {"name": "Ingen"}, conversation_key=None, at=NOW)
    sender = RecordingSender()
    assert await Deliverer(store, sender, clock, worker="w1").run_once() == 1
    [(conversation, message)] = sender.sent
    assert conversation == "a:personal-aad-rn" and text in str(message.card)
    assert [m.kind for m in await store.outbox_messages(OutboxStatus.PARKED)] == [PERSON_NOTICE]


# -- personal messages and the quiet hours ------------------------------------------------------------------

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def stockholm(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


async def queue_reminder_and_a_summary(store: SqlStore, tmp_path: Path) -> None:
    """Rickard's reminder of his open item and a meeting card for the channel, both pending."""
    key = await ingest_flg(store, tmp_path / "m")
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()  # the first meeting card
    rn = next(i for i in await store.list_items(open_only=True) if i.owners == ("RN",))
    payload = {"user_aad_id": "aad-rn", "name": "Rickard Nilsson", "group": "FLG", "item_ids": [rn.id]}
    await store.enqueue(REMINDER, payload, conversation_key=None, at=NOW)
    await store.enqueue("meeting_summary", {"document_key": key}, conversation_key=None, at=NOW)


async def test_a_reminder_whose_retry_falls_in_the_evening_waits_for_the_morning(
    store: SqlStore, tmp_path: Path
) -> None:
    await queue_reminder_and_a_summary(store, tmp_path)
    busy = [ChatSendError("429", status=429, retry_after=900) for _ in range(2)]  # 15 minutes
    sender = RecordingSender(failures=busy)
    evening = stockholm("2024-09-02 17:50")  # a Monday
    assert await Deliverer(store, sender, lambda: evening, worker="w1").run_once() == 0
    retries = {m.kind: m.next_attempt_at for m in await store.outbox_messages(OutboxStatus.PENDING)}
    assert retries == {
        REMINDER: stockholm("2024-09-03 07:30"),  # 18:05 is quiet: Tuesday morning
        "meeting_summary": evening + timedelta(minutes=15),  # the channel's card is not held
    }
    night = Deliverer(store, sender, lambda: stockholm("2024-09-02 18:30"), worker="w1")
    assert await night.run_once() == 1 and [c for c, _, _ in sender.updated] == ["19:flg@thread.tacv2"]
    morning = Deliverer(store, sender, lambda: stockholm("2024-09-03 07:30"), worker="w1")
    assert await morning.run_once() == 1 and [c for c, _ in sender.sent] == ["a:personal-aad-rn"]


async def test_a_backlog_of_personal_messages_claimed_at_night_waits_untried(
    store: SqlStore, tmp_path: Path
) -> None:
    await queue_reminder_and_a_summary(store, tmp_path)
    await store.enqueue(SECRETARY_NOTICE, {"group": "FLG", "text": "inte min"}, conversation_key=None, at=NOW)
    sender = RecordingSender()
    friday_night = stockholm("2024-09-06 21:00")  # the service was down since Monday
    assert await Deliverer(store, sender, lambda: friday_night, worker="w1").run_once() == 1  # the card
    waiting = await store.outbox_messages(OutboxStatus.PENDING)
    assert {m.kind for m in waiting} == {REMINDER, SECRETARY_NOTICE}
    assert {(m.next_attempt_at, m.attempts, m.claims) for m in waiting} == {
        (stockholm("2024-09-09 07:30"), 0, 0)
    }
    assert [c for c, _ in sender.sent] == []
    monday = Deliverer(store, sender, lambda: stockholm("2024-09-09 07:30"), worker="w1")
    assert await monday.run_once() == 2
    assert sorted(c for c, _ in sender.sent) == ["a:personal-aad-rn", "a:personal-aad-yk"]


async def test_a_groups_own_quiet_hours_hold_its_personal_messages(store: SqlStore, tmp_path: Path) -> None:
    await queue_reminder_and_a_summary(store, tmp_path)  # FLG
    sender = RecordingSender()
    early_evening = stockholm("2024-09-02 17:30")
    flg_quiet_from_five = GroupPolicies(
        groups={"FLG": ReminderPolicy(quiet=QuietHours(start=time(17, 0), end=time(8, 0)))}
    )
    deliverer = Deliverer(store, sender, lambda: early_evening, worker="w1", policies=flg_quiet_from_five)
    assert await deliverer.run_once() == 1  # the channel card only
    waiting = await store.outbox_messages(OutboxStatus.PENDING)
    assert [(m.kind, m.next_attempt_at) for m in waiting] == [(REMINDER, stockholm("2024-09-03 08:00"))]
    other_group = Deliverer(store, sender, lambda: stockholm("2024-09-03 07:45"), worker="w1")
    assert await other_group.run_once() == 0  # deferred until 08:00, whoever claims


async def test_a_deleted_document_updates_its_posted_card_without_klar(
    store: SqlStore, tmp_path: Path
) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    sender = RecordingSender()
    deliverer = Deliverer(store, sender, clock, worker="w1")
    assert await deliverer.run_once() == 1
    assert Verb.DONE.value in json.dumps(sender.sent[0][1].card)

    (tmp_path / "m" / "flg.docx").unlink()
    (report,) = await Ingestor(store=store, clock=clock, reader=in_process_reader).run(
        LocalFolderSource(tmp_path / "m", store)
    )
    assert report.document_key == key and report.withdrawn > 0

    assert await deliverer.run_once() == 1
    assert len(sender.sent) == 1  # no new card: the one posted says so
    ((conversation, activity, message),) = sender.updated
    assert (conversation, activity) == ("19:flg@thread.tacv2", "activity-1")
    card = json.dumps(message.card, ensure_ascii=False)
    assert "Protokollet har tagits bort" in card and Verb.DONE.value not in card


async def test_a_document_deleted_before_its_card_went_out_posts_nothing(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    (tmp_path / "m" / "flg.docx").unlink()
    await Ingestor(store=store, clock=clock, reader=in_process_reader).run(
        LocalFolderSource(tmp_path / "m", store)
    )
    sender = RecordingSender()
    await Deliverer(store, sender, clock, worker="w1").run_once()
    assert (sender.sent, sender.updated) == ([], [])
    assert await store.outbox_messages(OutboxStatus.PENDING) == []


# -- groups kept apart: cards only to the conversations that follow the group --------------------------------

FSG_CHANNEL = ConvRef(
    service_url="http://127.0.0.1:1/",
    conversation_id="19:fsg@thread.tacv2",
    conversation_type=ConversationType.CHANNEL,
    tenant_id="tenant",
    bot_id="28:bot",
)
CHANNEL_ID = CHANNEL.conversation_id
GROUP_CHAT = replace(
    FSG_CHANNEL, conversation_id="19:chatt@thread.v2", conversation_type=ConversationType.GROUP_CHAT
)


async def test_a_meeting_card_goes_only_to_conversations_following_its_group(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.unfollow_group(
        CHANNEL_ID, "FLG", by="t", at=NOW, origin="t"
    )  # FLG's channel: as if never told
    for conversation in (FSG_CHANNEL, GROUP_CHAT):
        await store.save_conversation(conversation, at=NOW)
    await store.follow_group(FSG_CHANNEL.conversation_id, "FSG", by="t", at=NOW, origin="t")
    await store.follow_group(
        GROUP_CHAT.conversation_id, "FLG", by="t", at=NOW, origin="t"
    )  # checked at send time
    sender = RecordingSender()
    await Deliverer(store, sender, clock, worker="w1").run_once()
    assert [conversation for conversation, _ in sender.sent] == [GROUP_CHAT.conversation_id]


async def test_a_digest_goes_only_to_the_groups_followers(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.unfollow_group(CHANNEL_ID, "FLG", by="t", at=NOW, origin="t")
    await store.save_conversation(FSG_CHANNEL, at=NOW)
    await store.follow_group(FSG_CHANNEL.conversation_id, "FSG", by="t", at=NOW, origin="t")
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()
    await store.enqueue(DIGEST, {"group": "FLG", "week": "2024-W36"}, conversation_key=None, at=NOW)
    await store.enqueue(DIGEST, {"group": None, "week": "2024-W36"}, conversation_key=None, at=NOW)
    sender = RecordingSender()
    await Deliverer(store, sender, clock, worker="w1").run_once()
    assert sender.sent == []  # nobody follows FLG; a digest of every group reaches no channel
    await store.follow_group(CHANNEL_ID, "FLG", by="t", at=NOW, origin="t")
    await store.enqueue(DIGEST, {"group": "FLG", "week": "2024-W37"}, conversation_key=None, at=NOW)
    await Deliverer(store, sender, clock, worker="w1").run_once()
    assert [c for c, _ in sender.sent] == [CHANNEL_ID]


async def test_a_document_of_no_group_goes_to_no_channel_and_the_administrators_are_told_once(
    store: SqlStore, tmp_path: Path
) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    await store.follow_group(CHANNEL_ID, "FLG", by="t", at=NOW, origin="t")
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()
    await ingest(store, document(FSG_REF, group=None), [item("t1", "Gör något", ref=FSG_REF, group=None)])  # type: ignore[arg-type]
    sender = RecordingSender()
    deliverer = Deliverer(
        store, sender, clock, worker="w1", administrators=("aad-admin", "admin@kommun.example")
    )
    await deliverer.run_once()
    assert [c for c, _ in sender.sent] == ["a:personal-aad-admin"]
    assert FSG_REF.name in json.dumps(sender.sent[0][1].card, ensure_ascii=False)
    await store.enqueue(
        "meeting_summary", {"document_key": FSG_REF.key}, conversation_key=None, at=NOW
    )  # an edit
    await deliverer.run_once()
    assert len(sender.sent) == 1  # told once
    await store.set_document_group(FSG_REF.key, "FLG", by="operator", at=NOW, origin="cli")
    await deliverer.run_once()
    assert [c for c, _ in sender.sent][1:] == [CHANNEL_ID] and key != FSG_REF.key
