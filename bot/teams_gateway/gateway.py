"""The Teams gateway: POST /api/messages in (authenticated, one tenant) and proactive messages out."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web
from botbuilder.core import TurnContext, serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationServiceClientCredentialFactory
from botbuilder.schema import Activity, ChannelAccount, ConversationParameters
from botframework.connector.auth import ServiceClientCredentialsFactory
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.serialization import Model

from bot.settings import LOOPBACK_HOSTS
from bot.teams_gateway.activities import (
    is_loopback,
    keep_conversation_tenant,
    message_activity,
    proxied,
    reference,
    tenants_of,
    token_issuer,
)
from bot.teams_gateway.config import GatewayConfigError, GatewaySettings
from bot.teams_gateway.connector import (
    Authentication,
    FixedTokenCredentials,
    ReusedCredentials,
    bot_config,
    send_error,
)
from bot.teams_gateway.turns import MinutesBot, TurnHandlers
from minutes.logsafe import safe_log_field
from minutes.records import ConversationType, ConvRef
from workflows.chat import ChatSendError, OutboundMessage, Person, SentMessage

logger = logging.getLogger(__name__)

T = TypeVar("T")

CHANNEL_TOKEN_ISSUER = (
    "https://api.botframework.com"  # AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
)


class TeamsGateway:
    """POST /api/messages (`process`) and proactive messages (`send`, `update`, `open_personal_chat`: a
    workflows.chat.ChatSender, one attempt each; wrap it in bot.sending.RateLimitedSender).

    `connector_token` is for tests only: outbound calls carry this bearer token instead of one from Entra ID,
    so nothing reaches login.microsoftonline.com. Production leaves it None."""

    def __init__(
        self, settings: GatewaySettings, handlers: TurnHandlers, *, connector_token: str | None = None
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
            credentials = FixedTokenCredentials(settings.bot_app_id, connector_token)
        else:
            credentials = ReusedCredentials(ConfigurationServiceClientCredentialFactory(bot_config(settings)))
        self._authentication = Authentication(bot_config(settings), credentials_factory=credentials)
        self._adapter = CloudAdapter(self._authentication)
        self._bot = MinutesBot(handlers)

    # ---- inbound -------------------------------------------------------------------------------------------

    async def process(self, request: web.Request) -> web.Response:
        """POST /api/messages: 415/400 for what is no activity, 401 unauthenticated, 403 another tenant,
        else the turn: 200 with the invoke body, or 201."""
        if request.content_type != "application/json":
            return web.Response(status=415)
        if not self._authenticated and not is_loopback(request.remote):
            logger.warning("unauthenticated Teams endpoint: refused a request from off loopback")
            return web.Response(status=403)
        if not self._authenticated and proxied(request):
            logger.warning("unauthenticated Teams endpoint: refused a request that came through a proxy")
            return web.Response(status=403)
        try:
            body = await request.json()
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except Exception:  # not JSON, or msrest cannot read it as an Activity (its errors vary)
            activity = None
        if activity is None or not activity.type:
            return web.Response(status=400)
        keep_conversation_tenant(activity, body)
        authorization = request.headers.get("Authorization", "")
        if authorization and token_issuer(authorization) != CHANNEL_TOKEN_ISSUER:
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
                safe_log_field(sorted(tenants_of(activity)) or "none"),
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
        tenants = tenants_of(activity)
        if not self._settings.tenant_id:  # only possible unauthenticated on loopback (the Playground)
            return True
        return bool(tenants) and tenants == {self._settings.tenant_id}

    # ---- outbound: workflows.chat.ChatSender ---------------------------------------------------------------

    async def send(self, conversation: ConvRef, message: OutboundMessage) -> SentMessage:
        activity = message_activity(message)

        async def post(context: TurnContext) -> str:
            response = await context.send_activity(activity)
            return str(response.id) if response is not None and response.id else ""

        activity_id = await self._continue(conversation, post, "skicka meddelande")
        return SentMessage(conversation_id=conversation.conversation_id, activity_id=activity_id)

    async def update(self, conversation: ConvRef, activity_id: str, message: OutboundMessage) -> None:
        activity = message_activity(message)
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
            raise send_error(error, "öppna personlig chatt") from error
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
            await self._adapter.continue_conversation(reference(conversation), callback, self._app_id)
        except (HttpOperationError, ClientRequestError, PermissionError) as error:
            raise send_error(error, action) from error
        return results[0]
