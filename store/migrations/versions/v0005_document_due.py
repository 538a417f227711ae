"""The due the minutes gave each item, kept next to its current due, so that a user's move survives edits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
ITEMS = sa.table(
    "items",
    sa.column("key", sa.String()),
    sa.column("document_due", sa.Date()),
    sa.column("document_due_relative", sa.String()),
)
AUDIT = sa.table(
    "audit_log",
    sa.column("id", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("detail", sa.Text()),
)
# Before this revision every ingest that added or updated an item wrote the minutes' due into it, and only
# 'item.moved' (SqlStore.set_due, detail 'old→new') wrote another.
INGEST_WRITES = ("item.added", "item.updated")
MOVED = "item.moved"
RELATIVES = ("next_meeting",)


def upgrade() -> None:
    # Plain ALTER TABLE on SQLite too (see 0002: batch mode would copy the table and lose AUTOINCREMENT).
    op.add_column("items", sa.Column("document_due", sa.Date(), nullable=True))
    op.add_column("items", sa.Column("document_due_relative", sa.String(32), nullable=True))
    op.execute("UPDATE items SET document_due = due, document_due_relative = due_relative")
    moved = minutes_due_of_moved_items(op.get_bind())
    if moved:
        op.get_bind().execute(
            ITEMS.update()
            .where(ITEMS.c.key == sa.bindparam("b_key"))
            .values(document_due=sa.bindparam("b_due"), document_due_relative=sa.bindparam("b_relative")),
            [
                {"b_key": key, "b_due": due, "b_relative": relative}
                for key, (due, relative) in sorted(moved.items())
            ],
        )


def downgrade() -> None:
    op.drop_column("items", "document_due_relative")
    op.drop_column("items", "document_due")


def minutes_due_of_moved_items(connection: sa.Connection) -> dict[str, tuple[date | None, str | None]]:
    """For each item a user moved since ingestion last wrote it, the due it had before that first move:
    the minutes' due. Read from the audit log; a move whose old due cannot be read is left out (its current
    due then stands in for the minutes', so the move stands until the minutes change the item's date)."""
    rows = connection.execute(
        sa.select(AUDIT.c.action, AUDIT.c.subject, AUDIT.c.detail)
        .where(AUDIT.c.action.in_((*INGEST_WRITES, MOVED)))
        .order_by(AUDIT.c.id)
    )
    before_moves: dict[str, tuple[date | None, str | None] | None] = {}  # key: the first move's old due
    for action, subject, detail in rows:
        if action in INGEST_WRITES:
            before_moves.pop(subject, None)
        elif subject not in before_moves:
            before_moves[subject] = parse_due_label(str(detail).split("→", 1)[0])
    return {key: due for key, due in before_moves.items() if due is not None}


def parse_due_label(label: str) -> tuple[date | None, str | None] | None:
    """(due, relative due) of an 'item.moved' detail's old side: an ISO date, a relative due or '-'."""
    label = label.strip()
    if label == "-":
        return None, None
    if label in RELATIVES:
        return None, label
    try:
        return date.fromisoformat(label), None
    except ValueError:
        return None
