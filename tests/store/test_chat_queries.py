"""SqlStore on SQLite and PostgreSQL: the chat commands' queries over meetings and due dates, moving a date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from minutes.model import ItemKind, Relative
from minutes.records import ConversationType, ConvRef, DocumentRecord, DocumentRef, ItemRecord, ItemStatus
from store import SqlStore, open_store
from tests.conftest import empty_postgres, sqlite_url
from tests.store.builders import FLG_REF, FLG_V1, FSG_REF, ORIGIN, document, ingest, item, later

FLG_SEPTEMBER = DocumentRef(
    source="local:/minutes", item_id="flg-2024-09-09.docx", name="flg-2024-09-09.docx"
)
FLG_UNDATED = DocumentRef(source="local:/minutes", item_id="flg-utkast.docx", name="flg-utkast.docx")
VSG_REF = DocumentRef(source="local:/minutes", item_id="vsg-2024-09-02.docx", name="vsg-2024-09-02.docx")
AUGUST_26, SEPTEMBER_2, SEPTEMBER_9 = date(2024, 8, 26), date(2024, 9, 2), date(2024, 9, 9)


def texts(found: list[ItemRecord]) -> list[str]:
    return [i.text for i in found]


def keys(found: list[DocumentRecord]) -> list[str]:
    return [record.key for record in found]


def for_next_meeting(source: str, text: str, *, ref: DocumentRef = FLG_REF, group: str = "FLG") -> ItemRecord:
    return item(
        source, text, ref=ref, group=group, due_raw="till nästa möte", due_relative=Relative.NEXT_MEETING
    )


async def meetings(store: SqlStore) -> None:
    """FLG on 26/8 and 9/9 and an undated FLG draft, FSG on 2/9 that failed later, VSG on 2/9 deleted."""
    await ingest(store, document(), FLG_V1)
    await ingest(store, document(FSG_REF, group="FSG", meeting_date=SEPTEMBER_2), [])
    await ingest(store, document(FLG_UNDATED, meeting_date=None), [], at=later(1))
    await ingest(store, document(FLG_SEPTEMBER, meeting_date=SEPTEMBER_9), [], at=later(2))
    await ingest(store, document(VSG_REF, group="VSG", meeting_date=SEPTEMBER_2), [])
    await store.mark_deleted(VSG_REF, at=later(3), origin=ORIGIN)


async def test_documents_are_listed_newest_meeting_first_ingested_ones_only(store: SqlStore) -> None:
    await meetings(store)

    assert keys(await store.documents()) == [
        FLG_SEPTEMBER.key,
        FSG_REF.key,
        FLG_REF.key,
        FLG_UNDATED.key,
    ]
    assert keys(await store.documents(group="FLG")) == [FLG_SEPTEMBER.key, FLG_REF.key, FLG_UNDATED.key]
    assert await store.documents(group="VSG") == []

    await store.record_failure(replace(FSG_REF, version="v2"), "tom fil", at=later(4), origin=ORIGIN)
    assert keys(await store.documents()) == [FLG_SEPTEMBER.key, FLG_REF.key, FLG_UNDATED.key]


async def test_the_latest_document_and_the_document_of_a_meeting(store: SqlStore) -> None:
    await meetings(store)

    latest = await store.latest_document("FLG")
    assert latest is not None and (latest.key, latest.meeting_date) == (FLG_SEPTEMBER.key, SEPTEMBER_9)
    assert latest == await store.get_document(FLG_SEPTEMBER.key)
    fsg = await store.latest_document("FSG")
    assert fsg is not None and fsg.key == FSG_REF.key
    anywhere = await store.latest_document(None)
    assert anywhere is not None and anywhere.key == FLG_SEPTEMBER.key
    assert await store.latest_document("VSG") is None  # deleted

    august = await store.document_for_meeting("FLG", AUGUST_26)
    assert august is not None and august.key == FLG_REF.key
    any_group = await store.document_for_meeting(None, SEPTEMBER_2)
    assert any_group is not None and any_group.key == FSG_REF.key
    assert await store.document_for_meeting("FSG", AUGUST_26) is None
    assert await store.document_for_meeting("VSG", SEPTEMBER_2) is None


async def test_moving_a_due_date_is_audited_and_leaves_the_minutes_wording(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    emma = live[2]  # due "den 9 september"
    assert emma.id is not None and emma.due == SEPTEMBER_9

    moved = await store.set_due(emma.id, date(2024, 9, 16), by="aad:emma", at=later(1), origin="teams:flg")

    assert moved is not None
    assert (moved.due, moved.due_raw, moved.due_relative) == (date(2024, 9, 16), "2024-09-16", None)
    assert replace(moved, due=emma.due, due_raw=emma.due_raw) == emma  # nothing else changed
    assert await store.get_item(emma.id) == moved
    [entry] = [a for a in await store.audit_log(emma.key) if a.action == "item.moved"]
    assert (entry.at, entry.actor, entry.origin, entry.detail) == (
        later(1),
        "aad:emma",
        "teams:flg",
        "2024-09-09→2024-09-16",
    )
    again = await store.set_due(emma.id, date(2024, 9, 16), by="aad:emma", at=later(2), origin="teams:flg")
    assert again == moved
    assert len(await store.audit_log(emma.key)) == 2  # added, moved


async def test_an_undated_or_relative_item_gets_a_date(store: SqlStore) -> None:
    extracted = [
        item("a", "Återkom till nästa möte.", due_raw="till nästa möte", due_relative=Relative.NEXT_MEETING),
        item("b", "Ta fram underlag snarast.", due_raw="snarast"),
    ]
    _, (relative, vague) = await ingest(store, document(), extracted)
    assert relative.id is not None and vague.id is not None

    to_date = await store.set_due(relative.id, SEPTEMBER_9, by="aad:anna", at=later(1), origin="cli")
    await store.set_due(vague.id, SEPTEMBER_9, by="aad:anna", at=later(1), origin="cli")

    assert to_date is not None and (to_date.due, to_date.due_raw, to_date.due_relative) == (
        SEPTEMBER_9,
        "2024-09-09",
        None,
    )
    moves = [(a.subject, a.detail) for a in await store.audit_log() if a.action == "item.moved"]
    assert moves == [(relative.key, "next_meeting→2024-09-09"), (vague.key, "-→2024-09-09")]


async def test_a_withdrawn_or_unknown_item_is_not_moved(store: SqlStore) -> None:
    _, live = await ingest(store, document(), FLG_V1)
    await ingest(store, document(version="v2"), FLG_V1[1:], at=later(1))
    assert live[0].id is not None
    withdrawn = await store.get_item(live[0].id)

    result = await store.set_due(live[0].id, SEPTEMBER_9, by="aad:anna", at=later(2), origin="cli")

    assert result == withdrawn and result is not None and result.status is ItemStatus.WITHDRAWN
    assert await store.set_due(999, SEPTEMBER_9, by="aad:anna", at=later(2), origin="cli") is None
    assert [a.action for a in await store.audit_log() if a.at == later(2)] == []


async def due_dates(store: SqlStore) -> None:
    """Items due around 9 September in FLG and FSG, one done, one withdrawn, one undated."""
    flg = [
        item("a", "Boka lokal.", due=date(2024, 9, 2)),
        item("b", "Skriv rapport.", due=SEPTEMBER_9),
        item("c", "Ring facket.", due=date(2024, 9, 15)),
        item("d", "Stäng projektet.", due=date(2024, 9, 16)),
        item("e", "Rensa arkivet.", due=date(2024, 9, 3)),
        item("f", "Skriv policy."),
        item("g", "Inget längre.", due=date(2024, 9, 10)),
    ]
    fsg = [item("a", "Planera APT.", ref=FSG_REF, group="FSG", due=date(2024, 9, 10))]
    _, flg_live = await ingest(store, document(), flg)
    await ingest(store, document(FSG_REF, group="FSG"), fsg)
    await ingest(store, document(version="v2"), flg[:6], at=later(1))  # g is withdrawn
    assert flg_live[4].id is not None
    await store.set_status(flg_live[4].id, ItemStatus.DONE, by="aad:anna", at=later(2), origin="cli")


async def test_items_due_between_two_dates_both_included(store: SqlStore) -> None:
    await due_dates(store)

    assert texts(await store.items_due_between(SEPTEMBER_9, date(2024, 9, 15))) == [
        "Skriv rapport.",
        "Planera APT.",
        "Ring facket.",
    ]
    assert texts(await store.items_due_between(date(2024, 9, 1), SEPTEMBER_9, open_only=False)) == [
        "Boka lokal.",
        "Rensa arkivet.",
        "Skriv rapport.",
    ]
    assert texts(await store.items_due_between(date(2024, 9, 1), date(2024, 9, 30), group="FSG")) == [
        "Planera APT."
    ]
    assert await store.items_due_between(date(2024, 9, 11), date(2024, 9, 14)) == []
    assert await store.items_due_between(date(2024, 9, 15), SEPTEMBER_9) == []


async def test_overdue_items_are_open_and_due_before_today(store: SqlStore) -> None:
    await due_dates(store)

    assert texts(await store.overdue_items(date(2024, 9, 10))) == ["Boka lokal.", "Skriv rapport."]
    assert texts(await store.overdue_items(date(2024, 9, 11))) == [
        "Boka lokal.",
        "Skriv rapport.",
        "Planera APT.",
    ]
    assert texts(await store.overdue_items(date(2024, 9, 11), group="FSG")) == ["Planera APT."]
    assert await store.overdue_items(date(2024, 9, 2)) == []


async def test_follow_up_items_are_open_next_meeting_items_and_follow_ups(store: SqlStore) -> None:
    flg = [
        for_next_meeting("a", "Återkom om lokalerna."),
        item("b", "Uppföljning av planen.", kind=ItemKind.FOLLOW_UP, due=date(2024, 10, 7)),
        item("c", "Boka lokal.", due=SEPTEMBER_9),
        for_next_meeting("d", "Redan klar."),
        item("e", "Uppföljning utan datum.", kind=ItemKind.FOLLOW_UP),
        for_next_meeting("f", "Struken."),
    ]
    fsg = [for_next_meeting("a", "Återkom om APT.", ref=FSG_REF, group="FSG")]
    _, live = await ingest(store, document(), flg)
    await ingest(store, document(FSG_REF, group="FSG"), fsg)
    await ingest(store, document(version="v2"), flg[:5], at=later(1))
    assert live[3].id is not None
    await store.set_status(live[3].id, ItemStatus.DONE, by="aad:anna", at=later(2), origin="cli")

    assert texts(await store.follow_up_items("FLG")) == [
        "Uppföljning av planen.",
        "Återkom om lokalerna.",
        "Uppföljning utan datum.",
    ]
    assert texts(await store.follow_up_items("FSG")) == ["Återkom om APT."]
    assert texts(await store.follow_up_items(None)) == [
        "Uppföljning av planen.",
        "Återkom om lokalerna.",
        "Uppföljning utan datum.",
        "Återkom om APT.",
    ]
    assert await store.follow_up_items("VSG") == []


async def chat_scenario(store: SqlStore) -> list[object]:
    """Every new operation once; what each returns and what the store holds afterwards."""
    seen: list[object] = []
    _, live = await ingest(store, document(), FLG_V1)
    await ingest(
        store,
        document(FSG_REF, group="FSG", meeting_date=SEPTEMBER_2),
        [for_next_meeting("a", "Å.", ref=FSG_REF, group="FSG")],
    )
    assert live[2].id is not None
    seen.append(await store.set_due(live[2].id, date(2024, 9, 16), by="aad:emma", at=later(1), origin="cli"))
    # Ids that a collation would order differently from code points: case, punctuation, non-ASCII.
    for n, conversation_id in enumerate(["a:Zeta", "a:alpha", "19:b-c", "19:bb", "19:Ö"]):
        await store.save_conversation(
            ConvRef(
                service_url="https://smba.trafficmanager.net/emea/",
                conversation_id=conversation_id,
                conversation_type=ConversationType.PERSONAL if n < 2 else ConversationType.CHANNEL,
                tenant_id="tenant-1",
                bot_id="28:minutesbot",
                user_aad_id=f"AAD-{n}" if n < 2 else None,
            ),
            at=later(n),
        )
    await store.set_conversation_group("19:bb", "FLG", by="aad:anna", at=later(2), origin="cli")
    await store.record_posted_card("meeting_summary", FLG_REF.key, "19:bb", "1:1", at=later(2))
    await store.record_posted_card("meeting_summary", FLG_REF.key, "19:Ö", "1:2", at=later(2))
    message_id = await store.enqueue(
        "digest", {"group": "FLG", "week": 36}, conversation_key="19:bb", at=later(3)
    )
    seen.append(await store.claim_outbox("worker-a", now=later(3), lease=timedelta(minutes=5), limit=10))
    await store.mark_retry(message_id, error="HTTP 503", next_attempt_at=later(4))
    seen.extend(
        [
            await store.conversations(),
            await store.conversations(group="FLG"),
            await store.personal_conversation("aad-1"),
            await store.conversation("19:Ö"),
            await store.posted_cards("meeting_summary", FLG_REF.key),
            await store.posted_card_by_activity("19:Ö", "1:2"),
            await store.documents(),
            await store.latest_document("FSG"),
            await store.document_for_meeting("FLG", AUGUST_26),
            await store.items_due_between(SEPTEMBER_2, date(2024, 9, 30), open_only=False),
            await store.overdue_items(date(2024, 10, 8)),
            await store.follow_up_items(None),
            await store.outbox_messages(),
            await store.audit_log(),
        ]
    )
    return seen


async def test_both_backends_give_identical_chat_results(tmp_path: Path, postgres_server: str) -> None:
    await empty_postgres(postgres_server)
    results = []
    for url in (sqlite_url(tmp_path), postgres_server):
        opened = await open_store(url)
        try:
            results.append(await chat_scenario(opened))
        finally:
            await opened.close()

    on_sqlite, on_postgres = results
    assert on_sqlite == on_postgres
    conversations = on_sqlite[2]
    assert isinstance(conversations, list)
    assert [ref.conversation_id for ref in conversations] == ["19:b-c", "19:bb", "19:Ö", "a:Zeta", "a:alpha"]
