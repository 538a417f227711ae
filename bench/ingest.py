"""Benchmark ingestion (files/s, peak RSS) into SQLite and PostgreSQL against the extractor's own rate."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import hashlib
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Ingestion"
AFTER = "## Extraction"  # our section goes right after this one
POSTGRES_SCRIPT = ROOT / "scripts" / "postgres-test.sh"
URL_VARIABLE = "MINUTESBOT_BENCH_DATABASE_URL"  # the database URL reaches a measurement here, not in argv
FORMATS = ("docx", "pdf", "txt")
# A .pdf costs ~10 times a .docx to read: 5% of them keeps a 1,000-file run within ~10 minutes on 2 cores.
DEFAULT_MIX = "docx=75,pdf=5,txt=20"
TARGET = 0.80  # ingest files/s as a share of the extractor's own files/s
SANDBOX_FILES = 100
PROFILE_FILES = 200
# The extractor, ingest → SQLite and ingest → PostgreSQL take turns on a fifth of the files each round: all three
# see the same drift of a shared machine's load over the minutes of a run.
ROUNDS = 5
KINDS = ("extract", "ingest", "service", "sandbox", "profile")
Result = dict[str, Any]


# --- the corpus: distinct copies of the samples with varied dates ----------------------------------------

MONTHS = "januari februari mars april maj juni juli augusti september oktober november december".split()
SHORT_MONTHS = "jan feb mar apr maj jun jul aug sep okt nov dec".split()
_MONTH_NUMBER = {name: number for number, name in enumerate(MONTHS, 1)} | {
    name: number for number, name in enumerate(SHORT_MONTHS, 1)
}
_MONTH_NUMBER["sept"] = 9
# One pass, leftmost first: an ISO date, a Swedish long date ('den 21 nov 2022', '1 januari 2019'), a bare year.
DATES = re.compile(
    r"\b(?P<iy>(?:19|20)\d\d)-(?P<im>\d\d)-(?P<id>\d\d)\b"
    r"|\b(?P<ld>\d{1,2})\s+(?P<lm>" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
    r"\s+(?P<ly>(?:19|20)\d\d)\b"
    r"|\b(?P<year>(?:19|20)\d\d)\b",
    re.IGNORECASE,
)
WORD_TEXT = re.compile(rb"(<w:t(?:\s[^>]*)?>)([^<]*)(</w:t>)")
CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")
FIRST_GENERATED = date(2008, 1, 7)


def _full_date(match: re.Match[str]) -> date | None:
    try:
        if match["iy"]:
            return date(int(match["iy"]), int(match["im"]), int(match["id"]))
        if match["ly"]:
            return date(int(match["ly"]), _MONTH_NUMBER[match["lm"].lower()], int(match["ld"]))
    except ValueError:
        pass
    return None


def _anchor(text: str) -> date | None:
    """The first full date of the text: the meeting date in the minutes that print one."""
    return next((found for match in DATES.finditer(text) if (found := _full_date(match))), None)


def _generated(copy: int) -> date:
    return FIRST_GENERATED + timedelta(days=11 * copy)


def _shifter(text: str, copy: int) -> Callable[[str], str]:
    """Rewrites every date of the copy: full dates move by the days that take the first one (the meeting date)
    to a generated date distinct per copy, bare years by as many years; minutes without a full date have
    their years moved by a distinct number of years (0, +1, -1, +2, …)."""
    anchor = _anchor(text)
    if anchor is not None:
        days = timedelta(days=(_generated(copy) - anchor).days)
        years = _generated(copy).year - anchor.year
    else:
        days = timedelta(0)
        years = (copy + 1) // 2 * (1 if copy % 2 else -1)

    def replace(match: re.Match[str]) -> str:
        if match["year"]:
            return str(int(match["year"]) + years)
        found = _full_date(match)
        if found is None:
            return match[0]
        moved = found + days if anchor is not None else _add_years(found, years)
        if match["iy"]:
            return moved.isoformat()
        month = match["lm"]
        names = MONTHS if month.lower() in MONTHS else SHORT_MONTHS
        name = names[moved.month - 1]
        if month[0].isupper():
            name = name.capitalize()
        return (
            match[0]
            .replace(match["ld"], str(moved.day), 1)
            .replace(month, name, 1)
            .replace(match["ly"], str(moved.year))
        )

    return lambda part: DATES.sub(replace, part)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _vary_docx(data: bytes, copy: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            if info.filename == "word/document.xml":
                part = _vary_word_text(part, copy)
            elif info.filename == "docProps/core.xml":
                stamp = f"{_generated(copy).isoformat()}T10:00:00Z".encode()
                part = CORE_DATES.sub(rb"\g<1>" + stamp + rb"\g<2>", part)
            target.writestr(info, part)  # the member's own compression and timestamp
    return out.getvalue()


def _vary_word_text(xml: bytes, copy: int) -> bytes:
    """Dates rewritten in the text runs (<w:t>) only: attributes hold numbers that look like years."""
    shift = _shifter("\n".join(m[2].decode("utf-8") for m in WORD_TEXT.finditer(xml)), copy)
    return WORD_TEXT.sub(lambda m: m[1] + shift(m[2].decode("utf-8")).encode("utf-8") + m[3], xml)


def _vary(source: Path, fmt: str, copy: int, index: int) -> bytes:
    data = source.read_bytes()
    if fmt == "docx":
        return _vary_docx(data, copy)
    if fmt == "txt":
        text = data.decode("utf-8")
        return _shifter(text, copy)(text).encode("utf-8")
    # .pdf: the same content; a comment line after %%EOF makes the bytes distinct.
    separator = b"" if data.endswith(b"\n") else b"\n"
    return data + separator + f"%minutesbot-bench copy {index} of {source.name}\n".encode()


def _split(files: int, mix: dict[str, int]) -> dict[str, int]:
    """Files per format in proportion to `mix`, largest remainders first."""
    total = sum(mix.values())
    exact = {fmt: files * share / total for fmt, share in mix.items()}
    counts = {fmt: int(value) for fmt, value in exact.items()}
    for fmt in sorted(exact, key=lambda f: exact[f] - counts[f], reverse=True)[
        : files - sum(counts.values())
    ]:
        counts[fmt] += 1
    return counts


def build_corpus(folder: Path, files: int, mix: dict[str, int]) -> dict[str, int]:
    """`files` distinct minutes files in `folder`, formats shuffled so any stride of the names has the mix."""
    counts = _split(files, mix)
    samples = {fmt: sorted(SAMPLES.glob(f"*.{fmt}")) for fmt in counts if counts[fmt]}
    for fmt, found in samples.items():
        if not found:
            raise SystemExit(f"no .{fmt} files in {SAMPLES}")
    jobs = [(fmt, n) for fmt, count in counts.items() for n in range(count)]
    random.Random(20240129).shuffle(jobs)
    hashes: dict[str, str] = {}
    for index, (fmt, n) in enumerate(jobs):
        source = samples[fmt][n % len(samples[fmt])]
        data = _vary(source, fmt, n // len(samples[fmt]), index)
        name = f"{index:04d}_{source.stem}.{fmt}"
        digest = hashlib.sha256(data).hexdigest()
        if digest in hashes:
            raise SystemExit(f"corpus: {name} has the same bytes as {hashes[digest]}")
        hashes[digest] = name
        (folder / name).write_bytes(data)
    return counts


# --- one measurement (runs in its own process) -----------------------------------------------------------


def _files(folder: Path, stride: int, offset: int = 0) -> list[Path]:
    """Every `stride`th file from the `offset`th: the corpus is shuffled, so each has the mix of formats."""
    return sorted(path for path in folder.iterdir() if path.is_file())[offset::stride]


def _peak_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def _measure_extract(folder: Path, stride: int, offset: int) -> Result:
    """The extractor's own work per file: read the bytes, read_document in process, extract."""
    from minutes.extract import extract
    from minutes.model import DocumentError
    from tests.fakes import in_process_reader

    paths = _files(folder, stride, offset)
    seconds: dict[str, float] = {}
    counts = {"items": 0, "failed": 0}

    async def run() -> None:
        for path in paths:
            begin = time.perf_counter()
            data = path.read_bytes()
            modified = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()  # as Ingestor does
            try:
                result = extract(await in_process_reader(data, path.name), reference_date=modified)
            except DocumentError:
                counts["failed"] += 1
            else:
                counts["items"] += len(result.items)
            seconds[path.name] = time.perf_counter() - begin

    start, cpu = time.perf_counter(), time.thread_time()
    asyncio.run(run())
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    return {
        "files": len(paths),
        "elapsed": elapsed,
        "loop_cpu": cpu,  # CPU time of the thread running the event loop
        "peak_rss_mib": _peak_mib(),
        "items": counts["items"],
        "failed": counts["failed"],
        "seconds": seconds,
    }


