"""The secretary's 'Publicera' (workflows/publish.py) with a hand-written fake store: who may, what each click
answers, and that the minutes are published once."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest

from minutes.records import ConversationType, ConvRef, DocumentRecord, RosterEntry
from workflows.chat import Person
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
