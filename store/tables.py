"""The SQL schema of the store as SQLAlchemy Core tables; the migrations in store/migrations create it. No I/O."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

# Deterministic constraint names, so a later migration can drop or alter a constraint by name on both backends.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time stored as UTC and read back timezone-aware in UTC on every backend.

    SQLite has no timezone type and PostgreSQL's timestamptz comes back in the session's zone; normalising
    both keeps results identical. Naive datetimes are refused: their zone is a guess."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: pass a timezone-aware datetime")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData(naming_convention=NAMING_CONVENTION)

# Characters in a document key (documents.key, items.document_key, posted_cards.subject, audit_log.subject);
# PostgreSQL enforces it, so sources make longer keys short (sources.local_folder).
DOCUMENT_KEY_LENGTH = 1000

# One row per source file, describing the newest version seen: `status` says whether it was ingested ('ok'),
# could not be read ('failed', with the reason) or is gone ('deleted'). `failure_version` is the version whose
# failure was reported, so each failed version is reported once; the items stay those of the last good version.
documents = Table(
    "documents",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(DOCUMENT_KEY_LENGTH), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("version", String(200)),
    Column("content_hash", String(128)),
    Column("web_url", Text),
    Column("group_name", String(100)),
    Column("meeting_date", Date),
    Column("status", String(16), nullable=False),
    Column("failure_reason", Text),
    Column("people", JSON),  # revision 0008: [{name, initials, role}] as the minutes list them
    Column("failure_version", String(200)),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Revision 0010: first read for a group whose cards go to its secretary first, not yet 'Publicera'd.
    Column("awaiting_review", Boolean, nullable=False, server_default=false()),
    CheckConstraint("status IN ('ok', 'failed', 'deleted')", name="status"),
    # Revision 0002: the chat commands' "latest minutes of my group" and "the minutes of that meeting".
    Index("ix_documents_group_name_meeting_date", "group_name", "meeting_date"),
)

# Action items, decisions and follow-ups alike: a decision is an item of kind 'decision' (no separate table
# or view; search_decisions filters on kind through ix_items_kind_meeting_date). `id` is the short number users
# type; rows are never deleted, so ids are never reused (and SQLite's AUTOINCREMENT guarantees it even then).
# `changed_by`/`changed_at` record the last status change (done, reopened, withdrawn). `search_text` is the
# casefolded topic and text: SQLite's lower() and LIKE fold ASCII only, and Swedish needs å, ä and ö folded.
items = Table(
    "items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(100), nullable=False, unique=True),
    Column("document_key", String(1000), ForeignKey("documents.key"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("topic", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("owners", JSON, nullable=False),
    Column("actors", JSON, nullable=False),
    Column("due", Date),
    Column("due_raw", Text),
    Column("due_relative", String(32)),
    Column("source", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("group_name", String(100)),
    Column("meeting_date", Date),
    Column("search_text", Text, nullable=False),
    Column("changed_by", String(200)),
    Column("changed_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Revision 0005: the due the minutes gave the item when last read. `due` differs from it once a user
    # moved the item; the move stands until the minutes give the item another date.
    Column("document_due", Date),
    Column("document_due_relative", String(32)),
    Column("document_owners", JSON),  # revision 0009: the minutes' owners; `owners` differs once corrected
    CheckConstraint("kind IN ('action', 'decision', 'follow_up')", name="kind"),
    # 'archived' and 'dismissed': revision 0009.
    CheckConstraint("status IN ('open', 'done', 'withdrawn', 'archived', 'dismissed')", name="status"),
    Index("ix_items_document_key", "document_key"),
    Index("ix_items_status_due", "status", "due", "id"),
    Index("ix_items_group_name_status", "group_name", "status"),
    Index("ix_items_kind_meeting_date", "kind", "meeting_date"),
    sqlite_autoincrement=True,
)

# The owner index behind list_items(owner=…): one row per item and casefolded owner. The owners themselves
# live in items.owners as written; this table only makes "any owner equals X, case-insensitively" an index
# lookup that behaves the same on SQLite and PostgreSQL.
item_owners = Table(
    "item_owners",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("owner_key", String(200), primary_key=True),
    Index("ix_item_owners_owner_key", "owner_key"),
)

roster = Table(
    "roster",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("group_name", String(100), nullable=False),
    Column("initials", String(20)),
    Column("name", Text, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("aad_object_id", String(64)),
    Column("upn", String(320)),
    Index("ix_roster_group_name", "group_name"),
)

# Where the bot can post proactively: one row per Teams conversation, the reference as JSON (ConvRef without
# its group, which is the group_name column because users change it). The other columns are copies to query
# by; user_aad_id is casefolded, as Teams and Graph do not agree on the case of an object id.
conversation_references = Table(
    "conversation_references",
    metadata,
    Column("conversation_id", String(500), primary_key=True),
    Column("service_url", Text, nullable=False),
    Column("tenant_id", String(64), nullable=False),
    Column("conversation_type", String(16), nullable=False),
    Column("group_name", String(100)),
    Column("user_aad_id", String(64)),
    Column("reference", JSON, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    CheckConstraint("conversation_type IN ('channel', 'personal', 'groupChat')", name="conversation_type"),
    Index("ix_conversation_references_group_name", "group_name"),
    Index("ix_conversation_references_user_aad_id", "user_aad_id"),
)

# Revision 0007: the groups a channel or group chat follows (default deny: none until told). Personal chats
# follow nothing here: they see the groups whose roster lists the user or whose items the user owns.
conversation_groups = Table(
    "conversation_groups",
    metadata,
    Column("conversation_id", String(500), primary_key=True),
    Column("group_name", String(100), primary_key=True),
    Column("followed_by", String(200), nullable=False),
    Column("followed_at", UtcDateTime, nullable=False),
    Index("ix_conversation_groups_group_name", "group_name"),
)

# Messages to send, written in the same transaction as the change they announce (the transactional outbox);
# a sender claims rows (claimed_by/claimed_until) so several instances never send one message twice.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("conversation_key", String(500)),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", Text),
    Column("claimed_by", String(200)),
    Column("claimed_until", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("parked_at", UtcDateTime),  # revision 0002
    # Revision 0003: how often the message was claimed. A message whose send kills its worker is never
    # settled, so its attempts stay put while its claims grow; claim_outbox parks it past a limit.
    Column("claims", Integer, nullable=False, server_default="0"),
    CheckConstraint("status IN ('pending', 'sent', 'parked')", name="status"),
    Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    sqlite_autoincrement=True,
)

# Cards the bot posted (revision 0002), so that a change updates them where they are instead of posting
# anew: one row per card shown (kind and subject, e.g. 'meeting_summary' and a document key) and
# conversation. An activity shows one card at a time, hence the second unique constraint.
posted_cards = Table(
    "posted_cards",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(50), nullable=False),
    Column("subject", String(1000), nullable=False),
    Column("conversation_id", String(500), nullable=False),
    Column("activity_id", String(200), nullable=False),
    Column("posted_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("kind", "subject", "conversation_id"),
    UniqueConstraint("conversation_id", "activity_id"),
)

# Append-only: the initial migration adds triggers that refuse UPDATE and DELETE on both backends.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(50), nullable=False),
    Column("subject", String(1000), nullable=False),
    Column("origin", String(500), nullable=False),
    Column("detail", Text, nullable=False),
    Index("ix_audit_log_subject", "subject"),
    sqlite_autoincrement=True,
)

# Revision 0003: who runs a scheduled job's slot ('digest.weekly:2024-W36:FLG'). One holder at a time; a
# lease past `until` may be taken over. A slot's lease is kept after the run, so no other instance runs it too.
job_leases = Table(
    "job_leases",
    metadata,
    Column("name", String(300), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("until", UtcDateTime, nullable=False),
)

# Revision 0003: reminders sent, by the reminder workflow's key: the first claimer of a key sends it, and no
# one ever again (a restart, or a second instance, finds the key taken).
sent_reminders = Table(
    "sent_reminders",
    metadata,
    Column("key", String(500), primary_key=True),
    Column("at", UtcDateTime, nullable=False),
)

# Revision 0004: who said 'Inte min' about an item (Entra object id, casefolded), with the item's owners as
# written then: once an edit of the minutes names other owners, the row no longer counts (a re-assignment).
not_mine = Table(
    "not_mine",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("user_aad_id", String(64), primary_key=True),
    Column("owners", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

# Revision 0010: the owners' report-back before a meeting, one row per item and meeting (the latest answer
# stands; each answer is in the audit log). `by` is the Entra object id (casefolded) of who answered.
report_backs = Table(
    "report_backs",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("meeting_date", Date, primary_key=True),
    Column("group", String(200), nullable=False),
    Column("state", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("moved_to", Date, nullable=True),
    Column("by", String(64), nullable=False),
    Column("by_label", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Index("ix_report_backs_group_meeting_date", "group", "meeting_date"),
)

# Revision 0012: each group's Planner plan (one per group; `active` false once unlinked, the tasks left as
# they are), `paused_until` the end of a Retry-After Planner gave.
planner_plans = Table(
    "planner_plans",
    metadata,
    Column("group", String(100), primary_key=True),
    Column("plan_id", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("bucket_mode", String(16), nullable=False),
    Column("linked_at", UtcDateTime, nullable=False),
    Column("unlinked_at", UtcDateTime),
    Column("paused_until", UtcDateTime),
    Column("last_sync_at", UtcDateTime),
    CheckConstraint("bucket_mode IN ('meeting', 'topic')", name="bucket_mode"),
)

# Revision 0012: the buckets the sync made or found, by plan and name ('FLG 26 aug 2024', or a topic).
planner_buckets = Table(
    "planner_buckets",
    metadata,
    Column("plan_id", String(200), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("bucket_id", String(200), nullable=False),
)

# Revision 0012: an item's Planner task (minutes.planner.TaskLink), one row per item. The row is written
# before a create goes out (state 'pending', create_started_at), so a lost answer is looked for, not created
# again. seen_* are the fields last agreed with Planner, all NULL when none are (seen_title NULL);
# seen_assignees a sorted list of Entra ids. task_id is unique; NULLs (no task yet) are distinct on both backends.
planner_tasks = Table(
    "planner_tasks",
    metadata,
    Column("item_id", Integer, ForeignKey("items.id"), primary_key=True),
    Column("group", String(100), nullable=False),
    Column("plan_id", String(200), nullable=False),
    Column("state", String(16), nullable=False),
    Column("task_id", String(200), unique=True),
    Column("etag", Text),
    Column("bucket_id", String(200)),
    Column("seen_title", Text),
    Column("seen_due", Date),
    Column("seen_done", Boolean),
    Column("seen_assignees", JSON),
    Column("seen_at", UtcDateTime),
    Column("create_started_at", UtcDateTime),
    Column("renamed_title", Text),  # the title given in Planner that the secretary was told of
    CheckConstraint("state IN ('pending', 'linked', 'deleted', 'gone')", name="state"),
    Index("ix_planner_tasks_group", "group"),
    Index("ix_planner_tasks_plan_id_task_id", "plan_id", "task_id"),
)

source_cursors = Table(
    "source_cursors",
    metadata,
    Column("source", String(500), primary_key=True),
    Column("cursor", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
