"""Fixtures for Graph tests (the schema-checked fake Graph, a real SDK client) and the loopback-only guard for all tests."""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from msgraph.graph_service_client import GraphServiceClient

from graph.client import close_graph_client, make_graph_client
from tests.fake_graph import SCHEMA_PATH, FakeDrive, FakeGraph, FakeSite, GraphSchemas, GraphState

FLG_DOCX = b"PK\x03\x04 minutes of FLG " * 20


class FakeCredential:
    """Stands in for azure.identity.aio's credentials: any `async get_token` is accepted by the SDK."""

    def __init__(self) -> None:
        self.requests = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requests += 1
        return AccessToken("fake-token", int(time.time()) + 3600)

    async def close(self) -> None:
        pass

    async def __aenter__(self) -> FakeCredential:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        pass


class MemoryCursors:
    """The CursorStore port in a dict."""

    def __init__(self) -> None:
        self.cursors: dict[str, str] = {}

    async def get_cursor(self, source: str) -> str | None:
        return self.cursors.get(source)

    async def save_cursor(self, source: str, cursor: str) -> None:
        self.cursors[source] = cursor


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection off 127.0.0.0/8 or ::1 fails the test: nothing here may reach a real tenant."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            try:
                loopback = ipaddress.ip_address(host).is_loopback
            except ValueError:
                loopback = False
            if not loopback:
                raise AssertionError(f"test tried to connect to {host}: only loopback is allowed")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


@pytest.fixture(scope="session")
def schemas() -> GraphSchemas:
    return GraphSchemas(SCHEMA_PATH)


@pytest.fixture
def state() -> GraphState:
    return GraphState(page_size=2)


@pytest.fixture
def site(state: GraphState) -> FakeSite:
    return state.add_site("/sites/FLG", "FLG")


@pytest.fixture
def library(state: GraphState, site: FakeSite) -> FakeDrive:
    drive = state.add_library(site, "Dokument", "Delade dokument")
    state.add_folder(drive, "Protokoll")
    return drive


@pytest.fixture
async def fake(state: GraphState, schemas: GraphSchemas) -> AsyncIterator[FakeGraph]:
    async with FakeGraph(state, schemas) as server:
        yield server
    assert not server.problems, "the fake Graph saw problems:\n" + "\n".join(server.problems)


@pytest.fixture
def credential() -> FakeCredential:
    return FakeCredential()


@pytest.fixture
async def graph(fake: FakeGraph, credential: FakeCredential) -> AsyncIterator[GraphServiceClient]:
    client = make_graph_client(credential, base_url=fake.base_url, max_retries=3, retry_delay=0)
    yield client
    await close_graph_client(client)


@pytest.fixture
def cursors() -> MemoryCursors:
    return MemoryCursors()


@pytest.fixture
def library_url(library: FakeDrive) -> Iterator[str]:
    yield f"{library.web_url}/Protokoll"
