"""Personal reminders of items due: which are due when for whom (pure), and the tick that claims and queues them."""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from cards.elements import Card
from cards.reminder import reminder_card
from minutes.calendar import STOCKHOLM, MeetingCalendar, QuietHours, is_quiet, next_working_morning
from minutes.model import Relative
from minutes.records import DocumentRecord, ItemRecord, ItemStatus, is_actionable
from workflows.item_actions import SECRETARY_ROLE
from workflows.owners import UserDirectory, people_of, resolve_owners
from workflows.ports import RosterStore

logger = logging.getLogger(__name__)

# The outbox kind of a reminder; payload {"user_aad_id", "name", "group", "item_ids": [...]}.
REMINDER = "reminder"
DAY = "day"


def before_kind(days: int) -> str:
    return f"before-{days}"


def overdue_kind(week: int) -> str:
    return f"overdue-week-{week}"


# -- policy -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """When a group's items are reminded of: `days_before` the due date, on the day, then every week while
    overdue; never in the quiet hours, at weekends or on holidays (such a reminder waits for the next
    working morning). The timezone is the quiet hours'."""

    days_before: tuple[int, ...] = (7, 1)
    on_day: bool = True
    weekly_overdue: bool = True
    quiet: QuietHours = QuietHours()

    def __post_init__(self) -> None:
        if any(days < 1 for days in self.days_before):
            raise ValueError("days_before counts whole days before the due date: 1 or more")
        object.__setattr__(self, "days_before", tuple(sorted(set(self.days_before), reverse=True)))

    @property
    def timezone(self) -> str:
        return self.quiet.timezone


@dataclass(frozen=True, slots=True)
class GroupPolicies:
    """The reminder policy of each group; a group not named follows `default`."""

    default: ReminderPolicy = ReminderPolicy()
    groups: Mapping[str, ReminderPolicy] = field(default_factory=dict)

    def of(self, group: str | None) -> ReminderPolicy:
        return self.groups.get(group, self.default) if group is not None else self.default

    @property
    def all(self) -> tuple[ReminderPolicy, ...]:
        return (self.default, *self.groups.values())

    @property
    def horizon_days(self) -> int:
        """How far ahead any group is reminded: the items due within it are the ones to look at."""
        return max((days for policy in self.all for days in policy.days_before), default=0)


