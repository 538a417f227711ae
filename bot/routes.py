"""The service's HTTP routes: health and readiness, Graph's change notifications, and the Teams endpoint."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.keys import INGESTION, SETTINGS, STORE, SUBSCRIPTIONS, TEAMS

logger = logging.getLogger(__name__)

MAX_NOTIFICATION_BYTES = 1_000_000


def add_routes(app: web.Application, *, teams: bool) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_post("/api/graph/notifications", graph_notifications)
    if teams:
        app.router.add_post("/api/messages", teams_messages)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready once the store answers; the sources' last successful runs are reported, not required."""
    store, ingestion = request.app[STORE], request.app[INGESTION]
    try:
        await store.get_cursor("readyz")
    except Exception:  # any store failure means not ready; the reason is logged, not shown
        logger.exception("store not ready")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response(
        {
            "status": "ready",
            "sources": {name: ingestion.last_success.get(name) is not None for name in ingestion.sources},
        }
    )


async def teams_messages(request: web.Request) -> web.Response:
    return await request.app[TEAMS].process(request)


async def graph_notifications(request: web.Request) -> web.Response:
    """Graph's webhook: echo the validation token, else acknowledge at once (202) and nudge one delta run
    per library whose clientState matched; the run itself happens after the answer."""
    settings = request.app[SETTINGS]
    if settings.graph_client_state is None:
        raise web.HTTPNotFound()
    body = await read_body(request, MAX_NOTIFICATION_BYTES)
    from graph.subscriptions import handle_notification  # msgraph is loaded only where Graph is configured

    outcome = handle_notification(request.query, body, settings.graph_client_state.get_secret_value())
    if outcome.validation_token is not None:
        return web.Response(
            text=outcome.validation_token,
            content_type="text/plain",
            headers={"X-Content-Type-Options": "nosniff"},
        )
    if outcome.malformed:
        raise web.HTTPBadRequest()
    request.app[SUBSCRIPTIONS].notified(outcome.subscription_ids)
    return web.Response(status=202)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body however many pieces it arrives in (a read returns what has arrived so far); 413 past
    `limit`, known from Content-Length before anything is read, else as soon as the body passes it."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    while chunk := await request.content.read(limit + 1 - len(body)):
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)
