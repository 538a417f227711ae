"""RateLimitedSender on a virtual clock: Teams' windows are never exceeded, where the service sees the
requests too; 429 waits its Retry-After; other transient failures back off; it gives up after N attempts."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

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


class VirtualClock:
    """Monotonic virtual time: sleeping moves time forward at once (never backward), so nothing really waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now = max(self.now, self.now + seconds)
        await asyncio.sleep(0)


@dataclass
class ScriptedSender:
    """A ChatSender that notes when each request reaches the 'service' and fails as scripted."""

    clock: VirtualClock
    failures: list[ChatSendError] = field(default_factory=list)
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


def sender_for(inner: ScriptedSender, **options: object) -> RateLimitedSender:
    return RateLimitedSender(inner, clock=inner.clock, sleep=inner.clock.sleep, **options)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


# ---- limits ----------------------------------------------------------------------------------------------------


async def test_one_conversation_gets_exactly_what_teams_allows(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    for _ in range(200):
        await sender.send(conversation(), MESSAGE)
    times = inner.arrivals["19:flg@thread.tacv2"]
    assert_within(times, CONVERSATION_LIMITS)
    assert times[:9] == [0.0] * 7 + [1.0, 2.0]  # as fast as allowed, no slower
    assert times[60] >= 30.0 and times[-1] < 200


async def test_many_conversations_at_once_stay_within_the_app_limit(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    conversations = [conversation(f"19:c{n}@thread.tacv2") for n in range(60)]
    await asyncio.gather(*(sender.send(c, MESSAGE) for c in conversations for _ in range(5)))
    everything = [t for times in inner.arrivals.values() for t in times]
    assert len(everything) == 300
    assert_within(everything, APP_LIMITS)
    for times in inner.arrivals.values():
        assert_within(times, CONVERSATION_LIMITS)
    assert max(everything) < 300 / 25 + 1  # the app limit is the bottleneck, and it is used


async def test_the_windows_hold_where_the_service_sees_the_requests(clock: VirtualClock) -> None:
    """Requests reach the service some time after they start; spacing from the answers keeps the service's
    view within the limits too (spacing from the starts would let 8 arrive within a second)."""
    inner = ScriptedSender(clock, latency=(0.4, 0.4))
    sender = sender_for(inner)
    await asyncio.gather(*(sender.send(conversation(), MESSAGE) for _ in range(40)))
    assert_within(inner.arrivals["19:flg@thread.tacv2"], CONVERSATION_LIMITS)


async def test_a_channels_threads_share_its_limits(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    for n in range(8):
        await sender.send(conversation(f"19:flg@thread.tacv2;messageid={n}"), MESSAGE)
    assert [t for _, t in inner.attempts] == [0.0] * 7 + [1.0]


async def test_updates_and_new_chats_are_limited_too(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock)
    sender = sender_for(inner)
    for _ in range(8):
        await sender.update(conversation(), "1", MESSAGE)
    for n in range(8):
        await sender.open_personal_chat(conversation(), Person(f"29:{n}", "N"))
    assert [t for key, t in inner.attempts if key != "create"] == [0.0] * 7 + [1.0]
    creates = [t for key, t in inner.attempts if key == "create"]
    assert creates[7] - creates[0] >= 1.0


def test_bad_windows_are_refused() -> None:
    for windows in ([], [(0, 1.0)], [(5, 0.0)]):
        with pytest.raises(ValueError):
            SlidingWindows(windows)


# ---- retries ---------------------------------------------------------------------------------------------------


async def test_429_waits_as_long_as_retry_after_says(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429, retry_after=7.0)])
    sent = await sender_for(inner).send(conversation(), MESSAGE)
    assert sent.activity_id == "2"
    [(_, first), (_, second)] = inner.attempts
    assert second - first == pytest.approx(7.0)


async def test_429_without_retry_after_pauses_every_conversation(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429)])
    sender = sender_for(inner, jitter=lambda: 1.0)
    await asyncio.gather(
        sender.send(conversation("19:a"), MESSAGE), sender.send(conversation("19:b"), MESSAGE)
    )
    retried = [t for key, t in inner.attempts if key == "19:a"][1]
    other = [t for key, t in inner.attempts if key == "19:b"][0]
    assert retried == pytest.approx(1.0)  # base_delay with full jitter
    assert other in (0.0, pytest.approx(1.0))  # before the 429, or after the app-wide pause


async def test_429_with_retry_after_pauses_only_its_conversation(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429, retry_after=30.0)])
    sender = sender_for(inner)
    await sender.send(conversation("19:a"), MESSAGE)
    await sender.send(conversation("19:b"), MESSAGE)
    assert inner.attempts[-1] == ("19:b", pytest.approx(30.0)) or clock.now == pytest.approx(30.0)
    start = clock.now
    await sender.send(conversation("19:c"), MESSAGE)
    assert inner.attempts[-1][1] == start  # no pause for others


@pytest.mark.parametrize("status", [412, 502, 503, 504, None])
async def test_transient_failures_back_off_exponentially_with_jitter(
    clock: VirtualClock, status: int | None
) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("x", status=status) for _ in range(3)])
    jitters = iter([1.0, 0.0, 0.5])
    await sender_for(inner, base_delay=2.0, jitter=lambda: next(jitters)).send(conversation(), MESSAGE)
    times = [t for _, t in inner.attempts]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # 2·2⁰·(0.5+0.5·1), 2·2¹·(0.5+0), 2·2²·(0.5+0.25): exponential, each at least half its step
    assert gaps == [pytest.approx(2.0), pytest.approx(2.0), pytest.approx(6.0)]


async def test_backoff_is_capped(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("x", status=503) for _ in range(6)])
    sender = sender_for(inner, max_attempts=7, base_delay=1.0, max_delay=5.0, jitter=lambda: 1.0)
    await sender.send(conversation(), MESSAGE)
    times = [t for _, t in inner.attempts]
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) == pytest.approx(5.0)


async def test_gives_up_after_max_attempts_with_the_last_error(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError(f"n{n}", status=503) for n in range(10)])
    with pytest.raises(ChatSendError) as raised:
        await sender_for(inner, max_attempts=4).send(conversation(), MESSAGE)
    assert len(inner.attempts) == 4 and str(raised.value) == "n3" and raised.value.status == 503


async def test_a_refusal_is_not_retried(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("forbidden", status=403)])
    with pytest.raises(ChatSendError):
        await sender_for(inner).send(conversation(), MESSAGE)
    assert len(inner.attempts) == 1 and clock.now == 0.0


async def test_a_retry_after_beyond_the_cap_is_handed_to_the_caller(clock: VirtualClock) -> None:
    inner = ScriptedSender(clock, failures=[ChatSendError("throttled", status=429, retry_after=900.0)])
    with pytest.raises(ChatSendError) as raised:
        await sender_for(inner, max_retry_after=300.0).send(conversation(), MESSAGE)
    assert len(inner.attempts) == 1 and raised.value.retry_after == 900.0 and clock.now == 0.0


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
