"""The ports the workflows call: small Protocols that the store and the sources satisfy structurally."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from minutes.model import Person
from minutes.planner import (
    PlanLink,
    PlannerBucket,
    PlannerPlan,
    PlannerTask,
    TaskChange,
    TaskDraft,
    TaskLink,
)
from minutes.reconcile import Reconciliation
from minutes.records import (
    AuditEntry,
    ConversationType,
    ConvRef,
    DocumentRecord,
    DocumentRef,
    DocumentTooLarge,
    ItemFilter,
    ItemPage,
    ItemRecord,
    ItemStatus,
    PostedCard,
    RosterEntry,
    SourceError,
)
from minutes.report_back import ReportBack
from workflows.outbox import OutboxMessage

__all__ = [
    "DocumentTooLarge",
    "SourceError",
]  # raised by sources; defined where every adapter can import them


class UnknownConversation(LookupError):
    """follow_group or unfollow_group was given a conversation the store has no reference for (none was
    saved)."""


class DocumentSource(Protocol):
    """Where minutes files come from: a SharePoint library or a local folder."""

    @property
    def name(self) -> str: ...

    async def changes(self) -> Sequence[DocumentRef]:
        """New, edited and deleted files since the last call (the source keeps its own cursor)."""
        ...

    async def download(self, ref: DocumentRef, *, max_bytes: int) -> bytes:
        """The file's bytes; DocumentTooLarge past `max_bytes` (also when the file grows while read)."""
        ...

    async def commit(self) -> None:
        """Remember that the changes returned so far are applied: the cursor moves only now, so a crash
        in between replays them (ingestion is idempotent) instead of losing them."""
        ...


class CursorStore(Protocol):
    """Where a source keeps its place between runs (a Graph deltaLink)."""

    async def get_cursor(self, source: str) -> str | None: ...

    async def save_cursor(self, source: str, cursor: str) -> None: ...


class IngestStore(CursorStore, Protocol):
    """What ingestion needs of the store."""

    async def get_document(self, key: str) -> DocumentRecord | None: ...

    async def items_of_document(self, document_key: str) -> list[ItemRecord]: ...

    async def save_ingest(
        self,
        document: DocumentRecord,
        changes: Reconciliation,
        *,
        at: datetime,
        origin: str,
        announce_at: datetime | None = None,
    ) -> list[ItemRecord]:
        """In one transaction: upsert the document, insert added items, update changed ones (status kept),
        mark vanished ones withdrawn, append an audit entry per change and, when anything changed, one outbox
        message announcing the document, due at `announce_at` (default `at`; one waiting per document, pushed
        by each new version). Returns the document's live items as stored (with ids)."""
        ...

    async def record_failure(self, ref: DocumentRef, reason: str, *, at: datetime, origin: str) -> bool:
        """Keep a failed file with its reason; True when this is news (first failure of this version)."""
        ...

    async def mark_deleted(self, ref: DocumentRef, *, at: datetime, origin: str) -> list[ItemRecord]:
        """The file is gone from its source: the document is marked deleted, its open items withdrawn, and
        its card announced again (the cards posted say the minutes are gone)."""
        ...


class ItemQueries(Protocol):
    """What the command line and the bot ask of stored items."""

    async def list_items(
        self,
        *,
        open_only: bool = False,
        owner: str | None = None,
        group: str | None = None,
        published_only: bool = False,
    ) -> list[ItemRecord]: ...

    async def search_decisions(self, text: str | None = None) -> list[ItemRecord]: ...

    async def audit_log(self, subject: str | None = None) -> list[AuditEntry]: ...


class RosterStore(Protocol):
    async def save_roster(self, group: str, entries: Sequence[RosterEntry]) -> None: ...

    async def roster(self, group: str) -> list[RosterEntry]: ...


class FollowingStore(RosterStore, Protocol):
    """Which groups a conversation follows (default deny), and a user's own groups."""

    async def save_conversation(self, ref: ConvRef, *, at: datetime) -> None: ...

    async def follow_group(
        self, conversation_id: str, group: str, *, by: str, at: datetime, origin: str
    ) -> bool:
        """Audited; False when it follows the group already; UnknownConversation without a saved reference."""
        ...

    async def unfollow_group(
        self, conversation_id: str, group: str, *, by: str, at: datetime, origin: str
    ) -> bool: ...

    async def followed_groups(self, conversation_id: str) -> frozenset[str]: ...

    async def groups_of_user(self, user_aad_id: str | None, name: str | None) -> frozenset[str]:
        """The groups whose roster lists the user, or where an item's owner is written as their name."""
        ...


