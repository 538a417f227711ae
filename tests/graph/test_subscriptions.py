"""Drive subscriptions against the fake Graph (with its validation handshake), the webhook check, coalescing."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from msgraph.graph_service_client import GraphServiceClient

from graph.errors import GraphSourceError
from graph.subscriptions import (
    MAX_LIFETIME,
    DriveSubscriptions,
    NotificationOutcome,
    handle_notification,
)
from tests.fake_graph import FakeDrive, FakeGraph, GraphState

CLIENT_STATE = "k7Qm2-hemligt-klienttillstånd"


async def on_graph_notification(request: web.Request) -> web.Response:
    """How the bot mounts handle_notification: echo the token, otherwise 202 and nudge."""
    outcome = handle_notification(request.query, await request.read(), CLIENT_STATE)
    if outcome.validation_token is not None:
        return web.Response(text=outcome.validation_token, content_type="text/plain")
    return web.Response(status=400 if outcome.malformed else 202)


@pytest.fixture
async def notification_url() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_post("/api/graph/notifications", on_graph_notification)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    sock = socket.create_server(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/api/graph/notifications"
    await runner.cleanup()


@pytest.fixture
def subscriptions(graph: GraphServiceClient, notification_url: str) -> DriveSubscriptions:
    return DriveSubscriptions(graph, notification_url, CLIENT_STATE)


def now() -> datetime:
    return datetime.now(UTC)


async def test_a_subscription_on_the_drive_root_passes_the_validation_handshake(
    subscriptions: DriveSubscriptions, state: GraphState, library: FakeDrive, fake: FakeGraph
) -> None:
    created = await subscriptions.create(library.id, now=now())

    stored = state.subscriptions[created.id]
    assert stored["resource"] == f"/drives/{library.id}/root" and stored["changeType"] == "updated"
    assert stored["clientState"] == CLIENT_STATE
    assert created.drive_id == library.id
    assert now() + MAX_LIFETIME - timedelta(hours=2) < created.expires <= now() + MAX_LIFETIME


async def test_a_failed_create_is_not_posted_twice(
    subscriptions: DriveSubscriptions, state: GraphState, library: FakeDrive, fake: FakeGraph
) -> None:
    state.fail("/subscriptions", 503, method="POST", Retry_After="1")

    with pytest.raises(GraphSourceError) as raised:
        await subscriptions.create(library.id, now=now())

    assert raised.value.status == 503 and "Microsoft Graph" in raised.value.message
    assert len([r for r in state.requests if r.method == "POST"]) == 1


async def test_an_unreachable_notification_url_is_refused(
    graph: GraphServiceClient, library: FakeDrive, fake: FakeGraph
) -> None:
    elsewhere = DriveSubscriptions(graph, "https://bot.example.se/api/graph/notifications", CLIENT_STATE)

    with pytest.raises(GraphSourceError) as raised:
        await elsewhere.create(library.id, now=now())

    assert raised.value.status == 400


async def test_renewal_moves_the_expiry(
    subscriptions: DriveSubscriptions, state: GraphState, library: FakeDrive, fake: FakeGraph
) -> None:
    created = await subscriptions.create(library.id, now=now() - timedelta(days=5))

    renewed = await subscriptions.renew(created, now=now())

    assert renewed.id == created.id and renewed.expires > created.expires
    assert state.subscriptions[created.id]["expirationDateTime"].startswith(
        renewed.expires.strftime("%Y-%m-%dT%H:%M")
    )


async def test_a_subscription_graph_forgot_is_created_anew(
    subscriptions: DriveSubscriptions, state: GraphState, library: FakeDrive, fake: FakeGraph
) -> None:
    created = await subscriptions.create(library.id, now=now())
    state.subscriptions.clear()  # expired, or removed by an administrator

    renewed = await subscriptions.renew(created, now=now())

    assert renewed.id != created.id and list(state.subscriptions) == [renewed.id]
    assert renewed.drive_id == library.id


async def test_delete_tolerates_a_subscription_that_is_already_gone(
    subscriptions: DriveSubscriptions, state: GraphState, library: FakeDrive, fake: FakeGraph
) -> None:
    created = await subscriptions.create(library.id, now=now())

    await subscriptions.delete(created.id)
    await subscriptions.delete(created.id)

    assert state.subscriptions == {}


def test_lifetimes_past_graphs_cap_and_bad_client_states_are_refused(graph: GraphServiceClient) -> None:
    with pytest.raises(ValueError):
        DriveSubscriptions(
            graph, "https://bot.example.se/n", CLIENT_STATE, lifetime=MAX_LIFETIME + timedelta(1)
        )
    with pytest.raises(ValueError):
        DriveSubscriptions(graph, "https://bot.example.se/n", "x" * 129)


# --- handle_notification ---


def notification(subscription_id: str, client_state: str | None = CLIENT_STATE) -> dict[str, object]:
    return {
        "subscriptionId": subscription_id,
        "clientState": client_state,
        "changeType": "updated",
        "resource": "drives/b!x/root",
        "tenantId": "00000000-0000-0000-0000-000000000001",
    }


def body(*notifications: object) -> bytes:
    return json.dumps({"value": list(notifications)}).encode()


def test_the_validation_token_is_echoed_as_it_came() -> None:
    token = "Validation: Testing client application reachability for subscription Request-Id: 1+2"

    outcome = handle_notification({"validationToken": token}, b"", CLIENT_STATE)

    assert outcome == NotificationOutcome(validation_token=token)


def test_matching_notifications_give_their_subscription_ids_once() -> None:
    outcome = handle_notification(
        {}, body(notification("s1"), notification("s2"), notification("s1")), CLIENT_STATE
    )

    assert outcome == NotificationOutcome(subscription_ids=frozenset({"s1", "s2"}))


def test_a_wrong_or_missing_client_state_is_ignored() -> None:
    outcome = handle_notification(
        {},
        body(
            notification("forged", "gissning"),
            notification("none", None),
            notification("real"),
            {"x": 1},
            "text",
        ),
        CLIENT_STATE,
    )

    assert outcome.subscription_ids == frozenset({"real"}) and outcome.ignored == 4


@pytest.mark.parametrize("raw", [b"not json", b"\xff\xfe", b"[]", b'{"value": {}}', b"{}"])
def test_a_malformed_body_is_reported_as_such(raw: bytes) -> None:
    outcome = handle_notification({}, raw, CLIENT_STATE)

    assert outcome.malformed and not outcome.subscription_ids


@pytest.mark.parametrize("depth", [10_000, 100_000])
def test_deeply_nested_json_is_malformed(depth: int) -> None:
    for raw in (b"[" * depth + b"]" * depth, b'{"value": ' + b"[" * depth + b"]" * depth + b"}"):
        outcome = handle_notification({}, raw, CLIENT_STATE)

        assert outcome.malformed and not outcome.subscription_ids


def test_a_validation_token_is_echoed_only_on_a_validation_request() -> None:
    with_body = handle_notification({"validationToken": "abc"}, body(notification("s1")), CLIENT_STATE)
    too_long = handle_notification({"validationToken": "a" * 100_000}, b"", CLIENT_STATE)
    control = handle_notification({"validationToken": "abc\r\nSet-Cookie: x"}, b"", CLIENT_STATE)

    assert with_body.validation_token is None and with_body.malformed
    assert too_long.validation_token is None and too_long.malformed
    assert control.validation_token is None and control.malformed
