"""The follow-up agenda card: golden JSON, schema, sections by earlier meeting, follow-up dates, overflow."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from cards.agenda import AGENDA_VIEW, Agenda, AgendaLine, AgendaSection, follow_up_agenda_card
from cards.verbs import Verb
from minutes.model import ItemKind
from tests.cards.cardcheck import (
    TEAMS_LIMIT_BYTES,
    card_bytes,
    elements,
    execute_actions,
    schema_errors,
    text_block_texts,
    visible_text,
)
from tests.cards.golden_files import GOLDEN, check_golden, dump, golden_names
from tests.cards.samples import DOCUMENT, MEETING, NEXT_MEETING, OVERDUE, PEOPLE, TODAY, many_items, record
from tests.cards.test_actions import stress_items

Card = dict[str, Any]

GOLDEN_AGENDA = GOLDEN / "agenda"
NEXT = date(2025, 4, 28)  # the meeting the agenda is for; TODAY is 22 April
MARCH = date(2025, 3, 17)
MARCH_KEY = "sharepoint:b!flg|01MARCH"

MARCH_ITEM = replace(
    record(
        11,
        ItemKind.ACTION,
        "Ta fram en tidplan för översynen av delegationsordningen.",
        ("SÖ",),
        due=date(2025, 4, 25),
        due_raw="25/4",
        topic="Delegationsordning",
        document_key=MARCH_KEY,
    ),
    meeting_date=MARCH,
)
MARCH_SECTION = AgendaSection(
    document_key=MARCH_KEY,
    group="FLG",
    meeting_date=MARCH,
    document_name="Protokoll FLG 2025-03-17.docx",
    web_url="file:///srv/flg/mars.docx",
    lines=(AgendaLine(MARCH_ITEM, MARCH_ITEM.due or NEXT),),
)
APRIL_SECTION = AgendaSection(
    document_key=DOCUMENT.key,
    group="FLG",
    meeting_date=MEETING,
    document_name=DOCUMENT.name,
    web_url=DOCUMENT.web_url,
    lines=(AgendaLine(OVERDUE, date(2025, 4, 10)), AgendaLine(NEXT_MEETING, NEXT)),
)
AGENDA = Agenda("FLG", NEXT, (MARCH_SECTION, APRIL_SECTION), made_on=TODAY)


def card(agenda: Agenda = AGENDA, **options: Any) -> Card:
    return follow_up_agenda_card(agenda, people=PEOPLE, today=TODAY, **options)


def long_agenda(count: int) -> Agenda:
    items = many_items(count)
    section = replace(APRIL_SECTION, lines=tuple(AgendaLine(item, item.due or NEXT) for item in items))
    return Agenda("FLG", NEXT, (MARCH_SECTION, section), made_on=TODAY)


CASES: dict[str, Callable[[], Card]] = {
    "agenda": card,
    "agenda_empty": lambda: card(Agenda("FLG", NEXT, (), made_on=TODAY)),
    "agenda_overflow": lambda: card(long_agenda(30)),
}


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_card_matches_golden_file_and_schema(name: str, build: Callable[[], Card]) -> None:
    built = build()
    assert schema_errors(built) == []
    assert dump(built) == dump(build()), "not deterministic"
    check_golden(GOLDEN_AGENDA, name, built)


def test_every_golden_file_has_a_case() -> None:
    assert golden_names(GOLDEN_AGENDA) == set(CASES)


def test_heading_and_sections_by_earlier_meeting_oldest_first() -> None:
    texts = text_block_texts(card())
    assert texts[:3] == [
        "Uppföljning från tidigare möten",
        "Inför FLG 28 apr 2025 · läget 22 apr 2025",
        "3 punkter återkommer från 2 möten.",
    ]
    assert [t for t in texts if t.startswith("Från ")] == ["Från FLG 17 mar 2025", "Från FLG 14 apr 2025"]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Ansvarig: <at>Sören Östlund</at> · Uppföljning: 25 apr 2025", "due date written out"),
        ("Ansvarig: <at>Rickard Nyström</at>, Kansliet · Uppföljning: 10 apr 2025 · **försenad**", "late"),
        ("Ansvarig: <at>Sören Östlund</at> · Uppföljning: 28 apr 2025", "'nästa möte' is the meeting day"),
    ],
)
def test_rows_show_owner_and_follow_up_date(row: str, expected: str) -> None:
    assert row in text_block_texts(card()), expected


def test_never_says_next_meeting_instead_of_a_date() -> None:
    assert "nästa möte" not in visible_text(card())


def test_klar_buttons_name_the_agenda_they_refresh() -> None:
    data = [a["data"] for a in execute_actions(card()) if a["verb"] == Verb.DONE]
    context = {"view": AGENDA_VIEW, "group": "FLG", "meetingDate": "2025-04-28"}
    assert data == [{**context, "itemId": n} for n in (MARCH_ITEM.id, OVERDUE.id, NEXT_MEETING.id)]


def test_links_only_to_web_addresses() -> None:
    links = [node["url"] for node in elements(card()) if node.get("type") == "Action.OpenUrl"]
    assert links == [DOCUMENT.web_url]


def test_nothing_to_follow_up() -> None:
    texts = text_block_texts(CASES["agenda_empty"]())
    assert texts[-1] == "Inga punkter från tidigare möten återkommer till det här mötet."
    assert execute_actions(CASES["agenda_empty"]()) == []


@pytest.mark.parametrize(("count", "cut"), [(14, False), (30, True)])
def test_overflow_shows_the_first_rows_and_says_how_many(count: int, cut: bool) -> None:
    built = card(long_agenda(count))
    texts = text_block_texts(built)
    shown = len([a for a in execute_actions(built) if a["verb"] == Verb.DONE])
    assert 0 < shown < count + 1 if cut else shown == count + 1
    assert (f"Visar {shown} av {count + 1} punkter." in texts) is cut
    assert ("Sekreteraren kan ta ut hela listan som Word-dokument till kallelsen." in texts) is cut


def test_the_row_limit_cuts_light_rows() -> None:
    light = replace(
        APRIL_SECTION,
        lines=tuple(
            AgendaLine(replace(OVERDUE, key=f"k{n}", text="Kort.", owners=(), id=n), NEXT)
            for n in range(1, 41)
        ),
    )
    built = card(Agenda("FLG", NEXT, (light,)), max_rows=20)
    assert "Visar 20 av 40 punkter." in text_block_texts(built)


def test_undated_minutes_are_named_by_their_file() -> None:
    undated = replace(MARCH_SECTION, meeting_date=None)
    assert "Från Protokoll FLG 2025-03-17.docx" in text_block_texts(card(Agenda("FLG", NEXT, (undated,))))


def test_heavy_agenda_stays_under_the_teams_limit() -> None:
    heavy, crowd = stress_items(200)
    section = replace(APRIL_SECTION, lines=tuple(AgendaLine(item, NEXT) for item in heavy))
    built = follow_up_agenda_card(Agenda("FLG", NEXT, (section,)), people=crowd, today=TODAY, max_rows=200)
    assert card_bytes(built) <= TEAMS_LIMIT_BYTES, card_bytes(built)
    assert schema_errors(built) == []
    assert any(t.startswith("Visar ") for t in text_block_texts(built))
