"""Fixed items, people and documents for the card tests: å/ä/ö, mentions, unresolved owners, every state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

from minutes.model import ItemKind, Relative
from minutes.records import DocumentRecord, ItemRecord, ItemStatus
from workflows.chat import Person

TODAY = date(2025, 4, 22)
MEETING = date(2025, 4, 14)
DOCUMENT_KEY = "sharepoint:b!flg|01ABCDEF"

# The three id forms Teams accepts in a card mention: a Teams id, an Entra object id and a UPN.
ANNA = Person(
    teams_id="29:1a2b3c-anna", name="Anna Åberg", aad_object_id="00000000-0000-0000-0000-0000000000aa"
)
RICKARD = Person(teams_id="00000000-0000-0000-0000-0000000000a1", name="Rickard Nyström")
SOREN = Person(teams_id="soren.ostlund@example.se", name="Sören Östlund")
PEOPLE: Mapping[str, Sequence[Person]] = {"Anna Åberg": (ANNA,), "RN": (RICKARD,), "SÖ": (SOREN,)}

LONG_TEXT = (
    "Förvaltningen ska under våren se över hur ärendehanteringen kan digitaliseras i sin helhet, från "
    "inkommande handlingar i e-post och brev till diarieföring, handläggning, beslut och arkivering, och "
    "samtidigt kartlägga vilka system som behöver bytas ut, vilka avtal som löper ut under året och vilka "
    "kompetenser som saknas i organisationen för att kunna genomföra förändringen utan att verksamheten "
    "påverkas negativt. Arbetet ska stämmas av med IT-avdelningen, arkivarien och de fackliga "
    "organisationerna innan ett förslag läggs fram för ledningsgruppen i juni."
)

DOCUMENT = DocumentRecord(
    key=DOCUMENT_KEY,
    name="Protokoll FLG 2025-04-14.docx",
    version="c1",
    content_hash="abc",
    web_url="https://kommun.sharepoint.com/sites/flg/Protokoll/Protokoll%20FLG%202025-04-14.docx",
    group="FLG",
    meeting_date=MEETING,
    status="ok",
    id=1,
)


def record(
    number: int,
    kind: ItemKind,
    text: str,
    owners: tuple[str, ...] = (),
    *,
    due: date | None = None,
    due_raw: str | None = None,
    relative: Relative | None = None,
    status: ItemStatus = ItemStatus.OPEN,
    topic: str = "",
    document_key: str = DOCUMENT_KEY,
) -> ItemRecord:
    return ItemRecord(
        key=f"{document_key}#{number}",
        document_key=document_key,
        kind=kind,
        topic=topic,
        text=text,
        owners=owners,
        actors=owners,
        due=due,
        due_raw=due_raw,
        due_relative=relative,
        source=f"t1.r{number}.c1.0",
        status=status,
        group="FLG",
        meeting_date=MEETING,
        id=number,
    )


DECISION = record(
    1,
    ItemKind.DECISION,
    "FLG beslutar att anta förslaget till budget för 2026 med de ändringar som redovisades för förskolans ramar.",
    topic="Budget 2026",
)
MENTIONED = record(
    2,
    ItemKind.ACTION,
    "Ta fram en åtgärdsplan för tillgängligheten på kommunens webbplats.",
    ("Anna Åberg",),
    due=date(2025, 5, 15),
    due_raw="15 maj",
    topic="Tillgänglighet",
)
OVERDUE = record(
    3,
    ItemKind.ACTION,
    "Sammanställa lönekartläggningen och skicka den till HR-chefen.",
    ("RN", "Kansliet"),
    due=date(2025, 4, 10),
    due_raw="10/4",
    topic="Lönekartläggning",
)
DONE = replace(
    record(
        4,
        ItemKind.ACTION,
        "Beställa nya skärmar till sammanträdesrummet Älven.",
        ("Anna Åberg",),
        due=date(2025, 4, 30),
        due_raw="30/4",
        status=ItemStatus.DONE,
        topic="Inköp",
    ),
    changed_by=ANNA.aad_object_id,
    changed_at=datetime(2025, 4, 21, 9, 30, tzinfo=UTC),
)
# Who changed items (the id the store keeps) → their name, as workflows.owners.actor_names gives it.
ACTORS: Mapping[str, str] = {ANNA.aad_object_id or "": ANNA.name}
# A decision that names an owner and a date is also an action: Klar, reminders, overdue.
DECISION_WITH_OWNER = record(
    9,
    ItemKind.DECISION,
    "Beslut: IT-avdelningen byter ut projektorerna i sammanträdesrummen.",
    ("RN",),
    due=date(2025, 4, 18),
    due_raw="18/4",
    topic="Projektorer",
)
NEXT_MEETING = record(
    5,
    ItemKind.FOLLOW_UP,
    "Återkommer med olika alternativ på kort och lång sikt för administrativa lokaler inom VOF.",
    ("SÖ",),
    due_raw="till nästa möte",
    relative=Relative.NEXT_MEETING,
    topic="Administrativa lokaler",
)
LONG = record(
    6,
    ItemKind.ACTION,
    LONG_TEXT,
    ("ALLA",),
    due_raw="under hösten",
    topic="Digitalisering av ärendehanteringen",
)
WITHDRAWN = record(
    7,
    ItemKind.ACTION,
    "Boka studiebesök i Örebro.",
    ("RN",),
    due=date(2025, 5, 2),
    status=ItemStatus.WITHDRAWN,
)
UNRESOLVED = record(
    8,
    ItemKind.FOLLOW_UP,
    "Rapport om sjukfrånvaron under första kvartalet.",
    ("Göran Ödman",),
    due=date(2025, 5, 20),
    due_raw="20 maj",
    topic="Sjukfrånvaro",
)

ITEMS: tuple[ItemRecord, ...] = (
    MENTIONED,
    DECISION,
    OVERDUE,
    DONE,
    NEXT_MEETING,
    LONG,
    WITHDRAWN,
    UNRESOLVED,
)

OWNER_CYCLE = (("Anna Åberg",), ("RN", "Kansliet"), ("Göran Ödman",), ("SÖ",))


def many_items(
    count: int, *, text: str = "Åtgärda ärende nummer {n} i kön hos förvaltningen."
) -> list[ItemRecord]:
    """`count` open actions with a mix of mentioned and unresolved owners, due in May and June."""
    return [
        record(
            n,
            ItemKind.ACTION,
            text.format(n=n),
            OWNER_CYCLE[n % len(OWNER_CYCLE)],
            due=date(2025, 5, 1 + n % 28) if n % 2 else date(2025, 6, 1 + n % 28),
            due_raw="maj",
        )
        for n in range(1, count + 1)
    ]
