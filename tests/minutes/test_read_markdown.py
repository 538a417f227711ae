"""The Markdown reader: headings, nested list items, pipe tables and plain text from Markdown structure."""

from __future__ import annotations

from datetime import date

import pytest

from minutes.extract import extract
from minutes.model import MSG_EMPTY, Block, Paragraph, Table, UnreadableDocument
from minutes.read_markdown import MAX_MARKDOWN_BYTES, read_markdown

Shape = tuple[object, ...]


def shape(block: Block) -> Shape:
    """A block as a short tuple: ('h', text), ('p', text), ('li', level, text) or ('table', rows…)."""
    if isinstance(block, Table):
        return (
            "table",
            *(tuple(("H:" if row.header else "") + cell.text for cell in row.cells) for row in block.rows),
        )
    if block.heading:
        return ("h", block.text)
    if block.list_item:
        return ("li", block.level, block.text)
    return ("p", block.text)


def read(source: str) -> list[Shape]:
    return [shape(b) for b in read_markdown(source.encode()).blocks]


CASES: list[tuple[str, str, list[Shape]]] = [
    (
        "atx and setext headings",
        "# Protokoll FLG\n\nText.\n\nEkonomi\n-------\n\n### Lokaler ###\n",
        [("h", "Protokoll FLG"), ("p", "Text."), ("h", "Ekonomi"), ("h", "Lokaler")],
    ),
    (
        "nested bullets keep their level, each item its own paragraph",
        "- Styrelsen\n  - Kassör bokar lokal\n    - Stina fixar fika\n  - Ordf kallar\n- Övrigt\n",
        [
            ("li", 0, "Styrelsen"),
            ("li", 1, "Kassör bokar lokal"),
            ("li", 2, "Stina fixar fika"),
            ("li", 1, "Ordf kallar"),
            ("li", 0, "Övrigt"),
        ],
    ),
    (
        "numbered lists are list items without their numbers",
        "1. Mötets öppnande\n2. Val av justerare\n\n3) Beslut: att anta budgeten\n",
        [("li", 0, "Mötets öppnande"), ("li", 0, "Val av justerare"), ("li", 0, "Beslut: att anta budgeten")],
    ),
    (
        "a list item's continuation lines and paragraphs join its text",
        "- Boka lokal till mötet\n  **Ansvarig:** Bo\n\n  Klart senast 7/10\n- Nästa\n",
        [("li", 0, "Boka lokal till mötet\nAnsvarig: Bo\nKlart senast 7/10"), ("li", 0, "Nästa")],
    ),
    (
        "checkboxes stay, open or ticked: the extractor reads a to-do or a line done",
        "- [ ] Boka lokal (Anna)\n- [x] Skicka kallelse\n* [X] Beställa fika\n",
        [
            ("li", 0, "[ ] Boka lokal (Anna)"),
            ("li", 0, "[x] Skicka kallelse"),
            ("li", 0, "[X] Beställa fika"),
        ],
    ),
    (
        "pipe table with its header row first",
        "| Ärende | Åtgärd | Ansvarig | Klart |\n|:---|---|:---:|---:|\n| Lokaler | Boka visning | BB | 7/10 |\n"
        "| Budget | Ta fram förslag | AA |\n",
        [
            (
                "table",
                ("H:Ärende", "H:Åtgärd", "H:Ansvarig", "H:Klart"),
                ("Lokaler", "Boka visning", "BB", "7/10"),
                ("Budget", "Ta fram förslag", "AA", ""),
            )
        ],
    ),
    (
        "a table right under a label line, escaped pipes and formatting in cells",
        "Åtgärder:\n| Åtgärd | Ansvarig |\n|---|---|\n| **Ta fram** A \\| B | [Eva](mailto:eva@x.se) |\n",
        [("p", "Åtgärder:"), ("table", ("H:Åtgärd", "H:Ansvarig"), ("Ta fram A | B", "Eva"))],
    ),
    (
        "bold labels become plain text",
        "**Ansvarig:** Anna Andersson\n\n__Beslut:__ att *anta* budgeten\n",
        [("p", "Ansvarig: Anna Andersson"), ("p", "Beslut: att anta budgeten")],
    ),
    (
        "links keep their text; images, autolinks and bare addresses are dropped",
        "Se [protokollet](https://x.se/p.pdf) ![logga](logo.png) <https://x.se>\n\nhttps://example.com/a\n\nSlut.\n",
        [("p", "Se protokollet"), ("p", "Slut.")],
    ),
    (
        "one statement per line: each line is a paragraph, a line that runs on joins it",
        "Ekonomi: prognosen visar underskott, vilket\ndiskuterades länge.\nAnna tar fram en åtgärdsplan\n"
        "Bo bokar lokal till\nHR-avdelningen\n",
        [
            ("p", "Ekonomi: prognosen visar underskott, vilket\ndiskuterades länge."),
            ("p", "Anna tar fram en åtgärdsplan"),
            ("p", "Bo bokar lokal till\nHR-avdelningen"),
        ],
    ),
    (
        "an explicit line break always starts a new paragraph",
        "Anna ordnar lokal  \nbo skickar kallelse\\\nklart\n",
        [("p", "Anna ordnar lokal"), ("p", "bo skickar kallelse"), ("p", "klart")],
    ),
    (
        "a bullet glyph inside a paragraph starts a list item",
        "Att göra:\n• Boka lokal\n• Skicka kallelse\n",
        [("p", "Att göra:"), ("li", 0, "Boka lokal"), ("li", 0, "Skicka kallelse")],
    ),
    (
        "a short line all in bold is a heading, a bold label is not",
        "**Ekonomi**\n\nPrognosen är klar.\n\n**Beslut:**\n",
        [("h", "Ekonomi"), ("p", "Prognosen är klar."), ("p", "Beslut:")],
    ),
    (
        "html blocks are read as their text, comments and scripts dropped",
        "<!-- utkast -->\n\n<div>Hej <b>alla</b><br>Mötet börjar 9.00</div>\n\n<script>x()</script>\n\nSlut.\n",
        [("p", "Hej alla"), ("p", "Mötet börjar 9.00"), ("p", "Slut.")],
    ),
    (
        "an HTML table (as converters write tables Markdown cannot) is a table",
        "Åtgärder:\n\n<table>\n<thead><tr><th>Ärende</th><th>Åtgärd</th><th>Ansvarig</th></tr></thead>\n"
        "<tbody>\n<tr><td>Lokaler</td><td><p>Boka\nvisning.</p><ul><li>Ring vaktmästaren</li></ul></td>"
        '<td>BB</td></tr>\n<tr><td colspan="3">Övriga frågor</td></tr>\n'
        "<tr><td>Budget</td><td>Ta fram förslag<table><tr><td>inre</td></tr></table></td><td>AA</td></tr>\n"
        "</tbody>\n</table>\n\nSlut.\n",
        [
            ("p", "Åtgärder:"),
            (
                "table",
                ("H:Ärende", "H:Åtgärd", "H:Ansvarig"),
                ("Lokaler", "Boka visning.\nRing vaktmästaren", "BB"),
                ("Övriga frågor",),
                ("Budget", "Ta fram förslag\ninre", "AA"),
            ),
            ("p", "Slut."),
        ],
    ),
    (
        "front matter is kept as plain lines",
        "---\ntitle: Protokoll FLG\ndate: 2024-08-26\n---\n# Protokoll\n",
        [("p", "title: Protokoll FLG"), ("p", "date: 2024-08-26"), ("h", "Protokoll")],
    ),
    (
        "thematic breaks around Markdown are no front matter",
        "---\n# Protokoll\n\n- Anna bokar lokal\n\n---\n\nSlut.\n",
        [("h", "Protokoll"), ("li", 0, "Anna bokar lokal"), ("p", "Slut.")],
    ),
    (
        "an indented block (Markdown's code block) is read as lines of text",
        "Noteringar:\n\n    Anna bokar lokal\n    Bo skickar kallelse\n",
        [("p", "Noteringar:"), ("p", "Anna bokar lokal"), ("p", "Bo skickar kallelse")],
    ),
    (
        "strikethrough keeps its text",
        "~~Boka lokal~~ klart\n",
        [("p", "Boka lokal klart")],
    ),
    (
        "text after a nested list belongs to its item but is not a new bullet",
        "- Lokaler\n  - Boka\n\n  Mer om lokaler.\n",
        [("li", 0, "Lokaler"), ("li", 1, "Boka"), ("p", "Mer om lokaler.")],
    ),
]


