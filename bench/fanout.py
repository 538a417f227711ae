"""Benchmark the outbox fan-out through the real sender stack against the fake Bot Connector. Does I/O."""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import common
from common import ROOT

sys.path.insert(0, str(ROOT))  # the fake connector and the worker live in tests/

from bot.sending import APP_LIMITS, CONVERSATION_LIMITS, Window  # noqa: E402
from minutes.records import ConversationType, ConvRef  # noqa: E402
from store import OutboxStatus, open_store  # noqa: E402
from tests.fake_connector import FakeConnector  # noqa: E402
from tests.workflows.delivery_worker import APP_ID, TENANT  # noqa: E402
from workflows.deliver import NOTICE  # noqa: E402

SECTION = "## Fan-out"
TOKEN = "bench-connector-token"
MESSAGES = 2000
CONVERSATIONS = 300
TARGET = 1.10  # time to finish within 10% of the minimum the limits allow
POLL_SECONDS = 0.002


@dataclass(frozen=True)
class Case:
    label: str
    app_per_second: int
    fast_msrest: bool


@dataclass(frozen=True)
class Outcome:
    case: Case
    seconds: float  # first accepted send to the last
    minimum: float
    throttled: int
    lost: int
    duplicated: int
    sent_in_outbox: int
    worker_seconds: float


def earliest_starts(count: int, windows: Sequence[Window]) -> list[float]:
    """The earliest start of each of `count` sends under sliding windows (at most n in any s seconds), with
    answers taking no time: each send as soon as the send n places before it is s seconds old."""
    starts: list[float] = []
    for index in range(count):
        start = starts[-1] if starts else 0.0
        for most, seconds in windows:
            if index >= most:
                start = max(start, starts[index - most] + seconds)
        starts.append(start)
    return starts


def minimum_seconds(per_conversation: Counter[str], app_limits: Sequence[Window]) -> float:
    """When the last send can start at the earliest: neither the app's windows over all sends nor any
    conversation's windows over its own can be beaten (and with many conversations both bounds are met at
    once by interleaving them, so the larger one is the minimum)."""
    app = earliest_starts(sum(per_conversation.values()), app_limits)[-1]
    conversation = max(earliest_starts(count, CONVERSATION_LIMITS)[-1] for count in per_conversation.values())
    return max(app, conversation)


async def seed(database_url: str, service_url: str, *, seed_value: int) -> tuple[list[str], Counter[str]]:
    """300 personal chats and 2,000 notices, spread evenly over them in a shuffled order."""
    store = await open_store(database_url)
    try:
        conversation_ids = [f"a:personal-{n:03d}" for n in range(CONVERSATIONS)]
        for conversation_id in conversation_ids:
            reference = ConvRef(
                service_url=service_url,
                conversation_id=conversation_id,
                conversation_type=ConversationType.PERSONAL,
                tenant_id=TENANT,
                bot_id=f"28:{APP_ID}",
            )
            await store.save_conversation(reference, at=datetime.now(UTC))
        targets = [conversation_ids[n % CONVERSATIONS] for n in range(MESSAGES)]
        random.Random(seed_value).shuffle(targets)
        texts = [f"Påminnelse {n}: punkt {n} förfaller på fredag" for n in range(MESSAGES)]
        for text, conversation_id in zip(texts, targets, strict=True):
            payload = {"conversation_id": conversation_id, "text": text}
            await store.enqueue(NOTICE, payload, conversation_key=conversation_id, at=datetime.now(UTC))
    finally:
        await store.close()
    return texts, Counter(targets)


async def run_case(case: Case, *, deliverers: int, batch: int) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="minutesbot-fanout-") as folder:
        database_url = f"sqlite+aiosqlite:///{folder}/fanout.db"
        async with FakeConnector(token=TOKEN) as connector:
            texts, per_conversation = await seed(database_url, connector.service_url, seed_value=7)
            command = [
                sys.executable,
                "-m",
                "tests.workflows.delivery_worker",
                "--database",
                database_url,
                "--token",
                TOKEN,
                "--worker",
                "bench",
                "--deliverers",
                str(deliverers),
                "--batch",
                str(batch),
                "--app-per-second",
                str(case.app_per_second),
                "--max-seconds",
                "600",
                *(["--fast-msrest-retry-policy"] if case.fast_msrest else []),
            ]
            started = time.monotonic()
            worker = await asyncio.create_subprocess_exec(
                *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
            )
            first: float | None = None
            last: float | None = None
            scanned = 0  # calls looked at so far: each poll reads only the new ones, to cost next to nothing
            while worker.returncode is None and time.monotonic() - started < 700:
                calls = connector.calls[scanned:]
                scanned += len(calls)
                if any(call.operation == "send" and call.status < 300 for call in calls):
                    last = time.monotonic()
                    first = first or last
                await asyncio.sleep(POLL_SECONDS)
            _, errors = await worker.communicate()
            if worker.returncode != 0:
                raise SystemExit(f"worker failed ({worker.returncode}): {errors.decode()[-2000:]}")
            worker_seconds = time.monotonic() - started
            received = Counter(str((call.body or {}).get("text")) for call in connector.accepted("send"))
            throttled = sum(1 for call in connector.calls if call.status == 429)
            problems = list(connector.problems)
        store = await open_store(database_url)
        try:
            sent_in_outbox = len(await store.outbox_messages(OutboxStatus.SENT))
        finally:
            await store.close()
    if problems:
        raise SystemExit(f"the fake connector saw problems: {problems[:5]}")
    app_limits: tuple[Window, ...] = ((case.app_per_second, 1.0),)
    return Outcome(
        case=case,
        seconds=(last or 0.0) - (first or 0.0),
        minimum=minimum_seconds(per_conversation, app_limits),
        throttled=throttled,
        lost=len(set(texts) - set(received)),
        duplicated=sum(count - 1 for count in received.values() if count > 1),
        sent_in_outbox=sent_in_outbox,
        worker_seconds=worker_seconds,
    )


