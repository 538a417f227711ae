"""A due date a user moved is kept through edits of the minutes, on SQLite and PostgreSQL, until the minutes
give the item another date; and revision 0005 finds the minutes' due of items moved before it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import insert

from minutes.reconcile import reconcile
from minutes.records import ItemRecord, ItemStatus
from store import SqlStore, create_engine_for, open_store
from store.rows import audit_values, item_content_values
from store.tables import audit_log, documents, items
from tests.store.builders import FLG_REF, FLG_V1, MONDAY, ORIGIN, document, ingest, later
from tests.store.test_migrations import to_revision

NOV_4 = date(2024, 11, 4)
OCT_21 = date(2024, 10, 21)


def edited_elsewhere(version: int) -> list[ItemRecord]:
    """FLG_V1 with another row than the follow-up (FLG_V1[0], due 7/10) reworded."""
    return [
        FLG_V1[0],
        replace(FLG_V1[1], text=f"{FLG_V1[1].text} Version {version}."),
        *FLG_V1[2:],
    ]


def ingest_audit(entries: list[tuple[str, str, str]], key: str) -> list[tuple[str, str]]:
    return [(action, detail) for action, subject, detail in entries if subject == key]


async def test_a_moved_due_survives_edits_until_the_minutes_change_the_date(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    follow_up = live[0]
    assert follow_up.id is not None and follow_up.due == date(2024, 10, 7)
    await store.set_status(follow_up.id, ItemStatus.DONE, by="aad:emma", at=later(1), origin="teams:flg")
    await store.set_due(follow_up.id, NOV_4, by="aad:emma", at=later(2), origin="teams:flg")

    # The secretary edits another row: the move stands, and the item is not even touched.
    changes, _ = await ingest(store, document(version="v2"), edited_elsewhere(2), at=later(3))
    assert [new.id for _, new in changes.updated] == [live[1].id]
    item = await store.get_item(follow_up.id)
    assert item is not None
    assert (item.due, item.due_raw, item.due_relative, item.status) == (
        NOV_4,
        "2024-11-04",
        None,
        ItemStatus.DONE,
    )
    assert (item.document_due, item.document_due_relative) == (date(2024, 10, 7), None)

    # The secretary rewords the item's own row but leaves its date: still moved, the text updated.
    reworded = replace(FLG_V1[0], text="Klart för uppföljning 7/10 i FLG, med rapport")
    await ingest(store, document(version="v3"), [reworded, *edited_elsewhere(2)[1:]], at=later(4))
    item = await store.get_item(follow_up.id)
    assert item is not None and (item.due, item.text) == (NOV_4, reworded.text)

    # The minutes give the item a new date: they win, and the audit says so.
    redated = replace(reworded, due=OCT_21, due_raw="21/10")
    await ingest(store, document(version="v4"), [redated, *edited_elsewhere(2)[1:]], at=later(5))
    item = await store.get_item(follow_up.id)
    assert item is not None
    assert (item.due, item.due_raw, item.document_due, item.status) == (
        OCT_21,
        "21/10",
        OCT_21,
        ItemStatus.DONE,
    )
    entries = [(a.action, a.subject, a.detail) for a in await store.audit_log()]
    trail = ingest_audit(entries, follow_up.key)
    assert [action for action, _ in trail] == [
        "item.added",
        "item.done",
        "item.moved",
        "item.updated",  # v3: the text
        "item.updated",  # v4: the date
    ]
    assert trail[2][1] == "2024-10-07→2024-11-04"
    assert trail[3][1].startswith(f"#{follow_up.id}: text") and "due" not in trail[3][1]
    assert trail[4][1].startswith(f"#{follow_up.id}: due, due_raw")
    assert trail[4][1].endswith("; due 2024-11-04→2024-10-21")  # the dates, for the follow-through report

    # No longer moved: the next edit elsewhere leaves the minutes' date as it is.
    await ingest(store, document(version="v5"), [redated, *edited_elsewhere(5)[1:]], at=later(6))
    item = await store.get_item(follow_up.id)
    assert item is not None and (item.due, item.due_raw) == (OCT_21, "21/10")


async def test_an_unmoved_items_due_follows_the_minutes(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)

    redated = replace(FLG_V1[2], due=OCT_21, due_raw="21/10")
    changes, _ = await ingest(store, document(version="v2"), [*FLG_V1[:2], redated, FLG_V1[3]], at=later(1))

    ((old, new),) = changes.updated
    assert old.id == live[2].id and (new.due, new.document_due) == (OCT_21, OCT_21)
    item = await store.get_item(live[2].id or 0)
    assert item is not None and (item.due, item.due_raw, item.document_due) == (OCT_21, "21/10", OCT_21)


async def test_a_move_to_next_meeting_and_a_moved_undated_item_are_kept(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    undated = live[1]  # the KLG assignment has no date in the minutes
    assert undated.id is not None and undated.due is None
    await store.set_due(undated.id, NOV_4, by="aad:anna", at=later(1), origin="teams:flg")

    await ingest(store, document(version="v2"), edited_elsewhere(2), at=later(2))  # rewords that very row

    item = await store.get_item(undated.id)
    assert item is not None
    assert (item.due, item.document_due, item.text) == (NOV_4, None, edited_elsewhere(2)[1].text)


async def test_revision_0005_finds_the_minutes_due_of_items_moved_before_it(database_url: str) -> None:
    engine = create_engine_for(database_url)
    moved, kept, moved_twice = FLG_V1[0], FLG_V1[2], replace(FLG_V1[1], due=None)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0004"))
            await connection.execute(
                insert(documents).values(
                    key=FLG_REF.key, name=FLG_REF.name, status="ok", created_at=MONDAY, updated_at=MONDAY
                )
            )
            rows = [
                replace(moved, due=NOV_4, due_raw="2024-11-04"),
                kept,
                replace(moved_twice, due=OCT_21, due_raw="2024-10-21"),
            ]
            for row in rows:
                values = item_content_values(row)
                del values["document_due"], values["document_due_relative"]  # not there before 0005
                del values["document_owners"]  # not there before 0009
                await connection.execute(
                    insert(items).values(
                        key=row.key,
                        document_key=row.document_key,
                        status="open",
                        created_at=MONDAY,
                        updated_at=MONDAY,
                        **values,
                    )
                )
            trail = [
                ("item.added", moved.key, "#1"),
                ("item.added", kept.key, "#2"),
                ("item.added", moved_twice.key, "#3"),
                # Moved, then an ingest reset it (the old behaviour), then moved again: the second move counts.
                ("item.moved", moved.key, "2024-10-07→2024-12-02"),
                ("item.updated", moved.key, "#1: due, due_raw"),
                ("item.moved", moved.key, "2024-10-07→2024-11-04"),
                ("item.moved", moved_twice.key, "-→2024-11-04"),
                ("item.moved", moved_twice.key, "2024-11-04→2024-10-21"),
            ]
            await connection.execute(
                insert(audit_log),
                [
                    audit_values(
                        at=MONDAY, actor="aad:emma", action=a, subject=s, origin="teams:flg", detail=d
                    )
                    for a, s, d in trail
                ],
            )
    finally:
        await engine.dispose()

    store = await open_store(database_url)  # migrates to the newest revision
    try:
        stored = {item.key: item for item in await store.items_of_document(FLG_REF.key)}
        assert (stored[moved.key].due, stored[moved.key].document_due) == (NOV_4, date(2024, 10, 7))
        assert (stored[kept.key].due, stored[kept.key].document_due) == (kept.due, kept.due)
        assert (stored[moved_twice.key].due, stored[moved_twice.key].document_due) == (OCT_21, None)

        # The next edit of the minutes keeps both moves.
        await ingest(store, document(version="v2"), [moved, replace(moved_twice, text="Ny lydelse."), kept])
        after = {item.key: item for item in await store.items_of_document(FLG_REF.key)}
        assert after[moved.key].due == NOV_4
        assert [item.due for item in after.values() if item.text == "Ny lydelse."] == [OCT_21]
    finally:
        await store.close()


async def test_a_move_made_while_the_minutes_are_being_read_is_kept(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    follow_up = live[0]
    assert follow_up.id is not None
    edited = [replace(FLG_V1[0], text=f"{FLG_V1[0].text}, med rapport"), *edited_elsewhere(2)[1:]]
    changes = reconcile(await store.items_of_document(FLG_REF.key), edited)  # read before the move

    await store.set_due(follow_up.id, NOV_4, by="aad:emma", at=later(1), origin="teams:flg")
    await store.save_ingest(document(version="v2"), changes, at=later(2), origin=ORIGIN)

    item = await store.get_item(follow_up.id)
    assert item is not None
    assert (item.due, item.due_raw, item.text) == (NOV_4, "2024-11-04", edited[0].text)
    assert item.document_due == date(2024, 10, 7)
