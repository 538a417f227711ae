"""The follow-through report of one group with 10,000 items over 5 years, from the store's query to a written HTML
file with its charts, timed in one warm process (imports done, one run before the timed ones); target under 2 s.

    .venv/bin/python bench/report.py [--items 10000] [--runs 5] [--no-write]

Seeds a fresh SQLite store (`tmp`) through the real store: a meeting every other Monday for five years, each
minutes' items saved with save_ingest; then, in bulk SQL as the store writes them, 65 % checked off (some late),
15 % moved by a user (an 'item.moved' entry each) and 5 % archived. Writes its section of bench/RESULTS.md."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import common
from sqlalchemy import insert, update

from minutes.follow_through import Period
from minutes.model import ItemKind
from minutes.reconcile import Reconciliation
from minutes.records import DocumentRecord, ItemRecord, ItemStatus
from reports.writers import ReportFormat, write_report
from store import SqlStore, open_store
from store.rows import audit_values
from store.tables import audit_log, items
from workflows.report import group_report

SECTION = "## Follow-through report"
TARGET_SECONDS = 2.0
GROUP = "FLG"
FIRST_MEETING = date(2020, 1, 6)
YEARS = 5
OWNERS = ("AA", "BB", "CC", "DD", "EE", "FF", "ekonomichef", "ALLA")
KINDS = (ItemKind.ACTION,) * 7 + (ItemKind.FOLLOW_UP,) * 2 + (ItemKind.DECISION,)


def _meetings() -> list[date]:
    end = FIRST_MEETING.replace(year=FIRST_MEETING.year + YEARS)
    return [FIRST_MEETING + timedelta(days=14 * n) for n in range((end - FIRST_MEETING).days // 14)]


async def seed(store: SqlStore, count: int, rng: random.Random) -> dict[str, int]:
    meetings = _meetings()
    per_meeting = -(-count // len(meetings))
    made: list[ItemRecord] = []
    left = count
    for meeting in meetings:
        key = f"local:/bench|flg-{meeting.isoformat()}.docx"
        document = DocumentRecord(key, f"flg-{meeting}.docx", "v1", hashlib.sha256(key.encode()).hexdigest(),
                                  None, GROUP, meeting, "ok")  # fmt: skip
        records = []
        for index in range(min(per_meeting, left)):
            kind = rng.choice(KINDS)
            due = (
                meeting + timedelta(days=rng.choice((14, 28, 42, 90)))
                if kind is not ItemKind.DECISION
                else None
            )
            owners = (rng.choice(OWNERS),) if kind is not ItemKind.DECISION else ()
            records.append(ItemRecord(
                key=hashlib.sha256(f"{key}{index}".encode()).hexdigest()[:20], document_key=key, kind=kind,
                topic=f"Ämne {index}", text=f"Punkt {index} från mötet {meeting}.", owners=owners, actors=(),
                due=due, due_raw=due.isoformat() if due else None, due_relative=None, source=f"t1.r{index}.c3.0",
                group=GROUP, meeting_date=meeting, document_due=due,
            ))  # fmt: skip
        left -= len(records)
        at = datetime.combine(meeting, datetime.min.time(), UTC) + timedelta(days=1)
        made += await store.save_ingest(
            document, Reconciliation(added=tuple(records)), at=at, origin="ingest:bench"
        )
    counts = {"done": 0, "moved": 0, "archived": 0}
    async with store.database.write() as connection:
        audit = []
        for item in made:
            if item.kind is ItemKind.DECISION or item.meeting_date is None:
                continue
            roll = rng.random()
            if roll < 0.15 and item.due is not None:
                moved = item.due + timedelta(days=rng.choice((7, 14, 30)))
                at = datetime.combine(item.due, datetime.min.time(), UTC)
                await connection.execute(
                    update(items).where(items.c.id == item.id).values(due=moved, due_raw=moved.isoformat())
                )
                audit.append(audit_values(at=at, actor="bench", action="item.moved", subject=item.key, origin="bench",
                                          detail=f"{item.due.isoformat()}→{moved.isoformat()}"))  # fmt: skip
                counts["moved"] += 1
            if roll < 0.80:
                done_at = datetime.combine(item.meeting_date, datetime.min.time(), UTC) + timedelta(
                    days=rng.randint(3, 70)
                )
                await connection.execute(update(items).where(items.c.id == item.id).values(
                    status=ItemStatus.DONE.value, changed_by="bench", changed_at=done_at))  # fmt: skip
                audit.append(
                    audit_values(
                        at=done_at, actor="bench", action="item.done", subject=item.key, origin="bench"
                    )
                )
                counts["done"] += 1
            elif roll < 0.85:
                await connection.execute(
                    update(items).where(items.c.id == item.id).values(status=ItemStatus.ARCHIVED.value)
                )
                counts["archived"] += 1
        await connection.execute(insert(audit_log), audit)
    counts["items"] = len(made)
    return counts


async def measure(items: int, runs: int, folder: Path) -> tuple[dict[str, int], list[dict[str, float]], int]:
    store = await open_store(f"sqlite+aiosqlite:///{folder / 'report.db'}")
    try:
        began = time.perf_counter()
        counts = await seed(store, items, random.Random(15))
        common.say(f"seeded {counts} in {time.perf_counter() - began:.1f} s")
        meetings = _meetings()
        period = Period(meetings[0], meetings[-1])
        today = meetings[-1] + timedelta(days=30)
        timings: list[dict[str, float]] = []
        size = 0
        for run in range(
            runs + 1
        ):  # the first run warms up (matplotlib's fonts, SQLAlchemy's compiled queries)
            start = time.perf_counter()
            report = await group_report(store, GROUP, period, today=today)
            read = time.perf_counter()
            path = write_report(report, folder / "rapport.html", ReportFormat.HTML)
            written = time.perf_counter()
            size = path.stat().st_size
            if run:
                timings.append({"query": read - start, "html": written - read, "total": written - start})
            common.say(f"run {run}: {written - start:.3f} s ({len(report.facts)} items)")
        counts["in_report"] = len(report.facts)
        return counts, timings, size
    finally:
        await store.close()


def section(
    counts: dict[str, int], timings: list[dict[str, float]], size: int, before: str, after: str
) -> str:
    def stat(name: str) -> str:
        values = [t[name] for t in timings]
        return f"{statistics.median(values):.3f} | {max(values):.3f}"

    total = statistics.median(t["total"] for t in timings)
    met = max(t["total"] for t in timings) < TARGET_SECONDS
    return "\n".join([
        SECTION,
        "",
        f"Date: {datetime.now(UTC).isoformat(timespec='seconds')}; revision {common.revision(('minutes', 'workflows', 'store', 'reports'))}.",
        f"Machine: {common.machine(('sqlalchemy', 'aiosqlite', 'matplotlib', 'numpy'))}; load average {before} before the run, {after} after.",
        f"Load: one group ({GROUP}), {counts['items']} items over {YEARS} years (a meeting every other Monday), "
        f"{counts['done']} done, {counts['moved']} moved by a user, {counts['archived']} archived; SQLite; "
        f"all {counts['in_report']} in the report's period.",
        "",
        "| step | median s | max s |",
        "|---|---:|---:|",
        f"| query + figures (`workflows.report.group_report`) | {stat('query')} |",
        f"| HTML with its two charts (`reports.writers.write_report`) | {stat('html')} |",
        f"| total | {stat('total')} |",
        "",
        f"{len(timings)} timed runs after one warm-up run, in one process; HTML {size / 1024:.0f} KiB. "
        f"Target under {TARGET_SECONDS:.0f} s: {'met' if met else '**not met**'} (median {total:.2f} s).",
        "",
        f"Command: `{common.command()}`",
        "",
    ])  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    arguments = parser.parse_args()
    before = common.load()
    with tempfile.TemporaryDirectory() as tmp:
        counts, timings, size = asyncio.run(measure(arguments.items, arguments.runs, Path(tmp)))
    text = section(counts, timings, size, before, common.load())
    print(text)
    if not arguments.no_write:
        common.write_section(SECTION, text)


if __name__ == "__main__":
    main()
