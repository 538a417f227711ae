"""OutboxRepository on SQLite and PostgreSQL: the sender's side of the outbox (enqueue, claim with a lease, settle,
put back until the morning)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import NullPool, select
from sqlalchemy.ext.asyncio import create_async_engine

from store import OutboxMessage, OutboxStatus, SqlStore, open_store
from store.tables import outbox
from tests.conftest import empty_postgres
from tests.store.builders import MONDAY, later

LEASE = timedelta(minutes=5)
CHANNEL = "19:flg-general@thread.tacv2"


def ids(messages: list[OutboxMessage]) -> list[int]:
    return [message.id for message in messages]


async def enqueue_several(store: SqlStore, count: int) -> list[int]:
    return [
        await store.enqueue("item_card", {"item_id": n}, conversation_key=CHANNEL, at=MONDAY)
        for n in range(count)
    ]


async def test_an_enqueued_message_is_pending_and_due_at_once(store: SqlStore) -> None:
    first = await store.enqueue(
        "item_card", {"item_id": 12, "verb": "done"}, conversation_key=CHANNEL, at=MONDAY
    )
    second = await store.enqueue("digest", {"group": "FLG"}, conversation_key=None, at=later(1))

    assert second > first
    assert await store.outbox_messages() == [
        OutboxMessage(
            id=first,
            created_at=MONDAY,
            kind="item_card",
            payload={"item_id": 12, "verb": "done"},
            conversation_key=CHANNEL,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=MONDAY,
        ),
        OutboxMessage(
            id=second,
            created_at=later(1),
            kind="digest",
            payload={"group": "FLG"},
            conversation_key=None,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=later(1),
        ),
    ]


async def test_a_claim_takes_due_unclaimed_messages_up_to_the_limit(store: SqlStore) -> None:
    early = await enqueue_several(store, 3)
    soon = later(1) + timedelta(minutes=1)  # within the leases taken at later(1)
    late = await store.enqueue("digest", {"group": "FLG"}, conversation_key=None, at=soon)

    claimed = await store.claim_outbox("worker-a", now=later(1), lease=LEASE, limit=2)

    assert ids(claimed) == early[:2]
    assert {(m.claimed_by, m.claimed_until, m.status, m.attempts) for m in claimed} == {
        ("worker-a", later(1) + LEASE, OutboxStatus.PENDING, 0)
    }
    assert ids(await store.claim_outbox("worker-b", now=later(1), lease=LEASE, limit=10)) == early[2:]
    assert await store.claim_outbox("worker-c", now=later(1), lease=LEASE, limit=10) == []
    assert ids(await store.claim_outbox("worker-c", now=soon, lease=LEASE, limit=10)) == [late]
    assert await store.claim_outbox("worker-c", now=later(2), lease=LEASE, limit=0) == []
    with pytest.raises(ValueError):
        await store.claim_outbox("worker-c", now=later(2), lease=timedelta(0), limit=1)


async def test_an_expired_lease_is_claimable_again(store: SqlStore) -> None:
    [message_id] = await enqueue_several(store, 1)
    await store.claim_outbox("worker-a", now=MONDAY, lease=LEASE, limit=1)

    assert (
        await store.claim_outbox("worker-b", now=MONDAY + LEASE - timedelta(seconds=1), lease=LEASE, limit=1)
        == []
    )
    [reclaimed] = await store.claim_outbox("worker-b", now=MONDAY + LEASE, lease=LEASE, limit=1)

    assert (reclaimed.id, reclaimed.claimed_by, reclaimed.claimed_until) == (
        message_id,
        "worker-b",
        MONDAY + 2 * LEASE,
    )


async def test_a_sent_message_is_never_claimed_again(store: SqlStore) -> None:
    [message_id] = await enqueue_several(store, 1)
    await store.claim_outbox("worker-a", now=MONDAY, lease=LEASE, limit=1)

    await store.mark_sent(message_id, at=later(1))
    await store.mark_sent(message_id, at=later(2))  # a slow second sender changes nothing

    [sent] = await store.outbox_messages(OutboxStatus.SENT)
    assert (sent.id, sent.sent_at, sent.claimed_by, sent.claimed_until, sent.attempts) == (
        message_id,
        later(1),
        "worker-a",
        None,
        0,
    )
    assert await store.outbox_messages() == []
    assert await store.claim_outbox("worker-b", now=later(24), lease=LEASE, limit=10) == []


async def test_a_retry_counts_the_attempt_and_waits_until_its_time(store: SqlStore) -> None:
    [message_id] = await enqueue_several(store, 1)
    await store.claim_outbox("worker-a", now=MONDAY, lease=LEASE, limit=1)

    await store.mark_retry(message_id, error="HTTP 503 from the connector", next_attempt_at=later(1))

    [pending] = await store.outbox_messages()
    assert (pending.attempts, pending.last_error, pending.next_attempt_at) == (
        1,
        "HTTP 503 from the connector",
        later(1),
    )
    assert (pending.claimed_by, pending.claimed_until) == (None, None)
    # The claim is released, but the message waits for its time, not for the lease.
    assert (
        await store.claim_outbox("worker-b", now=later(1) - timedelta(seconds=1), lease=LEASE, limit=1) == []
    )
    assert ids(await store.claim_outbox("worker-b", now=later(1), lease=LEASE, limit=1)) == [message_id]
    await store.mark_retry(message_id, error="HTTP 429", next_attempt_at=later(2))
    [again] = await store.outbox_messages()
    assert (again.attempts, again.last_error) == (2, "HTTP 429")


async def test_a_parked_message_is_kept_visible_and_never_claimed(store: SqlStore) -> None:
    [message_id, other] = await enqueue_several(store, 2)
    await store.claim_outbox("worker-a", now=MONDAY, lease=LEASE, limit=1)

    await store.park(message_id, error="HTTP 403: the bot was removed from the team", at=later(1))
    await store.mark_retry(message_id, error="late retry", next_attempt_at=later(2))  # ignored

    [parked] = await store.outbox_messages(OutboxStatus.PARKED)
    assert (parked.id, parked.parked_at, parked.attempts, parked.last_error, parked.claimed_until) == (
        message_id,
        later(1),
        1,
        "HTTP 403: the bot was removed from the team",
        None,
    )
    assert ids(await store.claim_outbox("worker-b", now=later(48), lease=LEASE, limit=10)) == [other]
    await store.mark_sent(other, at=later(48))
    assert await store.claim_outbox("worker-c", now=later(96), lease=LEASE, limit=10) == []
    assert await store.outbox_messages(OutboxStatus.PARKED) == [parked]


async def test_settling_an_unknown_message_changes_nothing(store: SqlStore) -> None:
    await store.mark_sent(999, at=MONDAY)
    await store.mark_retry(999, error="x", next_attempt_at=MONDAY)
    await store.park(999, error="x", at=MONDAY)

    assert [await store.outbox_messages(status) for status in OutboxStatus] == [[], [], []]


async def test_concurrent_claimers_never_get_the_same_message(database_url: str) -> None:
    # Separate stores, as separate instances would be: each has its own pool and its own in-process lock.
    stores = [await open_store(database_url) for _ in range(4)]
    try:
        expected = await enqueue_several(stores[0], 120)

        async def drain(store: SqlStore, worker: str) -> list[int]:
            got: list[int] = []
            while batch := await store.claim_outbox(worker, now=later(1), lease=LEASE, limit=3):
                got.extend(ids(batch))
            return got

        claims = await asyncio.gather(*(drain(store, f"worker-{n}") for n, store in enumerate(stores)))
        remaining = await stores[0].outbox_messages()
    finally:
        for store in stores:
            await store.close()

    every = [message_id for claim in claims for message_id in claim]
    assert sorted(every) == expected  # each message claimed exactly once
    assert {m.claimed_by for m in remaining} == {f"worker-{n}" for n, claim in enumerate(claims) if claim}


async def test_a_claim_on_postgresql_skips_rows_another_transaction_has_locked(postgres_server: str) -> None:
    await empty_postgres(postgres_server)
    store = await open_store(postgres_server)
    other = create_async_engine(postgres_server, poolclass=NullPool)
    try:
        message_ids = await enqueue_several(store, 4)
        async with other.begin() as connection:
            # Another sender in the middle of its claim: the first two rows are locked until it commits.
            await connection.execute(
                select(outbox.c.id).where(outbox.c.id.in_(message_ids[:2])).with_for_update()
            )
            claimed = await asyncio.wait_for(
                store.claim_outbox("worker-b", now=later(1), lease=LEASE, limit=10), timeout=10
            )
    finally:
        await other.dispose()
        await store.close()

    assert ids(claimed) == message_ids[2:]


async def test_defer_puts_a_claimed_message_back_without_counting_it(store: SqlStore) -> None:
    await store.enqueue("reminder", {"user_aad_id": "aad-aa"}, conversation_key=None, at=MONDAY)
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
