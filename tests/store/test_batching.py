"""Ingestion writes in batches: the statements save_ingest and mark_deleted send do not grow with the items."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event

from minutes.reconcile import reconcile
from minutes.records import DocumentRef, ItemRecord, ItemStatus
from store import Database, SqlStore, create_engine_for, migrate
from tests.store.builders import FLG_REF, FSG_REF, ORIGIN, document, item, later


@pytest.fixture
async def counted(database_url: str) -> AsyncIterator[tuple[SqlStore, list[str]]]:
    """A store on each backend, and the SQL it sends (every cursor execution, BEGIN included)."""
    engine = create_engine_for(database_url)
    await migrate(engine)
    sent: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    store = SqlStore(Database(engine))
    try:
        yield store, sent
    finally:
        await store.close()


def kept(ref: DocumentRef, n: int) -> list[ItemRecord]:
    return [
        item(
            f"t1.r{i}.c3.0",
            f"Punkt {i}: budgeten ses över.",
            topic=f"Budget {i}",
            owners=("AA", "Bo Ek"),
            ref=ref,
        )
        for i in range(n)
    ]


def dropped(ref: DocumentRef, n: int) -> list[ItemRecord]:
    return [
        item(f"t2.r{i}.c3.0", f"Lokalfrågan {i} utreds.", topic=f"Lokaler {i}", ref=ref) for i in range(n)
    ]


def fresh(ref: DocumentRef, n: int) -> list[ItemRecord]:
    return [
        item(f"t3.r{i}.c3.0", f"En ny rutin {i} tas fram.", topic=f"Rutiner {i}", owners=("CC",), ref=ref)
        for i in range(n)
    ]


async def statements_per_step(store: SqlStore, sent: list[str], ref: DocumentRef, n: int) -> list[int]:
    """The statements sent by each step of a document's life with n items of each sort: a first version
    (2n added), an edit (n updated, n withdrawn, n added), the withdrawn rows back (n revived) and the
    file's deletion (3n withdrawn)."""
    moved = [replace(record, due=date(2024, 9, 30), owners=("DD", "Åsa Öberg")) for record in kept(ref, n)]
    versions = [
        ([*kept(ref, n), *dropped(ref, n)], (2 * n, 0, 0)),
        ([*moved, *fresh(ref, n)], (n, n, n)),
        ([*moved, *fresh(ref, n), *dropped(ref, n)], (0, n, 0)),
    ]
    counts = []
    for hour, (extracted, shape) in enumerate(versions):
        record = document(ref, version=f"v{hour + 1}")
        changes = reconcile(await store.items_of_document(ref.key), extracted)
        assert (len(changes.added), len(changes.updated), len(changes.withdrawn)) == shape
        counts.append(
            await statements(sent, store.save_ingest(record, changes, at=later(hour), origin=ORIGIN))
        )
    deleted = replace(ref, deleted=True)
    counts.append(await statements(sent, store.mark_deleted(deleted, at=later(9), origin=ORIGIN)))
    withdrawn = await store.items_of_document(ref.key)
    assert [i.status for i in withdrawn] == [ItemStatus.WITHDRAWN] * 3 * n
    return counts


async def statements(sent: list[str], action: Awaitable[object]) -> int:
    """The statements sent while `action` (a coroutine, which runs only when awaited) runs."""
    sent.clear()
    await action
    return len(sent)


async def test_the_statements_of_an_ingest_do_not_grow_with_its_items(
    counted: tuple[SqlStore, list[str]],
) -> None:
    store, sent = counted

    one = await statements_per_step(store, sent, FLG_REF, 1)
    many = await statements_per_step(store, sent, FSG_REF, 40)

    # One statement per item and table was ~4.6 statements per item; a handful in all per step now.
    assert many == one
    assert max(one) <= 16, one


async def test_a_batched_edit_audits_and_indexes_each_item_as_one_at_a_time_did(
    counted: tuple[SqlStore, list[str]],
) -> None:
    store, _ = counted
    n = 5
    first = reconcile([], [*kept(FLG_REF, n), *dropped(FLG_REF, n)])
    live = await store.save_ingest(document(), first, at=later(0), origin=ORIGIN)
    assert [i.id for i in live] == list(range(1, 2 * n + 1))  # ids in the order the items were added
    moved = [
        replace(record, due=date(2024, 9, 30), owners=("DD", "Åsa Öberg")) for record in kept(FLG_REF, n)
    ]
    second = reconcile(live, [*moved, *fresh(FLG_REF, n)])
    live = await store.save_ingest(document(version="v2"), second, at=later(1), origin=ORIGIN)
    third = reconcile(
        await store.items_of_document(FLG_REF.key), [*moved, *fresh(FLG_REF, n), *dropped(FLG_REF, n)]
    )
    live = await store.save_ingest(document(version="v3"), third, at=later(2), origin=ORIGIN)

    assert [i.id for i in live] == list(range(1, 3 * n + 1))
    assert all(i.status is ItemStatus.OPEN for i in live)
    entries = [(a.action, a.subject, a.detail) for a in await store.audit_log() if a.at == later(1)]
    assert entries == [
        *(
            ("item.updated", old.key, f"#{old.id}: owners, due; due -→2024-09-30")
            for old, _ in second.updated
        ),
        *(("item.withdrawn", old.key, f"#{old.id}") for old in second.withdrawn),
        *(("item.added", new.key, f"#{2 * n + k}") for k, new in enumerate(second.added, 1)),
        ("document.ingested", FLG_REF.key, f"version=v2 added={n} updated={n} withdrawn={n}"),
    ]
    revived = [(a.action, a.detail) for a in await store.audit_log() if a.at == later(2)]
    assert revived[:-1] == [("item.updated", f"#{old.id} restored") for old, _ in third.updated]
    # The owner index follows the new owners: the old ones of the updated items are gone.
    assert [i.id for i in await store.list_items(owner="åsa öberg")] == list(range(1, n + 1))
    assert [i.id for i in await store.list_items(owner="bo ek")] == []
    assert [i.id for i in await store.list_items(owner="cc")] == list(range(2 * n + 1, 3 * n + 1))
    # One card waits per document, due after its newest version (the card waits for edits to settle).
    assert [m.next_attempt_at for m in await store.outbox_messages()] == [later(2)]
