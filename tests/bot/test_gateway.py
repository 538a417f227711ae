"""POST /api/messages through the real botbuilder stack: JWT validation against local signing keys, the tenant
check, each kind of turn in project types, replies and card updates on a fake Bot Connector.

HTTP-level on purpose: botbuilder's TestAdapter skips CloudAdapter's HTTP path, so it would not catch the
invoke bug (an adaptiveCard/action answered with HTTP 500) that these tests pin."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr, ValidationError

from bot.settings import Settings
from bot.teams_gateway import (
    ERROR_TEXT,
    GatewayConfigError,
    GatewaySettings,
    TeamsGateway,
    teams_enabled,
)
from bot.teams_gateway.connector import SingleAttemptConnectors
from minutes.records import ConversationType, ConvRef
from tests.bot.auth_keys import OpenIdServer, SigningKey, mint_token, trust_openid_server
from tests.fake_connector import FakeConnector
from workflows.chat import CardAction, IncomingMessage, OutboundMessage, Person, Reply

APP_ID = "00000000-0000-0000-0000-00000000b075"
TENANT = "00000000-0000-0000-0000-000000000001"
BOT_ID = f"28:{APP_ID}"
CONNECTOR_TOKEN = "connector-test-token"
ANNIKA = {"id": "29:aa", "name": "Annika Andersson", "aadObjectId": "00000000-0000-0000-0000-0000000000aa"}
CHANNEL = "19:protokoll@thread.tacv2"
CARD = {
    "type": "AdaptiveCard",
    "version": "1.5",
    "body": [{"type": "TextBlock", "text": "Punkt 3: <at>Annika Andersson</at>", "wrap": True}],
    "actions": [{"type": "Action.Execute", "title": "Klar", "verb": "item.done", "data": {"item": 3}}],
}
DONE_CARD = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Klar ✓"}]}


@dataclass
class RecordingHandlers:
    """TurnHandlers that remember what they were given and answer what the test set up."""

    reply: Reply = field(default_factory=Reply)
    fail: bool = False
    messages: list[IncomingMessage] = field(default_factory=list)
    actions: list[CardAction] = field(default_factory=list)
    conversations: list[tuple[ConvRef, bool]] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.messages) + len(self.actions) + len(self.conversations)

    async def on_message(self, message: IncomingMessage) -> Reply:
        self.messages.append(message)
        return self._answer()

    async def on_card_action(self, action: CardAction) -> Reply:
        self.actions.append(action)
        return self._answer()

    async def on_conversation(self, conversation: ConvRef, *, installed: bool) -> Reply:
        self.conversations.append((conversation, installed))
        return self._answer()

    def _answer(self) -> Reply:
        if self.fail:
            raise RuntimeError("database is locked: secret detail")
        return self.reply


Client = TestClient[web.Request, web.Application]


def bot_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_app_id": APP_ID,
        "bot_app_password": SecretStr("not-used-with-a-connector-token"),
        "tenant_id": TENANT,
        "minutes_folder": None,
    }
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="module")
def signing_key() -> SigningKey:
    return SigningKey()


@pytest.fixture(scope="module")
def openid(signing_key: SigningKey) -> Iterator[OpenIdServer]:
    with OpenIdServer(signing_key) as server:
        yield server


@pytest.fixture(autouse=True)
def trusted(monkeypatch: pytest.MonkeyPatch, openid: OpenIdServer) -> None:
    trust_openid_server(monkeypatch, openid)


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with FakeConnector(token=CONNECTOR_TOKEN) as fake:
        yield fake
    assert not fake.problems, "the fake connector saw problems:\n" + "\n".join(fake.problems)


@pytest.fixture
def handlers() -> RecordingHandlers:
    return RecordingHandlers()


async def serve(gateway: TeamsGateway) -> Client:
    app = web.Application()
    app.router.add_post("/api/messages", gateway.process)
    client: Client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def client(handlers: RecordingHandlers) -> AsyncIterator[Client]:
    test_client = await serve(
        TeamsGateway(GatewaySettings.of(bot_settings()), handlers, connector_token=CONNECTOR_TOKEN)
    )
    yield test_client
    await test_client.close()


def activity(connector: FakeConnector, kind: str = "message", **fields: Any) -> dict[str, Any]:
    """An activity as Teams posts it from a channel thread of the FLG team."""
    base: dict[str, Any] = {
        "type": kind,
        "id": "1700000000001",
        "channelId": "msteams",
        "serviceUrl": connector.service_url,
        "from": ANNIKA,
        "recipient": {"id": BOT_ID, "name": "minutesbot"},
        "conversation": {
            "id": f"{CHANNEL};messageid=1700000000000",
            "conversationType": "channel",
            "tenantId": TENANT,
            "isGroup": True,
        },
        "channelData": {
            "tenant": {"id": TENANT},
            "team": {"id": "19:flg@thread.tacv2"},
            "channel": {"id": CHANNEL},
        },
    }
    return {**base, **fields}


def mention_of_bot(text: str, connector: FakeConnector, **fields: Any) -> dict[str, Any]:
    return activity(
        connector,
        text=text,
        entities=[
            {
                "type": "mention",
                "text": "<at>minutesbot</at>",
                "mentioned": {"id": BOT_ID, "name": "minutesbot"},
            }
        ],
        **fields,
    )


def invoke(connector: FakeConnector, verb: str = "item.done", data: Any = None) -> dict[str, Any]:
    return activity(
        connector,
        "invoke",
        name="adaptiveCard/action",
        replyToId="1700000000042",
        value={
            "action": {"type": "Action.Execute", "verb": verb, "data": data or {"item": 3}},
            "trigger": "manual",
        },
    )


async def post(
    client: Client,
    body: dict[str, Any],
    key: SigningKey | None,
    **claims: Any,
) -> Any:
    headers = {}
    if key is not None:
        token_claims = {"app_id": APP_ID, "service_url": body["serviceUrl"], **claims}
        headers["Authorization"] = f"Bearer {mint_token(key, **token_claims)}"
    return await client.post("/api/messages", json=body, headers=headers)


# ---- authentication and tenant --------------------------------------------------------------------------------


async def test_an_unsigned_request_is_refused(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers
) -> None:
    response = await post(client, mention_of_bot("<at>minutesbot</at> mina", connector), None)
    assert response.status == 401 and handlers.calls == 0 and not connector.calls


@pytest.mark.parametrize(
    "claims",
    [
        {"app_id": "11111111-2222-3333-4444-555555555555"},  # a token for another bot
        {"lifetime": 600, "issued_ago": 3600},  # expired 50 minutes ago (beyond the 5 minutes of leeway)
        {
            "issuer": "https://sts.windows.net/f8cdef31-a31e-4b4a-93e4-5f571e91255a/"
        },  # not the channel's issuer
        {"service_url": "http://127.0.0.1:9/elsewhere/"},  # signed for another service URL
    ],
    ids=["other-app", "expired", "other-issuer", "other-service-url"],
)
async def test_a_token_that_is_not_for_us_is_refused(
    client: Client,
    connector: FakeConnector,
    handlers: RecordingHandlers,
    signing_key: SigningKey,
    claims: dict[str, Any],
) -> None:
    response = await post(
        client, mention_of_bot("<at>minutesbot</at> mina", connector), signing_key, **claims
    )
    assert response.status == 401 and handlers.calls == 0 and not connector.calls


async def test_a_token_signed_by_an_unknown_key_is_refused(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers
) -> None:
    response = await post(client, mention_of_bot("mina", connector), SigningKey())
    assert response.status == 401 and handlers.calls == 0


@pytest.mark.parametrize("header", ["Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz"])
async def test_a_malformed_authorization_is_refused(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, header: str
) -> None:
    body = mention_of_bot("mina", connector)
    response = await client.post("/api/messages", json=body, headers={"Authorization": header})
    assert response.status == 401 and handlers.calls == 0


@pytest.mark.parametrize(
    "tenants",
    [
        ("00000000-0000-0000-0000-00000000dead", "00000000-0000-0000-0000-00000000dead"),
        (TENANT, "00000000-0000-0000-0000-00000000dead"),  # the two places disagree
        ("00000000-0000-0000-0000-00000000dead", TENANT),  # botbuilder reads only channelData's
        ("00000000-0000-0000-0000-00000000dead", None),
        (None, None),  # no tenant at all
    ],
    ids=["other-tenant", "mixed", "other-conversation-tenant", "conversation-only", "none"],
)
async def test_another_tenant_is_forbidden_and_nothing_is_handled(
    client: Client,
    connector: FakeConnector,
    handlers: RecordingHandlers,
    signing_key: SigningKey,
    tenants: tuple[str | None, str | None],
) -> None:
    body = mention_of_bot("<at>minutesbot</at> mina", connector)
    conversation_tenant, channel_tenant = tenants
    body["conversation"] = {**body["conversation"], "tenantId": conversation_tenant}
    body["channelData"] = {
        **body["channelData"],
        "tenant": {"id": channel_tenant} if channel_tenant else None,
    }
    response = await post(client, body, signing_key)
    assert response.status == 403 and handlers.calls == 0 and not connector.calls


async def test_what_is_no_activity_is_refused_before_authentication(
    client: Client, connector: FakeConnector
) -> None:
    assert (
        await client.post("/api/messages", data="x", headers={"Content-Type": "text/plain"})
    ).status == 415
    assert (
        await client.post("/api/messages", data="{", headers={"Content-Type": "application/json"})
    ).status == 400
    assert (await client.post("/api/messages", json={"text": "no type"})).status == 400
    assert (await client.post("/api/messages", json=["a list"])).status == 400


# ---- turns ----------------------------------------------------------------------------------------------------


async def test_a_message_reaches_the_handler_without_the_mention_and_the_reply_is_posted(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    annika = Person("29:aa", "Annika Andersson", ANNIKA["aadObjectId"])
    handlers.reply = Reply(
        messages=(
            OutboundMessage(text="Dina punkter, <at>Annika Andersson</at>:", card=CARD, mentions=(annika,)),
        )
    )
    response = await post(
        client, mention_of_bot("<at>minutesbot</at>&nbsp;mina  punkter", connector), signing_key
    )

    assert response.status == 201
    [message] = handlers.messages
    assert message.text == "mina punkter"
    assert message.sender == annika and message.tenant_id == TENANT
    assert message.conversation == ConvRef(
        service_url=connector.service_url,
        conversation_id=f"{CHANNEL};messageid=1700000000000",
        conversation_type=ConversationType.CHANNEL,
        tenant_id=TENANT,
        bot_id=BOT_ID,
        user_id="29:aa",
        user_aad_id=ANNIKA["aadObjectId"],
        team_id="19:flg@thread.tacv2",
    )
    [reply] = connector.accepted()
    assert reply.operation == "reply" and reply.reply_to_id == "1700000000001"
    assert reply.conversation_id == f"{CHANNEL};messageid=1700000000000"
    assert reply.authorization == f"Bearer {CONNECTOR_TOKEN}"
    sent = reply.body or {}
    mention = {
        "type": "mention",
        "text": "<at>Annika Andersson</at>",
        "mentioned": {"id": "29:aa", "name": "Annika Andersson"},
    }
    assert sent["text"] == "Dina punkter, <at>Annika Andersson</at>:" and sent["entities"] == [mention]
    [attachment] = sent["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["body"] == CARD["body"] and attachment["content"]["msteams"] == {
        "entities": [mention]
    }
    assert "msteams" not in CARD  # the handler's card is not modified in place


async def test_mentions_join_the_cards_own_msteams_entities_without_changing_the_handlers_card(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    yvonne = {
        "type": "mention",
        "text": "<at>Yvonne Kvist</at>",
        "mentioned": {"id": "29:yk", "name": "Yvonne Kvist"},
    }
    card = {**CARD, "msteams": {"width": "Full", "entities": [yvonne]}}
    before = repr(card)
    annika = Person("29:aa", "Annika Andersson", ANNIKA["aadObjectId"])
    handlers.reply = Reply(messages=(OutboundMessage(card=card, mentions=(annika,)),))

    response = await post(client, mention_of_bot("<at>minutesbot</at> mina", connector), signing_key)

    assert response.status == 201
    [reply] = connector.accepted()
    [attachment] = (reply.body or {})["attachments"]
    assert attachment["content"]["msteams"] == {
        "width": "Full",
        "entities": [
            yvonne,
            {
                "type": "mention",
                "text": "<at>Annika Andersson</at>",
                "mentioned": {"id": "29:aa", "name": "Annika Andersson"},
            },
        ],
    }
    assert repr(card) == before


async def test_a_personal_message_without_a_mention(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    body = activity(
        connector,
        text="hjälp",
        conversation={"id": "a:personal-1", "conversationType": "personal", "tenantId": TENANT},
        channelData={"tenant": {"id": TENANT}},
    )
    assert (await post(client, body, signing_key)).status == 201
    [message] = handlers.messages
    assert message.text == "hjälp"
    assert message.conversation.conversation_type is ConversationType.PERSONAL
    assert message.conversation.team_id is None and message.conversation.user_id == "29:aa"


async def test_a_handler_failure_gives_a_short_swedish_answer_and_no_details(
    client: Client,
    connector: FakeConnector,
    handlers: RecordingHandlers,
    signing_key: SigningKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handlers.fail = True
    response = await post(client, mention_of_bot("<at>minutesbot</at> mina", connector), signing_key)
    assert response.status == 201
    [reply] = connector.accepted()
    assert (reply.body or {})["text"] == ERROR_TEXT
    assert "secret detail" not in str(reply.body) and "Traceback" not in str(reply.body)
    assert any(record.exc_info for record in caplog.records)  # the traceback is in the log


async def test_a_card_click_answers_with_the_new_card_and_replaces_it_for_everyone(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    handlers.reply = Reply(card=DONE_CARD)
    response = await post(client, invoke(connector, data={"item": 3, "note": "å"}), signing_key)

    assert response.status == 200  # CloudAdapter's double serialization would make this a 500
    assert await response.json() == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.card.adaptive",
        "value": DONE_CARD,
    }
    [action] = handlers.actions
    assert (action.verb, action.data, action.reply_to_id) == (
        "item.done",
        {"item": 3, "note": "å"},
        "1700000000042",
    )
    assert action.sender.teams_id == "29:aa" and action.tenant_id == TENANT
    [update] = connector.accepted()
    assert (update.operation, update.activity_id) == ("update", "1700000000042")
    assert update.conversation_id == f"{CHANNEL};messageid=1700000000000"
    assert (update.body or {})["attachments"][0]["content"] == DONE_CARD


async def test_a_refused_click_answers_only_the_clicker(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    handlers.reply = Reply(card=DONE_CARD, replace_for_everyone=False)
    response = await post(client, invoke(connector), signing_key)
    assert response.status == 200 and (await response.json())["value"] == DONE_CARD
    assert not connector.accepted("update")  # the posted card stays as it is for everyone else


async def test_a_card_click_still_answers_when_posting_for_everyone_fails(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    handlers.reply = Reply(card=DONE_CARD, messages=(OutboundMessage(text="Sekreteraren har fått besked."),))
    connector.fail_next(404, times=2)  # the card is gone, and the channel refuses the message
    response = await post(client, invoke(connector), signing_key)
    assert response.status == 200 and (await response.json())["value"] == DONE_CARD
    assert [call.status for call in connector.calls] == [404, 404]


async def test_a_card_click_whose_handler_fails_shows_the_swedish_line(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    handlers.fail = True
    response = await post(client, invoke(connector), signing_key)
    assert response.status == 200
    assert await response.json() == {
        "statusCode": 200,
        "type": "application/vnd.microsoft.activity.message",
        "value": ERROR_TEXT,
    }
    assert not connector.calls


async def test_a_click_that_is_no_action_execute_is_a_bad_request(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    body = invoke(connector)
    body["value"] = {"action": {"type": "Action.Submit", "data": {}}}
    response = await post(client, body, signing_key)
    assert (await response.json())["statusCode"] == 400 and handlers.calls == 0


async def test_installation_and_removal_reach_the_handler_once_each(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    handlers.reply = Reply(messages=(OutboundMessage(text="Hej! Skriv 'hjälp'."),))
    conversation = {"id": CHANNEL, "conversationType": "channel", "tenantId": TENANT, "isGroup": True}
    installed = activity(connector, "installationUpdate", action="add", conversation=conversation)
    bot_added = activity(
        connector, "conversationUpdate", membersAdded=[{"id": BOT_ID}], conversation=conversation
    )

    answers = await asyncio.gather(post(client, installed, signing_key), post(client, bot_added, signing_key))
    assert [answer.status for answer in answers] == [201, 201]
    [(reference, is_installed)] = handlers.conversations
    assert (
        is_installed and reference.conversation_id == CHANNEL and reference.team_id == "19:flg@thread.tacv2"
    )
    assert reference.service_url == connector.service_url and reference.bot_id == BOT_ID
    [welcome] = connector.accepted()
    assert (welcome.body or {})["text"] == "Hej! Skriv 'hjälp'."

    removed = activity(
        connector, "conversationUpdate", membersRemoved=[{"id": BOT_ID}], conversation=conversation
    )
    assert (await post(client, removed, signing_key)).status == 201
    assert [installed for _, installed in handlers.conversations] == [True, False]
    assert len(connector.accepted()) == 1  # nothing is posted where the bot was removed


async def test_other_members_joining_is_not_an_installation(
    client: Client, connector: FakeConnector, handlers: RecordingHandlers, signing_key: SigningKey
) -> None:
    joined = activity(connector, "conversationUpdate", membersAdded=[{"id": "29:ee"}])
    assert (await post(client, joined, signing_key)).status == 201
    assert handlers.calls == 0


# ---- configuration ----------------------------------------------------------------------------------------------


def test_without_a_bot_registration_the_gateway_refuses_to_start() -> None:
    settings = Settings(minutes_folder=None)
    assert not teams_enabled(GatewaySettings.of(settings))
    with pytest.raises(GatewayConfigError):
        TeamsGateway(GatewaySettings.of(settings), RecordingHandlers())


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "minutesbot.example.se"])
def test_dangerously_allow_unauthenticated_is_refused_off_loopback(host: str) -> None:
    with pytest.raises(ValidationError, match="dangerously_allow_unauthenticated"):
        Settings(dangerously_allow_unauthenticated=True, host=host, minutes_folder=None)
    # The gateway's own guard, for settings that did not come through Settings' check.
    with pytest.raises(GatewayConfigError):
        TeamsGateway(GatewaySettings(dangerously_allow_unauthenticated=True, host=host), RecordingHandlers())


def test_a_bot_registration_needs_its_password_and_tenant() -> None:
    with pytest.raises(ValidationError):
        Settings(bot_app_id=APP_ID, tenant_id=TENANT, minutes_folder=None)
    with pytest.raises(ValidationError):
        Settings(bot_app_id=APP_ID, bot_app_password=SecretStr("x"), minutes_folder=None)


async def test_the_playground_mode_accepts_unsigned_activities_on_loopback(
    connector: FakeConnector, handlers: RecordingHandlers
) -> None:
    settings = Settings(dangerously_allow_unauthenticated=True, host="127.0.0.1", minutes_folder=None)
    assert teams_enabled(GatewaySettings.of(settings))
    test_client = await serve(TeamsGateway(GatewaySettings.of(settings), handlers))
    try:
        body = activity(connector, text="mina", conversation={"id": "a:1", "conversationType": "personal"})
        body["channelData"] = {"tenant": {"id": "00000000-0000-0000-0000-0000000000ff"}}
        connector.token = None  # no credentials outbound either
        assert (await post(test_client, body, None)).status == 201
        assert [m.text for m in handlers.messages] == ["mina"]
    finally:
        await test_client.close()


async def test_with_dangerous_mode_but_an_app_id_tokens_are_still_required(
    connector: FakeConnector, handlers: RecordingHandlers
) -> None:
    settings = bot_settings(dangerously_allow_unauthenticated=True)
    test_client = await serve(
        TeamsGateway(GatewaySettings.of(settings), handlers, connector_token=CONNECTOR_TOKEN)
    )
    try:
        assert (await post(test_client, mention_of_bot("mina", connector), None)).status == 401
    finally:
        await test_client.close()


class CountingConnectorFactory:
    """botbuilder's connector factory as far as the gateway uses it: makes a client per call, and counts."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str | None]] = []
        self._app_id = APP_ID
        self._to_channel_from_bot_oauth_scope = "https://api.botframework.com"

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        self.made.append((service_url, audience))
        policy = SimpleNamespace(retries=3, policy=SimpleNamespace(status_forcelist={500, 503}))
        return SimpleNamespace(
            config=SimpleNamespace(retry_policy=policy, connection=SimpleNamespace(timeout=100))
        )


