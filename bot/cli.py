"""The `minutesbot` command line: a composition root of its own. Errors are one Swedish line, exit code 2."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import textwrap
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiohttp import web
from alembic.util import CommandError
from pydantic import ValidationError
from pydantic_settings import SettingsError
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from bot.agenda_docx import write_agenda_docx
from bot.app import create_app, freeze_startup_heap
from bot.logs import configure_logging
from bot.package import PackageError, build_package
from bot.settings import Settings, describe_settings_error
from bot.sources import sharepoint_connection
from minutes.errors import UserFacingError
from minutes.extract import extract
from minutes.group_file import GroupSettings, parse_group_file
from minutes.groups import normalise_group
from minutes.model import DateSource, DocumentError, Extraction, ItemKind
from minutes.records import DocumentRecord, ItemRecord, ItemStatus, SourceError
from minutes.roster import RosterError
from minutes.serialize import extraction_to_json
from reading.sandbox import SandboxPool, forbid_inspection, read_in_sandbox
from sources.local_folder import LocalFolderSource
from store.engine import StoreUnavailable, UnsupportedDatabase, describe_database, open_store
from store.repository import SqlStore
from workflows.agenda import AgendaError, build_agenda
from workflows.ingest import Ingestor, IngestReport, Outcome, Progress, summarise
from workflows.owners import resolve_owners
from workflows.ports import DocumentSource

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
    roster_cmd.add_argument("file", type=Path)
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
    for command in (
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
        return asyncio.run(STORE_COMMANDS[args.command](args, settings))
    except (SourceError, RosterError, StoreUnavailable, AgendaError, BadInput) as error:
        sys.stderr.write(f"fel: {error.message}\n")
        return EXIT_USAGE


def _run_service(settings: Settings) -> int:
    configure_logging(settings.log_level)
    forbid_inspection()  # the service holds secrets and documents: no other process of its user reads them
    try:
        app = create_app(settings)
        app.on_startup.append(freeze_startup_heap)
        web.run_app(app, host=settings.host, port=settings.port, print=None)
    except (SourceError, StoreUnavailable, RosterError) as error:
        sys.stderr.write(f"fel: {error.message}\n")
        return EXIT_USAGE
    except OSError as error:
        sys.stderr.write(f"fel: kan inte lyssna på {settings.host}:{settings.port} ({error.strerror})\n")
        return EXIT_USAGE
    return 0


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


async def _open(settings: Settings) -> SqlStore:
    """The store, or StoreUnavailable naming the database (never the URL's password) and why."""
    try:
        return await open_store(settings.database_url)
    except UnsupportedDatabase as error:
        raise StoreUnavailable(f"databasen stöds inte: {error}") from None
    except (OSError, SQLAlchemyError, CommandError) as error:  # open_store translates; this is a last net
        name = describe_database(settings.database_url)
        raise StoreUnavailable(f"databasen {name} kan inte öppnas ({type(error).__name__})") from None


async def _ingest_command(args: argparse.Namespace, settings: Settings) -> int:
    store = await _open(settings)
    try:
        readers = SandboxPool()
        async with _source_for(args.target, settings, store) as source:
            ingestor = Ingestor(
                store=store,
                clock=lambda: datetime.now(UTC),
                analyser=readers.read_and_extract,
                max_bytes=settings.max_document_bytes,
                reads_ahead=readers.reads_ahead(settings.max_document_bytes),
            )
            with _progress_bar() as progress:
                reports = await ingestor.run(source, progress=progress)
    finally:
        await readers.close()
        await store.close()
    for report in reports:
        if report.outcome is Outcome.FAILED:
            sys.stderr.write(f"fel: {report.name}: {report.failure}\n")
    sys.stdout.write(format_reports(reports))
    return EXIT_USAGE if any(r.outcome is Outcome.FAILED for r in reports) else 0


@contextlib.asynccontextmanager
async def _source_for(target: str, settings: Settings, store: SqlStore) -> AsyncIterator[DocumentSource]:
    if target.startswith(("https://", "http://")):
        async with sharepoint_connection(target, settings, store) as connection:
            yield connection.source
        return
    yield _local_source(Path(target), store)


def _local_source(path: Path, store: SqlStore) -> LocalFolderSource:
    """What is there now, read at once (no waiting for two listings to agree)."""
    if path.is_dir():
        return LocalFolderSource(path, store, max_key_length=store.max_key_length)
    if path.is_file():
        only = frozenset({path.name})
        return LocalFolderSource(path.parent, store, only=only, max_key_length=store.max_key_length)
    raise SourceError(f"{path} finns inte (ange en fil, en mapp eller en https-länk)")


@contextlib.contextmanager
def _progress_bar() -> Iterator[Progress]:
    """A progress bar on a terminal for many files; nothing when output is piped."""
    bar: tqdm[Any] | None = None

    def advance(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total >= 5 and sys.stderr.isatty():
            bar = tqdm(total=total, unit="fil", desc="Läser in", file=sys.stderr)
        if bar is not None:
            bar.update(done - bar.n)

    try:
        yield advance
    finally:
        if bar is not None:
            bar.close()


async def _items_command(args: argparse.Namespace, settings: Settings) -> int:
    store = await _open(settings)
    try:
        items = await store.list_items(open_only=args.open, owner=args.owner, group=args.group)
        unresolved = {
            (item.group, owner.written)
            for item in items
            for owner in await resolve_owners(item.owners, item.group, store)
            if not owner.resolved
        }
    finally:
        await store.close()
    sys.stdout.write(format_items(items, unresolved))
    return 0


async def _decisions_command(args: argparse.Namespace, settings: Settings) -> int:
    store = await _open(settings)
    try:
        decisions = await store.search_decisions(args.search)
    finally:
        await store.close()
    sys.stdout.write(format_items(decisions, set(), title="beslut"))
    return 0


async def _roster_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RosterError(f"{args.file} kan inte läsas ({type(error).__name__})") from None
    group_file = parse_group_file(text)  # the settings tables are checked too, though not stored
    group, entries = group_file.group, group_file.people
    store = await _open(settings)
    try:
        await store.save_roster(group, entries)
    finally:
        await store.close()
    sys.stdout.write(f"{group}: {len(entries)} personer inlästa\n")
    if group_file.settings != GroupSettings():
        sys.stdout.write(
            "Filens inställningar gäller när `minutesbot run` läser den i MINUTESBOT_ROSTER_DIR.\n"
        )
    return 0


async def _agenda_command(args: argparse.Namespace, settings: Settings) -> int:
    store = await _open(settings)
    try:
        agenda = await build_agenda(store, args.group, args.date, today=datetime.now(UTC).date())
    finally:
        await store.close()
    path = write_agenda_docx(agenda, args.docx)
    sys.stdout.write(
        f"{len(agenda.lines)} uppföljningspunkter till {args.group} {args.date.isoformat()}: {path}\n"
    )
    return 0


class BadInput(UserFacingError):
    """An argument the command cannot use; `message` says which and why, in Swedish."""


# Who changes a binding from the command line, as the audit log records it.
OPERATOR = "operator"


def _group_argument(text: str | None) -> str:
    group = normalise_group(text or "")
    if group is None:
        raise BadInput(
            f"ange ett gruppnamn, till exempel FLG (fick {text!r})" if text else "ange en grupp, t.ex. FLG"
        )
    return group


async def _channels_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the channels and group chats with the groups each follows; bind or unbind one (audited)."""
    if args.action is None:
        if args.conversation is not None:
            raise BadInput(
                "skriv 'channels bind KONVERSATION GRUPP' eller 'channels unbind KONVERSATION GRUPP'"
            )
        store = await _open(settings)
        try:
            follows = await store.follows()
        finally:
            await store.close()
        sys.stdout.write(format_follows(follows))
        return 0
    if not args.conversation:
        raise BadInput(f"ange konversationens id: channels {args.action} KONVERSATION GRUPP")
    group = _group_argument(args.group)
    store = await _open(settings)
    try:
        if args.conversation not in await store.follows():
            raise BadInput(
                f"konversationen {args.conversation} är okänd för boten (se 'minutesbot channels'; "
                "boten måste vara tillagd där)"
            )
        change = store.follow_group if args.action == "bind" else store.unfollow_group
        changed = await change(args.conversation, group, by=OPERATOR, at=datetime.now(UTC), origin="cli")
    finally:
        await store.close()
    if args.action == "bind":
        said = "följer nu" if changed else "följer redan"
    else:
        said = "följer inte längre" if changed else "följde inte"
    sys.stdout.write(f"{args.conversation} {said} {group}\n")
    return 0


async def _documents_command(args: argparse.Namespace, settings: Settings) -> int:
    """List the documents of no known group; give one a group (audited; its card then goes to the group)."""
    if args.action is None:
        if args.document is not None:
            raise BadInput("skriv 'documents set-group NUMMER GRUPP'")
        store = await _open(settings)
        try:
            ungrouped = await store.ungrouped_documents()
        finally:
            await store.close()
        sys.stdout.write(format_documents(ungrouped))
        return 0
    if not args.document:
        raise BadInput("ange protokollets nummer eller nyckel: documents set-group NUMMER GRUPP")
    group = _group_argument(args.group)
    store = await _open(settings)
    try:
        key = args.document
        if args.document.isdigit():
            found = [d for d in await store.documents() if d.id == int(args.document)]
            key = found[0].key if found else ""
        updated = (
            await store.set_document_group(key, group, by=OPERATOR, at=datetime.now(UTC), origin="cli")
            if key
            else None
        )
    finally:
        await store.close()
    if updated is None:
        raise BadInput(f"protokollet {args.document} finns inte (se 'minutesbot documents')")
    sys.stdout.write(f"{updated.name} hör nu till {group}; kortet går till de kanaler som följer {group}\n")
    return 0


def format_follows(follows: Mapping[str, frozenset[str]]) -> str:
    if not follows:
        return "Boten känner inga kanaler eller gruppchattar ännu.\n"
    lines = [
        f"{conversation}  {', '.join(sorted(groups)) or '— följer ingen grupp'}"
        for conversation, groups in follows.items()
    ]
    return "\n".join(lines) + "\n"


def format_documents(ungrouped: Sequence[DocumentRecord]) -> str:
    if not ungrouped:
        return "Inga protokoll utan grupp.\n"
    lines = [f"{'Nr':>4}  {'Möte':<10}  Protokoll  (nyckel)"]
    for document in ungrouped:
        day = document.meeting_date.isoformat() if document.meeting_date else "—"
        lines.append(f"{document.id or 0:>4}  {day:<10}  {document.name}  ({document.key})")
    lines.append("Ange gruppen: minutesbot documents set-group NR GRUPP")
    return "\n".join(lines) + "\n"


STORE_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]] = {
    "channels": _channels_command,
    "documents": _documents_command,
    "agenda": _agenda_command,
    "ingest": _ingest_command,
    "items": _items_command,
    "decisions": _decisions_command,
    "roster": _roster_command,
}


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


_OUTCOME_LABELS = {
    Outcome.INGESTED: "inläst",
    Outcome.UNCHANGED: "oförändrad",
    Outcome.FAILED: "misslyckades",
    Outcome.DELETED: "borttagen",
}
_STATUS_LABELS = {ItemStatus.OPEN: "öppen", ItemStatus.DONE: "klar", ItemStatus.WITHDRAWN: "struken"}


def format_reports(reports: Sequence[IngestReport]) -> str:
    if not reports:
        return "Inga nya eller ändrade protokoll.\n"
    lines = [f"{'Fil':<48} {'Resultat':<13} {'Nya':>4} {'Ändrade':>8} {'Strukna':>8}"]
    for r in reports:
        lines.append(
            f"{r.name[:48]:<48} {_OUTCOME_LABELS[r.outcome]:<13} {r.added:>4} {r.updated:>8} {r.withdrawn:>8}"
        )
    counts = summarise(reports)
    lines.append(
        f"{len(reports)} filer: {counts[Outcome.INGESTED]} inlästa, {counts[Outcome.UNCHANGED]} oförändrade, "
        f"{counts[Outcome.FAILED]} misslyckade, {counts[Outcome.DELETED]} borttagna"
    )
    return "\n".join(lines) + "\n"


def format_items(
    items: Sequence[ItemRecord], unresolved: set[tuple[str | None, str]], *, title: str = "punkter"
) -> str:
    """One line per item; an owner the roster cannot place is marked with '?'."""
    if not items:
        return f"Inga {title}.\n"
    lines = [f"{'Nr':>4}  {'Typ':<11} {'Grupp':<8} {'Ansvarig':<24} {'Klart':<11} {'Status':<8} Text"]
    for item in items:
        owners = ", ".join(f"{o}?" if (item.group, o) in unresolved else o for o in item.owners) or "—"
        due = item.due.isoformat() if item.due else ("nästa möte" if item.due_relative else "—")
        text = textwrap.shorten(f"{item.topic}: {item.text}" if item.topic else item.text, width=90)
        lines.append(
            f"{item.id or 0:>4}  {_KIND_LABELS[item.kind]:<11} {(item.group or '—')[:8]:<8} {owners[:24]:<24} "
            f"{due:<11} {_STATUS_LABELS[item.status]:<8} {text}"
        )
    if unresolved:
        lines.append("? = finns inte i gruppens förteckning (läs in den med 'minutesbot roster FIL')")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
