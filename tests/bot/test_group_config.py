"""Each group's configuration: its file in the roster folder merged with the environment (the environment
wins), refused with one line naming the file and key, and taking effect in the composed app."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import create_app
from bot.group_config import GroupConfig, load_group_config, read_group_files, save_rosters
from bot.keys import INGESTION, REMINDERS, SCHEDULER, STORE
from bot.settings import Settings
from minutes.calendar import QuietHours
from minutes.group_file import parse_group_file
from minutes.roster import RosterError
from tests.fakes import InMemoryStore
from workflows.remind import ReminderPolicy

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples"
MONDAY_8 = {"day_of_week": "mon", "hour": 8, "minute": 0}
TUESDAY_9_15 = {"day_of_week": "tue", "hour": 9, "minute": 15}
FRIDAY_13 = {"day_of_week": "fri", "hour": 13, "minute": 0}


def group_folder(tmp_path: Path, tables: dict[str, str]) -> Path:
    """One file per group, `group = "…"` and the tables given."""
    folder = tmp_path / "grupper"
    folder.mkdir(exist_ok=True)
    for group, text in tables.items():
        (folder / f"{group.lower()}.toml").write_text(f'group = "{group}"\n{text}\n', encoding="utf-8")
    return folder


def configured(tmp_path: Path, tables: dict[str, str], **environment: Any) -> GroupConfig:
    return load_group_config(Settings(roster_dir=group_folder(tmp_path, tables), **environment))


Check = Callable[[GroupConfig], object]
MERGES: list[tuple[str, dict[str, str], dict[str, Any], Check, object]] = [
    # (what, the files' tables per group, the environment, what to look at, what it must be)
    (
        "digest from a file",
        {"FLG": "[digest]\nwhen = 'tis 09:15'"},
        {},
        lambda c: c.digest_cron,
        {"FLG": TUESDAY_9_15},
    ),
    (
        "digest: the environment wins",
        {"FLG": "[digest]\nwhen = 'tis 09:15'"},
        {"digest_schedules": {"FLG": "fre 13:00"}},
        lambda c: (c.digest_cron, c.overridden),
        ({"FLG": FRIDAY_13}, (("FLG", "MINUTESBOT_DIGEST_SCHEDULES"),)),
    ),
    (
        "digest: file and environment name different groups",
        {"FLG": "[digest]\nwhen = 'tis 09:15'"},
        {"digest_schedules": {"FSG": "fre 13:00"}},
        lambda c: (c.digest_cron, c.overridden),
        ({"FLG": TUESDAY_9_15, "FSG": FRIDAY_13}, ()),
    ),
    ("no digest anywhere: the one default digest", {"FLG": ""}, {}, lambda c: c.digest_cron, {}),
    (
        "a digest early in the morning, allowed by the file's own quiet hours",
        {"FSG": "[digest]\nwhen = 'mån 07:00'\n[reminders]\nquiet_hours = '20:00-06:30'"},
        {},
        lambda c: c.digest_cron["FSG"]["hour"],
        7,
    ),
    (
        "reminders from a file; other groups keep the default",
        {"FLG": "[reminders]\ndays_before = [3]\nweekly_overdue = false"},
        {},
        lambda c: (c.reminder_policies.of("FLG"), c.reminder_policies.of("FSG")),
        (ReminderPolicy(days_before=(3,), weekly_overdue=False), ReminderPolicy()),
    ),
    (
        "reminders: the environment's policy replaces the file's whole",
        {"FLG": "[reminders]\ndays_before = [3]\nweekly_overdue = false"},
        {"reminder_policies": {"FLG": {"days_before": [2]}}},
        lambda c: c.reminder_policies.of("FLG"),
        ReminderPolicy(days_before=(2,)),
    ),
    (
        "reminders: the environment's '*' is for groups that name none",
        {"FLG": "[reminders]\ndays_before = [3]\nquiet_hours = '17:00-08:00'"},
        {"reminder_policies": {"*": {"days_before": [10]}}},
        lambda c: (c.reminder_policies.of("FLG"), c.reminder_policies.of("FSG").days_before),
        (ReminderPolicy(days_before=(3,), quiet=QuietHours(start=time(17), end=time(8))), (10,)),
    ),
    (
        "agenda lead from a file",
        {"VSG": "[agenda]\ndays_before = 5"},
        {},
        lambda c: (c.agenda_lead("VSG"), c.agenda_lead("FLG")),
        (5, 3),
    ),
    (
        "agenda lead: the environment wins; its '*' is for the others",
        {"VSG": "[agenda]\ndays_before = 5", "FSG": "[agenda]\ndays_before = 2"},
        {"agenda_days_before": {"VSG": 7, "*": 4}},
        lambda c: (c.agenda_lead("VSG"), c.agenda_lead("FSG"), c.agenda_lead("FLG")),
        (7, 2, 4),
    ),
    (
        "meeting rule from a file",
        {"FLG": "[meetings]\nrule = 'varannan måndag från 2024-08-26'"},
        {"meeting_rules": {"FSG": "varje tisdag"}},
        lambda c: dict(c.meeting_rules),
        {"FLG": "varannan måndag från 2024-08-26", "FSG": "varje tisdag"},
    ),
    (
        "meeting rule: the environment wins",
        {"FLG": "[meetings]\nrule = 'varannan måndag från 2024-08-26'"},
        {"meeting_rules": {"FLG": "första måndagen i månaden"}},
        lambda c: dict(c.meeting_rules),
        {"FLG": "första måndagen i månaden"},
    ),
    (
        "sources: a folder and a library tie their documents to the file's group",
        {
            "FSG": "[sources]\nfolders = ['/srv/protokoll/fsg']\n"
            "sharepoint = ['https://kommun.sharepoint.com/sites/VOF/Delade dokument/FSG']"
        },
        {},
        lambda c: (
            c.source_groups.group_of("file:///srv/protokoll/fsg/2024/mars.docx"),
            c.source_groups.group_of("https://kommun.sharepoint.com/sites/VOF/Delade%20dokument/FSG/a.docx"),
            c.source_groups.group_of("file:///srv/protokoll/flg/a.docx"),
        ),
        ("FSG", "FSG", None),
    ),
    (
        "sources: the environment wins for a place both name; the longest place still decides",
        {"FSG": "[sources]\nfolders = ['/srv/protokoll/fsg/', '/srv/protokoll']"},
        {"source_groups": {"/srv/protokoll/fsg": "VSG"}},
        lambda c: (
            c.source_groups.group_of("file:///srv/protokoll/fsg/a.docx"),
            c.source_groups.group_of("file:///srv/protokoll/b.docx"),
            c.overridden,
        ),
        ("VSG", "FSG", (("FSG", "MINUTESBOT_SOURCE_GROUPS"),)),
    ),
]


@pytest.mark.parametrize(
    ("files", "environment", "look", "expected"), [m[1:] for m in MERGES], ids=[m[0] for m in MERGES]
)
def test_the_files_and_the_environment_merge(
    tmp_path: Path, files: dict[str, str], environment: dict[str, Any], look: Check, expected: object
) -> None:
    assert look(configured(tmp_path, files, **environment)) == expected


def test_a_local_source_written_relative_is_the_files_own_folder(tmp_path: Path) -> None:
    config = configured(tmp_path, {"FSG": "[sources]\nfolders = ['fsg-protokoll']"})
    inside = (tmp_path / "grupper" / "fsg-protokoll" / "a.docx").as_uri()
    assert config.source_groups.group_of(inside) == "FSG"


REFUSALS: list[tuple[str, dict[str, str], dict[str, Any], tuple[str, ...]]] = [
    # (what, the files' tables per group, the environment, what the one line must say)
    (
        "a bad value names the file and the key",
        {"FLG": "[digest]\nwhen = 'lördag 09:00'"},
        {},
        ("grupper/flg.toml: [digest] when:", "bara vardagar"),
    ),
    (
        "a file's digest in the default quiet hours",
        {"FLG": "[digest]\nwhen = 'mån 07:00'"},
        {},
        ("grupper/flg.toml: [digest] when:", "utanför arbetstid"),
    ),
    (
        "the environment's digest in the quiet hours the file sets",
        {"FSG": "[reminders]\nquiet_hours = '17:00-08:00'"},
        {"digest_schedules": {"FSG": "mån 07:45"}},
        (
            "MINUTESBOT_DIGEST_SCHEDULES → FSG:",
            "utanför arbetstid",
            "tysta timmar enligt fsg.toml [reminders]",
        ),
    ),
    (
        "two files claim one place for different groups",
        {"FLG": "[sources]\nfolders = ['/srv/protokoll']", "FSG": "[sources]\nfolders = ['/srv/protokoll/']"},
        {},
        ("fsg.toml: [sources] '/srv/protokoll' hör redan till FLG (flg.toml)",),
    ),
]


@pytest.mark.parametrize(
    ("files", "environment", "said"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_what_cannot_be_used_is_one_line_naming_it(
    tmp_path: Path, files: dict[str, str], environment: dict[str, Any], said: tuple[str, ...]
) -> None:
    with pytest.raises(RosterError) as refused:
        configured(tmp_path, files, **environment)
    assert all(part in refused.value.message for part in said), refused.value.message
    assert "\n" not in refused.value.message


def test_one_file_per_group(tmp_path: Path) -> None:
    folder = group_folder(tmp_path, {"FLG": ""})
    (folder / "flg-extra.toml").write_text('group = "FLG"\n', encoding="utf-8")
    with pytest.raises(
        RosterError, match="flg.toml: gruppen FLG har redan en fil, flg-extra.toml: en fil per grupp"
    ):
        read_group_files(folder)


def test_a_roster_folder_that_does_not_exist_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(RosterError, match="MINUTESBOT_ROSTER_DIR: mappen .*finns-inte finns inte"):
        load_group_config(Settings(roster_dir=tmp_path / "finns-inte"))


def test_without_a_roster_folder_the_environment_alone(tmp_path: Path) -> None:
    config = load_group_config(Settings(roster_dir=None, digest_schedules={"FLG": "mån 08:00"}))
    assert (dict(config.files), dict(config.digest_cron)) == ({}, {"FLG": MONDAY_8})


async def test_rosters_are_loaded_from_the_roster_folder(tmp_path: Path) -> None:
    rosters = tmp_path / "rosters"
    rosters.mkdir()
    (rosters / "flg.toml").write_text(
        'group = "FLG"\n[[person]]\ninitials = "AA"\nname = "Anna A"\n', encoding="utf-8"
    )
    store = InMemoryStore()
    assert await save_rosters(load_group_config(Settings(roster_dir=rosters)), store) == ["FLG"]
    assert [e.initials for e in await store.roster("FLG")] == ["AA"]
    (rosters / "trasig.toml").write_text("group = [", encoding="utf-8")
    with pytest.raises(RosterError, match="trasig.toml"):
        load_group_config(Settings(roster_dir=rosters))


def test_the_readme_example_is_a_valid_group_file() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Group configuration") :]
    example = re.search(r"```toml\n(.*?)```", section, re.S)
    assert example is not None
    parsed = parse_group_file(example.group(1))
    settings = parsed.settings
    assert parsed.people and settings.folders and settings.sharepoint and settings.meeting_rule
    assert settings.digest and settings.reminders and settings.agenda_days_before
    assert settings.archive_after_months and settings.report_back_lead_days == 2


async def test_settings_in_a_group_file_take_effect_in_the_app(tmp_path: Path) -> None:
    """The sample minutes say FLG; the FSG file ties their folder to FSG, and sets FSG's digest and reminders."""
    folder = tmp_path / "grupper" / "protokoll"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", folder)
    tables = (
        "[sources]\nfolders = ['protokoll']\n[digest]\nwhen = 'tis 09:15'\n"
        "[reminders]\ndays_before = [2]\n[[person]]\nname = 'Bo Berg'\ninitials = 'BB'"
    )
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=folder,
        local_poll_seconds=3600,
        roster_dir=group_folder(tmp_path, {"FSG": tables}),
        digest_schedules={"FLG": "fre 13:00"},
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        await client.app[INGESTION].idle()
        groups = {item.group for item in await client.app[STORE].list_items()}
        people = [person.name for person in await client.app[STORE].roster("FSG")]
        jobs = {job.id: str(job.trigger) for job in client.app[SCHEDULER].get_jobs()}
        policies = client.app[REMINDERS].policies
    assert groups == {"FSG"} and people == ["Bo Berg"]
    assert jobs["digest.weekly:FSG"] == "cron[day_of_week='tue', hour='9', minute='15']"
    assert jobs["digest.weekly:FLG"] == "cron[day_of_week='fri', hour='13', minute='0']"
    assert (policies.of("FSG").days_before, policies.of("FLG").days_before) == ((2,), (7, 1))


