"""SqlStore on SQLite and PostgreSQL: job leases, the sent-reminder ledger, and outbox claims counted."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from store import OutboxStatus, SqlStore, open_store
from tests.store.builders import MONDAY

TTL = timedelta(minutes=25)
LEASE = timedelta(minutes=5)
SLOT = "reminders.tick:2024-08-26T07:30Z"


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


# -- job leases -------------------------------------------------------------------------------------------


async def test_a_lease_has_one_holder_until_it_runs_out(store: SqlStore) -> None:
    assert await store.acquire_job_lease(SLOT, "a", now=MONDAY, ttl=TTL)
    assert not await store.acquire_job_lease(SLOT, "b", now=MONDAY + minutes(1), ttl=TTL)
    assert not await store.acquire_job_lease(SLOT, "b", now=MONDAY + TTL - timedelta(seconds=1), ttl=TTL)
    assert await store.job_lease_holder(SLOT, now=MONDAY + minutes(1)) == "a"

    assert await store.acquire_job_lease(SLOT, "b", now=MONDAY + TTL, ttl=TTL)  # ran out: taken over
    assert not await store.acquire_job_lease(SLOT, "a", now=MONDAY + TTL, ttl=TTL)
    assert await store.job_lease_holder(SLOT, now=MONDAY + TTL) == "b"


async def test_the_holder_renews_its_lease(store: SqlStore) -> None:
    assert await store.acquire_job_lease(SLOT, "a", now=MONDAY, ttl=TTL)
    assert await store.acquire_job_lease(SLOT, "a", now=MONDAY + minutes(20), ttl=TTL)  # now until +45

    assert not await store.acquire_job_lease(SLOT, "b", now=MONDAY + minutes(30), ttl=TTL)
    assert await store.job_lease_holder(SLOT, now=MONDAY + minutes(44)) == "a"
    assert await store.job_lease_holder(SLOT, now=MONDAY + minutes(45)) is None
    assert await store.acquire_job_lease(SLOT, "b", now=MONDAY + minutes(45), ttl=TTL)


async def test_leases_of_other_names_are_independent(store: SqlStore) -> None:
    assert await store.acquire_job_lease(SLOT, "a", now=MONDAY, ttl=TTL)
    assert await store.acquire_job_lease("reminders.tick:2024-08-26T07:45Z", "b", now=MONDAY, ttl=TTL)
    assert await store.acquire_job_lease("digest.weekly:2024-W35:FLG", "c", now=MONDAY, ttl=TTL)


async def test_a_released_lease_is_free_at_once_but_only_its_holder_releases_it(store: SqlStore) -> None:
    assert await store.acquire_job_lease(SLOT, "a", now=MONDAY, ttl=TTL)

    await store.release_job_lease(SLOT, "b")  # not b's: nothing happens
    assert not await store.acquire_job_lease(SLOT, "b", now=MONDAY, ttl=TTL)

    await store.release_job_lease(SLOT, "a")
    assert await store.job_lease_holder(SLOT, now=MONDAY) is None
    assert await store.acquire_job_lease(SLOT, "b", now=MONDAY, ttl=TTL)


async def test_a_lease_needs_a_positive_ttl(store: SqlStore) -> None:
    with pytest.raises(ValueError):
        await store.acquire_job_lease(SLOT, "a", now=MONDAY, ttl=timedelta(0))


async def test_concurrent_acquirers_on_separate_stores_get_one_holder(database_url: str) -> None:
    # Separate stores, as separate instances would be: each has its own pool and its own in-process lock.
    stores = [await open_store(database_url) for _ in range(4)]
    try:
        for round_number in range(20):
            name = f"reminders.tick:{round_number}"
            won = await asyncio.gather(
                *(
                    store.acquire_job_lease(name, f"instance-{n}", now=MONDAY, ttl=TTL)
                    for n, store in enumerate(stores)
                    for _ in range(3)  # each instance asks three times at once: a renewal is a win too
                )
            )
            winners = {f"instance-{n // 3}" for n, took in enumerate(won) if took}
            assert len(winners) == 1, f"round {round_number}: {winners}"
            assert await stores[0].job_lease_holder(name, now=MONDAY) == winners.pop()
        # An expired lease raced for: again exactly one instance takes it over.
        later = MONDAY + TTL
        won = await asyncio.gather(
            *(
                store.acquire_job_lease("reminders.tick:0", f"late-{n}", now=later, ttl=TTL)
                for n, store in enumerate(stores)
            )
        )
        assert sum(won) == 1
    finally:
        for store in stores:
            await store.close()


# -- the reminder ledger ------------------------------------------------------------------------------------


async def test_a_reminder_is_claimed_once_ever(store: SqlStore) -> None:
    key = "12|aad-aa|due_soon|2024-08-30"

    assert await store.claim_reminder(key, at=MONDAY)
    assert not await store.claim_reminder(key, at=MONDAY)
    assert not await store.claim_reminder(key, at=MONDAY + timedelta(days=30))
    assert await store.claim_reminder("12|aad-aa|overdue|2024-08-30", at=MONDAY)


async def test_concurrent_reminder_claims_on_separate_stores_have_one_winner(database_url: str) -> None:
    stores = [await open_store(database_url) for _ in range(3)]
    try:
        keys = [f"{n}|aad-aa|due_soon|2024-08-30" for n in range(30)]
        results = await asyncio.gather(
            *(store.claim_reminder(key, at=MONDAY) for key in keys for store in stores)
        )
    finally:
        for store in stores:
            await store.close()
    per_key = [sum(results[n * 3 : n * 3 + 3]) for n in range(len(keys))]
    assert per_key == [1] * len(keys)


# -- outbox claims ------------------------------------------------------------------------------------------


async def test_every_claim_counts(store: SqlStore) -> None:
    message_id = await store.enqueue("notice", {"text": "x"}, conversation_key=None, at=MONDAY)

    [first] = await store.claim_outbox("a", now=MONDAY, lease=LEASE, limit=1)
    [second] = await store.claim_outbox("b", now=MONDAY + LEASE, lease=LEASE, limit=1)  # a's lease ran out
    await store.mark_retry(message_id, error="HTTP 503", next_attempt_at=MONDAY + 2 * LEASE)
    [third] = await store.claim_outbox("c", now=MONDAY + 2 * LEASE, lease=LEASE, limit=1)

    assert [first.claims, second.claims, third.claims] == [1, 2, 3]
    assert (third.attempts, third.status) == (1, OutboxStatus.PENDING)


async def test_a_message_that_keeps_killing_its_worker_is_parked_after_max_claims(store: SqlStore) -> None:
    poison = await store.enqueue("notice", {"text": "poison"}, conversation_key=None, at=MONDAY)
    fine = await store.enqueue("notice", {"text": "fine"}, conversation_key=None, at=MONDAY)
    now = MONDAY
    for _ in range(3):  # each worker claims both, sends `fine`, and dies sending `poison`
        claimed = await store.claim_outbox("worker", now=now, lease=LEASE, limit=10, max_claims=3)
        assert [message.id for message in claimed] == ([poison, fine] if now == MONDAY else [poison])
        if now == MONDAY:
            await store.mark_sent(fine, at=now)
        now += LEASE

    assert await store.claim_outbox("worker", now=now, lease=LEASE, limit=10, max_claims=3) == []

    [parked] = await store.outbox_messages(OutboxStatus.PARKED)
    assert (parked.id, parked.claims, parked.attempts, parked.parked_at, parked.claimed_until) == (
        poison,
        3,
        0,
        now,
        None,
    )
    assert parked.last_error
    assert [message.id for message in await store.outbox_messages(OutboxStatus.SENT)] == [fine]


async def test_the_claim_limit_leaves_ordinary_retries_alone(store: SqlStore) -> None:
    """The default limit is above the Deliverer's attempts: a message retried that often is parked by it."""
    message_id = await store.enqueue("notice", {"text": "x"}, conversation_key=None, at=MONDAY)
    now = MONDAY
    for _ in range(9):
        [claimed] = await store.claim_outbox("worker", now=now, lease=LEASE, limit=1)
        now += minutes(1)
        await store.mark_retry(message_id, error="HTTP 503", next_attempt_at=now)

    [claimed] = await store.claim_outbox("worker", now=now, lease=LEASE, limit=1)
    assert (claimed.claims, claimed.attempts) == (10, 9)
