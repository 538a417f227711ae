"""The `minutesbot` command line: a composition root of its own. Errors are one Swedish line, exit code 2."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url

from bot.app import create_app, freeze_startup_heap
from bot.cli_planner import add_planner_parser, planner_command
from bot.cli_store import EXIT_USAGE, STORE_COMMANDS, BadInput
from bot.cli_text import format_table, ready_banner
from bot.logs import configure_logging
from bot.package import PackageError, build_package
from bot.settings import Settings, describe_settings_error
from minutes.extract import extract
from minutes.model import DateSource, DocumentError
from minutes.records import SourceError
from minutes.roster import RosterError
from minutes.serialize import extraction_to_json
from reading.sandbox import forbid_inspection, read_in_sandbox
from reports.writers import ReportWriteError
from store.engine import StoreUnavailable
from workflows.agenda import AgendaError
from workflows.report import ReportError

MAX_FILE_BYTES = 50_000_000


# The command line's one rule: subcommands and options in English, everything it says in Swedish. Every parser
# is a _SwedishParser (the subcommands' parser_class too), so argparse's own words — the usage line, the section
# titles, -h, its error messages — are Swedish for every command, later ones included (tests/bot/test_cli_help.py).
_ARGPARSE_ERRORS = (
    (re.compile(r"the following arguments are required: (.+)"), r"dessa argument krävs: \1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"okända argument: \1"),
    (
        re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
        r"\1: ogiltigt val \2 (välj bland \3)",
    ),
    (re.compile(r"argument (\S+): expected one argument"), r"\1: ett värde saknas"),
    (re.compile(r"argument (\S+): expected at most one argument"), r"\1: högst ett värde"),
    (re.compile(r"argument (\S+): invalid \S+ value: (.+)"), r"\1: ogiltigt värde \2"),
    (re.compile(r"argument (\S+): ignored explicit argument (.+)"), r"\1: tar inget värde (\2)"),
    (
        re.compile(r"argument (\S+): not allowed with argument (\S+)"),
        r"\1: kan inte anges tillsammans med \2",
    ),
    (re.compile(r"ambiguous option: (\S+) could match (.+)"), r"tvetydig flagga \1: kan vara \2"),
    (re.compile(r"argument (\S+): (.+)"), r"\1: \2"),  # our own ArgumentTypeError texts, already Swedish
)


def swedish_argparse_error(message: str) -> str:
    for pattern, replacement in _ARGPARSE_ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(replacement, message)
    return message


class _SwedishFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "användning: " if prefix is None else prefix)


class _SwedishParser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["add_help"] = False
        kwargs.setdefault("formatter_class", _SwedishFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argument"
        self._optionals.title = "flaggor"
        self.add_argument(
            "-h", "--help", action="help", default=argparse.SUPPRESS, help="visa den här hjälpen"
        )

    def error(self, message: str) -> Any:  # argparse's own exit is 2 too; keep the line Swedish
        self.print_usage(sys.stderr)
        sys.stderr.write(f"fel: {swedish_argparse_error(message)}\n")
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    parser = _SwedishParser(prog="minutesbot", description="Åtgärdspunkter ur mötesprotokoll.")
    commands = parser.add_subparsers(
        dest="command", required=True, parser_class=_SwedishParser, title="kommandon", metavar="KOMMANDO"
    )
    extract_cmd = commands.add_parser("extract", help="läs ett protokoll och visa dess åtgärder och beslut")
    extract_cmd.add_argument("file", type=Path, help=".docx, .pdf, .txt eller .md")
    extract_cmd.add_argument("--json", action="store_true", help="skriv resultatet som JSON")
    extract_cmd.add_argument(
        "--reference-date",
        type=_iso_date,
        help="datum att räkna från när protokollet saknar mötesdatum (standard: filens ändringsdatum)",
    )
    ingest_cmd = commands.add_parser(
        "ingest", help="läs in protokoll från en fil, en mapp eller en SharePoint-länk"
    )
    ingest_cmd.add_argument("target", help="fil, mapp eller https-länk till ett SharePoint-bibliotek")
    items_cmd = commands.add_parser("items", help="lista lagrade åtgärdspunkter")
    items_cmd.add_argument("--open", action="store_true", help="bara öppna punkter")
    items_cmd.add_argument("--owner", help="bara punkter med denna ansvariga (initialer, namn eller roll)")
    items_cmd.add_argument("--group", help="bara denna grupp (FLG, FSG …)")
    decisions_cmd = commands.add_parser("decisions", help="sök i beslutsregistret")
    decisions_cmd.add_argument("search", nargs="?", help="sökord")
    roster_cmd = commands.add_parser("roster", help="läs in en gruppförteckning (TOML)")
    roster_cmd.add_argument("file", type=Path, help="gruppförteckningen, en TOML-fil")
    agenda_cmd = commands.add_parser("agenda", help="uppföljningspunkter till ett möte, som Word-avsnitt")
    agenda_cmd.add_argument("--group", required=True, help="gruppen, t.ex. FLG")
    agenda_cmd.add_argument("--date", required=True, type=_iso_date, help="mötets datum, ÅÅÅÅ-MM-DD")
    agenda_cmd.add_argument("--docx", required=True, type=Path, help="Word-fil att skriva")
    channels_cmd = commands.add_parser(
        "channels", help="kanaler och gruppchattar som boten känner, och vilka grupper var och en följer"
    )
    channels_cmd.add_argument(
        "action", nargs="?", choices=("bind", "unbind"), help="bind: följ, unbind: sluta följa"
    )
    channels_cmd.add_argument("conversation", nargs="?", help="konversationens id (19:…), som listan visar")
    channels_cmd.add_argument("group", nargs="?", help="gruppen, t.ex. FLG")
    documents_cmd = commands.add_parser(
        "documents", help="protokoll utan känd grupp (deras kort går inte till någon kanal); ange gruppen"
    )
    documents_cmd.add_argument("action", nargs="?", choices=("set-group",), help="set-group: ange gruppen")
    documents_cmd.add_argument(
        "document", nargs="?", help="protokollets nummer eller nyckel, som listan visar"
    )
    documents_cmd.add_argument("group", nargs="?", help="gruppen, t.ex. FLG")
    commands.add_parser("run", help="kör tjänsten: bevakar källorna och läser in nya protokoll")
    package_cmd = commands.add_parser("package", help="bygg Teams-appens paket (zip) att ladda upp")
    package_cmd.add_argument("--app-id", required=True, help="botens Microsoft App ID (ett GUID)")
    package_cmd.add_argument("--out", type=Path, default=Path("minutesbot.zip"), help="zip-fil eller mapp")
    package_cmd.add_argument("--version", default="1.0.0", help="appens version, MAJOR.MINOR.PATCH")
    package_cmd.add_argument("--website", required=True, help="organisationens webbplats (https)")
    package_cmd.add_argument("--privacy", help="integritetspolicy (https; standard: webbplatsen)")
    package_cmd.add_argument("--terms", help="användarvillkor (https; standard: webbplatsen)")
    package_cmd.add_argument("--developer", default="minutesbot", help="utvecklarens namn i Teams")
    report_cmd = commands.add_parser(
        "report", help="uppföljningsrapport för en grupp: klart, i tid, flyttat, öppet och försenat"
    )
    report_cmd.add_argument("--group", required=True, metavar="GRUPP", help="gruppen, t.ex. FLG")
    report_cmd.add_argument(
        "--from",
        dest="start",
        type=_iso_date,
        metavar="DATUM",
        help="första mötesdatum, ÅÅÅÅ-MM-DD (standard: årets början)",
    )
    report_cmd.add_argument(
        "--to",
        dest="end",
        type=_iso_date,
        metavar="DATUM",
        help="sista mötesdatum, ÅÅÅÅ-MM-DD (standard: i dag)",
    )
    report_file = report_cmd.add_mutually_exclusive_group()
    report_file.add_argument(
        "--html", type=Path, metavar="FIL", help="skriv rapporten som webbsida med diagram"
    )
    report_file.add_argument(
        "--docx", type=Path, metavar="FIL", help="skriv rapporten som Word-dokument med diagram"
    )
    report_file.add_argument(
        "--xlsx", type=Path, metavar="FIL", help="skriv raderna bakom varje mått som Excel-fil"
    )
    planner_cmd = add_planner_parser(commands)
    for command in (
        planner_cmd,
        report_cmd,
        ingest_cmd,
        items_cmd,
        decisions_cmd,
        roster_cmd,
        agenda_cmd,
        channels_cmd,
        documents_cmd,
    ):
        command.add_argument(
            "--database", help="databas-URL (standard: MINUTESBOT_DATABASE_URL eller SQLite-filen)"
        )
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ogiltigt datum {text!r}, skriv ÅÅÅÅ-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away ('minutesbot items | head'): nothing more to say, and no traceback.
        # Python's own recipe: point stdout at /dev/null so the flush at exit does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "extract":
        try:
            return _extract_command(args.file, json_output=args.json, reference_date=args.reference_date)
        except DocumentError as error:
            sys.stderr.write(f"fel: {args.file.name}: {error.message}\n")
            return EXIT_USAGE
    if args.command == "package":
        return _package_command(args)
    try:
        database = getattr(args, "database", None)
        settings = Settings() if database is None else Settings(database_url=database)
    except (ValidationError, SettingsError) as error:
        sys.stderr.write(f"fel: inställningarna är ogiltiga: {describe_settings_error(error)}\n")
        return EXIT_USAGE
    if args.command == "run":
        return _run_service(settings)
    try:
        command = planner_command if args.command == "planner" else STORE_COMMANDS[args.command]
        return asyncio.run(command(args, settings))
    except (
        SourceError,
        RosterError,
        StoreUnavailable,
        AgendaError,
        BadInput,
        ReportError,
        ReportWriteError,
    ) as error:
        sys.stderr.write(f"fel: {error.message}\n")
        return EXIT_USAGE


def _run_service(settings: Settings) -> int:
    configure_logging(settings.log_level)
    forbid_inspection()  # the service holds secrets and documents: no other process of its user reads them
    try:
        app = create_app(settings)
        app.on_startup.append(freeze_startup_heap)
        web.run_app(app, host=settings.host, port=settings.port, print=_ready_printer(settings))
    except (SourceError, StoreUnavailable, RosterError) as error:
        sys.stderr.write(f"fel: {error.message}\n")
        return EXIT_USAGE
    except OSError as error:
        sys.stderr.write(f"fel: kan inte lyssna på {settings.host}:{settings.port} ({error.strerror})\n")
        return EXIT_USAGE
    return 0


def _ready_printer(settings: Settings) -> Callable[..., None]:
    """aiohttp calls it once the socket listens (in place of its English banner)."""
    database = settings.database_url
    if not make_url(database).drivername.startswith("sqlite"):  # a server URL may carry a password
        database = "$MINUTESBOT_DATABASE_URL"
    banner = ready_banner(
        host=settings.host,
        port=settings.port,
        teams=settings.teams_enabled,
        database=database,
        minutes_folder=str(settings.minutes_folder) if settings.minutes_folder else None,
    )

    def write(*_: object) -> None:
        sys.stdout.write(banner)
        sys.stdout.flush()

    return write


def _package_command(args: argparse.Namespace) -> int:
    try:
        path = build_package(
            app_id=args.app_id,
            version=args.version,
            out=args.out,
            developer_name=args.developer,
            website_url=args.website,
            privacy_url=args.privacy or args.website,
            terms_url=args.terms or args.website,
        )
    except PackageError as error:
        sys.stderr.write(f"fel: {error.message}\n")
        return EXIT_USAGE
    sys.stdout.write(f"Teams-paketet är skrivet: {path}\n")
    return 0


def _extract_command(path: Path, *, json_output: bool, reference_date: date | None) -> int:
    data = _read_file(path)
    document = read_in_sandbox(data, path.name)
    reference = reference_date or datetime.fromtimestamp(path.stat().st_mtime).date()
    result = extract(document, reference_date=reference, file_name=path.name)
    if result.meeting.date is None:
        # Neither the document nor its name gives the date: say which date the items resolved against.
        source = DateSource.REFERENCE if reference_date else DateSource.FILE_DATE
        result = replace(result, meeting=replace(result.meeting, date=reference, date_source=source))
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


if __name__ == "__main__":
    raise SystemExit(main())
