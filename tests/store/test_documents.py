"""DocumentRepository on SQLite and PostgreSQL: ingestion, failures, deletion, the announcement of a meeting's card, cursors."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from minutes.reconcile import Reconciliation, reconcile
from minutes.records import ItemStatus, RosterEntry
from store import OutboxKind, OutboxStatus, SqlStore, StaleReconciliation, open_store
from tests.conftest import empty_postgres, sqlite_url
from tests.store.builders import (
    FLG_REF,
    FLG_V1,
    FSG_REF,
    MONDAY,
    ORIGIN,
    document,
    ingest,
    item,
    later,
)


def actions(entries: list[Any]) -> list[tuple[str, str]]:
    return [(entry.action, entry.subject) for entry in entries]


async def test_a_first_ingest_adds_items_with_ids_audit_and_one_outbox_message(store: SqlStore) -> None:
    changes, live = await ingest(store, document(), FLG_V1)

    assert [(i.id, i.key, i.status) for i in live] == [
        (n, r.key, ItemStatus.OPEN) for n, r in enumerate(FLG_V1, 1)
    ]
    assert [replace(i, id=None) for i in live] == list(FLG_V1)
    assert await store.items_of_document(FLG_REF.key) == live
    stored = await store.get_document(FLG_REF.key)
    assert stored is not None and stored.id is not None
    assert replace(stored, id=None) == document()
    audit = await store.audit_log()
    assert actions(audit) == [("item.added", r.key) for r in FLG_V1] + [("document.ingested", FLG_REF.key)]
    assert {(a.at, a.actor, a.origin) for a in audit} == {(MONDAY, "minutesbot", ORIGIN)}
    [message] = await store.outbox_messages()
    assert (message.kind, dict(message.payload), message.conversation_key) == (
        OutboxKind.MEETING_SUMMARY,
        {"document_key": FLG_REF.key},
        None,
    )
    assert (message.status, message.attempts, message.created_at, message.next_attempt_at) == (
        OutboxStatus.PENDING,
        0,
        MONDAY,
        MONDAY,
    )


async def test_an_edited_document_updates_withdraws_and_adds_keeping_ids(store: SqlStore) -> None:
    _, first = await ingest(store, document(), FLG_V1)
    edited = replace(FLG_V1[1], text=FLG_V1[1].text + " Rapport till FLG.", due=date(2024, 11, 30))
    new = item("t21.r1.c3.0", "HR-chefen tar fram en plan för rekrytering.", owners=("hr-chef",))
    v2 = [FLG_V1[0], edited, FLG_V1[3], new]

    changes, live = await ingest(store, document(version="v2"), v2, at=later(1))

    assert (len(changes.added), len(changes.updated), len(changes.withdrawn), len(changes.unchanged)) == (
        1,
        1,
        1,
        2,
    )
    assert [(i.id, i.text) for i in live] == [
        (1, FLG_V1[0].text),
        (2, edited.text),
        (4, FLG_V1[3].text),
        (5, new.text),
    ]
    assert live[1].key == first[1].key and live[1].due == date(2024, 11, 30)
    withdrawn = (await store.items_of_document(FLG_REF.key))[2]
    assert (withdrawn.id, withdrawn.status, withdrawn.changed_by, withdrawn.changed_at) == (
        3,
        ItemStatus.WITHDRAWN,
        "minutesbot",
        later(1),
    )
    v2_audit = [a for a in await store.audit_log() if a.at == later(1)]
    assert actions(v2_audit) == [
        ("item.updated", first[1].key),
        ("item.withdrawn", first[2].key),
        ("item.added", new.key),
        ("document.ingested", FLG_REF.key),
    ]
    # The card not yet sent is announced once, due after the newest version.
    assert [m.next_attempt_at for m in await store.outbox_messages()] == [later(1)]
    assert (await store.get_document(FLG_REF.key)) is not None


async def test_an_edited_item_keeps_its_id_and_done_status(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    target = live[2]
    assert target.id is not None
    await store.set_status(target.id, ItemStatus.DONE, by="aad:emma", at=later(1), origin="teams:flg")

    edited = replace(FLG_V1[2], text=FLG_V1[2].text.replace("kort och lång", "kort, medellång och lång"))
    await ingest(store, document(version="v2"), [FLG_V1[0], FLG_V1[1], edited, FLG_V1[3]], at=later(2))

    stored = await store.get_item(target.id)
    assert stored is not None
    assert (stored.id, stored.key, stored.text, stored.status) == (
        target.id,
        target.key,
        edited.text,
        ItemStatus.DONE,
    )
    assert (stored.changed_by, stored.changed_at) == ("aad:emma", later(1))
    assert [a.action for a in await store.audit_log(target.key)] == [
        "item.added",
        "item.done",
        "item.updated",
    ]


async def test_saving_the_same_minutes_again_writes_nothing(store: SqlStore) -> None:
    _, first = await ingest(store, document(), FLG_V1)
    audit, outbox, stored = (
        await store.audit_log(),
        await store.outbox_messages(),
        await store.get_document(FLG_REF.key),
    )

    changes, again = await ingest(store, document(), FLG_V1, at=later(1))

    assert not changes.changed and len(changes.unchanged) == len(FLG_V1)
    assert again == first
    assert await store.audit_log() == audit
    assert await store.outbox_messages() == outbox
    assert await store.get_document(FLG_REF.key) == stored


async def test_a_new_version_with_the_same_items_updates_only_the_document(store: SqlStore) -> None:
    await ingest(store, document(), FLG_V1)

    await ingest(store, document(version="v2"), FLG_V1, at=later(1))

    stored = await store.get_document(FLG_REF.key)
    assert stored is not None and stored.version == "v2"
    assert actions([a for a in await store.audit_log() if a.at == later(1)]) == [
        ("document.ingested", FLG_REF.key)
    ]
    assert len(await store.outbox_messages()) == 1


async def test_a_failure_is_news_once_per_version_and_keeps_the_items(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    v2 = replace(FLG_REF, version="v2")

    assert await store.record_failure(v2, "filen är lösenordsskyddad", at=later(1), origin=ORIGIN) is True
    assert await store.record_failure(v2, "filen är lösenordsskyddad", at=later(2), origin=ORIGIN) is False

    stored = await store.get_document(FLG_REF.key)
    assert stored is not None
    assert (stored.status, stored.failure, stored.version) == ("failed", "filen är lösenordsskyddad", "v2")
    assert await store.items_of_document(FLG_REF.key) == live
    assert [a.action for a in await store.audit_log(FLG_REF.key)] == ["document.ingested", "document.failed"]
    v3 = replace(FLG_REF, version="v3")
    assert await store.record_failure(v3, "filen är skadad", at=later(3), origin=ORIGIN) is True
    assert await store.list_items() == sorted(
        live, key=lambda i: (i.due is None, i.due or date.max, i.id or 0)
    )


async def test_a_file_that_never_ingested_is_kept_as_failed(store: SqlStore) -> None:
    ref = replace(FSG_REF, version="v1", web_url="https://intranet.example/fsg")

    assert await store.record_failure(ref, "tom fil", at=MONDAY, origin=ORIGIN) is True

    stored = await store.get_document(ref.key)
    assert stored is not None
    assert (stored.name, stored.status, stored.failure, stored.version, stored.web_url) == (
        ref.name,
        "failed",
        "tom fil",
        "v1",
        ref.web_url,
    )
    assert await store.items_of_document(ref.key) == []
    assert await store.outbox_messages() == []


async def test_a_good_version_after_a_failure_clears_it(store: SqlStore) -> None:
    await store.record_failure(replace(FLG_REF, version="v1"), "tom fil", at=MONDAY, origin=ORIGIN)

    await ingest(store, document(version="v2"), FLG_V1, at=later(1))

    stored = await store.get_document(FLG_REF.key)
    assert stored is not None and (stored.status, stored.failure, stored.version) == ("ok", None, "v2")
    assert await store.record_failure(replace(FLG_REF, version="v2"), "tom fil", at=later(2), origin=ORIGIN)


async def test_a_deleted_file_withdraws_its_open_and_done_items(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    await ingest(store, document(FSG_REF, group="FSG"), [item("t1.r1.c2.0", "Ta fram en plan.", ref=FSG_REF)])
    assert live[1].id is not None
    await store.set_status(live[1].id, ItemStatus.DONE, by="aad:anna", at=later(1), origin="teams:flg")

    withdrawn = await store.mark_deleted(replace(FLG_REF, deleted=True), at=later(2), origin=ORIGIN)

    assert [(i.id, i.status, i.changed_by, i.changed_at) for i in withdrawn] == [
        (i.id, ItemStatus.WITHDRAWN, "minutesbot", later(2)) for i in live
    ]
    stored = await store.get_document(FLG_REF.key)
    assert stored is not None and stored.status == "deleted"
    assert [i.document_key for i in await store.list_items()] == [FSG_REF.key]
    assert actions([a for a in await store.audit_log() if a.at == later(2)]) == [
        *(("item.withdrawn", i.key) for i in live),
        ("document.deleted", FLG_REF.key),
    ]
    audit = await store.audit_log()
    assert await store.mark_deleted(FLG_REF, at=later(3), origin=ORIGIN) == []
    assert (
        await store.mark_deleted(replace(FLG_REF, item_id="unknown.docx"), at=later(3), origin=ORIGIN) == []
    )
    assert await store.audit_log() == audit


async def test_a_row_that_comes_back_gets_its_old_number(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    await ingest(store, document(version="v2"), [FLG_V1[0], FLG_V1[2], FLG_V1[3]], at=later(1))

    changes, back = await ingest(store, document(version="v3"), FLG_V1, at=later(2))

    assert len(changes.added) == 0
    assert [(i.id, i.key, i.status) for i in back] == [(i.id, i.key, ItemStatus.OPEN) for i in live]
    assert [a.action for a in await store.audit_log(live[1].key)] == [
        "item.added",
        "item.withdrawn",
        "item.updated",
    ]


async def test_cursors_round_trip(store: SqlStore) -> None:
    assert await store.get_cursor("sharepoint:drive-1") is None

    await store.save_cursor("sharepoint:drive-1", "https://graph.example/delta?token=1")
    await store.save_cursor("sharepoint:drive-2", "token-a")
    await store.save_cursor("sharepoint:drive-1", "https://graph.example/delta?token=2")

    assert await store.get_cursor("sharepoint:drive-1") == "https://graph.example/delta?token=2"
    assert await store.get_cursor("sharepoint:drive-2") == "token-a"


async def test_a_transaction_failing_half_way_leaves_nothing_behind(store: SqlStore) -> None:
    # The second item breaks a NOT NULL constraint after the document, one item and its audit entry are in.
    broken = replace(FLG_V1[1], topic=cast(str, None))

    with pytest.raises(IntegrityError):
        await ingest(store, document(), [FLG_V1[0], broken, FLG_V1[2]])

    assert await store.get_document(FLG_REF.key) is None
    assert await store.items_of_document(FLG_REF.key) == []
    assert await store.audit_log() == []
    assert await store.outbox_messages() == []
    _, live = await ingest(store, document(), FLG_V1)  # the store is usable afterwards
    assert len(live) == len(FLG_V1)


async def test_a_failing_update_keeps_the_previous_version(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    audit = await store.audit_log()
    edited = replace(FLG_V1[0], text=FLG_V1[0].text + " Alla förbereder sig.")
    changes = reconcile(live, [edited, *FLG_V1[1:3], item("z", "Ny punkt.")])
    assert changes.updated and changes.withdrawn and changes.added
    # The update and the withdrawal are in when the added item breaks a NOT NULL constraint.
    broken = replace(changes, added=(replace(changes.added[0], text=cast(str, None)),))

    with pytest.raises(IntegrityError):
        await store.save_ingest(document(version="v2"), broken, at=later(1), origin=ORIGIN)

    assert await store.items_of_document(FLG_REF.key) == live
    assert await store.audit_log() == audit
    stored = await store.get_document(FLG_REF.key)
    assert stored is not None and stored.version == "v1"


async def test_a_stale_reconciliation_is_refused_and_writes_nothing(store: SqlStore) -> None:
    await ingest(store, document(), FLG_V1)
    before = await store.items_of_document(FLG_REF.key)
    stale = reconcile(before, FLG_V1[:2])
    await ingest(store, document(version="v2"), [*FLG_V1, item("n", "Ny punkt.")], at=later(1))
    state = (
        await store.items_of_document(FLG_REF.key),
        await store.audit_log(),
        await store.outbox_messages(),
    )

    with pytest.raises(StaleReconciliation):
        await store.save_ingest(document(version="v3"), stale, at=later(2), origin=ORIGIN)
    reused = Reconciliation(added=(item("n", "Ny punkt."),), unchanged=tuple(state[0]))
    with pytest.raises(StaleReconciliation):
        await store.save_ingest(document(version="v3"), reused, at=later(2), origin=ORIGIN)

    assert (
        await store.items_of_document(FLG_REF.key),
        await store.audit_log(),
        await store.outbox_messages(),
    ) == state


async def test_items_of_another_document_are_refused(store: SqlStore) -> None:
    changes = Reconciliation(added=(item("a", "Planera APT.", ref=FSG_REF),))

    with pytest.raises(ValueError):
        await store.save_ingest(document(), changes, at=MONDAY, origin=ORIGIN)

    assert await store.get_document(FLG_REF.key) is None


async def test_naive_timestamps_are_refused(store: SqlStore) -> None:
    naive = datetime(2024, 8, 26, 9, 30)

    with pytest.raises(StatementError):
        await ingest(store, document(), FLG_V1, at=naive)

    assert await store.get_document(FLG_REF.key) is None
    assert await store.audit_log() == []


async def scenario(store: SqlStore) -> list[object]:
    """Every operation once; what each returns and what the store holds afterwards."""
    seen: list[object] = []
    _, live = await ingest(store, document(), FLG_V1)
    seen.append(live)
    assert live[0].id is not None
    seen.append(await store.set_status(live[0].id, ItemStatus.DONE, by="aad:anna", at=later(1), origin="cli"))
    edited = replace(FLG_V1[1], owners=("KLG", "Åsa Öberg"))
    seen.append((await ingest(store, document(version="v2"), [edited, *FLG_V1[2:]], at=later(2)))[1])
    seen.append(await ingest(store, document(FSG_REF, group="FSG"), [item("a", "Planera APT.", ref=FSG_REF)]))
    seen.append(
        await store.record_failure(replace(FSG_REF, version="v2"), "tom fil", at=later(3), origin=ORIGIN)
    )
    seen.append(await store.mark_deleted(FSG_REF, at=later(4), origin=ORIGIN))
    await store.save_cursor("local:/minutes", "cursor-1")
    await store.save_roster("FLG", [RosterEntry("FLG", "AA", "Annika Andersson", ("sammankallande",))])
    seen.extend(
        [
            await store.get_document(FLG_REF.key),
            await store.get_document(FSG_REF.key),
            await store.items_of_document(FLG_REF.key),
            await store.list_items(),
            await store.list_items(open_only=True, owner="åsa öberg"),
            await store.search_decisions("distansarbete"),
            await store.audit_log(),
            await store.outbox_messages(),
            await store.get_cursor("local:/minutes"),
            await store.roster("FLG"),
        ]
    )
    return seen


async def test_both_backends_give_identical_results(tmp_path: Path, postgres_server: str) -> None:
    await empty_postgres(postgres_server)
    results = []
    for url in (sqlite_url(tmp_path), postgres_server):
        opened = await open_store(url)
        try:
            results.append(await scenario(opened))
        finally:
            await opened.close()

    on_sqlite, on_postgres = results
    assert on_sqlite == on_postgres


async def test_a_card_being_sent_is_left_alone_and_a_new_version_gets_its_own(store: SqlStore) -> None:
    await store.save_ingest(document(), reconcile([], FLG_V1), at=MONDAY, origin=ORIGIN)
    (sending,) = await store.claim_outbox("w1", now=MONDAY, lease=timedelta(minutes=5), limit=10)
    stored = await store.items_of_document(FLG_REF.key)
    edited = [replace(FLG_V1[0], text="Ny lydelse av punkten helt och hållet annorlunda"), *FLG_V1[1:]]
    meanwhile = MONDAY + timedelta(minutes=1)  # while the worker's lease lasts
    await store.save_ingest(document(version="v2"), reconcile(stored, edited), at=meanwhile, origin=ORIGIN)
    pending = await store.outbox_messages()
    assert [(m.id == sending.id, m.next_attempt_at) for m in pending] == [(True, MONDAY), (False, meanwhile)]


async def test_deleting_a_document_announces_its_card_once(store: SqlStore) -> None:
    await store.save_ingest(document(), reconcile([], FLG_V1), at=MONDAY, origin=ORIGIN)
    await store.claim_outbox("w1", now=MONDAY, lease=timedelta(minutes=5), limit=10)
    (sent,) = await store.outbox_messages()
    await store.mark_sent(sent.id, at=MONDAY)
    await store.mark_deleted(FLG_REF, at=later(1), origin=ORIGIN)
    await store.mark_deleted(FLG_REF, at=later(2), origin=ORIGIN)  # already deleted: nothing more
    (announced,) = await store.outbox_messages()
    assert (announced.payload, announced.next_attempt_at) == ({"document_key": FLG_REF.key}, later(1))


async def test_the_people_of_a_groups_latest_minutes_are_kept_each_name_once(store: SqlStore) -> None:
    from minutes.model import Person
    from store.documents import MINUTES_PEOPLE_MEETINGS

    older = replace(
        document(FSG_REF, group="FLG", meeting_date=date(2024, 6, 10)),
        people=(Person("Edit Eriksson", "EE", "ekonomichef"), Person("Olle Gammal", "OG")),
    )
    newer = replace(document(), people=(Person("Edit Eriksson", "EE"), Person("Annika Andersson", "AA")))
    await ingest(store, older, [])
    await ingest(store, newer, [])
    assert (await store.get_document(newer.key)).people == newer.people  # type: ignore[union-attr]
    # Newest first: the newer minutes' Edit Eriksson (without the role) stands for her.
    assert await store.minutes_people("FLG") == [
        Person("Edit Eriksson", "EE"),
        Person("Annika Andersson", "AA"),
        Person("Olle Gammal", "OG"),
    ]
    assert await store.minutes_people("FSG") == []
    assert MINUTES_PEOPLE_MEETINGS >= 2
