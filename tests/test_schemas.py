"""The vendored schemas (schemas/) are in the repository and equal the customer's originals in ../shared/schemas
while that exists beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDORED = ROOT / "schemas"
SHARED = ROOT.parent / "shared" / "schemas"
# Copied from ../shared/schemas (schemas/README.md); the localization schema has no original there.
FROM_SHARED = ("adaptive-card-1.5.0.json", "graph-v1.components.json", "teams-manifest-v1.29.schema.json")
ALL = (*FROM_SHARED, "teams-localization-v1.29.schema.json")


@pytest.mark.parametrize("name", ALL)
def test_the_schema_is_vendored_and_described(name: str) -> None:
    assert (VENDORED / name).is_file(), f"schemas/{name} is missing from the repository"
    assert name in (VENDORED / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", FROM_SHARED)
def test_the_vendored_schema_equals_the_shared_one(name: str) -> None:
    original = SHARED / name
    if not original.is_file():
        pytest.skip(f"no {original} beside the repository to compare with")
    assert (VENDORED / name).read_bytes() == original.read_bytes(), (
        f"schemas/{name} differs from {original}: copy it again and date the copy in schemas/README.md"
    )


def test_every_vendored_file_is_listed() -> None:
    assert {path.name for path in VENDORED.iterdir() if path.name != "README.md"} == set(ALL)
