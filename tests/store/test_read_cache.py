"""SqlStore's short-lived cache of rosters and conversation references: reused reads, own writes seen at once,
another instance's writes seen once the cache time is over; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

from sqlalchemy import event

from minutes.records import ConversationType, ConvRef, RosterEntry
from store import SqlStore, open_store
from store.rosters import RosterRepository
from tests.store.builders import MONDAY, ORIGIN, later

CHANNEL = ConvRef(
    service_url="https://smba.example/emea/",
    conversation_id="19:flg@thread.tacv2",
    conversation_type=ConversationType.CHANNEL,
    tenant_id="tenant",
    bot_id="28:bot",
)
ANNA = RosterEntry("FLG", "AÅ", "Anna Åberg", ("sekreterare",), "aad-anna", None)
BO = RosterEntry("FLG", "BE", "Bo Ek", (), "aad-bo", None)


@contextmanager
def statements(store: SqlStore) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement)

    engine = store.database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_a_roster_and_a_conversation_are_read_once_while_fresh(store: SqlStore) -> None:
    await store.save_roster("FLG", [ANNA])
    await store.save_conversation(CHANNEL, at=MONDAY)

    with statements(store) as seen:
        for _ in range(3):
            assert await store.roster("FLG") == [ANNA]
            assert await store.conversation(CHANNEL.conversation_id) == CHANNEL
            assert await store.conversation("19:unknown") is None  # an absent one is remembered too

    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len([s for s in reads if "FROM roster" in s]) == 1
    assert len([s for s in reads if "FROM conversation_references" in s]) == 2


async def test_own_writes_are_seen_at_once(store: SqlStore) -> None:
    await store.save_roster("FLG", [ANNA])
    await store.save_conversation(CHANNEL, at=MONDAY)
    assert await store.roster("FLG") == [ANNA]
    assert await store.conversation(CHANNEL.conversation_id) == CHANNEL

    await store.save_roster("FLG", [ANNA, BO])
    await store.set_conversation_group(
        CHANNEL.conversation_id, "FLG", by="aad:anna", at=later(1), origin=ORIGIN
    )

    assert await store.roster("FLG") == [ANNA, BO]
    assert await store.conversation(CHANNEL.conversation_id) == replace(CHANNEL, group="FLG")
    await store.save_conversation(replace(CHANNEL, service_url="https://smba.example/amer/"), at=later(2))
    found = await store.conversation(CHANNEL.conversation_id)
    assert found is not None and found.service_url == "https://smba.example/amer/"


async def test_another_instances_writes_are_seen_when_the_cache_time_is_over(
    store: SqlStore, database_url: str
) -> None:
    other = await open_store(database_url)
    try:
        await store.save_roster("FLG", [ANNA])
        assert await store.roster("FLG") == [ANNA]
        await other.save_roster("FLG", [BO])

        assert await store.roster("FLG") == [ANNA]  # within the cache time
        store.database.read_cache_seconds = 0.0
        assert await store.roster("FLG") == [BO]
    finally:
        await other.close()


async def test_a_repository_over_the_stores_database_shares_its_cache(store: SqlStore) -> None:
    rosters = RosterRepository(store.database)
    await store.save_roster("FLG", [ANNA])
    assert await store.roster("FLG") == [ANNA]

    await rosters.save_roster("FLG", [BO])

    assert await store.roster("FLG") == [BO]  # the write through the other repository dropped the cached read
