"""Report-back: the owners' answers about their returning items before a meeting ('Läge', and Klar, Pågår,
Behöver stöd or Flytta till …), one row per item and meeting.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "report_backs",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("group", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("moved_to", sa.Date(), nullable=True),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("by_label", sa.String(200), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_report_backs_item_id_items"),
        sa.PrimaryKeyConstraint("item_id", "meeting_date", name="pk_report_backs"),
    )
    op.create_index("ix_report_backs_group_meeting_date", "report_backs", ["group", "meeting_date"])


def downgrade() -> None:
    op.drop_index("ix_report_backs_group_meeting_date", table_name="report_backs")
    op.drop_table("report_backs")
