"""Informal notes end to end through the extractor: action lists, records, commitments and what is no task."""

from __future__ import annotations

from datetime import date

import pytest

from minutes.extract import extract
from minutes.read_markdown import read_markdown
from minutes.read_text import read_text

MEETING = date(2024, 4, 15)

NOTES = """# Styrelsemöte 2024-04-15

**Närvarande:** Anna Ek (ordf), Per Holm (kassör), Lisa Nord (sekr), Kim Berg

## Ekonomi
- Kassören kollar med banken om villkoren för lånet till 30/4.
- Vi ska inte höja avgiften i år.
- Kim påminner om att alla kvitton ska lämnas in.
- [x] Nya nycklar beställda – klart

## Att göra
- Boka lokal till årsstämman (Lisa)
- Skicka kallelse till medlemmarna – ordf
- Köpa jord till trädgårdsdagen
- [ ] Sätta upp anslag om stämman
- [x] Skicka ut förra mötets anteckningar

## Inför städdagen 4/5
- Ta fram listan över verktyg

## Pågående
- [ ] Rapport om elförbrukningen till styrelsen – Per
- Gräsklipparen är lagad.
- **Decision:** the board renews the cleaning contract for 2024
"""


def items_of(text: str) -> dict[str, tuple[tuple[str, ...], date | None]]:
    found = extract(read_markdown(text.encode()), reference_date=MEETING).items
    return {item.text: (item.owners, item.due.date if item.due else None) for item in found}


def test_tasks_of_informal_notes_with_their_owners_and_dates() -> None:
    assert items_of(NOTES) == {
        "Kassören kollar med banken om villkoren för lånet till 30/4.": (("Per Holm",), date(2024, 4, 30)),
        "Boka lokal till årsstämman (Lisa)": (("Lisa Nord",), None),
        "Skicka kallelse till medlemmarna – ordf": (("Anna Ek",), None),
        "Köpa jord till trädgårdsdagen": ((), None),  # a to-do with nobody named is kept
        "Sätta upp anslag om stämman": ((), None),  # an open box is a to-do; a ticked one is done, no task
        "Ta fram listan över verktyg": ((), date(2024, 5, 4)),  # the heading's date
        "Rapport om elförbrukningen till styrelsen – Per": (("Per Holm",), None),  # an open box: a to-do
        "Decision: the board renews the cleaning contract for 2024": ((), None),
    }


def test_a_record_over_several_paragraphs() -> None:
    text = "Protokoll 2024-04-15\n\nÅtgärd: Boka lokal\n\nAnsvarig: Kim Berg\n\nKlart senast: Juni\n\nNästa möte: 3/6\n"
    (item,) = extract(read_markdown(text.encode()), reference_date=MEETING).items
    assert (item.owners, item.due.date if item.due else None) == (("Kim Berg",), date(2024, 6, 30))


@pytest.mark.parametrize(
    "header",
    ["| # | Action | Owner | Due |", "| Nr | Uppdrag | Ansv | Återrapport |", "| Nr | Vad | Vem | När |"],
)
def test_a_task_table_with_english_or_terse_headers(header: str) -> None:
    text = f"# Möte 2025-03-04\n\n{header}\n|---|---|---|---|\n| 1 | Boka lokal för dagen | Kalle | 14/3 |\n"
    result = extract(read_markdown(text.encode()), reference_date=date(2025, 3, 10))
    assert [(i.text, i.owners, i.due.date if i.due else None) for i in result.items] == [
        ("Boka lokal för dagen", ("Kalle",), date(2025, 3, 14))
    ]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        # Who attended and what they are: the roster's table, no tasks.
        ("| Namn | Roll | Init |\n|---|---|---|\n| Kim Ek | IT-chef | KE |\n| Eva Lind | HR-chef | EL |", []),
        ("| Namn | Funktion | Initialer |\n|---|---|---|\n| Kim Ek | IT-chef | KE |", []),
        # A column that says what to do, or by when, makes it a table of tasks.
        (
            "| Namn | Uppdrag | Klart |\n|---|---|---|\n| Kim Ek | Boka lokal för dagen | 14/3 |",
            ["Boka lokal för dagen"],
        ),
    ],
)
def test_an_attendance_table_holds_no_tasks(table: str, expected: list[str]) -> None:
    text = f"# Möte 2025-03-04\n\n{table}\n"
    result = extract(read_markdown(text.encode()), reference_date=date(2025, 3, 10))
    assert [i.text for i in result.items] == expected


