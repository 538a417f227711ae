"""The text-dump reader: rows recovered from owner anchors, headings, furniture dropped."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from minutes.extract import extract
from minutes.model import Paragraph, Table, UnreadableDocument
from minutes.read_text import read_text

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

DUMP = """Mötesdatum:
2025-03-10

Närvarande:
Eva Karlsson (EK), Lars Berg (LB).

Rubrik Information Åtgärd/beslut Ansvarig
Budget 2026

Prognosen är klar.

Ta fram ett förslag. EK

Lokaler Dialog om lokalerna Boka visning LB

https://example.invalid/link

DATUM
TYP AV DOKUMENT

Rubrik Information Åtgärd/beslut Ansvarig
Rekrytering Annonsera tjänsten

EK
och LB

DATUM
TYP AV DOKUMENT
"""


def tables(text: str) -> list[Table]:
    return [b for b in read_text(text.encode()).blocks if isinstance(b, Table)]


def test_rows_close_at_their_owner_and_a_repeated_header_continues_the_table() -> None:
    (table,) = tables(DUMP)
    rows = [(r.cells[0].text.replace("\n", " "), r.cells[1].text.replace("\n", " ")) for r in table.rows[1:]]
    assert rows == [
        ("Budget 2026 Prognosen är klar. Ta fram ett förslag.", "EK"),
        ("Lokaler Dialog om lokalerna Boka visning", "LB"),
        ("Rekrytering Annonsera tjänsten", "EK och LB"),
    ]


def test_links_and_page_furniture_are_dropped() -> None:
    text = "\n".join(b.text if isinstance(b, Paragraph) else str(b) for b in read_text(DUMP.encode()).blocks)
    assert "https://" not in text and "TYP AV DOKUMENT" not in text


def test_a_short_line_over_running_text_is_a_heading() -> None:
    blocks = read_text(
        "Uppdatering chefsrekryteringar\nArbetsgivaren kommer att annonsera en tjänst som\nsektionschef under våren.\n".encode()
    ).blocks
    assert isinstance(blocks[0], Paragraph) and blocks[0].heading
    assert blocks[0].text == "Uppdatering chefsrekryteringar"


def test_bullets_start_list_items() -> None:
    (table,) = tables("Rubrik Åtgärd Ansvarig\nPunkt\n* Första saken\nfortsätter här\n* Andra saken EK\n")
    paragraphs = table.rows[1].cells[0].blocks
    assert [(p.text, p.list_item) for p in paragraphs if isinstance(p, Paragraph)] == [
        ("Punkt", False),
        ("Första saken\nfortsätter här", True),
        ("Andra saken", True),
    ]


@pytest.mark.parametrize("data", [b"", b"   \n\n", "\ufeff".encode()])
def test_empty_text_is_refused_with_a_message(data: bytes) -> None:
    with pytest.raises(UnreadableDocument, match="tom"):
        read_text(data)


def test_latin1_text_is_read() -> None:
    assert "Åtgärd" in read_text("Åtgärd: boka möte".encode("cp1252")).text()


@pytest.mark.skipif(not SAMPLES.exists(), reason="samples/ missing")
def test_corpus_dump_keeps_every_owner_cell() -> None:
    (first, *_) = tables((SAMPLES / "000_9fb95432c85b271b.txt").read_text(encoding="utf-8"))
    owners = [r.cells[1].text.replace("\n", " ") for r in first.rows[1:]]
    assert owners[:4] == ["Alla", "AA, RN och EE", "AA", "TU"]


# --- tables whose columns stand side by side (pdftotext -layout, a copy from a PDF viewer) ---------------


def rows_of(text: str) -> list[tuple[str, ...]]:
    """Every table's rows as tuples of cell texts, line breaks as spaces; a section row as ('§ title',)."""
    out: list[tuple[str, ...]] = []
    for table in tables(text):
        for row in table.rows:
            texts = tuple(" ".join(c.text.split()) for c in row.cells)
            out.append(("§ " + texts[0],) if len(row.cells) == 1 and row.cells[0].span > 1 else texts)
    return out