async def test_a_connector_is_made_once_per_service_url_and_audience_with_one_attempt_each() -> None:
    made: dict[tuple[str, ...], Any] = {}
    inner = CountingConnectorFactory()

    first = await SingleAttemptConnectors(inner, made).create("https://smba.example/emea/")
    again = await SingleAttemptConnectors(inner, made).create("https://smba.example/emea/")  # the next turn
    other = await SingleAttemptConnectors(inner, made).create("https://smba.example/amer/")
    scoped = await SingleAttemptConnectors(inner, made).create("https://smba.example/emea/", "api://other")

    assert first is again and other is not first and scoped is not first
    assert inner.made == [
        ("https://smba.example/emea/", None),
        ("https://smba.example/amer/", None),
        ("https://smba.example/emea/", "api://other"),
    ]
    assert (
        first.config.retry_policy.retries == 0 and first.config.retry_policy.policy.status_forcelist == set()
    )


# ---- hardening (issue 11) ---------------------------------------------------------------------------------------

PROXY_HEADERS = [
    {"Forwarded": "for=203.0.113.7;proto=https"},
    {"X-Forwarded-For": "203.0.113.7"},
    {"X-Forwarded-Host": "minutesbot.example.se"},
    {"X-Forwarded-Proto": "https"},
    {"X-Real-IP": "203.0.113.7"},
]