@pytest.mark.parametrize(("source", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_structure(source: str, expected: list[Shape]) -> None:
    assert read(source) == expected


SOURCE = "# Protokoll\n\n- Anna bokar lokal\n- Bo ringer\n\n| Åtgärd | Ansvarig |\n|---|---|\n| Boka | EK |\n"
EXPECTED = [
    ("h", "Protokoll"),
    ("li", 0, "Anna bokar lokal"),
    ("li", 0, "Bo ringer"),
    ("table", ("H:Åtgärd", "H:Ansvarig"), ("Boka", "EK")),
]


@pytest.mark.parametrize(
    "data",
    [
        SOURCE.replace("\n", "\r\n").encode(),  # Windows line endings
        SOURCE.encode("utf-8-sig"),  # a byte-order mark
        SOURCE.encode("cp1252"),  # saved by an old Windows editor
        SOURCE.encode("utf-16"),  # Notepad's 'Unicode', with its byte-order mark
    ],
    ids=["crlf", "bom", "cp1252", "utf-16"],
)
def test_encodings_and_line_endings(data: bytes) -> None:
    assert [shape(b) for b in read_markdown(data).blocks] == EXPECTED


def test_non_breaking_and_soft_hyphens_are_plain_characters() -> None:
    assert read("Anna\u00a0bokar lo\u00adkal\n") == [("p", "Anna bokar lokal")]


def test_source_format_is_markdown() -> None:
    assert read_markdown(b"Hej").source_format == "markdown"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", MSG_EMPTY),
        (b"  \r\n\n", MSG_EMPTY),
        ("\ufeff\n".encode(), MSG_EMPTY),
        (b"![bild](a.png)\n\n<!-- bara en kommentar -->\n", MSG_EMPTY),
        (b"\x00\x01\x02binary", "Filen är ingen läsbar text"),
        (b"a" * (MAX_MARKDOWN_BYTES + 1), "Markdown-filen är för stor för att vara ett protokoll"),
    ],
    ids=["empty", "blank", "bom-only", "no-text", "binary", "too-large"],
)
def test_unreadable_input_is_refused_with_a_message(data: bytes, message: str) -> None:
    with pytest.raises(UnreadableDocument) as raised:
        read_markdown(data)
    assert raised.value.message == message


