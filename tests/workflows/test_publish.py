"""The secretary's 'Publicera' (workflows/publish.py) with a hand-written fake store: who may, what each click
answers, and that the minutes are published once."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

import pytest

from minutes.model import ItemKind
from minutes.records import ConversationType, ConvRef, DocumentRecord, DocumentRef, RosterEntry
from store import SqlStore
from tests.store.builders import FLG_REF, document, ingest, item, later
from workflows.agenda import build_agenda
from workflows.chat import Person
from workflows.digest import build_digest
from workflows.publish import (
    ALREADY_PUBLISHED,
    NO_SUCH_MINUTES,
    ONLY_SECRETARY_PUBLISHES,
    PUBLISHED,
    Publishing,
)

NOW = datetime(2024, 9, 2, 8, 0, tzinfo=UTC)
KEY = "local:/minutes|flg.docx"
SECRETARY = Person("29:yk", "Yvonne Kvist", "aad-yk")
MEMBER = Person("29:aa", "Annika Andersson", "aad-aa")
OUTSIDER = Person("29:xx", "Okänd Person", "aad-xx")
WITHOUT_ID = Person("29:yk", "Yvonne Kvist", None)
CHAT = ConvRef("http://127.0.0.1:1/", "a:personal-yk", ConversationType.PERSONAL, "tenant", "28:bot")
ROSTER = [
    RosterEntry("FLG", "YK", "Yvonne Kvist", ("sekreterare",), "aad-yk", None),
    RosterEntry("FLG", "AA", "Annika Andersson", ("omsorgsdirektör",), "aad-aa", None),
    # Another group's secretary is not FLG's.
    RosterEntry("FSG", "XX", "Okänd Person", ("sekreterare",), "aad-xx", None),
]


def minutes(*, awaiting: bool = True, group: str | None = "FLG", status: str = "ok") -> DocumentRecord:
    return DocumentRecord(KEY, "flg.docx", "v1", "h", None, group, None, status, awaiting_review=awaiting)


@dataclass
class FakeStore:
    """PublishStore in memory: publish_document flips awaiting_review once and records who did it."""

    documents: dict[str, DocumentRecord] = field(default_factory=dict)
    published: list[tuple[str, str, str]] = field(default_factory=list)

    async def get_document(self, key: str) -> DocumentRecord | None:
        return self.documents.get(key)

    async def roster(self, group: str) -> list[RosterEntry]:
        return [entry for entry in ROSTER if entry.group == group]

    async def save_roster(self, group: str, entries: object) -> None:
        raise AssertionError("publishing writes no roster")

    async def publish_document(self, key: str, *, by: str, at: datetime, origin: str) -> bool:
        document = self.documents.get(key)
        if document is None or not document.awaiting_review:
            return False
        self.documents[key] = replace(document, awaiting_review=False)
        self.published.append((key, by, origin))
        return True


# Who clicks, on which minutes (by the click's data), and what they are told; whether it published.
CASES = [
    pytest.param(SECRETARY, KEY, minutes(), PUBLISHED, True, id="the secretary publishes"),
    pytest.param(MEMBER, KEY, minutes(), ONLY_SECRETARY_PUBLISHES, False, id="a member is refused"),
    pytest.param(OUTSIDER, KEY, minutes(), ONLY_SECRETARY_PUBLISHES, False, id="another group's secretary"),
    pytest.param(WITHOUT_ID, KEY, minutes(), ONLY_SECRETARY_PUBLISHES, False, id="no Entra id: nobody known"),
    pytest.param(
        SECRETARY, KEY, minutes(group=None), ONLY_SECRETARY_PUBLISHES, False, id="minutes of no group"
    ),
    pytest.param(SECRETARY, KEY, minutes(awaiting=False), ALREADY_PUBLISHED, False, id="published already"),
    pytest.param(SECRETARY, "local:/minutes|other.docx", minutes(), NO_SUCH_MINUTES, False, id="unknown"),
    pytest.param(SECRETARY, 42, minutes(), NO_SUCH_MINUTES, False, id="forged data, not a key"),
    pytest.param(SECRETARY, KEY, minutes(status="deleted"), NO_SUCH_MINUTES, False, id="deleted minutes"),
]


@pytest.mark.parametrize(("who", "key", "document", "told", "published"), CASES)
async def test_each_click_is_answered_and_only_the_secretary_publishes(
    who: Person, key: object, document: DocumentRecord, told: str, published: bool
) -> None:
    store = FakeStore({KEY: document})
    outcome = await Publishing(store, lambda: NOW).publish(key, who, CHAT)
    assert outcome.text == told and outcome.published is published
    assert store.published == ([(KEY, "aad-yk", "teams:a:personal-yk")] if published else [])
    # A refusal is a card saying so; a publishing leaves the card to the caller (the meeting as posted).
    assert (outcome.card is None) is (told in (PUBLISHED, ALREADY_PUBLISHED))
    if outcome.card is not None:
        assert told in str(outcome.card)


async def test_a_second_click_or_a_replay_publishes_nothing_twice() -> None:
    store = FakeStore({KEY: minutes()})
    publishing = Publishing(store, lambda: NOW)
    first = await publishing.publish(KEY, SECRETARY, CHAT)
    again = await publishing.publish(KEY, SECRETARY, CHAT)
    assert (first.published, again.published, again.text) == (True, False, ALREADY_PUBLISHED)
    assert len(store.published) == 1


# -- the rule until published, through the use cases that read the store (SQLite and PostgreSQL) -------------

DRAFT_REF = DocumentRef(source="local:/minutes", item_id="flg-2024-09-09.docx", name="flg-2024-09-09.docx")
ON_2_SEP = date(2024, 9, 2)


async def draft_and_published(store: SqlStore) -> None:
    await ingest(store, document(FLG_REF), [item("p", "Boka lokal.", due=date(2024, 9, 5))])
    draft = replace(document(DRAFT_REF, meeting_date=date(2024, 8, 30)), awaiting_review=True)
    drafted = [
        item("a", "Ring facket.", ref=DRAFT_REF, due=date(2024, 9, 4), meeting_date=date(2024, 8, 30)),
        item("b", "Skriv rapporten.", ref=DRAFT_REF, due=date(2024, 8, 31), meeting_date=date(2024, 8, 30)),
        item("d", "FLG fastställer budgeten.", ref=DRAFT_REF, owners=(), kind=ItemKind.DECISION),
    ]
    await ingest(store, draft, drafted, at=later(1))


async def test_the_digest_and_the_agenda_leave_unpublished_minutes_out_until_published(
    store: SqlStore,
) -> None:
    await draft_and_published(store)

    async def seen() -> tuple[set[str], set[str], set[str], set[str]]:
        digest = await build_digest(store, "FLG", today=ON_2_SEP)
        agenda = await build_agenda(store, "FLG", date(2024, 9, 23), today=ON_2_SEP)
        return (
            {i.text for i in digest.due_this_week},
            {i.text for i in digest.overdue},
            {m.document.key for m in digest.new_minutes},
            {line.item.text for section in agenda.sections for line in section.lines},
        )

    due, late, minutes_read, returning = await seen()
    assert (due, late) == ({"Boka lokal."}, set()) and DRAFT_REF.key not in minutes_read
    assert returning == {"Boka lokal."}
    assert await store.publish_document(DRAFT_REF.key, by="aad-yk", at=later(2), origin="teams:t")
    due, late, minutes_read, returning = await seen()
    assert (due, late) == ({"Boka lokal.", "Ring facket."}, {"Skriv rapporten."})
    assert DRAFT_REF.key in minutes_read
    assert returning == {"Boka lokal.", "Ring facket.", "Skriv rapporten."}
