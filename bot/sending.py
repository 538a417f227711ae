"""Teams' rate limits and retries around any ChatSender. No I/O of its own: the clock, sleep and jitter are
injected, so the same code runs against the gateway, a fake, or a test's virtual clock.

Limits (Microsoft Learn, "Rate limiting for agents"): per bot and conversation 7 sends per second, 8 per 2 s,
60 per 30 s and 1800 per hour; per app 50 requests per second, of which we budget half. Each limit is a
sliding window that makes the caller WAIT for a free slot; it never fails a send. Failed sends are retried:
429 after its Retry-After (seconds or an HTTP date), 412/502/503/504 and lost connections after a jittered
exponential backoff. After `max_attempts`, or when the service asks to wait longer than `max_retry_after`,
the last ChatSendError is raised so that the caller (the outbox) can park the message and try later."""

from __future__ import annotations

import asyncio
import bisect
import logging
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

from minutes.logsafe import safe_log_field
from minutes.records import ConvRef
from workflows.chat import ChatSender, ChatSendError, OutboundMessage, Person, SentMessage

__all__ = [
    "APP_LIMITS",
    "CONVERSATION_LIMITS",
    "RETRYABLE_STATUSES",
    "RateLimitedSender",
    "SlidingWindows",
    "Window",
    "conversation_key",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

Window = tuple[int, float]  # at most `count` operations in any `seconds` long interval
CONVERSATION_LIMITS: tuple[Window, ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
APP_LIMITS: tuple[Window, ...] = ((25, 1.0),)  # Teams allows 50 per app and tenant; keep a margin
# None: no HTTP answer at all (connection refused or reset, timeout).
RETRYABLE_STATUSES: frozenset[int | None] = frozenset({412, 429, 502, 503, 504, None})
MIN_SLEEP = 0.001  # a float clock never lands exactly on a window's edge; never spin on a zero wait
SWEEP_EVERY = 1000  # acquisitions between sweeps of idle conversations' windows


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if seconds != seconds or seconds == float("inf"):  # NaN or infinity: not a usable answer
        return None
    return max(0.0, seconds)


class SlidingWindows:
    """Several sliding windows (count, seconds) over the operations of one conversation, or of the app.

    The service sees a request at some moment between its start and its answer, and only the answer's time
    is known. So an operation holds its slot from its start, and counts in each window until `seconds` after
    its answer: a new operation starts only when, for every window, those in flight plus those answered in
    (now - seconds, now] are fewer than `count`. Then the service never sees more than `count` requests in
    any interval of `seconds`, whatever the network delay (spacing the starts alone does not ensure that)."""

    def __init__(self, windows: Sequence[Window]) -> None:
        if not windows or any(count < 1 or seconds <= 0 for count, seconds in windows):
            raise ValueError(f"invalid windows: {windows!r}")
        self._windows = tuple(windows)
        self._span = max(seconds for _, seconds in windows)
        self._most = max(count for count, _ in windows)
        self._answered: list[float] = []  # sorted
        self.in_flight = 0

    def full(self) -> bool:
        """Whether only an answer to an operation in flight can free a slot."""
        return any(self.in_flight >= count for count, _ in self._windows)

    def wait(self, now: float) -> float:
        """Seconds until one more operation may start, given the answers so far (0: now), when not `full`."""
        self._forget(now)
        answered, longest = self._answered, 0.0
        for count, seconds in self._windows:
            room = count - self.in_flight
            if 0 < room <= len(answered):
                longest = max(longest, answered[len(answered) - room] + seconds - now)
        return longest

    def start(self) -> None:
        self.in_flight += 1

    def finish(self, answered_at: float) -> None:
        self.in_flight -= 1
        bisect.insort(self._answered, answered_at)
        if len(self._answered) > self._most:  # only the `count` latest matter to any window
            del self._answered[: len(self._answered) - self._most]

    def idle(self, now: float) -> bool:
        self._forget(now)
        return not self._answered and not self.in_flight

    def _forget(self, now: float) -> None:
        del self._answered[: bisect.bisect_right(self._answered, now - self._span)]


class RateLimitedSender:
    """A ChatSender that keeps every conversation and the whole app within Teams' limits and retries
    transient failures. Satisfies workflows.chat.ChatSender; wraps any other ChatSender (the Teams gateway)."""

    def __init__(
        self,
        inner: ChatSender,
        *,
        conversation_limits: Sequence[Window] = CONVERSATION_LIMITS,
        app_limits: Sequence[Window] = APP_LIMITS,
        max_attempts: int = 5,
        base_delay: float = 1.0,
        max_delay: float = 60.0,
        max_retry_after: float = 300.0,
        retryable: Iterable[int | None] = RETRYABLE_STATUSES,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._inner = inner
        self._conversation_limits = tuple(conversation_limits)
        self._app = SlidingWindows(app_limits)
        self._conversations: dict[str, SlidingWindows] = {}
        self._paused_until: dict[str, float] = {}
        self._app_paused_until = 0.0
        self._max_attempts = max_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._max_retry_after = max_retry_after
        self._retryable = frozenset(retryable)
        self._clock = clock
        self._sleep = sleep
        self._jitter = jitter
        self._acquired = 0
        self._answered = asyncio.Event()  # replaced after each answer: set once, wakes that moment's waiters
        SlidingWindows(self._conversation_limits)  # refuse bad limits now rather than at the first send

    async def send(self, conversation: ConvRef, message: OutboundMessage) -> SentMessage:
        return await self._with_retries(
            conversation_key(conversation), lambda: self._inner.send(conversation, message)
        )

    async def update(self, conversation: ConvRef, activity_id: str, message: OutboundMessage) -> None:
        await self._with_retries(
            conversation_key(conversation), lambda: self._inner.update(conversation, activity_id, message)
        )

    async def open_personal_chat(self, any_reference: ConvRef, user: Person) -> ConvRef:
        # Teams counts "create conversation" with the per-conversation sends; one shared series per tenant
        # is the conservative reading (about 2 new chats a second at most, plenty for a management group).
        return await self._with_retries(
            f"create:{any_reference.tenant_id}", lambda: self._inner.open_personal_chat(any_reference, user)
        )

    async def _with_retries(self, key: str, operation: Callable[[], Awaitable[T]]) -> T:
        attempt = 0
        while True:
            attempt += 1
            windows = await self._acquire(key)
            try:
                return await operation()
            except ChatSendError as error:
                failure = error
            finally:
                self._finish(windows)
            if failure.status not in self._retryable or attempt >= self._max_attempts:
                raise failure
            delay = self._retry_delay(failure, attempt)
            if delay is None:
                raise failure  # the service asks for a longer pause than a worker should hold a message
            self._pause(key, delay, everyone=failure.status == 429 and failure.retry_after is None)
            logger.info(
                "send to %s failed (HTTP %s), attempt %d of %d; again in %.1f s",
                safe_log_field(key),
                failure.status,
                attempt,
                self._max_attempts,
                delay,
            )

    def _retry_delay(self, error: ChatSendError, attempt: int) -> float | None:
        if error.status == 429 and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self._max_retry_after else None
        backoff = min(self._max_delay, self._base_delay * 2.0 ** (attempt - 1))
        return backoff * (0.5 + 0.5 * self._jitter())  # "equal jitter": spread out, never near zero

    def _pause(self, key: str, delay: float, *, everyone: bool) -> None:
        until = self._clock() + delay
        self._paused_until[key] = max(self._paused_until.get(key, 0.0), until)
        if everyone:  # a 429 without Retry-After: the whole app is over its budget, not one conversation
            self._app_paused_until = max(self._app_paused_until, until)

    async def _acquire(self, key: str) -> SlidingWindows:
        """Wait until this conversation and the app both have a free slot, then take both at once (no await
        between the check and the taking, so concurrent senders cannot overbook a window)."""
        while True:
            now = self._clock()
            windows = self._conversations.get(key)
            if windows is None:
                windows = self._conversations[key] = SlidingWindows(self._conversation_limits)
            if windows.full() or self._app.full():
                answered = self._answered
                await answered.wait()
                continue
            wait = max(
                windows.wait(now),
                self._app.wait(now),
                self._paused_until.get(key, 0.0) - now,
                self._app_paused_until - now,
            )
            if wait <= 0:
                windows.start()
                self._app.start()
                self._paused_until.pop(key, None)
                self._sweep(now)
                return windows
            await self._sleep(max(wait, MIN_SLEEP))

    def _finish(self, windows: SlidingWindows) -> None:
        answered_at = self._clock()
        windows.finish(answered_at)
        self._app.finish(answered_at)
        answered, self._answered = self._answered, asyncio.Event()
        answered.set()  # wake those waiting for a slot held in flight

    def _sweep(self, now: float) -> None:
        self._acquired += 1
        if self._acquired % SWEEP_EVERY:
            return
        for key in [key for key, windows in self._conversations.items() if windows.idle(now)]:
            del self._conversations[key]


def conversation_key(conversation: ConvRef) -> str:
    """A channel thread ('19:…@thread.tacv2;messageid=…') shares its channel's limits."""
    return conversation.conversation_id.split(";", 1)[0]
