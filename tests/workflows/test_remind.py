"""Reminders: the pure schedule and planner, a quarter of meetings under a 15-minute clock (every reminder
at its moment, none at night, at weekends or on holidays, none twice however the tick runs), and delivery
through the outbox to personal chats on both store backends."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import StatementError

from minutes.calendar import MeetingCalendar
from minutes.model import ItemKind, Relative
from minutes.records import DocumentRecord, ItemRecord, ItemStatus, RosterEntry
from store import SqlStore
from tests.cards.cardcheck import execute_actions
from tests.fakes import EnqueueFailed, MemoryNotMineLog, MemoryReminderLedger
from tests.workflows.chat_fixtures import CHANNEL, NOW, PERSONAL, RecordingSender, clock, ingest_flg
from workflows.chat import Person
from workflows.deliver import Deliverer
from workflows.item_actions import ItemActions
from workflows.outbox import OutboxStatus
from workflows.remind import (
    REMINDER,
    Addressbook,
    GroupPolicies,
    NotMineLog,
    Recipient,
    ReminderPolicy,
    Reminders,
    due_reminder,
    plan_reminders,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def at(text: str) -> datetime:
    """A Stockholm wall-clock time, '2025-04-22 07:30'."""
    return datetime.fromisoformat(text).replace(tzinfo=STOCKHOLM)


# -- fakes --------------------------------------------------------------------------------------------------


@dataclass
class QuarterStore:
    """ReminderStore in memory, with SqlStore's query semantics; every call yields once, like I/O."""

    items: dict[int, ItemRecord] = field(default_factory=dict)
    minutes: list[DocumentRecord] = field(default_factory=list)
    rosters: dict[str, list[RosterEntry]] = field(default_factory=dict)

    async def save_roster(self, group: str, entries: Any) -> None:
        self.rosters[group] = list(entries)

    async def roster(self, group: str) -> list[RosterEntry]:
        await asyncio.sleep(0)
        return list(self.rosters.get(group, []))

    async def overdue_items(self, today: date, *, group: str | None = None) -> list[ItemRecord]:
        await asyncio.sleep(0)
        return [i for i in self._open(group) if i.due is not None and i.due < today]

    async def items_due_between(
        self, start: date, end: date, *, group: str | None = None, open_only: bool = True
    ) -> list[ItemRecord]:
        await asyncio.sleep(0)
        return [i for i in self._open(group) if i.due is not None and start <= i.due <= end]

    async def follow_up_items(self, group: str | None) -> list[ItemRecord]:
        await asyncio.sleep(0)
        return [
            i
            for i in self._open(group)
            if i.due_relative is Relative.NEXT_MEETING or i.kind is ItemKind.FOLLOW_UP
        ]

    async def documents(self, *, group: str | None = None) -> list[DocumentRecord]:
        await asyncio.sleep(0)
        return [d for d in self.minutes if group is None or d.group == group]

    def _open(self, group: str | None) -> list[ItemRecord]:
        return [
            i
            for i in sorted(self.items.values(), key=lambda i: i.id or 0)
            if i.status is ItemStatus.OPEN and (group is None or i.group == group)
        ]


# -- the quarter --------------------------------------------------------------------------------------------

AA = RosterEntry("FLG", "AA", "Annika Andersson", (), "aad-aa")
RN = RosterEntry("FLG", "RN", "Rickard Nilsson", (), "AAD-RN")  # Teams and Graph disagree on case
YK = RosterEntry("FLG", "YK", "Yvonne Kvist", ("sekreterare",), "aad-yk")
BB = RosterEntry("FLG", "BB", "Bertil Berg")  # no Entra id: no chat can be opened with him
NAMES = {"AA": AA.name, "RN": RN.name, "YK": YK.name}
RULE = "varannan måndag från 2025-04-07"  # 21/4 is annandag påsk: that meeting is held on Tuesday 22/4


def item(
    number: int,
    meeting: date,
    owners: tuple[str, ...],
    due: date | None = None,
    *,
    kind: ItemKind = ItemKind.ACTION,
    relative: Relative | None = None,
    raw: str | None = None,
) -> ItemRecord:
    return ItemRecord(
        key=f"flg-{meeting}#{number}",
        document_key=f"local:protokoll|flg-{meeting}.docx",
        kind=kind,
        topic="",
        text=f"Punkt {number}",
        owners=owners,
        actors=owners,
        due=due,
        due_raw=raw or (due.isoformat() if due else None),
        due_relative=relative,
        source=f"t1.r{number}.c1.0",
        group="FLG",
        meeting_date=meeting,
        id=number,
    )


def minutes_of(meeting: date) -> DocumentRecord:
    return DocumentRecord(
        key=f"local:protokoll|flg-{meeting}.docx",
        name=f"Protokoll FLG {meeting}.docx",
        version="1",
        content_hash=None,
        web_url=None,
        group="FLG",
        meeting_date=meeting,
        status="ok",
    )


