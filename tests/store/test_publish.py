"""Minutes awaiting the secretary's 'Publicera' (revision 0011) on SQLite and PostgreSQL: their items are in no
reminder, digest, agenda or list query until published; publishing is audited, queues the card, and happens
once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import date

from minutes.model import ItemKind, Relative
from minutes.records import DocumentRecord, DocumentRef, ItemFilter
from store import SqlStore
from tests.store.builders import FLG_REF, MONDAY, document, ingest, item, later
from workflows.outbox import OutboxKind

TODAY = date(2024, 9, 15)
DRAFT_REF = DocumentRef(source="local:/minutes", item_id="flg-2024-09-09.docx", name="flg-2024-09-09.docx")
PUBLISHED = [item("p", "Boka lokal.", due=date(2024, 9, 10))]
DRAFT = [
    item("a", "Ring facket.", ref=DRAFT_REF, due=date(2024, 9, 12), meeting_date=date(2024, 9, 9)),
    item("b", "Skriv rapport.", ref=DRAFT_REF, due=date(2024, 9, 20), meeting_date=date(2024, 9, 9)),
    item(
        "c",
        "Återkommer om lokaler.",
        ref=DRAFT_REF,
        due_relative=Relative.NEXT_MEETING,
        kind=ItemKind.FOLLOW_UP,
        meeting_date=date(2024, 9, 9),
    ),
]


def draft() -> DocumentRecord:
    return replace(document(DRAFT_REF, meeting_date=date(2024, 9, 9)), awaiting_review=True)


async def texts(found: object) -> set[str]:
    return {i.text for i in found}  # type: ignore[attr-defined]


async def seeded(store: SqlStore) -> None:
    await ingest(store, document(FLG_REF), PUBLISHED)
    await ingest(store, draft(), DRAFT, at=later(1))


async def test_a_draft_is_in_no_reminder_digest_agenda_or_list_until_published(store: SqlStore) -> None:
    await seeded(store)
    assert (await store.get_document(DRAFT_REF.key)).awaiting_review  # type: ignore[union-attr]
    assert await texts(await store.overdue_items(TODAY)) == {"Boka lokal."}
    assert await texts(await store.items_due_between(TODAY, date(2024, 9, 30))) == set()
    assert await texts(await store.follow_up_items(None)) == set()
    assert await texts(await store.list_items(open_only=True, published_only=True)) == {"Boka lokal."}
    page = await store.item_page(ItemFilter(), limit=10, today=TODAY)
    assert {i.text for i in page.items} == {"Boka lokal."} and page.total == 1
    # The command line still lists every item; a chat's meeting is the latest published one.
    assert len(await store.list_items(open_only=True)) == 4
    assert (await store.latest_document("FLG")).key == FLG_REF.key  # type: ignore[union-attr]
    assert await store.document_for_meeting("FLG", date(2024, 9, 9)) is None

    assert await store.publish_document(DRAFT_REF.key, by="aad-yk", at=later(2), origin="teams:t")
    assert not (await store.get_document(DRAFT_REF.key)).awaiting_review  # type: ignore[union-attr]
    assert await texts(await store.items_due_between(TODAY, date(2024, 9, 30))) == {"Skriv rapport."}
    assert await texts(await store.follow_up_items(None)) == {"Återkommer om lokaler."}
    assert (await store.latest_document("FLG")).key == DRAFT_REF.key  # type: ignore[union-attr]


async def test_publishing_is_audited_queues_the_card_and_happens_once(store: SqlStore) -> None:
    await seeded(store)
    queued = len(await store.outbox_messages())
    results = await asyncio.gather(
        *(store.publish_document(DRAFT_REF.key, by="aad-yk", at=later(2), origin="teams:t") for _ in range(3))
    )
    assert sorted(results) == [False, False, True]
    assert not await store.publish_document(DRAFT_REF.key, by="aad-yk", at=later(3), origin="teams:t")
    published = [e for e in await store.audit_log(DRAFT_REF.key) if e.action == "document.published"]
    assert [(e.actor, e.subject) for e in published] == [("aad-yk", DRAFT_REF.key)]
    summaries = [
        m
        for m in await store.outbox_messages()
        if m.kind == OutboxKind.MEETING_SUMMARY and m.payload["document_key"] == DRAFT_REF.key
    ]
    # One card waits for the document (the reading's announcement, unclaimed, covers the publishing).
    assert len(summaries) == 1 and len(await store.outbox_messages()) == queued


async def test_an_unknown_or_published_document_publishes_nothing(store: SqlStore) -> None:
    await ingest(store, document(FLG_REF), PUBLISHED, at=MONDAY)
    assert not await store.publish_document(FLG_REF.key, by="aad-yk", at=later(1), origin="teams:t")
    assert not await store.publish_document("local:/minutes|nope.docx", by="aad-yk", at=later(1), origin="t")
    assert [e for e in await store.audit_log() if e.action == "document.published"] == []


async def test_a_later_version_keeps_waiting_and_published_minutes_never_wait_again(store: SqlStore) -> None:
    await seeded(store)
    edited = [replace(DRAFT[0], text="Ring facket i dag."), *DRAFT[1:]]
    await ingest(store, replace(draft(), version="v2", awaiting_review=False), edited, at=later(2))
    assert (await store.get_document(DRAFT_REF.key)).awaiting_review  # type: ignore[union-attr]
    await store.publish_document(DRAFT_REF.key, by="aad-yk", at=later(3), origin="teams:t")
    await ingest(store, replace(draft(), version="v3"), DRAFT, at=later(4))
    assert not (await store.get_document(DRAFT_REF.key)).awaiting_review  # type: ignore[union-attr]
