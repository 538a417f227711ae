"""Attendance as secretaries write it, read into the roster (minutes/attendance.py): table-driven."""

from __future__ import annotations

import pytest

from minutes.attendance import parse_roster
from minutes.people import normalise_owner_cell

ATTENDANCE = (
    "Närvarande: Karin Åström (rektor), Robert Fagerlund (bitr. rektor), Niklas Berg (specialpedagog), "
    "Tove Lundgren (SYV), Ola Ek (KD), Yasmin Al-Sayed (kurator)\n\n"
    "Deltagare: Monika Eliasson, enhetschef (ME); Daniel Kask, kurator (DK)\n\n"
    "Åtgärd: Boka aulan Ansvarig: Kim Berg Klart senast: 3/5\n"
)


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


@pytest.mark.parametrize(
    ("rows", "cell", "expected"),
    [
        (
            (("Namn", "Organisation", "Roll"), ("Nils Åberg", "Kommunstyrelsen (M)", "vice ordförande")),
            "vordf",
            ("Nils Åberg",),
        ),
        ((("Deltagare", "Funktion"), ("Camilla Rask", "sekreterare")), "sekreteraren", ("Camilla Rask",)),
        ((("Namn", "Initialer", "Roll"), ("Eva Lind", "EL", "ekonomichef")), "Ekonomichefen", ("EL",)),
        # A table with no name column names nobody.
        ((("Ärende", "Ansvarig"), ("Budget", "ekonomichef")), "Ekonomichef", ("ekonomichef",)),
    ],
)
def test_an_attendance_table_gives_people_and_their_roles(
    rows: tuple[tuple[str, ...], ...], cell: str, expected: tuple[str, ...]
) -> None:
    roster = parse_roster("\n".join("\t".join(row) for row in rows), tables=[rows])
    assert normalise_owner_cell(cell, roster) == expected
    assert all(not p.name.startswith(("Namn", "Deltagare")) for p in roster.people)  # the header is no person


def test_a_list_under_a_label_ends_with_its_block() -> None:
    roster = parse_roster("Sekreterare: Elin Marklund\n\nFöregående anteckningar\n\nText.")
    assert [p.name for p in roster.people] == ["Elin Marklund"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("Rektor", ("Karin Åström",)),  # the role as written beats the 'bitr. rektor'
        ("Bitr. rektor", ("Robert Fagerlund",)),
        ("Specialpedagog", ("Niklas Berg",)),  # a title the list gives needs no vocabulary
        ("SYV", ("Tove Lundgren",)),
        ("Yasmine", ("Yasmin Al-Sayed",)),  # a first name a letter off
        ("Kurator", ("kurator",)),  # two kuratorer: the role stays
        ("ME", ("ME",)),  # 'Name, role (XX)' defines initials
        ("Kim", ("Kim Berg",)),
    ],
)
def test_attendance_lists_give_titles_and_initials(cell: str, expected: tuple[str, ...]) -> None:
    roster = parse_roster(ATTENDANCE)
    assert normalise_owner_cell(cell, roster) == expected


def test_titles_with_the_person_in_parentheses() -> None:
    roster = parse_roster("Närvarande: ordf (Eva Lind), kassör (Per Holm), sekr (Kim Ek)\n")
    assert [(p.name, p.role) for p in roster.people] == [
        ("Eva Lind", "ordf"),
        ("Per Holm", "kassör"),
        ("Kim Ek", "sekr"),
    ]
    assert normalise_owner_cell("Kassören", roster) == ("Per Holm",)
    # After a named person, a title's parentheses say where they work.
    listing = parse_roster("Deltagare: Ola Berg, arkitekt (Byrån Linje Norr); Kim Ek, samordnare\n")
    assert [p.name for p in listing.people] == ["Ola Berg", "Kim Ek"]


def test_titles_before_names_in_capitals_and_a_name_wrapped_over_the_line() -> None:
    roster = parse_roster(
        "Närvarande: Kommundirektör Eva Lind (ordförande), ekonomichef Per Holm, HR-chef Kim\n"
        "Ek, kanslichef Ola Berg\n"
    )
    assert [(p.name, p.role) for p in roster.people] == [
        ("Eva Lind", "kommundirektör, ordförande"),
        ("Per Holm", "ekonomichef"),
        ("Kim Ek", "hr-chef"),  # not the 'kanslichef' after the comma: that is the next person's
        ("Ola Berg", "kanslichef"),
    ]


