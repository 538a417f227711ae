"""The `minutesbot` command line: argument parsing, file I/O and output. Errors are one line, exit code 2."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from minutes.extract import extract
from minutes.model import ActionItem, DocumentError, Extraction, ItemKind
from workflows.sandbox import read_in_sandbox

MAX_FILE_BYTES = 50_000_000
EXIT_USAGE = 2

_KIND_LABELS = {ItemKind.ACTION: "Åtgärd", ItemKind.DECISION: "Beslut", ItemKind.FOLLOW_UP: "Uppföljning"}


class _SwedishParser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit is 2 too; keep the line Swedish
        self.print_usage(sys.stderr)
        sys.stderr.write(f"fel: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _SwedishParser(prog="minutesbot", description="Åtgärdspunkter ur mötesprotokoll.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_SwedishParser)
    extract_cmd = commands.add_parser("extract", help="läs ett protokoll och visa dess åtgärder och beslut")
    extract_cmd.add_argument("file", type=Path, help=".docx, .pdf, .txt eller .md")
    extract_cmd.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    extract_cmd.add_argument(
        "--reference-date",
        type=_iso_date,
        help="datum att räkna från när protokollet saknar mötesdatum (standard: filens ändringsdatum)",
    )
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum {text!r}, skriv ÅÅÅÅ-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _extract_command(args.file, json_output=args.json, reference_date=args.reference_date)
    except DocumentError as error:
        sys.stderr.write(f"fel: {args.file.name}: {error.message}\n")
        return EXIT_USAGE


def _extract_command(path: Path, *, json_output: bool, reference_date: date | None) -> int:
    data = _read_file(path)
    document = read_in_sandbox(data, path.name)
    reference = reference_date or datetime.fromtimestamp(path.stat().st_mtime).date()
    result = extract(document, reference_date=reference)
    if json_output:
        json.dump(extraction_to_json(result), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_table(result))
    return 0


def _read_file(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(
                f"filen är för stor ({size // 1_000_000} MB, högst {MAX_FILE_BYTES // 1_000_000} MB)"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise DocumentError("filen finns inte") from None
    except IsADirectoryError:
        raise DocumentError("det är en mapp, inte en fil") from None
    except PermissionError:
        raise DocumentError("filen kan inte läsas (behörighet saknas)") from None


def extraction_to_json(result: Extraction) -> dict[str, Any]:
    meeting = result.meeting
    return {
        "meeting": {
            "body": meeting.body,
            "date": meeting.date.isoformat() if meeting.date else None,
            "title": meeting.title,
            "people": [{"name": p.name, "initials": p.initials, "role": p.role} for p in meeting.people],
        },
        "items": [_item_to_json(item) for item in result.items],
    }


def _item_to_json(item: ActionItem) -> dict[str, Any]:
    return {
        "kind": item.kind.value,
        "topic": item.topic,
        "text": item.text,
        "owners": list(item.owners),
        "actors": list(item.actors),
        "due": item.due.date.isoformat() if item.due and item.due.date else None,
        "due_raw": item.due.raw if item.due else None,
        "due_relative": item.due.relative.value if item.due and item.due.relative else None,
        "source": item.source.key(),
    }


def format_table(result: Extraction) -> str:
    """A readable Swedish listing: one block per item."""
    meeting = result.meeting
    lines = [
        f"Möte: {meeting.body or 'okänt'}  Datum: {meeting.date.isoformat() if meeting.date else 'saknas'}",
        f"{len(result.items)} punkter",
        "",
    ]
    for number, item in enumerate(result.items, start=1):
        due = "—"
        if item.due:
            due = item.due.date.isoformat() if item.due.date else f"{item.due.raw} (nästa möte)"
        owners = ", ".join(item.owners) or "ingen angiven"
        lines.append(f"{number:>3}. {_KIND_LABELS[item.kind]:<11} Ansvarig: {owners:<24} Klart: {due}")
        if item.topic:
            lines.append(
                textwrap.fill(item.topic, width=100, initial_indent="     Ämne: ", subsequent_indent=" " * 11)
            )
        lines.append(textwrap.fill(item.text, width=100, initial_indent="     ", subsequent_indent="     "))
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
