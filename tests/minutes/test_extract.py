"""Extraction on small hand-made documents with other groups' columns and phrasing: table-driven, no doubles."""

from __future__ import annotations

from datetime import date

import pytest

from minutes.extract import extract
from minutes.model import Cell, ItemKind, NotMinutes, Paragraph, ParsedDocument, Relative, Row, Table

MEETING = date(2025, 3, 10)  # a Monday
ROSTER = Paragraph("Närvarande: Eva Karlsson (EK), Lars Berg (LB), Nora Ali (NA)")


def table(*rows: tuple[str, ...], header_row: bool = True) -> Table:
    def row(texts: tuple[str, ...], header: bool = False) -> Row:
        cells = tuple(
            Cell(blocks=tuple(Paragraph(p) for p in text.split("\n\n")) if text else (), col=i)
            for i, text in enumerate(texts)
        )
        return Row(cells=cells, header=header)

    return Table(rows=tuple(row(r, header=header_row and i == 0) for i, r in enumerate(rows)))


def document(*blocks: Paragraph | Table) -> ParsedDocument:
    opening = (Paragraph("Minnesanteckningar ALG den 10 mars 2025"), ROSTER)
    return ParsedDocument(blocks=(*opening, *blocks), source_format="docx")


def summary(doc: ParsedDocument) -> list[tuple[str, tuple[str, ...], date | None]]:
    return [
        (i.kind.value, i.owners, i.due.date if i.due else None)
        for i in extract(doc, reference_date=MEETING).items
    ]


CASES = [
    pytest.param(
        table(
            ("Ärende", "Beslut/åtgärd", "Ansvarig", "Klart senast"),
            ("Budget 2026", "Ta fram ett förslag.", "EK", "15/3"),
        ),
        [("action", ("EK",), date(2025, 3, 15))],
        id="other-headers-date-column",
    ),
    pytest.param(
        table(
            ("Punkt", "Att göra", "Vem", "När"),
            ("Personaldag", "Boka lokal för personaldagen", "Samtliga", "v. 12"),
        ),
        [("action", ("ALLA",), date(2025, 3, 21))],
        id="vem-nar-week-number",
    ),
    pytest.param(
        table(
            ("Rubrik", "Anteckning", "Åtgärd", "Ansvarig"),
            ("Lokaler", "Dialog om lokalerna.", "Lars återkommer med en plan i april.", ""),
        ),
        [("follow_up", ("LB",), date(2025, 4, 30))],
        id="no-owner-cell-actor-from-first-name",
    ),
    pytest.param(
        table(
            ("Område", "Planerad åtgärd", "Ansvarig", "Klart datum"),
            (
                "IT",
                "1) Byta system\n\n2) Inventera behörigheter",
                "IT-chef",
                "1) 2025-06-30\n\n2) 2025-09-30",
            ),
        ),
        [("action", ("it-chef",), date(2025, 6, 30)), ("action", ("it-chef",), date(2025, 9, 30))],
        id="numbered-sub-actions-own-dates",
    ),
    pytest.param(
        table(
            ("Rubrik", "Åtgärd/beslut", "Ansvarig"),
            ("Rutiner", "Beslut:\n\nRutinen fastställs.\n\nNA får i uppdrag att informera cheferna.", "NA"),
        ),
        [("decision", ("NA",), None), ("action", ("NA",), None)],
        id="decision-then-assignment-in-one-cell",
    ),
    pytest.param(
        table(("Rubrik", "Åtgärd", "Ansvarig"), ("Uppföljning", "Tas upp igen på nästa möte", "Alla")),
        [("follow_up", ("ALLA",), None)],
        id="next-meeting-is-relative",
    ),
    pytest.param(
        Paragraph("Arbetsgivaren får i uppdrag att ta fram en rutin senast 30 juni."),
        [("action", ("arbetsgivaren",), date(2025, 6, 30))],
        id="prose-assignment-with-deadline",
    ),
    pytest.param(
        Paragraph("HR har skickat ut enkäten till alla medarbetare."), [], id="prose-past-tense-is-not-a-task"
    ),
    pytest.param(Paragraph("Ordföranden avslutar mötet."), [], id="procedure-is-not-a-task"),
    pytest.param(
        Paragraph("I maj kommer ekonomichefen att presentera bokslutet."),
        [("action", ("ekonomichefen",), date(2025, 5, 31))],
        id="inverted-word-order",
    ),
    pytest.param(
        Paragraph("Kommunal menar att det är bättre än att arbetsgivaren skickar ut något ofärdigt."),
        [],
        id="comparison-commits-nobody",
    ),
]


