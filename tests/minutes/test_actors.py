"""Who a sentence says will act (minutes/actors.py): table-driven."""

from __future__ import annotations

import pytest

from minutes.actors import actor_grammar, find_actors
from minutes.attendance import parse_roster
from minutes.model import Person
from minutes.people import Roster

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

ATTENDEES = "Närvarande: Anna Berg (AB), Edit Ek (EE), Kjell Lind (KL)\n\n"

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
        # After a topic and a colon; not after 'Beslut:', whose body decides.
        ("Medlemsvärvning: alla delar ut flygblad i sin port", ("ALLA",)),
        ("Beslut: KLG antar planen.", ()),
        # A passive's agent may be a body no list names.
        ("Affischer trycks av Regionbiblioteket.", ("regionbiblioteket",)),
        # Initials after the name stand between it and its verb.
        ("Edit Eriksson (EE) återkommer med synpunkter på policyn.", ("EE",)),
        # A named owner beats 'vi' whichever rule finds each.
        ("Vi behöver fler instruktörer, Edit annonserar på hemsidan", ("EE",)),
        # The agent a few words after the passive verb.
        ("Beslutet skickas ut till samtliga kommuner av Edit.", ("EE",)),
        ("Vattnet sätts på imorgon av Titti", ("TU",)),
        ("Planen publiceras på intranätet varje månad av utvecklingschefen.", ("Maria Rosendal",)),
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


def test_an_actor_named_by_a_role_is_the_person_holding_it() -> None:
    roster = parse_roster(ROLE_DOCUMENTS["comma"])
    assert find_actors("Ekonomichefen tar fram ett underlag.", roster, actor_grammar(roster)) == ("Eva Lind",)
