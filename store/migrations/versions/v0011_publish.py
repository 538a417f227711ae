"""A group may have a new meeting's card go first to its secretary (`[cards] review_first` in its file): such
a document waits for the secretary's 'Publicera'. `documents.awaiting_review` is true from its first reading
until then; every document read before this revision was published (false).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on SQLite too (see 0002: batch mode would copy the table and lose AUTOINCREMENT).
    op.add_column(
        "documents",
        sa.Column("awaiting_review", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("documents", "awaiting_review")
