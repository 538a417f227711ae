"""Conversations: the references the bot keeps to reach a chat, the groups each channel or group chat follows
(default deny), and the cards posted in them. Does I/O."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, delete, or_, select, update

from minutes.records import ConversationType, ConvRef, PostedCard
from store.audit import append_audit
from store.database import Repository, dialect_insert, upsert
from store.rows import aad_key, conversation_from_row, conversation_values, posted_card_from_row
from store.tables import conversation_groups, conversation_references, posted_cards
from workflows.ports import UnknownConversation as UnknownConversation  # the port's error, raised here

_REFERENCE = conversation_references.c


class ConversationRepository(Repository):
    """Conversation references, following and posted cards: that part of ChatStore, FollowingStore and
    OutboxStore. A reference and a conversation's followed groups are read through the read cache."""

    # -- references ---------------------------------------------------------------------------------------

    async def save_conversation(self, ref: ConvRef, *, at: datetime) -> None:
        """Insert or replace the conversation's reference. A ref without a group keeps the group set before:
        the references seen on incoming messages know nothing of it."""
        async with self.database.write(changes=("conversation", ref.conversation_id)) as connection:
            await upsert(
                connection,
                conversation_references,
                conversation_values(ref, at=at),
                key=("conversation_id",),
                keep=("group_name",),
            )

    async def conversation(self, conversation_id: str) -> ConvRef | None:
        async def load() -> ConvRef | None:
            found = await self._select_conversations(
                select(conversation_references).where(_REFERENCE.conversation_id == conversation_id)
            )
            return found[0] if found else None

        return await self.database.cached(("conversation", conversation_id), load)

    async def conversations(
        self, *, group: str | None = None, conversation_type: ConversationType | None = None
    ) -> list[ConvRef]:
        """The saved conversations, by conversation id; only those following `group`, of `conversation_type`,
        when given."""
        query = select(conversation_references)
        if group is not None:
            query = query.where(_REFERENCE.group_name == group)
        if conversation_type is not None:
            query = query.where(_REFERENCE.conversation_type == conversation_type.value)
        return await self._select_conversations(query)

    async def personal_conversation(self, user_aad_id: str) -> ConvRef | None:
        """The bot's personal chat with the user (object id matched case-insensitively); the most recently
        saved one should there be several."""
        query = (
            select(conversation_references)
            .where(
                _REFERENCE.conversation_type == ConversationType.PERSONAL.value,
                _REFERENCE.user_aad_id == aad_key(user_aad_id),
            )
            .order_by(_REFERENCE.updated_at.desc(), _REFERENCE.conversation_id)
            .limit(1)
        )
        found = await self._select_conversations(query)
        return found[0] if found else None

    async def set_conversation_group(
        self, conversation_id: str, group: str | None, *, by: str, at: datetime, origin: str
    ) -> None:
        """Set the reference's single group column (None: none); audit 'conversation.group', detail 'old→new'.
        Superseded by follow_group (revision 0007): delivery and authorisation read conversation_groups only,
        never this column. Nothing is written when it holds `group` already. UnknownConversation when no
        reference is saved."""
        async with self.database.write(changes=("conversation", conversation_id)) as connection:
            current = (
                await connection.execute(
                    select(_REFERENCE.group_name)
                    .where(_REFERENCE.conversation_id == conversation_id)
                    .with_for_update()
                )
            ).first()
            if current is None:
                raise UnknownConversation("no reference saved for the conversation")
            old: str | None = current.group_name
            if old == group:
                return
            await connection.execute(
                update(conversation_references)
                .where(_REFERENCE.conversation_id == conversation_id)
                .values(group_name=group, updated_at=at)
            )
            await append_audit(
                connection,
                at=at,
                actor=by,
                action="conversation.group",
                subject=conversation_id,
                origin=origin,
                detail=f"{old or '-'}→{group or '-'}",
            )

    # -- following: the groups a channel or group chat follows (default deny) ------------------------------

    async def follow_group(
        self, conversation_id: str, group: str, *, by: str, at: datetime, origin: str
    ) -> bool:
        """Make the conversation follow `group` as well as what it follows; audit 'conversation.follow'. False
        (nothing written) when it follows the group already; UnknownConversation when no reference is saved."""
        async with self.database.write(changes=("follows", conversation_id)) as connection:
            known = (
                await connection.execute(
                    select(_REFERENCE.conversation_id)
                    .where(_REFERENCE.conversation_id == conversation_id)
                    .with_for_update()
                )
            ).first()
            if known is None:
                raise UnknownConversation("no reference saved for the conversation")
            statement = (
                dialect_insert(connection)(conversation_groups)
                .values(conversation_id=conversation_id, group_name=group, followed_by=by, followed_at=at)
                .on_conflict_do_nothing(index_elements=["conversation_id", "group_name"])
            )
            if (await connection.execute(statement)).rowcount != 1:
                return False
            await append_audit(
                connection,
                at=at,
                actor=by,
                action="conversation.follow",
                subject=conversation_id,
                origin=origin,
                detail=group,
            )
            return True

    async def unfollow_group(
        self, conversation_id: str, group: str, *, by: str, at: datetime, origin: str
    ) -> bool:
        """The conversation no longer follows `group`; audit 'conversation.unfollow'. False when it did not."""
        async with self.database.write(changes=("follows", conversation_id)) as connection:
            deleted = await connection.execute(
                delete(conversation_groups).where(
                    conversation_groups.c.conversation_id == conversation_id,
                    conversation_groups.c.group_name == group,
                )
            )
            if deleted.rowcount != 1:
                return False
            await append_audit(
                connection,
                at=at,
                actor=by,
                action="conversation.unfollow",
                subject=conversation_id,
                origin=origin,
                detail=group,
            )
            return True

    async def followed_groups(self, conversation_id: str) -> frozenset[str]:
        """The groups the conversation follows (none for one never told, and for personal chats)."""

        async def load() -> frozenset[str]:
            query = select(conversation_groups.c.group_name).where(
                conversation_groups.c.conversation_id == conversation_id
            )
            async with self.database.read() as connection:
                return frozenset(name for (name,) in (await connection.execute(query)).all())

        return await self.database.cached(("follows", conversation_id), load)

    async def followers(self, group: str) -> list[ConvRef]:
        """The channels and group chats that follow `group`, by conversation id."""
        query = (
            select(conversation_references)
            .join(conversation_groups, conversation_groups.c.conversation_id == _REFERENCE.conversation_id)
            .where(
                conversation_groups.c.group_name == group,
                _REFERENCE.conversation_type != ConversationType.PERSONAL.value,
            )
        )
        return await self._select_conversations(query)

    async def follows(self) -> dict[str, frozenset[str]]:
        """Every channel and group chat the bot knows → the groups it follows (empty: none)."""
        query = (
            select(_REFERENCE.conversation_id, conversation_groups.c.group_name)
            .select_from(conversation_references)
            .outerjoin(
                conversation_groups, conversation_groups.c.conversation_id == _REFERENCE.conversation_id
            )
            .where(_REFERENCE.conversation_type != ConversationType.PERSONAL.value)
        )
        found: dict[str, set[str]] = {}
        async with self.database.read() as connection:
            for conversation_id, group in (await connection.execute(query)).all():
                found.setdefault(conversation_id, set()).update([group] if group else [])
        return {key: frozenset(found[key]) for key in sorted(found)}

    async def count_unbound_conversations(self) -> int:
        """How many channels and group chats follow no group."""
        return sum(1 for groups in (await self.follows()).values() if not groups)

    # -- posted cards ---------------------------------------------------------------------------------------

    async def record_posted_card(
        self, kind: str, subject: str, conversation_id: str, activity_id: str, *, at: datetime
    ) -> None:
        """Remember that `activity_id` in the conversation shows the card of (kind, subject), after posting
        it or updating it in place. A new activity for the card replaces the old one (posted_at becomes `at`);
        the same activity keeps its posted_at. An activity shows one card: a card that replaced another in
        place takes over the activity, and the other card is no longer recorded there."""
        async with self.database.write() as connection:
            await connection.execute(
                delete(posted_cards).where(
                    posted_cards.c.conversation_id == conversation_id,
                    posted_cards.c.activity_id == activity_id,
                    or_(posted_cards.c.kind != kind, posted_cards.c.subject != subject),
                )
            )
            statement = dialect_insert(connection)(posted_cards).values(
                kind=kind,
                subject=subject,
                conversation_id=conversation_id,
                activity_id=activity_id,
                posted_at=at,
                updated_at=at,
            )
            await connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["kind", "subject", "conversation_id"],
                    set_={
                        # Both sides of the CASE read the row as it was: SET sees no earlier assignment.
                        "posted_at": case(
                            (
                                posted_cards.c.activity_id == statement.excluded.activity_id,
                                posted_cards.c.posted_at,
                            ),
                            else_=statement.excluded.posted_at,
                        ),
                        "activity_id": statement.excluded.activity_id,
                        "updated_at": statement.excluded.updated_at,
                    },
                )
            )

    async def posted_cards(self, kind: str, subject: str) -> list[PostedCard]:
        """Where the card of (kind, subject) is shown, oldest post first."""
        return await self._select_posted_cards(
            select(posted_cards)
            .where(posted_cards.c.kind == kind, posted_cards.c.subject == subject)
            .order_by(posted_cards.c.posted_at, posted_cards.c.id)
        )

    async def posted_card_by_activity(self, conversation_id: str, activity_id: str) -> PostedCard | None:
        """The card an activity shows (the one clicked), None when the bot recorded none there."""
        found = await self._select_posted_cards(
            select(posted_cards).where(
                posted_cards.c.conversation_id == conversation_id,
                posted_cards.c.activity_id == activity_id,
            )
        )
        return found[0] if found else None

    async def _select_conversations(self, query: Select[Any]) -> list[ConvRef]:
        """The references `query` selects, by conversation id: sorted here, since PostgreSQL would order the
        ids by the database's collation, SQLite by code point."""
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        found = [conversation_from_row(row) for row in rows]
        return sorted(found, key=lambda ref: ref.conversation_id)

    async def _select_posted_cards(self, query: Select[Any]) -> list[PostedCard]:
        async with self.database.read() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [posted_card_from_row(row) for row in rows]
