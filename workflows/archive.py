"""Archiving by rule: each group's open items long past (its file's `[archive] after_months`) are put aside,
audited, once a day. By hand it is the secretary's (workflows.item_actions)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime
from typing import Protocol

# Who archives by rule, as the audit log names the actor.
ARCHIVE_ACTOR = "minutesbot"


class ArchiveStore(Protocol):
    async def archive_older_than(
        self, group: str, before: date, *, by: str, at: datetime, origin: str, detail: str
    ) -> list[int]: ...


def months_before(day: date, months: int) -> date:
    """The same day `months` months earlier (the month's last day when it has no such day: 31 → 30)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


async def archive_stale(
    store: ArchiveStore, rules: Mapping[str, int], *, now: datetime
) -> dict[str, list[int]]:
    """For each group with a rule, archive its open actions and follow-ups due (else met) more than its
    months before today; the ids archived, by group. Decisions stay in the register."""
    archived: dict[str, list[int]] = {}
    for group, months in sorted(rules.items()):
        archived[group] = await store.archive_older_than(
            group,
            months_before(now.date(), months),
            by=ARCHIVE_ACTOR,
            at=now,
            origin="rule:archive",
            detail=f"äldre än {months} månader",
        )
    return archived
