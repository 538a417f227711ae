"""Three instances on one database (PostgreSQL, SQLite): each job slot runs once, each message goes once."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent

from minutes.records import ConversationType, ConvRef
from scheduler.jobs import STOCKHOLM, SchedulerJobs, WorkflowCall
from scheduler.runner import SchedulerConfig, scheduled_jobs, start_scheduler
from store import OutboxStatus, SqlStore, open_store
from tests.workflows.chat_fixtures import RecordingSender
from workflows.deliver import NOTICE, Deliverer

INSTANCES = 3
MONDAY = datetime(2024, 9, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
async def stores(database_url: str) -> AsyncIterator[list[SqlStore]]:
    """Separate stores, as separate instances have: each its own pool and its own in-process write lock."""
    opened = [await open_store(database_url) for _ in range(INSTANCES)]
    try:
        yield opened
    finally:
        for store in opened:
            await store.close()


class Counted:
    """Workflow calls counted by job and moment, each taking a little while (as real ones do)."""

    def __init__(self) -> None:
        self.runs: Counter[tuple[str, datetime]] = Counter()

    def jobs(self) -> SchedulerJobs:
        def counting(name: str) -> WorkflowCall:
            async def call(at: datetime) -> None:
                self.runs[(name, at)] += 1
                await asyncio.sleep(0.01)

            return call

        async def digest(group: str | None, at: datetime) -> None:
            self.runs[(f"digest:{group}", at)] += 1

        return SchedulerJobs(
            counting("poll"), counting("reminders"), digest, counting("agenda"), counting("renew")
        )


async def test_the_same_slot_fired_on_three_instances_at_once_runs_once(stores: list[SqlStore]) -> None:
    counted = Counted()
    ticks = [
        [
            scheduled.job
            for scheduled in scheduled_jobs(
                counted.jobs(), SchedulerConfig(f"instance-{n}"), leases=store, clock=lambda: MONDAY
            )
            if scheduled.job.job_id == "reminders.tick"
        ][0]
        for n, store in enumerate(stores)
    ]
    slots = [MONDAY + timedelta(minutes=15 * n) for n in range(40)]

    for at in slots:
        ran = await asyncio.gather(*(tick.run(at) for tick in ticks))
        assert sum(ran) == 1, f"{at}: {ran}"

    assert counted.runs == Counter({("reminders", at): 1 for at in slots})


async def test_three_running_schedulers_fire_a_job_and_one_runs_it(stores: list[SqlStore]) -> None:
    counted = Counted()
    outcomes: list[JobExecutionEvent] = []
    finished = asyncio.Event()

    def on_done(event: JobExecutionEvent) -> None:
        outcomes.append(event)
        if len(outcomes) == INSTANCES:
            finished.set()

    schedulers = [
        start_scheduler(counted.jobs(), SchedulerConfig(f"instance-{n}"), leases=store)
        for n, store in enumerate(stores)
    ]
    try:
        for scheduler in schedulers:
            scheduler.add_listener(on_done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        now = datetime.now(STOCKHOLM)
        for scheduler in schedulers:
            scheduler.modify_job("agenda.before_meeting", next_run_time=now)
        await asyncio.wait_for(finished.wait(), timeout=20)
    finally:
        for scheduler in schedulers:
            scheduler.shutdown(wait=False)
        await asyncio.sleep(0)

    assert sorted(event.retval for event in outcomes) == [False, False, True]
    assert [name for name, _ in counted.runs] == ["agenda"]
    assert sum(counted.runs.values()) == 1


async def test_three_deliverers_send_three_hundred_notices_each_once(stores: list[SqlStore]) -> None:
    conversations = [
        ConvRef(
            service_url="http://127.0.0.1:1/",
            conversation_id=f"a:personal-{n:02d}",
            conversation_type=ConversationType.PERSONAL,
            tenant_id="tenant",
            bot_id="28:bot",
        )
        for n in range(30)
    ]
    for conversation in conversations:
        await stores[0].save_conversation(conversation, at=MONDAY)
    for n in range(300):
        conversation_id = conversations[n % len(conversations)].conversation_id
        await stores[0].enqueue(
            NOTICE,
            {"conversation_id": conversation_id, "text": f"notis {n}"},
            conversation_key=conversation_id,
            at=MONDAY,
        )
    sender = RecordingSender()

    async def drain(store: SqlStore, worker: str) -> int:
        deliverer = Deliverer(store, sender, lambda: MONDAY, worker=worker)
        sent = 0
        while await store.outbox_messages():
            sent += await deliverer.run_once(limit=10)
            await asyncio.sleep(0)
        return sent

    counts = await asyncio.gather(*(drain(store, f"worker-{n}") for n, store in enumerate(stores)))

    texts = Counter(message.text for _, message in sender.sent)
    assert texts == Counter({f"notis {n}": 1 for n in range(300)})
    assert sum(counts) == 300
    assert {(conversation_id, message.text) for conversation_id, message in sender.sent} == {
        (conversations[n % 30].conversation_id, f"notis {n}") for n in range(300)
    }
    delivered = await stores[0].outbox_messages(OutboxStatus.SENT)
    assert len(delivered) == 300 and {message.claims for message in delivered} == {1}