def test_an_action_cell_that_says_who_takes_the_work_on() -> None:
    text = (
        "# Samråd 2023-10-19\n\nNärvarande: Erik Tunberg, Cecilia Rapp\n\n"
        "| Fråga | Svar | Åtgärd / vem | Uppföljning |\n|---|---|---|---|\n"
        "| Belysning | Armaturerna byts ut. | Erik beställer nya armaturer | 30/11 |\n"
        "| Sanering | Pågår. | Cecilia meddelar berörda hyresgäster | 2/11 |\n"
        "| Avslutning | – | Ordföranden avslutar mötet. | – |\n"
    )
    result = extract(read_markdown(text.encode()), reference_date=date(2023, 10, 19))
    assert [(i.text, i.owners) for i in result.items] == [
        ("Erik beställer nya armaturer", ("Erik Tunberg",)),
        ("Cecilia meddelar berörda hyresgäster", ("Cecilia Rapp",)),
    ]


def test_the_meetings_own_date_in_a_heading_is_no_deadline_but_a_later_one_is() -> None:
    text = (
        "# Styrelsemöte 3/2-25\n\n- Jakob väljer repertoar\n\n## Inför mötet 3/4\n\n- Beställa nya noter\n\n"
        "| Punkt | Ärende | Beslut/Åtgärd | Ansvarig | Tidpunkt |\n|---|---|---|---|---|\n"
        "| 1 | Ekonomi | Åtgärdsplan tas fram | AW | 28/2 |\n"
    )
    result = extract(read_markdown(text.encode()), reference_date=date(2025, 2, 10))
    assert [(i.text, i.due.date if i.due else None) for i in result.items] == [
        ("Jakob väljer repertoar", None),
        ("Beställa nya noter", date(2025, 4, 3)),
        ("Åtgärdsplan tas fram", date(2025, 2, 28)),  # 'Tidpunkt' says when, not a time of day
    ]


