"""ReminderRepository on SQLite and PostgreSQL: reminder keys claimed with their message in one transaction."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.exc import StatementError

from store import SqlStore, open_store
from tests.store.builders import MONDAY, later

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
