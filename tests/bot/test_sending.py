"""RateLimitedSender on a virtual clock: Teams' windows are never exceeded, where the service sees the
requests too; 429 waits its Retry-After; other transient failures back off; it gives up after N attempts."""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections import defaultdict
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, TypeVar

import pytest

from bot.sending import (
    APP_LIMITS,
    CONVERSATION_LIMITS,
    RateLimitedSender,
    SlidingWindows,
    Window,
    parse_retry_after,
)
from minutes.records import ConversationType, ConvRef
from workflows.chat import ChatSendError, OutboundMessage, Person, SentMessage

MESSAGE = OutboundMessage(text="påminnelse")
T = TypeVar("T")


class VirtualClock:
    """Discrete-event virtual time: `run` lets every task go as far as it can, then jumps to the earliest
    sleeper's wake-up. Concurrency is as in real time, but nothing really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake_up: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), wake_up))
        await wake_up

    async def run(self, scenario: Awaitable[T]) -> T:
        task = asyncio.ensure_future(scenario)
        while True:
            for _ in range(50):  # let every ready task run until all of them sleep or wait
                await asyncio.sleep(0)
            if task.done():
                return task.result()
            if not self._sleepers:
                raise AssertionError("deadlock: every task waits and none sleeps")
            wake, _, wake_up = heapq.heappop(self._sleepers)
            self.now = max(self.now, wake)
            wake_up.set_result(None)


@dataclass
class ScriptedSender:
    """A ChatSender that notes when each request reaches the 'service' and fails as scripted."""

    clock: VirtualClock
    failures: list[Exception] = field(default_factory=list)
    latency: tuple[float, float] = (0.0, 0.0)  # (to the service, back), each drawn uniformly up to this
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    attempts: list[tuple[str, float]] = field(default_factory=list)

    async def _call(self, key: str) -> None:
        self.attempts.append((key, self.clock()))
        if self.latency[0]:
            await self.clock.sleep(self.rng.uniform(0, self.latency[0]))
        self.arrivals[key].append(self.clock())
        if self.latency[1]:
            await self.clock.sleep(self.rng.uniform(0, self.latency[1]))
        if self.failures:
            raise self.failures.pop(0)

    async def send(self, conversation: ConvRef, message: OutboundMessage) -> SentMessage:
        await self._call(conversation.conversation_id)
        return SentMessage(conversation.conversation_id, str(len(self.attempts)))

    async def update(self, conversation: ConvRef, activity_id: str, message: OutboundMessage) -> None:
        await self._call(conversation.conversation_id)

    async def open_personal_chat(self, any_reference: ConvRef, user: Person) -> ConvRef:
        await self._call("create")
        return conversation(f"a:{user.teams_id}")


def conversation(conversation_id: str = "19:flg@thread.tacv2") -> ConvRef:
    return ConvRef(
        service_url="https://smba.trafficmanager.net/emea/",
        conversation_id=conversation_id,
        conversation_type=ConversationType.CHANNEL,
        tenant_id="t",
        bot_id="28:b",
    )


def assert_within(stamps: Sequence[float], windows: Sequence[Window]) -> None:
    ordered = sorted(stamps)
    for count, seconds in windows:
        for first, last in zip(ordered, ordered[count:], strict=False):
            assert last - first >= seconds - 1e-9, f"more than {count} in {seconds} s: {first} … {last}"


def sender_for(inner: ScriptedSender, **options: Any) -> RateLimitedSender:
    return RateLimitedSender(inner, clock=inner.clock, sleep=inner.clock.sleep, **options)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


# ---- limits ----------------------------------------------------------------------------------------------------


async def test_one_conversation_gets_exactly_what_teams_allows(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)

    async def scenario() -> None:
        for _ in range(200):
            await sender.send(conversation(), MESSAGE)

    await clock.run(scenario())
    times = inner.arrivals["19:flg@thread.tacv2"]
    assert_within(times, CONVERSATION_LIMITS)
    assert times[:9] == [0.0] * 7 + [1.0, 2.0]  # as fast as allowed, no slower
    assert times[60] >= 30.0 and times[-1] < 100


async def test_many_conversations_at_once_stay_within_the_app_limit(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    conversations = [conversation(f"19:c{n}@thread.tacv2") for n in range(60)]
    await clock.run(asyncio.gather(*(sender.send(c, MESSAGE) for c in conversations for _ in range(5))))
    everything = [t for times in inner.arrivals.values() for t in times]
    assert len(everything) == 300
    assert_within(everything, APP_LIMITS)
    for times in inner.arrivals.values():
        assert_within(times, CONVERSATION_LIMITS)
    assert max(everything) < 300 / 25 + 1  # the app limit is the bottleneck, and it is used


@pytest.mark.parametrize("seed", range(5))
async def test_the_windows_hold_where_the_service_sees_the_requests(clock: VirtualClock, seed: int) -> None:
    """Requests reach the service some time after they start and answer later still: the service never
    sees more than the limits allow (spacing the starts alone lets 8 arrive within a second)."""
    inner = ScriptedSender(clock, latency=(0.4, 0.6), rng=random.Random(seed))
    sender = sender_for(inner)
    others = [conversation(f"19:c{n}") for n in range(12)]
    await clock.run(
        asyncio.gather(
            *(sender.send(conversation(), MESSAGE) for _ in range(40)),
            *(sender.send(c, MESSAGE) for c in others for _ in range(4)),
        )
    )
    assert_within(inner.arrivals["19:flg@thread.tacv2"], CONVERSATION_LIMITS)
    assert_within([t for times in inner.arrivals.values() for t in times], APP_LIMITS)


async def test_a_channels_threads_share_its_limits(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    threads = [conversation(f"19:flg@thread.tacv2;messageid={n}") for n in range(8)]
    await clock.run(asyncio.gather(*(sender.send(thread, MESSAGE) for thread in threads)))
    assert sorted(t for _, t in inner.attempts) == [0.0] * 7 + [1.0]


async def test_updates_and_new_chats_are_limited_too(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    people = [Person(f"29:{n}", "N") for n in range(8)]
    await clock.run(
        asyncio.gather(
            *(sender.update(conversation(), "1", MESSAGE) for _ in range(8)),
            *(sender.open_personal_chat(conversation(), person) for person in people),
        )
    )
    assert sorted(t for key, t in inner.attempts if key != "create") == [0.0] * 7 + [1.0]
    assert sorted(t for key, t in inner.attempts if key == "create") == [0.0] * 7 + [1.0]


def test_bad_windows_are_refused() -> None:
    for windows in ([], [(0, 1.0)], [(5, 0.0)]):
        with pytest.raises(ValueError):
            SlidingWindows(windows)


# ---- retries ---------------------------------------------------------------------------------------------------


async def test_429_waits_as_long_as_retry_after_says(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429, retry_after=7.0)])
    sent = await clock.run(sender_for(inner).send(conversation(), MESSAGE))
    assert sent.activity_id == "2"
    assert [t for _, t in inner.attempts] == [0.0, 7.0]


async def test_429_with_retry_after_pauses_only_its_conversation(clock: VirtualClock) -> None:
    inner = ScriptedSender(
        clock, latency=(0.0, 0.1), failures=[ChatSendError("throttled", status=429, retry_after=30.0)]
    )
    sender = sender_for(inner)

    async def scenario() -> None:
        throttled = asyncio.ensure_future(sender.send(conversation("19:a"), MESSAGE))
        await clock.sleep(1.0)  # after the 429
        await sender.send(conversation("19:a"), MESSAGE)  # waits with its conversation
        await sender.send(conversation("19:b"), MESSAGE)
        await throttled

    await clock.run(scenario())
    a_times = [t for key, t in inner.attempts if key == "19:a"]
    assert a_times[0] == 0.0 and all(t >= 30.0 for t in a_times[1:])  # 30 s from the 429
    [b_time] = [t for key, t in inner.attempts if key == "19:b"]
    assert b_time >= 30.0  # it came after the second send to a, which had to wait


async def test_a_paused_conversation_does_not_hold_up_others(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429, retry_after=30.0)])
    sender = sender_for(inner)

    async def scenario() -> None:
        throttled = asyncio.ensure_future(sender.send(conversation("19:a"), MESSAGE))
        await clock.sleep(1.0)
        await sender.send(conversation("19:b"), MESSAGE)
        await throttled

    await clock.run(scenario())
    assert inner.attempts == [("19:a", 0.0), ("19:b", 1.0), ("19:a", 30.0)]


async def test_429_without_retry_after_pauses_every_conversation(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429)])
    sender = sender_for(inner, base_delay=4.0, jitter=lambda: 1.0)

    async def scenario() -> None:
        throttled = asyncio.ensure_future(sender.send(conversation("19:a"), MESSAGE))
        await clock.sleep(1.0)
        await sender.send(conversation("19:b"), MESSAGE)
        await throttled

    await clock.run(scenario())
    assert sorted(inner.attempts, key=lambda a: (a[1], a[0])) == [("19:a", 0.0), ("19:a", 4.0), ("19:b", 4.0)]


@pytest.mark.parametrize("status", [412, 502, 503, 504, None])
async def test_transient_failures_back_off_exponentially_with_jitter(
    clock: VirtualClock, status: int | None
) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("x", status=status) for _ in range(3)])
    jitters = iter([1.0, 0.0, 0.5])
    await clock.run(
        sender_for(inner, base_delay=2.0, jitter=lambda: next(jitters)).send(conversation(), MESSAGE)
    )
    # 2·2⁰·(0.5+0.5·1), 2·2¹·(0.5+0), 2·2²·(0.5+0.25): exponential, each at least half its step
    assert [t for _, t in inner.attempts] == [0.0, 2.0, 4.0, 10.0]


async def test_backoff_is_capped(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("x", status=503) for _ in range(6)])
    sender = sender_for(inner, max_attempts=7, base_delay=1.0, max_delay=5.0, jitter=lambda: 1.0)
    await clock.run(sender.send(conversation(), MESSAGE))
    assert [t for _, t in inner.attempts] == [0.0, 1.0, 3.0, 7.0, 12.0, 17.0, 22.0]


async def test_gives_up_after_max_attempts_with_the_last_error(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError(f"n{n}", status=503) for n in range(10)])
    with pytest.raises(ChatSendError) as raised:
        await clock.run(sender_for(inner, max_attempts=4).send(conversation(), MESSAGE))
    assert len(inner.attempts) == 4 and str(raised.value) == "n3" and raised.value.status == 503


async def test_a_refusal_is_not_retried(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("forbidden", status=403)])
    with pytest.raises(ChatSendError):
        await clock.run(sender_for(inner).send(conversation(), MESSAGE))
    assert len(inner.attempts) == 1 and clock.now == 0.0


async def test_a_retry_after_beyond_the_cap_is_handed_to_the_caller(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429, retry_after=900.0)])
    with pytest.raises(ChatSendError) as raised:
        await clock.run(sender_for(inner, max_retry_after=300.0).send(conversation(), MESSAGE))
    assert len(inner.attempts) == 1 and raised.value.retry_after == 900.0 and clock.now == 0.0


async def test_a_failed_attempt_frees_its_slot(clock: VirtualClock) -> None:
    """An exception that is no ChatSendError (a bug) still gives the slot back: nothing stays in flight."""
    inner = ScriptedSender(clock, failures=[RuntimeError("bug")])
    sender = sender_for(inner, conversation_limits=[(1, 1.0)])
    with pytest.raises(RuntimeError):
        await clock.run(sender.send(conversation(), MESSAGE))
    await clock.run(sender.send(conversation(), MESSAGE))
    assert [t for _, t in inner.attempts] == [0.0, 1.0]


# ---- Retry-After --------------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("5", 5.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-3", 0.0),
        (format_datetime(NOW + timedelta(seconds=42), usegmt=True), 42.0),
        (format_datetime(NOW - timedelta(seconds=42), usegmt=True), 0.0),
        ("Mon, 02 Mar 2026 09:01:00", 60.0),  # no zone: GMT
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds
