"""Golden JSON for every card builder; UPDATE_GOLDEN=1 rewrites the files instead of comparing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.cards.cases import CASES
from tests.cards.golden_files import GOLDEN, check_golden, dump, golden_names


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_card_matches_golden_file(name: str, build: Callable[[], dict[str, Any]]) -> None:
    check_golden(GOLDEN, name, build())


def test_builders_are_deterministic() -> None:
    for name, build in CASES.items():
        assert dump(build()) == dump(build()), name


def test_every_golden_file_has_a_case() -> None:
    assert golden_names(GOLDEN) <= set(CASES)
