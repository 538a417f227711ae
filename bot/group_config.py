"""Each group's configuration in one object: its file in MINUTESBOT_ROSTER_DIR (people and settings) with the
environment's JSON settings laid over it — the environment wins, per group and per setting (README, 'Group
configuration'). Read once at start-up; the composition root passes it where the settings are used."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TypeVar

from bot.settings import EVERY_OTHER_GROUP, Settings
from minutes.calendar import MeetingCalendar, parse_weekly_time
from minutes.group_file import GroupFile, GroupFileError, GroupSettings, ReminderRule, parse_group_file
from minutes.logsafe import safe_log_field
from minutes.planner import PlannerRule
from minutes.report_back import REPORT_BACK_LEAD_DAYS
from minutes.roster import RosterError
from workflows.agenda import AGENDA_WORKING_DAYS_BEFORE
from workflows.ingest import SourceGroups
from workflows.item_actions import SECRETARY_ROLE
from workflows.ports import RosterStore
from workflows.remind import GroupPolicies, ReminderPolicy

logger = logging.getLogger(__name__)

_Value = TypeVar("_Value")


@dataclass(frozen=True, slots=True)
class GroupConfig:
    """Every group's people and settings, merged: what the composition root hands to the use cases.
    `overridden` lists (group, setting) where the environment replaced what the group's file said."""

    files: Mapping[Path, GroupFile] = field(default_factory=dict)
    source_groups: SourceGroups = SourceGroups()
    meeting_rules: Mapping[str, str] = field(default_factory=dict)
    # group → APScheduler cron fields; empty: one digest of every group (scheduler.runner's default)
    digest_cron: Mapping[str, dict[str, int | str]] = field(default_factory=dict)
    reminder_policies: GroupPolicies = GroupPolicies()
    agenda_days_before: Mapping[str, int] = field(default_factory=dict)  # "*": every group not named
    archive_after_months: Mapping[str, int] = field(default_factory=dict)  # [archive]: groups with a rule
    report_back_lead_days: Mapping[str, int] = field(default_factory=dict)  # [report_back]: the file alone
    # [cards] review_first: groups whose new meetings' cards go to their secretary first ('Publicera').
    review_first: frozenset[str] = frozenset()
    # Groups whose file asks for review_first but whose roster names no secretary to send the card to.
    review_without_secretary: tuple[str, ...] = ()
    planner: Mapping[str, PlannerRule] = field(default_factory=dict)  # [planner]: the file alone
    overridden: tuple[tuple[str, str], ...] = ()

    def agenda_lead(self, group: str) -> int:
        """Working days before the group's meetings that their follow-up agenda is posted."""
        default = self.agenda_days_before.get(EVERY_OTHER_GROUP, AGENDA_WORKING_DAYS_BEFORE)
        return self.agenda_days_before.get(group, default)

    def report_back_lead(self, group: str) -> int:
        """Working days before the group's agenda goes out that its owners are asked to report back."""
        return self.report_back_lead_days.get(group, REPORT_BACK_LEAD_DAYS)

    @property
    def groups(self) -> tuple[str, ...]:
        """Every group a file or a meeting rule names, sorted."""
        return tuple(sorted({file.group for file in self.files.values()} | set(self.meeting_rules)))

    def calendars(self) -> dict[str, MeetingCalendar]:
        """Each group's configured meetings (the rules were checked when read)."""
        return {group: MeetingCalendar.configured(rules=[rule]) for group, rule in self.meeting_rules.items()}


def load_group_config(settings: Settings) -> GroupConfig:
    """The group files in MINUTESBOT_ROSTER_DIR (none without it) merged with the environment. RosterError,
    one Swedish line naming the file and key, for a file that cannot be used: the start stops."""
    files = read_group_files(settings.roster_dir) if settings.roster_dir is not None else {}
    config = merge_group_config(files, settings)
    for group, setting in config.overridden:
        logger.info(
            "group %s: the environment's %s replaces the one in its file", safe_log_field(group), setting
        )
    for group in config.review_without_secretary:
        logger.warning(
            "group %s: [cards] review_first needs a secretary in its roster (role '%s' with an "
            "aad_object_id) to send the card to; its meeting cards are published straight away",
            safe_log_field(group),
            SECRETARY_ROLE,
        )
    return config


