"""The small card helpers: Swedish dates, due phrases, shortening, links, mentions and owners; table-driven."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from cards.elements import (
    MAX_OWNERS_SHOWN,
    execute_action,
    format_date,
    format_due,
    format_owners,
    is_web_url,
    mention,
    shorten,
)
from cards.rows import count_phrase, is_overdue
from cards.verbs import Verb
from minutes.model import ItemKind, Relative
from minutes.records import ItemStatus
from tests.cards.samples import ANNA, PEOPLE, RICKARD, SOREN, TODAY, record
from workflows.chat import Person

CARDS = Path(__file__).resolve().parents[2] / "cards"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2025, 4, 30), "30 apr 2025"),
        (date(2025, 1, 1), "1 jan 2025"),
        (date(2024, 5, 7), "7 maj 2024"),
        (date(2024, 10, 14), "14 okt 2024"),
        (date(2023, 12, 31), "31 dec 2023"),
    ],
)
def test_format_date_is_swedish(day: date, expected: str) -> None:
    assert format_date(day) == expected


@pytest.mark.parametrize(
    ("due", "relative", "raw", "expected"),
    [
        (date(2025, 4, 30), None, "30/4", "30 apr 2025"),
        (None, Relative.NEXT_MEETING, "till nästa möte", "nästa möte"),
        (date(2025, 5, 12), Relative.NEXT_MEETING, "nästa möte", "nästa möte"),
        (None, None, "  under\thösten ", "under hösten"),
        (None, None, "", None),
        (None, None, None, None),
    ],
)
def test_format_due(
    due: date | None, relative: Relative | None, raw: str | None, expected: str | None
) -> None:
    assert format_due(due, relative, raw) == expected


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("Kort text.", 50, "Kort text."),
        ("Ord  med\n mellanrum", 50, "Ord med mellanrum"),
        ("Gå igenom årets budget med förvaltningens ekonomer", 30, "Gå igenom årets budget med…"),
        ("Ärendehanteringssystemsupphandlingsprojektet", 20, "Ärendehanteringssys…"),
        ("Punkt ett, punkt två, punkt tre", 22, "Punkt ett, punkt två…"),
    ],
)
def test_shorten(text: str, limit: int, expected: str) -> None:
    assert shorten(text, limit) == expected
    assert len(shorten(text, limit)) <= limit


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://kommun.sharepoint.com/sites/flg/a.docx", True),
        ("HTTP://intranet/a.docx", True),
        (None, False),
        ("", False),
        ("file:///srv/protokoll/a.docx", False),
        ("javascript:alert(1)", False),
        ("protokoll/a.docx", False),
        ("https://exempel.se/a b.docx", False),
    ],
)
def test_only_web_links_open(url: str | None, expected: bool) -> None:
    assert is_web_url(url) is expected


@pytest.mark.parametrize("person", [ANNA, RICKARD, SOREN], ids=["teams id", "entra object id", "upn"])
def test_mention_accepts_every_id_form(person: Person) -> None:
    shown = mention(person)
    assert shown.text == f"<at>{person.name}</at>"
    assert shown.entities == (
        {"type": "mention", "text": shown.text, "mentioned": {"id": person.teams_id, "name": person.name}},
    )


def test_mention_text_cannot_break_out_of_its_tag() -> None:
    shown = mention(Person(teams_id="29:x", name="Eva <b>Ek</b>"))
    assert shown.text == "<at>Eva bEk/b</at>"
    assert shown.entities[0]["mentioned"]["name"] == "Eva <b>Ek</b>"


@pytest.mark.parametrize(
    ("owners", "text", "mentioned"),
    [
        ((), "", []),
        (("Anna Åberg",), "<at>Anna Åberg</at>", ["29:1a2b3c-anna"]),
        (("RN", "Kansliet"), "<at>Rickard Nyström</at>, Kansliet", ["00000000-0000-0000-0000-0000000000a1"]),
        (("Göran Ödman",), "Göran Ödman", []),
        (("ALLA",), "Alla", []),  # everyone, in one word: not the group's names spelt out
        (("Anna Åberg", "Anna Åberg"), "<at>Anna Åberg</at>", ["29:1a2b3c-anna"]),
        (("<at>Anna Åberg</at>",), "atAnna Åberg/at", []),
    ],
)
def test_format_owners(owners: tuple[str, ...], text: str, mentioned: list[str]) -> None:
    shown = format_owners(owners, PEOPLE)
    assert shown.text == text
    assert [entity["mentioned"]["id"] for entity in shown.entities] == mentioned


def test_format_owners_names_a_crowd_briefly() -> None:
    crowd = {"Styrelsen": tuple(Person(teams_id=f"29:{n}", name=f"Person {n}") for n in range(20))}
    shown = format_owners(("Styrelsen", "Kansliet"), crowd)
    assert shown.text.endswith(f" och {21 - MAX_OWNERS_SHOWN} till")
    assert len(shown.entities) == MAX_OWNERS_SHOWN


def test_everyone_is_alla_even_when_the_roster_resolves_it() -> None:
    crowd = {"ALLA": tuple(Person(teams_id=f"29:{n}", name=f"Person {n}") for n in range(6))}
    shown = format_owners(("ALLA", "Kansliet"), crowd)
    assert (shown.text, shown.entities) == ("Alla, Kansliet", ())


def test_execute_action_copies_its_data() -> None:
    data = {"itemId": 3}
    action = execute_action(Verb.DONE, "Klar", data)
    data["itemId"] = 4
    assert action == {"type": "Action.Execute", "verb": "item.done", "title": "Klar", "data": {"itemId": 3}}


@pytest.mark.parametrize(
    ("kind", "due", "relative", "status", "overdue"),
    [
        (ItemKind.ACTION, date(2025, 4, 21), None, ItemStatus.OPEN, True),
        (ItemKind.FOLLOW_UP, date(2025, 4, 1), None, ItemStatus.OPEN, True),
        (ItemKind.ACTION, TODAY, None, ItemStatus.OPEN, False),
        (ItemKind.ACTION, date(2025, 4, 21), None, ItemStatus.DONE, False),
        (ItemKind.DECISION, date(2025, 4, 21), None, ItemStatus.OPEN, False),
        (ItemKind.ACTION, date(2025, 4, 21), Relative.NEXT_MEETING, ItemStatus.OPEN, False),
        (ItemKind.ACTION, None, None, ItemStatus.OPEN, False),
    ],
)
def test_is_overdue(
    kind: ItemKind, due: date | None, relative: Relative | None, status: ItemStatus, overdue: bool
) -> None:
    item = record(1, kind, "Text.", due=due, relative=relative, status=status)
    assert is_overdue(item, TODAY) is overdue


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        (
            [ItemKind.ACTION] * 12 + [ItemKind.DECISION] * 3 + [ItemKind.FOLLOW_UP] * 2,
            "12 åtgärder, 3 beslut, 2 uppföljningar",
        ),
        ([ItemKind.ACTION, ItemKind.DECISION, ItemKind.FOLLOW_UP], "1 åtgärd, 1 beslut, 1 uppföljning"),
        ([ItemKind.DECISION] * 2, "2 beslut"),
        ([], "Inga punkter"),
    ],
)
def test_count_phrase(kinds: list[ItemKind], expected: str) -> None:
    assert count_phrase([record(n, kind, "Text.") for n, kind in enumerate(kinds)]) == expected


# Reading the clock, the environment or files would make cards impure (house style §1 point 2).
IMPURE_CALLS = {"today", "now", "utcnow", "open", "getenv", "read_text", "read_bytes", "print"}
IMPURE_MODULES = {"os", "pathlib", "time", "logging", "random", "socket", "subprocess", "io"}


@pytest.mark.parametrize("path", sorted(CARDS.glob("*.py")), ids=lambda path: path.name)
def test_cards_are_pure_and_say_what_they_are(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree)
    assert docstring and "\n" not in docstring.strip(), "one-line module docstring"
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            assert called not in IMPURE_CALLS, f"{path.name}:{node.lineno} calls {called}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            roots = (
                {alias.name.split(".")[0] for alias in node.names}
                if isinstance(node, ast.Import)
                else {(node.module or "").split(".")[0]}
            )
            assert not roots & IMPURE_MODULES, f"{path.name}:{node.lineno} imports {roots & IMPURE_MODULES}"