LAYOUT = """Protokoll FLG
Närvarande: Anna Andersson (AA), Bo Berg (BB), Cecilia Ek (CE)

Ärende               Åtgärd                              Ansvarig     Klart
                                                                      senast
Lokaler              Boka visning av de nya              BB           7/10
                     lokalerna och ta fram ett
                     kostnadsförslag.
Budget 2025          Ta fram förslag till budget.        AA           30/9
                     Stäm av med ekonomi.
Rekrytering av       Annonsera tjänsten som              AA, BB och   v. 42
enhetschef           enhetschef.                         CE

                     HR bistår med annonsen.

Sida 1 av 2


Ärende               Åtgärd                              Ansvarig     Klart
                                                                      senast
IT-stöd              Beställa nya datorer till           CE           i oktober
                     enheterna.

Nästa möte är den 23 september.
"""

LAYOUT_CASES: list[tuple[str, str, list[tuple[str, ...]]]] = [
    (
        "wrapped cells, a wrapped header, a wrapped owner, a page break with the header repeated",
        LAYOUT,
        [
            ("Ärende", "Åtgärd", "Ansvarig", "Klart senast"),
            ("Lokaler", "Boka visning av de nya lokalerna och ta fram ett kostnadsförslag.", "BB", "7/10"),
            ("Budget 2025", "Ta fram förslag till budget. Stäm av med ekonomi.", "AA", "30/9"),
            (
                "Rekrytering av enhetschef",
                "Annonsera tjänsten som enhetschef. HR bistår med annonsen.",
                "AA, BB och CE",
                "v. 42",
            ),
            ("IT-stöd", "Beställa nya datorer till enheterna.", "CE", "i oktober"),
        ],
    ),
    (
        "rows packed without blank lines: a row starts where every cell starts afresh",
        " Rubrik            Information               Åtgärd/beslut              Ansvarig\n"
        " Planner för       Respektive chef           Klart för uppföljning      Alla\n"
        " aktiviteter       tilldelar aktiviteter     7/10 i FLG\n"
        " Familjedagen      Vilka har anmält sig?     AA och BB\n"
        " Lönepolitik       Säkerställa en samsyn     Behöver göra en analys     EE\n"
        " och löner         och prioriteringar.       under hösten.\n",
        [
            ("Rubrik", "Information", "Åtgärd/beslut", "Ansvarig"),
            (
                "Planner för aktiviteter",
                "Respektive chef tilldelar aktiviteter",
                "Klart för uppföljning 7/10 i FLG",
                "Alla",
            ),
            ("Familjedagen", "Vilka har anmält sig?", "AA och BB", ""),
            (
                "Lönepolitik och löner",
                "Säkerställa en samsyn och prioriteringar.",
                "Behöver göra en analys under hösten.",
                "EE",
            ),
        ],
    ),
    (
        "cells starting left of a centred title, and a row set further left",
        "Punkt     Åtgärd                    Ansvarig\n"
        "Lokaler  Boka visning             BB\n"
        "Budget   Ta fram förslag till    AA\n"
        "         budget.\n",
        [
            ("Punkt", "Åtgärd", "Ansvarig"),
            ("Lokaler", "Boka visning", "BB"),
            ("Budget", "Ta fram förslag till budget.", "AA"),
        ],
    ),
    (
        "a title across the columns between rows is a section row",
        "Rubrik            Åtgärd/beslut                 Ansvarig\n"
        "Lokaler           Boka visning.                 BB\n"
        "Förvaltningsövergripande frågor\n"
        "Budget            Ta fram förslag.              AA\n"
        "Politik\n"
        "Motion           SR tar fram en rutin.          SR\n",
        [
            ("Rubrik", "Åtgärd/beslut", "Ansvarig"),
            ("Lokaler", "Boka visning.", "BB"),
            ("§ Förvaltningsövergripande frågor",),
            ("Budget", "Ta fram förslag.", "AA"),
            ("§ Politik",),
            ("Motion", "SR tar fram en rutin.", "SR"),
        ],
    ),
    (
        "the same header at other positions on the next page continues the table, a split row included",
        "Rubrik        Åtgärd/beslut              Ansvarig\n"
        "Lokaler       Boka visning av de         BB\n"
        "\n"
        "                                          DATUM\n"
        "                                 TYP AV DOKUMENT\n"
        "Rubrik            Åtgärd/beslut                   Ansvarig\n"
        "                  nya lokalerna.\n"
        "Budget            Ta fram förslag.                AA\n"
        "                                          DATUM\n"
        "                                 TYP AV DOKUMENT\n",
        [
            ("Rubrik", "Åtgärd/beslut", "Ansvarig"),
            ("Lokaler", "Boka visning av de nya lokalerna.", "BB"),
            ("Budget", "Ta fram förslag.", "AA"),
        ],
    ),
    (
        "an upper-case header over two lines; a page header printed once above the repeated header",
        " IDENTIFIERAT            PLANERAD ÅTGÄRD             ANSVARIG          GENOMFÖRT\n"
        " FÖRBÄTTRINGSOMRÅDE                                                    DATUM\n"
        " 1. Ledarskap            Rekrytera fler              Omsorgsdirektör   2019-12-31\n"
        " 28 EC > 40              enhetschefer\n"
        "                                                        HANDLINGSPLAN\n"
        " IDENTIFIERAT              PLANERAD ÅTGÄRD             ANSVARIG           GENOMFÖRT\n"
        " FÖRBÄTTRINGSOMRÅDE                                                       DATUM\n"
        " 2. Lokaler                Se över lokalerna           HR-chef            2020-06-30\n",
        [
            ("IDENTIFIERAT FÖRBÄTTRINGSOMRÅDE", "PLANERAD ÅTGÄRD", "ANSVARIG", "GENOMFÖRT DATUM"),
            ("1. Ledarskap 28 EC > 40", "Rekrytera fler enhetschefer", "Omsorgsdirektör", "2019-12-31"),
            ("2. Lokaler", "Se över lokalerna", "HR-chef", "2020-06-30"),
        ],
    ),
    (
        "a new owner under the same title starts a row; a name alone stacks under the last",
        "Ärende        Åtgärd                       Ansvarig\n"
        "Lokaler       Boka visning.                BB\n"
        "              Teckna avtal.                AA\n"
        "                                           CE\n"
        "              Se över placeringarna.       Myndighetsche\n"
        "                                           f\n",
        [
            ("Ärende", "Åtgärd", "Ansvarig"),
            ("Lokaler", "Boka visning.", "BB"),
            ("", "Teckna avtal.", "AA CE"),
            ("", "Se över placeringarna.", "Myndighetschef"),
        ],
    ),
    (
        "after a blank line a cell goes on in a new paragraph, its owners listed beside it",
        "Rubrik        Åtgärd/beslut                  Ansvarig\n"
        "Budget        Se över arbetssättet.          SR\n"
        "\n"
        "              Därefter tar FLG ställning.    TU\n"
        "Lokaler       Boka visning.                  BB\n",
        [
            ("Rubrik", "Åtgärd/beslut", "Ansvarig"),
            ("Budget", "Se över arbetssättet. Därefter tar FLG ställning.", "SR TU"),
            ("Lokaler", "Boka visning.", "BB"),
        ],
    ),
    (
        "bullets inside a cell stay list items of that cell",
        "Tid         Rubrik          Åtgärd/beslut                         Ansvarig\n"
        "9.00-       Sommaren        • Chef i beredskap – säkerställa      AA\n"
        "10.00                          att nya chefer vet.\n"
        "                            • Rutiner behöver ses över.\n",
        [
            ("Tid", "Rubrik", "Åtgärd/beslut", "Ansvarig"),
            (
                "9.00- 10.00",
                "Sommaren",
                "Chef i beredskap – säkerställa att nya chefer vet. Rutiner behöver ses över.",
                "AA",
            ),
        ],
    ),
]