async def _count_items(url: str) -> tuple[int, str]:
    from sqlalchemy import func, select, text

    from store.engine import create_engine_for
    from store.tables import items

    engine = create_engine_for(url)
    try:
        async with engine.connect() as connection:
            stored = int(await connection.scalar(select(func.count()).select_from(items)) or 0)
            server = ""
            if connection.dialect.name == "postgresql":
                server = str(await connection.scalar(text("SHOW server_version")))
    finally:
        await engine.dispose()
    return stored, server


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def _reads_ahead() -> int:
    from reading.sandbox import SandboxPool
    from workflows.ingest import DEFAULT_MAX_BYTES

    return SandboxPool().reads_ahead(DEFAULT_MAX_BYTES)


def _other_database(postgres_url: str) -> str:
    """The service rows fill a database of their own on the same server (created on first use)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = make_url(postgres_url)
    other = f"{url.database}_service"

    async def create() -> None:
        connection = await asyncpg.connect(
            user=url.username, password=url.password, host=url.host, port=url.port, database=url.database
        )
        try:
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", other)
            if not exists:
                await connection.execute(f'CREATE DATABASE "{other}"')
        finally:
            await connection.close()

    asyncio.run(create())
    return url.set(database=other).render_as_string(hide_password=False)


def _measure_ingest(kind: str, folder: Path, url: str, stride: int, offset: int) -> Result:
    """One Ingestor run, timed from opening the store to the source's commit."""
    from reading.sandbox import SandboxPool, sandboxed_reader
    from sources.local_folder import LocalFolderSource
    from store import open_store
    from tests.fakes import in_process_reader
    from workflows.ingest import DEFAULT_MAX_BYTES, Ingestor, Outcome, summarise

    only = None if stride == 1 else frozenset(path.name for path in _files(folder, stride, offset))
    profiler = cProfile.Profile() if kind == "profile" else None
    phases: dict[str, float] = {}
    statements = [0]
    if kind == "profile":
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        def count(*_: Any) -> None:
            statements[0] += 1

        event.listen(Engine, "before_cursor_execute", count)  # every engine's every statement

    async def run() -> list[Any]:
        store = await open_store(url)
        readers = SandboxPool()
        try:
            if kind == "sandbox":
                ingestor = Ingestor(store, lambda: datetime.now(UTC), reader=sandboxed_reader)
            elif (
                kind == "service"
            ):  # as `minutesbot run` and `minutesbot ingest` read (bot/app.py, bot/cli.py)
                ingestor = Ingestor(
                    store,
                    lambda: datetime.now(UTC),
                    analyser=readers.read_and_extract,
                    reads_ahead=readers.reads_ahead(DEFAULT_MAX_BYTES),
                )
            else:
                ingestor = Ingestor(store, lambda: datetime.now(UTC), reader=in_process_reader)
            if kind == "profile":
                ingestor = _timed(ingestor, phases)
            return await ingestor.run(LocalFolderSource(folder, store, only=only))
        finally:
            await readers.close()
            await store.close()

    start, cpu = time.perf_counter(), time.thread_time()
    if profiler is not None:
        profiler.enable()
    reports = asyncio.run(run())
    if profiler is not None:
        profiler.disable()
    elapsed, cpu = time.perf_counter() - start, time.thread_time() - cpu
    peak, worker_peak = _peak_mib(), _peak_mib(resource.RUSAGE_CHILDREN)
    stored, server = asyncio.run(_count_items(url))
    counts = summarise(reports)
    result: Result = {
        "files": len(only) if only is not None else len(_files(folder, 1)),
        "changes": len(reports),
        "elapsed": elapsed,
        "loop_cpu": cpu,  # CPU time of the thread running the event loop
        "peak_rss_mib": peak,
        "worker_peak_rss_mib": worker_peak,
        "items": stored,
        "outcomes": {outcome.value: counts[outcome] for outcome in Outcome if counts[outcome]},
        "server": server,
    }
    if profiler is not None:
        listing = io.StringIO()
        stats = pstats.Stats(profiler, stream=listing).sort_stats("cumulative")
        stats.print_stats(15)
        listing.write("Project code only:\n")
        stats.print_stats(rf"{re.escape(str(ROOT))}/(minutes|store|workflows)/", 15)
        result["profile"] = listing.getvalue()
        result["phases"] = phases
        result["statements"] = statements[0]
    return result


