"""A group whose file says `[cards] review_first`, through the whole service and the fake Bot Connector: a new
meeting's card goes to the secretary's personal chat only (with the corrections and Publicera); anyone else's
Publicera is refused; the secretary's publishes it to the channel, once; reminders wait until then."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

import scheduler.delivery
from bot.app import create_app
from bot.keys import INGESTION, STORE
from bot.settings import Settings
from tests.bot.auth_keys import OpenIdServer, SigningKey, trust_openid_server
from tests.bot.test_app_teams import (  # noqa: F401  (the fixtures)
    ANNIKA,
    APP_ID,
    CHANNEL,
    ROSTER,
    SAMPLES,
    TENANT,
    TOKEN,
    activity,
    connector,
    eventually,
    openid,
    post,
    signing_key,
)
from tests.fake_connector import FakeConnector

BENGT = {"id": "29:bb", "name": "Bengt Berg", "aadObjectId": "00000000-0000-0000-0000-0000000000bb"}
REVIEWED_ROSTER = ROSTER.replace('group = "FLG"\n', 'group = "FLG"\n\n[cards]\nreview_first = true\n') + (
    '\n[[person]]\ninitials = "BB"\nname = "Bengt Berg"\naad_object_id = "00000000-0000-0000-0000-0000000000bb"\n'
)


@pytest.fixture
async def service(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    openid: OpenIdServer,  # noqa: F811
) -> AsyncIterator[TestClient[Any, Any]]:
    trust_openid_server(monkeypatch, openid)
    monkeypatch.setattr(scheduler.delivery, "DELIVERY_INTERVAL_SECONDS", 0.05)
    folder, rosters = tmp_path / "protokoll", tmp_path / "rosters"
    folder.mkdir()
    rosters.mkdir()
    (rosters / "flg.toml").write_text(REVIEWED_ROSTER, encoding="utf-8")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=folder,
        roster_dir=rosters,
        bot_app_id=APP_ID,
        bot_app_password=SecretStr("unused-with-a-connector-token"),
        tenant_id=TENANT,
        local_poll_seconds=3600,
        settle_seconds=0,
    )
    async with TestClient(
        TestServer(create_app(settings, connector_token=TOKEN), host="127.0.0.1")
    ) as client:
        yield client


def cards_in(fake: FakeConnector, conversation_id: str) -> list[str]:
    """The cards sent to a conversation, as text."""
    return [
        json.dumps(call.body, ensure_ascii=False)
        for call in fake.accepted("send")
        if call.conversation_id == conversation_id and "attachments" in json.dumps(call.body)
    ]


def publish_click(fake: FakeConnector, who: dict[str, str], chat: str, key: str, n: int) -> dict[str, Any]:
    return activity(
        fake,
        "invoke",
        id=f"17000000001{n:02d}",
        name="adaptiveCard/action",
        replyToId="1700000000077",
        value={
            "action": {"type": "Action.Execute", "verb": "meeting.publish", "data": {"documentKey": key}},
            "trigger": "manual",
        },
        conversation={"id": chat, "conversationType": "personal", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
        **{"from": who},
    )


async def test_the_secretary_reviews_first_and_publishes_once(
    service: TestClient[Any, Any],
    connector: FakeConnector,  # noqa: F811
    signing_key: SigningKey,  # noqa: F811
    tmp_path: Path,
) -> None:
    store = service.app[STORE]
    installed = activity(connector, "conversationUpdate", membersAdded=[{"id": "28:" + APP_ID}])
    assert (await post(service, signing_key, installed)).status in (200, 201)
    follow = activity(connector, "message", text="följ FLG", id="1700000000003")
    assert (await post(service, signing_key, follow)).status in (200, 201)
    await eventually(
        lambda: any("följer nu FLG" in json.dumps(c.body, ensure_ascii=False) for c in connector.calls)
    )

    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", tmp_path / "protokoll" / "flg.docx")
    service.app[INGESTION].nudge_all()
    # The card goes to the secretary's personal chat (opened for it), with Publicera; not to the channel.
    await eventually(
        lambda: (
            bool(connector.accepted("create"))
            and "Publicera"
            in "".join(cards_in(connector, connector.accepted("create")[0].conversation_id or ""))
        )
    )
    chat = connector.accepted("create")[0].conversation_id or ""
    (review,) = cards_in(connector, chat)
    assert "meeting.publish" in review and "Sekreterare…" in review and "Förhandsgranskning" in review
    (document,) = await store.documents()
    assert document.awaiting_review and cards_in(connector, CHANNEL) == []
    # Until published, reminders and lists leave its items out.
    assert await store.overdue_items(document.meeting_date.replace(year=2030)) == []  # type: ignore[union-attr]

    refused = await post(
        service, signing_key, publish_click(connector, BENGT, "a:personal-bb", document.key, 1)
    )
    assert refused.status == 200 and "Bara gruppens sekreterare" in json.dumps(
        await refused.json(), ensure_ascii=False
    )
    assert (await store.get_document(document.key)).awaiting_review  # type: ignore[union-attr]

    published = await post(service, signing_key, publish_click(connector, ANNIKA, chat, document.key, 2))
    body = await published.json()
    assert published.status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Protokoll FLG" in json.dumps(body, ensure_ascii=False)
    assert "meeting.publish" not in json.dumps(body)  # the card as the channel gets it
    await eventually(lambda: len(cards_in(connector, CHANNEL)) == 1)
    assert not (await store.get_document(document.key)).awaiting_review  # type: ignore[union-attr]
    assert [e.actor for e in await store.audit_log(document.key) if e.action == "document.published"] == [
        ANNIKA["aadObjectId"]
    ]

    # A second click (or a replay of the first) posts nothing twice.
    again = await post(service, signing_key, publish_click(connector, ANNIKA, chat, document.key, 3))
    assert again.status == 200
    await asyncio.sleep(0.5)  # ten rounds of the outbox loop
    assert len(cards_in(connector, CHANNEL)) == 1
    assert len([e for e in await store.audit_log(document.key) if e.action == "document.published"]) == 1
