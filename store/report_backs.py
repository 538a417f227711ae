"""Report-back: the owners' answers before a meeting, one per item and meeting, each audited. Does I/O."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from sqlalchemy import select

from minutes.records import ItemStatus
from minutes.report_back import ReportBack, ReportState
from store.audit import append_audit
from store.database import Repository, listed, upsert
from store.items import LOCK_ITEM, fetch_items, is_item_id
from store.outbox import message_values
from store.outbox_queue import INSERT_OUTBOX
from store.rows import aad_key
from store.tables import report_backs

REPORT_AUDIT = "item.report_back"


class ReportBackRepository(Repository):
    """workflows.report_back.ReportBackLog."""

    async def save_report_back(
        self, report: ReportBack, *, origin: str, notice: tuple[str, dict[str, Any]] | None = None
    ) -> bool:
        """Keep `report` as the item's answer before its meeting (replacing an earlier one), audit it
        ('item.report_back', actor the person) and queue `notice` (kind, payload), in one transaction. False,
        with nothing written, for an unknown or withdrawn item."""
        if not is_item_id(report.item_id):
            return False
        async with self.database.write() as connection:
            found = await fetch_items(connection, LOCK_ITEM, {"b_id": report.item_id})
            if not found or found[0].status is ItemStatus.WITHDRAWN:
                return False
            await upsert(
                connection,
                report_backs,
                {
                    "item_id": report.item_id,
                    "meeting_date": report.meeting_date,
                    "group": report.group,
                    "state": report.state.value,
                    "note": report.note,
                    "moved_to": report.moved_to,
                    "by": aad_key(report.by),
                    "by_label": report.by_label,
                    "at": report.at,
                },
                key=("item_id", "meeting_date"),
            )
            moved = f" {report.moved_to.isoformat()}" if report.moved_to else ""
            await append_audit(
                connection,
                at=report.at,
                actor=aad_key(report.by),
                action=REPORT_AUDIT,
                subject=found[0].key,
                origin=origin,
                detail=f"#{report.item_id} {report.meeting_date.isoformat()} {report.state.value}{moved}",
            )
            if notice is not None:
                kind, payload = notice
                await connection.execute(
                    INSERT_OUTBOX, message_values(kind, payload, conversation_key=None, at=report.at)
                )
        return True

    async def report_backs(
        self, group: str, meeting_date: date, *, item_ids: Collection[int] | None = None
    ) -> dict[int, ReportBack]:
        """The answers about `group`'s items before its meeting on `meeting_date`, by item id (only those of
        `item_ids` when given)."""
        query = select(report_backs).where(
            report_backs.c.group == group, report_backs.c.meeting_date == meeting_date
        )
        parameters: dict[str, Any] = {}
        if item_ids is not None:
            if not item_ids:
                return {}
            query = query.where(report_backs.c.item_id.in_(listed("b_ids")))
            parameters["b_ids"] = sorted(set(item_ids))
        async with self.database.read() as connection:
            rows = (await connection.execute(query, parameters)).all()
        return {
            row.item_id: ReportBack(
                item_id=row.item_id,
                group=row.group,
                meeting_date=row.meeting_date,
                state=ReportState(row.state),
                note=row.note,
                by=row.by,
                by_label=row.by_label,
                at=row.at,
                moved_to=row.moved_to,
            )
            for row in rows
        }