def section(
    outcomes: list[Outcome], *, deliverers: int, batch: int, before: str, after: str, command: str
) -> str:
    rows = [
        "| sender | app limit | seconds, first → last send | minimum | ratio | target | met? | 429s | lost | "
        "duplicated | sent (outbox) |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for outcome in outcomes:
        ratio = outcome.seconds / outcome.minimum
        met = ratio <= TARGET and outcome.lost == 0 and outcome.duplicated == 0
        rows.append(
            f"| {outcome.case.label} | {outcome.case.app_per_second}/s | {outcome.seconds:.1f} | "
            f"{outcome.minimum:.1f} | {ratio:.3f} | ≤ {TARGET:.2f} | {'yes' if met else '**no**'} | "
            f"{outcome.throttled} | {outcome.lost} | {outcome.duplicated} | {outcome.sent_in_outbox} |"
        )
    return "\n".join(
        [
            SECTION,
            "",
            f"Date: {datetime.now(UTC).isoformat(timespec='seconds')}; revision {common.revision()}.",
            f"Machine: {common.machine(('botbuilder-core', 'msrest', 'aiohttp'))}; load average {before} before the run, {after} after.",
            f"Load: {MESSAGES} notices (`notice` outbox messages) to {CONVERSATIONS} personal chats, spread evenly "
            "(6 or 7 each) in a shuffled order, in a fresh SQLite outbox.",
            "",
            *rows,
            "",
            f"Command: `{command}`",
            "",
            f"Path: one worker process (`tests/workflows/delivery_worker.py`) with {deliverers} `Deliverer`s "
            f"claiming {batch} messages at a time from the outbox, sharing one `RateLimitedSender` (per "
            "conversation 7/1 s, 8/2 s, 60/30 s, 1800/h; the app limit in the table) over the real `TeamsGateway` "
            "(botbuilder, `connector_token`), posting to `tests/fake_connector.py` on 127.0.0.1, which enforces "
            "Teams' limits itself (per conversation as above, 50/s per app) with 429 + Retry-After. Seconds = "
            "from the first send the connector accepted to the last (polled every 2 ms; process start and "
            "seeding excluded). Minimum = when the last send could start at the earliest under the sender's "
            "limits with answers taking no time (`earliest_starts`: the app limit binds, per-conversation "
            "limits do not at 6-7 messages each). Lost = notices the connector never accepted; duplicated = "
            "extra accepted copies; sent (outbox) = rows marked sent.",
            "",
            "`+ msrest fix` = the same stack with `msrest.universal_http.requests.ClientRetryPolicy.safe_codes` "
            "made a frozenset (`--fast-msrest-retry-policy`): botbuilder builds two msrest configurations per "
            "proactive send, each testing 999 status codes against a 502-item list (~10 ms of CPU apiece). That "
            "CPU is spent inside the send, while the limiter holds its slot (a window slot frees one second "
            "after the answer), so every window cycle lasts 1 s plus the slowest answer; the fix takes it out.",
            "",
        ]
    )


async def run(arguments: argparse.Namespace) -> list[Outcome]:
    cases = [
        Case("TeamsGateway as is", arguments.app_per_second, fast_msrest=False),
        Case("TeamsGateway + msrest fix", arguments.app_per_second, fast_msrest=True),
    ]
    if arguments.edge:  # 50/s: the fake connector's own app limit (Teams' documented one), no margin left
        cases.append(Case("TeamsGateway as is", 50, fast_msrest=False))
        cases.append(Case("TeamsGateway + msrest fix", 50, fast_msrest=True))
    outcomes = []
    for case in cases:
        outcome = await run_case(case, deliverers=arguments.deliverers, batch=arguments.batch)
        print(
            f"{case.label} @ {case.app_per_second}/s: {outcome.seconds:.1f} s (minimum {outcome.minimum:.1f} s), "
            f"{outcome.throttled} × 429, {outcome.lost} lost, {outcome.duplicated} duplicated",
            flush=True,
        )
        outcomes.append(outcome)
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app-per-second", type=int, default=APP_LIMITS[0][0], help="the sender's app limit")
    parser.add_argument("--deliverers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument(
        "--edge", action="store_true", help="also run at 50/s, the fake connector's own limit"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    arguments = parser.parse_args()
    before = common.load()
    outcomes = asyncio.run(run(arguments))
    text = section(
        outcomes,
        deliverers=arguments.deliverers,
        batch=arguments.batch,
        before=before,
        after=common.load(),
        command="cd /work/main && .venv/bin/python bench/fanout.py" + (" --edge" if arguments.edge else ""),
    )
    print(text)
    if not arguments.no_write:
        common.write_section(SECTION, text)


if __name__ == "__main__":
    main()
