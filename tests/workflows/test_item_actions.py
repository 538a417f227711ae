"""Check-offs and other item actions: idempotent, authorised, audited; forged or stale actions change nothing."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from cards.messages import STALE_ITEM_MESSAGE
from cards.verbs import DUE_INPUT, Verb
from minutes.records import ConvRef, ItemRecord, ItemStatus, RosterEntry
from store import SqlStore
from tests.cards.cardcheck import execute_actions
from tests.store.builders import FSG_REF, document, ingest
from tests.store.builders import item as builder_item
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, NOW, PERSONAL, STRANGER, YVONNE, clock, ingest_flg
from workflows.chat import Person
from workflows.item_actions import SECRETARY_NOTICE, ActionPolicy, ItemActions
from workflows.owners import DirectoryUser


async def first_item(store: SqlStore, owner: str) -> ItemRecord:
    return next(i for i in await store.list_items(open_only=True) if owner in i.owners)


async def test_done_is_idempotent_and_audited(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    actions = ItemActions(store, clock)
    first = await actions.mark_done(item.id, ANNIKA, CHANNEL)
    second = await actions.mark_done(str(item.id), ANNIKA, CHANNEL)  # a double click
    assert first.changed and not second.changed
    assert (await store.get_item(item.id or 0)).status is ItemStatus.DONE  # type: ignore[union-attr]
    audit = [a for a in await store.audit_log(item.key) if a.action == "item.done"]
    assert (
        len(audit) == 1
        and audit[0].actor == "aad-aa"
        and audit[0].origin == f"teams:{CHANNEL.conversation_id}"
    )
    assert first.card["type"] == "AdaptiveCard"


async def test_undo_reopens(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    actions = ItemActions(store, clock)
    await actions.mark_done(item.id, ANNIKA, CHANNEL)
    outcome = await actions.undo(item.id, ANNIKA, CHANNEL)
    assert outcome.changed and outcome.item is not None and outcome.item.status is ItemStatus.OPEN


@pytest.mark.parametrize("forged", [None, "abc", -1, True, 10**9, {"id": 1}, "1; DROP TABLE items"])
async def test_forged_item_ids_get_an_error_card_and_change_nothing(
    store: SqlStore, tmp_path: Path, forged: object
) -> None:
    await ingest_flg(store, tmp_path / "m")
    before = await store.list_items()
    outcome = await ItemActions(store, clock).mark_done(forged, ANNIKA, CHANNEL)
    assert not outcome.changed and outcome.item is None
    assert "Inget har ändrats" in str(outcome.card)
    assert await store.list_items() == before


async def test_an_item_of_another_group_is_refused(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    fsg_channel = replace(CHANNEL, conversation_id="19:fsg@thread.tacv2", team_id=None, group="FSG")
    await store.save_conversation(fsg_channel, at=NOW)
    outcome = await ItemActions(store, clock).mark_done(item.id, ANNIKA, fsg_channel)
    assert not outcome.changed and (await store.get_item(item.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]


async def test_owner_or_secretary_policy(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    strict = ItemActions(store, clock, ActionPolicy.OWNER_OR_SECRETARY)
    refused = await strict.mark_done(item.id, STRANGER, PERSONAL)
    assert not refused.changed and "bara gruppens medlemmar" in refused.text
    by_secretary = await strict.mark_done(item.id, YVONNE, PERSONAL)
    assert by_secretary.changed


async def test_members_policy_refuses_a_stranger_in_a_personal_chat(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    outcome = await ItemActions(store, clock).mark_done(item.id, STRANGER, PERSONAL)
    assert not outcome.changed


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("2024-10-15", date(2024, 10, 15)),
        ("15/10", date(2024, 10, 15)),
        ("v. 42", date(2024, 10, 18)),
        ("nästa vecka", date(2024, 9, 13)),
    ],
)
async def test_move_to_a_new_date(store: SqlStore, tmp_path: Path, when: str, expected: date) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    outcome = await ItemActions(store, clock).move(item.id, when, ANNIKA, CHANNEL)
    assert outcome.changed and outcome.item is not None and outcome.item.due == expected


@pytest.mark.parametrize("when", ["", "någon gång", "2024-01-01", None])
async def test_move_refuses_bad_or_past_dates(store: SqlStore, tmp_path: Path, when: object) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    outcome = await ItemActions(store, clock).move(item.id, when, ANNIKA, CHANNEL)
    assert not outcome.changed


async def test_not_mine_tells_the_secretary(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    outcome = await ItemActions(store, clock).not_mine(item.id, ANNIKA, CHANNEL)
    assert not outcome.changed
    notices = [m.payload for m in await store.outbox_messages() if m.kind == SECRETARY_NOTICE]
    assert len(notices) == 1 and notices[0]["group"] == item.group
    assert "Annika Andersson" in notices[0]["text"] and f"#{item.id}" in notices[0]["text"]


async def test_not_mine_from_someone_without_an_entra_id_only_tells_the_secretary(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    nameless = replace(ANNIKA, aad_object_id=None)
    await ItemActions(store, clock).not_mine(item.id, nameless, CHANNEL)
    assert [m.kind for m in await store.outbox_messages() if m.kind == SECRETARY_NOTICE] == [SECRETARY_NOTICE]
    assert await store.not_mine_items() == {}


async def test_not_mine_is_remembered_and_the_secretary_told_once(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    assert item.id is not None
    actions = ItemActions(store, clock)
    first = await actions.not_mine(item.id, ANNIKA, CHANNEL)
    again = await actions.not_mine(str(item.id), ANNIKA, PERSONAL)  # a second click, from the reminder
    assert first.item is not None and again.item is not None
    assert len([m for m in await store.outbox_messages() if m.kind == SECRETARY_NOTICE]) == 1
    assert await store.not_mine_items() == {item.id: frozenset({"aad-aa"})}
    audit = [a for a in await store.audit_log(item.key) if a.action == "item.not_mine"]
    assert [(a.actor, a.origin) for a in audit] == [("aad-aa", f"teams:{CHANNEL.conversation_id}")]


@dataclass
class WithdrawnMeanwhile:
    """The store, but the minutes are edited between the click's check and its write: the item is withdrawn."""

    store: SqlStore
    reads: int = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)

    async def get_item(self, item_id: int) -> ItemRecord | None:
        self.reads += 1
        item = await self.store.get_item(item_id)
        return item if item is None or self.reads == 1 else replace(item, status=ItemStatus.WITHDRAWN)

    async def record_not_mine(self, item_id: int, user_aad_id: str, **_: Any) -> bool:
        return False  # unknown or withdrawn: nothing written