# -- who ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone a reminder goes to in a personal chat: the Entra object id opens it (matched casefolded, as
    the store keeps it)."""

    aad_object_id: str
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "aad_object_id", self.aad_object_id.strip().casefold())


NOBODY = Recipient("-", "ingen")  # in the ledger key of a reminder nobody could be sent


@dataclass(frozen=True, slots=True)
class Addressbook:
    """Who is reminded of an item: the people its owners resolve to, keyed (group, owner as written). An
    owner who resolves to nobody with an Entra id, an item without owners, and an item one of its owners said
    'Inte min' about (`not_mine`: item id → their Entra ids; they are left out) also go to the group's
    secretaries. A 'Inte min' from someone the owners do not resolve to changes nothing."""

    owners: Mapping[tuple[str | None, str], tuple[Recipient, ...]] = field(default_factory=dict)
    secretaries: Mapping[str | None, tuple[Recipient, ...]] = field(default_factory=dict)
    not_mine: Mapping[int, frozenset[str]] = field(default_factory=dict)

    def recipients(self, item: ItemRecord) -> list[tuple[Recipient, bool]]:
        """(person, as the secretary) for each person reminded of `item`, each once, owners first."""
        disowned = {aad.strip().casefold() for aad in self.not_mine.get(item.id or -1, frozenset())}
        found: dict[str, tuple[Recipient, bool]] = {}
        to_secretary = not item.owners
        for owner in item.owners:
            people = self.owners.get((item.group, owner), ())
            to_secretary = to_secretary or not people
            for person in people:
                if person.aad_object_id in disowned:
                    to_secretary = True  # an owner said 'Inte min'; someone who is no owner changes nothing
                else:
                    found.setdefault(person.aad_object_id, (person, False))
        if to_secretary:
            for secretary in self.secretaries.get(item.group, ()):
                found.setdefault(secretary.aad_object_id, (secretary, True))
        return list(found.values())


# -- when ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueReminder:
    """A reminder of `item` due now: its `kind` ('before-7', 'day', 'overdue-week-2' …) for the due date
    `due` (a 'nästa möte' item's resolved from the calendar), and the moment it became due."""

    item: ItemRecord
    kind: str
    due: date
    moment: datetime


@dataclass(frozen=True, slots=True)
class ItemReminder:
    """One line of a person's reminder; `as_secretary` when it reaches them as the group's secretary."""

    item: ItemRecord
    kind: str
    due: date
    as_secretary: bool = False

    def key(self, person: Recipient) -> str:
        """The identity of this reminder, claimed once: item, person, kind and the due date reminded of (a
        moved item is reminded of its new date afresh)."""
        return f"{self.item.id}|{person.aad_object_id}|{self.kind}|{self.due.isoformat()}"


@dataclass(frozen=True, slots=True)
class PlannedReminder:
    """One message to one person: every item they are to be reminded of now. `group` is the items' group
    when they share one."""

    person: Recipient
    group: str | None
    items: tuple[ItemReminder, ...]

    def payload(self) -> dict[str, Any]:
        return {
            "user_aad_id": self.person.aad_object_id,
            "name": self.person.name,
            "group": self.group,
            "item_ids": [line.item.id for line in self.items],
        }


def effective_due(item: ItemRecord, calendar: MeetingCalendar | None) -> date | None:
    """The date an item is due: its own, or for 'nästa möte' the group's first meeting after the item's."""
    if item.due_relative is Relative.NEXT_MEETING:
        if calendar is None or item.meeting_date is None:
            return None
        return calendar.next_meeting_after(item.meeting_date)
    return item.due


def due_reminder(
    due: date, *, now: datetime, policy: ReminderPolicy, known_since: date | None = None
) -> tuple[str, datetime] | None:
    """The reminder of an item due on `due` to send at `now`, with the moment it became due; None when none.

    Each kind has a day ('before-7': seven days before `due`, 'day', 'overdue-week-N': N weeks after) and
    becomes due on that day's working morning, or the next working morning. It is sent that working day or
    not at all: a reminder missed (the service was down all day) or whose day passed before the item was
    known or moved there is skipped, and the next kind takes over. Of kinds due the same morning only the
    latest counts (a Monday due date: 'before-1' on Sunday waits for Monday, where 'day' supersedes it).
    Days up to `known_since` (the item's meeting) are skipped: the meeting itself told them."""
    if is_quiet(now, policy.quiet):
        return None
    today = policy.quiet.local(now).date()
    candidates = [(before_kind(days), due - timedelta(days=days)) for days in policy.days_before]
    if policy.on_day:
        candidates.append((DAY, due))
    weeks = (today - due).days // 7
    if policy.weekly_overdue and weeks >= 1:
        # A working morning is at most a few days late, so the week due today is this one or the one before.
        candidates += [
            (overdue_kind(week), due + timedelta(weeks=week)) for week in (weeks - 1, weeks) if week
        ]
    latest: tuple[date, str, datetime] | None = None
    for kind, day in candidates:
        if day > today or (known_since is not None and day <= known_since):
            continue
        moment = next_working_morning(policy.quiet.morning_of(day), policy.quiet)
        if moment <= now and moment.date() == today and (latest is None or day > latest[0]):
            latest = (day, kind, moment)
    return (latest[1], latest[2]) if latest else None


def due_reminders(
    items: Iterable[ItemRecord],
    *,
    now: datetime,
    policies: GroupPolicies,
    calendars: Mapping[str, MeetingCalendar],
) -> list[DueReminder]:
    """The reminder due now of each open action or follow-up with a due date, by due date, then id."""
    found: list[DueReminder] = []
    for item in items:
        if item.id is None or item.status is not ItemStatus.OPEN or not is_actionable(item):
            continue
        due = effective_due(item, calendars.get(item.group) if item.group is not None else None)
        if due is None:
            continue
        reminder = due_reminder(due, now=now, policy=policies.of(item.group), known_since=item.meeting_date)
        if reminder is not None:
            found.append(DueReminder(item, reminder[0], due, reminder[1]))
    return sorted(found, key=lambda r: (r.due, r.item.id or 0))


def plan_reminders(
    items: Iterable[ItemRecord],
    *,
    now: datetime,
    policies: GroupPolicies,
    calendars: Mapping[str, MeetingCalendar],
    owners_to_people: Addressbook,
) -> list[PlannedReminder]:
    """The messages to send at `now`: one per person, listing every item they are to be reminded of (as
    owner, or as secretary for owners nobody can reach); by person. Pure: the clock is `now`."""
    lines: dict[str, list[ItemReminder]] = {}
    people: dict[str, Recipient] = {}
    for due in due_reminders(items, now=now, policies=policies, calendars=calendars):
        for person, as_secretary in owners_to_people.recipients(due.item):
            people.setdefault(person.aad_object_id, person)
            lines.setdefault(person.aad_object_id, []).append(
                ItemReminder(due.item, due.kind, due.due, as_secretary)
            )
    planned: list[PlannedReminder] = []
    for aad, person_lines in lines.items():
        groups = {line.item.group for line in person_lines}
        group = groups.pop() if len(groups) == 1 else None
        planned.append(PlannedReminder(people[aad], group, tuple(person_lines)))
    return sorted(planned, key=lambda p: (p.person.name, p.person.aad_object_id))


# -- ports --------------------------------------------------------------------------------------------------


class ReminderLedger(Protocol):
    """The reminders already sent, so that each goes out once, and the outbox their messages go into.

    Keys are ItemReminder.key: '<item id>|<Entra id casefolded>|<kind>|<due ISO date>', under 200 characters.
    A key is claimed at most once, ever, across every process and concurrent tick; claimed keys are kept at
    least as long as their item is open.

    - `enqueue_reminder` claims all of `keys` and queues the message (`kind`, `payload`) in ONE transaction:
      True when every key was free and both are written; False, with nothing written, when any key was
      claimed before. Atomic (INSERT … ON CONFLICT DO NOTHING whose row count says who won, then the outbox
      row, or a rollback; never a read, then a write). A failure writes nothing: the reminder is not lost.
    - `claimed_reminders` says which of `keys` are claimed (a read; for choosing what to queue).
    - `claim_reminder` claims one key without a message (a reminder nobody can be sent, warned of once)."""

    async def claim_reminder(self, key: str, *, at: datetime) -> bool: ...

    async def claimed_reminders(self, keys: Collection[str]) -> set[str]: ...

    async def enqueue_reminder(
        self,
        keys: Collection[str],
        kind: str,
        payload: dict[str, Any],
        *,
        conversation_key: str | None,
        at: datetime,
    ) -> bool: ...


class NotMineLog(Protocol):
    """Who said 'Inte min' about which open item: item id → their Entra object ids."""

    async def not_mine_items(self) -> Mapping[int, frozenset[str]]: ...


class ReminderStore(RosterStore, Protocol):
    """What the reminder tick reads and writes of the store."""

    async def overdue_items(self, today: date, *, group: str | None = None) -> list[ItemRecord]: ...

    async def items_due_between(
        self, start: date, end: date, *, group: str | None = None, open_only: bool = True
    ) -> list[ItemRecord]: ...

    async def follow_up_items(self, group: str | None) -> list[ItemRecord]: ...

    async def documents(self, *, group: str | None = None) -> list[DocumentRecord]: ...


class ReminderCardStore(RosterStore, Protocol):
    """What building a reminder's card reads: the items as they are now, and rosters for the mentions."""

    async def get_item(self, item_id: int) -> ItemRecord | None: ...


# -- the tick -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminders:
    """The reminder tick: run it every few minutes; it queues what is due and nothing twice."""

    store: ReminderStore
    ledger: ReminderLedger
    policies: GroupPolicies = GroupPolicies()
    calendars: Mapping[str, MeetingCalendar] = field(default_factory=dict)  # configured, by group
    not_mine: NotMineLog | None = None
    directory: UserDirectory | None = None

    async def tick(self, now: datetime) -> list[PlannedReminder]:
        """Queue one outbox message per person with the reminders due at `now` that no one claimed before;
        returns them. Each message claims its reminders and is queued in one transaction
        (ReminderLedger.enqueue_reminder), so a crash loses nothing: what was not queued stays unclaimed, and
        the next tick of the day queues it."""
        if all(is_quiet(now, policy.quiet) for policy in self.policies.all):
            return []  # nights, weekends and holidays: most ticks read nothing
        items = await self._open_items(now)
        calendars = await self._calendars(items)
        due = due_reminders(items, now=now, policies=self.policies, calendars=calendars)
        if not due:
            return []
        due_items = [reminder.item for reminder in due]
        addressbook = await self._addressbook(due_items)
        plans = plan_reminders(
            due_items, now=now, policies=self.policies, calendars=calendars, owners_to_people=addressbook
        )
        reached = {line.item.id for plan in plans for line in plan.items}
        for reminder in due:
            # Claimed for nobody too, so the warning comes once per reminder, not at every tick of the day.
            nobody = ItemReminder(reminder.item, reminder.kind, reminder.due).key(NOBODY)
            if reminder.item.id not in reached and await self.ledger.claim_reminder(nobody, at=now):
                logger.warning(
                    "reminder of item %s reaches nobody: no owner or secretary with an Entra id",
                    reminder.item.id,
                )
        # One read for the whole tick: most ticks of a day find everything claimed and write nothing.
        claimed = await self.ledger.claimed_reminders(
            [line.key(plan.person) for plan in plans for line in plan.items]
        )
        queued: list[PlannedReminder] = []
        for plan in plans:
            won = await self._queue(plan, claimed, now)
            if won is not None:
                queued.append(won)
        logger.info("reminder tick: %d messages queued", len(queued))
        return queued

    async def _queue(
        self, plan: PlannedReminder, claimed: Collection[str], now: datetime
    ) -> PlannedReminder | None:
        """Queue the lines of `plan` not claimed yet as one message; None when there are none left. When
        another instance claims some of them meanwhile (enqueue_reminder says False), the rest is queued
        without them: each round drops at least one line, so this ends."""
        lines = [line for line in plan.items if line.key(plan.person) not in claimed]
        while lines:
            won = replace(plan, items=tuple(lines))
            keys = [line.key(plan.person) for line in lines]
            if await self.ledger.enqueue_reminder(
                keys, REMINDER, won.payload(), conversation_key=None, at=now
            ):
                return won
            taken = await self.ledger.claimed_reminders(keys)
            if not taken:  # a ledger that breaks its contract: better no message than a loop
                logger.error("reminder ledger refused %d keys none of which is claimed", len(keys))
                return None
            lines = [line for line in lines if line.key(plan.person) not in taken]
        return None

    async def _open_items(self, now: datetime) -> list[ItemRecord]:
        """Open items due up to the furthest reminder ahead, and those due 'nästa möte'. A day either side of
        the UTC date covers any group's timezone; the planner looks at each item exactly."""
        today = now.date()
        found = await self.store.overdue_items(today)
        found += await self.store.items_due_between(
            today, today + timedelta(days=self.policies.horizon_days + 1)
        )
        found += [
            item
            for item in await self.store.follow_up_items(None)
            if item.due_relative is Relative.NEXT_MEETING
        ]
        unique = {item.id: item for item in found if item.id is not None}
        return list(unique.values())

    async def _calendars(self, items: Sequence[ItemRecord]) -> dict[str, MeetingCalendar]:
        """Each group's configured calendar, plus the meetings of its minutes for 'nästa möte' items."""
        calendars = dict(self.calendars)
        groups = {i.group for i in items if i.due_relative is Relative.NEXT_MEETING and i.group is not None}
        for group in sorted(g for g in groups if g is not None):
            documents = await self.store.documents(group=group)
            configured = calendars.get(group, MeetingCalendar())
            calendars[group] = configured.with_dates(d.meeting_date for d in documents)
        return calendars

    async def _addressbook(self, items: Sequence[ItemRecord]) -> Addressbook:
        owners: dict[tuple[str | None, str], tuple[Recipient, ...]] = {}
        secretaries: dict[str | None, tuple[Recipient, ...]] = {}
        for group in sorted({item.group for item in items if item.group is not None}):
            roster = await self.store.roster(group)
            secretaries[group] = tuple(
                Recipient(e.aad_object_id, e.name)
                for e in roster
                if SECRETARY_ROLE in e.roles and e.aad_object_id
            )
            written = sorted({owner for item in items if item.group == group for owner in item.owners})
            for resolved in await resolve_owners(written, group, self.store, self.directory):
                owners[(group, resolved.written)] = tuple(
                    Recipient(e.aad_object_id, e.name) for e in resolved.people if e.aad_object_id
                )
        not_mine = await self.not_mine.not_mine_items() if self.not_mine is not None else {}
        return Addressbook(owners, secretaries, not_mine)


# -- delivery -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    """A queued reminder as the deliverer reads it back."""

    user_aad_id: str
    name: str
    group: str | None
    item_ids: tuple[int, ...]

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> ReminderMessage | None:
        """None for a payload that is not a reminder's (it can only be parked)."""
        user, name, group, ids = (payload.get(k) for k in ("user_aad_id", "name", "group", "item_ids"))
        if not isinstance(user, str) or not user or not isinstance(name, str) or not isinstance(ids, list):
            return None
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return None
        return cls(user, name, group if isinstance(group, str) else None, tuple(ids))


async def reminder_card_for(
    store: ReminderCardStore, message: ReminderMessage, *, now: datetime
) -> Card | None:
    """The reminder's card with its items as they are now; None when none is open any more (done meanwhile,
    or withdrawn from the minutes): then there is nothing to remind of. 'I dag' is Stockholm's day."""
    today = now.astimezone(ZoneInfo(STOCKHOLM)).date()
    items = [item for item in [await store.get_item(i) for i in message.item_ids] if item is not None]
    items = [item for item in items if item.status is ItemStatus.OPEN]
    if not items:
        return None
    people = await people_of(items, store)
    user = message.user_aad_id.strip().casefold()
    forwarded = {
        item.id
        for item in items
        if item.id is not None
        and not any(
            (person.aad_object_id or "").casefold() == user
            for owner in item.owners
            for person in people.get(owner, ())
        )
    }
    return reminder_card(message.name, items, people=people, today=today, forwarded=forwarded)
