"""The command line's Swedish listings: an extraction, ingestion reports, items, channels, documents, the
follow-through report. Pure."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from minutes.dates import format_date
from minutes.follow_through import FollowThrough, period_label, total_facts
from minutes.model import Extraction, ItemKind
from minutes.records import DocumentRecord, ItemRecord, ItemStatus
from workflows.ingest import IngestReport, Outcome, summarise

_KIND_LABELS = {ItemKind.ACTION: "Åtgärd", ItemKind.DECISION: "Beslut", ItemKind.FOLLOW_UP: "Uppföljning"}


def ready_banner(*, host: str, port: int, teams: bool, database: str, minutes_folder: str | None) -> str:
    """What `minutesbot run` prints once it listens: where, and what a newcomer can try next."""
    address = f"http://{host}:{port}"
    teams_line = (
        f"Teams-slutpunkten: {address}/api/messages"
        if teams
        else "Teams-slutpunkten är avstängd (ingen MINUTESBOT_BOT_APP_ID); prova korten med: make playground"
    )
    watched = f"Bevakar mappen {minutes_folder} (lägg protokoll där)." if minutes_folder else ""
    lines = [
        f"minutesbot lyssnar på {address} (hälsa: {address}/healthz). {watched}".rstrip(),
        teams_line,
        f"Prova i en annan terminal: .venv/bin/minutesbot items --open --database {database}",
        "Stoppa med Ctrl+C.",
    ]
    return "\n".join(lines) + "\n"


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


_OWNERS_WIDTH = 24


def fit_names(names: Sequence[str], width: int) -> str:
    """As many whole names as fit in `width`, then '+N' for the rest: a name is never cut in the middle (one
    name longer than the column is shown whole and pushes the row)."""
    if not names:
        return "—"
    for shown in range(len(names), 0, -1):
        hidden = len(names) - shown
        text = ", ".join(names[:shown]) + (f" +{hidden}" if hidden else "")
        if len(text) <= width:
            return text
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")


def format_items(
    items: Sequence[ItemRecord], unresolved: set[tuple[str | None, str]], *, title: str = "punkter"
) -> str:
    """One line per item; an owner the roster cannot place is marked with '?'."""
    if not items:
        return f"Inga {title}.\n"
    lines = [f"{'Nr':>4}  {'Typ':<11} {'Grupp':<8} {'Ansvarig':<24} {'Klart':<11} {'Status':<8} Text"]
    for item in items:
        owners = fit_names(
            [f"{o}?" if (item.group, o) in unresolved else o for o in item.owners], _OWNERS_WIDTH
        )
        due = item.due.isoformat() if item.due else ("nästa möte" if item.due_relative else "—")
        text = textwrap.shorten(f"{item.topic}: {item.text}" if item.topic else item.text, width=90)
        lines.append(
            f"{item.id or 0:>4}  {_KIND_LABELS[item.kind]:<11} {item.group or '—':<8} {owners:<{_OWNERS_WIDTH}} "
            f"{due:<11} {_STATUS_LABELS[item.status]:<8} {text}"
        )
    if unresolved:
        lines.append("? = finns inte i gruppens förteckning (läs in den med 'minutesbot roster FIL')")
    return "\n".join(lines) + "\n"


def format_follow_through(report: FollowThrough) -> str:
    """The group's totals and its oldest open items (no figures per person: those are the files')."""
    width = max(len(label) for label, _ in total_facts(report.totals))
    lines = [
        f"Uppföljningsrapport {report.group}: möten {period_label(report.period)}, läget {format_date(report.today)}",
        "",
        *(f"{label + ':':<{width + 1}} {value}" for label, value in total_facts(report.totals)),
    ]
    if report.oldest_open:
        lines += ["", "De äldsta öppna punkterna:"]
        lines += [
            f"  #{f.item.id} från mötet {format_date(f.item.meeting_date)}"
            f"{f', datum {format_date(f.item.due)}' if f.item.due else ''}: {f.item.topic}"
            for f in report.oldest_open
            if f.item.meeting_date is not None
        ]
    return "\n".join(lines) + "\n"
