"""Does a real Swedish morphology beat the verb-shape rules? Scores every fixture batch with and without Debian's
apertium-swe-dan analyser (run as a separate program, lt-proc) and prints rows for bench/RESULTS.md."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minutes.extract import extract  # noqa: E402
from minutes.readers import read_document  # noqa: E402
from minutes.serialize import extraction_to_json  # noqa: E402
from minutes.words import WordClass, WordClasses, candidate_words  # noqa: E402

ANALYSER = Path("/usr/share/apertium/apertium-swe-dan/swe-dan.automorf.bin")
_UNIT = re.compile(r"\^([^/$]*)/([^$]*)\$")
SHARED_SCORER = ROOT.parent / "shared" / "tools" / "score_extraction.py"


def analyse(words: Iterable[str]) -> WordClasses:
    """The readings lt-proc gives each word; unknown words ('*') are left out."""
    listed = sorted({w for w in words if w.replace("-", "").isalpha()})
    run = subprocess.run(
        ["lt-proc", str(ANALYSER)], input="\n".join(listed) + "\n", capture_output=True, text=True, check=True
    )
    readings: dict[str, frozenset[WordClass]] = {}
    for surface, analyses in _UNIT.findall(run.stdout):
        if not analyses.startswith("*"):
            readings[surface.casefold()] = frozenset(_class_of(a) for a in analyses.split("/"))
    return WordClasses(readings)


def _class_of(analysis: str) -> WordClass:
    tags = set(re.findall(r"<([^>]+)>", analysis))
    if tags & {"vblex", "vbser", "vbhaver", "vbmod"}:
        if "pres" in tags:
            return WordClass.PASSIVE if "pasv" in tags else WordClass.PRESENT
        return {"inf": WordClass.INFINITIVE, "imp": WordClass.IMPERATIVE}.get(
            next((t for t in ("inf", "imp") if t in tags), ""), WordClass.PAST
        )
    for tag, word_class in (("n", WordClass.NOUN), ("np", WordClass.NOUN), ("adj", WordClass.ADJECTIVE)):
        if tag in tags:
            return word_class
    return WordClass.ADVERB if "adv" in tags else WordClass.OTHER


def score(corpus: Path, morphology: bool) -> str:
    sys.path.insert(0, str(SHARED_SCORER.parent))
    import score_extraction as scorer  # the customer's scorer: the same matching as `make score`

    total = {"tp": 0, "fp": 0, "fn": 0, "owner_ok": 0, "due_ok": 0}
    for gold_path in sorted(corpus.glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        stem = gold_path.name.removesuffix(".gold.json")
        for path in sorted(corpus.glob(f"{stem}.*")):
            if path.suffix not in {".md", ".txt", ".docx", ".pdf"}:
                continue
            document = read_document(path.read_bytes(), path.name)
            reference = date.fromisoformat(gold.get("reference_date") or gold["meeting"]["date"])
            words = analyse(candidate_words(document)) if morphology else None
            result = extract(document, reference_date=reference, file_name=path.name, word_classes=words)
            found, _ = scorer.score_doc(gold, extraction_to_json(result))
            for key in total:
                total[key] += found[key]
    precision = scorer.ratio(total["tp"], total["tp"] + total["fp"])
    recall = scorer.ratio(total["tp"], total["tp"] + total["fn"])
    f1 = scorer.ratio(2 * precision * recall, precision + recall)
    owner, due = scorer.ratio(total["owner_ok"], total["tp"]), scorer.ratio(total["due_ok"], total["tp"])
    return f"{f1:.3f} | {owner:.3f} | {due:.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "corpora", type=Path, nargs="*", default=sorted((ROOT / "tests" / "fixtures").glob("batch*"))
    )
    args = parser.parse_args()
    if shutil.which("lt-proc") is None or not ANALYSER.is_file() or not SHARED_SCORER.is_file():
        print(
            "fel: lt-proc och apertium-swe-dan (apt-get install apertium-swe-dan) och ../shared behövs",
            file=sys.stderr,
        )
        return 2
    print("| batch | shape rules: f1 | owner | due | with apertium: f1 | owner | due |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for corpus in args.corpora:
        print(f"| {corpus.name} | {score(corpus, False)} | {score(corpus, True)} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
