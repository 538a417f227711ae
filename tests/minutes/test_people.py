"""Owner normalisation and actor finding: table-driven, no doubles."""

from __future__ import annotations

import pytest

from minutes.actors import actor_grammar, find_actors
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
        # Who decides is not who acts.
        ("Rådet beslutar att mötestiderna läggs på måndagar.", ()),
        ("Styrelsen beslutar att Annika skickar ut kallelsen.", ("AA",)),
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


ATTENDEES = "Närvarande: Anna Berg (AB), Edit Ek (EE), Kjell Lind (KL)\n\n"


@pytest.mark.parametrize(
    ("heading", "sentence", "expected"),
    [
        # A sentence's opening word and the name after it are read as a pair of names ('Ge Edit'), but the
        # pair is no name: its grammar word still counts.
        ("", "Ge Edit i uppdrag att boka lokal.", ("EE",)),
        ("", "Ge Anna Berg i uppdrag att boka lokal.", ("AB",)),
        ("", "Ge Anna och Edit i uppdrag att boka.", ("AB", "EE")),
        ("", "Men Anna Berg ska skicka ut kallelsen.", ("AB",)),
        ("", "Mötet beslutade Att Anna ska boka.", ("AB",)),
        ("", "Kommer Edit att boka lokalen?", ("EE",)),
        ("", "Ska Anna ta fram underlag?", ("AB",)),
        ("", "Ge Edit och Kjell i uppdrag att boka.", ("EE", "KL")),
        # A name that may also start a role is a name first, and a role where the name makes no sense.
        ("", "Kjell ska boka.", ("KL",)),
        ("Ekonomisk Uppföljning\n", "Ekonomisk controller ska ta fram underlag.", ("ekonomisk controller",)),
        ("Fackliga Frågor\n", "Fackliga representanter ska boka ett möte.", ("fackliga representanter",)),
    ],
)
def test_actors_with_the_names_the_document_itself_gives(
    heading: str, sentence: str, expected: tuple[str, ...]
) -> None:
    roster = parse_roster(ATTENDEES + heading + sentence)
    assert find_actors(sentence, roster, actor_grammar(roster)) == expected


def test_a_document_naming_more_people_than_there_are_tokens_still_reads() -> None:
    other = tuple(f"Namn{i:05d} Efternamn" for i in range(70_000))  # 140,000 forms, beyond the token range
    roster = Roster(people=(Person("Anna Berg", "AB"),), other_names=other)
    grammar = actor_grammar(roster)
    assert find_actors("Anna ska boka lokal.", roster, grammar) == ("AB",)
    assert find_actors("Namn00001 Efternamn ska boka lokal.", roster, grammar) == ("Namn00001 Efternamn",)


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


def test_an_actor_named_by_a_role_is_the_person_holding_it() -> None:
    roster = parse_roster(ROLE_DOCUMENTS["comma"])
    assert find_actors("Ekonomichefen tar fram ett underlag.", roster, actor_grammar(roster)) == ("Eva Lind",)


ATTENDANCE = (
    "Närvarande: Karin Åström (rektor), Robert Fagerlund (bitr. rektor), Niklas Berg (specialpedagog), "
    "Tove Lundgren (SYV), Ola Ek (KD), Yasmin Al-Sayed (kurator)\n\n"
    "Deltagare: Monika Eliasson, enhetschef (ME); Daniel Kask, kurator (DK)\n\n"
    "Åtgärd: Boka aulan Ansvarig: Kim Berg Klart senast: 3/5\n"
)


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
