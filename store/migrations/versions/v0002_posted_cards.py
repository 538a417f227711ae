"""Posted cards, when an outbox message was parked, and the index behind the chat commands' meeting lookups.

Revision ID: 0002
Revises: 0001
Create Date: 2024-09-16
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "posted_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(1000), nullable=False),
        sa.Column("conversation_id", sa.String(500), nullable=False),
        sa.Column("activity_id", sa.String(200), nullable=False),
        sa.Column("posted_at", TIMESTAMP, nullable=False),
        sa.Column("updated_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_posted_cards"),
        sa.UniqueConstraint(
            "kind", "subject", "conversation_id", name="uq_posted_cards_kind_subject_conversation_id"
        ),
        sa.UniqueConstraint(
            "conversation_id", "activity_id", name="uq_posted_cards_conversation_id_activity_id"
        ),
    )
    # Plain ALTER TABLE on SQLite too (3.35+ adds and drops an unindexed column in place): batch mode would
    # copy the table and lose its AUTOINCREMENT, which keeps outbox ids from being reused.
    op.add_column("outbox", sa.Column("parked_at", TIMESTAMP, nullable=True))
    op.create_index("ix_documents_group_name_meeting_date", "documents", ["group_name", "meeting_date"])


def downgrade() -> None:
    op.drop_index("ix_documents_group_name_meeting_date", table_name="documents")
    op.drop_column("outbox", "parked_at")
    op.drop_table("posted_cards")
