"""Groups kept apart: the groups each conversation follows, as rows of their own (a channel or group chat may
follow several). Existing conversations follow none: an operator binds them (`minutesbot channels bind`).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversation_groups",
        sa.Column("conversation_id", sa.String(500), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("followed_by", sa.String(200), nullable=False),
        sa.Column("followed_at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("conversation_id", "group_name", name="pk_conversation_groups"),
    )
    op.create_index("ix_conversation_groups_group_name", "conversation_groups", ["group_name"])


def downgrade() -> None:
    op.drop_index("ix_conversation_groups_group_name", table_name="conversation_groups")
    op.drop_table("conversation_groups")
