"""Settings: every key is in .env.example, and bad values are refused."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.group_config import load_group_config
from bot.settings import Settings
from minutes.calendar import QuietHours
from workflows.remind import ReminderPolicy

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_setting() -> None:
    listed = set(
        re.findall(r"^#?\s*MINUTESBOT_(\w+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M)
    )
    assert listed == {name.upper() for name in Settings.model_fields}


def test_the_embedded_default_needs_no_configuration(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    settings = Settings()
    assert settings.database_url.startswith("sqlite+aiosqlite://") and not settings.graph_configured


def test_secrets_never_print(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINUTESBOT_CLIENT_SECRET", "hemligt-värde")
    settings = Settings()
    assert "hemligt-värde" not in repr(settings) and "hemligt-värde" not in str(settings.model_dump())


@pytest.mark.parametrize(
    ("key", "value"), [("DATABASE_URL", "mysql://x"), ("PORT", "70000"), ("POLL_INTERVAL_MINUTES", "0")]
)
def test_bad_values_are_refused(monkeypatch: pytest.MonkeyPatch, key: str, value: str) -> None:
    monkeypatch.setenv(f"MINUTESBOT_{key}", value)
    with pytest.raises(ValidationError):
        Settings()


def test_digest_schedules_are_weekdays_and_times_per_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MINUTESBOT_DIGEST_SCHEDULES",
        '{"FLG": "mån 08:00", "FSG": "Fredag kl. 13.30", "KLG": "thu 9", "SLG": "tisdagar 7:30"}',
    )
    assert load_group_config(Settings()).digest_cron == {
        "FLG": {"day_of_week": "mon", "hour": 8, "minute": 0},
        "FSG": {"day_of_week": "fri", "hour": 13, "minute": 30},
        "KLG": {"day_of_week": "thu", "hour": 9, "minute": 0},
        "SLG": {"day_of_week": "tue", "hour": 7, "minute": 30},
    }


def test_no_digest_schedules_means_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_group_config(Settings()).digest_cron == {}


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ('{"FLG": "måndag"}', "veckodag och klockslag"),  # no time
        ('{"FLG": "8:00"}', "veckodag och klockslag"),  # no day
        ('{"FLG": "lör 09:00"}', "vardagar"),
        ('{"FLG": "mån 19:00"}', "utanför arbetstid"),
        ('{"FLG": "mån 06:45"}', "utanför arbetstid"),
        ('{"FLG": "mån 24:00"}', "inget klockslag"),
        ('{"FLG": "0 8 * * 1"}', "veckodag och klockslag"),  # crontab is not what an admin is asked for
        ('{" ": "mån 08:00"}', "saknar namn"),
        ('["mån 08:00"]', ""),  # not a mapping at all
    ],
)
def test_a_bad_digest_schedule_says_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("MINUTESBOT_DIGEST_SCHEDULES", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "digest_schedules" in str(refused.value) and said in str(refused.value)


def test_reminder_policies_per_group_and_for_every_other(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "MINUTESBOT_REMINDER_POLICIES",
        '{"FSG": {"days_before": [3], "weekly_overdue": false, "quiet_hours": "17.00 – 8.15"},'
        ' "*": {"days_before": [14, 7, 1]}}',
    )
    policies = Settings().reminder_group_policies
    assert policies.of("FSG") == ReminderPolicy(
        days_before=(3,), weekly_overdue=False, quiet=QuietHours(start=time(17, 0), end=time(8, 15))
    )
    assert policies.of("FLG") == policies.default == ReminderPolicy(days_before=(14, 7, 1))
    assert policies.horizon_days == 14


def test_no_reminder_policies_means_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.reminder_group_policies.of("FLG") == ReminderPolicy()
    assert (
        load_group_config(settings).agenda_lead("FLG"),
        load_group_config(settings).agenda_lead("VSG"),
    ) == (3, 3)


def test_agenda_days_before_per_group(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINUTESBOT_AGENDA_DAYS_BEFORE", '{"VSG": 5}')
    settings = Settings()
    assert (
        load_group_config(settings).agenda_lead("VSG"),
        load_group_config(settings).agenda_lead("FLG"),
    ) == (5, 3)
    monkeypatch.setenv("MINUTESBOT_AGENDA_DAYS_BEFORE", '{"VSG": 5, "*": 4}')
    settings = Settings()
    assert (
        load_group_config(settings).agenda_lead("VSG"),
        load_group_config(settings).agenda_lead("FLG"),
    ) == (5, 4)


@pytest.mark.parametrize(
    ("key", "value", "said"),
    [
        ("REMINDER_POLICIES", '{"FLG": {"days_before": [0]}}', "1–90"),
        ("REMINDER_POLICIES", '{"FLG": {"quiet_hours": "07:30-18:00"}}', "över natten"),
        ("REMINDER_POLICIES", '{"FLG": {"quiet_hours": "kväll"}}', "förstås inte"),
        ("REMINDER_POLICIES", '{"FLG": {"quiet_hours": "25:00-07:00"}}', "finns inte"),
        ("REMINDER_POLICIES", '{"FLG": {"days_before": [7], "weekly": true}}', "weekly"),  # a misspelt key
        ("REMINDER_POLICIES", '{" ": {}}', "saknar namn"),
        ("AGENDA_DAYS_BEFORE", '{"FLG": 0}', "1–20"),
        ("AGENDA_DAYS_BEFORE", '{"FLG": "tre"}', ""),
        ("AGENDA_DAYS_BEFORE", '{"FLG": true}', ""),
        ("REMINDER_POLICIES", '{"FLG": {"days_before": [true]}}', ""),
        ("MEETING_RULES", '{"FLG": "ibland"}', "ingen mötesregel"),  # at start, not at the first tick
    ],
)
def test_a_bad_group_policy_says_what_is_wrong(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str, said: str
) -> None:
    monkeypatch.setenv(f"MINUTESBOT_{key}", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert key.lower() in str(refused.value) and said in str(refused.value)


def test_a_digest_time_keeps_its_groups_working_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINUTESBOT_REMINDER_POLICIES", '{"FSG": {"quiet_hours": "20:00-06:30"}}')
    monkeypatch.setenv("MINUTESBOT_DIGEST_SCHEDULES", '{"FSG": "mån 07:00", "FLG": "mån 08:00"}')
    assert load_group_config(Settings()).digest_cron["FSG"] == {"day_of_week": "mon", "hour": 7, "minute": 0}
    monkeypatch.setenv("MINUTESBOT_DIGEST_SCHEDULES", '{"FLG": "mån 07:00"}')  # FLG keeps 07:30-18:00
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "digest_schedules för FLG" in str(refused.value) and "utanför arbetstid" in str(refused.value)


def test_an_empty_minutes_folder_is_off_and_so_is_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("MINUTESBOT_MINUTES_FOLDER", raising=False)
    assert Settings().minutes_folder is None
    for off in ("", "  "):
        monkeypatch.setenv("MINUTESBOT_MINUTES_FOLDER", off)
        assert Settings().minutes_folder is None
    monkeypatch.setenv("MINUTESBOT_MINUTES_FOLDER", "protokoll")
    assert Settings().minutes_folder == Path("protokoll")


def test_the_settle_time_defaults_to_two_minutes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert Settings().settle_seconds == 120
    monkeypatch.setenv("MINUTESBOT_SETTLE_SECONDS", "0")
    assert Settings().settle_seconds == 0
    monkeypatch.setenv("MINUTESBOT_SETTLE_SECONDS", "-1")
    with pytest.raises(ValidationError):
        Settings()


def test_make_run_sets_its_own_folder() -> None:
    # The default is off: only the embedded default (`make run`) watches a folder, and it names it.
    run_target = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "MINUTESBOT_MINUTES_FOLDER=$(RUN_DIR)/protokoll" in run_target


def test_administrators_and_source_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINUTESBOT_ADMINISTRATORS", "6F1C2B3A-0000-4000-8000-00000000AAAA, it@kommun.example")
    monkeypatch.setenv("MINUTESBOT_SOURCE_GROUPS", '{"/srv/protokoll/fsg": "FSG"}')
    settings = Settings()
    assert settings.administrators == ("6f1c2b3a-0000-4000-8000-00000000aaaa", "it@kommun.example")
    assert settings.source_groups == {"/srv/protokoll/fsg": "FSG"}


@pytest.mark.parametrize(
    ("key", "value"),
    [("ADMINISTRATORS", "inte en användare"), ("SOURCE_GROUPS", "[]"), ("SOURCE_GROUPS", '{"/x": "F L G"}')],
)
def test_bad_administrators_or_source_groups_are_refused(
    monkeypatch: pytest.MonkeyPatch, key: str, value: str
) -> None:
    monkeypatch.setenv(f"MINUTESBOT_{key}", value)
    with pytest.raises(ValidationError):
        Settings()