PACKED_CASES = [
    (
        "numbered rows packed without blank lines, dates and owners in lower case",
        "Nr    Åtgärd                      Ansvarig      Klart\n"
        "1     Skicka inbjudan             Sofia         26/4\n"
        "2     Kalla till städdag          ordf          v. 18\n"
        "3     Kontakta kommunen           Roger         snarast\n",
        [
            ("Nr", "Åtgärd", "Ansvarig", "Klart"),
            ("1", "Skicka inbjudan", "Sofia", "26/4"),
            ("2", "Kalla till städdag", "ordf", "v. 18"),
            ("3", "Kontakta kommunen", "Roger", "snarast"),
        ],
    ),
    (
        "cells separated by tabs, one row per line, empty cells kept",
        "Att göra\n\nVad\tVem\tNär\nBeställa etiketter\tFredrik\tJuni\nRensa arkivet\t\t\nNästa möte 3/4.\n",
        [("Vad", "Vem", "När"), ("Beställa etiketter", "Fredrik", "Juni"), ("Rensa arkivet", "", "")],
    ),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [c[1:] for c in LAYOUT_CASES + PACKED_CASES],
    ids=[c[0] for c in LAYOUT_CASES + PACKED_CASES],
)
def test_side_by_side_columns_are_cut_into_a_table(text: str, expected: list[tuple[str, ...]]) -> None:
    assert rows_of(text) == expected


