"""ReportBackRepository on SQLite and PostgreSQL: an answer per item and meeting (the latest stands), audited with
its notice in one transaction, read back by group and meeting; nothing for an unknown or withdrawn item."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy.exc import StatementError

from minutes.records import ItemStatus
from minutes.report_back import ReportBack, ReportState
from store import SqlStore
from tests.store.builders import FLG_V1, document, ingest, later

MEETING = date(2024, 9, 9)


def answer(item_id: int, state: ReportState = ReportState.ONGOING, **fields: object) -> ReportBack:
    base = ReportBack(item_id, "FLG", MEETING, state, "Utkast klart", "AAD-RN", "RN", later(1))
    return replace(base, **fields)  # type: ignore[arg-type]


async def test_an_answer_is_kept_audited_and_replaced_by_a_later_one(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    first, second = live[0].id, live[1].id
    assert first is not None and second is not None
    assert await store.report_backs("FLG", MEETING) == {}
    assert await store.save_report_back(answer(first), origin="teams:a:1")
    moved = answer(first, ReportState.MOVE, note="", moved_to=date(2024, 9, 20), at=later(2))
    assert await store.save_report_back(moved, origin="teams:a:1")
    assert await store.save_report_back(answer(second, ReportState.NEEDS_SUPPORT), origin="teams:a:1")
    found = await store.report_backs("FLG", MEETING)
    # The Entra id is kept casefolded, as every other id of a person.
    assert found == {
        first: replace(moved, by="aad-rn"),
        second: replace(answer(second, ReportState.NEEDS_SUPPORT), by="aad-rn"),
    }
    assert await store.report_backs("FLG", MEETING, item_ids=[second]) == {second: found[second]}
    assert await store.report_backs("FLG", MEETING, item_ids=[]) == {}
    assert await store.report_backs("FLG", date(2024, 9, 23)) == {}
    assert await store.report_backs("FSG", MEETING) == {}
    audit = [
        (a.actor, a.detail) for a in await store.audit_log(live[0].key) if a.action == "item.report_back"
    ]
    assert audit == [
        ("aad-rn", f"#{first} 2024-09-09 pagar"),
        ("aad-rn", f"#{first} 2024-09-09 flytta 2024-09-20"),
    ]


async def test_the_notice_is_queued_with_the_answer_or_not_at_all(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    item_id = live[0].id
    assert item_id is not None
    notice = ("secretary_notice", {"group": "FLG", "title": "Behöver stöd", "text": "RN behöver stöd"})
    assert await store.save_report_back(answer(item_id, ReportState.NEEDS_SUPPORT), origin="t", notice=notice)
    assert [(m.kind, m.payload) for m in await store.outbox_messages() if m.kind == "secretary_notice"] == [
        notice
    ]
    unwritable = ("secretary_notice", {"group": "FLG", "text": object()})
    with pytest.raises(StatementError):
        await store.save_report_back(answer(item_id, ReportState.DONE), origin="t", notice=unwritable)
    assert (await store.report_backs("FLG", MEETING))[item_id].state is ReportState.NEEDS_SUPPORT


async def test_nothing_is_kept_for_an_unknown_or_withdrawn_item(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    item_id = live[0].id
    assert item_id is not None
    assert not await store.save_report_back(answer(10**6), origin="t")
    await ingest(store, document(), FLG_V1[1:], at=later(3))
    assert (await store.get_item(item_id)).status is ItemStatus.WITHDRAWN  # type: ignore[union-attr]
    assert not await store.save_report_back(answer(item_id), origin="t")
    assert await store.report_backs("FLG", MEETING) == {}