class ReportStore(FollowingStore, Protocol):
    """What the follow-through report reads: a group's items of a period and their history, and its roster."""

    async def group_names(self) -> list[str]: ...

    async def items_met_between(self, group: str, start: date, end: date) -> list[ItemRecord]:
        """The group's items of meetings from `start` to `end` (both included), whatever their status."""
        ...

    async def item_audit_between(
        self, group: str, start: date, end: date, actions: Sequence[str]
    ) -> list[AuditEntry]:
        """The entries of `actions` about those items, oldest first."""
        ...


class ChatStore(ItemQueries, ReportStore, Protocol):
    """What the chat use cases ask of the store: items by number, their changes, meetings, conversations."""

    async def get_item(self, item_id: int) -> ItemRecord | None: ...

    async def publish_document(self, key: str, *, by: str, at: datetime, origin: str) -> bool: ...

    async def get_document(self, key: str) -> DocumentRecord | None: ...

    async def items_of_document(self, document_key: str) -> list[ItemRecord]: ...

    async def set_status(
        self, item_id: int, status: ItemStatus, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None: ...

    async def set_due(
        self, item_id: int, due: date, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None: ...

    async def archive_item(
        self, item_id: int, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None: ...

    async def restore_item(
        self, item_id: int, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None: ...

    async def dismiss_item(
        self, item_id: int, *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None: ...

    async def set_owners(
        self, item_id: int, owners: Sequence[str], *, by: str, at: datetime, origin: str
    ) -> ItemRecord | None: ...

    async def record_not_mine(
        self,
        item_id: int,
        user_aad_id: str,
        *,
        at: datetime,
        origin: str,
        notice: tuple[str, dict[str, Any]] | None = None,
    ) -> bool:
        """The person says the item is not theirs (audited, and `notice` queued, in the same transaction); True
        when this is news, False when they said so already about the same owners, or the item is unknown or
        withdrawn (nothing written)."""
        ...

    async def latest_document(self, group: str | None) -> DocumentRecord | None: ...

    async def report_backs(
        self, group: str, meeting_date: date, *, item_ids: Collection[int] | None = None
    ) -> dict[int, ReportBack]:
        """The owners' answers about `group`'s items before its meeting on `meeting_date`, by item id."""
        ...

    async def minutes_people(self, group: str) -> list[Person]:
        """The people the group's latest minutes list, each name once (who a group without a roster is)."""
        ...

    async def documents(self, *, group: str | None = None) -> list[DocumentRecord]: ...

    async def document_for_meeting(self, group: str | None, meeting_date: date) -> DocumentRecord | None: ...

    async def follow_up_items(self, group: str | None) -> list[ItemRecord]: ...

    async def item_page(self, spec: ItemFilter, *, limit: int, today: date, offset: int = 0) -> ItemPage: ...

    async def group_names(self) -> list[str]: ...

    async def items_due_between(
        self, start: date, end: date, *, group: str | None = None, open_only: bool = True
    ) -> list[ItemRecord]: ...

    async def overdue_items(self, today: date, *, group: str | None = None) -> list[ItemRecord]: ...

    async def save_conversation(self, ref: ConvRef, *, at: datetime) -> None: ...

    async def conversation(self, conversation_id: str) -> ConvRef | None: ...

    async def personal_conversation(self, user_aad_id: str) -> ConvRef | None: ...

    async def conversations(
        self, *, group: str | None = None, conversation_type: ConversationType | None = None
    ) -> list[ConvRef]: ...

    async def record_posted_card(
        self, kind: str, subject: str, conversation_id: str, activity_id: str, *, at: datetime
    ) -> None: ...

    async def posted_cards(self, kind: str, subject: str) -> list[PostedCard]: ...

    async def posted_card_by_activity(self, conversation_id: str, activity_id: str) -> PostedCard | None: ...

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, conversation_key: str | None, at: datetime
    ) -> int: ...

    async def task_links_of_items(self, item_ids: Collection[int]) -> dict[int, TaskLink]:
        """The items' Planner tasks (workflows/task_links.py links the cards to them)."""
        ...


class OutboxStore(ChatStore, Protocol):
    """The sender's view: claim pending messages, then mark each sent, retry later or park it."""

    async def followers(self, group: str) -> list[ConvRef]:
        """The channels and group chats that follow `group`."""
        ...

    async def claim_outbox(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxMessage]: ...

    async def mark_sent(self, message_id: int, *, at: datetime) -> None: ...

    async def mark_retry(self, message_id: int, *, error: str, next_attempt_at: datetime) -> None: ...

    async def park(self, message_id: int, *, error: str, at: datetime) -> None: ...

    async def defer(self, message_id: int, *, until: datetime) -> None:
        """Put a claimed message back, untried and its claim not counted, until `until`."""
        ...


# --- Planner (workflows/planner_sync.py) -----------------------------------------------------------------


class PlannerApi(Protocol):
    """Microsoft Planner for one tenant (graph/planner.py). Every call names its plan: the adapter paces and
    counts requests per plan. Errors: minutes.planner.PlannerConflict (412: re-read), PlannerNotFound (404),
    PlannerThrottled (429 past the retries), PlannerUncertain (a create that may have happened), PlannerError."""

    async def get_plan(self, plan_id: str) -> PlannerPlan: ...

    async def create_plan(self, group_id: str, title: str) -> PlannerPlan:
        """A plan in the Microsoft 365 group `group_id` (its container), so only that group's members see it."""
        ...

    async def label_unassigned(self, plan_id: str, label: str) -> None:
        """Name the plan's category1 (the label of tasks whose owners Planner cannot assign)."""
        ...

    async def buckets(self, plan_id: str) -> list[PlannerBucket]: ...

    async def create_bucket(self, plan_id: str, name: str) -> PlannerBucket: ...

    async def tasks(self, plan_id: str) -> list[PlannerTask]:
        """Every task of the plan, all pages."""
        ...

    async def get_task(self, plan_id: str, task_id: str) -> PlannerTask | None:
        """The task now; None when it is gone."""
        ...

    async def create_task(self, plan_id: str, draft: TaskDraft) -> PlannerTask:
        """Create the task with its description, sent once (never retried by the HTTP layer: a retried POST
        could make two tasks). PlannerUncertain when it may have been created anyway."""
        ...

    async def update_task(self, plan_id: str, task_id: str, etag: str, change: TaskChange) -> PlannerTask:
        """PATCH with If-Match `etag`; the task as it is after. PlannerConflict on 412."""
        ...

    async def delete_task(self, plan_id: str, task_id: str, etag: str) -> None:
        """DELETE with If-Match `etag`; a task already gone is fine. PlannerConflict on 412."""
        ...

    def requests_made(self, plan_id: str) -> int:
        """How many requests went to Planner for this plan since the adapter started (retries included):
        the sync keeps within its budget per run by it."""
        ...


class PlannerStore(Protocol):
    """What the Planner sync needs of the store (store/planner.py), beside ChatStore's items and outbox."""

    async def plan_link(self, group: str) -> PlanLink | None: ...

    async def plan_links(self) -> list[PlanLink]: ...

    async def save_plan_link(self, link: PlanLink) -> None:
        """Insert or replace the group's plan link (one per group)."""
        ...

    async def bucket_id(self, plan_id: str, name: str) -> str | None: ...

    async def save_bucket(self, plan_id: str, name: str, bucket_id: str) -> None: ...

    async def task_links(self, group: str) -> list[TaskLink]: ...

    async def task_link(self, item_id: int) -> TaskLink | None: ...

    async def task_links_of_items(self, item_ids: Collection[int]) -> dict[int, TaskLink]: ...

    async def save_task_link(self, link: TaskLink) -> None:
        """Insert or replace the item's link (one per item)."""
        ...

    async def begin_create(self, link: TaskLink, *, at: datetime) -> bool:
        """Record that a create goes out for the item (state pending, create_started_at = at) before it is sent,
        in its own transaction. False when another instance began one less than a lease ago."""
        ...

    async def group_items(self, group: str) -> list[ItemRecord]:
        """Every item of the group that is published (not awaiting the secretary's review), any status."""
        ...
