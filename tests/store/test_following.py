"""SqlStore on SQLite and PostgreSQL: which groups a conversation follows, the groups of a user, and a
document's group set by hand. Every change audited."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import insert

from minutes.records import RosterEntry
from store import SqlStore, UnknownConversation, create_engine_for, open_store
from store.rows import conversation_values
from store.tables import conversation_references
from tests.store.builders import FLG_REF, FSG_REF, MONDAY, document, ingest, item, later
from tests.store.test_conversations import ANNA, FLG_CHANNEL, FSG_CHANNEL, GROUP_CHAT
from tests.store.test_migrations import to_revision
from workflows.outbox import OutboxStatus

ORIGIN = "cli"


async def test_a_conversation_follows_exactly_the_groups_it_is_told_to(store: SqlStore) -> None:
    for conversation in (FLG_CHANNEL, FSG_CHANNEL, GROUP_CHAT, ANNA):
        await store.save_conversation(conversation, at=MONDAY)
    assert await store.followed_groups(FLG_CHANNEL.conversation_id) == frozenset()  # default deny
    assert await store.followers("FLG") == []
    assert await store.follow_group(
        FLG_CHANNEL.conversation_id, "FLG", by="aad:yk", at=later(1), origin=ORIGIN
    )
    assert not await store.follow_group(
        FLG_CHANNEL.conversation_id, "FLG", by="aad:yk", at=later(2), origin=ORIGIN
    )  # already: nothing written
    await store.follow_group(GROUP_CHAT.conversation_id, "FLG", by="aad:yk", at=later(2), origin=ORIGIN)
    await store.follow_group(GROUP_CHAT.conversation_id, "FSG", by="aad:yk", at=later(2), origin=ORIGIN)
    assert await store.followed_groups(GROUP_CHAT.conversation_id) == {"FLG", "FSG"}
    assert [c.conversation_id for c in await store.followers("FLG")] == sorted(
        [FLG_CHANNEL.conversation_id, GROUP_CHAT.conversation_id]
    )
    assert [c.conversation_id for c in await store.followers("FSG")] == [GROUP_CHAT.conversation_id]
    assert await store.unfollow_group(
        GROUP_CHAT.conversation_id, "FLG", by="aad:bo", at=later(3), origin=ORIGIN
    )
    assert not await store.unfollow_group(
        GROUP_CHAT.conversation_id, "FLG", by="aad:bo", at=later(4), origin=ORIGIN
    )
    assert await store.followed_groups(GROUP_CHAT.conversation_id) == {"FSG"}
    follows = await store.follows()
    assert follows[FLG_CHANNEL.conversation_id] == {"FLG"} and follows[FSG_CHANNEL.conversation_id] == set()
    assert ANNA.conversation_id not in follows  # personal chats follow nothing: they see the user's groups
    audit = [
        (a.action, a.subject, a.actor, a.detail)
        for a in await store.audit_log()
        if a.action.startswith("conversation.")
    ]
    assert audit == [
        ("conversation.follow", FLG_CHANNEL.conversation_id, "aad:yk", "FLG"),
        ("conversation.follow", GROUP_CHAT.conversation_id, "aad:yk", "FLG"),
        ("conversation.follow", GROUP_CHAT.conversation_id, "aad:yk", "FSG"),
        ("conversation.unfollow", GROUP_CHAT.conversation_id, "aad:bo", "FLG"),
    ]


async def test_following_an_unknown_conversation_is_refused(store: SqlStore) -> None:
    with pytest.raises(UnknownConversation):
        await store.follow_group("19:unknown", "FLG", by="aad:yk", at=MONDAY, origin=ORIGIN)


async def test_a_follow_is_seen_at_once_by_the_same_store(store: SqlStore) -> None:
    await store.save_conversation(FLG_CHANNEL, at=MONDAY)
    assert await store.followed_groups(FLG_CHANNEL.conversation_id) == frozenset()  # cached now
    await store.follow_group(FLG_CHANNEL.conversation_id, "FLG", by="aad:yk", at=later(1), origin=ORIGIN)
    assert await store.followed_groups(FLG_CHANNEL.conversation_id) == {"FLG"}
    await store.save_conversation(replace(FLG_CHANNEL, service_url="https://other/"), at=later(2))
    assert await store.followed_groups(FLG_CHANNEL.conversation_id) == {"FLG"}  # a new reference keeps it


async def test_the_groups_of_a_user(store: SqlStore) -> None:
    await store.save_roster("FLG", [RosterEntry("FLG", "AA", "Annika Andersson", (), "AAD-AA", None)])
    await store.save_roster("VSG", [RosterEntry("VSG", "BB", "Bo Berg", (), "aad-bb", None)])
    await ingest(
        store,
        document(FSG_REF, group="FSG"),
        [item("t1", "Annika ringer", ref=FSG_REF, owners=("Annika Andersson",), group="FSG")],
    )
    assert await store.groups_of_user("aad-aa", "Annika Andersson") == {"FLG", "FSG"}
    assert await store.groups_of_user("aad-aa", None) == {"FLG"}
    assert await store.groups_of_user("aad-zz", "Zelda Z") == frozenset()
    assert await store.groups_of_user(None, None) == frozenset()


async def test_a_document_without_a_group_gets_one_by_hand(store: SqlStore) -> None:
    await ingest(store, document(FLG_REF, group=None), [item("t1", "Gör något", group=None)])  # type: ignore[arg-type]
    await ingest(store, document(FSG_REF, group="FSG"), [item("t1", "Annat", ref=FSG_REF, group="FSG")])
    assert [d.key for d in await store.ungrouped_documents()] == [FLG_REF.key]
    before = len(await store.outbox_messages(OutboxStatus.PENDING))
    updated = await store.set_document_group(FLG_REF.key, "FLG", by="operator", at=later(1), origin=ORIGIN)
    assert updated is not None and updated.group == "FLG"
    assert await store.ungrouped_documents() == []
    assert {i.group for i in await store.items_of_document(FLG_REF.key)} == {"FLG"}
    pending = await store.outbox_messages(OutboxStatus.PENDING)
    assert len(pending) == before + 1 and pending[-1].payload == {"document_key": FLG_REF.key}
    audit = [(a.action, a.detail) for a in await store.audit_log(FLG_REF.key) if a.action == "document.group"]
    assert audit == [("document.group", "-→FLG")]
    assert (
        await store.set_document_group("local:/nowhere|x.docx", "FLG", by="o", at=later(2), origin=ORIGIN)
        is None
    )


async def test_unbound_conversations_are_counted(store: SqlStore) -> None:
    for conversation in (FLG_CHANNEL, FSG_CHANNEL, GROUP_CHAT, ANNA):
        await store.save_conversation(conversation, at=MONDAY)
    await store.follow_group(FLG_CHANNEL.conversation_id, "FLG", by="aad:yk", at=later(1), origin=ORIGIN)
    assert await store.count_unbound_conversations() == 2  # FSG's channel and the group chat


async def test_upgrading_leaves_existing_conversations_following_nothing(database_url: str) -> None:

    engine = create_engine_for(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0006"))
            await connection.execute(
                insert(conversation_references).values(conversation_values(FLG_CHANNEL, at=MONDAY))
            )
    finally:
        await engine.dispose()
    store = await open_store(database_url)  # migrates to the newest revision
    try:
        assert await store.followed_groups(FLG_CHANNEL.conversation_id) == frozenset()
        assert await store.count_unbound_conversations() == 1
    finally:
        await store.close()
