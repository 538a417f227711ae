"""Planner tasks as the minutes' items see them: the task an item wants, and how a field both sides changed is settled. Pure."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from urllib.parse import quote
from zoneinfo import ZoneInfo

from minutes.dates import format_date
from minutes.errors import UserFacingError
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus, RosterEntry, is_actionable

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Planner's limits (docs "plannerTask resource type", "plannerBucket"): a title is at most 255 characters, and
# the task details' description at most 32,000 (we write far less).
MAX_TITLE = 255
MAX_BUCKET_NAME = 255
MAX_DESCRIPTION = 32_000
# A due date is a day; Planner keeps an instant in UTC. Noon in Stockholm is the same day in every time zone
# a Swedish municipality's staff open Planner in, summer or winter.
DUE_HOUR = time(12, 0)
# The one category label a task gets when an owner is nobody Planner can assign ('ALLA', a role, a name the
# roster cannot place): the plan's 'category1'.
UNASSIGNED_CATEGORY = "category1"
UNASSIGNED_LABEL = "Ägare utanför Planner"
TITLE_NUMBER = re.compile(r"#(\d{1,9})(?=\s|$)")


class PlannerError(UserFacingError):
    """Planner could not be reached or refused (network, permissions, throttling past the retries).
    `message` is one Swedish line."""


class PlannerConflict(PlannerError):
    """412 Precondition Failed: the task changed since its ETag was read. Re-read, re-decide, try again."""


class PlannerNotFound(PlannerError):
    """404: the task (or plan) is gone."""


class PlannerThrottled(PlannerError):
    """429 past the retries, or the plan's request budget spent: stop for now, go on at the next sync."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PlannerUncertain(PlannerError):
    """A create that may or may not have happened (a 5xx, a timeout, a lost answer): look for the task before
    creating it again."""


class BucketMode(StrEnum):
    MEETING = "meeting"  # 'FLG 26 aug 2024'
    TOPIC = "topic"  # the item's topic ('Ekonomi')


@dataclass(frozen=True, slots=True)
class PlannerRule:
    """A group file's [planner]: an existing plan to link, or a Microsoft 365 group to create one in; buckets
    per meeting or per topic; `enabled` false unlinks (the tasks stay in Planner as they are)."""

    plan_id: str | None = None
    create_in_group: str | None = None
    bucket_mode: BucketMode = BucketMode.MEETING
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class TaskFields:
    """What the bot and Planner both say of a task, field by field. `due` is a Stockholm date."""

    title: str
    due: date | None
    done: bool
    assignees: frozenset[str]  # Entra object ids


@dataclass(frozen=True, slots=True)
class PlannerTask:
    """A task as Planner returns it (the adapter's record, no SDK type)."""

    task_id: str
    plan_id: str
    etag: str
    title: str
    bucket_id: str | None
    due: date | None
    percent_complete: int
    assignees: frozenset[str]
    completed_by: str | None = None  # the Entra id Planner names in completedBy
    categories: frozenset[str] = frozenset()

    @property
    def fields(self) -> TaskFields:
        return TaskFields(self.title, self.due, self.percent_complete >= 100, self.assignees)


@dataclass(frozen=True, slots=True)
class TaskDraft:
    """A task to create: its title, bucket, fields and the details' description."""

    title: str
    bucket_id: str | None
    due: date | None
    assignees: frozenset[str]
    description: str
    unassigned_label: bool = False


@dataclass(frozen=True, slots=True)
class TaskChange:
    """The fields a PATCH sets; None leaves a field as it is. `done` True → 100 %, False → 0 %."""

    due: date | None = None
    clear_due: bool = False
    done: bool | None = None
    add_assignees: frozenset[str] = frozenset()
    remove_assignees: frozenset[str] = frozenset()
    title: str | None = None
    unassigned_label: bool | None = None  # the 'Ägare utanför Planner' label on (True) or off (False)

    @property
    def empty(self) -> bool:
        return (
            self.due is None
            and not self.clear_due
            and self.done is None
            and not self.add_assignees
            and not self.remove_assignees
            and self.title is None
            and self.unassigned_label is None
        )


@dataclass(frozen=True, slots=True)
class PlannerPlan:
    plan_id: str
    title: str
    group_id: str | None  # the Microsoft 365 group the plan belongs to (container)
    etag: str | None = None


@dataclass(frozen=True, slots=True)
class PlannerBucket:
    bucket_id: str
    plan_id: str
    name: str


class SyncState(StrEnum):
    """Where an item's task stands in the store's mapping."""

    PENDING = "pending"  # to be created; `create_started_at` set once a create went out
    LINKED = "linked"  # created: task_id and etag known
    DELETED = "deleted"  # the bot deleted the task (the item was withdrawn, archived or dismissed)
    GONE = "gone"  # someone deleted the task in Planner: not created again