NOTES = """# Styrelsemöte 2024-08-26

**Närvarande:** Anna Andersson (AA), Bo Berg (BB)

## Lokaler
- [ ] BB får i uppdrag att boka lokalen
  till höstmötet, senast 7/10

## Åtgärder

| Ärende | Åtgärd | Ansvarig | Klart senast |
|---|---|---|---|
| Budget | Ta fram ett förslag till budget | AA | 30/9 |
"""


def test_the_extractor_reads_markdown_minutes() -> None:
    items = extract(read_markdown(NOTES.encode()), reference_date=date(2024, 8, 26)).items
    found = {(item.owners, item.due.date if item.due else None) for item in items}
    assert (("AA",), date(2024, 9, 30)) in found
    assert (("BB",), date(2024, 10, 7)) in found
    assert any("boka lokalen till höstmötet" in item.text and item.topic == "Lokaler" for item in items)


def test_html_list_items_in_a_cell_are_list_items() -> None:
    (table,) = [
        b
        for b in read_markdown(
            b"<table><tr><td><ul><li>Ett</li><li>Tv\xc3\xa5</li></ul></td></tr></table>"
        ).blocks
    ]
    assert isinstance(table, Table)
    blocks = table.rows[0].cells[0].blocks
    assert [(b.text, b.list_item) for b in blocks if isinstance(b, Paragraph)] == [
        ("Ett", True),
        ("Två", True),
    ]


def test_paragraphs_carry_no_level_outside_lists() -> None:
    blocks = read_markdown(b"# Rubrik\n\nText\n").blocks
    assert all(isinstance(b, Paragraph) and b.level == 0 for b in blocks)