def read_group_files(folder: Path) -> dict[Path, GroupFile]:
    """Every *.toml in `folder`, by name; a local source folder written relative is taken from the file's
    own folder. One file per group."""
    if not folder.is_dir():
        raise GroupFileError(f"MINUTESBOT_ROSTER_DIR: mappen {folder} finns inte (eller är ingen mapp)")
    files: dict[Path, GroupFile] = {}
    seen: dict[str, Path] = {}
    for path in sorted(folder.glob("*.toml")):
        try:
            parsed = parse_group_file(path.read_text(encoding="utf-8"))
        except RosterError as error:
            raise GroupFileError(f"{path}: {error.message}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise GroupFileError(f"{path} kan inte läsas ({type(error).__name__})") from None
        if parsed.group in seen:
            raise GroupFileError(
                f"{path}: gruppen {parsed.group} har redan en fil, {seen[parsed.group].name}: en fil per grupp"
            )
        seen[parsed.group] = path
        folders = tuple(str(path.parent / Path(f).expanduser()) for f in parsed.settings.folders)
        files[path] = replace(parsed, settings=replace(parsed.settings, folders=folders))
    return files


def merge_group_config(files: Mapping[Path, GroupFile], settings: Settings) -> GroupConfig:
    """The files' settings with the environment's laid over them: for each group and each setting the
    environment's value when it names the group, else the file's, else the environment's "*" (reminders,
    agenda), else the default. A reminder policy is replaced whole, never merged key by key."""
    by_group = {file.group: (path, file.settings) for path, file in files.items()}
    overridden: list[tuple[str, str]] = []

    def overlay(
        name: str, from_files: dict[str, _Value], from_environment: Mapping[str, _Value]
    ) -> dict[str, _Value]:
        overridden.extend((group, name) for group in from_files if group in from_environment)
        return {**from_files, **from_environment}

    rules = overlay(
        "MINUTESBOT_MEETING_RULES",
        {g: s.meeting_rule for g, (_, s) in by_group.items() if s.meeting_rule is not None},
        settings.meeting_rules,
    )
    environment_policies = settings.reminder_group_policies
    policies = GroupPolicies(
        default=environment_policies.default,
        groups=overlay(
            "MINUTESBOT_REMINDER_POLICIES",
            {g: _policy(s.reminders) for g, (_, s) in by_group.items() if s.reminders is not None},
            environment_policies.groups,
        ),
    )
    digests = overlay(
        "MINUTESBOT_DIGEST_SCHEDULES",
        {g: s.digest for g, (_, s) in by_group.items() if s.digest is not None},
        settings.digest_schedules,
    )
    agenda = overlay(
        "MINUTESBOT_AGENDA_DAYS_BEFORE",
        {g: s.agenda_days_before for g, (_, s) in by_group.items() if s.agenda_days_before is not None},
        settings.agenda_days_before,
    )
    cron: dict[str, dict[str, int | str]] = {}
    for group, when in digests.items():
        try:
            cron[group] = parse_weekly_time(when, quiet=policies.of(group).quiet)
        except ValueError as error:
            raise GroupFileError(_digest_refused(group, str(error), by_group.get(group), settings)) from None
    # The card goes to the secretary's personal chat, opened by the Entra object id the roster gives.
    reviewed = {file.group for file in files.values() if file.settings.review_first}
    with_secretary = {
        file.group
        for file in files.values()
        if any(SECRETARY_ROLE in person.roles and person.aad_object_id for person in file.people)
    }
    source_groups, sources_overridden = _source_groups(files, settings.source_groups)
    overridden += [(group, "MINUTESBOT_SOURCE_GROUPS") for group in sources_overridden]
    return GroupConfig(
        files=dict(files),
        source_groups=source_groups,
        meeting_rules=rules,
        digest_cron=cron,
        reminder_policies=policies,
        agenda_days_before=agenda,
        archive_after_months={
            g: s.archive_after_months for g, (_, s) in by_group.items() if s.archive_after_months is not None
        },
        report_back_lead_days={
            g: s.report_back_lead_days
            for g, (_, s) in by_group.items()
            if s.report_back_lead_days is not None
        },
        review_first=frozenset(reviewed & with_secretary),
        review_without_secretary=tuple(sorted(reviewed - with_secretary)),
        planner={g: s.planner for g, (_, s) in by_group.items() if s.planner is not None},
        overridden=tuple(overridden),
    )


def _digest_refused(
    group: str, reason: str, own: tuple[Path, GroupSettings] | None, settings: Settings
) -> str:
    """Where the refused digest time was set, and the file when the quiet hours it falls in are the file's."""
    if own is None:  # no file for the group: the environment alone
        return f"MINUTESBOT_DIGEST_SCHEDULES → {group}: {reason}"
    path, from_file = own
    where = (
        f"MINUTESBOT_DIGEST_SCHEDULES → {group}"
        if group in settings.digest_schedules
        else f"{path}: [digest] when"
    )
    if from_file.reminders is not None and group not in settings.reminder_policies:
        reason += f" (tysta timmar enligt {path.name} [reminders])"
    return f"{where}: {reason}"


def _policy(rule: ReminderRule) -> ReminderPolicy:
    return ReminderPolicy(
        days_before=rule.days_before, on_day=rule.on_day, weekly_overdue=rule.weekly_overdue, quiet=rule.quiet
    )


def _source_groups(
    files: Mapping[Path, GroupFile], environment: Mapping[str, str]
) -> tuple[SourceGroups, list[str]]:
    """The places the files tie to their groups and those the environment ties (MINUTESBOT_SOURCE_GROUPS);
    the environment wins for a place both name (the groups whose place it took are returned too). Two files
    may not claim one place."""
    claimed: dict[str, tuple[str, str, Path]] = {}  # place as compared → (place as written, group, file)
    for path, file in files.items():
        for place in (*file.settings.folders, *file.settings.sharepoint):
            key = _compared(place)
            if key in claimed and claimed[key][1] != file.group:
                raise GroupFileError(
                    f"{path}: [sources] {place!r} hör redan till {claimed[key][1]} ({claimed[key][2].name})"
                )
            claimed[key] = (place, file.group, path)
    taken = {_compared(place) for place in environment}
    from_files = {place: group for key, (place, group, _) in claimed.items() if key not in taken}
    lost = sorted({group for key, (_, group, _) in claimed.items() if key in taken})
    return SourceGroups.parse({**from_files, **environment}), lost


def _compared(place: str) -> str:
    """A place as SourceGroups compares it (a local path resolved to a file: URI, decoded, casefolded)."""
    return SourceGroups.parse({place: "-"}).places[0][0]


async def save_rosters(config: GroupConfig, rosters: RosterStore) -> list[str]:
    """Every group's people into the store (each file replaces its group's roster), at start-up."""
    for file in config.files.values():
        await rosters.save_roster(file.group, file.people)
    return [file.group for file in config.files.values()]