def test_run_stops_with_one_line_on_a_bad_group_file(tmp_path: Path) -> None:
    folder = group_folder(tmp_path, {"FLG": "[agenda]\ndays_before = 30"})
    environment = {key: value for key, value in os.environ.items() if not key.startswith("MINUTESBOT_")} | {
        "MINUTESBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        "MINUTESBOT_ROSTER_DIR": str(folder),
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.splitlines() == [
        f"fel: {folder / 'flg.toml'}: [agenda] days_before: 30 går inte: 1–20"
    ]


def test_an_archive_rule_in_a_group_file_is_the_groups_alone(tmp_path: Path) -> None:
    (tmp_path / "flg.toml").write_text('group = "FLG"\n[archive]\nafter_months = 12\n', encoding="utf-8")
    (tmp_path / "fsg.toml").write_text('group = "FSG"\n', encoding="utf-8")
    config = load_group_config(Settings(roster_dir=tmp_path))
    assert config.archive_after_months == {"FLG": 12}


def test_a_report_back_lead_in_a_group_file_is_the_groups_alone(tmp_path: Path) -> None:
    (tmp_path / "flg.toml").write_text(
        'group = "FLG"\n[report_back]\nlead_working_days = 4\n', encoding="utf-8"
    )
    (tmp_path / "fsg.toml").write_text('group = "FSG"\n', encoding="utf-8")
    config = load_group_config(Settings(roster_dir=tmp_path))
    assert (config.report_back_lead("FLG"), config.report_back_lead("FSG")) == (4, 2)
    assert config.groups == ("FLG", "FSG")


SECRETARY = """
[[person]]
initials = "YK"
name = "Yvonne Kvist"
roles = ["sekreterare"]
aad_object_id = "aad-yk"
"""
NO_ENTRA_ID = """
[[person]]
initials = "YK"
name = "Yvonne Kvist"
roles = ["sekreterare"]
"""


@pytest.mark.parametrize(
    ("people", "reviewed"),
    [
        pytest.param(SECRETARY, True, id="a secretary with an Entra id"),
        pytest.param(NO_ENTRA_ID, False, id="a secretary without an Entra id: no chat to send to"),
        pytest.param("", False, id="no roster"),
    ],
)
def test_review_first_needs_a_secretary_else_the_start_says_so_and_publishes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, people: str, reviewed: bool
) -> None:
    (tmp_path / "flg.toml").write_text(
        'group = "FLG"\n[cards]\nreview_first = true\n' + people, encoding="utf-8"
    )
    (tmp_path / "fsg.toml").write_text('group = "FSG"\n' + SECRETARY, encoding="utf-8")
    with caplog.at_level("WARNING", logger="bot.group_config"):
        config = load_group_config(Settings(roster_dir=tmp_path))
    assert config.review_first == ({"FLG"} if reviewed else set())
    assert config.review_without_secretary == (() if reviewed else ("FLG",))
    # The start-up log names the group that falls back (its wording is not tested).
    warned = [r for r in caplog.records if r.levelname == "WARNING" and "FLG" in r.getMessage()]
    assert bool(warned) is not reviewed
