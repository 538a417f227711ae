"""The Graph client's wiring: headers, token scope, URLs, per-request options, credentials, errors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_http.middleware.options import RetryHandlerOption
from msgraph.graph_service_client import GraphServiceClient

from graph.client import (
    USER_AGENT,
    close_graph_client,
    make_credential,
    make_graph_client,
    warm_up_graph_models,
    without_retries,
)
from graph.errors import GraphSourceError, translate_error
from sources.sharepoint import SharePointSource
from tests.fake_graph import FakeDrive, FakeGraph, FakeSite, GraphState
from tests.graph_fixtures import FakeCredential, MemoryCursors


async def test_requests_carry_our_user_agent_and_the_token(
    graph: GraphServiceClient, state: GraphState, fake: FakeGraph, site: FakeSite, credential: FakeCredential
) -> None:
    await graph.sites.by_site_id(site.id).get()

    (request,) = state.requests
    assert request.headers["user-agent"] == USER_AGENT == "NONISV|Kommun|minutesbot/0.1"
    assert request.headers["authorization"] == "Bearer fake-token"
    assert credential.requests == 1


async def test_urls_have_no_doubled_slash(
    graph: GraphServiceClient, state: GraphState, site: FakeSite
) -> None:
    await graph.sites.by_site_id(site.id).drives.get()

    # httpx keeps a trailing '/' on base_url; make_graph_client must not let the SDK double it.
    (request,) = state.requests
    assert request.raw_path.startswith("/v1.0/sites/") and "//" not in request.raw_path


def test_non_idempotent_requests_can_opt_out_of_retries() -> None:
    (option,) = without_retries().options or []

    assert isinstance(option, RetryHandlerOption) and option.max_retry == 0


async def test_a_credential_needs_exactly_one_secret() -> None:
    with pytest.raises(ValueError):
        make_credential("tenant", "client", client_secret=None, certificate_path=None)
    with pytest.raises(ValueError):
        make_credential("tenant", "client", client_secret="s", certificate_path="/cert.pem")
    credential = make_credential("tenant", "client", client_secret="s", certificate_path=None)
    assert isinstance(credential, ClientSecretCredential)
    await credential.close()


def test_warm_up_is_pure_cpu() -> None:
    warm_up_graph_models()  # the autouse loopback guard would fail any connection


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            APIError("x", 429, None),
            "SharePoint begränsar antalet anrop just nu (HTTP 429), försöker igen senare",
        ),
        (APIError("x", 504, None), "SharePoint svarar inte just nu (HTTP 504), försöker igen senare"),
        (
            APIError("x", 403, None),
            "Boten saknar behörighet i SharePoint (HTTP 403); be en administratör om åtkomst",
        ),
        (APIError("x", 400, None), "SharePoint svarade med ett fel (HTTP 400)"),
        (httpx.ConnectError("refused"), "SharePoint går inte att nå just nu, försöker igen senare"),
        (httpx.ReadTimeout("slow"), "SharePoint svarade inte i tid, försöker igen senare"),
        (
            ClientAuthenticationError("AADSTS7000215: Invalid client secret"),
            "Boten kunde inte logga in mot Microsoft Entra ID; kontrollera appregistreringens hemlighet "
            "eller certifikat",
        ),
    ],
)
def test_sdk_errors_become_one_swedish_line(error: Exception, message: str) -> None:
    translated = translate_error(error)

    assert isinstance(translated, GraphSourceError) and translated.message == message
    assert not {"x", "refused", "slow", "AADSTS7000215:"} & set(translated.message.split())


class RefusedCredential(FakeCredential):
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise ClientAuthenticationError("AADSTS7000215: Invalid client secret provided")


async def test_a_refused_token_request_becomes_a_swedish_error(
    fake: FakeGraph, library: FakeDrive, cursors: MemoryCursors
) -> None:
    graph = make_graph_client(RefusedCredential(), base_url=fake.base_url)
    try:
        with pytest.raises(GraphSourceError, match="kunde inte logga in"):
            await SharePointSource(graph, library.web_url, cursors).changes()
    finally:
        await close_graph_client(graph)
