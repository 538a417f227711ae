"""Score one batch of fixtures per format and print Markdown rows for bench/RESULTS.md (first-sight table)."""

from __future__ import annotations

import argparse
import re
import subprocess
from datetime import date
from pathlib import Path

from common import scorer_command

FORMATS = ("md", "txt", "docx", "pdf")
TOTAL = re.compile(r"f1=([\d.]+) owner_acc=([\d.]+) due_acc=([\d.]+) failures=(\d+) meeting_date=(\d+)/(\d+)")


def score(corpus: Path, ext: str) -> re.Match[str] | None:
    run = subprocess.run(scorer_command(corpus, ext), capture_output=True, text=True, check=False)
    return TOTAL.search(run.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--label", default=None, help="the batch's name in the table (default: the folder)")
    args = parser.parse_args()
    label = args.label or args.corpus.name
    today = date.today().isoformat()
    print("| batch | date | format | documents | f1 | owner | due | meeting date found |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for ext in (",".join(FORMATS), *FORMATS):
        documents = sum(1 for e in ext.split(",") for _ in args.corpus.glob(f"*.{e}"))
        if not documents:
            continue
        total = score(args.corpus, ext)
        if total is None:
            print(f"| {label} | {today} | {ext} | {documents} | – | – | – | – |")
            continue
        f1, owner, due, _, found, dated = total.groups()
        name = "all" if "," in ext else f".{ext}"
        print(f"| {label} | {today} | {name} | {documents} | {f1} | {owner} | {due} | {found}/{dated} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
