"""The command line's commands over the store: ingest, items, decisions, roster, agenda, report, channels,
documents."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.util import CommandError
from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from bot.agenda_docx import write_agenda_docx
from bot.cli_text import format_documents, format_follow_through, format_follows, format_items, format_reports
from bot.settings import Settings
from bot.sources import sharepoint_connection
from minutes.errors import UserFacingError
from minutes.follow_through import Period
from minutes.group_file import GroupSettings, parse_group_file
from minutes.groups import normalise_group
from minutes.records import SourceError
from minutes.roster import RosterError
from reading.sandbox import SandboxPool
from reports.writers import ReportFormat, write_report
from sources.local_folder import LocalFolderSource
from store.engine import StoreUnavailable, UnsupportedDatabase, describe_database, open_store
from store.repository import SqlStore
from workflows.agenda import build_agenda
from workflows.ingest import Ingestor, Outcome, Progress
from workflows.owners import resolve_owners
from workflows.ports import DocumentSource
from workflows.report import group_report

# The exit code of every `fel:` line: bad input, an unreadable file, a store that cannot be opened.
EXIT_USAGE = 2


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


async def _report_command(args: argparse.Namespace, settings: Settings) -> int:
    """The group's follow-through over the period: its totals as text, or a file (web page, Word, .xlsx) with
    the charts and the figures per owner and role. An operator's command: the chat shows totals only."""
    group = _group_argument(args.group)
    today = datetime.now(UTC).date()
    period = Period(args.start or today.replace(month=1, day=1), args.end or today)
    store = await _open(settings)
    try:
        report = await group_report(store, group, period, today=today)
    finally:
        await store.close()
    for kind in ReportFormat:
        out = getattr(args, kind.value)
        if out is not None:
            path = write_report(report, out, kind)
            sys.stdout.write(f"Rapporten för {group} ({len(report.facts)} punkter): {path}\n")
            return 0
    sys.stdout.write(format_follow_through(report))
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


STORE_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]] = {
    "channels": _channels_command,
    "documents": _documents_command,
    "agenda": _agenda_command,
    "report": _report_command,
    "ingest": _ingest_command,
    "items": _items_command,
    "decisions": _decisions_command,
    "roster": _roster_command,
}
