"""The grammar of task lines in informal notes: table-driven, no doubles."""

from __future__ import annotations

import pytest

from minutes.tasks import (
    LabelRecord,
    is_negated,
    label_record,
    opens_with_infinitive,
    record_part,
    split_owner_marker,
    strip_line_marker,
)

OWNERS = {"Kalle", "KL", "Kalle o Stina", "alla", "Skolverket"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Boka lokal (Kalle)", ("Boka lokal", "Kalle")),
        ("Boka lokal – Kalle", ("Boka lokal", "Kalle")),
        ("Boka lokal, Kalle.", ("Boka lokal", "Kalle")),
        ("Boka lokal. Ansv: KL", ("Boka lokal.", "KL")),
        ("Boka lokal, ansvariga Kalle o Stina", ("Boka lokal", "Kalle o Stina")),
        ("Skicka frågan (Skolverket)", ("Skicka frågan", "Skolverket")),
        ("Läsa planen (alla)", ("Läsa planen", "alla")),
        ("Läsa planen (alla!)", ("Läsa planen", "alla")),
        ("Boka föreläsare, senast 18/3", ("Boka föreläsare, senast 18/3", None)),  # a date is no owner
        ("Se bilagan (bilaga 2)", ("Se bilagan (bilaga 2)", None)),
    ],
)
def test_an_owner_marker_at_the_end_of_a_line(line: str, expected: tuple[str, str | None]) -> None:
    assert split_owner_marker(line, lambda phrase: phrase in OWNERS) == expected


ATTENDEES = {"Kalle", "SR", "Alla"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Before the line, an attendee or everyone owns an imperative too, in either language.
        ("Alla: lägg in era ledigheter i kalendern", ("lägg in era ledigheter i kalendern", "Alla")),
        ("SR: finish the guidelines", ("finish the guidelines", "SR")),
        ("Kalle: beställ fem datorer", ("beställ fem datorer", "Kalle")),
        # A clause with a subject of its own is what they reported, no task.
        ("Kalle: klassningen är försenad", ("Kalle: klassningen är försenad", None)),
        ("Kalle: vi ligger bra till", ("Kalle: vi ligger bra till", None)),
        ("Kalle: budgeten ökar", ("Kalle: budgeten ökar", None)),
        # Only attendees: a label that names something else is no owner.
        ("Ekonomi: lägg in siffrorna", ("Ekonomi: lägg in siffrorna", None)),
    ],
)
def test_an_attendee_before_an_imperative(line: str, expected: tuple[str, str | None]) -> None:
    owners = OWNERS | ATTENDEES | {"Ekonomi"}
    assert split_owner_marker(line, owners.__contains__, lambda _: False, ATTENDEES.__contains__) == expected


DUES = {"fre 21/3", "v. 14", "Q2"}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # The owner stands before a due date, which stays in the line for the date rules.
        ("Skicka rapporten (Kalle) – fre 21/3", ("Skicka rapporten – fre 21/3", "Kalle")),
        ("Inventera kontona (KL) – due: v. 14", ("Inventera kontona – due: v. 14", "KL")),
        (
            "Plan för övningen → owner: Kalle o Stina, deadline Q2",
            ("Plan för övningen, deadline Q2", "Kalle o Stina"),
        ),
        # An owner before the line, then an infinitive.
        ("Kalle: boka möte med leverantören", ("boka möte med leverantören", "Kalle")),
        ("Kalle: klassningen är försenad", ("Kalle: klassningen är försenad", None)),  # a report, no task
        ("Deltagare: Kalle, Stina", ("Deltagare: Kalle, Stina", None)),
        ("Boka lokal – fre 21/3", ("Boka lokal – fre 21/3", None)),  # a date alone names nobody
        ("Lösa migreringen – owner: @Kalle, deadline: v. 14", ("Lösa migreringen, deadline: v. 14", "Kalle")),
        # A name joined to a mention: the sentence names both, its actors decide.
        ("Stina och @Kalle går igenom rutinen", ("Stina och Kalle går igenom rutinen", None)),
    ],
)
def test_an_owner_marker_before_a_due_date_or_at_the_start(
    line: str, expected: tuple[str, str | None]
) -> None:
    assert (
        split_owner_marker(line, lambda phrase: phrase in OWNERS, lambda phrase: phrase in DUES) == expected
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Boka lokal", True),
        ("Skicka ut enkät om läsårstider", True),
        ("Se över rutinen", True),
        ("Ta fram underlag", True),
        ("Alla ska läsa", False),  # a pronoun ending in -a
        ("Vecka 12 stängt", False),  # a noun ending in -a
        ("Kalle bokar lokal", False),  # a name, no verb first
        ("Boka", False),  # a verb alone is no task
    ],
)
def test_a_to_do_opens_with_an_infinitive(text: str, expected: bool) -> None:
    assert opens_with_infinitive(text) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("- [ ] Boka lokal", ("Boka lokal", True)),
        ("1. Boka lokal", ("Boka lokal", True)),
        ("a) Boka lokal", ("Boka lokal", True)),
        ("• Boka lokal", ("Boka lokal", True)),
        ("Boka lokal", ("Boka lokal", False)),
    ],
)
def test_list_markers_are_stripped(line: str, expected: tuple[str, bool]) -> None:
    assert strip_line_marker(line) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Vi ska inte höja avgiften.", True),
        ("Ingen ny upphandling i år.", True),
        ("Vi ska höja avgiften.", False),
    ],
)
def test_a_negated_commitment(text: str, expected: bool) -> None:
    assert is_negated(text) is expected


def test_a_label_record_in_one_paragraph() -> None:
    assert label_record("Åtgärd: Boka lokal. Ansvarig: Kim. Klart senast: 3/5") == LabelRecord(
        "Boka lokal", "Kim", "3/5"
    )
    assert label_record("Åtgärd: Boka lokal") is None  # one part alone is no whole record
    assert label_record("Ärende: Lokaler Åtgärd: Boka lokal Ansvarig: Kim Klart senast: 3/5") == LabelRecord(
        "Boka lokal", "Kim", "3/5", topic="Lokaler"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Åtgärd: Boka lokal", ("what", "Boka lokal")),
        ("Ansvarig: Kim", ("who", "Kim")),
        ("Klart senast: v. 13", ("when", "v. 13")),
        ("Beslut: att köpa", None),
    ],
)
def test_a_part_of_a_record_in_a_paragraph_of_its_own(text: str, expected: tuple[str, str] | None) -> None:
    assert record_part(text) == expected