def test_a_vice_chair_is_not_the_chair_and_titles_joined_by_och_are_two_owners() -> None:
    roster = parse_roster(
        "Närvarande: ordförande Jan Ek, vice ordf Sofia Berg, sekreterare Lisa Holm\n§ 1 Öppnande\nOrdf öppnar mötet.\n"
    )
    assert [(p.name, p.role) for p in roster.people] == [
        ("Jan Ek", "ordförande"),
        ("Sofia Berg", "vice ordförande"),
        ("Lisa Holm", "sekreterare"),
    ]
    assert normalise_owner_cell("Ordförande", roster) == ("Jan Ek",)
    assert normalise_owner_cell("ordf och sekr", roster) == ("Jan Ek", "Lisa Holm")


def test_a_list_after_a_sentence_and_names_joined_by_och() -> None:
    roster = parse_roster(
        "Hej alla! Här kommer anteckningarna. Vi var: Eva Lind (ordf), Ola Berg (kantor och körledare), "
        "Kim Ek och Per Holm.\n"
    )
    assert [(p.name, p.role) for p in roster.people] == [
        ("Eva Lind", "ordf, ordförande"),
        ("Ola Berg", "kantor och körledare"),
        ("Kim Ek", None),
        ("Per Holm", None),
    ]
    assert normalise_owner_cell("Körledaren", roster) == ("Ola Berg",)


def test_first_names_listed_without_colon_or_commas() -> None:
    roster = parse_roster("Veckomöte\nnärvarande Micke Ronja Hassan och Leffe\n\nMicke går igenom larmen\n")
    assert [p.name for p in roster.people] == ["Micke", "Ronja", "Hassan", "Leffe"]
    assert roster.other_names == ()  # 'Micke Ronja' is two of them, no full name


def test_where_first_names_come_from_is_no_person() -> None:
    roster = parse_roster("Deltagare: Ylva (Stadsarkivet Norr), Roger (Bjurfors kommun)\n")
    assert [p.name for p in roster.people] == ["Ylva", "Roger"]


def test_a_party_in_parentheses_and_a_record_label_are_no_titles() -> None:
    people = {p.name: p for p in parse_roster(ATTENDANCE).people}
    assert people["Ola Ek"].role is None
    assert "Kim Berg" not in people or people["Kim Berg"].role is None  # 'Ansvarig:' labels an owner


@pytest.mark.parametrize(
    ("listing", "cell", "expected"),
    [
        # A list of first names only: each is a person, the owner as written.
        ("Med: Nora (ordf), Elias, Wilma och Adam", "Adam", ("Adam",)),
        ("Med: Nora (ordf), Elias, Wilma och Adam", "ordf", ("Nora",)),
        ("Vi var: Nora (ordf), Elias (kassör), Wilma", "kassör", ("Elias",)),
        # Where each comes from, in parentheses, is no name of a person of its own.
        ("Deltagare: Ylva (Stadsarkivet Norr), Roger (Bjurfors kommun)", "Roger", ("Roger",)),
        # The list ends with its sentence: a full name in the next one does not make it a list of full names.
        (
            "Med: Jenny (ordf), Tobias, Camilla (kassör). Rektor Lena Holm var med en stund.",
            "kassör",
            ("Camilla",),
        ),
        # 'Name (XX), title; …': the title runs to the semicolon, in the definite form too.
        (
            "Närvarande: Eva Lind (EL), vårdenhetschef; Per Holm, undersköterska och skyddsombud",
            "Skyddsombudet",
            ("Per Holm",),
        ),
        ("Övriga: Kim Falk (VD), Lisa Borg (ekonomichef)", "vd", ("Kim Falk",)),
        (
            "Närvarande: Ann Lilja, förvaltningschef SBF; Ali Rad, IT-chef",
            "förvaltningschefen",
            ("Ann Lilja",),
        ),
    ],
)
def test_attendance_lists_as_secretaries_write_them(
    listing: str, cell: str, expected: tuple[str, ...]
) -> None:
    assert normalise_owner_cell(cell, parse_roster(listing + "\n")) == expected


