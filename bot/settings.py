"""Settings: the only place the environment is read. Typed, validated once at start-up; secrets as SecretStr."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict, SettingsError

from minutes.calendar import CalendarError, parse_meeting_rule, parse_quiet_hours, parse_weekly_time
from minutes.group_file import AGENDA_DAYS, MOST_REMINDER_DAYS, REMINDER_DAYS
from minutes.groups import normalise_group
from workflows.item_actions import ActionPolicy
from workflows.remind import GroupPolicies, ReminderPolicy

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///minutesbot.db"
# The group name that sets the policy of every group not named.
EVERY_OTHER_GROUP = "*"


class ReminderSetting(BaseModel):
    """One group's reminder policy as an admin writes it (JSON); what is left out keeps the default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days_before: list[StrictInt] = Field(default=[7, 1], max_length=MOST_REMINDER_DAYS)
    on_day: bool = True
    weekly_overdue: bool = True
    quiet_hours: str = "18:00-07:30"

    @field_validator("days_before")
    @classmethod
    def _whole_days(cls, value: list[int]) -> list[int]:
        if any(days not in REMINDER_DAYS for days in value):
            raise ValueError("hela dagar före förfallodagen, 1–90")
        return value

    @field_validator("quiet_hours")
    @classmethod
    def _night(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    def policy(self) -> ReminderPolicy:
        return ReminderPolicy(
            days_before=tuple(self.days_before),
            on_day=self.on_day,
            weekly_overdue=self.weekly_overdue,
            quiet=parse_quiet_hours(self.quiet_hours),
        )


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})
_OBJECT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UPN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Settings(BaseSettings):
    """Every key is documented in .env.example. The embedded default needs none of them."""

    model_config = SettingsConfigDict(env_prefix="MINUTESBOT_", env_file=".env", extra="ignore")

    # Storage: SQLite by default; postgresql+asyncpg://… for several instances.
    database_url: str = DEFAULT_DATABASE_URL

    # Sources: a local folder and/or a SharePoint document library. No folder unless one is named (empty: off);
    # `make run` names its own. A folder named but missing stops the start.
    minutes_folder: Path | None = None
    sharepoint_library_url: str | None = None
    sharepoint_folder: str = ""
    poll_interval_minutes: int = Field(default=10, ge=1, le=1440)
    local_poll_seconds: int = Field(default=30, ge=1, le=3600)
    max_document_bytes: int = Field(default=20_000_000, ge=1_000, le=200_000_000)
    # How long a document must stay unchanged before its card is posted or updated (SharePoint's AutoSave
    # makes a version every few seconds while the secretary types); ingestion itself does not wait.
    settle_seconds: int = Field(default=120, ge=0, le=86_400)
    # One TOML file per group: its people and its own settings (README, 'Group configuration'). The JSON
    # settings per group below override what a group's file says (bot/group_config.py merges them).
    roster_dir: Path | None = None
    # Sources tied to a group (JSON): a local folder or a SharePoint library/folder address → the group every
    # document read below it belongs to, whatever its text says, e.g. {"https://kommun.sharepoint.com/sites/
    # VOF/Delade dokument/FSG": "FSG"}. Documents elsewhere take their group from their text.
    source_groups: dict[str, str] = {}

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
    # When each group's items are reminded of (JSON in the environment): days before the due date, on the
    # day, weekly while overdue, and the quiet hours, e.g. {"FSG": {"days_before": [3], "weekly_overdue":
    # false}}; "*" sets the policy of every group not named. Empty: 7 and 1 days before, on the day, weekly
    # while overdue, never 18:00-07:30, at weekends or on holidays.
    reminder_policies: dict[str, ReminderSetting] = {}
    # How many working days before each meeting its follow-up agenda is posted, per group (JSON), e.g.
    # {"FLG": 3, "VSG": 5}; "*" for every group not named, else 3.
    agenda_days_before: dict[str, StrictInt] = {}

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
    # The bot's administrators: Entra object ids and/or UPNs, separated by commas. They may make any channel
    # follow any group ('följ FLG'), and are told (by object id) of documents whose group cannot be told.
    administrators: Annotated[tuple[str, ...], NoDecode] = ()

    # Planner (a group's file's [planner] links its plan): how often each linked plan is polled (Planner has no
    # change notifications), the most requests one sync of a plan may make (the rest waits for the next), and
    # how fast requests go to one plan. Needs the app permission Tasks.ReadWrite.All.
    planner_poll_minutes: int = Field(default=5, ge=1, le=1440)
    planner_request_budget: int = Field(default=600, ge=10, le=100_000)
    planner_requests_per_second: float = Field(default=5.0, gt=0, le=100)

    log_level: str = "INFO"

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("stöds: sqlite+aiosqlite:///FIL eller postgresql+asyncpg://…")
        return value

    @field_validator("minutes_folder", mode="before")
    @classmethod
    def _empty_folder_is_off(cls, value: object) -> object:
        # Path("") is the working directory: an empty setting must mean no folder, never "watch the cwd".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("administrators", mode="before")
    @classmethod
    def _administrators(cls, value: object) -> tuple[str, ...]:
        entries = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())  # type: ignore[call-overload]
        cleaned = tuple(str(entry).strip().casefold() for entry in entries if str(entry).strip())
        for entry in cleaned:
            if not (_OBJECT_ID.fullmatch(entry) or _UPN.fullmatch(entry)):
                raise ValueError(f"administrators: {entry!r} är varken ett objekt-id (GUID) eller ett UPN")
        return cleaned

    @field_validator("source_groups")
    @classmethod
    def _source_groups(cls, value: dict[str, str]) -> dict[str, str]:
        groups: dict[str, str] = {}
        for place, group in value.items():
            name = normalise_group(group)
            if not place.strip() or name is None:
                raise ValueError(f"source_groups: {place!r} → {group!r} är inte en plats och ett gruppnamn")
            groups[place.strip()] = name
        return groups

    @field_validator("meeting_rules")
    @classmethod
    def _meeting_rules(cls, value: dict[str, str]) -> dict[str, str]:
        # Checked at start, like every other setting, not when the scheduler first reads the rule.
        for group, rule in value.items():
            try:
                parse_meeting_rule(rule)
            except CalendarError as error:
                raise ValueError(f"meeting_rules för {group}: {error.message}") from None
        return value

    @field_validator("digest_schedules", "reminder_policies", "agenda_days_before")
    @classmethod
    def _named_groups(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        if any(not group.strip() for group in value):
            raise ValueError(f"{info.field_name}: en grupp saknar namn")
        return {group.strip(): setting for group, setting in value.items()}

    @field_validator("agenda_days_before")
    @classmethod
    def _working_days(cls, value: dict[str, int]) -> dict[str, int]:
        for group, days in value.items():
            if days not in AGENDA_DAYS:
                raise ValueError(f"agenda_days_before för {group}: arbetsdagar före mötet, 1–20")
        return value

    @model_validator(mode="after")
    def _digests_in_working_hours(self) -> Settings:
        # After the fields: a digest's time is checked against its own group's quiet hours.
        policies = self.reminder_group_policies
        for group, when in self.digest_schedules.items():
            try:
                parse_weekly_time(when, quiet=policies.of(group).quiet)
            except ValueError as error:
                raise ValueError(f"digest_schedules för {group}: {error}") from None
        return self

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
    def reminder_group_policies(self) -> GroupPolicies:
        """The environment's reminder_policies alone; bot/group_config.py lays them over the groups' files."""
        named = {group: setting.policy() for group, setting in self.reminder_policies.items()}
        default = named.pop(EVERY_OTHER_GROUP, ReminderPolicy())
        return GroupPolicies(default=default, groups=named)

    @property
    def graph_configured(self) -> bool:
        return bool(self.tenant_id and self.client_id and (self.client_secret or self.certificate_path))


# pydantic's own error types, said in Swedish; the validators above already speak Swedish.
_PROBLEMS: Final[dict[str, str]] = {
    "extra_forbidden": "okänd nyckel",
    "missing": "saknas",
    "int_parsing": "ska vara ett heltal",
    "int_type": "ska vara ett heltal",
    "int_from_float": "ska vara ett heltal",
    "bool_parsing": "ska vara true eller false",
    "bool_type": "ska vara true eller false",
    "string_type": "ska vara en text",
    "dict_type": "ska vara ett JSON-objekt, {…}",
    "list_type": "ska vara en lista, […]",
    "model_type": "ska vara ett JSON-objekt, {…}",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "too_long": "har för många värden",
    "enum": "är inget av de tillåtna värdena",
    "literal_error": "är inget av de tillåtna värdena",
}
_FIELD_IN_SETTINGS_ERROR = re.compile(r'field "(\w+)"')


def describe_settings_error(error: ValidationError | SettingsError) -> str:
    """One Swedish line: which setting (its environment name, and where inside a JSON value) and what is wrong.
    Never the value itself: it may be a secret."""
    if isinstance(error, SettingsError):  # the environment's value is not JSON at all
        found = _FIELD_IN_SETTINGS_ERROR.search(str(error))
        name = f"MINUTESBOT_{found.group(1).upper()}" if found else "en inställning"
        return f"{name}: är inte giltig JSON (ingen inställning alls skrivs {{}})"
    problem = error.errors()[0]
    place = [str(part) for part in problem["loc"]]
    if place:
        place[0] = f"MINUTESBOT_{place[0].upper()}"
    message = str(problem["msg"]).removeprefix("Value error, ")
    said = message if problem["type"] == "value_error" else _PROBLEMS.get(problem["type"], message)
    return f"{' → '.join(place) or 'inställningarna'}: {said}"
