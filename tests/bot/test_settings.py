"""Settings: every key is in .env.example, and bad values are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings

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
