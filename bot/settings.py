"""Settings: the only place the environment is read. Typed, validated once at start-up; secrets as SecretStr."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Final

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from minutes.calendar import QuietHours
from workflows.item_actions import ActionPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///minutesbot.db"
# A weekday as a municipal IT admin may write it (Swedish or English, whole or short) → APScheduler's name.
WEEKDAYS: Final[dict[str, str]] = {
    **dict.fromkeys(("måndag", "mån", "må", "monday", "mon"), "mon"),
    **dict.fromkeys(("tisdag", "tis", "ti", "tuesday", "tue"), "tue"),
    **dict.fromkeys(("onsdag", "ons", "on", "wednesday", "wed"), "wed"),
    **dict.fromkeys(("torsdag", "tors", "tor", "to", "thursday", "thu"), "thu"),
    **dict.fromkeys(("fredag", "fre", "fr", "friday", "fri"), "fri"),
}
_WEEKLY_TIME = re.compile(
    r"^(?P<day>[a-zåäö]+)\.?\s+(?:kl\.?\s*)?(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?$"
)
_WEEKLY_EXAMPLE = 'skriv veckodag och klockslag, t.ex. "mån 08:00" eller "fredag 13.30"'


def parse_weekly_time(text: str) -> dict[str, int | str]:
    """'mån 08:00', 'fredag kl. 13.30', 'thu 9' → APScheduler cron fields {"day_of_week", "hour", "minute"}.
    A working day within working hours (outside the quiet hours, 07:30–18:00): the digest is no message for
    the evening or the weekend. ValueError with one Swedish line otherwise."""
    found = _WEEKLY_TIME.match(" ".join(text.split()).casefold())
    day = found["day"] if found is not None else ""
    if day not in WEEKDAYS and day.endswith(("ar", "en")):  # 'måndagar', 'fredagen'
        day = day[:-2]
    if found is None or day not in WEEKDAYS:
        weekend = found is not None and found["day"].startswith(("lö", "sö", "sat", "sun"))
        reason = "bara vardagar (mån–fre)" if weekend else _WEEKLY_EXAMPLE
        raise ValueError(f"{text!r} förstås inte: {reason}")
    hour, minute = int(found["hour"]), int(found["minute"] or 0)
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r}: {hour}:{minute:02d} är inget klockslag")
    quiet = QuietHours()
    if not quiet.end <= time(hour, minute) < quiet.start:
        raise ValueError(
            f"{text!r} ligger utanför arbetstid: välj en tid från {quiet.end:%H:%M} till före {quiet.start:%H:%M}"
        )
    return {"day_of_week": WEEKDAYS[day], "hour": hour, "minute": minute}


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


class Settings(BaseSettings):
    """Every key is documented in .env.example. The embedded default needs none of them."""

    model_config = SettingsConfigDict(env_prefix="MINUTESBOT_", env_file=".env", extra="ignore")

    # Storage: SQLite by default; postgresql+asyncpg://… for several instances.
    database_url: str = DEFAULT_DATABASE_URL

    # Sources: a local folder (the embedded default) and/or a SharePoint document library.
    minutes_folder: Path | None = Path("samples")
    sharepoint_library_url: str | None = None
    sharepoint_folder: str = ""
    poll_interval_minutes: int = Field(default=10, ge=1, le=1440)
    local_poll_seconds: int = Field(default=30, ge=1, le=3600)
    max_document_bytes: int = Field(default=20_000_000, ge=1_000, le=200_000_000)
    roster_dir: Path | None = None

    # Microsoft Entra app registration (app-only Graph access).
    tenant_id: str = ""
    client_id: str = ""
    client_secret: SecretStr | None = None
    certificate_path: Path | None = None
    graph_base_url: str | None = None  # a fake Graph in tests; unset in production

    # Graph change notifications: only with a public HTTPS endpoint; otherwise delta is polled.
    graph_notification_url: str | None = None
    graph_client_state: SecretStr | None = None

    # Each group's meetings, for follow-up agendas and 'kommande FLG' reminders: a Swedish rule per group,
    # e.g. {"FLG": "varannan måndag från 2024-08-26"} (JSON in the environment). Dates in minutes add to it.
    meeting_rules: dict[str, str] = {}
    # When each group's weekly digest goes to its channels: a weekday and a time per group (JSON in the
    # environment), e.g. {"FLG": "mån 08:00", "FSG": "fre 13:00"}. Empty: one digest of every group, Monday
    # 08:00. Set, only the groups named get a digest: name every group.
    digest_schedules: dict[str, str] = {}

    # The HTTP listener (health, Graph notifications; the Teams endpoint comes with the bot).
    host: str = "127.0.0.1"
    port: int = Field(default=3978, ge=1, le=65535)

    # The Teams bot (Azure Bot registration, single tenant: tenant_id above). Without bot_app_id the Teams
    # endpoint is not mounted at all, unless dangerously_allow_unauthenticated (loopback only: the Agents
    # Playground), which accepts activities WITHOUT any JWT validation.
    bot_app_id: str = ""
    bot_app_password: SecretStr | None = None
    dangerously_allow_unauthenticated: bool = False
    # Who may check off, move or disown an item: any member of the group, or its owner and the secretary.
    item_action_policy: ActionPolicy = ActionPolicy.MEMBERS

    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("stöds: sqlite+aiosqlite:///FIL eller postgresql+asyncpg://…")
        return value

    @field_validator("digest_schedules")
    @classmethod
    def _weekly_times(cls, value: dict[str, str]) -> dict[str, str]:
        for group, when in value.items():
            if not group.strip():
                raise ValueError("digest_schedules: en grupp saknar namn")
            try:
                parse_weekly_time(when)
            except ValueError as error:
                raise ValueError(f"digest_schedules för {group}: {error}") from None
        return value

    @model_validator(mode="after")
    def _bot_authentication(self) -> Settings:
        if self.dangerously_allow_unauthenticated and self.host not in LOOPBACK_HOSTS:
            raise ValueError(
                "dangerously_allow_unauthenticated stänger av autentiseringen och tillåts bara när host är "
                "127.0.0.1, ::1 eller localhost"
            )
        if self.bot_app_id and not (self.bot_app_password and self.tenant_id):
            raise ValueError("bot_app_id kräver bot_app_password och tenant_id (SingleTenant-registrering)")
        return self

    @property
    def teams_enabled(self) -> bool:
        """Whether POST /api/messages is mounted: with a bot registration, or for the Playground."""
        return bool(self.bot_app_id) or self.dangerously_allow_unauthenticated

    @property
    def digest_cron(self) -> dict[str, dict[str, int | str]]:
        """digest_schedules as the scheduler takes them: group → cron fields."""
        return {group.strip(): parse_weekly_time(when) for group, when in self.digest_schedules.items()}

    @property
    def graph_configured(self) -> bool:
        return bool(self.tenant_id and self.client_id and (self.client_secret or self.certificate_path))
