"""The report-back workflow over the SQL store: who is asked about what (owners, the secretary for 'Alla', roles,
people the roster cannot place and 'Inte min'), when the cards are queued (once; never at night, at weekends or
before their day; a group without meetings never), and the answers (default deny, Klar, Flytta with `flytta`'s
rules, Behöver stöd tells the secretary, editable until the meeting)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from cards.verbs import report_date_input, report_note_input, report_state_input
from minutes.calendar import MeetingCalendar
from minutes.records import ConversationType, ConvRef, ItemRecord, ItemStatus, RosterEntry
from minutes.report_back import ReportState
from sources.local_folder import LocalFolderSource
from store import SqlStore, open_store
from store.reminders import ReminderRepository
from tests.cards.samples import OVERDUE
from tests.fakes import in_process_reader
from tests.workflows.chat_fixtures import RecordingSender
from workflows.chat import Person
from workflows.deliver import Deliverer
from workflows.ingest import Ingestor
from workflows.item_actions import SECRETARY_NOTICE, ItemActions
from workflows.outbox import OutboxStatus
from workflows.remind import Addressbook, Recipient
from workflows.report_back import (
    MEETING_HELD,
    NOT_YOURS,
    REPORT_BACK,
    REPORT_STATUS,
    Asked,
    ReportBacks,
    plan_report_backs,
    unreported,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MEETING = date(2024, 9, 9)
OWNERS_DAY = datetime(2024, 9, 2, 9, 0, tzinfo=STOCKHOLM)  # Monday: 2 + 3 working days before the meeting
ANSWER_DAY = datetime(2024, 9, 4, 10, 0, tzinfo=STOCKHOLM)
ANNIKA = Person("29:aa", "Annika Andersson", "aad-aa")  # the secretary
BENGT = Person("29:bl", "Bengt Larsson", "aad-bl")
CARIN = Person("29:cn", "Carin Nord", "aad-cn")  # in the group, owns nothing
ROSTER = [
    RosterEntry("FLG", "AA", "Annika Andersson", ("sekreterare",), "aad-aa", None),
    RosterEntry("FLG", "BL", "Bengt Larsson", ("ekonom",), "aad-bl", None),
    RosterEntry("FLG", "CN", "Carin Nord", (), "aad-cn", None),
]
MINUTES = """# Protokoll FLG 2024-08-26

Närvarande: Annika Andersson (AA), Bengt Larsson (BL), Carin Nord (CN)

## Att göra

