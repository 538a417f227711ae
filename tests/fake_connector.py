"""A fake Bot Connector (the Teams service the bot calls back) on 127.0.0.1, for tests.

Records every call, answers with ids the way the real service does, checks the bearer token, and enforces
Teams' rate limits per conversation and per app with 429 + Retry-After, independently of bot/sending.py (a
bug shared by both would cancel out). Failures can be injected: a 503 storm, a 412, a 429 with any header."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

CONVERSATION_LIMITS: tuple[tuple[int, float], ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
APP_LIMITS: tuple[tuple[int, float], ...] = ((50, 1.0),)


@dataclass(frozen=True)
class Call:
    """One request the fake accepted or refused."""

    method: str
    operation: str  # send | reply | update | create
    conversation_id: str | None
    activity_id: str | None  # the id the fake gave (send, reply), or the one updated
    body: dict[str, Any] | None
    authorization: str | None
    status: int
    reply_to_id: str | None = None


@dataclass
class Failure:
    status: int
    retry_after: str | None = None


@dataclass
class _Windows:
    limits: Sequence[tuple[int, float]]
    stamps: deque[float] = field(default_factory=deque)

    def full_for(self, now: float) -> float | None:
        """Seconds until a slot frees, or None when one is free now."""
        longest = max(seconds for _, seconds in self.limits)
        while self.stamps and self.stamps[0] <= now - longest:
            self.stamps.popleft()
        waits = [
            self.stamps[-count] + seconds - now
            for count, seconds in self.limits
            if len(self.stamps) >= count and self.stamps[-count] > now - seconds
        ]
        return max(waits) if waits else None


class FakeConnector:
    """Use as `async with FakeConnector(token="t") as connector:`; `connector.service_url` goes into activities
    (and into the JWT's serviceurl claim)."""

    def __init__(
        self,
        *,
        token: str | None = None,
        conversation_limits: Sequence[tuple[int, float]] = CONVERSATION_LIMITS,
        app_limits: Sequence[tuple[int, float]] = APP_LIMITS,
        retry_after: str | None = "1",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.retry_after = retry_after  # the header on a rate-limit 429; None sends none
        self.calls: list[Call] = []
        self.problems: list[str] = []
        self.failures: deque[Failure] = deque()
        self._conversation_limits = tuple(conversation_limits)
        self._app = _Windows(tuple(app_limits))
        self._conversations: dict[str, _Windows] = defaultdict(lambda: _Windows(self._conversation_limits))
        self._clock = clock
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.service_url = ""

    async def __aenter__(self) -> FakeConnector:
        app = web.Application()
        base = "/v3/conversations"
        app.router.add_post(base, self._create)
        app.router.add_post(base + "/{conversation}/activities", self._send)
        app.router.add_post(base + "/{conversation}/activities/{activity}", self._reply)
        app.router.add_put(base + "/{conversation}/activities/{activity}", self._update)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.service_url = f"http://127.0.0.1:{port}/"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ---- test controls --------------------------------------------------------------------------------------

    def fail_next(self, status: int, times: int = 1, *, retry_after: str | None = None) -> None:
        """The next `times` requests answer `status` (a 503 storm, a 412 …) before any other check."""
        self.failures.extend(Failure(status, retry_after) for _ in range(times))

    def accepted(self, operation: str | None = None) -> list[Call]:
        return [call for call in self.calls if call.status < 300 and operation in (None, call.operation)]

    # ---- routes ---------------------------------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        return await self._post_activity(request, "send", reply_to=None)

    async def _reply(self, request: web.Request) -> web.Response:
        return await self._post_activity(request, "reply", reply_to=request.match_info["activity"])

    async def _post_activity(
        self, request: web.Request, operation: str, reply_to: str | None
    ) -> web.Response:
        conversation = request.match_info["conversation"]
        body = await self._json(request)
        refused = self._refuse(request, conversation)
        if refused is not None:
            return self._record(request, operation, conversation, None, body, refused, reply_to)
        self._check_activity(body)
        activity_id = str(next(self._ids))
        self._record(request, operation, conversation, activity_id, body, None, reply_to)
        return web.json_response({"id": activity_id}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        conversation, activity_id = request.match_info["conversation"], request.match_info["activity"]
        body = await self._json(request)
        refused = self._refuse(request, conversation)
        if refused is not None:
            return self._record(request, "update", conversation, activity_id, body, refused)
        self._check_activity(body)
        if body.get("id") not in (None, activity_id):
            self.problems.append(f"PUT {activity_id} carries activity id {body.get('id')!r}")
        self._record(request, "update", conversation, activity_id, body, None)
        return web.json_response({"id": activity_id})

    async def _create(self, request: web.Request) -> web.Response:
        body = await self._json(request)
        tenant = body.get("tenantID") or (body.get("channelData") or {}).get("tenant", {}).get("id")
        refused = self._refuse(request, f"create:{tenant}")
        if refused is not None:
            return self._record(request, "create", None, None, body, refused)
        members = body.get("members") or []
        if len(members) != 1 or body.get("isGroup"):
            self.problems.append(f"create conversation expects one member, not a group: {body!r}")
        if not tenant:
            self.problems.append("create conversation without a tenant")
        conversation_id = f"a:personal-{next(self._ids)}"
        self._record(request, "create", conversation_id, None, body, None)
        return web.json_response({"id": conversation_id, "serviceUrl": self.service_url}, status=201)

    # ---- checks ---------------------------------------------------------------------------------------------

    def _refuse(self, request: web.Request, rate_key: str | None) -> web.Response | None:
        """Injected failure, then the bearer token, then the rate limits (sends only per conversation)."""
        if self.failures:
            failure = self.failures.popleft()
            headers = {"Retry-After": failure.retry_after} if failure.retry_after is not None else {}
            return _error(failure.status, "Injected", "injected failure", headers)
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            self.problems.append(f"{request.method} {request.path} without the expected bearer token")
            return _error(401, "Unauthorized", "no or wrong token")
        now = self._clock()
        conversation = self._conversations[rate_key.split(";", 1)[0]] if rate_key is not None else None
        waits = [w for w in (self._app.full_for(now), conversation and conversation.full_for(now)) if w]
        if waits:
            headers = {"Retry-After": self.retry_after} if self.retry_after is not None else {}
            return _error(429, "Throttled", "too many requests", headers)
        self._app.stamps.append(now)
        if conversation is not None:
            conversation.stamps.append(now)
        return None

    def _check_activity(self, body: dict[str, Any]) -> None:
        if body.get("type") != "message":
            self.problems.append(f"activity of type {body.get('type')!r}")
        for attachment in body.get("attachments") or []:
            if attachment.get("contentType") != "application/vnd.microsoft.card.adaptive":
                self.problems.append(f"attachment {attachment.get('contentType')!r}")
            elif not isinstance(attachment.get("content"), dict):
                self.problems.append("adaptive card attachment without a card object")
        text = body.get("text") or ""
        for entity in body.get("entities") or []:
            if entity.get("type") == "mention" and entity.get("text") not in text:
                self.problems.append(f"mention {entity.get('text')!r} not in the text")

    def _record(
        self,
        request: web.Request,
        operation: str,
        conversation: str | None,
        activity_id: str | None,
        body: dict[str, Any] | None,
        refused: web.Response | None,
        reply_to: str | None = None,
    ) -> web.Response:
        status = refused.status if refused is not None else 200
        self.calls.append(
            Call(
                request.method,
                operation,
                conversation,
                activity_id,
                body,
                request.headers.get("Authorization"),
                status,
                reply_to,
            )
        )
        return refused if refused is not None else web.Response(status=204)

    async def _json(self, request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            self.problems.append(f"{request.method} {request.path}: body is not JSON")
            return {}
        if not isinstance(body, dict):
            self.problems.append(f"{request.method} {request.path}: body is not an object")
            return {}
        return body


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)