D = date
NEXT = Relative.NEXT_MEETING
Event = Callable[[QuarterStore], None]


def ingest(meeting: date, *items: ItemRecord) -> Event:
    def apply(store: QuarterStore) -> None:
        store.minutes.append(minutes_of(meeting))
        store.items.update({i.id or 0: i for i in items})

    return apply


def edited(*items: ItemRecord) -> Event:
    def apply(store: QuarterStore) -> None:
        store.items.update({i.id or 0: i for i in items})

    return apply


def done(number: int) -> Event:
    def apply(store: QuarterStore) -> None:
        store.items[number] = replace(store.items[number], status=ItemStatus.DONE)

    return apply


def moved(number: int, due: date) -> Event:
    def apply(store: QuarterStore) -> None:
        store.items[number] = replace(store.items[number], due=due, due_raw=due.isoformat())

    return apply


# The quarter 7 April – 6 July 2025: FLG meets every other Monday, minutes arrive at 16:00 the same day.
TIMELINE: list[tuple[datetime, Event]] = [
    (
        at("2025-04-07 16:00"),
        ingest(
            D(2025, 4, 7),
            item(1, D(2025, 4, 7), ("AA",), D(2025, 4, 25)),  # 7 days before: långfredag → after Easter
            item(2, D(2025, 4, 7), ("RN",), D(2025, 5, 2)),  # the day before is 1 maj
            item(3, D(2025, 4, 7), ("AA", "RN"), relative=NEXT, raw="kommande FLG"),
        ),
    ),
    (at("2025-04-22 16:00"), ingest(D(2025, 4, 22))),  # the meeting moved off annandag påsk
    (at("2025-05-05 10:00"), done(1)),
    (at("2025-05-05 16:00"), ingest(D(2025, 5, 5), item(4, D(2025, 5, 5), ("BB",), D(2025, 5, 30)))),
    (at("2025-05-06 09:00"), done(3)),
    (
        at("2025-05-19 16:00"),
        ingest(
            D(2025, 5, 19),
            item(5, D(2025, 5, 19), ("AA",), D(2025, 5, 20)),  # due the day after the meeting
            item(6, D(2025, 5, 19), ("AA",), D(2025, 6, 13)),  # AA said 'Inte min'
        ),
    ),
    (at("2025-05-20 11:00"), done(5)),
    (at("2025-06-02 12:00"), done(2)),
    (
        at("2025-06-02 16:00"),
        ingest(
            D(2025, 6, 2),
            item(7, D(2025, 6, 2), ("AA",), kind=ItemKind.DECISION),  # names no date: a decision, no reminder
            item(8, D(2025, 6, 2), ("RN",), raw="i höst"),
            item(10, D(2025, 6, 2), ("ALLA",), D(2025, 6, 19)),  # the day before midsommarafton
            item(12, D(2025, 6, 2), (), D(2025, 6, 10)),  # no owner written
        ),
    ),
    (
        at("2025-06-16 16:00"),
        ingest(
            D(2025, 6, 16),
            item(9, D(2025, 6, 16), ("RN",), relative=NEXT, raw="nästa möte"),
            item(11, D(2025, 6, 16), ("AA",), D(2025, 7, 1)),
        ),
    ),
    (at("2025-06-19 14:00"), done(10)),
    # The secretary adds a forgotten item to the minutes of 16/6 in the evening: its before-7 day is today,
    # but at night nothing goes out, and by morning that day has passed.
    (at("2025-06-24 19:00"), edited(item(13, D(2025, 6, 16), ("AA",), D(2025, 7, 1)))),
    (at("2025-06-30 16:00"), ingest(D(2025, 6, 30))),
    (at("2025-07-01 10:00"), moved(11, D(2025, 7, 4))),
]

