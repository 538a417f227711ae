"""Benchmark the extraction core (warm docs/s and peak RSS per format) against bare-library baselines.

.md minutes are generated from the corpus's .docx (`markdown_from_docx`) when the corpus holds none."""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import common
from common import RESULTS, ROOT

DEFAULT_CORPUS = ROOT / "samples"
SECTION = "## Extraction"
REFERENCE_DATE = date(2024, 1, 29)
FORMATS = ("docx", "pdf", "txt", "md")
MODES = ("full", "read", "baseline")
TARGETS = {"docx": 0.5, "pdf": 0.8, "md": 0.5}  # docs/s as a share of the bare library's docs/s
# The mode each format's ratio is taken on: reading and extraction, or (.md: extraction costs ~10× the
# Markdown parse, so a full ratio would measure the extractor) `read_document` alone.
COMPARED = {"docx": "full", "pdf": "full", "md": "read"}
Results = dict[tuple[str, str], dict[str, Any]]
BASELINE_NAMES = {
    "docx": "python-docx paragraphs + table cells",
    "pdf": "pdfplumber extract_tables()",
    "md": '`MarkdownIt("commonmark").enable(["table", "strikethrough"]).parse()` of the decoded text',
}


# --- one measurement (runs in its own process) -----------------------------------------------------------


def _load(corpus: Path, fmt: str) -> list[tuple[str, bytes]]:
    paths = [path for path in sorted(corpus.glob(f"*.{fmt}")) if path.is_file()]
    if fmt == "md":  # minutes have their gold beside them; GOLD_FORMAT.md and the like are documentation
        paths = [path for path in paths if path.with_suffix(".gold.json").exists()]
    found = [(path.name, path.read_bytes()) for path in paths]
    if fmt == "md" and not found:
        return [
            (name[: -len(".docx")] + ".md", markdown_from_docx(data)) for name, data in _load(corpus, "docx")
        ]
    return found


def markdown_from_docx(data: bytes) -> bytes:
    """The minutes of a .docx written as a secretary would in Markdown: '##' headings, '-' bullets nested
    by level, pipe tables (a header row first; a cell's paragraphs joined with <br>, bullets as '• '),
    a paragraph's line breaks kept as lines."""
    from minutes.model import Paragraph, Table
    from minutes.read_docx import read_docx

    def cell_text(blocks: tuple[Paragraph | Table, ...]) -> str:
        lines: list[str] = []
        for block in blocks:
            if isinstance(block, Table):
                lines.extend(" ".join(row.texts) for row in block.rows)
            else:
                lines.extend(("• " if block.list_item else "") + line for line in block.text.split("\n"))
        return "<br>".join(line.replace("|", "\\|").strip() for line in lines if line.strip())

    out: list[str] = []
    for block in read_docx(data).blocks:
        if isinstance(block, Table):
            width = max((c.col + c.span for row in block.rows for c in row.cells), default=0)
            rows = []
            for row in block.rows:
                cells = [""] * width
                for cell in row.cells:
                    cells[cell.col] = cell_text(cell.blocks)
                rows.append("| " + " | ".join(cells) + " |")
            if rows:
                out.append("\n".join([rows[0], "|" + "---|" * width, *rows[1:]]))
        elif block.text.strip():
            if block.heading:
                out.append("## " + " ".join(block.text.split()))
            elif block.list_item:
                out.append("  " * block.level + "- " + block.text.strip().replace("\n", "\n  "))
            else:
                out.append(block.text.strip())
    return ("\n\n".join(out) + "\n").encode()


def _full() -> Callable[[str, bytes], object]:
    from minutes.extract import extract
    from minutes.readers import read_document

    def run(name: str, data: bytes) -> object:
        return extract(read_document(data, name), reference_date=REFERENCE_DATE)

    return run


def _docx_baseline() -> Callable[[str, bytes], object]:
    import docx

    def run(name: str, data: bytes) -> object:
        doc = docx.Document(io.BytesIO(data))
        texts = [paragraph.text for paragraph in doc.paragraphs]
        for table in doc.tables:
            for row in table.rows:
                for cell in row.cells:
                    texts.append(cell.text)
        return texts

    return run


def _pdf_baseline() -> Callable[[str, bytes], object]:
    import pdfplumber

    def run(name: str, data: bytes) -> object:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [page.extract_tables() for page in pdf.pages]

    return run