def test_text_around_a_side_by_side_table_stays_prose() -> None:
    paragraphs = [b.text for b in read_text(LAYOUT.encode()).blocks if isinstance(b, Paragraph)]
    assert paragraphs[0] == "Protokoll FLG"
    assert paragraphs[-1] == "Nästa möte är den 23 september."
    assert not any("Sida 1" in p for p in paragraphs)


def test_bullets_in_a_side_by_side_cell_are_list_items() -> None:
    (table,) = tables(LAYOUT_CASES[-1][1])
    action = table.rows[1].cells[2].blocks
    assert [(b.text.replace("\n", " "), b.list_item) for b in action if isinstance(b, Paragraph)] == [
        ("Chef i beredskap – säkerställa att nya chefer vet.", True),
        ("Rutiner behöver ses över.", True),
    ]


@pytest.mark.parametrize(
    "text",
    [
        # Prose with double spaces after full stops.
        "Anna bokar lokal.  Bo ringer.\nÅtgärd  och ansvarig diskuterades länge i gruppen.\n",
        # A header with no cells below it.
        "Åtgärd            Ansvarig\n\nInga åtgärder beslutades under mötet.\n",
        # Titles that name no owner or action column.
        "Tid        Plats       Kommentar\n9.00       Rum 3       Fika\n",
    ],
    ids=["prose", "header-alone", "no-key-column"],
)
def test_text_that_only_looks_like_columns_is_read_as_before(text: str) -> None:
    collapsed = re.sub(" {2,}", " ", text)
    assert read_text(text.encode()) == read_text(collapsed.encode())


def test_the_extractor_reads_a_side_by_side_table() -> None:
    items = extract(read_text(LAYOUT.encode()), reference_date=date(2024, 8, 26)).items
    found = {(item.topic, item.owners, item.due.date if item.due else None) for item in items}
    assert ("Lokaler", ("BB",), date(2024, 10, 7)) in found
    assert ("Budget 2025", ("AA",), date(2024, 9, 30)) in found
    assert ("Rekrytering av enhetschef", ("AA", "BB", "CE"), date(2024, 10, 18)) in found
    assert ("IT-stöd", ("CE",), date(2024, 10, 31)) in found