# (item, person, kind, when it is sent) — every reminder of the quarter, worked out by hand.
EXPECTED: list[tuple[int, str, str, datetime]] = [
    (1, "AA", "before-7", at("2025-04-22 07:30")),  # 18/4 långfredag, 21/4 annandag påsk
    (1, "AA", "before-1", at("2025-04-24 07:30")),
    (1, "AA", "day", at("2025-04-25 07:30")),
    (1, "AA", "overdue-week-1", at("2025-05-02 07:30")),  # done 5/5: no week 2
    (2, "RN", "before-7", at("2025-04-25 07:30")),
    (2, "RN", "day", at("2025-05-02 07:30")),  # before-1 (1 maj) waited for 2/5 and is superseded
    (2, "RN", "overdue-week-1", at("2025-05-09 07:30")),
    (2, "RN", "overdue-week-2", at("2025-05-16 07:30")),
    (2, "RN", "overdue-week-3", at("2025-05-23 07:30")),
    (2, "RN", "overdue-week-4", at("2025-05-30 07:30")),  # klämdag: a working day
    (3, "AA", "day", at("2025-04-22 16:00")),  # 'kommande FLG' = 22/4 once its minutes arrive
    (3, "RN", "day", at("2025-04-22 16:00")),
    (3, "AA", "overdue-week-1", at("2025-04-29 07:30")),
    (3, "RN", "overdue-week-1", at("2025-04-29 07:30")),
    (3, "AA", "overdue-week-2", at("2025-05-06 07:30")),
    (3, "RN", "overdue-week-2", at("2025-05-06 07:30")),
    (4, "YK", "before-7", at("2025-05-23 07:30")),  # BB cannot be reached: the secretary
    (4, "YK", "day", at("2025-05-30 07:30")),  # before-1 is Kristi himmelsfärd
    (4, "YK", "overdue-week-1", at("2025-06-09 07:30")),  # 6/6 nationaldagen
    (4, "YK", "overdue-week-2", at("2025-06-13 07:30")),
    (4, "YK", "overdue-week-3", at("2025-06-23 07:30")),  # 20/6 midsommarafton
    (4, "YK", "overdue-week-4", at("2025-06-27 07:30")),
    (4, "YK", "overdue-week-5", at("2025-07-04 07:30")),
    (5, "AA", "day", at("2025-05-20 07:30")),  # before-1 was the meeting day itself
    (6, "YK", "before-7", at("2025-06-09 07:30")),  # not AA's: the secretary
    (6, "YK", "before-1", at("2025-06-12 07:30")),
    (6, "YK", "day", at("2025-06-13 07:30")),
    (6, "YK", "overdue-week-1", at("2025-06-23 07:30")),
    (6, "YK", "overdue-week-2", at("2025-06-27 07:30")),
    (6, "YK", "overdue-week-3", at("2025-07-04 07:30")),
    (9, "RN", "before-7", at("2025-06-23 07:30")),  # 'nästa möte' = 30/6 by the rule
    (9, "RN", "day", at("2025-06-30 07:30")),  # before-1 is a Sunday
    *[(10, person, "before-7", at("2025-06-12 07:30")) for person in ("AA", "RN", "YK")],  # ALLA
    *[(10, person, "before-1", at("2025-06-18 07:30")) for person in ("AA", "RN", "YK")],
    *[(10, person, "day", at("2025-06-19 07:30")) for person in ("AA", "RN", "YK")],
    (11, "AA", "before-7", at("2025-06-24 07:30")),
    (11, "AA", "before-1", at("2025-06-30 07:30")),
    (11, "AA", "day", at("2025-07-01 07:30")),
    (11, "AA", "before-1", at("2025-07-03 07:30")),  # moved to 4/7 at 10:00 on 1/7
    (11, "AA", "day", at("2025-07-04 07:30")),
    (13, "AA", "before-1", at("2025-06-30 07:30")),  # with 11, in one message
    (13, "AA", "day", at("2025-07-01 07:30")),
    (12, "YK", "before-7", at("2025-06-03 07:30")),  # no owner: the secretary
    (12, "YK", "before-1", at("2025-06-09 07:30")),
    (12, "YK", "day", at("2025-06-10 07:30")),
    (12, "YK", "overdue-week-1", at("2025-06-17 07:30")),
    (12, "YK", "overdue-week-2", at("2025-06-24 07:30")),
    (12, "YK", "overdue-week-3", at("2025-07-01 07:30")),
]
# Non-working weekdays of the quarter, written out here rather than asked of the code under test.
QUARTER_HOLIDAYS = {
    D(2025, 4, 18),
    D(2025, 4, 21),
    D(2025, 5, 1),
    D(2025, 5, 29),
    D(2025, 6, 6),
    D(2025, 6, 20),
}


def reminders(store: QuarterStore, ledger: MemoryReminderLedger) -> Reminders:
    return Reminders(
        store,
        ledger,
        calendars={"FLG": MeetingCalendar.configured(rules=[RULE])},
        not_mine=MemoryNotMineLog({6: frozenset({"aad-aa"})}),
    )


