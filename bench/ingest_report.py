"""The rows and notes of the ingestion bench's section of bench/RESULTS.md, from the measurements' results."""

from __future__ import annotations

from pathlib import Path

from ingest_corpus import FORMATS, corpus_files
from ingest_measure import Result

TARGET = 0.80  # ingest files/s as a share of the extractor's own files/s


def mix_text(counts: dict[str, int]) -> str:
    total = sum(counts.values())
    return ", ".join(f"{count} .{fmt} ({count / total:.0%})" for fmt, count in counts.items() if count)


def subset_counts(folder: Path, stride: int) -> dict[str, int]:
    found = [path.suffix.lstrip(".") for path in corpus_files(folder, stride)]
    return {fmt: found.count(fmt) for fmt in FORMATS}


def row(
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


def rate(*runs: Result) -> float:
    """Files per second over several runs together."""
    return sum(run["files"] for run in runs) / sum(run["elapsed"] for run in runs)


def combined(runs: list[Result]) -> Result:
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


def spread(rates: list[float]) -> str:
    return f"{min(rates):.1f}" if len(rates) == 1 else f"{min(rates):.1f}–{max(rates):.1f}"


def breakdown(extractor_runs: list[Result], ingests: list[tuple[str, Result | None]]) -> str:
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


def service_note(runs: list[tuple[str, Result | None]]) -> str:
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


def skipped(label: str, reason: str) -> str:
    return f"| {label} | — | — | — | — | ≥ {TARGET:.2f} | skipped: {reason} | — | — |"


def outcomes(result: Result) -> str:
    outcomes = result.get("outcomes") or {}
    return ", ".join(f"{count} {name}" for name, count in outcomes.items()) or "no changes"
