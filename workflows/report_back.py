"""Report-back before a meeting: the owners' and the secretary's cards queued once, and the answers they send."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from cards.elements import Card
from cards.messages import STALE_ITEM_MESSAGE, error_card
from cards.report_back import ReportBackLine, Unreported, report_back_card, report_status_card
from cards.verbs import report_date_input, report_note_input, report_state_input
from minutes.calendar import MeetingCalendar, is_quiet
from minutes.dates import format_date
from minutes.logsafe import safe_log_field
from minutes.people import ALL
from minutes.records import ConvRef, DocumentRecord, ItemRecord, ItemStatus
from minutes.report_back import (
    REPORT_BACK_LEAD_DAYS,
    ReportBack,
    ReportState,
    clean_note,
    is_open_for_answers,
    is_report_day,
    owners_day,
    parse_state,
    secretary_day,
)
from minutes.roster import ResolvedVia
from workflows.agenda import AGENDA_WORKING_DAYS_BEFORE, follow_up_date, returns_to
from workflows.chat import Person
from workflows.item_actions import SECRETARY_NOTICE, SECRETARY_ROLE, ActionOutcome, ItemActions, item_number
from workflows.owners import UserDirectory, resolve_owners
from workflows.ports import RosterStore
from workflows.remind import Addressbook, GroupPolicies, NotMineLog, Recipient, ReminderLedger

logger = logging.getLogger(__name__)

# Outbox kinds: an owner's card (payload {"user_aad_id", "name", "group", "meeting_date", "item_ids"}) and the
# secretary's card of who has not reported (payload {"group", "meeting_date"}).
REPORT_BACK = "report_back"
REPORT_STATUS = "report_status"

NOT_YOURS = "Bara punktens ansvariga och gruppens sekreterare kan rapportera om den. Inget har ändrats."
MEETING_HELD = "Mötet har redan hållits, så läget kan inte ändras längre. Inget har ändrats."
CHOOSE = "Välj Klar, Pågår, Behöver stöd eller Flytta till … och skicka igen."
ONLY_SECRETARY_REMINDS = "Bara gruppens sekreterare kan påminna om återrapporteringen. Inget har skickats."


class ReportBackLog(Protocol):
    """The answers: store.report_backs.ReportBackRepository."""

    async def save_report_back(
        self, report: ReportBack, *, origin: str, notice: tuple[str, dict[str, Any]] | None = None
    ) -> bool: ...

    async def report_backs(
        self, group: str, meeting_date: date, *, item_ids: Collection[int] | None = None
    ) -> dict[int, ReportBack]: ...


class ReportBackStore(ReportBackLog, RosterStore, Protocol):
    """What the report-back reads and writes of the store."""

    async def list_items(
        self, *, open_only: bool = False, owner: str | None = None, group: str | None = None
    ) -> list[ItemRecord]: ...

    async def get_item(self, item_id: int) -> ItemRecord | None: ...

    async def documents(self, *, group: str | None = None) -> list[DocumentRecord]: ...

    async def group_names(self) -> list[str]: ...

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, conversation_key: str | None, at: datetime
    ) -> int: ...


# -- the pure core ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Asked:
    """Whom one report-back card goes to and about which items: their own, and those reaching them as the
    group's secretary (an owner 'Alla', a role, someone the roster cannot place, or who said 'Inte min')."""

    person: Recipient
    own: tuple[int, ...] = ()
    as_secretary: tuple[int, ...] = ()

    @property
    def item_ids(self) -> tuple[int, ...]:
        return self.own + self.as_secretary


def plan_report_backs(items: Iterable[ItemRecord], addressbook: Addressbook) -> list[Asked]:
    """One card per person, listing every returning item they answer for; by name."""
    own: dict[str, list[int]] = {}
    forwarded: dict[str, list[int]] = {}
    people: dict[str, Recipient] = {}
    for item in sorted(items, key=lambda i: i.id or 0):
        if item.id is None:
            continue
        for person, as_secretary in addressbook.recipients(item):
            people.setdefault(person.aad_object_id, person)
            (forwarded if as_secretary else own).setdefault(person.aad_object_id, []).append(item.id)
    asked = [
        Asked(person, tuple(own.get(aad, ())), tuple(forwarded.get(aad, ())))
        for aad, person in people.items()
    ]
    return sorted(asked, key=lambda a: (a.person.name, a.person.aad_object_id))