async def simulate(mode: str) -> tuple[list[tuple[int, str, str, datetime]], MemoryReminderLedger]:
    """Tick every 15 minutes through the quarter; 'repeated' ticks twice at each moment, 'concurrent' runs
    two ticks (two service instances) at once on the same store and ledger."""
    store = QuarterStore(rosters={"FLG": [AA, RN, YK, BB]})
    ledger = MemoryReminderLedger()
    first, second = reminders(store, ledger), reminders(store, ledger)
    events = sorted(TIMELINE, key=lambda event: event[0])
    sent: list[tuple[int, str, str, datetime]] = []
    now = at("2025-04-07 00:00").astimezone(UTC)
    end = at("2025-07-07 00:00")
    while now < end:
        while events and events[0][0] <= now:
            events.pop(0)[1](store)
        if mode == "concurrent":
            plans = [p for ps in await asyncio.gather(first.tick(now), second.tick(now)) for p in ps]
        else:
            plans = await first.tick(now)
            if mode == "repeated":
                plans += await first.tick(now)
        sent += [
            (line.item.id or 0, plan.person.name, line.kind, now) for plan in plans for line in plan.items
        ]
        now += timedelta(minutes=15)
    return sent, ledger


@pytest.mark.parametrize("mode", ["once", "repeated", "concurrent"])
async def test_a_quarter_of_reminders_each_at_its_moment_and_once(mode: str) -> None:
    sent, ledger = await simulate(mode)
    expected = [(number, NAMES[who], kind, when) for number, who, kind, when in EXPECTED]
    assert sorted(sent) == sorted(expected)
    for *_, when in sent:
        local = when.astimezone(STOCKHOLM)
        assert local.weekday() < 5 and local.date() not in QUARTER_HOLIDAYS, when
        assert "07:30" <= local.strftime("%H:%M") < "18:00", when
    # One message per person per tick, naming exactly that person's items of the tick.
    lines: dict[tuple[str, datetime], set[int]] = {}
    for number, name, _, when in expected:
        lines.setdefault((name, when), set()).add(number)
    messages = Counter((payload["name"], when) for when, _, payload in ledger.outbox)
    if mode != "concurrent":  # two instances may split one person's items between them; never repeat one
        assert messages == Counter(lines.keys())
    for when, kind, payload in ledger.outbox:
        assert kind == REMINDER and set(payload) == {"user_aad_id", "name", "group", "item_ids"}
        assert set(payload["item_ids"]) <= lines[(payload["name"], when)]
        assert payload["group"] == "FLG" and payload["user_aad_id"] == payload["user_aad_id"].casefold()
    if mode == "once":  # the secretary's own items, the unresolved owner's and the disowned one: one message
        (payload,) = [
            p for when, _, p in ledger.outbox if when == at("2025-06-09 07:30") and p["name"] == YK.name
        ]
        assert payload == {"user_aad_id": "aad-yk", "name": YK.name, "group": "FLG", "item_ids": [4, 12, 6]}
    delivered = [
        (number, payload["name"]) for when, _, payload in ledger.outbox for number in payload["item_ids"]
    ]
    assert Counter(delivered) == Counter((number, name) for number, name, _, _ in expected)


# -- the schedule, pure -------------------------------------------------------------------------------------

POLICY = ReminderPolicy()


@pytest.mark.parametrize(
    ("due", "known_since", "now", "expected"),
    [
        (D(2025, 4, 25), None, at("2025-04-18 10:00"), None),  # långfredag: quiet
        (D(2025, 4, 25), None, at("2025-04-22 07:29"), None),  # not yet morning
        (D(2025, 4, 25), None, at("2025-04-22 07:30"), ("before-7", at("2025-04-22 07:30"))),
        (D(2025, 4, 25), None, at("2025-04-22 17:59"), ("before-7", at("2025-04-22 07:30"))),
        (D(2025, 4, 25), None, at("2025-04-22 18:00"), None),  # evening: quiet
        (D(2025, 4, 25), None, at("2025-04-23 10:00"), None),  # before-7's day has passed
        (D(2025, 4, 25), None, at("2025-04-24 09:00"), ("before-1", at("2025-04-24 07:30"))),
        (D(2025, 4, 25), None, at("2025-04-25 12:00"), ("day", at("2025-04-25 07:30"))),
        (D(2025, 4, 25), None, at("2025-04-28 12:00"), None),
        (D(2025, 4, 25), None, at("2025-05-02 07:30"), ("overdue-week-1", at("2025-05-02 07:30"))),
        (D(2025, 4, 25), None, at("2025-12-05 08:00"), ("overdue-week-32", at("2025-12-05 07:30"))),
        (D(2025, 5, 2), None, at("2025-05-02 07:30"), ("day", at("2025-05-02 07:30"))),  # 1 maj superseded
        (D(2025, 5, 2), D(2025, 4, 28), at("2025-04-25 10:00"), None),  # before the meeting: not known
        (D(2025, 4, 25), D(2025, 4, 24), at("2025-04-24 10:00"), None),  # the meeting told them
        (D(2025, 4, 25), D(2025, 4, 24), at("2025-04-25 07:30"), ("day", at("2025-04-25 07:30"))),
        (D(2025, 6, 13), None, at("2025-06-23 07:30"), ("overdue-week-1", at("2025-06-23 07:30"))),
        (D(2025, 6, 13), None, at("2025-06-20 10:00"), None),  # midsommarafton
        (D(2025, 6, 13), None, at("2025-06-12 06:00"), None),  # before the morning
        (
            D(2025, 6, 13),
            None,
            datetime(2025, 6, 12, 5, 30, tzinfo=UTC),
            ("before-1", at("2025-06-12 07:30")),
        ),
    ],
)
def test_which_reminder_is_due(
    due: date, known_since: date | None, now: datetime, expected: tuple[str, datetime] | None
) -> None:
    assert due_reminder(due, now=now, policy=POLICY, known_since=known_since) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at("2025-04-22 09:00"), "before-3"),
        (at("2025-04-24 09:00"), None),
        (at("2025-04-25 09:00"), None),
        (at("2025-05-02 09:00"), None),
    ],
)
def test_a_group_policy_of_its_own(now: datetime, expected: str | None) -> None:
    policy = ReminderPolicy(days_before=(3,), on_day=False, weekly_overdue=False)
    found = due_reminder(D(2025, 4, 25), now=now, policy=policy)
    assert (found[0] if found else None) == expected


