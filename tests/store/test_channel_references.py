"""Revision 0006 on SQLite and PostgreSQL: channel-thread references saved by earlier versions are folded
into one reference per channel, which keeps the group either of them followed."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import insert

from minutes.records import ConversationType, ConvRef
from store import create_engine_for, open_store
from store.rows import conversation_values
from store.tables import conversation_references
from tests.store.builders import MONDAY, later
from tests.store.test_migrations import to_revision

FLG = ConvRef(
    service_url="https://smba.example/emea/",
    conversation_id="19:flg@thread.tacv2",
    conversation_type=ConversationType.CHANNEL,
    tenant_id="tenant",
    bot_id="28:bot",
    team_id="19:flg@thread.tacv2",
)
FSG = replace(FLG, conversation_id="19:fsg@thread.tacv2", team_id="19:fsg@thread.tacv2")
ANNA = ConvRef(
    service_url="https://smba.example/emea/",
    conversation_id="a:personal-anna",
    conversation_type=ConversationType.PERSONAL,
    tenant_id="tenant",
    bot_id="28:bot",
    user_id="29:anna",
    user_aad_id="aad-anna",
)


def thread(channel: ConvRef, root: str, user_aad_id: str, group: str | None = None) -> ConvRef:
    return replace(
        channel,
        conversation_id=f"{channel.conversation_id};messageid={root}",
        user_id=f"29:{user_aad_id}",
        user_aad_id=user_aad_id,
        group=group,
    )


async def test_revision_0006_keeps_one_reference_per_channel(database_url: str) -> None:
    engine = create_engine_for(database_url)
    saved = [
        (FLG, MONDAY),  # the channel, saved at installation, following no group
        (thread(FLG, "1", "aad-anna", group="FLG"), later(1)),
        (thread(FLG, "2", "aad-bo"), later(2)),
        (thread(FSG, "3", "aad-anna"), later(1)),  # a channel known only through its threads
        (thread(FSG, "4", "aad-bo"), later(3)),
        (ANNA, later(1)),
    ]
    try:
        async with engine.begin() as connection:
            await connection.run_sync(to_revision("0005"))
            for ref, at in saved:
                await connection.execute(
                    insert(conversation_references).values(**conversation_values(ref, at=at))
                )
    finally:
        await engine.dispose()

    store = await open_store(database_url)  # migrates to the newest revision
    try:
        assert await store.conversations(conversation_type=ConversationType.CHANNEL) == [
            replace(FLG, group="FLG"),
            FSG,  # from its newest thread, without the writer's ids
        ]
        assert await store.conversation(thread(FLG, "1", "aad-anna").conversation_id) is None
        assert await store.personal_conversation("aad-anna") == ANNA
    finally:
        await store.close()
