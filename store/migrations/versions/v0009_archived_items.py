"""Items may be archived: the status 'archived' (long past, put aside by the group's secretary or its rule;
reversible). Only the items' CHECK constraint on status changes: it admits one value more.

On SQLite a CHECK constraint cannot be altered in place and rebuilding `items` would trip the foreign keys of
item_owners and not_mine (and lose nothing only with care); SQLite documents editing the table's schema text
for a change that loosens a CHECK constraint (lang_altertable.html, 'Making Other Kinds Of Table Schema
Changes'), which is what this does, bumping schema_version as that page says. PostgreSQL drops and adds it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = "status IN ('open', 'done', 'withdrawn')"
AFTER = "status IN ('open', 'done', 'withdrawn', 'archived')"


def upgrade() -> None:
    _replace_check(BEFORE, AFTER)


def downgrade() -> None:
    # An archived item goes back to open: the older schema has no other place for it.
    op.execute("UPDATE items SET status = 'open' WHERE status = 'archived'")
    _replace_check(AFTER, BEFORE)


def _replace_check(old: str, new: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        schema = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'items'")
        sql = schema.scalar_one()
        if old not in sql:
            raise RuntimeError("items: the status CHECK constraint is not the one this revision expects")
        version = bind.exec_driver_sql("PRAGMA schema_version").scalar_one()
        bind.exec_driver_sql("PRAGMA writable_schema = ON")
        bind.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'items'",
            (sql.replace(old, new),),
        )
        bind.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
        bind.exec_driver_sql("PRAGMA writable_schema = OFF")
        return
    names = bind.execute(
        sa.text(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype = 'c' "
            "AND pg_get_constraintdef(oid) LIKE '%status%'"
        )
    ).scalars()
    # op.f: the names are final (the naming convention would prefix them again).
    for name in list(names):
        op.drop_constraint(op.f(name), "items", type_="check")
    op.create_check_constraint(op.f("ck_items_ck_items_status"), "items", sa.text(new))
