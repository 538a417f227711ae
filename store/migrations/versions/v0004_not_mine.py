"""'Inte min': who said an item is not theirs, so that the reminder tick sends it to the secretary instead.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "not_mine",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("user_aad_id", sa.String(64), nullable=False),
        # The item's owners as written when it was said: a later edit of the minutes that names other owners
        # (a re-assignment) makes the row stale, and the reminders follow the new owners again.
        sa.Column("owners", sa.JSON(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_not_mine_item_id_items"),
        sa.PrimaryKeyConstraint("item_id", "user_aad_id", name="pk_not_mine"),
    )


def downgrade() -> None:
    op.drop_table("not_mine")
