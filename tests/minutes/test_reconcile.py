"""Reconciliation of an edited document's items with the stored ones: identity and status survive edits."""

from __future__ import annotations

from dataclasses import replace

from minutes.model import ItemKind
from minutes.reconcile import reconcile
from minutes.records import ItemRecord, ItemStatus


def record(
    text: str, source: str, *, topic: str = "Budget", key: str | None = None, item_id: int | None = None
) -> ItemRecord:
    return ItemRecord(
        key=key or f"k-{source}",
        document_key="doc",
        kind=ItemKind.ACTION,
        topic=topic,
        text=text,
        owners=("EK",),
        actors=(),
        due=None,
        due_raw=None,
        due_relative=None,
        source=source,
        id=item_id,
    )


OLD = [
    record("Ta fram ett förslag till budget.", "t1.r1.c1.0", item_id=1),
    replace(
        record("Boka visning av lokalerna.", "t1.r2.c1.0", topic="Lokaler", item_id=2), status=ItemStatus.DONE
    ),
    record("Annonsera tjänsten.", "t1.r3.c1.0", topic="Rekrytering", item_id=3),
]


def test_the_same_items_change_nothing() -> None:
    fresh = [replace(o, key="new", id=None, status=ItemStatus.OPEN) for o in OLD]
    result = reconcile(OLD, fresh)
    assert not result.changed and result.unchanged == tuple(OLD)


def test_a_typo_fix_keeps_identity_id_and_status() -> None:
    fresh = [
        replace(OLD[0], key="x", id=None),
        replace(OLD[1], key="y", id=None, status=ItemStatus.OPEN, text="Boka en visning av lokalerna."),
        replace(OLD[2], key="z", id=None),
    ]
    result = reconcile(OLD, fresh)
    ((old, new),) = result.updated
    assert (new.key, new.id, new.status, new.text) == (
        OLD[1].key,
        2,
        ItemStatus.DONE,
        "Boka en visning av lokalerna.",
    )
    assert not result.added and not result.withdrawn


def test_a_moved_row_is_found_by_its_wording() -> None:
    fresh = [
        replace(OLD[2], key="z", id=None, source="t1.r1.c1.0"),
        replace(OLD[0], key="x", id=None, source="t1.r2.c1.0"),
    ]
    result = reconcile(OLD, fresh)
    assert {new.id for _, new in result.updated} == {1, 3}
    assert result.withdrawn == (OLD[1],)


def test_a_rewritten_row_at_the_same_place_and_topic_is_the_same_item() -> None:
    fresh = [
        replace(OLD[0], key="x", id=None, text="Ekonomichefen presenterar ett helt nytt upplägg i oktober.")
    ]
    result = reconcile(OLD[:1], fresh)
    assert [new.id for _, new in result.updated] == [1]


def test_new_and_vanished_rows() -> None:
    fresh = [
        replace(OLD[0], key="x", id=None),
        record("Kalla till möte.", "t1.r4.c1.0", topic="Nytt", key="new"),
    ]
    result = reconcile(OLD, fresh)
    assert [a.key for a in result.added] == ["new"]
    assert {w.id for w in result.withdrawn} == {2, 3}


def test_a_row_that_returns_revives_its_withdrawn_item() -> None:
    gone = replace(OLD[0], status=ItemStatus.WITHDRAWN)
    result = reconcile([gone], [replace(OLD[0], key="again", id=None)])
    ((old, new),) = result.updated
    assert (new.key, new.id, new.status) == (gone.key, 1, ItemStatus.OPEN) and not result.added


def test_identical_rows_get_distinct_keys() -> None:
    twin = record("Boka möte.", "t1.r1.c1.0", key="same")
    result = reconcile([], [twin, replace(twin, source="t1.r2.c1.0")])
    assert [a.key for a in result.added] == ["same", "same-2"]
