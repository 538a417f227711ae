"""`minutesbot planner`: status and unlink from the store alone; link and sync refused in one Swedish line (exit 2)
when Planner cannot be used."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli import main
from bot.planner import NO_REGISTRATION
from minutes.planner import PlanLink
from store import open_store


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'minutesbot.db'}"


@pytest.fixture(autouse=True)
def no_app_registration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in ("TENANT_ID", "CLIENT_ID", "CLIENT_SECRET", "CERTIFICATE_PATH", "ROSTER_DIR"):
        monkeypatch.delenv(f"MINUTESBOT_{key}", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def link(database: str, group: str = "FLG", plan: str = "plan-1") -> None:
    async def save() -> None:
        store = await open_store(database)
        try:
            await store.save_plan_link(PlanLink(group, plan, True, datetime(2024, 9, 2, tzinfo=UTC)))
        finally:
            await store.close()

    asyncio.run(save())


def test_status_without_any_plan(capsys: pytest.CaptureFixture[str], database: str) -> None:
    assert run(capsys, "planner", "status", f"--database={database}") == (
        0, "Ingen grupp är kopplad till Planner.\n", ""
    )  # fmt: skip


def test_status_and_unlink_of_a_linked_group(capsys: pytest.CaptureFixture[str], database: str) -> None:
    link(database)
    code, out, _ = run(capsys, "planner", "status", f"--database={database}")
    assert code == 0 and out.startswith("FLG: plan plan-1, inte synkad än; 0 uppgifter kopplade, 0 väntar")
    code, out, _ = run(capsys, "planner", "unlink", "--group", "FLG", f"--database={database}")
    assert code == 0 and "uppgifterna ligger kvar i Planner" in out
    code, out, _ = run(capsys, "planner", "status", "--group", "flg", f"--database={database}")
    assert code == 0 and out.startswith("FLG: plan plan-1, bortkopplad")


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (("planner", "link", "--group", "FLG"), "fel: ange planens id: planner link --group GRUPP --plan PLAN-ID\n"),
        (("planner", "unlink", "--group", "FLG"), "fel: FLG har ingen Planner-plan\n"),
        (("planner", "unlink"), "fel: ange en grupp, t.ex. FLG\n"),
        (("planner", "sync"), f"fel: {NO_REGISTRATION}\n"),
        (("planner", "link", "--group", "FLG", "--plan", "p"), f"fel: {NO_REGISTRATION}\n"),
    ],
)  # fmt: skip
def test_refusals_are_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], database: str, argv: tuple[str, ...], said: str
) -> None:
    code, out, err = run(capsys, *argv, f"--database={database}")
    assert (code, out, err) == (2, "", said)
