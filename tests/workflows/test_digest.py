"""The weekly digest on an ingested FLG meeting: what it holds on given days, queuing it once per group and
week, and delivering it to the channels once (updated in place after) and to owners' own chats."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from minutes.records import ConversationType, ItemRecord, ItemStatus
from sources.local_folder import LocalFolderSource
from store import SqlStore
from tests.cards.cardcheck import text_block_texts
from tests.fakes import in_process_reader
from tests.store.builders import FSG_REF, document, ingest
from tests.store.builders import item as builder_item
from tests.workflows.chat_fixtures import CHANNEL, PERSONAL, SAMPLES, RecordingSender, ingest_flg
from workflows.deliver import Deliverer
from workflows.digest import DIGEST, build_digest, enqueue_weekly_digest, week_label
from workflows.ingest import Ingestor
from workflows.outbox import OutboxStatus

# Topics of the FLG meeting of 2024-08-26 (read in on Monday 2 September at 08:00, chat_fixtures.NOW).
STAFFING = "Översyn organisation bemanning och rekrytering"  # EE, SR, TU; due 28/8
PREMISES = "Översyn administrativa lokaler"  # RN; due 9/9
PLANNER = "Planner för aktiviteter"  # follow-up, ALLA; due 7/10
DIALOGUE = "Verksamhetsdialog, prioriterade områden"  # AA; due 31/10
SECOND_MINUTES_READ = datetime(2024, 9, 5, 9, 0, tzinfo=UTC)  # a Thursday: FLG minutes with five decisions

FSG_CHANNEL = replace(CHANNEL, conversation_id="19:fsg@thread.tacv2", team_id="19:fsg", group="FSG")
ALL_CHANNEL = replace(CHANNEL, conversation_id="19:alla@thread.tacv2", team_id="19:alla", group=None)


def numbers(card: dict[str, Any] | None) -> set[int]:
    """The item numbers a card shows ('#25')."""
    assert card is not None
    return {int(text[1:]) for text in text_block_texts(card) if text[:1] == "#" and text[1:].isdigit()}


def at(day: date, hour: int = 6) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def topics(items: tuple[ItemRecord, ...]) -> list[str]:
    return [item.topic for item in items]


async def item(store: SqlStore, topic: str) -> ItemRecord:
    [found] = [i for i in await store.list_items(group="FLG") if i.topic.startswith(topic)]
    return found


async def ingest_second_flg(store: SqlStore, folder: Path) -> str:
    """Undated FLG minutes with five decisions, read in beside the first on SECOND_MINUTES_READ ('FLG godkänner
    förslag på dagordning' approves the agenda: procedure, no decision to carry out)."""
    shutil.copy(SAMPLES / "001_2328fa2428c872c0.docx", folder / "flg2.docx")
    source = LocalFolderSource(folder, store)
    await Ingestor(store=store, clock=lambda: SECOND_MINUTES_READ, reader=in_process_reader).run(source)
    return f"{source.name}|flg2.docx"


async def deliver_pending(store: SqlStore, sender: RecordingSender, now: datetime) -> int:
    return await Deliverer(store, sender, lambda: now, worker="w1").run_once()


# The table of the test below: the minutes are read once and the digest made on each day in turn.
DAYS: list[tuple[date, str, list[str], list[str], int]] = [
    # (today, week, due this week, overdue, new minutes)
    # The meeting's Monday: nothing due that week; the minutes came in that very day, so next week's.
    (date(2024, 9, 2), "2024-W36", [], [STAFFING], 0),
    (date(2024, 9, 9), "2024-W37", [PREMISES], [STAFFING], 1),
    # A Wednesday: due from today to Sunday; the minutes were read more than seven days ago.
    (date(2024, 9, 11), "2024-W37", [], [STAFFING, PREMISES], 0),
    (date(2024, 10, 7), "2024-W41", [PLANNER], [STAFFING, PREMISES], 0),
    (date(2024, 10, 28), "2024-W44", [DIALOGUE], [STAFFING, PREMISES, PLANNER], 0),
]


def matches(found: tuple[ItemRecord, ...], expected: list[str]) -> bool:
    return len(found) == len(expected) and all(
        item.topic.startswith(topic) for item, topic in zip(found, expected, strict=True)
    )


async def test_due_overdue_and_new_minutes_on_given_days(store: SqlStore, tmp_path: Path) -> None:
    key = await ingest_flg(store, tmp_path / "m")
    for today, week, due, overdue, new_minutes in DAYS:
        digest = await build_digest(store, "FLG", today=today)
        assert digest.week == week and digest.first_day.weekday() == 0, today
        assert digest.first_day <= today <= digest.last_day, today
        assert matches(digest.due_this_week, due), (today, topics(digest.due_this_week))
        assert matches(digest.overdue, overdue), (today, topics(digest.overdue))
        assert [m.document.key for m in digest.new_minutes] == [key] * new_minutes, today
        assert all(m.decisions == () for m in digest.new_minutes)  # these minutes record no decisions


@pytest.mark.parametrize(
    ("done_at", "reopened", "shown"),
    [
        (datetime(2024, 9, 2, 0, 0, tzinfo=UTC), False, True),  # the first day looked back on
        (datetime(2024, 9, 4, 14, 0, tzinfo=UTC), False, True),
        (datetime(2024, 9, 8, 23, 59, tzinfo=UTC), False, True),  # the last
        (datetime(2024, 9, 1, 23, 59, tzinfo=UTC), False, False),  # two weeks ago
        (datetime(2024, 9, 9, 5, 0, tzinfo=UTC), False, False),  # this week: next digest's news
        (datetime(2024, 9, 4, 14, 0, tzinfo=UTC), True, False),  # done, then opened again
    ],
)
async def test_done_last_week(
    store: SqlStore, tmp_path: Path, done_at: datetime, reopened: bool, shown: bool
) -> None:
    await ingest_flg(store, tmp_path / "m")
    premises = await item(store, PREMISES)
    assert premises.id is not None
    await store.set_status(premises.id, ItemStatus.DONE, by="aad-rn", at=done_at, origin="test")
    if reopened:
        await store.set_status(premises.id, ItemStatus.OPEN, by="aad-rn", at=done_at, origin="test")
    digest = await build_digest(store, "FLG", today=date(2024, 9, 9))
    assert [i.id for i in digest.done_last_week] == ([premises.id] if shown else [])
    # Due this very Monday: listed as due while open, not once done.
    assert (premises.id in {i.id for i in digest.due_this_week}) is reopened


async def test_new_decisions_with_their_minutes(store: SqlStore, tmp_path: Path) -> None:
    first = await ingest_flg(store, tmp_path / "m")
    second = await ingest_second_flg(store, tmp_path / "m")
    digest = await build_digest(store, "FLG", today=date(2024, 9, 9))
    # The dated minutes first, then the undated ones; only the second records decisions.
    assert [(m.document.key, len(m.decisions)) for m in digest.new_minutes] == [(first, 0), (second, 5)]
    decisions = digest.new_minutes[1].decisions
    assert all(d.kind.value == "decision" and d.document_key == second for d in decisions)
    assert any("löneöversynen 2024" in d.text for d in decisions)
    # A week later they are old news, and a re-read of an unchanged file brings nothing new.
    await ingest_second_flg(store, tmp_path / "m")
    assert (await build_digest(store, "FLG", today=date(2024, 9, 16))).new_minutes == ()


@pytest.mark.parametrize(("group", "expected_minutes"), [("FLG", 1), (None, 1), ("FSG", 0)])
async def test_a_digest_is_of_one_group_or_of_all(
    store: SqlStore, tmp_path: Path, group: str | None, expected_minutes: int
) -> None:
    await ingest_flg(store, tmp_path / "m")
    digest = await build_digest(store, group, today=date(2024, 9, 9))
    assert digest.group == group and len(digest.new_minutes) == expected_minutes
    assert (len(digest.overdue) > 0) is (expected_minutes > 0)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (date(2024, 9, 2), "2024-W36"),
        (date(2024, 9, 8), "2024-W36"),
        (date(2024, 12, 30), "2025-W01"),  # the ISO year, not the calendar year
        (date(2027, 1, 1), "2026-W53"),
    ],
)
def test_week_label(day: date, label: str) -> None:
    assert week_label(day) == label


