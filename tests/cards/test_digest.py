"""The weekly digest card and the personal digests: golden JSON, schema, sections, overflow and size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from cards.digest import DIGEST_VIEW, Digest, NewMinutes, personal_digest_cards, weekly_digest_card
from cards.verbs import Verb
from minutes.follow_through import Figures
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
from tests.cards.samples import (
    ANNA,
    DECISION,
    DOCUMENT,
    DONE,
    LONG_TEXT,
    MENTIONED,
    OVERDUE,
    PEOPLE,
    RICKARD,
    TODAY,
    UNRESOLVED,
    many_items,
    record,
)
from tests.cards.test_actions import stress_items

Card = dict[str, Any]

# A subfolder: tests/cards/test_golden.py requires every file directly in golden/ to be one of its CASES.
GOLDEN_DIGEST = GOLDEN / "digest"

# TODAY is Tuesday 22 April 2025, week 17.
FIRST_DAY, LAST_DAY = date(2025, 4, 21), date(2025, 4, 27)
DUE_THURSDAY = record(
    9,
    ItemKind.ACTION,
    "Skicka kallelsen till samverkansgruppen.",
    ("Anna Åberg",),
    due=date(2025, 4, 24),
    due_raw="24/4",
)
DUE_FRIDAY = replace(UNRESOLVED, due=date(2025, 4, 25), due_raw="25/4")  # owner resolves to no one
OTHER_DOCUMENT = replace(
    DOCUMENT,
    key="local:/srv/protokoll|fsg.docx",
    name="Protokoll FSG 2025-04-16.docx",
    web_url="file:///srv/protokoll/fsg.docx",
    group="FSG",
    meeting_date=date(2025, 4, 16),
    id=2,
)


# The group's year so far: 52 to do, 34 done (28 by their last date), 6 overdue.
FOLLOW_THROUGH = Figures(
    (("actions", 40), ("follow_ups", 12), ("decisions", 9), ("to_do", 52), ("done", 34), ("done_by_first_due", 20),
     ("done_by_last_due", 28), ("open", 16), ("overdue", 6), ("moved", 9), ("archived", 2)),
    moves=11,
    median_days_to_done=21.0,
)  # fmt: skip


def digest(**changes: Any) -> Digest:
    full = Digest(
        group="FLG",
        week="2025-W17",
        first_day=FIRST_DAY,
        last_day=LAST_DAY,
        due_this_week=(DUE_THURSDAY, DUE_FRIDAY),
        overdue=(OVERDUE,),
        done_last_week=(DONE,),
        new_minutes=(NewMinutes(DOCUMENT, (DECISION,)), NewMinutes(OTHER_DOCUMENT)),
        follow_through=FOLLOW_THROUGH,
    )
    return replace(full, **changes)


def card(**changes: Any) -> Card:
    return weekly_digest_card(digest(**changes), people=PEOPLE, today=TODAY)


def personal(person_name: str) -> Card:
    [found] = [
        c for p, c in personal_digest_cards(digest(), people=PEOPLE, today=TODAY) if p.name == person_name
    ]
    return found


CASES: dict[str, Callable[[], Card]] = {
    "digest": card,
    "digest_empty": lambda: card(due_this_week=(), overdue=(), done_last_week=(), new_minutes=()),
    "digest_every_group": lambda: card(
        group=None, new_minutes=(), follow_through=None
    ),  # no one group's year
    "digest_overflow": lambda: card(due_this_week=tuple(many_items(14)), done_last_week=()),
    "digest_personal_anna": lambda: personal("Anna Åberg"),
    # Forty items late since 2019 are a count under the rows, not forty rows.
    "digest_long_overdue": lambda: card(
        long_overdue=40, long_overdue_since=date(2025, 1, 22), oldest_due=date(2019, 3, 4)
    ),
}


@pytest.mark.parametrize(("name", "build"), sorted(CASES.items()))
def test_card_matches_golden_file_and_schema(name: str, build: Callable[[], Card]) -> None:
    built = build()
    assert schema_errors(built) == []
    assert dump(built) == dump(build()), "not deterministic"
    check_golden(GOLDEN_DIGEST, name, built)


def test_every_golden_file_has_a_case() -> None:
    assert golden_names(GOLDEN_DIGEST) == set(CASES)


def test_heading_week_counts_and_sections_in_order() -> None:
    texts = text_block_texts(card())
    assert texts[:3] == [
        "Veckosammanfattning FLG",
        "Vecka 17 · 21 apr 2025 – 27 apr 2025",
        "2 förfaller denna vecka, 1 försenad, 1 klar förra veckan, 2 nya protokoll, 1 nytt beslut",
    ]
    headings = ["Förfaller denna vecka", "Försenade", "Klart förra veckan", "Nya protokoll och beslut"]
    assert [t for t in texts if t in headings] == headings


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        ("Ansvarig: <at>Anna Åberg</at> · Klart senast: 24 apr 2025 · Möte: FLG 14 apr 2025", True),
        ("Ansvarig: <at>Rickard Nyström</at>, Kansliet · Klart senast: 10 apr 2025", True),  # overdue, owners
        ("**försenad**", True),
        ("✓ Klar – 21 apr 2025 · Ansvarig: <at>Anna Åberg</at>", True),  # done last week (by someone unknown)
        ("Protokoll FLG 14 apr 2025", True),
        ("Protokoll FSG 16 apr 2025", True),
        ("FLG beslutar att anta förslaget till budget", True),
        ("Inga nya beslut.", True),  # the FSG minutes brought none
        ("Skriv 'öppna'", False),  # nothing was cut
    ],
)
def test_what_the_digest_shows(shown: str, expected: bool) -> None:
    assert (shown in visible_text(card())) is expected


def test_each_document_links_to_itself_when_it_has_a_web_address() -> None:
    links = [node["url"] for node in elements(card()) if node.get("type") == "Action.OpenUrl"]
    assert links == [DOCUMENT.web_url]  # the FSG minutes have only a file:// address


def test_klar_buttons_refresh_the_digest() -> None:
    buttons = [a for a in execute_actions(card()) if a["verb"] == Verb.DONE]
    assert [b["data"] for b in buttons] == [
        {"view": DIGEST_VIEW, "itemId": item.id} for item in (DUE_THURSDAY, DUE_FRIDAY, OVERDUE)
    ]


def test_an_empty_week_says_so() -> None:
    texts = text_block_texts(CASES["digest_empty"]())
    assert texts[2] == "Inga punkter" and texts[4].startswith("Inget att rapportera")
    assert texts[3].startswith(
        "Uppföljning i år (rapport): Klara 34 av 52"
    )  # the year, however quiet the week


def test_the_follow_through_line_shows_only_with_something_to_do() -> None:
    assert not any(t.startswith("Uppföljning i år") for t in text_block_texts(card(follow_through=None)))
    nothing = Figures(tuple((name, 0) for name, _ in FOLLOW_THROUGH.counts), 0, None)
    assert not any(t.startswith("Uppföljning i år") for t in text_block_texts(card(follow_through=nothing)))


def test_a_long_section_shows_its_first_rows_and_says_how_many() -> None:
    texts = text_block_texts(CASES["digest_overflow"]())
    assert "Visar 10 av 14 punkter." in texts
    assert "Skriv 'öppna' till mig för alla öppna punkter." in texts


def test_many_new_minutes_are_cut_with_a_count() -> None:
    minutes = tuple(NewMinutes(replace(DOCUMENT, key=f"k{n}", name=f"Protokoll {n}.docx")) for n in range(8))
    assert "och 3 protokoll till." in text_block_texts(card(new_minutes=minutes))


@pytest.mark.parametrize(
    ("name", "owned"),
    [
        ("Anna Åberg", {DUE_THURSDAY.id, DONE.id}),  # her due item, and what she got done
        ("Rickard Nyström", {OVERDUE.id}),
    ],
)
def test_personal_digests_hold_each_persons_own_items(name: str, owned: set[int]) -> None:
    built = personal(name)
    numbers = {int(t[1:]) for t in text_block_texts(built) if t.startswith("#")}
    assert numbers == owned
    assert "Nya protokoll och beslut" not in text_block_texts(built)
    assert text_block_texts(built)[0] == "Dina punkter, FLG"


def test_personal_digests_go_only_to_resolved_people_with_something_to_do() -> None:
    recipients = [p for p, _ in personal_digest_cards(digest(), people=PEOPLE, today=TODAY)]
    # Sören owns nothing this week; Göran Ödman and Kansliet resolve to no one.
    assert recipients == [ANNA, RICKARD]
    nothing_due = digest(due_this_week=(), overdue=())
    assert personal_digest_cards(nothing_due, people=PEOPLE, today=TODAY) == []


def test_heavy_weeks_stay_under_the_teams_limit() -> None:
    heavy, crowd = stress_items(200)
    decisions = tuple(replace(item, kind=ItemKind.DECISION) for item in heavy[:50])
    minutes = tuple(NewMinutes(replace(DOCUMENT, key=f"k{n}", name=LONG_TEXT), decisions) for n in range(8))
    heaviest = digest(
        due_this_week=tuple(heavy), overdue=tuple(heavy), done_last_week=tuple(heavy), new_minutes=minutes
    )
    # Personal cards are cut per person; a smaller crowd keeps the test quick, 'ALLA' gives Anna every row.
    few, small_crowd = stress_items(30)
    everything_anna = digest(due_this_week=tuple(few), overdue=tuple(few), done_last_week=tuple(few))
    anna_people = {**small_crowd, "ALLA": (ANNA,)}
    [anna_card] = [
        c
        for p, c in personal_digest_cards(
            everything_anna, people=anna_people, today=TODAY, max_rows_per_section=200
        )
        if p == ANNA
    ]
    cards = {
        "channel": weekly_digest_card(heaviest, people=crowd, today=TODAY, max_rows_per_section=200),
        "personal": anna_card,
    }
    for name, built in cards.items():
        assert card_bytes(built) <= TEAMS_LIMIT_BYTES, f"{name}: {card_bytes(built)} bytes"
        assert schema_errors(built) == [], name
        assert "Visar" in visible_text(built), name


def test_mentions_only_for_rows_shown() -> None:
    built = card(due_this_week=(MENTIONED,), overdue=(), done_last_week=(), new_minutes=())
    assert [e["text"] for e in built["msteams"]["entities"]] == ["<at>Anna Åberg</at>"]
