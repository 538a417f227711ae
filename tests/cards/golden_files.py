"""Golden JSON for the card tests, one helper for every card family: compare a card with golden/…/NAME.json, or
rewrite the file under UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def dump(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False, indent=2) + "\n"


def check_golden(folder: Path, name: str, built: dict[str, Any]) -> None:
    """Compare `built` with folder/name.json; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = folder / f"{name}.json"
    if UPDATE:
        folder.mkdir(exist_ok=True)
        path.write_text(dump(built), encoding="utf-8")
        return
    assert path.is_file(), f"{path.relative_to(GOLDEN)} missing: run UPDATE_GOLDEN=1 pytest tests/cards"
    assert built == json.loads(path.read_text(encoding="utf-8")), f"{name} differs from {path.name}"


def golden_names(folder: Path) -> set[str]:
    """The cards that have a golden file directly in `folder` (subfolders are other families')."""
    return {path.stem for path in folder.glob("*.json")}
