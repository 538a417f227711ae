"""Score the extractor on a corpus with gold files and fail below a floor: the regression gate of `make test`."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"
# A copy for clones without ../shared beside them; the shared one wins when present.
VENDORED_SCORER = ROOT / "bench" / "score_extraction.py"
CLI = ROOT / ".venv" / "bin" / "minutesbot"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples")
    parser.add_argument("--floor", type=float, default=0.90)
    parser.add_argument("--ext", default="txt,docx,pdf")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    scorer = SHARED_SCORER if SHARED_SCORER.exists() else VENDORED_SCORER
    command = [
        sys.executable,
        str(scorer),
        "--corpus",
        str(args.corpus),
        "--ext",
        args.ext,
        "--cmd",
        f"{CLI} extract {{file}} --json --reference-date={{reference_date}}",
    ]
    if args.verbose:
        command.append("--verbose")
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    sys.stdout.write(run.stdout)
    sys.stderr.write(run.stderr)
    total = re.search(r"f1=([\d.]+) owner_acc=([\d.]+) due_acc=([\d.]+) failures=(\d+)", run.stdout)
    if run.returncode != 0 or total is None:
        print("score: the scorer did not print a TOTAL line", file=sys.stderr)
        return 1
    f1, owner, due = (float(total.group(i)) for i in (1, 2, 3))
    failures = int(total.group(4))
    low = {
        name: value
        for name, value in (("f1", f1), ("owner_acc", owner), ("due_acc", due))
        if value < args.floor
    }
    if low or failures:
        print(f"score: below the floor {args.floor}: {low} failures={failures}", file=sys.stderr)
        return 1
    print(f"score: f1={f1:.3f} owner_acc={owner:.3f} due_acc={due:.3f} (floor {args.floor})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
