"""The command line's one rule, for every command (later ones included, since they are found, not listed):
subcommands and options in English, help and messages in Swedish; and the `items` table cuts no name."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date

import pytest

from bot.cli import _parser, main, swedish_argparse_error
from bot.cli_text import fit_names, format_items
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus

# argparse's own English: none of it may reach the user.
ENGLISH = (
    "usage:",
    "options:",
    "optional arguments",
    "positional arguments",
    "show this help",
    "the following arguments",
    "unrecognized arguments",
    "invalid choice",
    "choose from",
    "expected one argument",
    "ignored explicit argument",
    "ambiguous option",
)


def _every_parser() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    parser = _parser()
    yield "minutesbot", parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_command_is_found() -> None:
    names = [name for name, _ in _every_parser()]
    assert {"extract", "items", "run", "package", "channels"} <= set(names)


@pytest.mark.parametrize("name, parser", list(_every_parser()), ids=lambda value: str(value)[:20])
def test_help_is_swedish_and_every_argument_says_what_it_is(
    name: str, parser: argparse.ArgumentParser
) -> None:
    shown = parser.format_help()
    assert shown.startswith("användning: ")
    assert not [phrase for phrase in ENGLISH if phrase in shown.lower()], shown
    undocumented = [
        action.dest
        for action in parser._actions
        if not action.help and not isinstance(action, argparse._SubParsersAction)
    ]
    assert not undocumented, f"{name}: arguments without help: {undocumented}"
    # Options stay English: every long option is ASCII.
    options = [option for action in parser._actions for option in action.option_strings]
    assert all(option.isascii() for option in options), options


ERRORS = [
    [],
    ["bogus"],
    ["items", "--bogus"],
    ["items", "--owner"],
    ["items", "--open=3"],
    ["agenda"],
    ["channels", "bindx"],
    ["extract", "x.docx", "--reference-date", "2020-13-01"],
    ["package", "--app-id"],
]


@pytest.mark.parametrize("argv", ERRORS, ids=lambda argv: " ".join(argv) or "(nothing)")
def test_usage_errors_are_one_swedish_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert error.startswith("användning: ")
    assert [line for line in error.splitlines() if line.startswith("fel: ")], error
    assert not [phrase for phrase in ENGLISH if phrase in error.lower()], error


@pytest.mark.parametrize(
    "english, swedish",
    [
        ("the following arguments are required: --group", "dessa argument krävs: --group"),
        ("unrecognized arguments: --x", "okända argument: --x"),
        (
            "argument action: invalid choice: 'b' (choose from 'bind', 'unbind')",
            "action: ogiltigt val 'b' (välj",
        ),
        ("argument --owner: expected one argument", "--owner: ett värde saknas"),
    ],
)
def test_argparse_errors_are_translated(english: str, swedish: str) -> None:
    assert swedish_argparse_error(english).startswith(swedish)


@pytest.mark.parametrize(
    "names, width, shown",
    [
        ([], 24, "—"),
        (["AA"], 24, "AA"),
        (["Annika Andersson", "Edit Eriksson"], 24, "Annika Andersson +1"),
        (["AA", "EE", "RN", "SR", "TU"], 24, "AA, EE, RN, SR, TU"),
        (["Annika Andersson", "Edit Eriksson", "Rickard Nilsson"], 40, "Annika Andersson, Edit Eriksson +1"),
        (["Förvaltningsövergripande ledningsgruppen"], 24, "Förvaltningsövergripande ledningsgruppen"),
        (
            ["Förvaltningsövergripande ledningsgruppen", "AA"],
            24,
            "Förvaltningsövergripande ledningsgruppen +1",
        ),
    ],
)
def test_fit_names_keeps_names_whole(names: list[str], width: int, shown: str) -> None:
    assert fit_names(names, width) == shown


def test_items_table_never_cuts_an_owner_name() -> None:
    owners = ("Annika Andersson", "Edit Eriksson", "Rickard Nilsson", "Susanne Rosenström")
    item = ItemRecord(
        key="k#1",
        document_key="k",
        kind=ItemKind.ACTION,
        topic="Lokaler",
        text="Se över lokalerna",
        owners=owners,
        actors=(),
        due=date(2024, 9, 9),
        due_raw="9/9",
        due_relative=None,
        source="t1.r1.c1.0",
        status=ItemStatus.OPEN,
        group="FLG",
        id=7,
    )
    row = format_items([item], set()).splitlines()[1]
    cells = row.split("  ")
    shown = [cell for cell in cells if "Annika" in cell][0].strip()
    for name in shown.split(" +")[0].split(", "):
        assert name in owners, row
    assert row.split()[0] == "7" and " öppen " in row  # what ../shared/tools/checks read
