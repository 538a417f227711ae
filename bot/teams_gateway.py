"""The Teams edge, and the ONLY module importing botbuilder (at end of support; see the architecture test).

Does I/O: answers POST /api/messages and calls the Bot Connector. Everything that crosses this module's
boundary is a project type (workflows.chat, minutes.records.ConvRef); no SDK object leaves it.

Inbound, in this order: JSON → Activity; the Bot Framework JWT is validated (always, unless the settings run
the Agents Playground on loopback with dangerously_allow_unauthenticated): 401; only the configured tenant is
served: 403; then the turn runs. Handler failures give the user one Swedish line; the traceback goes to the
log only. Outbound (ChatSender): one attempt per call, and connector failures become ChatSendError; rate
limits and retries are bot/sending.py's job, so they survive an SDK swap."""

from __future__ import annotations

import base64
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, Protocol, TypeVar

from aiohttp import web
from botbuilder.core import (
    ActivityHandler,
    CardFactory,
    InvokeResponse,
    TurnContext,
    serializer_helper,
)
from botbuilder.core.teams import TeamsInfo
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
    ConfigurationServiceClientCredentialFactory,
)
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    AdaptiveCardInvokeResponse,
    Attachment,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    Mention,
)
from botframework.connector.auth import (
    AppCredentials,
    ConnectorFactory,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy

from bot.sending import parse_retry_after
from bot.settings import LOOPBACK_HOSTS, Settings
from minutes.logsafe import safe_log_field
from minutes.records import ConversationType, ConvRef
from workflows.chat import (
    CardAction,
    ChatSendError,
    IncomingMessage,
    OutboundMessage,
    Person,
    Reply,
    SentMessage,
)

__all__ = [
    "ERROR_TEXT",
    "GatewayConfigError",
    "TeamsGateway",
    "TurnHandlers",
    "teams_enabled",
]

logger = logging.getLogger(__name__)

# msrest builds a retry policy per client and scans 999 status codes against this 502-item list each time
# (~6 ms of CPU per proactive send, measured in bench/fanout.py); a frozenset makes the scan cheap.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]

T = TypeVar("T")

ERROR_TEXT = "Något gick fel, försök igen om en stund."
CHANNEL_TOKEN_ISSUER = (
    "https://api.botframework.com"  # AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
)
ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"
INVOKE_MESSAGE = "application/vnd.microsoft.activity.message"
INVOKE_ERROR = "application/vnd.microsoft.error"
CONNECTOR_TIMEOUT_SECONDS = 30
# Headers a reverse proxy adds: behind one on the same host every request comes from loopback, so the
# unauthenticated Playground mode refuses any request that carries one.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP")
# Teams announces one install twice: as installationUpdate and as conversationUpdate.
INSTALL_EVENT_WINDOW_SECONDS = 120.0


class GatewayConfigError(ValueError):
    """The settings cannot run the Teams endpoint safely. One Swedish line."""


class TurnHandlers(Protocol):
    """What the gateway calls for each kind of turn; bot/handlers.py implements it in project types."""

    async def on_message(self, message: IncomingMessage) -> Reply: ...

    async def on_card_action(self, action: CardAction) -> Reply: ...

    async def on_conversation(self, conversation: ConvRef, *, installed: bool) -> Reply: ...


def teams_enabled(settings: Settings) -> bool:
    """Whether create_app should mount POST /api/messages: with a bot registration, or for the Playground."""
    return settings.teams_enabled


class TeamsGateway:
    """POST /api/messages (`process`) and proactive messages (`send`, `update`, `open_personal_chat`: a
    workflows.chat.ChatSender, one attempt each; wrap it in bot.sending.RateLimitedSender).

    `connector_token` is for tests only: outbound calls carry this bearer token instead of one from Entra ID,
    so nothing reaches login.microsoftonline.com. Production leaves it None."""

    def __init__(
        self, settings: Settings, handlers: TurnHandlers, *, connector_token: str | None = None
    ) -> None:
        if not settings.bot_app_id:
            if not settings.dangerously_allow_unauthenticated:
                raise GatewayConfigError(
                    "Teams-boten saknar registrering (MINUTESBOT_BOT_APP_ID): utan den kan inkommande "
                    "aktiviteter inte autentiseras"
                )
            if settings.host not in LOOPBACK_HOSTS:  # Settings refuses this too; never rely on one guard
                raise GatewayConfigError(
                    "oautentiserad Teams-slutpunkt tillåts bara på 127.0.0.1, ::1 eller localhost"
                )
            logger.warning(
                "Teams activities are accepted WITHOUT authentication (dangerously_allow_unauthenticated)"
            )
        elif not settings.tenant_id:
            raise GatewayConfigError("MINUTESBOT_TENANT_ID krävs för Teams-boten (SingleTenant)")
        self._settings = settings
        self._app_id = settings.bot_app_id
        self._authenticated = bool(settings.bot_app_id)
        credentials: ServiceClientCredentialsFactory
        if connector_token is not None:
            credentials = _FixedTokenCredentials(settings.bot_app_id, connector_token)
        else:
            credentials = _ReusedCredentials(
                ConfigurationServiceClientCredentialFactory(_bot_config(settings))
            )
        self._authentication = _Authentication(_bot_config(settings), credentials_factory=credentials)
        self._adapter = CloudAdapter(self._authentication)
        self._bot = _MinutesBot(handlers)

    # ---- inbound -------------------------------------------------------------------------------------------

    async def process(self, request: web.Request) -> web.Response:
        """POST /api/messages: 415/400 for what is no activity, 401 unauthenticated, 403 another tenant,
        else the turn: 200 with the invoke body, or 201."""
        if request.content_type != "application/json":
            return web.Response(status=415)
        if not self._authenticated and not _is_loopback(request.remote):
            logger.warning("unauthenticated Teams endpoint: refused a request from off loopback")
            return web.Response(status=403)
        if not self._authenticated and _proxied(request):
            logger.warning("unauthenticated Teams endpoint: refused a request that came through a proxy")
            return web.Response(status=403)
        try:
            body = await request.json()
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except Exception:  # not JSON, or msrest cannot read it as an Activity (its errors vary)
            activity = None
        if activity is None or not activity.type:
            return web.Response(status=400)
        _keep_conversation_tenant(activity, body)
        authorization = request.headers.get("Authorization", "")
        if authorization and _token_issuer(authorization) != CHANNEL_TOKEN_ISSUER:
            # Only the Bot Connector talks to a Teams bot. botbuilder would also try emulator and skill
            # tokens (another trust path, which fetches other signing keys, blocking the event loop).
            logger.info("refused an activity: not a channel token")
            return web.Response(status=401)
        try:
            authenticated = await self._authentication.authenticate_request(activity, authorization)
        except PermissionError as error:  # (an OSError too, so first)
            # The reason may quote the caller's claims: their text only at DEBUG.
            logger.info("refused an activity: %s", type(error).__name__)
            logger.debug("refused an activity: %s", safe_log_field(str(error), 200))
            return web.Response(status=401)
        except OSError:  # the OpenID metadata could not be fetched: our problem, not the caller's
            logger.exception("Bot Framework signing keys unavailable")
            return web.Response(status=503)
        except Exception as error:
            # PyJWT's errors (expired, bad signature …), an unknown key id (botbuilder's IndexError) …
            logger.info("refused an activity: %s", type(error).__name__)
            return web.Response(status=401)
        if not self._serves_tenant(activity):
            logger.warning(
                "refused an activity from another tenant (%s)",
                safe_log_field(sorted(_tenants_of(activity)) or "none"),
            )
            return web.Response(status=403)
        try:
            invoke = await self._adapter.process_activity(authenticated, activity, self._bot.on_turn)
        except Exception:
            logger.exception(
                "turn failed: %s %s", safe_log_field(activity.type), safe_log_field(activity.name or "")
            )
            return web.Response(status=500)
        if invoke is None:
            return web.Response(status=201)
        body = serializer_helper(invoke.body) if isinstance(invoke.body, Model) else invoke.body
        return web.json_response(body, status=int(invoke.status))

    def _serves_tenant(self, activity: Activity) -> bool:
        tenants = _tenants_of(activity)
        if not self._settings.tenant_id:  # only possible unauthenticated on loopback (the Playground)
            return True
        return bool(tenants) and tenants == {self._settings.tenant_id}

    # ---- outbound: workflows.chat.ChatSender ---------------------------------------------------------------

    async def send(self, conversation: ConvRef, message: OutboundMessage) -> SentMessage:
        activity = _message_activity(message)

        async def post(context: TurnContext) -> str:
            response = await context.send_activity(activity)
            return str(response.id) if response is not None and response.id else ""

        activity_id = await self._continue(conversation, post, "skicka meddelande")
        return SentMessage(conversation_id=conversation.conversation_id, activity_id=activity_id)

    async def update(self, conversation: ConvRef, activity_id: str, message: OutboundMessage) -> None:
        activity = _message_activity(message)
        activity.id = activity_id

        async def replace(context: TurnContext) -> None:
            await context.update_activity(activity)

        await self._continue(conversation, replace, "uppdatera meddelande")

    async def open_personal_chat(self, any_reference: ConvRef, user: Person) -> ConvRef:
        """A 1:1 chat with `user` (who may never have written to the bot); `any_reference` gives the tenant's
        service URL and the bot's id."""
        tenant_id = any_reference.tenant_id
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=any_reference.bot_id),
            members=[ChannelAccount(id=user.teams_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )
        created: list[str] = []

        async def capture(context: TurnContext) -> None:
            created.append(context.activity.conversation.id)

        try:
            await self._adapter.create_conversation(
                self._app_id, capture, parameters, any_reference.channel_id, any_reference.service_url, None
            )
        except (HttpOperationError, ClientRequestError, PermissionError) as error:
            raise _send_error(error, "öppna personlig chatt") from error
        if not created:
            raise ChatSendError("Teams: öppna personlig chatt gav inget konversations-id")
        return ConvRef(
            service_url=any_reference.service_url,
            conversation_id=created[0],
            conversation_type=ConversationType.PERSONAL,
            tenant_id=tenant_id,
            bot_id=any_reference.bot_id,
            channel_id=any_reference.channel_id,
            user_id=user.teams_id,
            user_aad_id=user.aad_object_id,
        )

    # ---- outbound: members ---------------------------------------------------------------------------------

    async def get_member(self, conversation: ConvRef, member_id: str) -> Person | None:
        """A member of the conversation (a 29:… id, or an Entra object id); None when Teams does not know them."""

        async def lookup(context: TurnContext) -> Person:
            return _person(await TeamsInfo.get_member(context, member_id))

        try:
            return await self._continue(_whole_conversation(conversation), lookup, "hämta medlem")
        except ChatSendError as error:
            if error.status == 404:
                return None
            raise

    async def list_members(self, conversation: ConvRef, *, page_size: int = 100) -> list[Person]:
        """Every member of the conversation (paged; the unpaged API is throttled hard and deprecated)."""

        async def collect(context: TurnContext) -> list[Person]:
            members: list[Person] = []
            token: str | None = None
            while True:
                page = await TeamsInfo.get_paged_members(context, token, page_size)
                members.extend(_person(member) for member in page.members or [])
                token = page.continuation_token
                if not token:
                    return members

        return await self._continue(_whole_conversation(conversation), collect, "lista medlemmar")

    async def _continue(
        self, conversation: ConvRef, work: Callable[[TurnContext], Awaitable[T]], action: str
    ) -> T:
        """Run `work` in a proactive turn. The adapter has no on_turn_error, so a connector failure inside the
        callback propagates here and becomes ChatSendError."""
        results: list[T] = []

        async def callback(context: TurnContext) -> None:
            # botbuilder gives the continuation a random id, which would make every send a reply to a
            # message that does not exist; and TeamsInfo needs channel data (none: the conversation's APIs).
            context.activity.id = None
            if context.activity.channel_data is None:
                context.activity.channel_data = {}
            results.append(await work(context))

        try:
            await self._adapter.continue_conversation(_reference(conversation), callback, self._app_id)
        except (HttpOperationError, ClientRequestError, PermissionError) as error:
            raise _send_error(error, action) from error
        return results[0]


class _MinutesBot(ActivityHandler):  # type: ignore[misc]  # botbuilder ships no type information
    """Translates each turn into project types, calls the handler, and sends its reply."""

    def __init__(self, handlers: TurnHandlers) -> None:
        self._handlers = handlers
        self._recent_install_events: dict[str, tuple[bool, float]] = {}

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        conversation = _conversation_of(activity)
        message = IncomingMessage(
            text=_text_without_bot_mention(activity),
            sender=_sender_of(activity),
            conversation=conversation,
            tenant_id=conversation.tenant_id,
        )
        try:
            reply = await self._handlers.on_message(message)
        except Exception:
            logger.exception("on_message failed")
            await turn_context.send_activity(_message_activity(OutboundMessage(text=ERROR_TEXT)))
            return
        await _send_all(turn_context, reply)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        activity = turn_context.activity
        if activity.name != "adaptiveCard/action":
            return InvokeResponse(status=501)
        action = _card_action_of(activity)
        if action is None:
            return _invoke_response(
                400, INVOKE_ERROR, {"code": "BadRequest", "message": "Ogiltig kortåtgärd."}
            )
        try:
            reply = await self._handlers.on_card_action(action)
        except Exception:
            logger.exception("on_card_action failed (%s)", safe_log_field(action.verb))
            return _invoke_response(200, INVOKE_MESSAGE, ERROR_TEXT)
        if reply.card is not None and activity.reply_to_id and reply.replace_for_everyone:
            # The invoke response replaces the card for the one who clicked; this replaces it for everyone.
            replacement = _message_activity(OutboundMessage(card=reply.card))
            replacement.id = activity.reply_to_id
            try:
                await turn_context.update_activity(replacement)
            except (HttpOperationError, ClientRequestError, PermissionError) as error:
                logger.warning(
                    "could not update the clicked card for everyone: %s", _send_error(error, "kort")
                )
        try:
            await _send_all(turn_context, reply)
        except (HttpOperationError, ClientRequestError, PermissionError) as error:
            # The action is done; failing the invoke would tell the user it was not.
            logger.warning("could not post the messages of a card action: %s", _send_error(error, "svar"))
        if reply.card is None:
            return _invoke_response(200, INVOKE_MESSAGE, "")
        # Unserialized model: process() serializes it exactly once (the CloudAdapter double-serialization bug).
        return _invoke_response(200, ADAPTIVE_CARD, reply.card)

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await self._on_installation(turn_context, installed=True)
        elif any(member.id == bot_id for member in activity.members_removed or []):
            await self._on_installation(turn_context, installed=False)

    async def on_installation_update(self, turn_context: TurnContext) -> None:
        action = turn_context.activity.action
        if action == "add":
            await self._on_installation(turn_context, installed=True)
        elif action == "remove":
            await self._on_installation(turn_context, installed=False)
        # "add-upgrade"/"remove-upgrade": a new app version; nothing changes for the conversation.

    async def _on_installation(self, turn_context: TurnContext, *, installed: bool) -> None:
        conversation = _conversation_of(turn_context.activity)
        if not self._first_install_event(conversation.conversation_id, installed):
            return
        try:
            reply = await self._handlers.on_conversation(conversation, installed=installed)
        except Exception:
            logger.exception("on_conversation failed (installed=%s)", installed)
            if installed:
                await turn_context.send_activity(_message_activity(OutboundMessage(text=ERROR_TEXT)))
            return
        if installed:  # once removed, the bot can no longer post there
            await _send_all(turn_context, reply)

    def _first_install_event(self, conversation_id: str, installed: bool) -> bool:
        """Teams announces one install (or removal) twice, as installationUpdate and as conversationUpdate,
        possibly concurrently: pass on only the first. Checked and recorded without an await in between."""
        now = time.monotonic()
        for key, (_, at) in list(self._recent_install_events.items()):
            if now - at > INSTALL_EVENT_WINDOW_SECONDS:
                del self._recent_install_events[key]
        previous = self._recent_install_events.get(conversation_id)
        self._recent_install_events[conversation_id] = (installed, now)
        return previous is None or previous[0] != installed


# ---- authentication and credentials -------------------------------------------------------------------------


def _bot_config(settings: Settings) -> SimpleNamespace:
    """The attributes ConfigurationBotFrameworkAuthentication reads. SingleTenant needs all three values;
    without an app id (the Playground) botbuilder's default MultiTenant with empty credentials turns auth off."""
    password = settings.bot_app_password.get_secret_value() if settings.bot_app_password else ""
    if settings.bot_app_id:
        return SimpleNamespace(
            APP_ID=settings.bot_app_id,
            APP_PASSWORD=password,
            APP_TYPE="SingleTenant",
            APP_TENANTID=settings.tenant_id,
        )
    return SimpleNamespace(APP_ID="", APP_PASSWORD="", APP_TYPE="MultiTenant", APP_TENANTID="")


class _Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's authentication with one change to the connectors it creates: a single attempt each, and
    one connector per service URL and audience for the gateway's lifetime."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connectors: dict[tuple[str, ...], Any] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _SingleAttemptConnectors(result.connector_factory, self._connectors)
        return result

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return _SingleAttemptConnectors(super().create_connector_factory(claims_identity), self._connectors)


class _SingleAttemptConnectors(ConnectorFactory):  # type: ignore[misc]
    """msrest retries 5xx three times with backoff (and sleeps through 503's Retry-After in a worker
    thread). Retries belong to bot/sending.py, so each connector makes one attempt with a bounded timeout.

    botbuilder builds a new ConnectorClient for every turn and proactive call (about 5 ms of CPU: msrest's
    configuration, pipeline and serializer tables, and a new HTTP session, so no connection is reused). The
    clients are kept in `made`, one per service URL, audience and app: the credentials inside are the same
    reused ones (_ReusedCredentials), and the requests session under msrest is safe to share for these calls
    (no cookies; urllib3's pool is thread-safe)."""

    def __init__(self, inner: ConnectorFactory, made: dict[tuple[str, ...], Any]) -> None:
        self._inner = inner
        self._made = made

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (
            service_url,
            audience or "",
            str(getattr(self._inner, "_app_id", "")),
            str(getattr(self._inner, "_to_channel_from_bot_oauth_scope", "")),
        )
        client = self._made.get(key)
        if client is None:
            client = await self._inner.create(service_url, audience)
            retry = client.config.retry_policy
            retry.retries = 0
            retry.policy.status_forcelist = (
                set()
            )  # hand every status back to us instead of raising RetryError
            client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
            self._made[key] = client
        return client


class _ReusedCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """botbuilder makes new MicrosoftAppCredentials, and so a new MSAL app with an empty token cache, for every
    turn and proactive call: a token request to Entra ID each time, blocking the event loop. Reusing the
    credentials per (app, scope, authority) keeps MSAL's cache, so a token is fetched about once an hour."""

    def __init__(self, inner: ServiceClientCredentialsFactory) -> None:
        self._inner = inner
        self._credentials: dict[tuple[str, str, str, bool], AppCredentials] = {}

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(await self._inner.is_valid_app_id(app_id))

    async def is_authentication_disabled(self) -> bool:
        return bool(await self._inner.is_authentication_disabled())

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        key = (app_id or "", oauth_scope or "", login_endpoint or "", bool(validate_authority))
        if key not in self._credentials:
            self._credentials[key] = await self._inner.create_credentials(
                app_id, oauth_scope, login_endpoint, validate_authority
            )
        return self._credentials[key]


class _FixedTokenCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
    """Tests only: the app id is validated as usual; outbound calls carry a fixed bearer token."""

    def __init__(self, app_id: str, token: str) -> None:
        self._app_id = app_id
        self._token = token

    async def is_valid_app_id(self, app_id: str) -> bool:
        return bool(self._app_id) and app_id == self._app_id

    async def is_authentication_disabled(self) -> bool:
        return not self._app_id

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        if not self._app_id:
            return MicrosoftAppCredentials.empty()
        return _FixedToken(self._app_id, self._token)


class _FixedToken(AppCredentials):  # type: ignore[misc]
    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id=app_id)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