def _read() -> Callable[[str, bytes], object]:
    from minutes.readers import read_document

    def run(name: str, data: bytes) -> object:
        return read_document(data, name)

    return run


def _md_baseline() -> Callable[[str, bytes], object]:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark").enable(["table", "strikethrough"])

    def run(name: str, data: bytes) -> object:
        return parser.parse(data.decode("utf-8-sig"))

    return run


def _runner(mode: str, fmt: str) -> Callable[[str, bytes], object]:
    if mode == "full":
        return _full()
    if mode == "read":
        return _read()
    if fmt == "md":
        return _md_baseline()
    if fmt == "docx":
        return _docx_baseline()
    if fmt == "pdf":
        return _pdf_baseline()
    raise SystemExit(f"no baseline for .{fmt}")


def measure(mode: str, fmt: str, corpus: Path, min_seconds: float) -> dict[str, Any]:
    """Warm-up pass, then whole passes over the in-memory corpus until min_seconds have elapsed."""
    docs = _load(corpus, fmt)
    if not docs:
        raise SystemExit(f"no .{fmt} files in {corpus}")
    run = _runner(mode, fmt)
    for name, data in docs:  # warm-up: imports, regex compilation, caches
        run(name, data)
    processed = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < min_seconds:
        for name, data in docs:
            run(name, data)
        processed += len(docs)
        elapsed = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "mode": mode,
        "format": fmt,
        "docs": len(docs),
        "processed": processed,
        "elapsed": elapsed,
        "docs_per_s": processed / elapsed,
        "peak_rss_mib": peak_kib / 1024,
    }


# --- driver: one fresh subprocess per measurement --------------------------------------------------------


def _subprocess(mode: str, fmt: str, corpus: Path, min_seconds: float) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--one",
        mode,
        fmt,
        "--corpus",
        str(corpus),
        "--min-seconds",
        str(min_seconds),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        raise SystemExit(f"measurement {mode} .{fmt} failed (exit {result.returncode})")
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _machine() -> str:
    load = common.load()
    return f"{common.machine(('python-docx', 'pdfplumber', 'pypdf', 'lxml'))}; load average {load}"


def _revision() -> str:
    revision = common.revision()
    return revision if revision.find(" + ") < 0 else f"{revision} (minutes/*.py sha256 {_source_digest()})"


def _source_digest() -> str:
    """Fingerprint of the measured code, so a run on a dirty tree can still be matched to its source."""
    return common.source_digest(["minutes"])


