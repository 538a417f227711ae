"""A group's file (its roster TOML): the group's people and, in optional tables, its settings — parsed and
validated into frozen dataclasses, every error one Swedish line naming the key. Pure: the caller reads it."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Final

from minutes.calendar import (
    DEFAULT_QUIET_HOURS,
    CalendarError,
    QuietHours,
    parse_meeting_rule,
    parse_quiet_hours,
    parse_weekly_time,
)
from minutes.planner import BucketMode, PlannerRule
from minutes.records import RosterEntry
from minutes.report_back import REPORT_BACK_DAYS
from minutes.roster import RosterError, parse_people

# The bounds an admin may set, the same in a group's file and in the environment (bot/settings.py).
REMINDER_DAYS: Final = range(1, 91)  # days before the due date
MOST_REMINDER_DAYS: Final = 10
AGENDA_DAYS: Final = range(1, 21)  # working days before the meeting
ARCHIVE_MONTHS: Final = range(
    1, 121
)  # months past the due date (else the meeting) before an item is archived


class GroupFileError(RosterError):
    """A group's file, or its settings together with the environment's, that cannot be used."""


@dataclass(frozen=True, slots=True)
class ReminderRule:
    """`[reminders]`: when the group's items are reminded of; what the table leaves out keeps the default."""

    days_before: tuple[int, ...] = (7, 1)
    on_day: bool = True
    weekly_overdue: bool = True
    quiet: QuietHours = DEFAULT_QUIET_HOURS


@dataclass(frozen=True, slots=True)
class GroupSettings:
    """What a group's file sets. Empty or None: the file does not say, so the environment or the default
    decides. A later setting (a Planner plan) is one more field and one more table."""

    folders: tuple[str, ...] = ()  # [sources] folders: local folders, as written (relative to the file)
    sharepoint: tuple[str, ...] = ()  # [sources] sharepoint: library or folder addresses
    meeting_rule: str | None = None  # [meetings] rule, e.g. 'varannan måndag från 2024-08-26'
    digest: str | None = None  # [digest] when, e.g. 'mån 08:00' (its working hours are checked once merged)
    reminders: ReminderRule | None = None  # [reminders]
    agenda_days_before: int | None = None  # [agenda] days_before
    archive_after_months: int | None = None  # [archive] after_months: None archives nothing by rule
    report_back_lead_days: int | None = None  # [report_back] lead_working_days: before the agenda goes out
    review_first: bool = False  # [cards] review_first: a new meeting's card goes to the secretary first
    planner: PlannerRule | None = None  # [planner]: the group's items as tasks in a Planner plan


@dataclass(frozen=True, slots=True)
class GroupFile:
    """One group's file: its name (`group = "FLG"`), its people (`[[person]]`) and its settings."""

    group: str
    people: tuple[RosterEntry, ...] = ()
    settings: GroupSettings = field(default_factory=GroupSettings)


