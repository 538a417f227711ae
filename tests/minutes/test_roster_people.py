"""find_person: someone a command names, by initials, name, first name, surname or a role only they hold."""

from __future__ import annotations

import pytest

from minutes.model import Person
from minutes.records import RosterEntry
from minutes.roster import find_person, roster_people

PEOPLE = (
    Person("Edit Eriksson", "EE", "ekonomichef"),
    Person("Annika Andersson", "AA", "ordförande"),
    Person("Anna Berg", None, "ledamot"),
    Person("Bo Berg", "BB", "ledamot"),
)


@pytest.mark.parametrize(
    ("written", "label", "owners"),
    [
        ("EE", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("ee", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("Edit Eriksson", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("edit  eriksson.", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("Edit", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("Edith Eriksson", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("Eriksson", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("ekonomichefen", "Edit Eriksson (EE)", {"EE", "Edit Eriksson", "ekonomichef"}),
        ("ordf", "Annika Andersson (AA)", {"AA", "Annika Andersson", "ordförande"}),
        ("Annika A", "Annika Andersson (AA)", {"AA", "Annika Andersson", "ordförande"}),
        # A role two people hold is no owner form of either.
        ("Anna", "Anna Berg", {"Anna Berg"}),
        ("Bo", "Bo Berg (BB)", {"BB", "Bo Berg"}),
    ],
)
def test_a_person_is_found_by_any_of_the_forms_the_minutes_use(
    written: str, label: str, owners: set[str]
) -> None:
    match = find_person(written, PEOPLE)
    assert match is not None and match.label == label and match.owners == owners


@pytest.mark.parametrize("written", ["Berg", "ledamot", "X", "", "Kalle Karlsson", "ZZ"])
def test_nobody_or_several_is_no_match(written: str) -> None:
    assert find_person(written, PEOPLE) is None


def test_a_groups_roster_is_searched_as_its_people() -> None:
    entries = [
        RosterEntry("FLG", "YK", "Yvonne Kvist", ("sekreterare", "nämndsekreterare")),
        RosterEntry("FLG", "RN", "Rickard Nilsson"),
    ]
    match = find_person("sekreteraren", roster_people(entries))
    assert match is not None and match.label == "Yvonne Kvist (YK)"
    assert match.owners == {"YK", "Yvonne Kvist", "sekreterare", "nämndsekreterare"}
    assert find_person("anything", ()) is None