def _table(results: Results, formats: list[str]) -> list[str]:
    lines = [
        "| format | docs | full docs/s | read docs/s | baseline docs/s | ratio | target | met? | peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for fmt in formats:
        full = results[(fmt, "full")]
        read = results.get((fmt, "read"))
        base = results.get((fmt, "baseline"))
        full_rate = float(full["docs_per_s"])
        read_cell = "—" if read is None else f"{float(read['docs_per_s']):.1f}"
        if base is None:
            base_cell = ratio_cell = target_cell = met_cell = "—"
            rss_cell = f"{float(full['peak_rss_mib']):.1f}"
        else:
            compared_mode = COMPARED[fmt]
            compared = results[(fmt, compared_mode)]
            base_rate = float(base["docs_per_s"])
            ratio = float(compared["docs_per_s"]) / base_rate
            target = TARGETS[fmt]
            base_cell = f"{base_rate:.1f}"
            ratio_cell = f"{ratio:.1%} {compared_mode}"
            target_cell = f"≥ {target:.0%}"
            met_cell = "yes" if ratio >= target else "**no**"
            rss_cell = (
                f"{float(compared['peak_rss_mib']):.1f} {compared_mode} / "
                f"{float(base['peak_rss_mib']):.1f} baseline"
            )
        lines.append(
            f"| .{fmt} | {full['docs']} | {full_rate:.1f} | {read_cell} | {base_cell} | {ratio_cell} "
            f"| {target_cell} | {met_cell} | {rss_cell} |"
        )
    return lines


def _section(
    table: list[str],
    started: str,
    machine: str,
    revision: str,
    corpus: Path,
    min_seconds: float,
    results: Results,
    rounds: int = 1,
) -> str:
    timed = ", ".join(
        f".{fmt} {mode} {r['processed']} docs in {float(r['elapsed']):.2f} s"
        for (fmt, mode), r in results.items()
    )
    baselines = "; ".join(f".{fmt}: {name}" for fmt, name in BASELINE_NAMES.items())
    return "\n".join(
        [
            SECTION,
            "",
            f"Date: {started}; revision {revision}.",
            f"Machine: {machine} (load average read before the run).",
            f"Corpus: `{corpus}`; reference date {REFERENCE_DATE.isoformat()}.",
            "",
            *table,
            "",
            f"Command: `cd {ROOT} && {common.command()}`",
            "",
            "Full = `minutes.readers.read_document` + `minutes.extract.extract`; read = "
            "`minutes.readers.read_document` alone; baselines = "
            f"{baselines}. The ratio is full ÷ baseline for .docx and .pdf, read ÷ baseline for .md "
            "(extraction costs several times the Markdown parse, so a full ratio would measure the extractor). "
            ".md files are generated from the corpus's .docx when it holds none "
            "(`markdown_from_docx`: headings, nested bullets, pipe tables with <br> in cells). Each row's figures come from one fresh, warm process per measurement "
            f"(a warm-up pass, then whole passes until ≥ {min_seconds:g} s; data read into memory "
            "before timing); peak RSS is that process's `ru_maxrss`, interpreter and imports included. "
            + (
                f"Each measurement was taken {rounds} times, in turn with the others, and the fastest kept. "
                if rounds > 1
                else ""
            )
            + f"Timed: {timed}.",
            "",
        ]
    )


def _write_markdown(corpus: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in _load(corpus, "md"):
        (folder / name).write_bytes(data)
        gold = corpus / (name[: -len(".md")] + ".gold.json")
        if gold.exists():
            (folder / gold.name).write_bytes(gold.read_bytes())
    print(f"wrote {folder}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder of minutes")
    parser.add_argument("--min-seconds", type=float, default=3.0, help="timed seconds per measurement")
    parser.add_argument(
        "--one",
        nargs=2,
        metavar=("MODE", "FORMAT"),
        help="run one measurement in this process and print it as JSON (MODE: full|read|baseline)",
    )
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument(
        "--rounds", type=int, default=1, help="take every measurement this many times, keep the fastest"
    )
    parser.add_argument(
        "--write-markdown",
        type=Path,
        metavar="DIR",
        help="write the .md generated from the corpus's .docx (and their .gold.json) to DIR, for scoring",
    )
    args = parser.parse_args()
    corpus = args.corpus.resolve()

    if args.one:
        mode, fmt = args.one
        if mode not in MODES or fmt not in FORMATS:
            parser.error(f"--one takes MODE in {MODES} and FORMAT in {FORMATS}")
        print(json.dumps(measure(mode, fmt, corpus, args.min_seconds)))
        return

    if args.write_markdown:
        _write_markdown(corpus, args.write_markdown)
        return

    formats = [fmt for fmt in FORMATS if fmt != "md" and any(corpus.glob(f"*.{fmt}"))]
    if "docx" in formats or _load(corpus, "md"):
        formats.append("md")  # the corpus's own, else generated from its .docx
    if not formats:
        raise SystemExit(f"no .docx/.pdf/.txt/.md files in {corpus}")
    # Taken before the run: the state that was measured.
    started = datetime.now().astimezone().isoformat(timespec="seconds")
    machine, revision = _machine(), _revision()
    results: Results = {}
    # Rounds take the measurements in turn and keep each one's fastest: a busy machine slows a
    # measurement, never speeds it up, so the best round is the one least disturbed.
    for round_number in range(1, args.rounds + 1):
        for fmt in formats:
            for mode in MODES:
                if mode == "baseline" and fmt not in TARGETS:
                    continue
                print(f"round {round_number}: measuring {mode} .{fmt} …", file=sys.stderr, flush=True)
                measured = _subprocess(mode, fmt, corpus, args.min_seconds)
                best = results.get((fmt, mode))
                if best is None or measured["docs_per_s"] > best["docs_per_s"]:
                    results[(fmt, mode)] = measured
    table = _table(results, formats)
    print("\n".join(table))
    section = _section(table, started, machine, revision, corpus, args.min_seconds, results, args.rounds)
    if not args.no_write:
        common.write_section(SECTION, section)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} ({SECTION})")


if __name__ == "__main__":
    main()
