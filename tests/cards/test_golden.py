"""Golden JSON for every card builder; UPDATE_GOLDEN=1 rewrites the files instead of comparing."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cards.cases import CASES

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def dump(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2) + "\n"


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_card_matches_golden_file(name: str, build: Callable[[], dict[str, Any]]) -> None:
    path = GOLDEN / f"{name}.json"
    card = build()
    if UPDATE:
        path.write_text(dump(card), encoding="utf-8")
        return
    assert path.is_file(), f"{path.name} missing: run UPDATE_GOLDEN=1 pytest tests/cards"
    assert card == json.loads(path.read_text(encoding="utf-8")), f"{name} differs from {path.name}"


def test_builders_are_deterministic() -> None:
    for name, build in CASES.items():
        assert dump(build()) == dump(build()), name


def test_every_golden_file_has_a_case() -> None:
    assert {path.stem for path in GOLDEN.glob("*.json")} <= set(CASES)