def test_policy_checks() -> None:
    assert ReminderPolicy(days_before=(1, 7, 7)).days_before == (7, 1)
    with pytest.raises(ValueError):
        ReminderPolicy(days_before=(0,))
    policies = GroupPolicies(groups={"FSG": ReminderPolicy(days_before=(14,))})
    assert policies.of("FSG").days_before == (14,) and policies.of("FLG") == ReminderPolicy()
    assert policies.of(None) == ReminderPolicy() and policies.horizon_days == 14


ANNIKA = Recipient("AAD-AA", "Annika Andersson")
RICKARD = Recipient("aad-rn", "Rickard Nilsson")
YVONNE = Recipient("aad-yk", "Yvonne Kvist")
BOOK = Addressbook(
    owners={("FLG", "AA"): (ANNIKA,), ("FLG", "RN"): (RICKARD,), ("FLG", "ALLA"): (ANNIKA, RICKARD, YVONNE)},
    secretaries={"FLG": (YVONNE,)},
)
TODAY_MORNING = at("2025-04-22 09:00")  # a Tuesday; items due 29/4 get their before-7 now


@pytest.mark.parametrize(
    ("owners", "not_mine", "expected"),
    [
        (("AA",), {}, [("Annika Andersson", False)]),
        (("AA", "RN"), {}, [("Annika Andersson", False), ("Rickard Nilsson", False)]),
        (("AA", "Okänd"), {}, [("Annika Andersson", False), ("Yvonne Kvist", True)]),
        ((), {}, [("Yvonne Kvist", True)]),
        (("AA",), {1: frozenset({"aad-aa"})}, [("Yvonne Kvist", True)]),
        (("AA", "RN"), {1: frozenset({"AAD-AA"})}, [("Rickard Nilsson", False), ("Yvonne Kvist", True)]),
        (("AA",), {1: frozenset({"aad-rn"})}, [("Annika Andersson", False)]),  # RN is no owner of it
        (
            ("ALLA", "AA"),
            {},
            [("Annika Andersson", False), ("Rickard Nilsson", False), ("Yvonne Kvist", False)],
        ),
    ],
)
def test_who_is_reminded(
    owners: tuple[str, ...], not_mine: dict[int, frozenset[str]], expected: list[tuple[str, bool]]
) -> None:
    book = replace(BOOK, not_mine=not_mine)
    plans = plan_reminders(
        [item(1, D(2025, 4, 14), owners, D(2025, 4, 29))],
        now=TODAY_MORNING,
        policies=GroupPolicies(),
        calendars={},
        owners_to_people=book,
    )
    assert [(p.person.name, p.items[0].as_secretary) for p in plans] == expected
    assert all(p.items[0].kind == "before-7" for p in plans)