@pytest.mark.parametrize(
    ("listing", "cell", "expected"),
    [
        ("Närvarande: Kim Bodin (KB), rektor; Leo Persson (LPe)", "LPe", ("LPe",)),
        ("Attendees: Lina Öhman (LÖ, projektledare), Bo Sand (BS)", "Projektledaren", ("LÖ",)),
        (
            "Deltagare: Nadia Rahimi, arkitekt (Byrån AB); Olle Ek, IT-samordnare",
            "arkitekten",
            ("Nadia Rahimi",),
        ),
        (
            "Närvarande: Kjell Ström (ordförande), Roger Nilsson\n(kassör), Malin Ek (sekreterare)",
            "Kassören",
            ("Roger Nilsson",),
        ),
        ("Närvarande: Anna Wik, Omar Khalil", "@Omar Khalil", ("Omar Khalil",)),
    ],
)
def test_initials_and_titles_in_more_attendance_forms(
    listing: str, cell: str, expected: tuple[str, ...]
) -> None:
    assert normalise_owner_cell(cell, parse_roster(listing + "\n")) == expected


@pytest.mark.parametrize(
    ("listing", "cell", "expected"),
    [
        (
            "Närvarande: ordf Rolf Dahl, vordf Gun Ek, kassör Mats Lind, sekr Lina Holm",
            "Kassören",
            ("Mats Lind",),
        ),
        (
            "Närvarande: ordf Rolf Dahl, vordf Gun Ek, kassör Mats Lind, sekr Lina Holm",
            "v. ordf",
            ("Gun Ek",),
        ),
        (
            "Närvarande: Maria Berg ordf, Stig Ek vordf, Patrik Holm sekr",
            "sekreteraren",
            ("Patrik Holm",),
        ),
    ],
)
def test_a_title_written_straight_before_or_after_the_name(
    listing: str, cell: str, expected: tuple[str, ...]
) -> None:
    assert normalise_owner_cell(cell, parse_roster(listing + "\n")) == expected


@pytest.mark.parametrize(
    ("listing", "cell", "expected"),
    [
        ("Närvarande: Gun Wik (styrelseordförande), Kim Berg (ledamot)", "Ordföranden", ("Gun Wik",)),
        (
            "Närvarande: Sara Berg, enhetschef barn och unga; Per Dahl, enhetschef vuxen",
            "Enhetschef barn och unga",
            ("Sara Berg",),
        ),
        (
            "Närvarande socialtjänsten: Tove Lind, socialsekreterare; Oskar Palm, 1:e socialsekreterare",
            "1:e socialsekreteraren",
            ("Oskar Palm",),
        ),
        ("Närvarande: Gun Wik, Kim Berg", "samtliga ledamöter", ("ALLA",)),
    ],
)
def test_compound_titles_titles_with_och_and_lists_by_side(
    listing: str, cell: str, expected: tuple[str, ...]
) -> None:
    assert normalise_owner_cell(cell, parse_roster(listing + "\n")) == expected


@pytest.mark.parametrize(
    ("listing", "cell", "expected"),
    [
        (
            "Plats: Klubbhuset. Närvarande: Per Ek (ordf), Leif Ström\n(kassör), Anna Borg (sekr).",
            "Kassören",
            ("Leif Ström",),
        ),
        (
            "Närvarande: Helena Berg, kultur- och fritidschef (ordförande), Mats Olsson,\nbibliotekschef, Per Dahl, controller",
            "Bibliotekschefen",
            ("Mats Olsson",),
        ),
        ("Närvarande: Åsa Lind (rektor), Nora Berg (studie- och yrkesvägledare)", "SYV", ("Nora Berg",)),
    ],
)
def test_a_list_after_a_sentence_titles_on_the_next_line_and_written_out_abbreviations(
    listing: str, cell: str, expected: tuple[str, ...]
) -> None:
    assert normalise_owner_cell(cell, parse_roster(listing + "\n")) == expected


def test_a_place_or_organisation_in_parentheses_is_no_title() -> None:
    roster = parse_roster("Närvarande: Ingrid Palm (Stenby, sammankallande), Tove Sund (Regionbiblioteket)\n")
    people = {p.name: p.role for p in roster.people}
    assert people == {"Ingrid Palm": "sammankallande", "Tove Sund": None}
