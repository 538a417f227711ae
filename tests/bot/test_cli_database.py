"""A database that cannot be opened at start-up: one `fel:` line naming it (never its password), exit code 2,
no traceback; for `minutesbot run` and every command taking --database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "hemligt-losen-4711"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def corrupt_sqlite(tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "trasig.db"
    path.write_bytes(b"\x13\x37" * 4096)  # no SQLite header: 'file is not a database'
    return f"sqlite+aiosqlite:///{path}", "trasig.db"


def unopenable_sqlite(tmp_path: Path) -> tuple[str, str]:
    return f"sqlite+aiosqlite:///{tmp_path / 'finns-inte' / 'bot.db'}", "bot.db"


def unreachable_postgres(tmp_path: Path) -> tuple[str, str]:
    return f"postgresql+asyncpg://bot:{PASSWORD}@127.0.0.1:{free_port()}/protokoll", "protokoll"


DATABASES = [corrupt_sqlite, unopenable_sqlite, unreachable_postgres]
IDS = ["corrupt-sqlite", "unopenable-sqlite", "unreachable-postgresql"]


def assert_one_fel_line(code: int, err: str, names: str) -> None:
    assert code == 2
    assert "Traceback" not in err and PASSWORD not in err and "lyssna" not in err
    fel = [line for line in err.splitlines() if line.startswith("fel:")]
    assert len(fel) == 1 and names in fel[0], err[-2000:]


@pytest.mark.parametrize("database", DATABASES, ids=IDS)
def test_run_on_a_database_that_cannot_be_opened(tmp_path: Path, database: object) -> None:
    url, names = database(tmp_path)  # type: ignore[operator]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MINUTESBOT_")} | {
        "MINUTESBOT_DATABASE_URL": url,
        "MINUTESBOT_MINUTES_FOLDER": "",
        "MINUTESBOT_PORT": str(free_port()),
    }
    completed = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=environment | {"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert_one_fel_line(completed.returncode, completed.stderr + completed.stdout, names)


@pytest.mark.parametrize("database", DATABASES, ids=IDS)
@pytest.mark.parametrize("command", [["items"], ["decisions"], ["ingest", "."]])
def test_store_commands_on_a_database_that_cannot_be_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], database: object, command: list[str]
) -> None:
    url, names = database(tmp_path)  # type: ignore[operator]
    code = main([*command, f"--database={url}"])
    _, err = capsys.readouterr()
    assert_one_fel_line(code, err, names)
