"""Benchmark ingestion (files/s, peak RSS) into SQLite and PostgreSQL against the extractor's own rate.

This file is the driver (the command line, one fresh subprocess per measurement, the section of RESULTS.md); the
corpus is made by ingest_corpus.py, each measurement runs ingest_measure.py's code, ingest_report.py shapes the
rows, and common.py holds the machine facts and writes RESULTS.md."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import common
import ingest_report as report
from common import RESULTS, ROOT, say
from ingest_corpus import FORMATS, build_corpus, corpus_files
from ingest_measure import URL_VARIABLE, Result, measure, other_database, reads_ahead
from ingest_report import TARGET

LIBRARIES = ("sqlalchemy", "aiosqlite", "asyncpg", "alembic", "python-docx", "pdfplumber")
MEASURED = ("minutes", "workflows", "store", "sources", "reading")  # and tests/fakes.py
SECTION = "## Ingestion"
AFTER = "## Extraction"  # our section goes right after this one
POSTGRES_SCRIPT = ROOT / "scripts" / "postgres-test.sh"
# A .pdf costs ~10 times a .docx to read: 5% of them keeps a 1,000-file run within ~10 minutes on 2 cores.
DEFAULT_MIX = "docx=75,pdf=5,txt=20"
SANDBOX_FILES = 100
PROFILE_FILES = 200
# The extractor, ingest → SQLite and ingest → PostgreSQL take turns on a fifth of the files each round: all three
# see the same drift of a shared machine's load over the minutes of a run.
ROUNDS = 5
KINDS = ("extract", "ingest", "service", "sandbox", "profile")


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
    say(
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
    machine, revision, load_before = common.machine(LIBRARIES), common.revision(), common.load()
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
        common.write_section(SECTION, section, after=AFTER)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} ({SECTION})")


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
    say(
        f"corpus: {args.files} files, {report.mix_text(counts)}, built in {time.perf_counter() - begin:.1f} s"
    )
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
            say("starting PostgreSQL …")
            postgres_url, reason = stack.enter_context(_postgres())
            if postgres_url is None:
                postgres_reason = reason
                say(f"PostgreSQL skipped: {reason}")
        for offset in range(rounds):
            say(f"round {offset + 1} of {rounds}: the extractor's own rate …")
            extractor_runs.append(_subprocess("extract", folder, stride=rounds, offset=offset))
            say(f"round {offset + 1} of {rounds}: ingest → SQLite …")
            sqlite_runs.append(_subprocess("ingest", folder, url=sqlite_url, stride=rounds, offset=offset))
            if postgres_url is not None:
                say(f"round {offset + 1} of {rounds}: ingest → PostgreSQL …")
                postgres_runs.append(
                    _subprocess("ingest", folder, url=postgres_url, stride=rounds, offset=offset)
                )
            say(f"round {offset + 1} of {rounds}: ingest as the service does it (read servers) → SQLite …")
            service_sqlite_runs.append(
                _subprocess("service", folder, url=service_sqlite_url, stride=rounds, offset=offset)
            )
            if postgres_url is not None:
                say(f"round {offset + 1} of {rounds}: ingest as the service does it → PostgreSQL …")
                service_postgres_runs.append(
                    _subprocess(
                        "service", folder, url=other_database(postgres_url), stride=rounds, offset=offset
                    )
                )
    sqlite_run = report.combined(sqlite_runs)
    postgres_run = report.combined(postgres_runs) if postgres_runs else None
    service_sqlite = report.combined(service_sqlite_runs)
    service_postgres = report.combined(service_postgres_runs) if service_postgres_runs else None
    if rounds > 1:
        say("a scan of the whole folder → SQLite, to save its listing (every file unchanged) …")
        _subprocess("ingest", folder, url=sqlite_url)
    say("measuring the idle re-scan → SQLite …")
    rescan = _subprocess("ingest", folder, url=sqlite_url)
    rate = report.rate(*extractor_runs)
    extractor = report.combined(extractor_runs)
    say(f"measuring ingest → SQLite with the sandboxed reader ({args.files // stride} files) …")
    sandbox = _subprocess("sandbox", folder, url=f"sqlite+aiosqlite:///{work / 'sandbox.db'}", stride=stride)
    subset = {path.name for path in corpus_files(folder, stride)}
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
        say(f"profiling ingest → SQLite ({args.files // profile_stride} files) …")
        try:
            profile = _subprocess(
                "profile", folder, url=f"sqlite+aiosqlite:///{work / 'profile.db'}", stride=profile_stride
            )
        except MeasurementFailed as error:
            say(f"{error}; the results are reported without a profile")
    load_after = common.load()
    mix_note = "; .pdf kept to 5%: it costs ~10× a .docx to read" if args.mix == DEFAULT_MIX else ""
    digest_after = _source_digest()
    source_changed = []
    if digest_after != digest:
        source_changed = [f"**The measured code changed during the run** (sha256 {digest_after} after it)."]
        say(source_changed[0])

    pg_label = "ingest → PostgreSQL, in-process reader (store overhead)"
    if postgres_run is not None and postgres_run.get("server"):
        pg_label = (
            f"ingest → PostgreSQL {postgres_run['server'].split()[0]}, in-process reader (store overhead)"
        )
    table = [
        "| measurement | files | seconds | files/s | ratio to extractor | target | met? | peak RSS MiB "
        "| items stored |",
        "|---|---:|---:|---:|---:|---:|---|---:|---:|",
        report.row(
            "extractor alone: read bytes + read_document + extract",
            extractor,
            rate,
            items=f"— ({extractor['items']} extracted)",
        ),
        report.row("ingest → SQLite, in-process reader (store overhead)", sqlite_run, rate),
        report.row(pg_label, postgres_run, rate)
        if postgres_run is not None
        else report.skipped(pg_label, postgres_reason),
        report.row(
            "ingest → SQLite as the service reads (read servers, reads ahead)",
            service_sqlite,
            rate,
            target=True,
        ),
        report.row(
            "ingest → PostgreSQL as the service reads (read servers, reads ahead)",
            service_postgres,
            rate,
            target=True,
        )
        if service_postgres is not None
        else report.skipped("ingest → PostgreSQL as the service reads", postgres_reason),
        report.row(
            "ingest → SQLite, one new worker process per file (subset)", sandbox, subset_rate, worker=True
        ),
        report.row("re-scan, nothing changed → SQLite", rescan, rate),
    ]
    statement = (
        f"Target — the store is never the bottleneck: ingest rate within 80% of the extractor's own rate, "
        f"judged as minutesbot ingests (`minutesbot run` and `minutesbot ingest`: `SandboxPool`, one read "
        f"server per core, each forking a limited child per document, {reads_ahead()} reads ahead of the store; "
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
        f"Outcomes: SQLite {report.outcomes(sqlite_run)}"
        + (f"; PostgreSQL {report.outcomes(postgres_run)}" if postgres_run else "")
        + f"; sandboxed {report.outcomes(sandbox)}; re-scan {report.outcomes(rescan)} (files listed: {rescan['files']}).",
        f"Extractor failures: {extractor['failed']}.",
        report.breakdown(extractor_runs, [("SQLite", sqlite_run), ("PostgreSQL", postgres_run)]),
        report.service_note([("SQLite", service_sqlite), ("PostgreSQL", service_postgres)]),
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
            f"Date: {started}; revision {revision}; measured code ({', '.join(p + '/' for p in MEASURED)}, "
            f"tests/fakes.py) sha256 {digest}.",
            *source_changed,
            f"Machine: {machine}; load average {load_before} before the run, {load_after} after.",
            f"Corpus: {args.files} files ({report.mix_text(counts)}{mix_note}) built in a temporary folder from "
            "`samples/`, "
            "each a distinct copy (sha256 checked): .docx and .txt with every date moved (full dates by the "
            "days that take the meeting date to a generated one, distinct per copy; bare years alike; in "
            ".docx the text of `word/document.xml` and the dates of `docProps/core.xml`), .pdf unchanged but "
            "for a distinct comment line after `%%EOF`.",
            "",
            *table,
            "",
            f"Command: `cd {ROOT} && {common.command()}`",
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
                f"a row adds up its rounds (extractor per round: {report.spread(extractor['rates'])} files/s), and an "
                f"ingest row pays for opening the store {rounds} times. "
                if rounds > 1
                else ""
            )
            + "Sandboxed = the default reader (one worker process per file with memory and CPU limits) on every "
            f"{stride}th file ({report.mix_text(report.subset_counts(folder, stride))}); its ratio is to the extractor's "
            f"rate on those files ({subset_rate:.2f} files/s), its RSS in brackets the largest worker's. "
            "Re-scan = a run over the unchanged folder into the SQLite database"
            + (", after a scan of the whole folder that saved its listing. " if rounds > 1 else ". ")
            + " ".join(notes),
            *profile_lines,
            "",
        ]
    )
    return section, table


def _source_digest() -> str:
    """Fingerprint of the measured code (its packages and tests/fakes.py), taken before and after the run."""
    return common.source_digest(MEASURED, [ROOT / "tests" / "fakes.py"])


if __name__ == "__main__":
    main()