def test_terse_notes_put_the_commitment_after_the_topic() -> None:
    text = (
        "Veckomöte\nNärv: Ulla, Kim, Reza\n\n"
        "- Helgen: 3 pass lediga, Reza ringer runt imorgon\n"
        "- Time Care – Ulla kollar m IT\n"
        "\n"
        "Båtplatser\n- Kim skickar ut fakturorna, v. 14\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2025, 3, 3))
    assert [(i.text, i.owners, i.due.date if i.due else None) for i in result.items] == [
        ("Helgen: 3 pass lediga, Reza ringer runt imorgon", ("Reza",), date(2025, 3, 4)),
        ("Time Care – Ulla kollar m IT", ("Ulla",), None),
        # 'Båtplatser' is a topic, not the 'plats' of the meeting; 'v. 14' does not end the sentence.
        ("Kim skickar ut fakturorna, v. 14", ("Kim",), date(2025, 4, 4)),
    ]


@pytest.mark.parametrize(
    ("line", "is_item"),
    [
        ("Ordföranden hälsar välkommen.", False),
        ("Ordföranden tackar och förklarar sammanträdet avslutat.", False),
        ("Parterna noterar informationen.", False),
        ("Mona Sjödin frågar om nya arbetskläder.", False),  # a question raised
        ("Fatima kontaktar systemförvaltaren och frågar om notiser kan aktiveras.", True),
    ],
)
def test_procedure_and_questions_are_no_items(line: str, is_item: bool) -> None:
    text = f"Närvarande: Mona Sjödin, Fatima Ek\n\n§ 3 Övrigt\n{line}\n"
    assert bool(extract(read_text(text.encode()), reference_date=date(2025, 3, 3)).items) is is_item


def test_a_row_whose_status_says_done_is_no_item() -> None:
    text = (
        "# Möte 2025-03-04\n\n| Åtgärd | Ansvarig | Klart | Status |\n|---|---|---|---|\n"
        "| Installera ny pump | Kalle | v. 10 | Klar |\n| Byta lampor | Stina | 20/3 | Pågår |\n"
    )
    result = extract(read_markdown(text.encode()), reference_date=date(2025, 3, 10))
    assert [i.text for i in result.items] == ["Byta lampor Pågår"] or [i.text for i in result.items] == [
        "Byta lampor"
    ]


def test_a_protocols_assignment_names_its_owner_and_english_month_cells_are_dates() -> None:
    text = (
        "Närvarande: Anna Holm, ekonomichef; Inger Mark, MAS\n\n§ 14 Ekonomi\n"
        "FLG beslutar att uppdra åt Anna Holm att ta fram en åtgärdsplan till den 4 april.\n"
        "FLG beslutar att uppdra åt MAS att genomföra en egenkontroll under april.\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2025, 3, 10))
    assert [i.owners for i in result.items] == [("Anna Holm",), ("Inger Mark",)]
    table = "# Möte 2025-09-03\n\n| AP | Action | Owner | Due |\n|---|---|---|---|\n| AP2 | Kartlägga licenser | MW | Oct |\n"
    (item,) = extract(read_markdown(table.encode()), reference_date=date(2025, 9, 8)).items
    assert item.due is not None and (item.due.raw, item.due.date) == ("Oct", date(2025, 10, 31))


def test_notes_line_by_line_with_first_names_only() -> None:
    text = (
        "Grannsamverkan - träff tis 7/10\n\nMed: Jörgen, Tomas, Linnea, Bosse, Fatima\n"
        "Erik från polisen berättade om inbrotten.\n"
        "Linnea/Bosse går igenom telefonlistan, senast v. 43\n"
        "Vi delar ut flygblad i alla brevlådor i mitten av november.\n"
        "Fatima startar en sluten Facebookgrupp för området\n"
        "Jörgen bjuder in kommunpolisen till nästa träff\n"
        "Tomas informerar om budgeten under januari.\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2025, 10, 9))
    assert [(i.text, i.owners) for i in result.items] == [
        ("Linnea/Bosse går igenom telefonlistan, senast v. 43", ("Linnea", "Bosse")),
        ("Vi delar ut flygblad i alla brevlådor i mitten av november.", ("ALLA",)),
        # an attendee's commitment is a statement, not the title of the next line
        ("Fatima startar en sluten Facebookgrupp för området", ("Fatima",)),
        ("Jörgen bjuder in kommunpolisen till nästa träff", ("Jörgen",)),
    ]


def test_commitments_of_people_in_pairs_and_of_a_role_in_lower_case() -> None:
    text = (
        "Styrelsemöte 251105\nNärvarande: Pia Ström ordf, Lars Ek vordf, Annelie Borg kassör, Nils Berg sekr\n\n"
        "3. Tävlingar\n"
        "- Lars och Oskar fixar funktionärslistan\n"  # a first name the list does not give, beside one it does
        "- Pia o Annelie ordnar lokal och pizza\n"
        "- sekr uppdaterar medlemsregistret\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2025, 11, 6))
    assert [(i.text, i.owners) for i in result.items] == [
        ("Lars och Oskar fixar funktionärslistan", ("Lars Ek", "Oskar")),
        ("Pia o Annelie ordnar lokal och pizza", ("Pia Ström", "Annelie Borg")),
        ("sekr uppdaterar medlemsregistret", ("Nils Berg",)),
    ]


def test_notes_in_english_commit_their_people() -> None:
    text = (
        "# Styrgrupp 2025-10-14\n\n**Attendees:** Maria Berg (MB), Ola Grahn (OG)\n\n## Status\n"
        "- Maria reports that the migration is 80 % done.\n"
        "- Maria will check with the vendor about the SSO issue by Friday.\n"
        "- Ola checks with the lawyer about the SLA wording\n"
    )
    result = extract(read_markdown(text.encode()), reference_date=date(2025, 10, 14))
    assert [(i.text, i.owners, i.due.date if i.due else None) for i in result.items] == [
        ("Maria will check with the vendor about the SSO issue by Friday.", ("MB",), date(2025, 10, 17)),
        ("Ola checks with the lawyer about the SLA wording", ("OG",), None),
    ]


def test_a_protocols_past_tense_decision_hands_out_work() -> None:
    text = (
        "Närvarande: Inga Tham, ordförande; Bo Kjell, skattmästare; Viktor Sand, ledamot\n\n§ 3 Kapitalet\n"
        "Skattmästaren redogjorde för årets avkastning. Styrelsen beslutade att ge skattmästaren i uppdrag "
        "att begära in offert från två förvaltare före årsskiftet.\n\n§ 7 Webbplats\n"
        "Viktor Sand åtog sig att se över webbplatsen under Q1 2026.\n\n§ 8 Garaget\n"
        "Stämman beslutade att laddplatser i garaget ska utredas.\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2025, 11, 10))
    assert [i.owners for i in result.items] == [("Bo Kjell",), ("Viktor Sand",)]


def test_a_later_clause_that_commits_someone_counts_its_own_tense() -> None:
    text = (
        "# Elevrådet 2024-03-14\n\nNärvarande: Sam Berg (ordf), Elin Ek (sekr), Ronja Lind\n\n## Övrigt\n\n"
    )
    text += "- ES3 har inte lämnat in sitt protokoll, sekr påminner Sam.\n- Ronja väljs ansvarig för beställningen.\n"
    result = extract(read_markdown(text.encode()), reference_date=date(2024, 3, 14))
    assert [i.owners for i in result.items] == [("Elin Ek",), ("Ronja Lind",)]


def test_a_numbered_to_do_list_in_text_under_its_heading() -> None:
    text = (
        "Tavelmöte 2023-11-07\nVi som var med: Sara Holm (SH), Oskar Wiik (OW)\n\nTODO (FRÅN WHITEBOARDEN)\n"
        "1. Beställa fler skydd – OW\n2. Uppdatera telefonlistan i expeditionen\n3. Mejla ut schemat, senast 15/11 – SH\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2023, 11, 7))
    assert [(i.text, i.owners) for i in result.items] == [
        ("Beställa fler skydd – OW", ("OW",)),
        ("Uppdatera telefonlistan i expeditionen", ()),
        ("Mejla ut schemat, senast 15/11 – SH", ("SH",)),
    ]


def test_a_name_that_ends_like_an_infinitive_opens_no_to_do() -> None:
    text = "# Föräldraföreningen 2024-03-14\n\nMed: Lena Holm, Nina Falk\n\n## Skolgården\n\n"
    text += "- Lena Holm informerar om att skolgården rustas till hösten\n- Nina berättar att gungorna är trasiga\n"
    text += "- Laga gungorna före sommaren\n"
    result = extract(read_markdown(text.encode()), reference_date=date(2024, 3, 14))
    assert [i.text for i in result.items] == ["Laga gungorna före sommaren"]


def test_a_clause_after_a_comma_that_ends_on_a_role_is_no_owner_marker() -> None:
    text = "# Styrelsen 2024-03-14\n\nMed: Anders Holm, Eva Berg\n\n## Konsert\n\n"
    text += "- Beslut: konserten görs med ungdomskören, Anders meddelar deras ledare.\n"
    (item,) = extract(read_markdown(text.encode()), reference_date=date(2024, 3, 14)).items
    assert item.owners == ("Anders Holm",)


def test_a_list_line_that_says_who_and_by_when_is_a_task_without_a_verb() -> None:
    text = "# FLG-dag 2025-08-18\n\nNärvarande: Mats Ek, Emil Berg, Ulla Lind\n\n## Inför nämnden 17/9\n\n"
    text += (
        "- Verksamhetsberättelse per enhet till delårsrapporten (Mats)\n- Alla lämnar sina behov i mallen\n"
    )
    text += "\n## Övriga frågor\n\n- Kommunikationsplan för biblioteket – Emil, till i mitten av september\n"
    text += "- Ulla berättar om läget för konsten.\n- Budgeten i balans (Ulla)\n"
    result = extract(read_markdown(text.encode()), reference_date=date(2025, 8, 20))
    assert [(i.owners, i.due.date if i.due else None) for i in result.items] == [
        (("Mats Ek",), date(2025, 9, 17)),
        (("ALLA",), date(2025, 9, 17)),
        (("Emil Berg",), date(2025, 9, 15)),
    ]


def test_a_long_action_label_with_a_date_opens_a_list_due_then() -> None:
    text = (
        "Nätverksträff 15 april 2026\nNärvarande: Ingrid Palm, Ahmed Nur\n\n"
        "Att göra till nästa träff (10 juni):\n\n- Skicka ut enkäten om öppettider (alla)\n"
    )
    (item,) = extract(read_text(text.encode()), reference_date=date(2026, 4, 17)).items
    assert (item.owners, item.due.date if item.due else None) == (("ALLA",), date(2026, 6, 10))


def test_a_protocols_promises_and_assignments_to_a_body() -> None:
    text = (
        "Protokoll föreningsstämma 2023-05-10\nNärvarande: Lisa Frid, Peter Nord\n\n§ 16 Val\n"
        "Valberedningen får i uppdrag att hitta en suppleant senast 30 september.\n\n§ 17 Motioner\n"
        "Stämman beslöt att bifalla motionen och uppdra åt styrelsen att ta in offerter på laddboxar.\n\n"
        "§ 18 Övriga frågor\nPeter Nord lovade att felanmäla porten till låsfirman redan imorgon.\n\n"
        "§ 19 Avslutning\nProtokollet läggs ut på föreningens hemsida av Lisa Frid.\n"
        "Protokollet läggs till handlingarna.\n"
    )
    result = extract(read_text(text.encode()), reference_date=date(2023, 5, 12))
    assert [i.owners for i in result.items] == [
        ("valberedningen",),
        ("styrelsen",),
        ("Peter Nord",),
        ("Lisa Frid",),
    ]
