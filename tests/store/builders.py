"""Records for the store tests, and ingestion as the workflow does it: read, reconcile (the real core), save."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta

from minutes.model import ItemKind, Relative
from minutes.reconcile import Reconciliation, reconcile
from minutes.records import DocumentRecord, DocumentRef, ItemRecord
from store import SqlStore

MONDAY = datetime(2024, 8, 26, 7, 30, tzinfo=UTC)
ORIGIN = "ingest:local:/minutes"
FLG_REF = DocumentRef(source="local:/minutes", item_id="flg-2024-08-26.docx", name="flg-2024-08-26.docx")
FSG_REF = DocumentRef(source="local:/minutes", item_id="fsg-2024-09-02.docx", name="fsg-2024-09-02.docx")


def later(hours: int) -> datetime:
    return MONDAY + timedelta(hours=hours)


def document(
    ref: DocumentRef = FLG_REF,
    *,
    version: str = "v1",
    group: str = "FLG",
    meeting_date: date | None = date(2024, 8, 26),
) -> DocumentRecord:
    return DocumentRecord(
        key=ref.key,
        name=ref.name,
        version=version,
        content_hash=hashlib.sha256(f"{ref.key}{version}".encode()).hexdigest(),
        web_url=f"https://intranet.example/{ref.item_id}",
        group=group,
        meeting_date=meeting_date,
        status="ok",
    )


def item(
    source: str,
    text: str,
    *,
    ref: DocumentRef = FLG_REF,
    topic: str = "Förvaltningsövergripande frågor",
    owners: tuple[str, ...] = ("AA",),
    actors: tuple[str, ...] = (),
    due: date | None = None,
    due_raw: str | None = None,
    due_relative: Relative | None = None,
    kind: ItemKind = ItemKind.ACTION,
    group: str = "FLG",
    meeting_date: date | None = date(2024, 8, 26),
) -> ItemRecord:
    """An extracted item as minutes.reconcile.to_record makes it (the key from document, place and words)."""
    key = hashlib.sha256("\x1f".join((ref.key, source, topic, text)).encode()).hexdigest()[:20]
    return ItemRecord(
        key=key,
        document_key=ref.key,
        kind=kind,
        topic=topic,
        text=text,
        owners=owners,
        actors=actors,
        due=due,
        due_raw=due_raw,
        due_relative=due_relative,
        source=source,
        group=group,
        meeting_date=meeting_date,
        document_due=due,
        document_due_relative=due_relative,
    )


async def ingest(
    store: SqlStore,
    record: DocumentRecord,
    extracted: list[ItemRecord],
    *,
    at: datetime = MONDAY,
) -> tuple[Reconciliation, list[ItemRecord]]:
    changes = reconcile(await store.items_of_document(record.key), extracted)
    return changes, await store.save_ingest(record, changes, at=at, origin=ORIGIN)


# The FLG minutes of 2024-08-26, abridged: two actions, a follow-up and a decision.
FLG_V1 = [
    item(
        "t11.r1.c2.0",
        "Klart för uppföljning 7/10 i FLG",
        owners=("ALLA",),
        due=date(2024, 10, 7),
        due_raw="7/10",
        kind=ItemKind.FOLLOW_UP,
        topic="Planner för aktiviteter",
    ),
    item(
        "t14.r1.c3.3",
        "KLG fått i uppdrag att titta på vad vi kan förändra och minska dubbeldokumentation.",
        owners=("klg",),
    ),
    item(
        "t17.r2.c3.0",
        "Emma återkommer med olika alternativ på kort och lång sikt.",
        owners=("RN",),
        actors=("Emma Jonsson",),
        due=date(2024, 9, 9),
        due_raw="den 9 september",
        topic="Översyn administrativa lokaler",
    ),
    item(
        "t20.r1.c3.0",
        "FLG fastställer riktlinjen för distansarbete.",
        owners=(),
        kind=ItemKind.DECISION,
        topic="Riktlinje distansarbete",
    ),
]
