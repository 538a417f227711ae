"""What every benchmark script shares: the machine's facts (CPU, cores, load, library versions), the revision and a
fingerprint of the code measured, the command line, and writing a section of bench/RESULTS.md.

Imported as `common` by the scripts in bench/ (run as `python bench/NAME.py`, so bench/ is first on sys.path)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import platform
import resource
import shlex
import subprocess
import sys
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def say(message: str) -> None:
    """Progress for the person running the bench, on stderr (stdout carries results)."""
    print(message, file=sys.stderr, flush=True)


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def machine(libraries: Sequence[str]) -> str:
    """'nproc 2, CPU …, Python 3.11.x (name version, …)' for the libraries that matter to the figures."""
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    listed = ", ".join(f"{name} {version(name)}" for name in libraries)
    return f"nproc {cores()}, CPU {cpu}, Python {platform.python_version()} ({listed})"


def load() -> str:
    """The load averages over 1, 5 and 15 minutes: how busy the shared machine was."""
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def peak_rss_mib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def revision(measured: Sequence[str] = ()) -> str:
    """The commit, and whether the tree had uncommitted changes (naming those to the `measured` folders)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, check=False).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    if not changed:
        return commit
    if not measured:
        return f"{commit} + uncommitted changes"
    touched = [path for path in changed if path.split("/", 1)[0] in measured]
    return (
        f"{commit} + uncommitted changes to {len(changed)} files, of the measured code: "
        f"{', '.join(touched) if touched else 'none'}"
    )


def source_digest(packages: Iterable[str], files: Iterable[Path] = ()) -> str:
    """Fingerprint of the measured code (the packages' .py files and `files`), taken before and after a run: a
    run on a dirty tree can be matched to its source, and a tree edited mid-run is noticed."""
    digest = hashlib.sha256()
    paths = [path for package in packages for path in (ROOT / package).rglob("*.py")]
    for path in sorted([*paths, *files]):
        with contextlib.suppress(OSError):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def command() -> str:
    """The command line of this run, as it can be typed again."""
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    return shlex.join([str(python), *sys.argv])


def write_section(heading: str, section: str, *, after: str | None = None, results: Path = RESULTS) -> None:
    """Replace the section under `heading` in RESULTS.md; a new one goes right after the section `after` (when
    there is one), else at the end. Other sections stay as they are."""
    lines = results.read_text().splitlines(keepends=True) if results.exists() else ["# Benchmark results\n"]

    def end_of(start: int) -> int:
        return next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))

    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is not None:
        end = end_of(start)
    else:
        before = next((i for i, line in enumerate(lines) if after and line.rstrip() == after), None)
        start = end = end_of(before) if before is not None else len(lines)
    head = "".join(lines[:start]).rstrip("\n") + "\n\n" if start else ""
    tail = "".join(lines[end:])
    results.write_text(head + section + ("\n" + tail if tail else ""))


# The customer's scorer, run over the command line as the product ships it; a vendored copy for clones
# without ../shared beside them (the shared one wins when present).
SHARED_SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"
SCORER = SHARED_SCORER if SHARED_SCORER.exists() else ROOT / "bench" / "score_extraction.py"
CLI = ROOT / ".venv" / "bin" / "minutesbot"


def scorer_command(corpus: Path, ext: str, *, verbose: bool = False) -> list[str]:
    """The scorer over one corpus and its formats, extracting each document with `minutesbot extract`."""
    found = [
        sys.executable,
        str(SCORER),
        "--corpus",
        str(corpus),
        "--ext",
        ext,
        "--cmd",
        f"{CLI} extract {{file}} --json --reference-date={{reference_date}}",
    ]
    return [*found, "--verbose"] if verbose else found
