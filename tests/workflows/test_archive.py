"""The secretary's corrections from Teams (other owners, 'inte en uppgift', archiving) and each group's rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from cards.verbs import Verb
from minutes.model import ItemKind
from minutes.records import ItemStatus, RosterEntry
from store import SqlStore
from tests.cards.cardcheck import execute_actions
from tests.store.builders import FSG_REF, document, ingest
from tests.store.builders import item as builder_item
from tests.workflows.chat_fixtures import (
    ANNIKA,
    CHANNEL,
    PERSONAL,
    ROSTER,
    STRANGER,
    YVONNE,
    clock,
    ingest_flg,
)
from workflows.archive import archive_stale, months_before
from workflows.digest import build_digest
from workflows.item_actions import ONLY_SECRETARY, ItemActions
from workflows.queries import Queries


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 12, 7), 12, date(2024, 12, 7)),
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2025, 1, 15), 3, date(2024, 10, 15)),
        (date(2025, 1, 15), 120, date(2015, 1, 15)),
    ],
)
def test_months_before(day: date, months: int, expected: date) -> None:
    assert months_before(day, months) == expected


async def open_action(store: SqlStore) -> int:
    found = next(
        i for i in await store.list_items(open_only=True) if i.kind is ItemKind.ACTION and "AA" in i.owners
    )
    assert found.id is not None
    return found.id


@pytest.mark.parametrize(
    ("who", "where", "text", "status"),
    [
        (
            YVONNE,
            CHANNEL,
            "Punkt #{id} är arkiverad. Skriv 'återställ {id}' för att ta tillbaka den.",
            "archived",
        ),
        (
            YVONNE,
            PERSONAL,
            "Punkt #{id} är arkiverad. Skriv 'återställ {id}' för att ta tillbaka den.",
            "archived",
        ),
        (ANNIKA, CHANNEL, ONLY_SECRETARY, "open"),  # the owner is not the secretary
        (STRANGER, CHANNEL, ONLY_SECRETARY, "open"),
    ],
)
async def test_only_the_groups_secretary_archives(
    store: SqlStore, tmp_path: Path, who: object, where: object, text: str, status: str
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item_id = await open_action(store)
    outcome = await ItemActions(store, clock).archive(item_id, who, where)  # type: ignore[arg-type]
    assert outcome.text == text.format(id=item_id)
    assert (await store.get_item(item_id)).status.value == status  # type: ignore[union-attr]


async def test_archive_and_restore_from_teams(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item_id = await open_action(store)
    actions, queries = ItemActions(store, clock), Queries(store, clock)
    assert f"'#{item_id}'" in str(await queries.open_items(None, CHANNEL))
    archived = await actions.archive(item_id, YVONNE, CHANNEL)
    assert archived.changed and [a["verb"] for a in execute_actions(archived.card)] == [Verb.RESTORE]
    assert f"'#{item_id}'" not in str(await queries.open_items(None, CHANNEL))
    listed = str(await queries.archived(CHANNEL))
    assert "Arkiverade punkter" in listed and f"'#{item_id}'" in listed
    assert (await actions.restore(item_id, ANNIKA, CHANNEL)).text == ONLY_SECRETARY
    restored = await actions.restore(item_id, YVONNE, CHANNEL)
    assert restored.changed and restored.text == f"Punkt #{item_id} är öppen igen."
    assert (await actions.restore(item_id, YVONNE, CHANNEL)).text == f"Punkt #{item_id} är inte arkiverad."
    assert [a.action for a in await store.audit_log(restored.item.key)][-2:] == [  # type: ignore[union-attr]
        "item.archived",
        "item.restored",
    ]


async def test_decisions_and_done_items_are_not_archived(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    decision = builder_item(
        "p9.0", "FLG fastställer riktlinjen.", ref=FSG_REF, kind=ItemKind.DECISION, owners=()
    )
    await ingest(store, document(FSG_REF, group="FLG"), [decision])
    [decision] = [i for i in await store.list_items() if i.kind is ItemKind.DECISION]
    outcome = await ItemActions(store, clock).archive(decision.id, YVONNE, CHANNEL)
    assert not outcome.changed and outcome.text == "Beslut arkiveras inte: de står kvar i beslutsregistret."
    item_id = await open_action(store)
    await ItemActions(store, clock).mark_done(item_id, ANNIKA, CHANNEL)
    done = await ItemActions(store, clock).archive(item_id, YVONNE, CHANNEL)
    assert not done.changed and done.text == f"Punkt #{item_id} är redan klar och behöver inte arkiveras."


async def test_the_rule_archives_each_groups_items_long_past(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")  # met 2024-08-26
    before = {i.id for i in await store.list_items(open_only=True) if i.kind is not ItemKind.DECISION}
    now = datetime(2025, 12, 1, 5, 30, tzinfo=UTC)
    assert await archive_stale(store, {"FLG": 24}, now=now) == {"FLG": []}
    archived = await archive_stale(store, {"FLG": 12, "FSG": 12}, now=now)
    assert archived["FSG"] == [] and set(archived["FLG"]) and set(archived["FLG"]) <= before
    statuses = {i.id: i.status for i in await store.list_items()}
    assert {statuses[i] for i in archived["FLG"]} == {ItemStatus.ARCHIVED}
    assert [i for i in await store.list_items(open_only=True) if i.kind is not ItemKind.DECISION] == [
        i for i in await store.list_items(open_only=True) if i.id in before - set(archived["FLG"])
    ]


async def test_the_digest_counts_items_long_overdue_instead_of_listing_them(
    store: SqlStore, tmp_path: Path
) -> None:
    await ingest_flg(store, tmp_path / "m")
    late = await build_digest(store, "FLG", today=date(2024, 10, 28))
    assert late.overdue and late.long_overdue == 0
    much_later = await build_digest(store, "FLG", today=date(2025, 6, 2))
    dated = [
        i
        for i in await store.list_items(open_only=True)
        if i.kind is not ItemKind.DECISION and i.due is not None and i.due_relative is None
    ]
    assert len(dated) > len(late.overdue)
    assert much_later.overdue == () and much_later.long_overdue == len(dated)
    assert much_later.long_overdue_since == date(2025, 3, 2) and much_later.oldest_due == min(
        i.due for i in late.overdue if i.due
    )


@pytest.mark.parametrize(
    ("written", "owners"),
    [
        ("EE", ("EE",)),
        ("Edit Eriksson, Rickard", ("EE", "RN")),  # as the group knows them: initials
        ("Edit Eriksson och HR-chefen", ("EE", "HR-chefen")),  # someone unknown: as written
        ("AA; AA", ("AA",)),
    ],
)
async def test_the_secretary_sets_other_owners(
    store: SqlStore, tmp_path: Path, written: str, owners: tuple[str, ...]
) -> None:
    await ingest_flg(store, tmp_path / "m")
    item_id = await open_action(store)
    await store.save_roster("FLG", [])  # a group without a roster has no secretary here: default deny
    refused = await ItemActions(store, clock).set_owners(item_id, written, YVONNE, CHANNEL)
    assert refused.text == ONLY_SECRETARY
    await store.save_roster("FLG", [*ROSTER, RosterEntry("FLG", "EE", "Edit Eriksson")])
    outcome = await ItemActions(store, clock).set_owners(item_id, written, YVONNE, CHANNEL)
    assert outcome.item is not None and outcome.item.owners == owners
    assert outcome.text == f"Punkt #{item_id} har nu ansvariga: {', '.join(owners)}."


@pytest.mark.parametrize("written", ["", "  ", None, ",", "x," * 20])
async def test_owners_must_be_named(store: SqlStore, tmp_path: Path, written: object) -> None:
    await ingest_flg(store, tmp_path / "m")
    item_id = await open_action(store)
    outcome = await ItemActions(store, clock).set_owners(item_id, written, YVONNE, CHANNEL)
    assert not outcome.changed and outcome.text == "Skriv en eller flera ansvariga, med komma emellan."


async def test_inte_en_uppgift_is_the_secretarys_and_reversible(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    item_id = await open_action(store)
    actions = ItemActions(store, clock)
    assert (await actions.dismiss(item_id, ANNIKA, CHANNEL)).text == ONLY_SECRETARY
    dismissed = await actions.dismiss(item_id, YVONNE, CHANNEL)
    assert dismissed.changed and dismissed.text == (
        f"Punkt #{item_id} är markerad som inte en uppgift. Skriv 'återställ {item_id}' för att ångra."
    )
    assert [a["verb"] for a in execute_actions(dismissed.card)] == [Verb.RESTORE]
    meeting = str(await Queries(store, clock).meeting(None, CHANNEL))
    assert f"'#{item_id}'" not in meeting
    assert (await actions.restore(item_id, YVONNE, CHANNEL)).text == f"Punkt #{item_id} är öppen igen."