class _Table:
    """One settings table of the file: unknown keys refused, each value checked with the key in the error."""

    def __init__(self, name: str, data: object, known: tuple[str, ...]) -> None:
        self.name = name
        if not isinstance(data, dict):
            raise GroupFileError(f"[{name}] ska vara en tabell (en rad [{name}] med nycklar under)")
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise GroupFileError(f"[{name}]: okänd nyckel {unknown[0]!r} (kända: {', '.join(known)})")
        self.data: dict[str, object] = data

    def fail(self, key: str, said: str) -> GroupFileError:
        return GroupFileError(f"[{self.name}] {key}: {said}")

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, 'ska vara en text, "…"')
        return " ".join(value.split())

    def texts(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, 'ska vara en lista av texter, ["…"]')
        return tuple(v.strip() for v in value)

    def whole(self, key: str, allowed: range) -> int | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, "ska vara ett heltal")
        if value not in allowed:
            raise self.fail(key, f"{value} går inte: {allowed.start}–{allowed.stop - 1}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(key, "ska vara true eller false")
        return value


def _sources(table: _Table, settings: GroupSettings) -> GroupSettings:
    folders, addresses = table.texts("folders"), table.texts("sharepoint")
    if web := next((f for f in folders if f.lower().startswith(("http://", "https://"))), None):
        raise table.fail("folders", f"{web!r} är en webbadress: skriv den under sharepoint")
    if local := next((a for a in addresses if not a.lower().startswith("https://")), None):
        raise table.fail("sharepoint", f"{local!r} är ingen https-adress till ett bibliotek eller en mapp")
    return replace(settings, folders=folders, sharepoint=addresses)


def _meetings(table: _Table, settings: GroupSettings) -> GroupSettings:
    rule = table.text("rule")
    if rule is not None:
        try:
            parse_meeting_rule(rule)
        except CalendarError as error:
            raise table.fail("rule", error.message) from None
    return replace(settings, meeting_rule=rule)


def _digest(table: _Table, settings: GroupSettings) -> GroupSettings:
    when = table.text("when")
    if when is not None:
        try:
            parse_weekly_time(when, quiet=None)  # the group's quiet hours are known once merged
        except ValueError as error:
            raise table.fail("when", str(error)) from None
    return replace(settings, digest=when)


_DEFAULT_REMINDERS: Final = ReminderRule()


def _reminders(table: _Table, settings: GroupSettings) -> GroupSettings:
    days = table.data.get("days_before", list(_DEFAULT_REMINDERS.days_before))
    if not isinstance(days, list) or any(isinstance(d, bool) or not isinstance(d, int) for d in days):
        raise table.fail("days_before", "ska vara en lista av heltal, t.ex. [7, 1]")
    if len(days) > MOST_REMINDER_DAYS or any(d not in REMINDER_DAYS for d in days):
        raise table.fail("days_before", f"högst {MOST_REMINDER_DAYS} hela dagar före förfallodagen, 1–90")
    quiet = DEFAULT_QUIET_HOURS
    if (night := table.text("quiet_hours")) is not None:
        try:
            quiet = parse_quiet_hours(night)
        except ValueError as error:
            raise table.fail("quiet_hours", str(error)) from None
    rule = ReminderRule(
        days_before=tuple(days),
        on_day=table.flag("on_day", _DEFAULT_REMINDERS.on_day),
        weekly_overdue=table.flag("weekly_overdue", _DEFAULT_REMINDERS.weekly_overdue),
        quiet=quiet,
    )
    return replace(settings, reminders=rule)


def _agenda(table: _Table, settings: GroupSettings) -> GroupSettings:
    return replace(settings, agenda_days_before=table.whole("days_before", AGENDA_DAYS))


def _archive(table: _Table, settings: GroupSettings) -> GroupSettings:
    return replace(settings, archive_after_months=table.whole("after_months", ARCHIVE_MONTHS))


def _report_back(table: _Table, settings: GroupSettings) -> GroupSettings:
    return replace(settings, report_back_lead_days=table.whole("lead_working_days", REPORT_BACK_DAYS))


def _cards(table: _Table, settings: GroupSettings) -> GroupSettings:
    return replace(settings, review_first=table.flag("review_first", False))


def _planner(table: _Table, settings: GroupSettings) -> GroupSettings:
    plan, group = table.text("plan"), table.text("create_in_group")
    if plan and group:
        raise table.fail("plan", "ange antingen en befintlig plan (plan) eller create_in_group, inte båda")
    buckets = table.text("buckets") or BucketMode.MEETING.value
    if buckets not in {mode.value for mode in BucketMode}:
        raise table.fail(
            "buckets", f'{buckets!r} går inte: "meeting" (en bucket per möte) eller "topic" (per rubrik)'
        )
    enabled = table.flag("enabled", True)
    if enabled and not plan and not group:
        raise table.fail("plan", "ange planens id (plan) eller Microsoft 365-gruppens id (create_in_group)")
    rule = PlannerRule(plan_id=plan, create_in_group=group, bucket_mode=BucketMode(buckets), enabled=enabled)
    return replace(settings, planner=rule)


_Reader = Callable[[_Table, GroupSettings], GroupSettings]
# Every settings table: its name, its keys, and what reads it. A later setting is one more row.
SETTINGS_TABLES: Final[Mapping[str, tuple[tuple[str, ...], _Reader]]] = {
    "sources": (("folders", "sharepoint"), _sources),
    "meetings": (("rule",), _meetings),
    "digest": (("when",), _digest),
    "reminders": (("days_before", "on_day", "weekly_overdue", "quiet_hours"), _reminders),
    "agenda": (("days_before",), _agenda),
    "archive": (("after_months",), _archive),
    "report_back": (("lead_working_days",), _report_back),
    "cards": (("review_first",), _cards),
    "planner": (("plan", "create_in_group", "buckets", "enabled"), _planner),
}
TOP_LEVEL_KEYS: Final = ("group", "person", *SETTINGS_TABLES)


def parse_group_file(text: str) -> GroupFile:
    """A group's whole file: `group = "FLG"`, `[[person]]` tables, and the optional settings tables.
    GroupFileError (a RosterError) with one Swedish line naming the key when something cannot be used."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise GroupFileError(f"rosterfilen är inte giltig TOML ({error})") from None
    group = data.get("group")
    if not isinstance(group, str) or not group.strip():
        raise GroupFileError("rosterfilen saknar 'group = \"…\"' (till exempel FLG)")
    unknown = sorted(set(data) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise GroupFileError(f"okänd nyckel {unknown[0]!r} (kända: {', '.join(TOP_LEVEL_KEYS)})")
    settings = GroupSettings()
    for name, (keys, read) in SETTINGS_TABLES.items():
        if name in data:
            settings = read(_Table(name, data[name], keys), settings)
    return GroupFile(group.strip(), parse_people(group.strip(), data.get("person", [])), settings)
