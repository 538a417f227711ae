"""Job leases (one instance runs each scheduled slot), sent reminders, and a claim count per outbox message.

Revision ID: 0003
Revises: 0002
Create Date: 2024-09-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "job_leases",
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("until", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_job_leases"),
    )
    op.create_table(
        "sent_reminders",
        sa.Column("key", sa.String(500), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_sent_reminders"),
    )
    # Plain ALTER TABLE on SQLite too (see 0002: batch mode would copy the table and lose AUTOINCREMENT).
    # The server default fills the rows already there; claim_outbox counts from it.
    op.add_column("outbox", sa.Column("claims", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("outbox", "claims")
    op.drop_table("sent_reminders")
    op.drop_table("job_leases")
