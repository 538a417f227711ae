"""NotMineRepository on SQLite and PostgreSQL: 'Inte min' recorded once, with its notice, and kept until the
minutes re-assign the item."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.exc import StatementError

from minutes.records import ItemStatus
from store import SqlStore
from tests.store.builders import FLG_V1, MONDAY, document, ingest, later


async def test_not_mine_is_recorded_once_audited_and_read_back(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    rn_item = next(i for i in live if i.owners == ("RN",))
    assert rn_item.id is not None
    assert await store.not_mine_items() == {}
    assert await store.record_not_mine(rn_item.id, "AAD-RN", at=MONDAY, origin="teams:19:flg")
    assert not await store.record_not_mine(rn_item.id, "aad-rn", at=later(1), origin="teams:19:flg")
    assert await store.record_not_mine(rn_item.id, "aad-yk", at=later(1), origin="teams:19:flg")
    assert await store.not_mine_items() == {rn_item.id: frozenset({"aad-rn", "aad-yk"})}
    audit = [a for a in await store.audit_log(rn_item.key) if a.action == "item.not_mine"]
    assert [(a.actor, a.detail) for a in audit] == [
        ("aad-rn", f"#{rn_item.id}"),
        ("aad-yk", f"#{rn_item.id}"),
    ]
    assert not await store.record_not_mine(10**6, "aad-rn", at=MONDAY, origin="teams:19:flg")


async def test_not_mine_queues_its_notice_with_the_record_or_not_at_all(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    rn_item = next(i for i in live if i.owners == ("RN",))
    assert rn_item.id is not None
    notice = ("secretary_notice", {"group": "FLG", "text": "inte min"})
    assert await store.record_not_mine(rn_item.id, "aad-rn", at=MONDAY, origin="test", notice=notice)
    assert not await store.record_not_mine(rn_item.id, "aad-rn", at=later(1), origin="test", notice=notice)

    async def notices() -> list[tuple[str, dict[str, object]]]:
        return [(m.kind, m.payload) for m in await store.outbox_messages() if m.kind == "secretary_notice"]

    assert await notices() == [notice]
    # A notice that cannot be written (a lost connection, a full disk) takes the record down with it.
    unwritable = ("secretary_notice", {"group": "FLG", "text": object()})
    with pytest.raises(StatementError):
        await store.record_not_mine(rn_item.id, "aad-yk", at=MONDAY, origin="test", notice=unwritable)
    assert await store.not_mine_items() == {rn_item.id: frozenset({"aad-rn"})}
    assert [a.actor for a in await store.audit_log(rn_item.key) if a.action == "item.not_mine"] == ["aad-rn"]
    assert await store.record_not_mine(rn_item.id, "aad-yk", at=later(2), origin="test", notice=notice)
    assert await notices() == [notice, notice]


async def test_not_mine_of_an_item_done_no_longer_counts(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    item_id = live[0].id
    assert item_id is not None
    await store.record_not_mine(item_id, "aad-aa", at=MONDAY, origin="test")
    await store.set_status(item_id, ItemStatus.DONE, by="aad-yk", at=later(1), origin="test")
    assert await store.not_mine_items() == {}


async def test_minutes_that_name_other_owners_clear_not_mine(store: SqlStore) -> None:
    """A re-assignment: the secretary writes another owner into the minutes. The old 'Inte min' no longer
    counts; the new owner gets the reminders, and may say 'Inte min' afresh (so may the old one again)."""
    _, live = await ingest(store, document(), FLG_V1)
    rn_item = next(i for i in live if i.owners == ("RN",))
    assert rn_item.id is not None
    await store.record_not_mine(rn_item.id, "aad-rn", at=MONDAY, origin="test")
    edited = [replace(i, owners=("AA",)) if i.key == rn_item.key else i for i in FLG_V1]
    _, live = await ingest(store, document(version="v2"), edited, at=later(2))
    assert next(i for i in live if i.key == rn_item.key).owners == ("AA",)
    assert await store.not_mine_items() == {}
    assert await store.record_not_mine(rn_item.id, "aad-rn", at=later(3), origin="test")
    assert await store.not_mine_items() == {rn_item.id: frozenset({"aad-rn"})}
