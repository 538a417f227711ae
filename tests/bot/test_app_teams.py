"""The whole service with Teams on: signed requests through create_app's /api/messages, the meeting card
delivered to the channel after ingestion, commands answered, a click checks an item off and replaces the card."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

import scheduler.delivery
from bot.app import create_app
from bot.keys import INGESTION, STORE
from bot.settings import Settings
from minutes.records import ItemStatus
from tests.bot.auth_keys import OpenIdServer, SigningKey, mint_token, trust_openid_server
from tests.fake_connector import FakeConnector

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
APP_ID = "00000000-0000-0000-0000-00000000b075"
TENANT = "00000000-0000-0000-0000-000000000001"
BOT_ID = f"28:{APP_ID}"
TOKEN = "connector-test-token"
ANNIKA = {"id": "29:aa", "name": "Annika Andersson", "aadObjectId": "00000000-0000-0000-0000-0000000000aa"}
CHANNEL = "19:protokoll@thread.tacv2"
ROSTER = """group = "FLG"
[[person]]
initials = "AA"
name = "Annika Andersson"
roles = ["sekreterare"]
aad_object_id = "00000000-0000-0000-0000-0000000000aa"
"""


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="module")
def openid(signing_key: SigningKey) -> Iterator[OpenIdServer]:
    with OpenIdServer(signing_key) as server:
        yield server


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector(token=TOKEN) as fake:
        yield fake


@pytest.fixture
async def service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openid: OpenIdServer
) -> AsyncIterator[TestClient[Any, Any]]:
    trust_openid_server(monkeypatch, openid)
    monkeypatch.setattr(scheduler.delivery, "DELIVERY_INTERVAL_SECONDS", 0.05)
    folder, rosters = tmp_path / "protokoll", tmp_path / "rosters"
    folder.mkdir()
    rosters.mkdir()
    (rosters / "flg.toml").write_text(ROSTER, encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=folder,
        roster_dir=rosters,
        bot_app_id=APP_ID,
        bot_app_password=SecretStr("unused-with-a-connector-token"),
        tenant_id=TENANT,
        local_poll_seconds=3600,
        settle_seconds=0,  # the card at once: this test is not about waiting for edits to settle
    )
    async with TestClient(
        TestServer(create_app(settings, connector_token=TOKEN), host="127.0.0.1")
    ) as client:
        yield client


def activity(connector: FakeConnector, kind: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": kind,
        "id": "1700000000001",
        "channelId": "msteams",
        "serviceUrl": connector.service_url,
        "from": ANNIKA,
        "recipient": {"id": BOT_ID, "name": "minutesbot"},
        "conversation": {"id": CHANNEL, "conversationType": "channel", "tenantId": TENANT, "isGroup": True},
        "channelData": {
            "tenant": {"id": TENANT},
            "team": {"id": "19:flg@thread.tacv2"},
            "channel": {"id": CHANNEL},
        },
    }
    return {**base, **fields}


async def post(client: TestClient[Any, Any], key: SigningKey, body: dict[str, Any]) -> Any:
    token = mint_token(key, app_id=APP_ID, service_url=body["serviceUrl"])
    return await client.post("/api/messages", json=body, headers={"Authorization": f"Bearer {token}"})


async def eventually(check: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("not in time")


async def test_install_ingest_card_command_and_click(
    service: TestClient[Any, Any], connector: FakeConnector, signing_key: SigningKey, tmp_path: Path
) -> None:
    installed = activity(connector, "conversationUpdate", membersAdded=[{"id": BOT_ID}])
    assert (await post(service, signing_key, installed)).status in (200, 201)
    # The channel follows no group until its secretary says so (groups kept apart).
    follow = activity(connector, "message", text="följ FLG", id="1700000000003")
    assert (await post(service, signing_key, follow)).status in (200, 201)
    await eventually(
        lambda: any("följer nu FLG" in json.dumps(c.body, ensure_ascii=False) for c in connector.calls)
    )

    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", tmp_path / "protokoll" / "flg.docx")
    service.app[INGESTION].nudge_all()
    await eventually(
        lambda: any(
            "attachments" in json.dumps(c.body) and "FLG" in json.dumps(c.body)
            for c in connector.accepted("send")
        )
    )
    (summary,) = [
        c
        for c in connector.accepted("send")
        if "attachments" in json.dumps(c.body) and "FLG" in json.dumps(c.body)
    ]
    assert summary.conversation_id == CHANNEL

    asked = activity(connector, "message", text="mina", id="1700000000002")
    assert (await post(service, signing_key, asked)).status in (200, 201)
    await eventually(
        lambda: any("Dina öppna punkter" in json.dumps(c.body, ensure_ascii=False) for c in connector.calls)
    )

    item = next(i for i in await service.app[STORE].list_items(open_only=True) if "AA" in i.owners)
    click = activity(
        connector,
        "invoke",
        id="1700000000003",
        name="adaptiveCard/action",
        replyToId="1700000000042",
        value={
            "action": {"type": "Action.Execute", "verb": "item.done", "data": {"itemId": item.id}},
            "trigger": "manual",
        },
    )
    answer = await post(service, signing_key, click)
    body = await answer.json()
    assert (
        answer.status == 200
        and body["statusCode"] == 200
        and body["type"] == "application/vnd.microsoft.card.adaptive"
    )
    assert (await service.app[STORE].get_item(item.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]
    await eventually(lambda: bool(connector.accepted("update")))
    assert connector.accepted("update")[0].activity_id == "1700000000042"


async def test_an_unsigned_request_changes_nothing(
    service: TestClient[Any, Any], connector: FakeConnector
) -> None:
    response = await service.post("/api/messages", json=activity(connector, "message", text="klar 1"))
    assert response.status == 401 and not connector.calls