def test_notes_written_line_by_line_are_paragraphs_under_their_section_headings() -> None:
    text = (
        "Närvarande: Roger Lund (ordf), Anneli Wik (v. ordf), Sofia Mäkinen\n(sekr)\n§ 1 Mötets öppnande\nOrdf öppnar mötet.\n"
        "§ 2 Ekonomi\nKassören redovisar kassan. Kassören kollar med banken.\n"
        "Sekr skickar ut listan över alla medlemmar och deras adresser till\nalla.\n"
        "Ahmed fixar vikarielistan till vecka 7\nJenny pratar med fastighet\nvi ska inte byta städfirma\n"
    )
    blocks = read_text(text.encode()).blocks
    assert [(b.text, b.heading) for b in blocks if isinstance(b, Paragraph)] == [
        ("Närvarande: Roger Lund (ordf), Anneli Wik (v. ordf), Sofia Mäkinen\n(sekr)", False),
        ("§ 1 Mötets öppnande", True),
        ("Ordf öppnar mötet.", False),
        ("§ 2 Ekonomi", True),
        ("Kassören redovisar kassan. Kassören kollar med banken.", False),
        # a sentence wrapped at the margin stays one paragraph
        ("Sekr skickar ut listan över alla medlemmar och deras adresser till\nalla.", False),
        # One statement per line, the lines stopping short of the margin.
        ("Ahmed fixar vikarielistan till vecka 7", False),
        ("Jenny pratar med fastighet", False),
        ("vi ska inte byta städfirma", False),
    ]


def test_a_line_in_lower_case_after_one_ended_by_hand_starts_a_paragraph() -> None:
    # Each line stops well short of where most lines of the block end: ended by hand, not wrapped.
    text = (
        "Veckomöte\n\n"
        "Kalle går igenom veckans larm\n"
        "Stina servar motorsprutan imorgon\n"
        "Lisa beställer nya andningsskydd\n"
        "slangtvätten är lagad\n"
        "Olle och Per kör tillsynsbesök på skolorna i Norrby senast 30/5\n"
        "Olle uppdaterar insatsrapporterna i systemet på fredag\n"
    )
    paragraphs = [b.text for b in read_text(text.encode()).blocks if isinstance(b, Paragraph)]
    assert "Lisa beställer nya andningsskydd" in paragraphs
    assert "slangtvätten är lagad" in paragraphs


def test_notes_with_no_punctuation_at_all_are_one_statement_a_line() -> None:
    text = (
        "Veckomöte\n\n"
        "Kalle går igenom veckans larm och trafikolyckorna\n"
        "Stina servar motorsprutan imorgon\n"
        "Rökdykarövning onsdag v 21 Lisa planerar\n"
        "slangtvätten är lagad\n"
        "Olle uppdaterar insatsrapporterna i systemet på fredag\n"
        "stegbilen besiktigas 3 juni\n"
    )
    paragraphs = [b for b in read_text(text.encode()).blocks if isinstance(b, Paragraph)]
    assert [(p.text, p.list_item) for p in paragraphs[1:]] == [
        ("Kalle går igenom veckans larm och trafikolyckorna", True),
        ("Stina servar motorsprutan imorgon", True),
        ("Rökdykarövning onsdag v 21 Lisa planerar", True),
        ("slangtvätten är lagad", True),
        ("Olle uppdaterar insatsrapporterna i systemet på fredag", True),
        ("stegbilen besiktigas 3 juni", True),
    ]


def test_a_sentence_wrapped_in_a_narrow_column_stays_one_paragraph() -> None:
    text = (
        "Beslut från KS Kommunstyrelsen beslutade att\nge HR-avdelningen i uppdrag\natt i samverkan med berörda\n"
        "förvaltningar ta fram förslag på\nhur ett bonussystem kan\nutformas\n"
    )
    paragraphs = [b for b in read_text(text.encode()).blocks if isinstance(b, Paragraph)]
    assert not any(p.list_item for p in paragraphs) and len(paragraphs) <= 2