async def test_not_mine_on_an_item_withdrawn_meanwhile_is_a_stale_click(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    outcome = await ItemActions(WithdrawnMeanwhile(store), clock).not_mine(item.id, ANNIKA, CHANNEL)  # type: ignore[arg-type]
    assert outcome.item is None and outcome.text == STALE_ITEM_MESSAGE
    assert [m for m in await store.outbox_messages() if m.kind == SECRETARY_NOTICE] == []


# -- groups kept apart: a conversation acts only on the groups it follows, a person only on their groups -----

FSG_CHANNEL = replace(
    CHANNEL, conversation_id="19:fsg@thread.tacv2", team_id="19:fsg@thread.tacv2", group=None
)
NOWHERE_CHANNEL = replace(
    CHANNEL, conversation_id="19:nowhere@thread.tacv2", team_id="19:x@thread.tacv2", group=None
)
BO = Person("29:bb", "Bo Berg", "aad-bb")


async def follow(store: SqlStore, conversation: ConvRef, group: str) -> None:
    await store.save_conversation(conversation, at=NOW)
    await store.follow_group(conversation.conversation_id, group, by="test", at=NOW, origin="test")


async def test_a_channel_that_follows_no_group_changes_nothing(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(NOWHERE_CHANNEL, at=NOW)
    item = await first_item(store, "AA")
    for action in ("mark_done", "undo", "not_mine"):
        outcome = await getattr(ItemActions(store, clock), action)(item.id, ANNIKA, NOWHERE_CHANNEL)
        assert not outcome.changed and outcome.item is None and "Inget har ändrats" in str(outcome.card)
    moved = await ItemActions(store, clock).move(item.id, "2024-12-01", ANNIKA, NOWHERE_CHANNEL)
    assert moved.item is None
    assert await store.get_item(item.id or 0) == item
    assert not [m for m in await store.outbox_messages() if m.kind == SECRETARY_NOTICE]


async def test_a_channel_following_another_group_is_refused(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await follow(store, FSG_CHANNEL, "FSG")
    item = await first_item(store, "AA")
    outcome = await ItemActions(store, clock).mark_done(item.id, YVONNE, FSG_CHANNEL)  # even the secretary
    assert not outcome.changed and (await store.get_item(item.id or 0)).status is ItemStatus.OPEN  # type: ignore[union-attr]


async def test_a_channel_following_the_group_may(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await follow(store, FSG_CHANNEL, "FSG")
    await follow(store, FSG_CHANNEL, "FLG")  # a channel may follow several groups
    item = await first_item(store, "AA")
    assert (await ItemActions(store, clock).mark_done(item.id, STRANGER, FSG_CHANNEL)).changed


async def fsg_item_without_roster(store: SqlStore, owners: tuple[str, ...]) -> ItemRecord:
    await ingest(
        store,
        document(FSG_REF, group="FSG"),
        [builder_item("t1", "Bo ringer", ref=FSG_REF, owners=owners, group="FSG")],
    )
    return next(i for i in await store.list_items(group="FSG"))


async def test_a_group_without_a_roster_only_from_its_own_channel(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await fsg_item_without_roster(store, ("UR",))
    refused = await ItemActions(store, clock).mark_done(item.id, ANNIKA, PERSONAL)
    assert not refused.changed
    await follow(store, FSG_CHANNEL, "FSG")
    assert (await ItemActions(store, clock).mark_done(item.id, ANNIKA, FSG_CHANNEL)).changed


async def test_an_owner_found_through_the_directory_may_in_a_personal_chat(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await fsg_item_without_roster(store, ("Bo Berg",))
    bo_chat = replace(PERSONAL, conversation_id="a:personal-bb", user_id="29:bb", user_aad_id="aad-bb")
    assert not (await ItemActions(store, clock).mark_done(item.id, BO, bo_chat)).changed  # no directory
    directory = OneUserDirectory(DirectoryUser("aad-bb", "bo@kommun.example", "Bo Berg"))
    assert (await ItemActions(store, clock, directory=directory).mark_done(item.id, BO, bo_chat)).changed


async def test_alla_means_the_items_own_group(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_roster("FSG", [RosterEntry("FSG", "BB", "Bo Berg", (), "aad-bb", None)])
    item = next(i for i in await store.list_items(open_only=True, group="FLG") if "ALLA" in i.owners)
    strict = ItemActions(store, clock, ActionPolicy.OWNER_OR_SECRETARY)
    bo_chat = replace(PERSONAL, conversation_id="a:personal-bb", user_id="29:bb", user_aad_id="aad-bb")
    assert not (await strict.mark_done(item.id, BO, bo_chat)).changed  # 'Alla' in FLG is not Bo of FSG
    assert (await strict.mark_done(item.id, ANNIKA, PERSONAL)).changed


@dataclass(frozen=True)
class OneUserDirectory:
    user: DirectoryUser

    async def find_users(self, display_name_or_upn: str) -> list[DirectoryUser]:
        return [self.user] if display_name_or_upn in (self.user.display_name, self.user.upn) else []


@pytest.mark.parametrize(
    ("today", "when", "text", "offered"),
    [
        (
            date(2024, 9, 2),
            "2024-09-07",
            "7 sep 2024 är en lördag och ingen arbetsdag. Vill du flytta punkt #{id} till 6 sep 2024 i stället?",
            date(2024, 9, 6),
        ),
        (
            date(2024, 9, 2),
            "8/9",
            "8 sep 2024 är en söndag och ingen arbetsdag. Vill du flytta punkt #{id} till 6 sep 2024 i stället?",
            date(2024, 9, 6),
        ),
        (
            date(2024, 9, 2),
            "2024-11-02",
            "2 nov 2024 är alla helgons dag och ingen arbetsdag. "
            "Vill du flytta punkt #{id} till 1 nov 2024 i stället?",
            date(2024, 11, 1),
        ),
        (
            date(2024, 9, 2),
            "2024-12-25",
            "25 dec 2024 är juldagen och ingen arbetsdag. Vill du flytta punkt #{id} till 23 dec 2024 i stället?",
            date(2024, 12, 23),
        ),
        (
            date(2024, 9, 2),
            "2025-05-29",
            "29 maj 2025 är Kristi himmelsfärdsdag och ingen arbetsdag. "
            "Vill du flytta punkt #{id} till 28 maj 2025 i stället?",
            date(2025, 5, 28),
        ),
        # On a Saturday the Friday before has passed: the next working day is offered.
        (
            date(2024, 9, 7),
            "2024-09-08",
            "8 sep 2024 är en söndag och ingen arbetsdag. Vill du flytta punkt #{id} till 9 sep 2024 i stället?",
            date(2024, 9, 9),
        ),
    ],
)
async def test_a_move_onto_no_working_day_says_so_and_offers_the_working_day_before(
    store: SqlStore, tmp_path: Path, today: date, when: str, text: str, offered: date
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item = await first_item(store, "AA")
    actions = ItemActions(store, lambda: datetime.combine(today, datetime.min.time(), UTC).replace(hour=8))
    outcome = await actions.move(item.id, when, ANNIKA, CHANNEL)
    assert (
        not outcome.changed and outcome.item is None
    )  # an offer: answers the one who asked, changes nothing
    assert outcome.text == text.format(id=item.id) and outcome.text in str(outcome.card)
    assert await store.get_item(item.id or 0) == item
    [button] = execute_actions(outcome.card)
    assert button["verb"] == Verb.MOVE and button["data"] == {
        "itemId": item.id,
        DUE_INPUT: offered.isoformat(),
    }
    taken = await actions.move(item.id, button["data"][DUE_INPUT], ANNIKA, CHANNEL)
    assert taken.changed and taken.item is not None and taken.item.due == offered


@pytest.mark.parametrize("number", [999, 10**9, "999"])
async def test_an_unknown_number_is_said_not_to_exist(
    store: SqlStore, tmp_path: Path, number: object
) -> None:
    await ingest_flg(store, tmp_path / "m")
    for action in ("mark_done", "undo", "not_mine"):
        outcome = await getattr(ItemActions(store, clock), action)(number, ANNIKA, CHANNEL)
        assert (
            outcome.item is None
            and outcome.text == f"Punkt #{int(str(number))} finns inte. Inget har ändrats."
        )
    moved = await ItemActions(store, clock).move(number, "2024-10-15", ANNIKA, CHANNEL)
    assert moved.text == f"Punkt #{int(str(number))} finns inte. Inget har ändrats."
