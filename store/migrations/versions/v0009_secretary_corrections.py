"""The group's secretary corrects items from Teams: the status 'archived' (long past, put aside by the
secretary or the group's rule; reversible), the status 'dismissed' ('inte en uppgift': the secretary says the
minutes' row is no task; it stays so through later edits of the minutes, unlike 'withdrawn'), and
`document_owners`, the owners the minutes gave an item when last read, so that owners the secretary set stand
until the minutes name others (as document_due keeps a moved date, revision 0005). The items' CHECK constraint
on status admits the two values; existing items' document_owners are their owners.

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
AFTER = "status IN ('open', 'done', 'withdrawn', 'archived', 'dismissed')"


def upgrade() -> None:
    _replace_check(BEFORE, AFTER)
    # Plain ALTER TABLE on SQLite too (see 0002: batch mode would copy the table and lose AUTOINCREMENT).
    op.add_column("items", sa.Column("document_owners", sa.JSON(), nullable=True))
    op.execute("UPDATE items SET document_owners = owners")


def downgrade() -> None:
    # The older schema has no place for these: an archived item is open again, a dismissed one withdrawn.
    op.execute("UPDATE items SET status = 'open' WHERE status = 'archived'")
    op.execute("UPDATE items SET status = 'withdrawn' WHERE status = 'dismissed'")
    op.drop_column("items", "document_owners")
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