def test_one_plan_per_person_with_every_item_due() -> None:
    items = [
        item(1, D(2025, 4, 14), ("AA",), D(2025, 4, 29)),
        item(2, D(2025, 4, 14), ("AA", "RN"), D(2025, 4, 23)),
        item(3, D(2025, 4, 14), ("RN",), D(2025, 4, 30)),  # nothing due today
        item(4, D(2025, 4, 14), ("AA",), relative=NEXT),  # the calendar says 29/4
        item(5, D(2025, 4, 14), ("AA",), D(2025, 4, 29), kind=ItemKind.DECISION),  # owner and date: an action
        item(8, D(2025, 4, 14), (), D(2025, 4, 29), kind=ItemKind.DECISION),  # no owner: only a decision
        replace(item(6, D(2025, 4, 14), ("AA",), D(2025, 4, 29)), status=ItemStatus.DONE),
        item(7, D(2025, 4, 14), ("AA",), relative=NEXT, raw="nästa möte"),
    ]
    calendars = {"FLG": MeetingCalendar(frozenset({D(2025, 4, 29)}))}
    plans = plan_reminders(
        items, now=TODAY_MORNING, policies=GroupPolicies(), calendars=calendars, owners_to_people=BOOK
    )
    summary = [(p.person.name, [(line.item.id, line.kind, line.due) for line in p.items]) for p in plans]
    assert summary == [
        (
            "Annika Andersson",
            [
                (2, "before-1", D(2025, 4, 23)),
                (1, "before-7", D(2025, 4, 29)),
                (4, "before-7", D(2025, 4, 29)),
                (5, "before-7", D(2025, 4, 29)),
                (7, "before-7", D(2025, 4, 29)),
            ],
        ),
        ("Rickard Nilsson", [(2, "before-1", D(2025, 4, 23))]),
    ]
    assert plans[0].payload() == {
        "user_aad_id": "aad-aa",
        "name": "Annika Andersson",
        "group": "FLG",
        "item_ids": [2, 1, 4, 5, 7],
    }
    assert plans[0].items[0].key(plans[0].person) == "2|aad-aa|before-1|2025-04-23"
    assert plan_reminders(
        items, now=TODAY_MORNING, policies=GroupPolicies(), calendars={}, owners_to_people=BOOK
    )[0].payload()["item_ids"] == [2, 1, 5]  # without a calendar 'nästa möte' has no date yet


def test_nobody_to_remind_plans_nothing() -> None:
    plans = plan_reminders(
        [replace(item(1, D(2025, 4, 14), ("Okänd",), D(2025, 4, 29)), group="FSG")],
        now=TODAY_MORNING,
        policies=GroupPolicies(),
        calendars={},
        owners_to_people=BOOK,
    )
    assert plans == []


async def test_a_tick_with_nobody_to_reach_queues_nothing() -> None:
    lonely = replace(item(1, D(2025, 4, 14), ("Okänd",), D(2025, 4, 29)), group="FSG")  # no roster at all
    store = QuarterStore(items={1: lonely})
    ledger = MemoryReminderLedger()
    reminders = Reminders(store, ledger)
    assert await reminders.tick(TODAY_MORNING) == []
    assert await reminders.tick(TODAY_MORNING + timedelta(minutes=15)) == []
    assert ledger.outbox == []


async def test_a_failed_enqueue_claims_nothing_and_the_next_tick_sends_it() -> None:
    store = QuarterStore(
        items={1: item(1, D(2025, 4, 14), ("AA", "RN"), D(2025, 4, 29))}, rosters={"FLG": [AA, RN]}
    )
    ledger = MemoryReminderLedger(fail_next=1)
    reminders = Reminders(store, ledger)
    with pytest.raises(EnqueueFailed):
        await reminders.tick(TODAY_MORNING)  # AA's message fails: the tick stops there
    assert ledger.claimed == {} and ledger.outbox == []
    queued = await reminders.tick(TODAY_MORNING + timedelta(minutes=15))
    assert [(p.person.name, [line.item.id for line in p.items]) for p in queued] == [
        ("Annika Andersson", [1]),
        ("Rickard Nilsson", [1]),
    ]
    assert await reminders.tick(TODAY_MORNING + timedelta(minutes=30)) == []
    assert len(ledger.outbox) == 2


async def test_items_another_instance_claimed_are_left_out_of_the_message() -> None:
    items = {n: item(n, D(2025, 4, 14), ("AA",), D(2025, 4, 29)) for n in (1, 2, 3)}
    store = QuarterStore(items=items, rosters={"FLG": [AA]})
    ledger = MemoryReminderLedger()
    [plan] = plan_reminders(
        items.values(), now=TODAY_MORNING, policies=GroupPolicies(), calendars={}, owners_to_people=BOOK
    )
    ledger.claimed[plan.items[1].key(plan.person)] = TODAY_MORNING  # item 2, by another instance
    [queued] = await Reminders(store, ledger).tick(TODAY_MORNING)
    assert [line.item.id for line in queued.items] == [1, 3]
    assert [payload["item_ids"] for _, _, payload in ledger.outbox] == [[1, 3]]


@dataclass
class RacingLedger(MemoryReminderLedger):
    """Another instance claims `stolen` between this tick's read of the claims and its enqueue."""

    stolen: str = ""

    async def claimed_reminders(self, keys: Any) -> set[str]:
        found = await super().claimed_reminders(keys)
        if self.stolen and self.stolen not in self.claimed:
            self.claimed[self.stolen] = TODAY_MORNING
        return found


