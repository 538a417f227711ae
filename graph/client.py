"""Build (and close) the Graph client and its credential, with retry, redirect and User-Agent middleware on."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
from azure.core.credentials_async import AsyncTokenCredential
from azure.identity.aio import CertificateCredential, ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_abstractions.request_option import RequestOption
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption, UserAgentHandlerOption
from kiota_serialization_json.json_parse_node import JsonParseNode
from msgraph.generated.drives.item.items.item.delta.delta_get_response import DeltaGetResponse
from msgraph.graph_request_adapter import GraphRequestAdapter
from msgraph.graph_request_adapter import options as graph_default_options
from msgraph.graph_service_client import GraphServiceClient
from msgraph_core import GraphClientFactory

GRAPH_BASE_URL = "https://graph.microsoft.com/v1.0"
# SharePoint's throttling guidance asks for "NONISV|Company|App/Version" so that it can tell apps apart.
USER_AGENT_PRODUCT = "NONISV|Kommun|minutesbot"
USER_AGENT_VERSION = "0.1"
USER_AGENT = f"{USER_AGENT_PRODUCT}/{USER_AGENT_VERSION}"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def make_credential(
    tenant_id: str, client_id: str, *, client_secret: str | None, certificate_path: str | None
) -> AsyncTokenCredential:
    """The app-only credential. Create one per process: its token cache lives in the instance.
    Close it at shutdown (it owns an HTTP session)."""
    if bool(client_secret) == bool(certificate_path):
        raise ValueError("Ange antingen en klienthemlighet eller en certifikatfil för Graph, inte båda")
    if certificate_path:
        return CertificateCredential(tenant_id, client_id, certificate_path=certificate_path)
    assert client_secret is not None
    return ClientSecretCredential(tenant_id, client_id, client_secret)


def make_graph_client(
    credential: AsyncTokenCredential,
    *,
    base_url: str | None = None,
    http_client: httpx.AsyncClient | None = None,
    max_retries: int = 3,
    retry_delay: float = 3.0,
) -> GraphServiceClient:
    """A GraphServiceClient whose httpx client carries the default middleware (retry on 429/503/504 with
    Retry-After, redirects without Authorization to other hosts) and our User-Agent.

    `base_url` (else `http_client.base_url`, else Graph v1.0) lets tests point at a loopback fake."""
    root = (base_url or _client_base_url(http_client) or GRAPH_BASE_URL).rstrip("/")
    client = http_client or httpx.AsyncClient(timeout=httpx.Timeout(100, connect=30), http2=True)
    client.base_url = httpx.URL(root)
    # Set as the client's own header so the User-Agent handler finds it present and leaves it exact.
    client.headers["User-Agent"] = USER_AGENT
    options: dict[str, RequestOption] = dict(graph_default_options)
    options[RetryHandlerOption.get_key()] = RetryHandlerOption(delay=retry_delay, max_retries=max_retries)
    options[UserAgentHandlerOption.get_key()] = UserAgentHandlerOption(
        product_name=USER_AGENT_PRODUCT, product_version=USER_AGENT_VERSION
    )
    # A client passed to GraphRequestAdapter gets no middleware of its own: wrap it first.
    wrapped: httpx.AsyncClient = GraphClientFactory.create_with_default_middleware(
        client=client, options=options
    )
    host = urlsplit(root).hostname or ""
    scope_host = "graph.microsoft.com" if host in LOOPBACK_HOSTS else host
    auth = AzureIdentityAuthenticationProvider(
        credential,
        scopes=[f"https://{scope_host}/.default"],
        # Tokens go only to the Graph host itself, never to a host named in a nextLink or a redirect.
        allowed_hosts=[host],
    )
    adapter = GraphRequestAdapter(auth, client=wrapped)
    # httpx keeps a trailing '/' on base_url, which the SDK's templates would double ('/v1.0//drives').
    adapter.base_url = root
    return GraphServiceClient(request_adapter=adapter)


def http_client_of(graph: GraphServiceClient) -> httpx.AsyncClient:
    """The middleware-wrapped httpx client behind `graph`, for streamed downloads through the same pipeline.
    The SDK only offers buffered downloads, and a size cap needs the stream."""
    client = getattr(graph.request_adapter, "_http_client", None)
    if not isinstance(client, httpx.AsyncClient):
        raise TypeError("the Graph client has no httpx client (not built by make_graph_client?)")
    return client


async def close_graph_client(graph: GraphServiceClient) -> None:
    """Close the client's connections (at shutdown, after the credential). msgraph-core 1.5.2's
    AsyncGraphTransport has no aclose(), so httpx.AsyncClient.aclose() alone leaves the wrapped
    connection pool open (ResourceWarning: unclosed socket): close the wrapped transports too."""
    client = http_client_of(graph)
    transports = [client._transport, *(t for t in client._mounts.values() if t is not None)]
    await client.aclose()
    for transport in transports:
        inner = getattr(transport, "transport", None)
        if isinstance(inner, httpx.AsyncBaseTransport):
            await inner.aclose()


def without_retries() -> RequestConfiguration[Any]:
    """Per-request configuration for non-idempotent POSTs: a 503 may already have created the resource, and
    the retry handler would POST it again."""
    return RequestConfiguration(options=[RetryHandlerOption(max_retries=0)])


def warm_up_graph_models() -> None:
    """Deserialise one tiny delta page now: the models import ~1,200 modules lazily on first use (~1.6 s),
    which would otherwise land on the first user action. CPU only, no I/O."""
    page = JsonParseNode({"value": [{"id": "warm-up", "file": {}, "parentReference": {}}]})
    page.get_object_value(DeltaGetResponse)


def _client_base_url(client: httpx.AsyncClient | None) -> str | None:
    if client is None or not client.base_url.host:
        return None
    return str(client.base_url)
