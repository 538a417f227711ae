"""Proactive messages through the real botbuilder stack to the fake Bot Connector: send, update, a new 1:1
chat, members, and connector failures as ChatSendError (one attempt each: retries are bot/sending.py's)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from pydantic import SecretStr

from bot.sending import RateLimitedSender
from bot.settings import Settings
from bot.teams_gateway import GatewaySettings, TeamsGateway
from bot.teams_gateway.connector import ReusedCredentials
from minutes.records import ConversationType, ConvRef
from tests.fake_connector import FakeConnector
from workflows.chat import (
    CardAction,
    ChatSendError,
    IncomingMessage,
    OutboundMessage,
    Person,
    Reply,
    SentMessage,
)

APP_ID = "00000000-0000-0000-0000-00000000b075"
TENANT = "00000000-0000-0000-0000-000000000001"
BOT_ID = f"28:{APP_ID}"
TOKEN = "connector-test-token"
CHANNEL = "19:protokoll@thread.tacv2"
CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Punkt 3"}]}


class NoTurns:
    async def on_message(self, message: IncomingMessage) -> Reply:
        raise AssertionError("no inbound turns here")

    async def on_card_action(self, action: CardAction) -> Reply:
        raise AssertionError("no inbound turns here")

    async def on_conversation(self, conversation: ConvRef, *, installed: bool) -> Reply:
        raise AssertionError("no inbound turns here")


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector(token=TOKEN) as fake:
        yield fake
    assert not fake.problems, "the fake connector saw problems:\n" + "\n".join(fake.problems)


@pytest.fixture
def gateway() -> TeamsGateway:
    settings = Settings(
        bot_app_id=APP_ID, bot_app_password=SecretStr("unused"), tenant_id=TENANT, minutes_folder=None
    )
    return TeamsGateway(GatewaySettings.of(settings), NoTurns(), connector_token=TOKEN)


def channel(connector: FakeConnector, conversation_id: str = CHANNEL) -> ConvRef:
    return ConvRef(
        service_url=connector.service_url,
        conversation_id=conversation_id,
        conversation_type=ConversationType.CHANNEL,
        tenant_id=TENANT,
        bot_id=BOT_ID,
        team_id="19:flg@thread.tacv2",
    )


async def test_send_posts_to_the_conversation_and_returns_the_activity_id(
    gateway: TeamsGateway, connector: FakeConnector
) -> None:
    annika = Person("29:aa", "Annika Andersson")
    message = OutboundMessage(text="Påminnelse till <at>Annika Andersson</at>", card=CARD, mentions=(annika,))
    sent = await gateway.send(channel(connector), message)

    [call] = connector.accepted()
    assert sent == SentMessage(conversation_id=CHANNEL, activity_id=call.activity_id or "")
    assert (call.operation, call.conversation_id, call.reply_to_id) == ("send", CHANNEL, None)
    assert call.authorization == f"Bearer {TOKEN}"
    body = call.body or {}
    assert body["from"]["id"] == BOT_ID and body["conversation"]["id"] == CHANNEL
    assert body["attachments"][0]["content"]["body"] == CARD["body"]
    assert [entity["mentioned"]["id"] for entity in body["entities"]] == ["29:aa"]


async def test_send_into_a_channel_thread(gateway: TeamsGateway, connector: FakeConnector) -> None:
    thread = f"{CHANNEL};messageid=1700000000000"
    await gateway.send(channel(connector, thread), OutboundMessage(text="I tråden"))
    [call] = connector.accepted()
    assert call.conversation_id == thread


async def test_update_replaces_the_posted_activity(gateway: TeamsGateway, connector: FakeConnector) -> None:
    await gateway.update(channel(connector), "1234", OutboundMessage(card=CARD))
    [call] = connector.accepted()
    assert (call.method, call.operation, call.activity_id) == ("PUT", "update", "1234")
    assert (call.body or {})["attachments"][0]["content"] == CARD


async def test_open_personal_chat_creates_a_conversation_with_the_user(
    gateway: TeamsGateway, connector: FakeConnector
) -> None:
    edit = Person("29:ee", "Edit E", "00000000-0000-0000-0000-0000000000ee")
    personal = await gateway.open_personal_chat(channel(connector), edit)

    [call] = connector.accepted()
    assert call.operation == "create"
    body = call.body or {}
    assert body["members"] == [{"id": "29:ee"}] and body["isGroup"] is False
    assert body["tenantID"] == TENANT and body["channelData"] == {"tenant": {"id": TENANT}}  # sic: tenantID
    assert personal == ConvRef(
        service_url=connector.service_url,
        conversation_id=call.conversation_id or "",
        conversation_type=ConversationType.PERSONAL,
        tenant_id=TENANT,
        bot_id=BOT_ID,
        user_id="29:ee",
        user_aad_id="00000000-0000-0000-0000-0000000000ee",
    )
    await gateway.send(personal, OutboundMessage(text="Hej Edit"))
    assert connector.accepted("send")[0].conversation_id == personal.conversation_id


async def test_a_throttled_send_raises_with_the_retry_after(
    gateway: TeamsGateway, connector: FakeConnector
) -> None:
    connector.fail_next(429, retry_after="7")
    with pytest.raises(ChatSendError) as raised:
        await gateway.send(channel(connector), OutboundMessage(text="x"))
    assert (raised.value.status, raised.value.retry_after) == (429, 7.0)


async def test_the_connectors_own_rate_limit_is_reported_as_429(
    gateway: TeamsGateway, connector: FakeConnector
) -> None:
    conversation = channel(connector)
    for _ in range(7):
        await gateway.send(conversation, OutboundMessage(text="x"))
    with pytest.raises(ChatSendError) as raised:
        await gateway.send(conversation, OutboundMessage(text="the eighth within a second"))
    assert raised.value.status == 429 and raised.value.retry_after == 1.0


async def test_retry_after_as_an_http_date(gateway: TeamsGateway, connector: FakeConnector) -> None:
    connector.fail_next(
        429, retry_after=format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    )
    with pytest.raises(ChatSendError) as raised:
        await gateway.send(channel(connector), OutboundMessage(text="x"))
    assert raised.value.retry_after is not None and 25 <= raised.value.retry_after <= 31


@pytest.mark.parametrize("status", [412, 500, 502, 503, 504])
async def test_a_failure_is_one_attempt_and_one_error(
    gateway: TeamsGateway, connector: FakeConnector, status: int
) -> None:
    connector.fail_next(status, times=5, retry_after="1")
    started = time.monotonic()
    with pytest.raises(ChatSendError) as raised:
        await gateway.update(channel(connector), "1234", OutboundMessage(text="x"))
    assert raised.value.status == status
    assert len(connector.calls) == 1 and time.monotonic() - started < 2  # msrest's own retries are off


async def test_an_unreachable_connector_is_an_error_without_status(gateway: TeamsGateway) -> None:
    async with FakeConnector(token=TOKEN) as closed:
        gone = channel(closed)
    with pytest.raises(ChatSendError) as raised:
        await gateway.send(gone, OutboundMessage(text="x"))
    assert raised.value.status is None


async def test_open_personal_chat_failure_is_a_chat_send_error(
    gateway: TeamsGateway, connector: FakeConnector
) -> None:
    connector.fail_next(403)
    with pytest.raises(ChatSendError) as raised:
        await gateway.open_personal_chat(channel(connector), Person("29:ee", "Edit E"))
    assert raised.value.status == 403


async def test_behind_the_rate_limiter_the_connector_never_throttles(
    gateway: TeamsGateway, connector: FakeConnector
) -> None:
    """Nine sends to one conversation (Teams allows 8 in 2 s) plus a 503 storm: all delivered, no 429."""
    sender = RateLimitedSender(gateway, base_delay=0.05)
    connector.fail_next(503, times=2)
    started = time.monotonic()
    sent = await asyncio.gather(
        *(sender.send(channel(connector), OutboundMessage(text=f"{n}")) for n in range(9))
    )
    assert len({message.activity_id for message in sent}) == 9
    assert [call.status for call in connector.calls].count(429) == 0
    assert 2.0 <= time.monotonic() - started < 6


class CountingCredentials:
    """Stands in for botbuilder's credential factory, which makes new credentials (and MSAL cache) per call."""

    def __init__(self) -> None:
        self.created = 0

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(self, app_id: str, scope: str, login: str, validate: bool) -> object:
        self.created += 1
        return object()


async def test_production_credentials_are_reused_so_tokens_are_cached() -> None:
    inner = CountingCredentials()
    reused = ReusedCredentials(inner)
    first = await reused.create_credentials(APP_ID, "https://api.botframework.com", "https://login/", True)
    again = await reused.create_credentials(APP_ID, "https://api.botframework.com", "https://login/", True)
    other = await reused.create_credentials(APP_ID, "https://graph.example", "https://login/", True)
    assert first is again and other is not first and inner.created == 2
    assert await reused.is_valid_app_id(APP_ID) and not await reused.is_authentication_disabled()