def _timed(ingestor: Any, phases: dict[str, float]) -> Any:
    """The same Ingestor with wall-clock totals per collaborator (store calls include their wait on the
    driver's thread, which cProfile, profiling only the event loop's thread, does not see)."""
    import dataclasses

    import workflows.ingest

    def total(name: str, elapsed: float) -> None:
        phases[name] = phases.get(name, 0.0) + elapsed

    def timed_async(name: str, call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                total(name, time.perf_counter() - begin)

        return wrapper

    def timed_sync(name: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            begin = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                total(name, time.perf_counter() - begin)

        return wrapper

    store = ingestor.store
    for method in ("get_document", "items_of_document", "save_ingest", "record_failure"):
        setattr(store, method, timed_async(f"store.{method}", getattr(store, method)))
    for name in ("extract", "reconcile"):
        setattr(workflows.ingest, name, timed_sync(name, getattr(workflows.ingest, name)))
    return dataclasses.replace(ingestor, reader=timed_async("read_document", ingestor.reader))


def measure(kind: str, folder: Path, stride: int, offset: int) -> Result:
    sys.path.insert(0, str(ROOT))  # tests.fakes
    # Imported before the clock starts, as a running service has them.
    import minutes.extract  # noqa: F401
    import minutes.readers  # noqa: F401
    import store  # noqa: F401
    import tests.fakes  # noqa: F401
    import workflows.ingest  # noqa: F401

    if kind == "extract":
        return _measure_extract(folder, stride, offset)
    return _measure_ingest(kind, folder, os.environ[URL_VARIABLE], stride, offset)


# --- driver: one fresh subprocess per measurement --------------------------------------------------------


def _subprocess(kind: str, folder: Path, *, url: str = "", stride: int = 1, offset: int = 0) -> Result:
    command = [sys.executable, str(Path(__file__).resolve()), "--one", kind, "--folder", str(folder)]
    command += ["--stride", str(stride), "--offset", str(offset)]
    environment = dict(os.environ, **{URL_VARIABLE: url})
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT, env=environment)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise MeasurementFailed(f"measurement {kind} failed (exit {result.returncode})")
    measured = dict(json.loads(result.stdout.strip().splitlines()[-1]))
    _say(
        f"  {measured['files']} files in {measured['elapsed']:.1f} s = "
        f"{measured['files'] / measured['elapsed']:.2f} files/s, peak RSS {measured['peak_rss_mib']:.1f} MiB"
    )
    return measured


class MeasurementFailed(SystemExit):
    """A measurement's process failed; its stderr has been passed on."""


@contextlib.contextmanager
def _postgres() -> Any:
    """Yields (url, None) for a throwaway cluster, stopped on the way out, or (None, reason)."""
    try:
        started = subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "start"], capture_output=True, text=True, timeout=300, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        yield None, f"{POSTGRES_SCRIPT.name} start: {error}"
        return
    if started.returncode != 0:
        yield None, (started.stderr.strip().splitlines() or ["no output"])[-1]
        return
    exports = dict(
        line.removeprefix("export ").split("=", 1)
        for line in started.stdout.splitlines()
        if line.startswith("export ")
    )
    try:
        yield exports["MINUTESBOT_TEST_POSTGRES_URL"], None
    finally:
        subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), "stop", exports["MINUTESBOT_TEST_POSTGRES_DIR"]],
            capture_output=True,
            timeout=120,
            check=False,
        )