@dataclass(frozen=True, slots=True)
class TaskLink:
    """The store's mapping of one item to its task, with the fields last agreed with Planner.

    `seen` is what the last poll saw (its title: the one the bot last wrote), and `seen_at` the moment of that
    poll (or write): a field whose item value and Planner value both differ from `seen` changed on both sides."""

    item_id: int
    group: str
    plan_id: str
    state: SyncState
    task_id: str | None = None
    etag: str | None = None
    seen: TaskFields | None = None
    seen_at: datetime | None = None
    create_started_at: datetime | None = None  # a create went out and its answer is not known to be stored
    bucket_id: str | None = None
    renamed_title: str | None = (
        None  # the title someone gave the task in Planner, once the secretary was told
    )


@dataclass(frozen=True, slots=True)
class PlanLink:
    """A group's plan: linked (`active`) or unlinked (the tasks left as they are)."""

    group: str
    plan_id: str
    active: bool
    linked_at: datetime
    bucket_mode: BucketMode = BucketMode.MEETING
    unlinked_at: datetime | None = None
    paused_until: datetime | None = None  # Planner said 429 with this Retry-After
    last_sync_at: datetime | None = None


# --- What the bot wants of a task ------------------------------------------------------------------------


def wants_task(item: ItemRecord) -> bool:
    """An open action or follow-up (or a decision someone must carry out) gets a task; a done item keeps the
    one it has, completed. Withdrawn, archived and dismissed items have none."""
    if item.status not in (ItemStatus.OPEN, ItemStatus.DONE):
        return False
    return item.kind is not ItemKind.DECISION or is_actionable(item)


def task_title(item: ItemRecord) -> str:
    """'#12 Ekonomi: Ta fram underlag för budget', cut at a word to Planner's 255 characters. The '#N' prefix
    is how a task is found again when its create's answer was lost."""
    prefix = f"#{item.id} "
    body = " ".join((f"{item.topic}: {item.text}" if item.topic else item.text).split())
    room = MAX_TITLE - len(prefix)
    if len(body) > room:
        cut = body[: room - 1].rsplit(" ", 1)[0] if " " in body[: room - 1] else body[: room - 1]
        body = cut.rstrip(" ,.;:") + "…"
    return prefix + body


def item_number(title: str) -> int | None:
    """The item number a task's title starts with ('#12 …' → 12), else None."""
    match = TITLE_NUMBER.match(title.strip())
    return int(match.group(1)) if match else None


def bucket_name(item: ItemRecord, mode: BucketMode) -> str:
    """'FLG 26 aug 2024' (a bucket per meeting), or the item's topic (per topic); 'Övrigt' without one."""
    if mode is BucketMode.TOPIC:
        name = " ".join(item.topic.split()) or "Övrigt"
    else:
        when = format_date(item.meeting_date) if item.meeting_date else "utan datum"
        name = f"{item.group or 'Grupp'} {when}"
    return name[:MAX_BUCKET_NAME]


def task_description(item: ItemRecord, *, minutes_url: str | None) -> str:
    """The details' text: the item number, what it says, the meeting and a link to the minutes."""
    lines = [f"Punkt #{item.id} i minutesbot.", "", item.text]
    if item.owners:
        lines.append(f"Ansvarig enligt protokollet: {', '.join(item.owners)}")
    if item.due_raw:
        lines.append(f"Datum enligt protokollet: {item.due_raw}")
    meeting = f"{item.group or ''} {format_date(item.meeting_date)}".strip() if item.meeting_date else None
    if meeting:
        lines.append(f"Möte: {meeting}")
    if minutes_url:
        lines.append(f"Protokoll: {minutes_url}")
    lines.append("")
    lines.append("Klarmarkera, flytta eller tilldela här eller i Teams: minutesbot håller båda i takt.")
    return "\n".join(lines)[:MAX_DESCRIPTION]


@dataclass(frozen=True, slots=True)
class Assignment:
    """Who an item's owners are in Entra ID, and the owners no one can be assigned for."""

    assignees: frozenset[str]
    unplaced: tuple[str, ...]


def assignment(owners: Sequence[str], resolved: Mapping[str, Sequence[str]]) -> Assignment:
    """`resolved`: owner as written → the Entra ids the roster gives it (none: 'ALLA', a role held by no one
    with an id, a name the roster cannot place)."""
    ids: set[str] = set()
    unplaced: list[str] = []
    for owner in owners:
        found = [i for i in resolved.get(owner, ()) if i]
        if found:
            ids.update(found)
        else:
            unplaced.append(owner)
    return Assignment(frozenset(ids), tuple(unplaced))


def wanted_fields(item: ItemRecord, assigned: Assignment) -> TaskFields:
    return TaskFields(task_title(item), item.due, item.status is ItemStatus.DONE, assigned.assignees)


def owners_of(
    assignees: frozenset[str], roster: Sequence[RosterEntry]
) -> tuple[tuple[str, ...], frozenset[str]]:
    """Planner's assignees as the minutes would write them (the roster's initials, else the name), in roster
    order; and the ids the roster has no one for."""
    owners: list[str] = []
    known: set[str] = set()
    for entry in roster:
        if entry.aad_object_id and entry.aad_object_id in assignees and entry.aad_object_id not in known:
            known.add(entry.aad_object_id)
            owners.append(entry.initials or entry.name)
    return tuple(owners), frozenset(assignees - known)


