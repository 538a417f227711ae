"""`minutesbot run` as `make run` starts it: few start-up lines at INFO, then where it listens (a real process)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.cli_text import ready_banner

ROOT = Path(__file__).resolve().parents[2]
MOST_STARTUP_INFO_LINES = 8


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_make_run_starts_in_few_info_lines_and_says_where_it_listens(tmp_path: Path) -> None:
    """The embedded default of `make run` (SQLite, a folder with the example minutes): every line before the
    banner is counted, and the banner names the address it listens on."""
    folder = tmp_path / "protokoll"
    folder.mkdir()
    for sample in sorted((ROOT / "samples").glob("*.docx")):
        shutil.copy2(sample, folder)
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MINUTESBOT_")}
    env.update(
        MINUTESBOT_PORT=str(port),
        MINUTESBOT_MINUTES_FOLDER=str(folder),
        MINUTESBOT_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'minutesbot.db'}",
        MINUTESBOT_LOG_LEVEL="INFO",
    )
    binary = Path(sys.executable).parent / "minutesbot"
    before_banner: list[str] = []
    banner_line = ""
    with subprocess.Popen(
        [str(binary), "run"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    ) as service:
        try:
            assert service.stdout is not None
            deadline = time.monotonic() + 60
            for line in service.stdout:
                if f"127.0.0.1:{port}" in line and " INFO " not in line:
                    banner_line = line
                    break
                before_banner.append(line)
                assert time.monotonic() < deadline, "no banner within 60 s"
        finally:
            os.killpg(service.pid, signal.SIGTERM)
            try:
                service.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(service.pid, signal.SIGKILL)
    assert banner_line, f"the service stopped before it listened:\n{''.join(before_banner)}"
    info = [line for line in before_banner if " INFO " in line]
    assert len(info) <= MOST_STARTUP_INFO_LINES, "".join(info)
    # Nothing but log lines before the banner (no third-party banner, no traceback).
    assert all(line[:4].isdigit() for line in before_banner), "".join(before_banner)


@pytest.mark.parametrize("teams", [True, False])
def test_banner_names_the_address_the_health_check_and_the_database(teams: bool) -> None:
    banner = ready_banner(
        host="127.0.0.1", port=4000, teams=teams, database="sqlite+aiosqlite:///x.db", minutes_folder="p"
    )
    assert "http://127.0.0.1:4000/healthz" in banner
    assert "sqlite+aiosqlite:///x.db" in banner
    assert ("http://127.0.0.1:4000/api/messages" in banner) is teams
    assert ("make playground" in banner) is not teams
