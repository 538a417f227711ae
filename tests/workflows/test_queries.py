"""Answers to the reading commands, on an ingested FLG meeting."""

from __future__ import annotations

import json
from pathlib import Path

from store import SqlStore
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, PERSONAL, STRANGER, clock, ingest_flg
from workflows.queries import Queries


def text_of(card: dict[str, object]) -> str:
    return json.dumps(card, ensure_ascii=False)


async def test_my_items_lists_what_the_roster_says_is_mine(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    card = await Queries(store, clock).my_items(ANNIKA, CHANNEL)
    text = text_of(card)
    assert "Dina öppna punkter" in text and "Samordnas av innovationsgänget" in text
    assert "Emma återkommer" not in text  # RN's item


async def test_my_items_for_someone_unknown_explains_why(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    assert "förteckning" in text_of(await Queries(store, clock).my_items(STRANGER, CHANNEL))


async def test_open_items_for_a_person(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    text = text_of(await Queries(store, clock).open_items("RN", CHANNEL))
    assert "Emma återkommer" in text and "Samordnas av innovationsgänget" not in text


async def test_decisions_search_and_meeting(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    queries = Queries(store, clock)
    assert (
        "Kommande chefsnytt" in text_of(await queries.decisions("julfest", CHANNEL))
        or "julfest" in text_of(await queries.decisions("julfest", CHANNEL)).lower()
    )
    meeting = text_of(await queries.meeting(None, CHANNEL))
    assert "FLG" in meeting and "2024" in meeting
    assert "FLG" in text_of(await queries.meeting("26/8", PERSONAL))
    assert "hittar inget protokoll" in text_of(await queries.meeting("2020-01-01", CHANNEL))


async def test_follow_ups_and_this_week(store: SqlStore, tmp_path: Path) -> None:
    await ingest_flg(store, tmp_path / "m")
    queries = Queries(store, clock)
    assert "Uppföljning kommande FLG" in text_of(await queries.follow_ups(CHANNEL))
    assert "Veckosammanfattning" in text_of(await queries.this_week(CHANNEL))
