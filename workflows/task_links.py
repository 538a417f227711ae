"""Where each item's Planner task opens, for the cards that link to it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from minutes.planner import SyncState, TaskLink, task_web_url
from minutes.records import ItemRecord


class TaskLinkReader(Protocol):
    async def task_links_of_items(self, item_ids: Collection[int]) -> dict[int, TaskLink]: ...


async def task_urls(store: TaskLinkReader, items: Sequence[ItemRecord]) -> dict[int, str]:
    """Item number → its task's web address, for the items linked to a task now."""
    ids = [item.id for item in items if item.id is not None]
    if not ids:
        return {}
    links = await store.task_links_of_items(ids)
    return {
        item_id: task_web_url(link.plan_id, link.task_id)
        for item_id, link in links.items()
        if link.state is SyncState.LINKED and link.task_id
    }
