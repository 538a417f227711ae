"""Initial schema: documents, items and their owners, roster, conversation references, outbox, audit log, cursors.

Revision ID: 0001
Revises:
Create Date: 2024-09-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(1000), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.String(200), nullable=True),
        sa.Column("content_hash", sa.String(128), nullable=True),
        sa.Column("web_url", sa.Text(), nullable=True),
        sa.Column("group_name", sa.String(100), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("failure_version", sa.String(200), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("status IN ('ok', 'failed', 'deleted')", name="ck_documents_status"),
        sa.PrimaryKeyConstraint("id", name="pk_documents"),
        sa.UniqueConstraint("key", name="uq_documents_key"),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("document_key", sa.String(1000), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("actors", sa.JSON(), nullable=False),
        sa.Column("due", sa.Date(), nullable=True),
        sa.Column("due_raw", sa.Text(), nullable=True),
        sa.Column("due_relative", sa.String(32), nullable=True),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=True),
        sa.Column("meeting_date", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("changed_by", sa.String(200), nullable=True),
        sa.Column("changed_at", TIMESTAMP, nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint("kind IN ('action', 'decision', 'follow_up')", name="ck_items_kind"),
        sa.CheckConstraint("status IN ('open', 'done', 'withdrawn')", name="ck_items_status"),
        sa.ForeignKeyConstraint(["document_key"], ["documents.key"], name="fk_items_document_key_documents"),
        sa.PrimaryKeyConstraint("id", name="pk_items"),
        sa.UniqueConstraint("key", name="uq_items_key"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_items_document_key", "items", ["document_key"])
    op.create_index("ix_items_status_due", "items", ["status", "due", "id"])
    op.create_index("ix_items_group_name_status", "items", ["group_name", "status"])
    op.create_index("ix_items_kind_meeting_date", "items", ["kind", "meeting_date"])
    op.create_table(
        "item_owners",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("owner_key", sa.String(200), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_item_owners_item_id_items"),
        sa.PrimaryKeyConstraint("item_id", "owner_key", name="pk_item_owners"),
    )
    op.create_index("ix_item_owners_owner_key", "item_owners", ["owner_key"])
    op.create_table(
        "roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("initials", sa.String(20), nullable=True),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("aad_object_id", sa.String(64), nullable=True),
        sa.Column("upn", sa.String(320), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_roster"),
    )
    op.create_index("ix_roster_group_name", "roster", ["group_name"])
    op.create_table(
        "conversation_references",
        sa.Column("conversation_id", sa.String(500), nullable=False),
        sa.Column("service_url", sa.Text(), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("conversation_type", sa.String(16), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=True),
        sa.Column("user_aad_id", sa.String(64), nullable=True),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.CheckConstraint(
            "conversation_type IN ('channel', 'personal', 'groupChat')",
            name="ck_conversation_references_conversation_type",
        ),
        sa.PrimaryKeyConstraint("conversation_id", name="pk_conversation_references"),
    )
    op.create_index("ix_conversation_references_group_name", "conversation_references", ["group_name"])
    op.create_index("ix_conversation_references_user_aad_id", "conversation_references", ["user_aad_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("conversation_key", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TIMESTAMP, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by", sa.String(200), nullable=True),
        sa.Column("claimed_until", TIMESTAMP, nullable=True),
        sa.Column("sent_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("status IN ('pending', 'sent', 'parked')", name="ck_outbox_status"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=False),
        sa.Column("origin", sa.String(500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_subject", "audit_log", ["subject"])
    _make_audit_log_append_only()
    op.create_table(
        "source_cursors",
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("source", name="pk_source_cursors"),
    )


def _make_audit_log_append_only() -> None:
    """Refuse UPDATE and DELETE (and TRUNCATE) on audit_log in the database itself, not only in the code."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_append_only_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table("source_cursors")
    op.drop_table("audit_log")  # and its triggers
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION audit_log_append_only()")
    op.drop_table("outbox")
    op.drop_table("conversation_references")
    op.drop_table("roster")
    op.drop_table("item_owners")
    op.drop_table("items")
    op.drop_table("documents")