async def test_a_claim_lost_in_a_race_is_left_out_and_the_rest_still_queued() -> None:
    items = {n: item(n, D(2025, 4, 14), ("AA",), D(2025, 4, 29)) for n in (1, 2)}
    ledger = RacingLedger(stolen=f"2|{AA.aad_object_id}|before-7|2025-04-29")
    [queued] = await Reminders(QuarterStore(items=items, rosters={"FLG": [AA]}), ledger).tick(TODAY_MORNING)
    assert [line.item.id for line in queued.items] == [1]
    assert [payload["item_ids"] for _, _, payload in ledger.outbox] == [[1]]


async def test_not_mine_said_between_ticks_moves_the_next_reminder_to_the_secretary() -> None:
    store = QuarterStore(
        items={1: item(1, D(2025, 4, 7), ("AA",), D(2025, 4, 29))}, rosters={"FLG": [AA, RN, YK]}
    )
    log = MemoryNotMineLog()
    reminders = Reminders(store, MemoryReminderLedger(), not_mine=log)
    [before_7] = await reminders.tick(at("2025-04-22 09:00"))
    log.items[1] = frozenset({"AAD-AA"})  # AA clicks 'Inte min' on the reminder
    [before_1] = await reminders.tick(at("2025-04-28 09:00"))
    assert (before_7.person.name, before_1.person.name) == (AA.name, YK.name)
    assert before_1.items[0].as_secretary


# -- the real store and the outbox --------------------------------------------------------------------------

MONDAY_MORNING = NOW  # 2024-09-02 08:00 UTC: 10:00 in Stockholm, a week before FLG's next meeting on 9/9


def flg_reminders(store: SqlStore, not_mine: NotMineLog | None = None) -> Reminders:
    """FLG's reminders on the real store, which is also their ledger (claims and outbox in one transaction)."""
    return Reminders(
        store,
        store,
        calendars={"FLG": MeetingCalendar.configured(rules=["varannan måndag från 2024-08-26"])},
        not_mine=not_mine,
    )


async def flg_items(store: SqlStore) -> tuple[int, int]:
    """The ids of the 'kommande FLG' follow-up (ALLA) and of RN's action due 9/9."""
    items = await store.list_items(open_only=True)
    (next_meeting,) = [i.id for i in items if i.due_relative is Relative.NEXT_MEETING]
    (rn,) = [i.id for i in items if i.owners == ("RN",) and i.due == D(2024, 9, 9)]
    assert next_meeting is not None and rn is not None
    return next_meeting, rn


