"""The rules are general: no person or organisation named in an answer key appears in the extractor's code."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KEYS = [*ROOT.glob("tests/fixtures/*/*.gold.json"), *ROOT.glob("samples/*.gold.json")]


def names_in_keys() -> set[str]:
    names: set[str] = set()
    for key in KEYS:
        gold = json.loads(key.read_text(encoding="utf-8"))
        written = [person["name"] for person in gold.get("people", [])]
        written += [owner for item in gold["items"] for owner in item.get("owners", [])]
        for name in written:
            words = name.split()
            # Full names ('Eva Lind') and the organisations keys name with capitals ('Rörkonsult Syd AB').
            if len(words) >= 2 and all(w[:1].isupper() for w in words):
                names.add(name)
    return names


def test_the_answer_keys_name_people() -> None:
    assert len(names_in_keys()) > 100  # the scan below looks for something


def test_no_name_from_an_answer_key_is_in_the_extractor() -> None:
    code = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "minutes").glob("*.py"))
    found = sorted(name for name in names_in_keys() if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", code))
    assert found == []
