"""POST /api/graph/notifications over a real socket: the body read whole however it arrives, a size limit,
deeply nested JSON refused, and the validation token echoed only on the handshake, as inert text."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import create_app
from bot.routes import MAX_NOTIFICATION_BYTES
from bot.settings import Settings

CLIENT_STATE = "state-1234567890"
NOTIFICATION = json.dumps(
    {
        "value": [
            {
                "subscriptionId": "sub-1",
                "clientState": CLIENT_STATE,
                "resource": "drives/abc/root",
                "changeType": "updated",
            }
        ]
    }
).encode()
GRAPH_TOKEN = "Validation: Testing client application reachability for subscription Request-Id: 3b3f-1+2"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[TestClient[object, object]]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=None,
        graph_client_state=SecretStr(CLIENT_STATE),
    )
    async with TestClient(TestServer(create_app(settings), host="127.0.0.1")) as client:
        yield client


async def post_in_pieces(port: int, body: bytes, pieces: list[int], *, length: int | None = None) -> str:
    """The status line of a POST whose body is sent in several TCP writes, with pauses between them."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        "POST /api/graph/notifications HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body) if length is None else length}\r\nConnection: close\r\n\r\n"
    ).encode()
    writer.write(head)
    start = 0
    for end in [*pieces, len(body)]:
        writer.write(body[start:end])
        await writer.drain()
        await asyncio.sleep(0.1)
        start = end
    status = (await reader.readline()).decode().strip()
    writer.close()
    return status


async def test_a_notification_sent_in_pieces_is_read_whole(service: TestClient[object, object]) -> None:
    port = service.server.port
    assert port is not None
    assert " 202" in await post_in_pieces(port, NOTIFICATION, [])
    assert " 202" in await post_in_pieces(port, NOTIFICATION, [40])
    assert " 202" in await post_in_pieces(port, NOTIFICATION, [1, 2, 10, 60, 100])


async def test_a_body_over_the_limit_is_413(service: TestClient[object, object]) -> None:
    big = b'{"value": [], "x": "' + b"a" * MAX_NOTIFICATION_BYTES + b'"}'
    response = await service.post("/api/graph/notifications", data=big)
    assert response.status == 413
    port = service.server.port
    assert port is not None
    assert " 413" in await post_in_pieces(port, big, [1000, 500_000])


async def test_deeply_nested_json_is_400(service: TestClient[object, object]) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = await service.post("/api/graph/notifications", data=deep)
    assert response.status == 400


async def test_the_handshake_echoes_graphs_token_as_inert_text(service: TestClient[object, object]) -> None:
    response = await service.post("/api/graph/notifications", params={"validationToken": GRAPH_TOKEN})
    assert response.status == 200 and await response.text() == GRAPH_TOKEN
    assert response.content_type == "text/plain"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("token", "data"),
    [
        ("a" * 4000, b""),  # past the length limit
        ("<script>alert(1)</script>\n", b""),  # a control character: no token Graph sends
        ("abc", NOTIFICATION),  # not a handshake: the handshake has no body
    ],
    ids=["too-long", "control-character", "with-a-body"],
)
async def test_no_echo_off_the_handshake(
    service: TestClient[object, object], token: str, data: bytes
) -> None:
    response = await service.post("/api/graph/notifications", params={"validationToken": token}, data=data)
    assert response.status == 400 and token not in await response.text()