async def pending_digests(store: SqlStore) -> list[dict[str, object]]:
    return [dict(m.payload) for m in await store.outbox_messages(OutboxStatus.PENDING) if m.kind == DIGEST]


async def test_the_digest_is_queued_once_per_group_and_week(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    monday, wednesday = at(date(2024, 9, 9)), at(date(2024, 9, 11), 12)
    assert await enqueue_weekly_digest(store, "FLG", now=monday) == 1
    assert await enqueue_weekly_digest(store, "FLG", now=wednesday) == 0  # still pending
    assert await enqueue_weekly_digest(store, "FSG", now=monday) == 1  # another group
    assert await pending_digests(store) == [
        {"group": "FLG", "week": "2024-W37"},
        {"group": "FSG", "week": "2024-W37"},
    ]
    await deliver_pending(store, RecordingSender(), monday)
    # FLG's went to its channel (posted card recorded); FSG has no channel, so its message was parked.
    [parked] = [m for m in await store.outbox_messages(OutboxStatus.PARKED) if m.kind == DIGEST]
    assert parked.payload["group"] == "FSG" and "ingen kanal" in (parked.last_error or "")
    assert await enqueue_weekly_digest(store, "FLG", now=wednesday) == 0  # posted
    assert await enqueue_weekly_digest(store, "FSG", now=wednesday) == 0  # parked, for a person to look at
    assert await pending_digests(store) == []
    assert await enqueue_weekly_digest(store, "FLG", now=at(date(2024, 9, 16))) == 1  # a new week


async def test_the_digest_is_posted_once_per_channel_then_updated(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    for channel in (FSG_CHANNEL, ALL_CHANNEL):
        await store.save_conversation(channel, at=at(date(2024, 9, 2)))
    await deliver_pending(store, RecordingSender(), at(date(2024, 9, 2), 9))  # the meeting's own card
    monday = at(date(2024, 9, 9))
    sender = RecordingSender()
    await enqueue_weekly_digest(store, "FLG", now=monday)
    assert await deliver_pending(store, sender, monday) == 1
    # FLG's channel only: not FSG's, nor the channel following no group (groups kept apart).
    assert sorted(c for c, _ in sender.sent) == [CHANNEL.conversation_id]
    card = sender.sent[0][1].card
    assert card is not None and card["body"][0]["text"] == "Veckosammanfattning FLG"
    premises, staffing = await item(store, PREMISES), await item(store, STAFFING)
    assert premises.id is not None and staffing.id is not None
    assert numbers(card) == {premises.id, staffing.id}

    # The same week's digest delivered again (queued by hand after a change): updated where it is.
    await store.set_status(premises.id, ItemStatus.DONE, by="aad-rn", at=monday, origin="test")
    await store.enqueue(DIGEST, {"group": "FLG", "week": "2024-W37"}, conversation_key=None, at=monday)
    assert await deliver_pending(store, sender, at(date(2024, 9, 9), 7)) == 1
    assert len(sender.sent) == 1
    posted = {(conversation, f"activity-{n}") for n, (conversation, _) in enumerate(sender.sent, start=1)}
    assert {(c, a) for c, a, _ in sender.updated} == posted and len(sender.updated) == 1
    # Checked off since: no longer due, but done (the look-back ends yesterday, so not yet listed).
    assert all(numbers(m.card) == {staffing.id} for _, _, m in sender.updated)


async def test_a_personal_digest_goes_to_each_owner_with_something_to_do(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(PERSONAL, at=at(date(2024, 9, 2)))  # Annika's chat with the bot
    monday = at(date(2024, 9, 9))
    await deliver_pending(store, RecordingSender(), monday)
    sender = RecordingSender()
    await enqueue_weekly_digest(store, "FLG", now=monday, personal=True)
    assert await deliver_pending(store, sender, monday) == 1
    # RN owns the premises item due this Monday; the late staffing item's owners are not in the roster,
    # and Annika has nothing due or late this week.
    assert [c for c, _ in sender.sent] == [CHANNEL.conversation_id, "a:personal-aad-rn"]
    personal = sender.sent[1][1].card
    assert personal is not None and personal["body"][0]["text"] == "Dina punkter, FLG"
    premises = await item(store, PREMISES)
    assert numbers(personal) == {premises.id}
    saved = await store.conversations(conversation_type=ConversationType.PERSONAL)
    assert "a:personal-aad-rn" in {c.conversation_id for c in saved}


async def test_a_digest_with_nowhere_to_go_is_parked(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.enqueue(DIGEST, {"group": "FLG"}, conversation_key=None, at=at(date(2024, 9, 9)))
    await deliver_pending(store, RecordingSender(), at(date(2024, 9, 9)))
    [parked] = [m for m in await store.outbox_messages(OutboxStatus.PARKED) if m.kind == DIGEST]
    assert parked.last_error == "sammanfattningen saknar grupp eller vecka"


async def test_the_digest_of_every_group_is_one_digest_per_group(store: SqlStore, tmp_path: Path) -> None:
    """Groups kept apart: one digest showing every group's items would reach no channel."""
    await ingest_flg(store, tmp_path / "m")
    await ingest(
        store, document(FSG_REF, group="FSG"), [builder_item("t1", "En FSG-punkt", ref=FSG_REF, group="FSG")]
    )
    monday = at(date(2024, 9, 9))
    assert await enqueue_weekly_digest(store, None, now=monday) == 2
    digests = [m.payload for m in await store.outbox_messages() if m.kind == DIGEST]
    assert sorted(p["group"] for p in digests) == ["FLG", "FSG"]
    assert await enqueue_weekly_digest(store, None, now=monday) == 0  # queued already
