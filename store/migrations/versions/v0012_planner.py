"""Planner sync: each group's plan (`planner_plans`), the buckets made in it (`planner_buckets`) and each item's
task with the fields last agreed with Planner (`planner_tasks`), written before a create goes out.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "planner_plans",
        sa.Column("group", sa.String(100), nullable=False),
        sa.Column("plan_id", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("bucket_mode", sa.String(16), nullable=False),
        sa.Column("linked_at", TIMESTAMP, nullable=False),
        sa.Column("unlinked_at", TIMESTAMP, nullable=True),
        sa.Column("paused_until", TIMESTAMP, nullable=True),
        sa.Column("last_sync_at", TIMESTAMP, nullable=True),
        sa.CheckConstraint("bucket_mode IN ('meeting', 'topic')", name="ck_planner_plans_bucket_mode"),
        sa.PrimaryKeyConstraint("group", name="pk_planner_plans"),
    )
    op.create_table(
        "planner_buckets",
        sa.Column("plan_id", sa.String(200), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("bucket_id", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("plan_id", "name", name="pk_planner_buckets"),
    )
    op.create_table(
        "planner_tasks",
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(100), nullable=False),
        sa.Column("plan_id", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("task_id", sa.String(200), nullable=True),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("bucket_id", sa.String(200), nullable=True),
        sa.Column("seen_title", sa.Text(), nullable=True),
        sa.Column("seen_due", sa.Date(), nullable=True),
        sa.Column("seen_done", sa.Boolean(), nullable=True),
        sa.Column("seen_assignees", sa.JSON(), nullable=True),
        sa.Column("seen_at", TIMESTAMP, nullable=True),
        sa.Column("create_started_at", TIMESTAMP, nullable=True),
        sa.Column("renamed_title", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'linked', 'deleted', 'gone')", name="ck_planner_tasks_state"
        ),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name="fk_planner_tasks_item_id_items"),
        sa.PrimaryKeyConstraint("item_id", name="pk_planner_tasks"),
        sa.UniqueConstraint("task_id", name="uq_planner_tasks_task_id"),
    )
    op.create_index("ix_planner_tasks_group", "planner_tasks", ["group"])
    op.create_index("ix_planner_tasks_plan_id_task_id", "planner_tasks", ["plan_id", "task_id"])


def downgrade() -> None:
    op.drop_index("ix_planner_tasks_plan_id_task_id", table_name="planner_tasks")
    op.drop_index("ix_planner_tasks_group", table_name="planner_tasks")
    op.drop_table("planner_tasks")
    op.drop_table("planner_buckets")
    op.drop_table("planner_plans")
