"""Answers to the reading commands, on an ingested FLG meeting."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from minutes.people import ALL
from minutes.records import ItemPage, ItemRecord, ItemStatus, RosterEntry
from store import SqlStore
from tests.store.builders import FSG_REF, document, ingest, item
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, NOW, PERSONAL, ROSTER, STRANGER, clock, ingest_flg
from workflows.owners import actor_names
from workflows.queries import Queries, merge_pages


def text_of(card: dict[str, object]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_my_items_lists_what_the_roster_says_is_mine(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    card = await Queries(store, clock).my_items(ANNIKA, CHANNEL)
    text = text_of(card)
    assert "Dina öppna punkter" in text and "Samordnas av innovationsgänget" in text
    assert "Emma återkommer" not in text  # RN's item


async def test_my_items_for_someone_unknown_explains_why(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    assert "förteckning" in text_of(await Queries(store, clock).my_items(STRANGER, CHANNEL))


async def test_open_items_for_a_person(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    text = text_of(await Queries(store, clock).open_items("RN", CHANNEL))
    assert "Emma återkommer" in text and "Samordnas av innovationsgänget" not in text


async def test_decisions_search_and_meeting(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    queries = Queries(store, clock)
    assert (
        "Kommande chefsnytt" in text_of(await queries.decisions("julfest", CHANNEL))
        or "julfest" in text_of(await queries.decisions("julfest", CHANNEL)).lower()
    )
    meeting = text_of(await queries.meeting(None, CHANNEL))
    assert "FLG" in meeting and "2024" in meeting
    assert "FLG" in text_of(await queries.meeting("26/8", PERSONAL))
    assert "hittar inget protokoll" in text_of(await queries.meeting("2020-01-01", CHANNEL))


async def test_follow_ups_and_this_week(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    queries = Queries(store, clock)
    assert "Uppföljning kommande FLG" in text_of(await queries.follow_ups(CHANNEL))
    assert "Veckosammanfattning" in text_of(await queries.this_week(CHANNEL))


async def test_my_items_in_a_personal_chat_reads_each_group_by_its_own_roster(store: SqlStore) -> None:
    # 'AA' is Annika in FLG's roster and Anders in FSG's: in her personal chat Annika sees FLG's AA items
    # and FSG's items for her name, never Anders's.
    flg = [item("a", "Annikas punkt i FLG.", owners=("AA",)), item("b", "Alla i FLG.", owners=(ALL,))]
    fsg = [
        item("a", "Anders punkt i FSG.", ref=FSG_REF, group="FSG", owners=("AA",)),
        item("b", "Annikas punkt i FSG.", ref=FSG_REF, group="FSG", owners=("Annika Andersson",)),
    ]
    await ingest(store, document(), flg)
    await ingest(store, document(FSG_REF, group="FSG"), fsg)
    await store.save_roster("FLG", ROSTER)
    await store.save_roster(
        "FSG",
        [
            RosterEntry("FSG", "AA", "Anders Ek", (), "aad-anders", None),
            RosterEntry("FSG", "AN", "Annika Andersson", (), "aad-aa", None),
        ],
    )

    text = text_of(await Queries(store, clock).my_items(ANNIKA, PERSONAL))

    assert "Annikas punkt i FLG." in text and "Alla i FLG." in text and "Annikas punkt i FSG." in text
    assert "Anders punkt" not in text
    assert "3 punkter" in text


def page(*items: ItemRecord, total: int | None = None, overdue: int = 0) -> ItemPage:
    return ItemPage(items, len(items) if total is None else total, overdue)


def numbered(number: int, due: date | None) -> ItemRecord:
    return replace(item(str(number), f"Punkt {number}.", due=due), id=number)


SEP_1, SEP_9 = date(2024, 9, 1), date(2024, 9, 9)


@pytest.mark.parametrize(
    ("pages", "merged"),
    [
        ([page(numbered(1, SEP_9), total=4, overdue=1)], page(numbered(1, SEP_9), total=4, overdue=1)),
        (
            [
                page(numbered(1, SEP_9), numbered(2, None), total=5, overdue=2),
                page(numbered(3, SEP_1), overdue=1),
            ],
            page(numbered(3, SEP_1), numbered(1, SEP_9), total=6, overdue=3),
        ),
        ([page(), page()], page()),
        ([page(numbered(4, None)), page(numbered(2, None))], page(numbered(2, None), numbered(4, None))),
    ],
    ids=["one page as it is", "by due date, cut at the limit", "empty", "undated by number"],
)
def test_merge_pages(pages: list[ItemPage], merged: ItemPage) -> None:
    assert merge_pages(pages, limit=2) == merged


def test_merge_pages_gives_a_later_page_of_the_merged_list() -> None:
    pages = [
        page(numbered(1, SEP_9), numbered(2, None), total=2, overdue=0),
        page(numbered(3, SEP_1), numbered(4, SEP_9), total=2, overdue=1),
    ]
    assert merge_pages(pages, limit=2, offset=2) == ItemPage(
        (numbered(4, SEP_9), numbered(2, None)), 4, 1, offset=2
    )


# -- groups kept apart: a conversation sees the groups it follows, a personal chat the user's groups ----------

NOWHERE = replace(CHANNEL, conversation_id="19:nowhere@thread.tacv2", team_id="19:x@thread.tacv2", group=None)
STRANGERS_CHAT = replace(PERSONAL, conversation_id="a:personal-xx", user_id="29:xx", user_aad_id="aad-xx")


async def every_answer(queries: Queries, where: object, who: object = STRANGER) -> str:
    return " ".join(
        text_of(card)
        for card in (
            await queries.my_items(who, where),  # type: ignore[arg-type]
            await queries.open_items(None, where),  # type: ignore[arg-type]
            await queries.open_items("RN", where),  # type: ignore[arg-type]
            await queries.decisions(None, where),  # type: ignore[arg-type]
            await queries.meeting(None, where),  # type: ignore[arg-type]
            await queries.meeting("2024-08-26", where),  # type: ignore[arg-type]
            await queries.follow_ups(where),  # type: ignore[arg-type]
            await queries.this_week(where),  # type: ignore[arg-type]
        )
    )


async def test_a_channel_following_no_group_sees_no_groups_items(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await store.save_conversation(NOWHERE, at=clock())
    text = await every_answer(Queries(store, clock), NOWHERE, ANNIKA)
    assert "Emma återkommer" not in text and "Samordnas av innovationsgänget" not in text
    assert "Digitalisering" not in text and "följ" in text


async def test_a_personal_chat_covers_only_the_users_groups(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    await ingest(
        store,
        document(FSG_REF, group="FSG"),
        [item("a", "En FSG-punkt om lokaler.", ref=FSG_REF, group="FSG", owners=("BB",))],
    )
    queries = Queries(store, clock)
    strangers = await every_answer(queries, STRANGERS_CHAT)
    assert "Emma återkommer" not in strangers and "FSG-punkt" not in strangers
    annikas = await every_answer(queries, PERSONAL, ANNIKA)
    assert "Emma återkommer" in annikas and "FSG-punkt" not in annikas


async def test_actor_names_name_who_checked_items_off(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    first, second, third = (await store.list_items(open_only=True))[:3]
    await store.set_status(first.id or 0, ItemStatus.DONE, by="AAD-AA", at=NOW, origin="t")  # any case
    await store.set_status(second.id or 0, ItemStatus.DONE, by="aad-unknown", at=NOW, origin="t")
    items = await store.list_items()
    names = await actor_names(items, store)
    assert names == {"AAD-AA": "Annika Andersson"}  # someone in no roster stays unnamed
    assert third.status is ItemStatus.OPEN


def item_ids(card: dict[str, object]) -> set[int]:
    return {int(n) for n in re.findall(r'"itemId": (\d+)', text_of(card))}


@pytest.mark.parametrize("roster", [True, False], ids=["roster", "minutes' people"])
@pytest.mark.parametrize(
    ("written", "label"),
    [
        ("EE", "Edit Eriksson (EE)"),
        ("Edit Eriksson", "Edit Eriksson (EE)"),
        ("edit eriksson", "Edit Eriksson (EE)"),
        ("Edit", "Edit Eriksson (EE)"),
        ("Eriksson", "Edit Eriksson (EE)"),
    ],
)
async def test_open_items_of_a_person_by_any_name_the_group_knows(
    store: SqlStore, tmp_path: Path, roster: bool, written: str, label: str
) -> None:
    """'öppna Edit Eriksson' finds what 'öppna EE' finds, from the group's roster or, without one, from the
    people its minutes list, and the answer says whom it found."""
    await ingest_flg(store, tmp_path / "m")
    if roster:
        await store.save_roster("FLG", [*ROSTER, RosterEntry("FLG", "EE", "Edit Eriksson", ("ekonomichef",))])
    else:
        await store.save_roster("FLG", [])
    queries = Queries(store, clock)
    by_initials = await queries.open_items("EE", CHANNEL)
    card = await queries.open_items(written, CHANNEL)
    assert f"Öppna punkter för {label}" in text_of(card)
    assert item_ids(card) == item_ids(by_initials) and item_ids(card)


async def test_open_items_of_someone_nobody_knows_says_so(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    card = await Queries(store, clock).open_items("Kalle Karlsson", CHANNEL)
    assert "Jag hittar ingen 'Kalle Karlsson' bland gruppens personer" in text_of(card)
    assert not item_ids(card)


async def test_open_items_of_a_role_written_as_owner_still_lists_it(store: SqlStore, tmp_path: Path) -> None:
    """A role nobody is known by ('administrativ chef'): the owner as written, as before."""
    await ingest_flg(store, tmp_path / "m")
    owned = {i.id for i in await store.list_items(open_only=True) if "administrativ chef" in i.owners}
    card = await Queries(store, clock).open_items("administrativ chef", CHANNEL)
    assert owned and item_ids(card) == owned
    assert "Öppna punkter för 'administrativ chef'" in text_of(card)
