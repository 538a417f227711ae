"""The service against the schema-checked fake Graph: SharePoint ingested on start, the subscription
handshake, and a change notification answered at once and followed by one delta run."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

import bot.ingestion
from bot.app import create_app
from bot.keys import INGESTION, SETTINGS, STORE, SUBSCRIPTIONS
from bot.settings import Settings
from tests.fake_graph import FakeDrive, FakeGraph, GraphState
from tests.graph_fixtures import FakeCredential

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CLIENT_STATE = "hemligt-klienttillstånd"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def drive(state: GraphState) -> FakeDrive:
    site = state.add_site("/sites/FLG", "FLG")
    library = state.add_library(site, "Dokument", "Delade dokument")
    state.add_folder(library, "Protokoll")
    state.add_file(
        library, "Protokoll/flg-2024-08-26.docx", (SAMPLES / "000_9fb95432c85b271b.docx").read_bytes()
    )
    return library


@pytest.fixture
async def service(
    fake: FakeGraph, drive: FakeDrive, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient[object, object]]:
    monkeypatch.setattr(bot.ingestion, "SUBSCRIBE_AFTER_START_SECONDS", 0.2)
    port = free_port()
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=None,
        sharepoint_library_url=f"{drive.web_url}/Protokoll",
        graph_base_url=fake.base_url,
        graph_notification_url=f"http://127.0.0.1:{port}/api/graph/notifications",
        graph_client_state=SecretStr(CLIENT_STATE),
        poll_interval_minutes=60,
    )
    app = create_app(settings, graph_credential=FakeCredential())
    async with TestClient(TestServer(app, host="127.0.0.1", port=port)) as client:
        yield client


async def wait_for(condition: object, *, seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_sharepoint_minutes_are_ingested_on_start(service: TestClient[object, object]) -> None:
    await asyncio.sleep(0.1)
    await service.app[INGESTION].idle()
    items = await service.app[STORE].list_items()
    assert len(items) > 20 and {i.group for i in items} == {"FLG"}


async def test_subscribe_then_a_notification_runs_delta_once(
    service: TestClient[object, object], fake: FakeGraph, drive: FakeDrive
) -> None:
    await wait_for(lambda: bool(service.app[SUBSCRIPTIONS].subscribed))
    (subscription_id,) = service.app[SUBSCRIPTIONS].subscribed
    assert subscription_id in fake.state.subscriptions  # the handshake with our endpoint succeeded
    await service.app[INGESTION].idle()
    before = len(await service.app[STORE].list_items())

    fake.state.add_file(
        drive, "Protokoll/fsg-2022-11-21.pdf", (SAMPLES / "002_9f59629560e86923.pdf").read_bytes()
    )
    notification = {
        "value": [{"subscriptionId": subscription_id, "clientState": CLIENT_STATE, "changeType": "updated"}]
    }
    response = await service.post("/api/graph/notifications", data=json.dumps(notification))
    assert response.status == 202
    await asyncio.sleep(0.05)
    await service.app[INGESTION].idle()
    assert len(await service.app[STORE].list_items()) > before


async def test_a_wrong_client_state_triggers_nothing(
    service: TestClient[object, object], fake: FakeGraph
) -> None:
    await wait_for(lambda: bool(service.app[SUBSCRIPTIONS].subscribed))
    (subscription_id,) = service.app[SUBSCRIPTIONS].subscribed
    await service.app[INGESTION].idle()
    deltas = len(fake.state.requests_to("delta"))
    forged = {"value": [{"subscriptionId": subscription_id, "clientState": "fel", "changeType": "updated"}]}
    response = await service.post("/api/graph/notifications", data=json.dumps(forged))
    assert response.status == 202
    await asyncio.sleep(0.1)
    await service.app[INGESTION].idle()
    assert len(fake.state.requests_to("delta")) == deltas


async def test_the_validation_token_is_echoed(service: TestClient[object, object]) -> None:
    response = await service.post("/api/graph/notifications?validationToken=Validation%3A%20abc%20123")
    assert response.status == 200 and response.content_type == "text/plain"
    assert await response.text() == "Validation: abc 123"


async def test_a_malformed_notification_is_refused(service: TestClient[object, object]) -> None:
    response = await service.post("/api/graph/notifications", data=b"{not json")
    assert response.status == 400


async def test_autosave_versions_are_ingested_but_the_card_waits_until_they_stop(
    service: TestClient[object, object], fake: FakeGraph, drive: FakeDrive
) -> None:
    # SharePoint's AutoSave: a new version every few seconds while the secretary types. Each is ingested at
    # once; the meeting's card waits until the document has been left alone for the settle time.
    ingestion, store = service.app[INGESTION], service.app[STORE]
    settle = timedelta(seconds=service.app[SETTINGS].settle_seconds)
    assert settle == timedelta(minutes=2)  # the default
    await asyncio.sleep(0.1)
    await ingestion.idle()
    typing = fake.state.add_file(
        drive, "Protokoll/fsg.pdf", (SAMPLES / "002_9f59629560e86923.pdf").read_bytes()
    )
    ingestion.nudge_all()
    await asyncio.sleep(0.05)
    await ingestion.idle()
    started = datetime.now(UTC)
    fake.state.edit_file(typing, (SAMPLES / "003_37f9299a9581a089.pdf").read_bytes())  # the next version
    ingestion.nudge_all()
    await asyncio.sleep(0.05)
    await ingestion.idle()

    (fsg_key,) = [d.key for d in await store.documents() if d.name == "fsg.pdf"]
    ingested = [e for e in await store.audit_log(fsg_key) if e.action == "document.ingested"]
    assert len(ingested) == 2  # both versions were ingested
    (waiting,) = [m for m in await store.outbox_messages() if m.payload["document_key"] == fsg_key]
    assert waiting.next_attempt_at >= started + settle  # after the last version, not the first
