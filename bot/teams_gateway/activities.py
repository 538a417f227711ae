"""Translation between Bot Framework activities and the project's types (workflows.chat, ConvRef), both ways."""

from __future__ import annotations

import base64
import ipaddress
import json
from typing import Any

from aiohttp import web
from botbuilder.core import CardFactory, InvokeResponse, TurnContext
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    Mention,
)
from msrest.serialization import Model

from minutes.records import ConversationType, ConvRef
from workflows.chat import CardAction, OutboundMessage, Person, Reply

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"
# Headers a reverse proxy adds: behind one on the same host every request comes from loopback, so the
# unauthenticated Playground mode refuses any request that carries one.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP")


# ---- activities → project types ------------------------------------------------------------------------------


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _nested_id(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None


def tenants_of(activity: Activity) -> set[str]:
    """Every tenant the activity names: channelData.tenant.id and conversation.tenantId (both must agree)."""
    tenants = {_nested_id(_channel_data(activity), "tenant")}
    if activity.conversation is not None:
        tenants.add(activity.conversation.tenant_id or None)
        tenants.update(getattr(activity.conversation, RAW_TENANTS, ()))
    return {tenant for tenant in tenants if tenant}


# Where keep_conversation_tenant keeps the tenants the conversation names as they came.
RAW_TENANTS = "minutesbot_raw_tenants"


def keep_conversation_tenant(activity: Activity, body: dict[str, Any]) -> None:
    """botbuilder's ConversationAccount reads `tenantID`, Teams sends `tenantId`, which msrest then drops, so
    the tenant check would see only channelData's. Keep both spellings as they came."""
    conversation = body.get("conversation")
    if activity.conversation is None or not isinstance(conversation, dict):
        return
    named = {conversation.get(key) for key in ("tenantId", "tenantID")}
    raw = {tenant for tenant in named if tenant}
    if any(not isinstance(tenant, str) for tenant in raw):
        raw = {"(ogiltig)"}  # not a tenant id: never the configured one
    setattr(activity.conversation, RAW_TENANTS, frozenset(raw))
    if not activity.conversation.tenant_id and len(raw) == 1:
        activity.conversation.tenant_id = next(iter(raw))


def proxied(request: web.Request) -> bool:
    return any(header in request.headers for header in PROXY_HEADERS) or any(
        header.lower().startswith("x-forwarded-") for header in request.headers
    )


def _conversation_type(conversation: ConversationAccount) -> ConversationType:
    try:
        return ConversationType(conversation.conversation_type)
    except ValueError:
        return ConversationType.GROUP_CHAT if conversation.is_group else ConversationType.PERSONAL


def conversation_of(activity: Activity) -> ConvRef:
    conversation = activity.conversation
    sender = activity.from_property
    channel_data = _channel_data(activity)
    tenants = sorted(tenants_of(activity))
    return ConvRef(
        service_url=activity.service_url,
        conversation_id=conversation.id,
        conversation_type=_conversation_type(conversation),
        tenant_id=tenants[0] if tenants else "",
        bot_id=activity.recipient.id if activity.recipient else "",
        channel_id=activity.channel_id or "msteams",
        user_id=sender.id if sender else None,
        user_aad_id=(sender.aad_object_id or None) if sender else None,
        team_id=_nested_id(channel_data, "team"),
    )


def sender_of(activity: Activity) -> Person:
    sender = activity.from_property
    if sender is None:
        return Person(teams_id="", name="")
    return Person(
        teams_id=sender.id or "", name=sender.name or "", aad_object_id=sender.aad_object_id or None
    )


def text_without_bot_mention(activity: Activity) -> str:
    if not activity.text:
        return ""
    text = TurnContext.remove_recipient_mention(activity) or ""
    return " ".join(text.replace("&nbsp;", " ").split())


def card_action_of(activity: Activity) -> CardAction | None:
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    verb, data = action.get("verb"), action.get("data", {})
    if not isinstance(verb, str) or not isinstance(data, dict):
        return None
    conversation = conversation_of(activity)
    return CardAction(
        verb=verb,
        data=data,
        sender=sender_of(activity),
        conversation=conversation,
        tenant_id=conversation.tenant_id,
        reply_to_id=activity.reply_to_id or None,
    )


# ---- project types → activities ------------------------------------------------------------------------------


def reference(conversation: ConvRef) -> ConversationReference:
    return ConversationReference(
        channel_id=conversation.channel_id,
        service_url=conversation.service_url,
        conversation=ConversationAccount(
            id=conversation.conversation_id,
            tenant_id=conversation.tenant_id,
            conversation_type=conversation.conversation_type.value,
        ),
        bot=ChannelAccount(id=conversation.bot_id),
        user=ChannelAccount(id=conversation.user_id, aad_object_id=conversation.user_aad_id)
        if conversation.user_id
        else None,
    )


def _at(person: Person) -> str:
    return f"<at>{person.name}</at>"


def message_activity(message: OutboundMessage) -> Activity:
    """Text, an Adaptive Card and @mentions. A mention is listed where its `<at>Name</at>` occurs: as an
    activity entity for the text, under the card's msteams.entities for the card (Teams ignores others)."""
    text_mentions = [person for person in message.mentions if message.text and _at(person) in message.text]
    activity = Activity(type=ActivityTypes.message, text=message.text or None)
    if message.card is not None:
        activity.attachments = [
            Attachment(
                content_type=CardFactory.content_types.adaptive_card,
                content=_JsonContent(_card_with_mentions(message.card, message.mentions)),
            )
        ]
    if text_mentions:
        activity.entities = [
            Mention(
                mentioned=ChannelAccount(id=person.teams_id, name=person.name),
                text=_at(person),
                type="mention",
            )
            for person in _unique(text_mentions)
        ]
    return activity


class _JsonContent(Model):
    """An attachment's content that msrest sends as it is. Given the card as a dict, msrest's serializer walks
    every key and string of it (an 'object' value) before sending: a few milliseconds for a list card, on
    every reply. As a model's additional properties the dict is copied into the body in one step."""

    _attribute_map = {"additional_properties": {"key": "", "type": "{object}"}}

    def __init__(self, content: dict[str, Any]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.additional_properties = content


def _card_with_mentions(card: dict[str, Any], mentions: tuple[Person, ...]) -> dict[str, Any]:
    """The card with an msteams mention entity for each person named in it. Only the msteams part is
    copied, not the whole card (botbuilder deep-copies the activity once more as it sends it)."""
    body = json.dumps({key: value for key, value in card.items() if key != "msteams"}, ensure_ascii=False)
    present = [person for person in _unique(mentions) if _at(person) in body]
    if not present:
        return card
    msteams = dict(card.get("msteams") or {})
    entities = list(msteams.get("entities") or [])
    msteams["entities"] = entities
    card = {**card, "msteams": msteams}
    known = {(entity.get("text"), (entity.get("mentioned") or {}).get("id")) for entity in entities}
    for person in present:
        if (_at(person), person.teams_id) not in known:
            entities.append(
                {
                    "type": "mention",
                    "text": _at(person),
                    "mentioned": {"id": person.teams_id, "name": person.name},
                }
            )
    return card


def _unique(people: list[Person] | tuple[Person, ...]) -> list[Person]:
    seen: set[tuple[str, str]] = set()
    unique: list[Person] = []
    for person in people:
        if (person.teams_id, person.name) not in seen:
            seen.add((person.teams_id, person.name))
            unique.append(person)
    return unique


def invoke_response(status_code: int, content_type: str, value: Any) -> InvokeResponse:
    if isinstance(value, dict):
        body: Any = AdaptiveCardInvokeResponse(status_code=status_code, type=content_type, value=value)
    else:  # a text for the user: the model's "{object}" value would not serialize a string
        body = {"statusCode": status_code, "type": content_type, "value": value}
    return InvokeResponse(status=200, body=body)


async def send_all(turn_context: TurnContext, reply: Reply) -> None:
    for message in reply.messages:
        await turn_context.send_activity(message_activity(message))


# ---- requests ---------------------------------------------------------------------------------------------------


def token_issuer(authorization: str) -> str | None:
    """The unverified `iss` of a bearer JWT, only to choose the validation path; botbuilder verifies it."""
    scheme, _, token = authorization.partition(" ")
    parts = token.split(".")
    if scheme != "Bearer" or len(parts) != 3:
        return None
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except ValueError:  # binascii.Error and JSONDecodeError are ValueErrors; so is bad UTF-8
        return None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    return issuer if isinstance(issuer, str) else None


def is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False
