"""The aiohttp app built by create_app: health, readiness, and ingestion runs that never overlap."""

from __future__ import annotations

import asyncio
import gc
import shutil
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app, freeze_startup_heap
from bot.ingestion import Ingestion
from bot.keys import DELIVERER, INGESTION, REMINDERS, SCHEDULER, STORE
from bot.settings import Settings
from minutes.records import DocumentRef
from tests.fakes import InMemoryStore, in_process_reader
from workflows.ingest import Ingestor

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient[object, object]]:
    folder = tmp_path / "protokoll"
    folder.mkdir()
    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", folder)
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=folder,
        local_poll_seconds=3600,
    )
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def test_health_and_readiness(client: TestClient[object, object]) -> None:
    assert (await (await client.get("/healthz")).json()) == {"status": "ok"}
    await client.app[INGESTION].idle()
    ready = await (await client.get("/readyz")).json()
    assert ready["status"] == "ready" and all(ready["sources"].values())


async def test_the_local_folder_is_ingested_on_start(client: TestClient[object, object]) -> None:
    await client.app[INGESTION].idle()
    items = await client.app[STORE].list_items()
    assert len(items) > 20 and {i.group for i in items} == {"FLG"}


@dataclass
class SlowSource:
    """A source whose listing takes a while, counting how often and how concurrently it is asked."""

    runs: int = 0
    in_flight: int = 0
    most_at_once: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def name(self) -> str:
        return "slow"

    async def changes(self) -> Sequence[DocumentRef]:
        self.runs += 1
        self.in_flight += 1
        self.most_at_once = max(self.most_at_once, self.in_flight)
        await self.gate.wait()
        self.in_flight -= 1
        return []

    async def download(self, ref: DocumentRef, *, max_bytes: int) -> bytes:
        raise AssertionError("nothing to download")

    async def commit(self) -> None:
        return None


async def test_nudges_during_a_run_coalesce_into_one_more_run() -> None:
    source = SlowSource()
    ingestion = Ingestion(
        Ingestor(store=InMemoryStore(), clock=lambda: datetime.now(UTC), reader=in_process_reader),
        {"slow": source},
    )
    ingestion.nudge("slow")
    await asyncio.sleep(0)
    for _ in range(5):
        ingestion.nudge("slow")  # arrive while the first run waits
    source.gate.set()
    await ingestion.idle()
    assert (source.runs, source.most_at_once) == (2, 1)


async def test_the_startup_heap_is_frozen_out_of_the_collectors_reach() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        await freeze_startup_heap(web.Application())
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the rest of the test session collects as usual


async def test_the_scheduler_follows_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=None,
        poll_interval_minutes=25,
        digest_schedules={"FLG": "tis 09:15", "FSG": "fredag 13.30"},
        reminder_policies={
            "FSG": {"days_before": [2], "quiet_hours": "17:00-08:00"},
            "*": {"days_before": [10, 1]},
        },
        dangerously_allow_unauthenticated=True,  # on loopback: the Teams side, and so delivery, starts too
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        jobs = {job.id: job for job in client.app[SCHEDULER].get_jobs()}
        policies = client.app[REMINDERS].policies
        delivery_quiet = client.app[DELIVERER].policies.of("FSG").quiet
    assert str(jobs["sources.poll"].trigger) == "interval[0:25:00]"
    assert str(jobs["digest.weekly:FLG"].trigger) == "cron[day_of_week='tue', hour='9', minute='15']"
    assert str(jobs["digest.weekly:FSG"].trigger) == "cron[day_of_week='fri', hour='13', minute='30']"
    assert "digest.weekly" not in jobs
    assert (policies.of("FSG").days_before, policies.of("FLG").days_before) == ((2,), (10, 1))
    assert (delivery_quiet.start, delivery_quiet.end) == (time(17, 0), time(8, 0))