# ---- translation: activities → project types ----------------------------------------------------------------


def _channel_data(activity: Activity) -> dict[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, dict) else {}


def _nested_id(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    found = value.get("id") if isinstance(value, dict) else None
    return found if isinstance(found, str) and found else None


def _tenants_of(activity: Activity) -> set[str]:
    """Every tenant the activity names: channelData.tenant.id and conversation.tenantId (both must agree)."""
    tenants = {_nested_id(_channel_data(activity), "tenant")}
    if activity.conversation is not None:
        tenants.add(activity.conversation.tenant_id or None)
        tenants.update(getattr(activity.conversation, RAW_TENANTS, ()))
    return {tenant for tenant in tenants if tenant}


# Where _keep_conversation_tenant keeps the tenants the conversation names as they came.
RAW_TENANTS = "minutesbot_raw_tenants"


def _keep_conversation_tenant(activity: Activity, body: dict[str, Any]) -> None:
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


def _proxied(request: web.Request) -> bool:
    return any(header in request.headers for header in PROXY_HEADERS) or any(
        header.lower().startswith("x-forwarded-") for header in request.headers
    )


def _conversation_type(conversation: ConversationAccount) -> ConversationType:
    try:
        return ConversationType(conversation.conversation_type)
    except ValueError:
        return ConversationType.GROUP_CHAT if conversation.is_group else ConversationType.PERSONAL


def _conversation_of(activity: Activity) -> ConvRef:
    conversation = activity.conversation
    sender = activity.from_property
    channel_data = _channel_data(activity)
    tenants = sorted(_tenants_of(activity))
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


def _sender_of(activity: Activity) -> Person:
    sender = activity.from_property
    if sender is None:
        return Person(teams_id="", name="")
    return Person(
        teams_id=sender.id or "", name=sender.name or "", aad_object_id=sender.aad_object_id or None
    )


def _person(account: Any) -> Person:
    return Person(
        teams_id=account.id or "",
        name=account.name or "",
        aad_object_id=getattr(account, "aad_object_id", None),
    )


def _text_without_bot_mention(activity: Activity) -> str:
    if not activity.text:
        return ""
    text = TurnContext.remove_recipient_mention(activity) or ""
    return " ".join(text.replace("&nbsp;", " ").split())


def _card_action_of(activity: Activity) -> CardAction | None:
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    verb, data = action.get("verb"), action.get("data", {})
    if not isinstance(verb, str) or not isinstance(data, dict):
        return None
    conversation = _conversation_of(activity)
    return CardAction(
        verb=verb,
        data=data,
        sender=_sender_of(activity),
        conversation=conversation,
        tenant_id=conversation.tenant_id,
        reply_to_id=activity.reply_to_id or None,
    )


# ---- translation: project types → activities ----------------------------------------------------------------


def _reference(conversation: ConvRef) -> ConversationReference:
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


def _whole_conversation(conversation: ConvRef) -> ConvRef:
    """A channel thread's members are the channel's: drop the ';messageid=…' suffix."""
    base = conversation.conversation_id.split(";", 1)[0]
    if base == conversation.conversation_id:
        return conversation
    return ConvRef(**{**_fields(conversation), "conversation_id": base})


def _fields(conversation: ConvRef) -> dict[str, Any]:
    return {name: getattr(conversation, name) for name in conversation.__slots__}


def _at(person: Person) -> str:
    return f"<at>{person.name}</at>"


def _message_activity(message: OutboundMessage) -> Activity:
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


def _invoke_response(status_code: int, content_type: str, value: Any) -> InvokeResponse:
    if isinstance(value, dict):
        body: Any = AdaptiveCardInvokeResponse(status_code=status_code, type=content_type, value=value)
    else:  # a text for the user: the model's "{object}" value would not serialize a string
        body = {"statusCode": status_code, "type": content_type, "value": value}
    return InvokeResponse(status=200, body=body)


async def _send_all(turn_context: TurnContext, reply: Reply) -> None:
    for message in reply.messages:
        await turn_context.send_activity(_message_activity(message))


def _send_error(error: Exception, action: str) -> ChatSendError:
    """A connector failure in project terms: the HTTP status and Retry-After, read defensively (msrest's
    response is a requests- or aiohttp-like object, or missing)."""
    response = getattr(error, "response", None)
    status: int | None = None
    for attribute in ("status_code", "status"):
        value = getattr(response, attribute, None)
        if isinstance(value, int):
            status = value
            break
    if isinstance(error, PermissionError) and status is None:
        status = 401  # no token for the connector: not transient
    retry_after = parse_retry_after(_header(response, "Retry-After"), now=datetime.now(UTC))
    return ChatSendError(
        f"Teams: {action} misslyckades (HTTP {status})", status=status, retry_after=retry_after
    )


def _header(response: Any, name: str) -> str | None:
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        value = headers.get(name)
        if value is None:
            value = next((v for k, v in headers.items() if str(k).lower() == name.lower()), None)
    except (AttributeError, TypeError):
        return None
    return str(value) if value is not None else None


def _token_issuer(authorization: str) -> str | None:
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


def _is_loopback(remote: str | None) -> bool:
    if not remote:
        return False
    try:
        return ipaddress.ip_address(remote).is_loopback
    except ValueError:
        return False
