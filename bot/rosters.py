"""The groups' roster files (*.toml in MINUTESBOT_ROSTER_DIR) into the store at start-up."""

from __future__ import annotations

import asyncio
from pathlib import Path

from minutes.roster import RosterError, parse_roster_toml
from workflows.ports import RosterStore


async def load_rosters(folder: Path, rosters: RosterStore) -> list[str]:
    """Every *.toml roster in the folder into the store, at start-up; a broken file stops the start."""
    groups: list[str] = []
    for path, text in await asyncio.to_thread(_read_rosters, folder):
        try:
            if isinstance(text, Exception):
                raise text
            group, entries = parse_roster_toml(text)
        except RosterError as error:
            raise RosterError(f"{path.name}: {error.message}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise RosterError(f"{path.name} kan inte läsas ({type(error).__name__})") from None
        await rosters.save_roster(group, entries)
        groups.append(group)
    return groups


def _read_rosters(folder: Path) -> list[tuple[Path, str | Exception]]:
    found: list[tuple[Path, str | Exception]] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            found.append((path, error))
    return found
