"""Bot Connector clients and credentials: one attempt per call, reused clients and tokens, failures as ours."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity
from botframework.connector.auth import (
    AppCredentials,
    ConnectorFactory,
    MicrosoftAppCredentials,
    ServiceClientCredentialsFactory,
)
from msrest.universal_http.requests import ClientRetryPolicy

from bot.sending import parse_retry_after
from bot.teams_gateway.config import GatewaySettings
from workflows.chat import ChatSendError

# msrest builds a retry policy per client and scans 999 status codes against this 502-item list each time
# (~6 ms of CPU per proactive send, measured in bench/fanout.py); a frozenset makes the scan cheap.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)  # type: ignore[assignment]

CONNECTOR_TIMEOUT_SECONDS = 30


def bot_config(settings: GatewaySettings) -> SimpleNamespace:
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


class Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]
    """botbuilder's authentication with one change to the connectors it creates: a single attempt each, and
    one connector per service URL and audience for the gateway's lifetime."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connectors: dict[tuple[str, ...], Any] = {}

    async def authenticate_request(self, activity: Activity, auth_header: str) -> Any:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = SingleAttemptConnectors(result.connector_factory, self._connectors)
        return result

    def create_connector_factory(self, claims_identity: Any) -> ConnectorFactory:
        return SingleAttemptConnectors(super().create_connector_factory(claims_identity), self._connectors)


class SingleAttemptConnectors(ConnectorFactory):  # type: ignore[misc]
    """msrest retries 5xx three times with backoff (and sleeps through 503's Retry-After in a worker
    thread). Retries belong to bot/sending.py, so each connector makes one attempt with a bounded timeout.

    botbuilder builds a new ConnectorClient for every turn and proactive call (about 5 ms of CPU: msrest's
    configuration, pipeline and serializer tables, and a new HTTP session, so no connection is reused). The
    clients are kept in `made`, one per service URL, audience and app: the credentials inside are the same
    reused ones (ReusedCredentials), and the requests session under msrest is safe to share for these calls
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


class ReusedCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
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


class FixedTokenCredentials(ServiceClientCredentialsFactory):  # type: ignore[misc]
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
        return FixedToken(self._app_id, self._token)


class FixedToken(AppCredentials):  # type: ignore[misc]
    def __init__(self, app_id: str, token: str) -> None:
        super().__init__(app_id=app_id)
        self._token = token

    def get_access_token(self, force_refresh: bool = False) -> str:
        return self._token


def send_error(error: Exception, action: str) -> ChatSendError:
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
    retry_after = parse_retry_after(header(response, "Retry-After"), now=datetime.now(UTC))
    return ChatSendError(
        f"Teams: {action} misslyckades (HTTP {status})", status=status, retry_after=retry_after
    )


def header(response: Any, name: str) -> str | None:
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