@pytest.mark.parametrize(("block", "expected"), CASES)
def test_items_with_owners_and_dates(
    block: Paragraph | Table, expected: list[tuple[str, tuple[str, ...], date | None]]
) -> None:
    assert summary(document(block)) == expected


def test_decision_section_items_belong_to_everyone_unless_someone_is_named() -> None:
    doc = document(
        Paragraph("Beslut:"),
        Paragraph("Gruppen antar den nya arbetsordningen från och med april."),
        Paragraph("EK skickar ut arbetsordningen till alla chefer."),
    )
    assert [(i.kind, i.owners) for i in extract(doc, reference_date=MEETING).items] == [
        (ItemKind.DECISION, ("ALLA",)),
        (ItemKind.DECISION, ("EK",)),
    ]


def test_next_meeting_reference_keeps_its_phrase() -> None:
    doc = document(table(("Rubrik", "Åtgärd", "Ansvarig"), ("Budget", "Uppföljning kommande ALG", "EK")))
    (item,) = extract(doc, reference_date=MEETING).items
    assert item.due is not None
    assert (item.due.date, item.due.relative) == (None, Relative.NEXT_MEETING)


def test_meeting_metadata_comes_from_the_document() -> None:
    result = extract(document(), reference_date=date(2000, 1, 1))
    assert (result.meeting.body, result.meeting.date) == ("ALG", MEETING)
    assert [(p.name, p.initials) for p in result.meeting.people] == [
        ("Eva Karlsson", "EK"),
        ("Lars Berg", "LB"),
        ("Nora Ali", "NA"),
    ]


def test_reference_date_is_used_when_no_meeting_date_is_printed() -> None:
    doc = ParsedDocument(
        blocks=(table(("Rubrik", "Åtgärd", "Ansvarig"), ("Lön", "Klart nästa vecka", "Alla")),),
        source_format="text",
    )
    (item,) = extract(doc, reference_date=date(2024, 1, 29)).items
    assert item.due is not None and item.due.date == date(2024, 2, 9)


def test_each_item_says_where_it_came_from() -> None:
    doc = document(
        table(("Rubrik", "Åtgärd", "Ansvarig"), ("A", "Boka möte.", "EK"), ("B", "Skicka inbjudan.", "LB"))
    )
    assert [i.source.key() for i in extract(doc, reference_date=MEETING).items] == [
        "t2.r1.c1.0",
        "t2.r2.c1.0",
    ]


def test_a_table_without_header_finds_its_owner_column() -> None:
    doc = document(
        table(
            ("Budget", "Ta fram förslag", "EK"),
            ("Lokaler", "Boka visning", "LB"),
            ("Rekrytering", "Annonsera", "NA"),
            header_row=False,
        )
    )
    assert [i.owners for i in extract(doc, reference_date=MEETING).items] == [("EK",), ("LB",), ("NA",)]


def test_a_document_that_is_not_minutes_is_refused() -> None:
    recipe = ParsedDocument(
        blocks=(Paragraph("Kanelbullar: blanda mjöl, smör och socker. Grädda i 225 grader."),),
        source_format="text",
    )
    with pytest.raises(NotMinutes):
        extract(recipe, reference_date=MEETING)


def test_minutes_without_items_are_not_refused() -> None:
    doc = document(Paragraph("Information:"), Paragraph("Verksamheten går enligt plan."))
    assert extract(doc, reference_date=MEETING).items == ()