def unreported(asked: Sequence[Asked], answered: Iterable[int]) -> list[Unreported]:
    """Who still has items without an answer, and how many; by name."""
    done = set(answered)
    found = []
    for plan in asked:
        missing = sum(1 for item_id in plan.item_ids if item_id not in done)
        if missing:
            found.append(Unreported(plan.person.aad_object_id, plan.person.name, missing))
    return found


def owners_key(group: str, meeting: date, person: Recipient) -> str:
    """The identity of an owner's card before one meeting, claimed once (store.reminders' ledger)."""
    return f"report|{group}|{meeting.isoformat()}|{person.aad_object_id}"


def secretary_key(group: str, meeting: date) -> str:
    return f"report-status|{group}|{meeting.isoformat()}"


# -- the shell --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportBacks:
    """The report-back: `tick` (with the reminders' schedule) queues the cards due, once each; `answer` and
    `remind` are the cards' buttons; `owner_card` and `status_card` build the cards when delivered."""

    store: ReportBackStore
    ledger: ReminderLedger
    actions: ItemActions
    clock: Callable[[], datetime]
    policies: GroupPolicies = GroupPolicies()
    calendars: Mapping[str, MeetingCalendar] = field(default_factory=dict)  # configured, by group
    groups: Sequence[str] = ()  # the groups of the files and rules; those with minutes are added
    agenda_lead: Callable[[str], int] = lambda group: AGENDA_WORKING_DAYS_BEFORE
    report_lead: Callable[[str], int] = lambda group: REPORT_BACK_LEAD_DAYS
    not_mine: NotMineLog | None = None
    directory: UserDirectory | None = None

    # -- when ------------------------------------------------------------------------------------------------

    async def next_meeting(self, group: str, today: date) -> date | None:
        """The group's next meeting after `today`: by its rule, or the date of later minutes."""
        documents = await self.store.documents(group=group)
        calendar = self.calendars.get(group, MeetingCalendar()).with_dates(d.meeting_date for d in documents)
        return calendar.next_meeting_after(today)

    async def without_meetings(self, today: date) -> list[str]:
        """The groups that get no report-back now: no meeting rule and no minutes of a later meeting."""
        return [g for g in await self._groups() if await self.next_meeting(g, today) is None]

    async def tick(self, now: datetime) -> int:
        """Queue each owner's card on their day and the secretary's card the working day before the meeting,
        each at most once (claimed in the reminders' ledger with its message); never in a group's quiet hours,
        at weekends or on holidays. Returns how many messages were queued."""
        queued = 0
        for group in await self._groups():
            quiet = self.policies.of(group).quiet
            if is_quiet(now, quiet):
                continue
            today = quiet.local(now).date()
            meeting = await self.next_meeting(group, today)
            if meeting is None:
                continue
            first = owners_day(
                meeting, agenda_lead=self.agenda_lead(group), report_lead=self.report_lead(group)
            )
            owners_due = is_report_day(today, first, meeting)
            secretary_due = is_report_day(today, secretary_day(meeting), meeting)
            if not owners_due and not secretary_due:
                continue
            asked = await self.asked(group, meeting)
            if owners_due:
                for plan in asked:
                    queued += await self._claim(
                        owners_key(group, meeting, plan.person),
                        REPORT_BACK,
                        _payload(plan, group, meeting),
                        now,
                    )
            if secretary_due and asked:
                payload = {"group": group, "meeting_date": meeting.isoformat()}
                queued += await self._claim(secretary_key(group, meeting), REPORT_STATUS, payload, now)
        if queued:
            logger.info("report-back tick: %d messages queued", queued)
        return queued

    async def _claim(self, key: str, kind: str, payload: dict[str, Any], now: datetime) -> int:
        claimed = await self.ledger.claimed_reminders([key])
        if claimed:
            return 0
        return int(await self.ledger.enqueue_reminder([key], kind, payload, conversation_key=None, at=now))

    async def _groups(self) -> list[str]:
        return sorted(set(self.groups) | set(await self.store.group_names()))

    # -- who -------------------------------------------------------------------------------------------------

    async def returning(self, group: str, meeting: date) -> list[ItemRecord]:
        return [i for i in await self.store.list_items(open_only=True, group=group) if returns_to(i, meeting)]

    async def asked(self, group: str, meeting: date) -> list[Asked]:
        """Who answers for which of the items returning at `group`'s meeting."""
        items = await self.returning(group, meeting)
        return plan_report_backs(items, await self._addressbook(group, items))

    async def _addressbook(self, group: str, items: Sequence[ItemRecord]) -> Addressbook:
        """The owners as people with an Entra id; 'Alla' and roles reach nobody here, so the group's secretary
        answers for them (Addressbook sends an item reaching nobody to the secretary)."""
        roster = await self.store.roster(group)
        secretaries = tuple(
            Recipient(e.aad_object_id, e.name)
            for e in roster
            if SECRETARY_ROLE in e.roles and e.aad_object_id
        )
        owners: dict[tuple[str | None, str], tuple[Recipient, ...]] = {}
        written = sorted({owner for item in items for owner in item.owners})
        for resolved in await resolve_owners(written, group, self.store, self.directory):
            collective = resolved.written == ALL or resolved.via in (ResolvedVia.ROLE, ResolvedVia.EVERYONE)
            owners[(group, resolved.written)] = (
                ()
                if collective
                else tuple(Recipient(e.aad_object_id, e.name) for e in resolved.people if e.aad_object_id)
            )
        not_mine = await self.not_mine.not_mine_items() if self.not_mine is not None else {}
        return Addressbook(owners, {group: secretaries}, not_mine)

    # -- the cards, as delivered --------------------------------------------------------------------------------

    async def owner_card(self, payload: Mapping[str, Any], *, today: date) -> Card | None:
        """An owner's card (payload of REPORT_BACK) with the items and answers as they are now; None when none
        of its items is open any more or the meeting is past."""
        group, meeting, user = (
            payload.get("group"),
            _date(payload.get("meeting_date")),
            payload.get("user_aad_id"),
        )
        ids = payload.get("item_ids")
        if (
            not isinstance(group, str)
            or meeting is None
            or not isinstance(user, str)
            or not isinstance(ids, list)
        ):
            return None
        if not is_open_for_answers(meeting, today):
            return None
        name = payload.get("name") if isinstance(payload.get("name"), str) else ""
        lines = await self._lines(group, meeting, [i for i in ids if isinstance(i, int)], user)
        if not any(line.item.status is ItemStatus.OPEN for line in lines):
            return None
        return report_back_card(str(name), group, meeting, lines, today=today)

    async def status_card(
        self, group: str, meeting: date, *, reminded: Mapping[str, str] | None = None
    ) -> Card:
        """The secretary's card: who has not reported on the items returning at the meeting."""
        asked = await self.asked(group, meeting)
        ids = {item_id for plan in asked for item_id in plan.item_ids}
        answers = await self.store.report_backs(group, meeting, item_ids=ids)
        support = []
        for item_id, report in sorted(answers.items()):
            item = await self.store.get_item(item_id)
            if item is not None and report.state is ReportState.NEEDS_SUPPORT:
                support.append((item, report))
        return report_status_card(
            group,
            meeting,
            unreported(asked, answers),
            answered=len(answers),
            total=len(ids),
            support=support,
            reminded=reminded,
        )

    async def _lines(self, group: str, meeting: date, ids: Sequence[int], user: str) -> list[ReportBackLine]:
        """The items of `ids` in `group` as they are now, with their answers; those reaching `user` as the
        secretary marked so."""
        items = [item for item in [await self.store.get_item(i) for i in ids] if item is not None]
        items = [i for i in items if i.group == group and i.status in (ItemStatus.OPEN, ItemStatus.DONE)]
        answers = await self.store.report_backs(group, meeting, item_ids=[i.id for i in items if i.id])
        book = await self._addressbook(group, items)
        lines = []
        for item in items:
            assert item.id is not None
            if item.status is ItemStatus.DONE and item.id not in answers:
                continue  # checked off elsewhere: nothing to report
            mine = any(p.aad_object_id == user.casefold() and not sec for p, sec in book.recipients(item))
            lines.append(ReportBackLine(item, follow_up_date(item, meeting), answers.get(item.id), not mine))
        return lines

    # -- the buttons -------------------------------------------------------------------------------------------

    async def answer(self, data: Mapping[str, Any], actor: Person, where: ConvRef) -> ActionOutcome:
        """The owner's (or the secretary's) answer about one item: stored and audited, and the item updated —
        Klar closes it, Flytta moves it with `flytta`'s rules, Behöver stöd tells the secretary; a later answer
        replaces it until the meeting. Default deny: anyone the item does not reach, a forged or stale click,
        and a meeting held are refused in Swedish and change nothing."""
        refused = ActionOutcome(error_card(STALE_ITEM_MESSAGE), STALE_ITEM_MESSAGE)
        number, meeting, group = (
            item_number(data.get("itemId")),
            _date(data.get("meetingDate")),
            data.get("group"),
        )
        if number is None or meeting is None or not isinstance(group, str):
            return refused
        item = await self.store.get_item(number)
        if item is None or item.group != group or item.status not in (ItemStatus.OPEN, ItemStatus.DONE):
            return refused
        if not is_open_for_answers(meeting, self.clock().date()):
            return ActionOutcome(error_card(MEETING_HELD), MEETING_HELD)
        if not actor.aad_object_id or not await self._may_answer(item, actor):
            logger.info("refused report-back on item %s by %s", number, safe_log_field(actor.teams_id))
            return ActionOutcome(error_card(NOT_YOURS), NOT_YOURS)
        state = parse_state(data.get(report_state_input(number)))
        if state is None:
            return ActionOutcome(error_card(CHOOSE), CHOOSE)
        earlier = (await self.store.report_backs(group, meeting, item_ids=[number])).get(number)
        if item.status is ItemStatus.OPEN and not returns_to(item, meeting):
            return refused  # the item does not return at that meeting: a forged or stale meeting date
        if item.status is ItemStatus.DONE and (earlier is None or earlier.state is not ReportState.DONE):
            return refused  # checked off elsewhere, not by this report-back
        moved_to = None
        if state is ReportState.MOVE:
            outcome = await self.actions.move(number, data.get(report_date_input(number)), actor, where)
            current = await self.store.get_item(number)
            if (
                current is None
                or outcome.item is None
                or current.due is None
                or not _moved(current, data, number)
            ):
                text = f"{outcome.text} Svaret är inte sparat: välj en arbetsdag och skicka igen."
                return ActionOutcome(error_card(text), text)
            moved_to = current.due
        elif state is ReportState.DONE and item.status is ItemStatus.OPEN:
            checked = await self.actions.mark_done(number, actor, where)
            if checked.item is None:
                return checked  # refused as a Klar click would be: nothing is saved either
        elif state is not ReportState.DONE and item.status is ItemStatus.DONE:
            reopened = await self.actions.undo(number, actor, where)  # an earlier 'Klar' taken back
            if reopened.item is None:
                return reopened
        note = clean_note(data.get(report_note_input(number)))
        report = ReportBack(
            item_id=number,
            group=group,
            meeting_date=meeting,
            state=state,
            note=note,
            by=actor.aad_object_id,
            by_label=await self._label(group, actor),
            at=self.clock(),
            moved_to=moved_to,
        )
        notice = None
        if state is ReportState.NEEDS_SUPPORT:
            said = f": {note}" if note else ""
            notice = (
                SECRETARY_NOTICE,
                {
                    "group": group,
                    "title": "Behöver stöd",
                    "text": f"{actor.name} behöver stöd med punkt #{number} inför mötet {format_date(meeting)}"
                    f"{said} ({item.text[:200]})",
                },
            )
        if not await self.store.save_report_back(
            report, origin=f"teams:{where.conversation_id}", notice=notice
        ):
            return refused
        ids = [i for i in (item_number(p) for p in str(data.get("itemIds", "")).split(",")) if i is not None]
        lines = await self._lines(group, meeting, ids or [number], actor.aad_object_id)
        card = report_back_card(actor.name, group, meeting, lines, today=self.clock().date())
        return ActionOutcome(card, f"Tack! Läget för punkt #{number} är sparat.", True, item)

    async def _may_answer(self, item: ItemRecord, actor: Person) -> bool:
        """The item reaches the actor (as owner, or as the secretary for owners nobody can reach), or the actor
        is the group's secretary."""
        if await self.actions.is_secretary(item, actor):
            return True
        aad = (actor.aad_object_id or "").casefold()
        book = await self._addressbook(item.group or "", [item])
        return any(person.aad_object_id == aad for person, _ in book.recipients(item))

    async def _label(self, group: str, actor: Person) -> str:
        """How the agenda names who answered: their initials in the roster, else their name."""
        aad = (actor.aad_object_id or "").casefold()
        for entry in await self.store.roster(group):
            if (entry.aad_object_id or "").casefold() == aad:
                return entry.initials or entry.name
        return actor.name

    async def remind(self, data: Mapping[str, Any], actor: Person) -> ActionOutcome:
        """The secretary's Påminn: queue the person's card once more (once per click, delivered through the
        outbox within the rate limits and quiet hours). Only the group's secretary; the card is shown again
        with who was reminded."""
        group, meeting, user = data.get("group"), _date(data.get("meetingDate")), data.get("userId")
        refused = ActionOutcome(error_card(STALE_ITEM_MESSAGE), STALE_ITEM_MESSAGE)
        if not isinstance(group, str) or meeting is None or not isinstance(user, str):
            return refused
        aad = (actor.aad_object_id or "").casefold()
        roster = await self.store.roster(group)
        if not aad or not any(
            SECRETARY_ROLE in e.roles and (e.aad_object_id or "").casefold() == aad for e in roster
        ):
            return ActionOutcome(error_card(ONLY_SECRETARY_REMINDS), ONLY_SECRETARY_REMINDS)
        if not is_open_for_answers(meeting, self.clock().date()):
            return ActionOutcome(error_card(MEETING_HELD), MEETING_HELD)
        plan = next(
            (p for p in await self.asked(group, meeting) if p.person.aad_object_id == user.casefold()), None
        )
        if plan is None:
            return refused
        await self.store.enqueue(
            REPORT_BACK, _payload(plan, group, meeting), conversation_key=None, at=self.clock()
        )
        card = await self.status_card(group, meeting, reminded={plan.person.aad_object_id: "Påmind nu"})
        return ActionOutcome(card, f"{plan.person.name} får sitt kort igen.")


def _payload(plan: Asked, group: str, meeting: date) -> dict[str, Any]:
    return {
        "user_aad_id": plan.person.aad_object_id,
        "name": plan.person.name,
        "group": group,
        "meeting_date": meeting.isoformat(),
        "item_ids": list(plan.item_ids),
    }


def _moved(current: ItemRecord, data: Mapping[str, Any], number: int) -> bool:
    """Whether the item now has the date the card asked for (a date refused by `flytta` leaves it as it was)."""
    asked = data.get(report_date_input(number))
    return (
        isinstance(asked, str) and current.due is not None and current.due.isoformat() == asked.strip()[:10]
    )


def _date(value: object) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
