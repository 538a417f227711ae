"""The follow-up agenda on an ingested FLG meeting: what returns on a given date, queuing it once and posting
its card (the Word section for the invitation: tests/bot/test_agenda_docx.py)."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from minutes.calendar import MeetingCalendar
from minutes.records import ItemRecord, ItemStatus, RosterEntry
from sources.local_folder import LocalFolderSource
from store import SqlStore
from tests.fakes import in_process_reader
from tests.workflows.chat_fixtures import CHANNEL, SAMPLES, RecordingSender, ingest_flg
from workflows.agenda import AGENDA, Agenda, AgendaError, build_agenda, enqueue_agenda, prepare_agendas
from workflows.deliver import Deliverer
from workflows.ingest import Ingestor
from workflows.outbox import OutboxStatus

# Topics of the FLG meeting of 2024-08-26 (read in on 2 September).
STAFFING = "Översyn organisation bemanning och rekrytering"  # action, EE SR TU, due 28/8
PREMISES = "Översyn administrativa lokaler"  # action, RN, due 9/9
GRANT = "Prestationsbaserat statsbidrag på 16 mnk"  # follow-up, ALLA, 'kommande FLG'
PLANNER = "Planner för aktiviteter"  # follow-up, ALLA, due 7/10
DIALOGUE = "Verksamhetsdialog, prioriterade områden"  # action, AA, due 31/10
AUTUMN = "Lönepolitik"  # action, EE, 'under hösten' (30/11)
COOPERATION = "Intern och extern samverkan"  # follow-up, AA, 'i höst' (30/11)
INNOVATION = "Innovationsråd"  # action, AA, 'under hösten' (30/11)
TODAY = date(2024, 9, 2)
NEXT_FLG = date(2024, 9, 9)


def starts(items: tuple[ItemRecord, ...]) -> list[str]:
    return [item.topic for item in items]


def matches(found: list[str], expected: list[str]) -> bool:
    return len(found) == len(expected) and all(f.startswith(e) for f, e in zip(found, expected, strict=True))


async def item(store: SqlStore, topic: str) -> ItemRecord:
    [found] = [i for i in await store.list_items(group="FLG") if i.topic.startswith(topic)]
    return found


# The table of the tests below: the minutes are read once and asked about each date in turn.
RETURNING: list[tuple[date, list[str]]] = [
    # The next FLG: the 'kommande FLG' follow-up, the late item and the one due that day, in the minutes'
    # order.
    (NEXT_FLG, [GRANT, STAFFING, PREMISES]),
    (date(2024, 9, 8), [GRANT, STAFFING]),  # a day before: the 9/9 item does not return yet
    (date(2024, 10, 7), [PLANNER, GRANT, STAFFING, PREMISES]),
    (date(2024, 11, 30), [PLANNER, AUTUMN, GRANT, STAFFING, DIALOGUE, COOPERATION, INNOVATION, PREMISES]),
    # The meeting the items come from, or an earlier one: nothing is from an earlier meeting.
    (date(2024, 8, 26), []),
    (date(2024, 6, 1), []),
]
FOLLOW_UP_DATES: list[tuple[str, date]] = [
    (STAFFING, date(2024, 8, 28)),  # late: its own date
    (PREMISES, date(2024, 9, 9)),
    (GRANT, NEXT_FLG),  # 'kommande FLG' written out as the meeting's date
]


async def test_what_returns_on_a_date(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    for meeting_date, expected in RETURNING:
        agenda = await build_agenda(store, "FLG", meeting_date, today=TODAY)
        found = starts(agenda.items)
        assert matches(found, expected), (meeting_date, found)
        assert agenda.group == "FLG" and agenda.meeting_date == meeting_date and agenda.made_on == TODAY
        if expected:
            [section] = agenda.sections
            assert section.label == "FLG 26 aug 2024" and section.meeting_date == date(2024, 8, 26)
            ids = [line.item.id or 0 for line in section.lines]
            assert ids == sorted(ids)  # the minutes' order is the order items were added in
        else:
            assert agenda.sections == (), meeting_date


async def test_follow_up_dates(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    agenda = await build_agenda(store, "FLG", NEXT_FLG, today=TODAY)
    for topic, follow_up in FOLLOW_UP_DATES:
        [line] = [line for line in agenda.lines if line.item.topic.startswith(topic)]
        assert line.follow_up == follow_up, topic


async def test_done_items_do_not_return(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    staffing = await item(store, STAFFING)
    assert staffing.id is not None
    await store.set_status(staffing.id, ItemStatus.DONE, by="aad-aa", at=datetime.now(UTC), origin="test")
    agenda = await build_agenda(store, "FLG", NEXT_FLG, today=TODAY)
    assert matches(starts(agenda.items), [GRANT, PREMISES])


async def test_items_are_grouped_by_earlier_meeting_undated_minutes_last(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    shutil.copy(SAMPLES / "001_2328fa2428c872c0.docx", tmp_path / "m" / "flg2.docx")
    source = LocalFolderSource(tmp_path / "m", store)
    await Ingestor(store=store, clock=lambda: datetime(2024, 9, 5, tzinfo=UTC), reader=in_process_reader).run(
        source
    )
    agenda = await build_agenda(store, "FLG", NEXT_FLG, today=TODAY)
    # The second minutes print no date: their undated follow-up returns, under the file's name.
    assert [s.label for s in agenda.sections] == ["FLG 26 aug 2024", "flg2.docx"]
    [undated] = agenda.sections[1].lines
    assert undated.item.kind.value == "follow_up" and undated.follow_up == NEXT_FLG


@pytest.mark.parametrize(
    ("group", "roster", "message"),
    [
        ("FSG", False, "Gruppen 'FSG' är okänd"),
        ("flg", False, "Gruppen 'flg' är okänd"),  # written as in the minutes
        ("  ", False, "Ange vilken grupp"),
        ("FSG", True, None),  # known by its roster: an empty agenda, no error
    ],
)
async def test_an_unknown_group_is_an_error_nothing_to_follow_up_is_not(
    store: SqlStore, tmp_path: Path, group: str, roster: bool, message: str | None
) -> None:
    await ingest_flg(store, tmp_path / "m")
    if roster:
        await store.save_roster("FSG", [RosterEntry("FSG", "KL", "Karin Lund")])
    if message is None:
        assert await build_agenda(store, group, NEXT_FLG, today=TODAY) == Agenda(group, NEXT_FLG, (), TODAY)
        return
    with pytest.raises(AgendaError) as raised:
        await build_agenda(store, group, NEXT_FLG, today=TODAY)
    assert raised.value.message.startswith(message)


async def test_the_agenda_is_queued_once_per_group_and_meeting(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    now = datetime(2024, 9, 2, 9, tzinfo=UTC)
    assert await enqueue_agenda(store, "FLG", NEXT_FLG, now=now) == 1
    assert await enqueue_agenda(store, "FLG", NEXT_FLG, now=now) == 0
    assert await enqueue_agenda(store, "FLG", date(2024, 10, 7), now=now) == 1
    pending = [dict(m.payload) for m in await store.outbox_messages() if m.kind == AGENDA]
    assert pending == [
        {"group": "FLG", "meeting_date": "2024-09-09"},
        {"group": "FLG", "meeting_date": "2024-10-07"},
    ]
    await Deliverer(store, RecordingSender(), lambda: now, worker="w1").run_once()
    assert await enqueue_agenda(store, "FLG", NEXT_FLG, now=now) == 0  # posted


async def test_the_agenda_card_is_posted_once_then_updated(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    now = datetime(2024, 9, 2, 9, tzinfo=UTC)
    deliverer = Deliverer(store, RecordingSender(), lambda: now, worker="w1")
    await deliverer.run_once()  # the meeting's own card
    sender = RecordingSender()
    deliverer = Deliverer(store, sender, lambda: now, worker="w1")
    await enqueue_agenda(store, "FLG", NEXT_FLG, now=now)
    assert await deliverer.run_once() == 1
    [(conversation, message)] = sender.sent
    assert conversation == CHANNEL.conversation_id and message.card is not None
    assert message.card["body"][0]["text"] == "Uppföljning från tidigare möten"
    assert "Uppföljning: 9 sep 2024" in str(message.card)
    await store.enqueue(AGENDA, {"group": "FLG", "meeting_date": "2024-09-09"}, conversation_key=None, at=now)
    assert await deliverer.run_once() == 1
    assert len(sender.sent) == 1 and [(c, a) for c, a, _ in sender.updated] == [
        (CHANNEL.conversation_id, "activity-1")
    ]


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        ({"group": "FSG", "meeting_date": "2024-09-09"}, "Gruppen 'FSG' är okänd"),
        ({"group": "FLG", "meeting_date": "9/9"}, "dagordningen saknar grupp eller mötesdatum"),
        ({"meeting_date": "2024-09-09"}, "dagordningen saknar grupp eller mötesdatum"),
    ],
)
async def test_an_agenda_that_cannot_be_made_is_parked(
    store: SqlStore, tmp_path: Path, payload: dict[str, str], error: str
) -> None:
    await ingest_flg(store, tmp_path / "m")
    now = datetime(2024, 9, 2, 9, tzinfo=UTC)
    await store.enqueue(AGENDA, payload, conversation_key=None, at=now)
    await Deliverer(store, RecordingSender(), lambda: now, worker="w1").run_once()
    [parked] = [m for m in await store.outbox_messages(OutboxStatus.PARKED) if m.kind == AGENDA]
    assert (parked.last_error or "").startswith(error)


async def test_agendas_are_queued_three_working_days_before_a_meeting(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    calendars = {"FLG": MeetingCalendar.configured(dates=[date(2024, 9, 9)])}  # a Monday
    early = await prepare_agendas(
        store, calendars, now=datetime(2024, 9, 3, 7, tzinfo=UTC)
    )  # Tuesday: 4 days
    on_time = await prepare_agendas(store, calendars, now=datetime(2024, 9, 4, 7, tzinfo=UTC))  # Wednesday: 3
    again = await prepare_agendas(store, calendars, now=datetime(2024, 9, 4, 7, 5, tzinfo=UTC))
    assert (early, on_time, again) == (0, 1, 0)


async def test_a_group_may_have_its_agenda_earlier(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    calendars = {"FLG": MeetingCalendar.configured(dates=[date(2024, 9, 9)])}  # a Monday
    lead = {"FLG": 5, "VSG": 2}.__getitem__
    wednesday = await prepare_agendas(
        store, calendars, now=datetime(2024, 9, 4, 7, tzinfo=UTC), working_days_before=lead
    )
    monday = await prepare_agendas(
        store, calendars, now=datetime(2024, 9, 2, 7, tzinfo=UTC), working_days_before=lead
    )
    assert (wednesday, monday) == (0, 1)
    others = await prepare_agendas(
        store, calendars, now=datetime(2024, 9, 4, 7, tzinfo=UTC), working_days_before=lambda group: 3
    )
    assert others == 0  # FLG's agenda for that meeting is queued already, whatever the lead


async def test_a_lead_longer_than_the_gap_between_meetings_still_posts(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    weekly = {"FLG": MeetingCalendar.configured(dates=[date(2024, 9, 9), date(2024, 9, 16)])}  # Mondays
    friday = datetime(2024, 9, 6, 7, tzinfo=UTC)  # 6 working days before the 16th; the 9th comes first
    assert await prepare_agendas(store, weekly, now=friday, working_days_before=lambda group: 6) == 1
    queued = [m.payload for m in await store.outbox_messages() if m.kind == AGENDA]
    assert [p["meeting_date"] for p in queued] == ["2024-09-16"]
