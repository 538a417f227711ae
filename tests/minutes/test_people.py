"""The roster, names, titles and owner cells (minutes/people.py): table-driven, no doubles."""

from __future__ import annotations

import pytest

from minutes.attendance import parse_roster
from minutes.model import Person
from minutes.people import Roster, normalise_owner_cell

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

# GOLD_FORMAT (owners): a role, title or abbreviated role that fits exactly one listed person is that person.
ROLE_DOCUMENTS = {
    "comma": "Närvarande: Eva Lind, ekonomichef; Per Holm, HR-chef; Kim Ek (KE)\n",
    "paren": "Deltagare: Eva Lind (ekonomichef), Per Holm (ordförande), Ali Rad (vice ordförande)\n",
    "author": "Vård- och omsorgsförvaltningen\nAnnika Andersson\nOmsorgsdirektör\n\nHANDLINGSPLAN\n",
    "labels": "Ordförande: Per Holm\nSekreterare: Kim Ek\nKassör: Lisa Berg\n",
    "two_chefs": "Närvarande: Eva Lind, ekonomichef; Olle Ek, ekonomichef\n",
    "tab": "Namn\tRoll\nEva Lind\tekonomichef\nPer Holm\trektor\n",
}


@pytest.mark.parametrize(
    ("cell", "roster", "expected"),
    [
        ("EE, SR \noch TU", ROSTER, ("EE", "SR", "TU")),
        ("AA\nEE", ROSTER, ("AA", "EE")),
        # Where a listed person comes from, or their initials, in parentheses: that person alone.
        ("Edit E (Åsby), Titti U (Hedvik)", ROSTER, ("EE", "TU")),
        ("Maria Rosendal (MR)", ROSTER, ("Maria Rosendal",)),
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
    ("document", "cell", "expected"),
    [
        ("comma", "Ekonomichef", ("Eva Lind",)),
        ("comma", "Ekonomichefen", ("Eva Lind",)),
        ("comma", "Ekonomichef och HR-chef", ("Eva Lind", "Per Holm")),
        ("comma", "HR chef", ("Per Holm",)),
        ("comma", "controller", ("controller",)),  # fits nobody: the role stays
        ("paren", "ordf", ("Per Holm",)),
        ("paren", "Ordf.", ("Per Holm",)),
        ("paren", "v. ordf", ("Ali Rad",)),
        ("paren", "vordf", ("Ali Rad",)),
        ("author", "Omsorgsdirektör", ("Annika Andersson",)),
        ("labels", "sekr", ("Kim Ek",)),
        ("labels", "Kassören", ("Lisa Berg",)),
        ("labels", "ordföranden", ("Per Holm",)),
        ("two_chefs", "Ekonomichef", ("ekonomichef",)),  # fits two: the role stays
        ("tab", "Rektorn", ("Per Holm",)),
        ("comma", "sekr", ("sekreterare",)),  # an abbreviation that fits nobody is written out
    ],
)
def test_a_role_that_fits_one_listed_person_is_that_person(
    document: str, cell: str, expected: tuple[str, ...]
) -> None:
    roster = parse_roster(ROLE_DOCUMENTS[document])
    assert normalise_owner_cell(cell, roster) == expected


def test_a_full_name_spelt_a_letter_off_in_the_text_is_the_attendee() -> None:
    roster = Roster(
        people=(Person("Annelie Berg"), Person("Olle Ek")), other_names=("Anneli Berg", "Kim Falk")
    )
    assert roster.resolve_name("Anneli Berg") == "Annelie Berg"
    assert roster.resolve_name("Kim Falk") == "Kim Falk"  # no attendee is near: the name seen in the text