async def test_a_tick_queues_one_reminder_per_person_and_delivery_opens_personal_chats(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    next_meeting, rn = await flg_items(store)
    queued = await flg_reminders(store).tick(MONDAY_MORNING)
    assert [(p.person.name, [line.kind for line in p.items]) for p in queued] == [
        ("Annika Andersson", ["before-7"]),
        ("Rickard Nilsson", ["before-7", "before-7"]),
        ("Yvonne Kvist", ["before-7"]),
    ]
    payloads = [m.payload for m in await store.outbox_messages() if m.kind == REMINDER]
    assert payloads == [
        {"user_aad_id": "aad-aa", "name": "Annika Andersson", "group": "FLG", "item_ids": [next_meeting]},
        {
            "user_aad_id": "aad-rn",
            "name": "Rickard Nilsson",
            "group": "FLG",
            "item_ids": sorted([next_meeting, rn]),
        },
        {"user_aad_id": "aad-yk", "name": "Yvonne Kvist", "group": "FLG", "item_ids": [next_meeting]},
    ]
    # Again, and a quarter of an hour later: nothing new.
    assert await flg_reminders(store).tick(MONDAY_MORNING) == []
    assert await flg_reminders(store).tick(MONDAY_MORNING + timedelta(minutes=15)) == []
    assert len([m for m in await store.outbox_messages() if m.kind == REMINDER]) == 3

    sender = RecordingSender()
    await store.save_conversation(PERSONAL, at=NOW)  # Annika has talked to the bot before
    assert await Deliverer(store, sender, clock, worker="w1").run_once() == 4  # with the meeting card
    reminders_sent = {c: m.card for c, m in sender.sent if c.startswith("a:personal")}
    assert set(reminders_sent) == {"a:personal-aa", "a:personal-aad-rn", "a:personal-aad-yk"}
    rn_card = reminders_sent["a:personal-aad-rn"]
    assert rn_card is not None and rn_card["body"][0]["text"] == "Påminnelse: 2 punkter att göra"
    assert {a["verb"] for a in execute_actions(rn_card)} == {"item.done", "item.move", "item.notMine"}
    # The channel gets the meeting card (and the digest), never a reminder.
    assert [c for c, _ in sender.sent if not c.startswith("a:personal")] == ["19:flg@thread.tacv2"]


async def test_two_ticks_at_once_queue_each_reminder_once(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    first, second = await asyncio.gather(
        flg_reminders(store).tick(MONDAY_MORNING), flg_reminders(store).tick(MONDAY_MORNING)
    )
    lines = [(p.person.name, line.item.id or 0) for p in [*first, *second] for line in p.items]
    assert len(lines) == len(set(lines)) == 4
    payloads = [m.payload for m in await store.outbox_messages() if m.kind == REMINDER]
    assert sorted(i for p in payloads for i in p["item_ids"]) == sorted(i for _, i in lines)


async def test_not_mine_goes_to_the_secretary_and_nothing_at_night(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    next_meeting, rn = await flg_items(store)
    reminders = flg_reminders(store, MemoryNotMineLog({rn: frozenset({"aad-rn"})}))
    assert await reminders.tick(at("2024-09-02 18:00")) == []
    assert await reminders.tick(at("2024-09-07 10:00")) == []  # a Saturday
    queued = {
        p.person.name: [(line.item.id, line.as_secretary) for line in p.items]
        for p in await reminders.tick(MONDAY_MORNING)
    }
    assert queued == {
        "Annika Andersson": [(next_meeting, False)],
        "Rickard Nilsson": [(next_meeting, False)],
        "Yvonne Kvist": [(next_meeting, False), (rn, True)],
    }


async def test_a_reminder_of_items_done_meanwhile_sends_nothing(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    next_meeting, rn = await flg_items(store)
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()  # the meeting card
    await flg_reminders(store).tick(MONDAY_MORNING)
    for item_id in (next_meeting, rn):
        await store.set_status(item_id, ItemStatus.DONE, by="aad-rn", at=NOW, origin="test")
    sender = RecordingSender()
    await Deliverer(store, sender, clock, worker="w1").run_once()
    assert sender.sent == []
    assert await store.outbox_messages(OutboxStatus.PENDING) == []
    assert await store.outbox_messages(OutboxStatus.PARKED) == []


async def test_a_malformed_reminder_is_parked(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await Deliverer(store, RecordingSender(), clock, worker="w1").run_once()
    await store.enqueue(REMINDER, {"name": "X", "item_ids": ["1"]}, conversation_key=None, at=NOW)
    sender = RecordingSender()
    assert await Deliverer(store, sender, clock, worker="w1").run_once() == 0
    (parked,) = await store.outbox_messages(OutboxStatus.PARKED)
    assert parked.kind == REMINDER and sender.sent == []


@dataclass
class CrashingOutbox:
    """The store as the ledger, except that the first `failures` messages fail inside the transaction, after
    their keys were inserted: the payload cannot be written (as a lost connection or a full disk would)."""

    store: SqlStore
    failures: int = 1

    async def claim_reminder(self, key: str, *, at: datetime) -> bool:
        return await self.store.claim_reminder(key, at=at)

    async def claimed_reminders(self, keys: Any) -> set[str]:
        return await self.store.claimed_reminders(keys)

    async def enqueue_reminder(
        self, keys: Any, kind: str, payload: dict[str, Any], *, conversation_key: str | None, at: datetime
    ) -> bool:
        if self.failures:
            self.failures -= 1
            payload = {**payload, "unwritable": object()}
        return await self.store.enqueue_reminder(
            keys, kind, payload, conversation_key=conversation_key, at=at
        )


async def test_a_failure_after_the_claim_loses_no_reminder(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    ledger = CrashingOutbox(store)
    reminders = Reminders(
        store,
        ledger,
        calendars={"FLG": MeetingCalendar.configured(rules=["varannan måndag från 2024-08-26"])},
    )
    with pytest.raises(StatementError):  # Annika's message: its keys went in, then the outbox row failed
        await reminders.tick(MONDAY_MORNING)
    assert [m for m in await store.outbox_messages() if m.kind == REMINDER] == []
    later = await reminders.tick(MONDAY_MORNING + timedelta(minutes=15))
    assert [p.person.name for p in later] == ["Annika Andersson", "Rickard Nilsson", "Yvonne Kvist"]
    payloads = [m.payload for m in await store.outbox_messages() if m.kind == REMINDER]
    assert [p["name"] for p in payloads] == ["Annika Andersson", "Rickard Nilsson", "Yvonne Kvist"]
    assert await reminders.tick(MONDAY_MORNING + timedelta(minutes=30)) == []


async def test_not_mine_clicked_reaches_the_reminder_tick(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    next_meeting, rn = await flg_items(store)
    rickard = Person("29:rn", "Rickard Nilsson", "AAD-RN")
    await ItemActions(store, clock).not_mine(rn, rickard, CHANNEL)
    queued = {
        p.person.name: [(line.item.id, line.as_secretary) for line in p.items]
        for p in await flg_reminders(store, store).tick(MONDAY_MORNING)
    }
    assert queued["Rickard Nilsson"] == [(next_meeting, False)]
    assert (rn, True) in queued["Yvonne Kvist"]
