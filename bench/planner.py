"""Benchmark the Planner sync: the first sync of 1,000 items into a plan, and a quiet poll of the plan's 1,000 tasks,
through the real sync, store (SQLite), adapter and msgraph-sdk against the fake Graph enforcing 10 requests per
second per plan. Target (issue 14): the first sync within 10% of the minimum at that limit (one create per item
plus one details write, at 10 per second), a quiet poll at most one request per 100 tasks beyond listing them.
Does I/O (loopback only)."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import math
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import common
from common import ROOT

sys.path.insert(0, str(ROOT))  # the fake Graph lives in tests/

from graph.client import close_graph_client, make_graph_client  # noqa: E402
from graph.planner import GraphPlanner  # noqa: E402
from minutes.model import ItemKind  # noqa: E402
from minutes.planner import PlannerRule  # noqa: E402
from minutes.reconcile import Reconciliation  # noqa: E402
from minutes.records import DocumentRecord, ItemRecord, RosterEntry  # noqa: E402
from store import SqlStore, open_store  # noqa: E402
from tests.fake_graph import FakeGraph, GraphSchemas, GraphState  # noqa: E402
from tests.graph_fixtures import FakeCredential  # noqa: E402
from workflows.planner_sync import PlannerSync, SyncReport  # noqa: E402

SECTION = "## Planner sync"
GROUP = "FLG"
M365_GROUP = "0a0a0a0a-0000-4000-8000-000000000001"
RATE = 10  # requests per second per plan, as the fake enforces it
TARGET_FIRST = 1.10  # of the minimum time
TARGET_QUIET = 0.01  # requests beyond the listing, per task
OWNERS = ("AA", "BB", "CC", "ALLA")
ROSTER = [
    RosterEntry(GROUP, "AA", "Anna Andersson", (), "a1111111-1111-4111-8111-111111111111"),
    RosterEntry(GROUP, "BB", "Bo Berg", (), "b2222222-2222-4222-8222-222222222222"),
    RosterEntry(GROUP, "CC", "Carl Ceder", ("sekreterare",), "c3333333-3333-4333-8333-333333333333"),
]


@dataclass(frozen=True)
class Outcome:
    label: str
    items: int
    seconds: float
    requests: int
    throttled: int
    minimum_requests: int
    report: SyncReport

    @property
    def minimum_seconds(self) -> float:
        return self.minimum_requests / RATE


async def seed(store: SqlStore, count: int) -> None:
    meetings = [date(2024, 1, 8) + timedelta(days=14 * n) for n in range(20)]
    per_meeting = math.ceil(count / len(meetings))
    left = count
    for meeting in meetings:
        key = f"local:/bench|flg-{meeting.isoformat()}.docx"
        document = DocumentRecord(key, f"flg-{meeting}.docx", "v1", hashlib.sha256(key.encode()).hexdigest(),
                                  None, GROUP, meeting, "ok")  # fmt: skip
        records = []
        for index in range(min(per_meeting, left)):
            due = meeting + timedelta(days=14 + index % 60)
            records.append(ItemRecord(
                key=hashlib.sha256(f"{key}{index}".encode()).hexdigest()[:20], document_key=key,
                kind=ItemKind.ACTION if index % 5 else ItemKind.FOLLOW_UP, topic=f"Ämne {index % 12}",
                text=f"Punkt {index} från mötet {meeting}: ta fram ett underlag och återkom.",
                owners=(OWNERS[index % len(OWNERS)],), actors=(), due=due, due_raw=due.isoformat(),
                due_relative=None, source=f"t1.r{index}.c3.0", group=GROUP, meeting_date=meeting, document_due=due,
            ))  # fmt: skip
        left -= len(records)
        at = datetime.combine(meeting, datetime.min.time(), UTC) + timedelta(days=1)
        await store.save_ingest(document, Reconciliation(added=tuple(records)), at=at, origin="ingest:bench")
    await store.save_roster(GROUP, ROSTER)


async def measure(count: int, *, inline_details: bool, folder: Path) -> tuple[Outcome, Outcome]:
    state = GraphState()
    state.planner.rate_per_plan = RATE
    state.planner.inline_details = inline_details
    plan = state.planner.add_plan(M365_GROUP, GROUP)
    store = await open_store(f"sqlite+aiosqlite:///{folder / f'planner-{inline_details}.db'}")
    try:
        await seed(store, count)
        async with FakeGraph(state, GraphSchemas()) as fake:
            graph = make_graph_client(FakeCredential(), base_url=fake.base_url, retry_delay=0)
            try:
                adapter = GraphPlanner(graph, requests_per_second=RATE)
                sync = PlannerSync(
                    store, adapter, {GROUP: PlannerRule(plan_id=plan.id)}, lambda: datetime.now(UTC),
                    request_budget=100_000,
                )  # fmt: skip
                await sync.apply_group_files(datetime.now(UTC))
                label = "details in the create" if inline_details else "details written separately"
                first = await _timed(label + ": first sync", sync, state, plan.id, count, minimum=2 * count)
                if first.report.pending:
                    raise SystemExit(f"first sync left {first.report.pending} items pending")
                await asyncio.sleep(1.1)  # a fresh rate window, as a poll minutes later has
                quiet = await _timed(label + ": quiet poll", sync, state, plan.id, count,
                                     minimum=math.ceil(count / state.planner.page_size))  # fmt: skip
            finally:
                await close_graph_client(graph)
            if fake.problems:
                raise SystemExit(f"the fake Graph saw problems: {fake.problems[:3]}")
    finally:
        await store.close()
    return first, quiet


async def _timed(
    label: str, sync: PlannerSync, state: GraphState, plan_id: str, count: int, *, minimum: int
) -> Outcome:
    before = len(state.planner.requests)
    throttled_before = state.planner.throttled[plan_id]
    started = time.perf_counter()
    report = await sync.sync_group(GROUP, datetime.now(UTC))
    seconds = time.perf_counter() - started
    requests = Counter(r.plan_id for r in state.planner.requests[before:])[plan_id]
    throttled = state.planner.throttled[plan_id] - throttled_before
    return Outcome(label, count, seconds, requests, throttled, minimum, report)


def section(outcomes: list[Outcome], before: str, after: str) -> str:
    rows = []
    for o in outcomes:
        if "quiet" in o.label:
            beyond = o.requests - o.minimum_requests
            verdict = f"{beyond} beyond the {o.minimum_requests} list pages ({beyond / o.items:.3f} per task; target ≤ {TARGET_QUIET})"
        else:
            ratio = o.seconds / o.minimum_seconds
            verdict = (
                f"{ratio:.2f} of the minimum ({o.minimum_requests} requests at {RATE}/s = {o.minimum_seconds:.0f} s;"
                f" target ≤ {TARGET_FIRST:.2f})"
            )
        rows.append(
            f"| {o.label} | {o.items} | {o.seconds:.1f} s | {o.requests} | {o.throttled} | {o.report.created} | {verdict} |"
        )
    return "\n".join(
        [
            SECTION,
            "",
            "`bench/planner.py`: the Planner sync of one group's 1,000 open items (SQLite store, the real sync, adapter",
            "and msgraph-sdk) against the fake Graph enforcing 10 requests per second per plan, every request counted",
            "(429s too). The minimum the issue counts for a first sync is one create per item plus one details write at",
            "that limit; a quiet poll is the plan's task list (pages of 100) and nothing else when nothing changed. The",
            "adapter paces itself at the limit; 'details written separately' is the fallback for a Planner that ignores",
            "the details sent with the create (one GET for their ETag and one PATCH per item).",
            "",
            f"Date: {datetime.now(UTC).isoformat(timespec='seconds')}; revision {common.revision()}.",
            f"Machine: {common.machine(('msgraph-sdk', 'httpx', 'aiohttp'))}; load average {before} before, {after} after.",
            "",
            "| run | items | time | requests | 429s | created | against the target |",
            "|---|---:|---:|---:|---:|---:|---|",
            *rows,
            "",
        ]
    )


async def run(arguments: argparse.Namespace) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory() as tmp:
        for inline in (True, False) if arguments.both else (True,):
            first, quiet = await measure(arguments.items, inline_details=inline, folder=Path(tmp))
            outcomes += [first, quiet]
            common.say(f"{first.label}: {first.seconds:.1f} s, {first.requests} requests; "
                       f"{quiet.label}: {quiet.requests} requests")  # fmt: skip
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument(
        "--both", action="store_true", help="also the fallback that writes the details separately"
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    arguments = parser.parse_args()
    before = common.load()
    outcomes = asyncio.run(run(arguments))
    text = section(outcomes, before, common.load())
    print(text)
    if not arguments.no_write:
        common.write_section(SECTION, text)


if __name__ == "__main__":
    main()