@pytest.mark.parametrize("proxied", PROXY_HEADERS, ids=[next(iter(h)) for h in PROXY_HEADERS])
async def test_the_playground_mode_refuses_what_came_through_a_proxy(
    connector: FakeConnector, handlers: RecordingHandlers, proxied: dict[str, str]
) -> None:
    settings = Settings(dangerously_allow_unauthenticated=True, host="127.0.0.1", minutes_folder=None)
    test_client = await serve(TeamsGateway(GatewaySettings.of(settings), handlers))
    try:
        body = activity(connector, text="mina", conversation={"id": "a:1", "conversationType": "personal"})
        response = await test_client.post("/api/messages", json=body, headers=proxied)
        assert response.status == 403 and handlers.calls == 0
    finally:
        await test_client.close()


def test_the_playground_mode_warns_at_start(caplog: pytest.LogCaptureFixture) -> None:
    settings = Settings(dangerously_allow_unauthenticated=True, host="127.0.0.1", minutes_folder=None)
    with caplog.at_level(logging.WARNING):
        TeamsGateway(GatewaySettings.of(settings), RecordingHandlers())
    assert [r for r in caplog.records if r.levelno >= logging.WARNING and r.name.startswith("bot.")]


async def test_a_verb_cannot_forge_a_log_line(
    client: Client,
    connector: FakeConnector,
    handlers: RecordingHandlers,
    signing_key: SigningKey,
    caplog: pytest.LogCaptureFixture,
) -> None:
    handlers.fail = True
    forged = "item.done\n2026-01-01 00:00:00,000 ERROR bot.app: forged\r\u2028x"
    with caplog.at_level(logging.DEBUG):
        response = await post(client, invoke(connector, verb=forged), signing_key)
    assert response.status == 200
    ours = [r for r in caplog.records if r.name.startswith(("bot.", "workflows."))]
    assert ours and all(not any(c in r.getMessage() for c in "\n\r\u2028") for r in ours)
