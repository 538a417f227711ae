"""Owner normalisation and actor finding: table-driven, no doubles."""

from __future__ import annotations

import pytest

from minutes.model import Person
from minutes.people import Roster, actor_grammar, find_actors, normalise_owner_cell, parse_roster

ROSTER = Roster(
    people=(
        Person("Annika Andersson", "AA"),
        Person("Edit Eriksson", "EE"),
        Person("Susanne Rosenström", "SR"),
        Person("Titti Unosdotter", "TU"),
        Person("Maria Rosendal", None, "utvecklingschef"),
    ),
    other_names=("Sanna Melling",),
)
NO_INITIALS = Roster(people=())


@pytest.mark.parametrize(
    ("cell", "roster", "expected"),
    [
        ("EE, SR \noch TU", ROSTER, ("EE", "SR", "TU")),
        ("AA\nEE", ROSTER, ("AA", "EE")),
        ("Alla", ROSTER, ("ALLA",)),
        ("Samtliga", ROSTER, ("ALLA",)),
        ("Gemensamt ansvar", ROSTER, ("ALLA",)),
        ("Omsorgsdirektör", NO_INITIALS, ("omsorgsdirektör",)),
        ("HR chef", NO_INITIALS, ("hr-chef",)),
        ("HR-chef", NO_INITIALS, ("hr-chef",)),
        ("Myndighetschef/ verksamhetschefer", NO_INITIALS, ("myndighetschef", "verksamhetschefer")),
        ("Myndig-\nhetschef", NO_INITIALS, ("myndighetschef",)),
        (
            "Avdelningschef för \ndigitalisering och \nvälfärdsteknik",
            NO_INITIALS,
            ("avdelningschef för digitalisering och välfärdsteknik",),
        ),
        ("TU \n \nSR", NO_INITIALS, ("TU", "SR")),
        ("Annika", ROSTER, ("AA",)),
        ("Maria R", ROSTER, ("Maria Rosendal",)),
        ("Sanna", ROSTER, ("Sanna Melling",)),
        ("HR", ROSTER, ("hr",)),
        ("", ROSTER, ()),
    ],
)
def test_owner_cells_normalise_to_the_gold_form(cell: str, roster: Roster, expected: tuple[str, ...]) -> None:
    assert normalise_owner_cell(cell, roster) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("KLG fått i uppdrag att titta på vad vi kan förändra.", ("klg",)),
        ("Administrativ chef fått uppdraget.", ("administrativ chef",)),
        ("Annika kontaktar Pernilla angående PART.", ("AA",)),
        ("TU, SR och EE deltar", ("TU", "SR", "EE")),
        ("Sanna sammanställer förslag till beslut.", ("Sanna Melling",)),
        ("I december kommer Förändringsledaren att berätta mer.", ("förändringsledaren",)),
        ("I början av januari ska alla chefer sitta med sitt ombud.", ("alla chefer",)),
        ("Nästa vecka ska konsulterna ha en genomgång av rapporten.", ("konsulterna",)),
        (
            "Omställningsfonden vill arbetsgivaren och fackliga representanter ha som en stående punkt.",
            ("arbetsgivaren", "fackliga representanter"),
        ),
        ("HR-chef menar att årsklockan behöver se annorlunda ut, och att HR behöver mer tid.", ("hr",)),
        ("Första träffen fortsätter vi med temat.", ("ALLA",)),
        (
            "Fastighet- och säkerhetsansvarig arbetar löpande med dessa frågor.",
            ("fastighet- och säkerhetsansvarig",),
        ),
        ("Samordnas av innovationsgänget", ()),
        ("Det finns ett beslut från kommunfullmäktige.", ()),
        ("Riskbedömning kommer genomföras.", ()),
        # Names are whole words: a longer form wins, a name inside another word is no name.
        ("Maria Rosendal och Annika ska skicka ut kallelsen.", ("Maria Rosendal", "AA")),
        ("Utredningen görs av Annika Andersson och Sanna.", ("AA", "Sanna Melling")),
        ("Annika Anderssons grupp ska skicka ut kallelsen.", ()),
        ("Ge Edit i uppdrag att utreda frågan.", ("EE",)),
        # Private-use characters already in the text never stand for a name.
        ("\U000f0000 ska skicka ut kallelsen.", ()),
        ("\U000f0005, Edit ska skicka ut kallelsen.", ("EE",)),
    ],
)
def test_actors_are_who_the_sentence_says_will_act(sentence: str, expected: tuple[str, ...]) -> None:
    assert find_actors(sentence, ROSTER, actor_grammar(ROSTER)) == expected


def test_roster_reads_attendees_with_initials_and_guests() -> None:
    text = (
        "Närvarande:\nAnnika Andersson (AA), Edit Eriksson (EE), Titti \nUnosdotter (TU).\n\n"
        "Gäster: Sanna Melling, innovationsledare VOF, Linn Frick, intraprenör SLF.\n"
    )
    roster = parse_roster(text)
    assert {p.name: p.initials for p in roster.people} == {
        "Annika Andersson": "AA",
        "Edit Eriksson": "EE",
        "Titti Unosdotter": "TU",
        "Sanna Melling": None,
        "Linn Frick": None,
    }
