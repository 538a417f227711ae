"""The people each document's minutes list (attendees with initials and roles), so that a group without a
roster can still be asked for by name ('öppna Eva Lind' finds what 'öppna EL' finds). Documents read
before stay without (NULL: nobody known) until their next version is read.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on SQLite too (see 0002: batch mode would copy the table and lose AUTOINCREMENT).
    op.add_column("documents", sa.Column("people", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("documents", "people")