def _machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    names = ("sqlalchemy", "aiosqlite", "asyncpg", "alembic", "python-docx", "pdfplumber")
    libraries = ", ".join(f"{name} {_version(name)}" for name in names)
    return f"nproc {nproc}, CPU {cpu}, Python {platform.python_version()} ({libraries})"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, check=False).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no").strip()
    if not dirty:
        return commit
    return f"{commit} + uncommitted changes"


def _source_digest() -> str:
    """Fingerprint of the measured code (minutes, workflows, store and tests/fakes.py), taken before and after
    the run: a run on a dirty tree can be matched to its source, and a tree edited mid-run is noticed."""
    digest = hashlib.sha256()
    paths = [path for package in ("minutes", "workflows", "store") for path in (ROOT / package).rglob("*.py")]
    for path in sorted([*paths, ROOT / "tests" / "fakes.py"]):
        with contextlib.suppress(OSError):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _command() -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    return shlex.join([str(python), *sys.argv])


def _mix_text(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return ", ".join(f"{count} .{fmt} ({count / total:.0%})" for fmt, count in counts.items() if count)


def _subset_counts(folder: Path, stride: int) -> dict[str, int]:
    found = [path.suffix.lstrip(".") for path in _files(folder, stride)]
    return {fmt: found.count(fmt) for fmt in FORMATS}


def _row(
    label: str,
    result: Result,
    base_rate: float,
    *,
    target: bool = False,
    items: str = "",
    worker: bool = False,
) -> str:
    rate = result["files"] / result["elapsed"]
    met = ("yes" if rate / base_rate >= TARGET else "**no**") if target else "—"
    rss = f"{result['peak_rss_mib']:.1f}"
    if worker:
        rss += f" (worker {result['worker_peak_rss_mib']:.1f})"
    return (
        f"| {label} | {result['files']} | {result['elapsed']:.1f} | {rate:.2f} | {rate / base_rate:.2f} "
        f"| {f'≥ {TARGET:.2f}' if target else '—'} | {met} | {rss} | {items or result['items']} |"
    )


def _rate(*runs: Result) -> float:
    """Files per second over several runs together."""
    return sum(run["files"] for run in runs) / sum(run["elapsed"] for run in runs)


def _combined(runs: list[Result]) -> Result:
    """The rounds of one measurement as one: files, seconds and counts added up, the largest peak RSS, the
    items stored after the last round, per-file seconds of every round."""
    outcomes: dict[str, int] = {}
    for run in runs:
        for name, count in (run.get("outcomes") or {}).items():
            outcomes[name] = outcomes.get(name, 0) + count
    return {
        "files": sum(run["files"] for run in runs),
        "elapsed": sum(run["elapsed"] for run in runs),
        "loop_cpu": sum(run["loop_cpu"] for run in runs),
        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
        "items": runs[-1]["items"] if "server" in runs[-1] else sum(run["items"] for run in runs),
        "failed": sum(run.get("failed", 0) for run in runs),
        "outcomes": outcomes,
        "server": runs[-1].get("server", ""),
        "seconds": {name: seconds for run in runs for name, seconds in run.get("seconds", {}).items()},
        "rates": [run["files"] / run["elapsed"] for run in runs],
    }


def _spread(rates: list[float]) -> str:
    return f"{min(rates):.1f}" if len(rates) == 1 else f"{min(rates):.1f}–{max(rates):.1f}"


def _breakdown(extractor_runs: list[Result], ingests: list[tuple[str, Result | None]]) -> str:
    """Where an ingest's time per file goes beyond the extractor's: work on the event loop's thread (the
    store's Python side, which nothing can overlap with reading) or waiting (the driver's thread or socket,
    the disk, the machine's other processes)."""

    def per_file(seconds: float, files: int) -> float:
        return 1000 * seconds / files

    files = sum(run["files"] for run in extractor_runs)
    base = per_file(sum(run["loop_cpu"] for run in extractor_runs), files)
    parts = [
        f"{label} {per_file(run['loop_cpu'], run['files']) - base:+.1f} ms on it and "
        f"{per_file(run['elapsed'] - run['loop_cpu'], run['files']):.1f} ms waiting"
        for label, run in ingests
        if run is not None
    ]
    return (
        f"Per file, the extractor spends {base:.1f} ms on the event loop's thread "
        f"({per_file(sum(run['elapsed'] for run in extractor_runs), files):.1f} ms wall); ingest "
        f"beyond that: {'; '.join(parts)}."
    )


def _service_note(runs: list[tuple[str, Result | None]]) -> str:
    """How busy the event loop's thread (the store's side) is when reading runs in the read servers."""
    parts = [
        f"{label} {1000 * run['loop_cpu'] / run['files']:.1f} ms of {1000 * run['elapsed'] / run['files']:.1f} ms "
        f"per file ({run['loop_cpu'] / run['elapsed']:.0%})"
        for label, run in runs
        if run is not None
    ]
    return (
        "As the service reads (`SandboxPool.read_and_extract`, `Ingestor(reads_ahead=…)`, the same code as "
        "`minutesbot run` and `minutesbot ingest`), the event loop's thread — the store, and decoding the "
        f"servers' answers — is busy {'; '.join(parts)}; the rest of the time it waits for the read servers. "
        "A read server's child reads and extracts in a process forked for that document alone (the server "
        "compiled the extractor's patterns once, before forking: the actor patterns no longer hold the "
        "document's names, which had cost 25–55 ms per document), and the two cores are shared by the "
        "servers and the event loop."
    )


def _skipped(label: str, reason: str) -> str:
    return f"| {label} | — | — | — | — | ≥ {TARGET:.2f} | skipped: {reason} | — | — |"


def _outcomes(result: Result) -> str:
    outcomes = result.get("outcomes") or {}
    return ", ".join(f"{count} {name}" for name, count in outcomes.items()) or "no changes"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=1000, help="minutes files in the corpus")
    parser.add_argument("--mix", default=DEFAULT_MIX, help=f"format shares (default {DEFAULT_MIX})")
    parser.add_argument("--sandbox-files", type=int, default=SANDBOX_FILES, help="subset for the sandbox row")
    parser.add_argument(
        "--profile", action="store_true", help="profile the SQLite ingest even if the target holds"
    )
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL row")
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--keep", action="store_true", help="keep the temporary corpus and databases")
    parser.add_argument("--one", choices=KINDS, help="run one measurement in this process, print it as JSON")
    parser.add_argument("--folder", type=Path, help="(with --one) the corpus folder")
    parser.add_argument(
        "--rounds",
        type=int,
        default=ROUNDS,
        help=f"measure in this many interleaved rounds, each on its own share of the files (default {ROUNDS})",
    )
    parser.add_argument("--stride", type=int, default=1, help="(with --one) every Nth file only")
    parser.add_argument("--offset", type=int, default=0, help="(with --one, --stride) from the Nth file")
    args = parser.parse_args()

    if args.one:
        if args.folder is None:
            parser.error("--one needs --folder")
        print(json.dumps(measure(args.one, args.folder.resolve(), args.stride, args.offset)))
        return

    mix = {fmt: int(share) for fmt, share in (part.split("=") for part in args.mix.split(","))}
    if set(mix) - set(FORMATS) or args.files < 1:
        parser.error(f"--mix takes shares of {FORMATS}, e.g. {DEFAULT_MIX}; --files at least 1")
    # Taken before the run: the state that was measured.
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    machine, revision, load_before = _machine(), _revision(), _load()
    digest = _source_digest()
    work = Path(tempfile.mkdtemp(prefix="minutesbot-bench."))
    try:
        section, table = _run(args, mix, work, started, machine, revision, digest, load_before)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print(f"kept {work}", file=sys.stderr)
    print("\n".join(table))
    if not args.no_write:
        _write_results(section)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} ({SECTION})")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _run(
    args: argparse.Namespace,
    mix: dict[str, int],
    work: Path,
    started: str,
    machine: str,
    revision: str,
    digest: str,
    load_before: str,
) -> tuple[str, list[str]]:
    folder = work / "minutes"
    folder.mkdir()
    begin = time.perf_counter()
    counts = build_corpus(folder, args.files, mix)
    _say(f"corpus: {args.files} files, {_mix_text(counts)}, built in {time.perf_counter() - begin:.1f} s")
    sqlite_url = f"sqlite+aiosqlite:///{work / 'bench.db'}"
    stride = max(1, args.files // args.sandbox_files)
    profile_stride = max(1, args.files // PROFILE_FILES)

    rounds = max(1, min(args.rounds, args.files))
    extractor_runs: list[Result] = []
    sqlite_runs: list[Result] = []
    postgres_runs: list[Result] = []
    service_sqlite_runs: list[Result] = []
    service_postgres_runs: list[Result] = []
    service_sqlite_url = f"sqlite+aiosqlite:///{work / 'service.db'}"
    postgres_reason = "--no-postgres"
    with contextlib.ExitStack() as stack:
        postgres_url: str | None = None
        if not args.no_postgres:
            _say("starting PostgreSQL …")
            postgres_url, reason = stack.enter_context(_postgres())
            if postgres_url is None:
                postgres_reason = reason
                _say(f"PostgreSQL skipped: {reason}")
        for offset in range(rounds):
            _say(f"round {offset + 1} of {rounds}: the extractor's own rate …")
            extractor_runs.append(_subprocess("extract", folder, stride=rounds, offset=offset))
            _say(f"round {offset + 1} of {rounds}: ingest → SQLite …")
            sqlite_runs.append(_subprocess("ingest", folder, url=sqlite_url, stride=rounds, offset=offset))
            if postgres_url is not None:
                _say(f"round {offset + 1} of {rounds}: ingest → PostgreSQL …")
                postgres_runs.append(
                    _subprocess("ingest", folder, url=postgres_url, stride=rounds, offset=offset)
                )
            _say(f"round {offset + 1} of {rounds}: ingest as the service does it (read servers) → SQLite …")
            service_sqlite_runs.append(
                _subprocess("service", folder, url=service_sqlite_url, stride=rounds, offset=offset)
            )
            if postgres_url is not None:
                _say(f"round {offset + 1} of {rounds}: ingest as the service does it → PostgreSQL …")
                service_postgres_runs.append(
                    _subprocess(
                        "service", folder, url=_other_database(postgres_url), stride=rounds, offset=offset
                    )
                )
    sqlite_run = _combined(sqlite_runs)
    postgres_run = _combined(postgres_runs) if postgres_runs else None
    service_sqlite = _combined(service_sqlite_runs)
    service_postgres = _combined(service_postgres_runs) if service_postgres_runs else None
    if rounds > 1:
        _say("a scan of the whole folder → SQLite, to save its listing (every file unchanged) …")
        _subprocess("ingest", folder, url=sqlite_url)
    _say("measuring the idle re-scan → SQLite …")
    rescan = _subprocess("ingest", folder, url=sqlite_url)
    rate = _rate(*extractor_runs)
    extractor = _combined(extractor_runs)
    _say(f"measuring ingest → SQLite with the sandboxed reader ({args.files // stride} files) …")
    sandbox = _subprocess("sandbox", folder, url=f"sqlite+aiosqlite:///{work / 'sandbox.db'}", stride=stride)
    subset = {path.name for path in _files(folder, stride)}
    subset_rate = len(subset) / sum(
        seconds for name, seconds in extractor["seconds"].items() if name in subset
    )

    ratios = [sqlite_run["files"] / sqlite_run["elapsed"] / rate]
    if postgres_run is not None:
        ratios.append(postgres_run["files"] / postgres_run["elapsed"] / rate)
    met = all(ratio >= TARGET for ratio in ratios)
    service_ratios = [service_sqlite["files"] / service_sqlite["elapsed"] / rate]
    if service_postgres is not None:
        service_ratios.append(service_postgres["files"] / service_postgres["elapsed"] / rate)
    service_met = all(ratio >= TARGET for ratio in service_ratios)
    profile: Result | None = None
    if not met or args.profile:
        _say(f"profiling ingest → SQLite ({args.files // profile_stride} files) …")
        try:
            profile = _subprocess(
                "profile", folder, url=f"sqlite+aiosqlite:///{work / 'profile.db'}", stride=profile_stride
            )
        except MeasurementFailed as error:
            _say(f"{error}; the results are reported without a profile")
    load_after = _load()
    mix_note = "; .pdf kept to 5%: it costs ~10× a .docx to read" if args.mix == DEFAULT_MIX else ""
    digest_after = _source_digest()
    source_changed = []
    if digest_after != digest:
        source_changed = [f"**The measured code changed during the run** (sha256 {digest_after} after it)."]
        _say(source_changed[0])

    pg_label = "ingest → PostgreSQL, in-process reader (store overhead)"
    if postgres_run is not None and postgres_run.get("server"):
        pg_label = (
            f"ingest → PostgreSQL {postgres_run['server'].split()[0]}, in-process reader (store overhead)"
        )
    table = [
        "| measurement | files | seconds | files/s | ratio to extractor | target | met? | peak RSS MiB "
        "| items stored |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
        _row(
            "extractor alone: read bytes + read_document + extract",
            extractor,
            rate,
            items=f"— ({extractor['items']} extracted)",
        ),
        _row("ingest → SQLite, in-process reader (store overhead)", sqlite_run, rate),
        _row(pg_label, postgres_run, rate)
        if postgres_run is not None
        else _skipped(pg_label, postgres_reason),
        _row(
            "ingest → SQLite as the service reads (read servers, reads ahead)",
            service_sqlite,
            rate,
            target=True,
        ),
        _row(
            "ingest → PostgreSQL as the service reads (read servers, reads ahead)",
            service_postgres,
            rate,
            target=True,
        )
        if service_postgres is not None
        else _skipped("ingest → PostgreSQL as the service reads", postgres_reason),
        _row("ingest → SQLite, one new worker process per file (subset)", sandbox, subset_rate, worker=True),
        _row("re-scan, nothing changed → SQLite", rescan, rate),
    ]
    statement = (
        f"Target — the store is never the bottleneck: ingest rate within 80% of the extractor's own rate, "
        f"judged as minutesbot ingests (`minutesbot run` and `minutesbot ingest`: `SandboxPool`, one read "
        f"server per core, each forking a limited child per document, {_reads_ahead()} reads ahead of the store; "
        f"ratio ≥ {TARGET:.2f} into SQLite and into PostgreSQL): {'**met**' if service_met else '**missed**'} "
        f"({', '.join(f'{ratio:.2f}' for ratio in service_ratios)}). Reading runs in other processes while "
        "the event loop writes the store, so the store's cost does not add to the reading's. The in-process "
        "rows put reading and the store on one thread, as no deployment does; they show what the store costs "
        f"per file on top of the extractor: ratio {', '.join(f'{ratio:.2f}' for ratio in ratios)} "
        f"({'≥' if met else 'below'} {TARGET:.2f} that way)."
    )
    if postgres_run is None:
        statement += " PostgreSQL was not measured, so only SQLite was checked."
    table += ["", statement]

    notes = [
        f"Outcomes: SQLite {_outcomes(sqlite_run)}"
        + (f"; PostgreSQL {_outcomes(postgres_run)}" if postgres_run else "")
        + f"; sandboxed {_outcomes(sandbox)}; re-scan {_outcomes(rescan)} (files listed: {rescan['files']}).",
        f"Extractor failures: {extractor['failed']}.",
        _breakdown(extractor_runs, [("SQLite", sqlite_run), ("PostgreSQL", postgres_run)]),
        _service_note([("SQLite", service_sqlite), ("PostgreSQL", service_postgres)]),
    ]
    profile_lines: list[str] = []
    if profile is not None:
        phases = profile["phases"]
        phase_text = ", ".join(
            f"{name} {seconds:.1f} s" for name, seconds in sorted(phases.items(), key=lambda kv: -kv[1])
        )
        profile_lines = [
            "",
            f"Profile (cProfile, SQLite ingest of {profile['files']} files, {profile['elapsed']:.1f} s "
            f"under the profiler): wall time per collaborator: {phase_text}; {profile['statements']} SQL "
            f"statements ({profile['statements'] / profile['files']:.0f} per file, migrations included).",
        ]
        print(profile["profile"])
        print(profile_lines[1] + "\n")
    section = "\n".join(
        [
            SECTION,
            "",
            f"Date: {started}; revision {revision}; measured code (minutes/, workflows/, store/, "
            f"tests/fakes.py) sha256 {digest}.",
            *source_changed,
            f"Machine: {machine}; load average {load_before} before the run, {load_after} after.",
            f"Corpus: {args.files} files ({_mix_text(counts)}{mix_note}) built in a temporary folder from "
            "`samples/`, "
            "each a distinct copy (sha256 checked): .docx and .txt with every date moved (full dates by the "
            "days that take the meeting date to a generated one, distinct per copy; bare years alike; in "
            ".docx the text of `word/document.xml` and the dates of `docProps/core.xml`), .pdf unchanged but "
            "for a distinct comment line after `%%EOF`.",
            "",
            *table,
            "",
            f"Command: `cd {ROOT} && {_command()}`",
            "",
            "Each row is one fresh process (imports done before the clock starts; peak RSS is that process's "
            "`ru_maxrss`, interpreter and imports included). Extractor = for every file: read the bytes, "
            "`tests.fakes.in_process_reader` (`minutes.readers.read_document`) and `minutes.extract.extract`. "
            "Ingest = `Ingestor(store, clock, reader=in_process_reader).run(LocalFolderSource(folder, store, "
            "only=…))`, timed from `open_store` (migrations included) to the source's commit. "
            + (
                f"Measured in {rounds} rounds: each round the extractor, ingest → SQLite and ingest → PostgreSQL "
                f"take turns on one file in {rounds} (the same files for all three; the rounds fill one "
                "database), so that they see the same drift of a shared machine's load over the minutes of a run; "
                f"a row adds up its rounds (extractor per round: {_spread(extractor['rates'])} files/s), and an "
                f"ingest row pays for opening the store {rounds} times. "
                if rounds > 1
                else ""
            )
            + "Sandboxed = the default reader (one worker process per file with memory and CPU limits) on every "
            f"{stride}th file ({_mix_text(_subset_counts(folder, stride))}); its ratio is to the extractor's "
            f"rate on those files ({subset_rate:.2f} files/s), its RSS in brackets the largest worker's. "
            "Re-scan = a run over the unchanged folder into the SQLite database"
            + (", after a scan of the whole folder that saved its listing. " if rounds > 1 else ". ")
            + " ".join(notes),
            *profile_lines,
            "",
        ]
    )
    return section, table


def _write_results(section: str) -> None:
    lines = RESULTS.read_text().splitlines(keepends=True) if RESULTS.exists() else ["# Benchmark results\n"]

    def end_of(start: int) -> int:
        return next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))

    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    if start is not None:
        end = end_of(start)
    else:
        after = next((i for i, line in enumerate(lines) if line.rstrip() == AFTER), None)
        start = end = end_of(after) if after is not None else len(lines)
    head = "".join(lines[:start]).rstrip("\n") + "\n\n"
    tail = "".join(lines[end:])
    RESULTS.write_text(head + section + ("\n" + tail if tail else ""))


if __name__ == "__main__":
    main()