- Boka lokal till personaldagen, senast 2024-09-06 (AA)
- Ta fram budgetförslag till kommande FLG (BL)
- Skicka enkäten till enheterna, senast 2024-09-05 (BL)
- Se över rutinen för introduktion till kommande FLG (alla)
- Kontakta revisorerna, senast 2024-09-06 (Okänd Konsult)
- Planera höstens personaldag, senast 2024-10-30 (CN)
"""
PERSONAL = ConvRef(
    service_url="http://127.0.0.1:1/",
    conversation_id="a:personal",
    conversation_type=ConversationType.PERSONAL,
    tenant_id="tenant",
    bot_id="28:bot",
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    opened = await open_store(f"sqlite+aiosqlite:///{tmp_path / 'rb.db'}")
    folder = tmp_path / "protokoll"
    folder.mkdir()
    (folder / "flg_240826.md").write_text(MINUTES, encoding="utf-8")
    source = LocalFolderSource(folder, opened)
    await Ingestor(store=opened, clock=lambda: OWNERS_DAY, reader=in_process_reader).run(source)
    await opened.save_roster("FLG", ROSTER)
    try:
        yield opened
    finally:
        await opened.close()


def report_backs(store: SqlStore, clock: Clock, **options: Any) -> ReportBacks:
    calendars = {"FLG": MeetingCalendar.configured(rules=["varannan måndag från 2024-08-26"])}
    defaults: dict[str, Any] = {"calendars": calendars, "groups": ("FLG", "FSG"), "not_mine": store}
    return ReportBacks(
        store, ReminderRepository(store.database), ItemActions(store, clock), clock, **{**defaults, **options}
    )


async def items(store: SqlStore) -> dict[str, ItemRecord]:
    return {i.text.split(",")[0].split(" till ")[0]: i for i in await store.list_items(group="FLG")}


def answer(item: ItemRecord, state: str, note: str = "", moved: str | None = None) -> dict[str, Any]:
    assert item.id is not None
    data: dict[str, Any] = {
        "itemId": item.id,
        "group": "FLG",
        "meetingDate": MEETING.isoformat(),
        "itemIds": str(item.id),
        report_state_input(item.id): state,
        report_note_input(item.id): note,
    }
    if moved is not None:
        data[report_date_input(item.id)] = moved
    return data


# -- the pure core ------------------------------------------------------------------------------------------------


def item(item_id: int, *owners: str) -> ItemRecord:
    return replace(OVERDUE, id=item_id, key=f"k{item_id}", owners=owners, group="FLG")


AA, BL = Recipient("aad-aa", "Annika Andersson"), Recipient("aad-bl", "Bengt Larsson")
BOOK = Addressbook(
    owners={("FLG", "AA"): (AA,), ("FLG", "BL"): (BL,), ("FLG", "ALLA"): (), ("FLG", "ekonom"): ()},
    secretaries={"FLG": (AA,)},
    not_mine={4: frozenset({"aad-bl"})},
)


@pytest.mark.parametrize(
    ("owned", "expected"),
    [
        ([item(1, "AA"), item(2, "BL")], [Asked(AA, (1,)), Asked(BL, (2,))]),
        ([item(1, "ALLA")], [Asked(AA, (), (1,))]),
        ([item(1, "ekonom")], [Asked(AA, (), (1,))]),
        ([item(1, "Okänd Konsult")], [Asked(AA, (), (1,))]),
        ([item(1)], [Asked(AA, (), (1,))]),
        ([item(4, "BL")], [Asked(AA, (), (4,))]),  # Bengt said 'Inte min': he is not asked
        ([item(2, "BL"), item(1, "AA", "BL")], [Asked(AA, (1,)), Asked(BL, (1, 2))]),
    ],
    ids=["owners", "alla", "role", "unplaced", "nobody", "not mine", "one card each, every item"],
)
def test_who_is_asked_about_what(owned: list[ItemRecord], expected: list[Asked]) -> None:
    assert plan_report_backs(owned, BOOK) == expected


def test_unreported_counts_items_without_an_answer() -> None:
    asked = [Asked(AA, (1,), (3,)), Asked(BL, (2,))]
    assert [(u.name, u.missing) for u in unreported(asked, {1})] == [
        ("Annika Andersson", 1),
        ("Bengt Larsson", 1),
    ]
    assert unreported(asked, {1, 2, 3}) == []


# -- when -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "queued"),
    [
        (datetime(2024, 8, 30, 9, 0, tzinfo=STOCKHOLM), {}),  # the Friday before: too early
        (datetime(2024, 9, 2, 6, 0, tzinfo=STOCKHOLM), {}),  # the owners' day, before the quiet hours end
        (
            datetime(2024, 9, 2, 9, 0, tzinfo=STOCKHOLM),
            {REPORT_BACK: 2},
        ),  # AA and BL (CN's item returns later)
        (datetime(2024, 9, 3, 9, 0, tzinfo=STOCKHOLM), {REPORT_BACK: 2}),  # a day late (the service was down)
        (datetime(2024, 9, 7, 11, 0, tzinfo=STOCKHOLM), {}),  # a Saturday
        (datetime(2024, 9, 6, 9, 0, tzinfo=STOCKHOLM), {REPORT_BACK: 2, REPORT_STATUS: 1}),  # the day before
        (datetime(2024, 9, 9, 9, 0, tzinfo=STOCKHOLM), {}),  # the meeting day asks for the next meeting's
    ],
)
async def test_cards_are_queued_on_their_days(store: SqlStore, now: datetime, queued: dict[str, int]) -> None:
    flow = report_backs(store, Clock(now))
    count = await flow.tick(now)
    kinds: dict[str, int] = {}
    for message in await store.outbox_messages():
        if message.kind in (REPORT_BACK, REPORT_STATUS):
            kinds[message.kind] = kinds.get(message.kind, 0) + 1
    assert (count, kinds) == (sum(queued.values()), queued)
    assert await flow.tick(now) == 0  # exactly once


async def test_each_owner_gets_one_card_with_their_returning_items(store: SqlStore) -> None:
    flow = report_backs(store, Clock(OWNERS_DAY))
    await store.record_not_mine(
        (await items(store))["Skicka enkäten"].id or 0, "aad-bl", at=OWNERS_DAY, origin="t"
    )
    await flow.tick(OWNERS_DAY)
    by = {m.payload["user_aad_id"]: m.payload for m in await store.outbox_messages() if m.kind == REPORT_BACK}
    found = await items(store)
    number = {text: i.id for text, i in found.items()}
    assert by["aad-bl"]["item_ids"] == [number["Ta fram budgetförslag"]]
    # The secretary answers for 'Alla', someone the roster cannot place and what Bengt said is not his.
    assert sorted(by["aad-aa"]["item_ids"]) == sorted(
        [
            number["Boka lokal"],
            number["Skicka enkäten"],
            number["Se över rutinen för introduktion"],
            number["Kontakta revisorerna"],
        ]
    )
    assert "aad-cn" not in by  # Carin's item is due after the meeting: it does not return yet
    assert {p["meeting_date"] for p in by.values()} == {"2024-09-09"}


async def test_a_group_without_meetings_gets_no_report_back(store: SqlStore) -> None:
    flow = report_backs(store, Clock(OWNERS_DAY), calendars={})
    # FLG's only minutes are of 26 Aug and it has no rule: its next meeting is unknown; FSG has nothing at all.
    assert await flow.without_meetings(OWNERS_DAY.date()) == ["FLG", "FSG"]
    assert await flow.tick(OWNERS_DAY) == 0
    assert await report_backs(store, Clock(OWNERS_DAY)).without_meetings(OWNERS_DAY.date()) == ["FSG"]


async def test_the_lead_is_the_groups(store: SqlStore) -> None:
    # Four working days before an agenda sent three before the meeting (Wed 4 Sep): Thursday 29 Aug.
    flow = report_backs(store, Clock(OWNERS_DAY), report_lead=lambda group: 4)
    assert await flow.tick(datetime(2024, 8, 28, 9, 0, tzinfo=STOCKHOLM)) == 0
    assert await flow.tick(datetime(2024, 8, 29, 9, 0, tzinfo=STOCKHOLM)) == 2


# -- the answers ----------------------------------------------------------------------------------------------------


async def test_klar_closes_and_a_later_answer_reopens_until_the_meeting(store: SqlStore) -> None:
    clock = Clock(ANSWER_DAY)
    flow = report_backs(store, clock)
    budget = (await items(store))["Ta fram budgetförslag"]
    done = await flow.answer(answer(budget, "klar", "Skickat till KS"), BENGT, PERSONAL)
    assert done.changed and "Läge från BL 4 sep: Klar – Skickat till KS" in json.dumps(
        done.card, ensure_ascii=False
    )
    assert (await store.get_item(budget.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]
    again = await flow.answer(answer(budget, "pagar", "Nej, KS ville ha mer"), BENGT, PERSONAL)
    assert again.changed
    assert (await store.get_item(budget.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]
    assert (await store.report_backs("FLG", MEETING))[budget.id or 0].state is ReportState.ONGOING
    clock.now = datetime(2024, 9, 9, 8, 0, tzinfo=UTC)
    held = await flow.answer(answer(budget, "klar"), BENGT, PERSONAL)
    assert held.text == MEETING_HELD and not held.changed


@pytest.mark.parametrize(
    ("who", "allowed"),
    [(BENGT, True), (ANNIKA, True), (CARIN, False), (Person("29:x", "Utan Id", None), False)],
    ids=["owner", "secretary", "another member", "no Entra id"],
)
async def test_only_the_owner_or_the_secretary_answers(store: SqlStore, who: Person, allowed: bool) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    budget = (await items(store))["Ta fram budgetförslag"]
    outcome = await flow.answer(answer(budget, "pagar"), who, PERSONAL)
    assert (outcome.text != NOT_YOURS) is allowed
    assert bool(await store.report_backs("FLG", MEETING)) is allowed


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"itemId": "x", "group": "FLG", "meetingDate": "2024-09-09"},
        {"itemId": 10**6, "group": "FLG", "meetingDate": "2024-09-09"},
        {"group": "FSG"},  # an item of another group
        {"meetingDate": "9/9"},
        {"state": "perhaps"},
    ],
    ids=["empty", "no number", "unknown item", "other group", "bad date", "unknown choice"],
)
async def test_forged_answers_change_nothing(store: SqlStore, data: dict[str, Any]) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    survey = (await items(store))["Skicka enkäten"]
    forged = {**answer(survey, "klar"), **data} if data else {}
    if "state" in data:
        forged[report_state_input(survey.id or 0)] = data["state"]
    outcome = await flow.answer(forged, BENGT, PERSONAL)
    assert not outcome.changed and outcome.item is None
    assert await store.report_backs("FLG", MEETING) == {}
    assert (await store.get_item(survey.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]


async def test_an_item_that_does_not_return_at_the_meeting_is_not_answered(store: SqlStore) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    autumn = (await items(store))["Planera höstens personaldag"]  # Carin's, due 30 Oct
    outcome = await flow.answer(answer(autumn, "pagar"), CARIN, PERSONAL)
    assert outcome.item is None and outcome.text != NOT_YOURS
    assert await store.report_backs("FLG", MEETING) == {}
    later = {**answer(autumn, "pagar"), "meetingDate": "2024-11-04"}
    assert (await flow.answer(later, CARIN, PERSONAL)).changed  # at a meeting after its date it does


async def test_flytta_follows_flyttas_rules(store: SqlStore) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    room = (await items(store))["Boka lokal"]
    weekend = await flow.answer(answer(room, "flytta", moved="2024-09-21"), ANNIKA, PERSONAL)
    assert "lördag" in weekend.text and "inte sparat" in weekend.text
    assert await store.report_backs("FLG", MEETING) == {}
    assert (await store.get_item(room.id or 0)).due == date(2024, 9, 6)  # type: ignore[union-attr]
    moved = await flow.answer(answer(room, "flytta", "Full lokal", moved="2024-09-20"), ANNIKA, PERSONAL)
    assert moved.changed
    assert (await store.get_item(room.id or 0)).due == date(2024, 9, 20)  # type: ignore[union-attr]
    assert (await store.report_backs("FLG", MEETING))[room.id or 0].moved_to == date(2024, 9, 20)


async def test_behover_stod_tells_the_secretary(store: SqlStore) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    budget = (await items(store))["Ta fram budgetförslag"]
    await flow.answer(answer(budget, "stod", "Siffrorna från HR saknas"), BENGT, PERSONAL)
    (notice,) = [m.payload for m in await store.outbox_messages() if m.kind == SECRETARY_NOTICE]
    assert notice["group"] == "FLG" and notice["title"] == "Behöver stöd"
    assert (
        "Bengt Larsson behöver stöd med punkt" in notice["text"]
        and "Siffrorna från HR saknas" in notice["text"]
    )
    status = await flow.status_card("FLG", MEETING)
    assert "Siffrorna från HR saknas" in json.dumps(status, ensure_ascii=False)


async def test_only_the_secretary_reminds_and_each_click_queues_one_card(store: SqlStore) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    remind = {"group": "FLG", "meetingDate": "2024-09-09", "userId": "aad-bl"}
    refused = await flow.remind(remind, BENGT)
    assert "Bara gruppens sekreterare" in refused.text
    for _ in range(2):
        await flow.remind(remind, ANNIKA)
    sent = [m.payload["user_aad_id"] for m in await store.outbox_messages() if m.kind == REPORT_BACK]
    assert sent == ["aad-bl", "aad-bl"]
    # Someone who is asked about nothing is not reminded.
    await flow.remind({**remind, "userId": "aad-nobody"}, ANNIKA)
    assert len([m for m in await store.outbox_messages() if m.kind == REPORT_BACK]) == 2


# -- delivery -------------------------------------------------------------------------------------------------------


async def test_the_cards_wait_for_the_working_morning_and_are_built_when_sent(store: SqlStore) -> None:
    flow = report_backs(store, Clock(OWNERS_DAY))
    await flow.tick(OWNERS_DAY)
    for user in ("aa", "bl"):
        known = replace(PERSONAL, conversation_id=f"a:{user}", user_aad_id=f"aad-{user}")
        await store.save_conversation(known, at=OWNERS_DAY)
    sender = RecordingSender()
    evening = datetime(2024, 9, 2, 19, 0, tzinfo=STOCKHOLM)  # Teams was away all day; now it is quiet
    await Deliverer(store, sender, lambda: evening, worker="w1", report_backs=flow).run_once()
    waiting = await store.outbox_messages(OutboxStatus.PENDING)
    assert [m.kind for m in waiting] == [REPORT_BACK, REPORT_BACK] and sender.sent == []
    assert {m.next_attempt_at for m in waiting} == {datetime(2024, 9, 3, 7, 30, tzinfo=STOCKHOLM)}
    # Bengt checks his items off meanwhile: his card, built when sent, asks about nothing and is not sent.
    found = await items(store)
    for done in (found["Ta fram budgetförslag"], found["Skicka enkäten"]):
        await store.set_status(done.id or 0, ItemStatus.DONE, by="aad-bl", at=evening, origin="t")
    morning = datetime(2024, 9, 3, 7, 30, tzinfo=STOCKHOLM)
    await Deliverer(store, sender, lambda: morning, worker="w1", report_backs=flow).run_once()
    assert [conversation for conversation, _ in sender.sent] == ["a:aa"]
    assert "Läget inför FLG 9 sep 2024" in json.dumps(sender.sent[0][1].card, ensure_ascii=False)


async def test_a_klar_the_item_rules_refuse_saves_nothing(store: SqlStore) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    budget = (await items(store))["Ta fram budgetförslag"]
    channel = replace(
        PERSONAL, conversation_id="19:annan@thread.tacv2", conversation_type=ConversationType.CHANNEL
    )
    outcome = await flow.answer(answer(budget, "klar"), BENGT, channel)  # a channel that follows no group
    assert outcome.item is None and not outcome.changed
    assert await store.report_backs("FLG", MEETING) == {}
    assert (await store.get_item(budget.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        (REPORT_STATUS, {"group": "FLG", "meeting_date": "9/9"}),
        (REPORT_STATUS, {"group": "FLG"}),
        (REPORT_BACK, {"group": "FLG", "meeting_date": "2024-09-09", "item_ids": [1]}),
    ],
    ids=["bad date", "no date", "no recipient"],
)
async def test_a_malformed_report_back_message_is_parked(
    store: SqlStore, kind: str, payload: dict[str, Any]
) -> None:
    flow = report_backs(store, Clock(ANSWER_DAY))
    await store.enqueue(kind, payload, conversation_key=None, at=OWNERS_DAY)
    await Deliverer(store, RecordingSender(), lambda: ANSWER_DAY, worker="w1", report_backs=flow).run_once()
    assert [m.kind for m in await store.outbox_messages(OutboxStatus.PARKED)] == [kind]