# --- Settling the two sides ------------------------------------------------------------------------------


class Winner(StrEnum):
    BOT = "bot"
    PLANNER = "planner"


@dataclass(frozen=True, slots=True)
class Overridden:
    """A field both sides changed: which side's value stands and the one it replaced."""

    name: str  # 'due' | 'done' | 'assignees'
    winner: Winner
    kept: object
    dropped: object


@dataclass(frozen=True, slots=True)
class Settlement:
    """What to write to Planner (`push`), what to take into the item (`take`), and the conflicts settled."""

    push: TaskChange = field(default_factory=TaskChange)
    take_due: date | None = None
    take_clear_due: bool = False
    take_done: bool | None = None
    take_assignees: frozenset[str] | None = None
    renamed: str | None = None  # Planner's title, when someone renamed the task there (not taken back)
    overridden: tuple[Overridden, ...] = ()

    @property
    def takes(self) -> bool:
        return (
            self.take_due is not None
            or self.take_clear_due
            or self.take_done is not None
            or (self.take_assignees is not None)
        )


def settle(
    seen: TaskFields | None,
    bot: TaskFields,
    planner: TaskFields,
    *,
    bot_changed_at: datetime | None,
    seen_at: datetime | None,
) -> Settlement:
    """Field by field. A field only one side changed since `seen` goes to the other side. A field both changed
    (to different values) is settled by time: the bot's change wins when it was made after the poll that last
    saw Planner's value (`seen_at`), else Planner's. Without `seen` (a task found again) the bot's values win.
    The title is the bot's: a rename in Planner is reported (`renamed`), never taken into the item."""
    base = seen or planner
    bot_later = seen is None or (bot_changed_at is not None and (seen_at is None or bot_changed_at > seen_at))
    overridden: list[Overridden] = []

    def side(name: str, was: object, ours: object, theirs: object) -> Winner | None:
        """Which side's value the field takes; None when they agree."""
        if ours == theirs:
            return None
        if seen is None:
            return Winner.BOT
        bot_moved, planner_moved = ours != was, theirs != was
        if bot_moved and planner_moved:
            winner = Winner.BOT if bot_later else Winner.PLANNER
            kept, dropped = (ours, theirs) if winner is Winner.BOT else (theirs, ours)
            overridden.append(Overridden(name, winner, kept, dropped))
            return winner
        return Winner.BOT if bot_moved else Winner.PLANNER if planner_moved else Winner.BOT

    due_side = side("due", base.due, bot.due, planner.due)
    done_side = side("done", base.done, bot.done, planner.done)
    assignee_side = side("assignees", base.assignees, bot.assignees, planner.assignees)

    renamed: str | None = None
    push_title: str | None = None
    if bot.title != planner.title:
        if seen is not None and planner.title != base.title and bot.title == base.title:
            # Renamed in Planner: the minutes' item keeps its text and the task its new title until the item
            # itself changes; the secretary is told.
            renamed = planner.title
        else:
            push_title = bot.title

    push_assignees = assignee_side is Winner.BOT
    change = TaskChange(
        due=bot.due if due_side is Winner.BOT else None,
        clear_due=due_side is Winner.BOT and bot.due is None,
        done=bot.done if done_side is Winner.BOT else None,
        add_assignees=bot.assignees - planner.assignees if push_assignees else frozenset(),
        remove_assignees=planner.assignees - bot.assignees if push_assignees else frozenset(),
        title=push_title,
    )
    return Settlement(
        push=change,
        take_due=planner.due if due_side is Winner.PLANNER else None,
        take_clear_due=due_side is Winner.PLANNER and planner.due is None,
        take_done=planner.done if done_side is Winner.PLANNER else None,
        take_assignees=planner.assignees if assignee_side is Winner.PLANNER else None,
        renamed=renamed,
        overridden=tuple(overridden),
    )


# --- Dates as Planner keeps them -------------------------------------------------------------------------


def task_web_url(plan_id: str, task_id: str) -> str:
    """Where the task opens in Planner's web app (and from there in Teams' Planner and on a phone)."""
    return f"https://planner.cloud.microsoft/webui/plan/{quote(plan_id)}/view/board/task/{quote(task_id)}"


def due_to_planner(day: date) -> datetime:
    """The instant (UTC) a due day is written as: noon in Stockholm."""
    return datetime.combine(day, DUE_HOUR, tzinfo=STOCKHOLM).astimezone(UTC)


def due_from_planner(moment: datetime | None) -> date | None:
    """Planner's dueDateTime as the Stockholm day it falls on."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(STOCKHOLM).date()


def describe_field(name: str, value: object) -> str:
    """A settled field's value in Swedish, for the secretary's notice."""
    if name == "due":
        return format_date(value) if isinstance(value, date) else "inget datum"
    if name == "done":
        return "klar" if value else "öppen"
    if name == "assignees":
        count = len(value) if isinstance(value, frozenset | set | tuple | list) else 0
        return f"{count} tilldelade" if count != 1 else "1 tilldelad"
    return str(value)
