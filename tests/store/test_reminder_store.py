"""The reminder side of the store on SQLite and PostgreSQL: claims and their message in one transaction, 'Inte
min' kept until the minutes re-assign the item, and a personal message put back until the morning."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy.exc import StatementError

from minutes.records import ItemStatus
from store import OutboxStatus, SqlStore, open_store
from tests.store.builders import FLG_V1, MONDAY, document, ingest, later

KEYS = ["7|aad-aa|before-7|2024-09-02", "9|aad-aa|before-7|2024-09-02"]
PAYLOAD = {"user_aad_id": "aad-aa", "name": "Annika Andersson", "group": "FLG", "item_ids": [7, 9]}


# -- claims and the outbox in one transaction ---------------------------------------------------------------


async def test_a_reminder_message_claims_its_keys_with_it(store: SqlStore) -> None:
    assert await store.claimed_reminders(KEYS) == set()
    assert await store.enqueue_reminder(KEYS, "reminder", PAYLOAD, conversation_key=None, at=MONDAY)
    assert await store.claimed_reminders([*KEYS, "1|aad-rn|day|2024-09-02"]) == set(KEYS)
    [message] = await store.outbox_messages()
    assert (message.kind, dict(message.payload)) == ("reminder", PAYLOAD)


async def test_any_key_claimed_before_writes_nothing(store: SqlStore) -> None:
    assert await store.claim_reminder(KEYS[1], at=MONDAY)
    fresh = "8|aad-aa|before-7|2024-09-02"
    assert not await store.enqueue_reminder(
        [fresh, KEYS[1]], "reminder", PAYLOAD, conversation_key=None, at=MONDAY
    )
    assert await store.claimed_reminders([fresh, *KEYS]) == {KEYS[1]}
    assert await store.outbox_messages() == []
    # The rest goes out in a message of its own.
    assert await store.enqueue_reminder([fresh], "reminder", PAYLOAD, conversation_key=None, at=MONDAY)


async def test_a_failure_after_the_claim_rolls_the_claim_back(store: SqlStore) -> None:
    unwritable = {**PAYLOAD, "bad": object()}
    with pytest.raises(StatementError):
        await store.enqueue_reminder(KEYS, "reminder", unwritable, conversation_key=None, at=MONDAY)
    assert await store.claimed_reminders(KEYS) == set()
    assert await store.outbox_messages() == []
    assert await store.enqueue_reminder(KEYS, "reminder", PAYLOAD, conversation_key=None, at=later(1))
    assert len(await store.outbox_messages()) == 1


async def test_concurrent_messages_over_shared_keys_on_separate_stores(database_url: str) -> None:
    """Three instances queue overlapping messages at once: each key is claimed by exactly one message, and
    only messages that won all their keys are in the outbox."""
    stores = [await open_store(database_url) for _ in range(3)]
    messages = [[f"{n}|aad-aa|day|2024-09-02", f"{n + 1}|aad-aa|day|2024-09-02"] for n in range(0, 20, 1)]
    try:
        results = await asyncio.gather(
            *(
                store.enqueue_reminder(
                    list(reversed(keys)) if index % 2 else keys,
                    "reminder",
                    {"keys": keys},
                    conversation_key=None,
                    at=MONDAY,
                )
                for keys in messages
                for index, store in enumerate(stores)
            )
        )
        queued = [dict(m.payload)["keys"] for m in await stores[0].outbox_messages()]
        claimed = await stores[0].claimed_reminders({key for keys in messages for key in keys})
    finally:
        for store in stores:
            await store.close()
    assert len(queued) == sum(results)
    written = [key for keys in queued for key in keys]
    assert len(written) == len(set(written))  # no key in two messages
    assert set(written) == claimed  # every claim came with its message


# -- 'Inte min' ---------------------------------------------------------------------------------------------


async def test_not_mine_is_recorded_once_audited_and_read_back(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    rn_item = next(i for i in live if i.owners == ("RN",))
    assert rn_item.id is not None
    assert await store.not_mine_items() == {}
    assert await store.record_not_mine(rn_item.id, "AAD-RN", at=MONDAY, origin="teams:19:flg")
    assert not await store.record_not_mine(rn_item.id, "aad-rn", at=later(1), origin="teams:19:flg")
    assert await store.record_not_mine(rn_item.id, "aad-yk", at=later(1), origin="teams:19:flg")
    assert await store.not_mine_items() == {rn_item.id: frozenset({"aad-rn", "aad-yk"})}
    audit = [a for a in await store.audit_log(rn_item.key) if a.action == "item.not_mine"]
    assert [(a.actor, a.detail) for a in audit] == [
        ("aad-rn", f"#{rn_item.id}"),
        ("aad-yk", f"#{rn_item.id}"),
    ]
    assert not await store.record_not_mine(10**6, "aad-rn", at=MONDAY, origin="teams:19:flg")


async def test_not_mine_queues_its_notice_with_the_record_or_not_at_all(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    rn_item = next(i for i in live if i.owners == ("RN",))
    assert rn_item.id is not None
    notice = ("secretary_notice", {"group": "FLG", "text": "inte min"})
    assert await store.record_not_mine(rn_item.id, "aad-rn", at=MONDAY, origin="test", notice=notice)
    assert not await store.record_not_mine(rn_item.id, "aad-rn", at=later(1), origin="test", notice=notice)

    async def notices() -> list[tuple[str, dict[str, object]]]:
        return [(m.kind, m.payload) for m in await store.outbox_messages() if m.kind == "secretary_notice"]

    assert await notices() == [notice]
    # A notice that cannot be written (a lost connection, a full disk) takes the record down with it.
    unwritable = ("secretary_notice", {"group": "FLG", "text": object()})
    with pytest.raises(StatementError):
        await store.record_not_mine(rn_item.id, "aad-yk", at=MONDAY, origin="test", notice=unwritable)
    assert await store.not_mine_items() == {rn_item.id: frozenset({"aad-rn"})}
    assert [a.actor for a in await store.audit_log(rn_item.key) if a.action == "item.not_mine"] == ["aad-rn"]
    assert await store.record_not_mine(rn_item.id, "aad-yk", at=later(2), origin="test", notice=notice)
    assert await notices() == [notice, notice]


async def test_not_mine_of_an_item_done_no_longer_counts(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    item_id = live[0].id
    assert item_id is not None
    await store.record_not_mine(item_id, "aad-aa", at=MONDAY, origin="test")
    await store.set_status(item_id, ItemStatus.DONE, by="aad-yk", at=later(1), origin="test")
    assert await store.not_mine_items() == {}


async def test_minutes_that_name_other_owners_clear_not_mine(store: SqlStore) -> None:
    """A re-assignment: the secretary writes another owner into the minutes. The old 'Inte min' no longer
    counts; the new owner gets the reminders, and may say 'Inte min' afresh (so may the old one again)."""
    _, live = await ingest(store, document(), FLG_V1)
    rn_item = next(i for i in live if i.owners == ("RN",))
    assert rn_item.id is not None
    await store.record_not_mine(rn_item.id, "aad-rn", at=MONDAY, origin="test")
    edited = [replace(i, owners=("AA",)) if i.key == rn_item.key else i for i in FLG_V1]
    _, live = await ingest(store, document(version="v2"), edited, at=later(2))
    assert next(i for i in live if i.key == rn_item.key).owners == ("AA",)
    assert await store.not_mine_items() == {}
    assert await store.record_not_mine(rn_item.id, "aad-rn", at=later(3), origin="test")
    assert await store.not_mine_items() == {rn_item.id: frozenset({"aad-rn"})}


# -- a message put back until the morning -------------------------------------------------------------------


async def test_defer_puts_a_claimed_message_back_without_counting_it(store: SqlStore) -> None:
    await store.enqueue("reminder", PAYLOAD, conversation_key=None, at=MONDAY)
    [claimed] = await store.claim_outbox("w1", now=MONDAY, lease=timedelta(minutes=5), limit=10)
    morning = later(14)
    await store.defer(claimed.id, until=morning)
    [pending] = await store.outbox_messages(OutboxStatus.PENDING)
    assert (pending.next_attempt_at, pending.attempts, pending.claims) == (morning, 0, 0)
    assert (pending.claimed_by, pending.claimed_until) == (None, None)
    assert await store.claim_outbox("w1", now=later(1), lease=timedelta(minutes=5), limit=10) == []
    assert [
        m.id for m in await store.claim_outbox("w1", now=morning, lease=timedelta(minutes=5), limit=10)
    ] == [claimed.id]
