"""One reference per channel: fold the channel-thread references earlier versions saved into their channel.

Before this revision every @mention in a channel saved the thread it came on ('19:…@thread.tacv2;messageid=…')
as a conversation of its own, so meeting cards and digests went to each such thread as well as to the
channel. Each thread row becomes its channel's row (created from the thread's when the channel has none,
without the writer's user ids) and is removed; the channel keeps the group either of them followed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out rather than taken from store.tables, so that later changes to the tables never rewrite history.
CONVERSATIONS = sa.table(
    "conversation_references",
    sa.column("conversation_id", sa.String()),
    sa.column("service_url", sa.Text()),
    sa.column("tenant_id", sa.String()),
    sa.column("conversation_type", sa.String()),
    sa.column("group_name", sa.String()),
    sa.column("user_aad_id", sa.String()),
    sa.column("reference", sa.JSON()),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
CHANNEL = "channel"


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(CONVERSATIONS).where(CONVERSATIONS.c.conversation_type == CHANNEL)
    ).mappings()
    channels: dict[str, dict[str, Any]] = {}
    threads: list[dict[str, Any]] = []
    for row in rows:
        if ";" in row["conversation_id"]:
            threads.append(dict(row))
        else:
            channels[row["conversation_id"]] = dict(row)
    # Newest thread first: when the channel has no row, the newest thread's reference stands for it.
    for thread in sorted(threads, key=lambda t: str(t["updated_at"]), reverse=True):
        base = thread["conversation_id"].split(";", 1)[0]
        channel = channels.get(base)
        if channel is None:
            reference = dict(thread["reference"] or {})
            reference.update(conversation_id=base, user_id=None, user_aad_id=None)
            channel = {**thread, "conversation_id": base, "user_aad_id": None, "reference": reference}
            connection.execute(sa.insert(CONVERSATIONS).values(**channel))
            channels[base] = channel
        elif channel["group_name"] is None and thread["group_name"] is not None:
            connection.execute(
                sa.update(CONVERSATIONS)
                .where(CONVERSATIONS.c.conversation_id == base)
                .values(group_name=thread["group_name"])
            )
            channel["group_name"] = thread["group_name"]
        connection.execute(
            sa.delete(CONVERSATIONS).where(CONVERSATIONS.c.conversation_id == thread["conversation_id"])
        )


def downgrade() -> None:
    """Nothing to undo: the folded thread references were never needed."""
