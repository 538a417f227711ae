"""A delivery worker SIGKILLed mid-fan-out, then restarted: nothing lost; only what was in flight resent."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from minutes.records import ConversationType, ConvRef
from store import OutboxStatus, SqlStore, open_store
from tests.fake_connector import FakeConnector
from tests.workflows.chat_fixtures import NOW
from tests.workflows.delivery_worker import APP_ID, TENANT
from workflows.deliver import LEASE, NOTICE

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "connector-test-token"
MESSAGES = 500
CONVERSATIONS = 50
BATCH = 50  # messages a worker claims at once: the most it can hold when it dies
KILL_AFTER = 230  # sends the connector accepted when the worker is killed: mid-batch
APP_PER_SECOND = 45  # under the fake connector's 50 per second, to keep the test short


async def seed(store: SqlStore, service_url: str) -> list[str]:
    """Personal chats with 50 people, and 500 reminder-like notices to them, round robin; their texts."""
    conversation_ids = [f"a:personal-{n:02d}" for n in range(CONVERSATIONS)]
    for conversation_id in conversation_ids:
        await store.save_conversation(
            ConvRef(
                service_url=service_url,
                conversation_id=conversation_id,
                conversation_type=ConversationType.PERSONAL,
                tenant_id=TENANT,
                bot_id=f"28:{APP_ID}",
            ),
            at=NOW,
        )
    texts = [f"Påminnelse {n}: punkt {n} förfaller på fredag" for n in range(MESSAGES)]
    for n, text in enumerate(texts):
        conversation_id = conversation_ids[n % CONVERSATIONS]
        await store.enqueue(
            NOTICE,
            {"conversation_id": conversation_id, "text": text},
            conversation_key=conversation_id,
            at=NOW,
        )
    return texts


async def start_worker(
    database_url: str, worker: str, log: Path, *, clock_offset: float = 0.0
) -> asyncio.subprocess.Process:
    with log.open("wb") as stderr:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.workflows.delivery_worker",
            "--database",
            database_url,
            "--token",
            TOKEN,
            "--worker",
            worker,
            "--batch",
            str(BATCH),
            "--app-per-second",
            str(APP_PER_SECOND),
            "--clock-offset-seconds",
            str(clock_offset),
            "--max-seconds",
            "120",
            cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )


async def quiet(connector: FakeConnector) -> None:
    """Until the connector has had no request for a while: one the dead worker had written to its socket may
    still be read and accepted after the kill, and it counts as sent before the restart."""
    seen = -1
    while seen != len(connector.calls):
        seen = len(connector.calls)
        await asyncio.sleep(0.3)


def received(connector: FakeConnector) -> Counter[str]:
    return Counter(str((call.body or {}).get("text")) for call in connector.accepted("send"))


@pytest.mark.slow
async def test_a_worker_killed_mid_fan_out_loses_nothing_and_repeats_only_what_was_in_flight(
    database_url: str, tmp_path: Path, record_property: pytest.RecordProperty
) -> None:
    async with FakeConnector(token=TOKEN) as connector:
        store = await open_store(database_url)
        try:
            texts = await seed(store, connector.service_url)

            first = await start_worker(database_url, "worker-1", tmp_path / "worker-1.log")
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 90
            while len(connector.accepted("send")) < KILL_AFTER:
                assert first.returncode is None, (tmp_path / "worker-1.log").read_text()
                assert loop.time() < deadline, "the first worker is too slow"
                await asyncio.sleep(0.002)
            first.send_signal(signal.SIGKILL)
            assert await first.wait() == -signal.SIGKILL
            await quiet(connector)

            before = received(connector)
            held = [m for m in await store.outbox_messages() if m.claimed_by == "worker-1"]
            # In flight: claimed by the dead worker, sent to Teams, never marked sent.
            in_flight = {str(m.payload["text"]) for m in held} & set(before)

            # Restarted once the dead worker's lease ran out (its clock is moved on rather than waited for).
            second = await start_worker(
                database_url, "worker-2", tmp_path / "worker-2.log", clock_offset=(LEASE.total_seconds() + 60)
            )
            assert await asyncio.wait_for(second.wait(), timeout=150) == 0, (
                tmp_path / "worker-2.log"
            ).read_text()

            after = received(connector)
            sent = await store.outbox_messages(OutboxStatus.SENT)
            pending = await store.outbox_messages()
        finally:
            await store.close()
    assert not connector.problems, connector.problems

    duplicates = {text for text, count in after.items() if count > 1}
    throttled = sum(1 for call in connector.calls if call.status == 429)
    record_property("killed_after", sum(before.values()))
    record_property("held_by_dead_worker", len(held))
    record_property("in_flight", len(in_flight))
    record_property("duplicates", len(duplicates))
    record_property("throttled", throttled)
    print(  # the observed numbers, for the report (pytest -rP shows them)
        f"killed after {sum(before.values())} sends; the dead worker held {len(held)}, "
        f"{len(in_flight)} in flight; {len(duplicates)} duplicates; {throttled} answers 429"
    )

    assert set(after) == set(texts)  # nothing lost
    assert len(sent) == MESSAGES and pending == []
    assert max(after.values()) <= 2
    # Only a message the dead worker had sent but not yet marked went out twice, and every such one did.
    assert duplicates == in_flight
    assert len(duplicates) <= len(held) <= BATCH
