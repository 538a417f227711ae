"""Score the extractor on a corpus with gold files and fail below a floor: the regression gate of `make test`."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from common import ROOT, scorer_command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples")
    parser.add_argument("--floor", type=float, default=0.90)
    parser.add_argument("--ext", default="txt,docx,pdf")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    # The floor holds for every format on its own: a reader that fails one format cannot hide behind the others.
    failed = False
    for ext in args.ext.split(","):
        if not any(args.corpus.glob(f"*.{ext}")):
            continue
        failed |= not _score_format(args.corpus, ext, args.floor, args.verbose)
    return 1 if failed else 0


def _score_format(corpus: Path, ext: str, floor: float, verbose: bool) -> bool:
    run = subprocess.run(
        scorer_command(corpus, ext, verbose=verbose), capture_output=True, text=True, check=False
    )
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    total = re.search(r"f1=([\d.]+) owner_acc=([\d.]+) due_acc=([\d.]+) failures=(\d+)", run.stdout)
    if run.returncode != 0 or total is None:
        print(f"score: the scorer did not print a TOTAL line for .{ext}", file=sys.stderr)
        return False
    f1, owner, due = (float(total.group(i)) for i in (1, 2, 3))
    failures = int(total.group(4))
    low = {
        name: value for name, value in (("f1", f1), ("owner_acc", owner), ("due_acc", due)) if value < floor
    }
    if low or failures:
        print(
            f"score: {corpus.name} .{ext} below the floor {floor}: {low} failures={failures}", file=sys.stderr
        )
        return False
    print(f"score: {corpus.name} .{ext} f1={f1:.3f} owner_acc={owner:.3f} due_acc={due:.3f} (floor {floor})")
    return True


if __name__ == "__main__":
    raise SystemExit(main())
