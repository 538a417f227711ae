"""What the report's files show, as plain tables (title, header, rows); the writers render them. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from minutes.follow_through import FIGURES, Figures, FollowThrough, ItemFacts, format_days, share, total_facts
from minutes.model import ItemKind
from minutes.records import ItemStatus

Cell = str | int | float | date | None

KINDS = {ItemKind.ACTION: "Åtgärd", ItemKind.FOLLOW_UP: "Uppföljning", ItemKind.DECISION: "Beslut"}
STATUSES = {
    ItemStatus.OPEN: "öppen",
    ItemStatus.DONE: "klar",
    ItemStatus.ARCHIVED: "arkiverad",
    ItemStatus.WITHDRAWN: "struken",
    ItemStatus.DISMISSED: "inte en uppgift",
}
ITEM_HEADER = (
    "Nr", "Typ", "Ämne", "Text", "Ansvariga", "Möte", "Första datum", "Datum", "Status", "Klar",
    "Flyttad (gånger)", "Dagar till klar",
)  # fmt: skip
FIGURES_HEADER = (
    "Att göra",
    "Klara",
    "Klara i tid (sista datumet)",
    "Öppna",
    "Försenade",
    "Arkiverade",
    "Flyttade",
)


@dataclass(frozen=True, slots=True)
class Table:
    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def item_row(fact: ItemFacts) -> tuple[Cell, ...]:
    item = fact.item
    return (
        item.id,
        KINDS[item.kind],
        item.topic,
        item.text,
        ", ".join(item.owners),
        item.meeting_date,
        fact.first_due,
        item.due,
        STATUSES[item.status],
        fact.done_on,
        fact.moves,
        fact.days_to_done,
    )


def totals_table(report: FollowThrough) -> Table:
    return Table("Gruppens siffror", ("Mått", "Värde"), tuple(total_facts(report.totals)))


def oldest_table(report: FollowThrough) -> Table:
    rows = tuple((f.item.id, f.item.meeting_date, f.item.due, f.item.topic) for f in report.oldest_open)
    return Table("De äldsta öppna punkterna", ("Nr", "Möte", "Datum", "Ämne"), rows)


def months_table(report: FollowThrough) -> Table:
    rows = tuple((f"{row.month:%Y-%m}", row.created, row.done) for row in report.months)
    return Table("Per månad", ("Månad", "Nya att göra", "Klara"), rows)


def ages_table(report: FollowThrough) -> Table:
    return Table("Öppna punkter efter ålder", ("Ålder (från mötet)", "Öppna"), report.open_by_age)


def _figure_row(name: str, figures: Figures) -> tuple[Cell, ...]:
    return (
        name,
        figures["to_do"],
        f"{figures['done']} ({share(figures['done'], figures['to_do'])})",
        figures["done_by_last_due"],
        figures["open"],
        figures["overdue"],
        figures["archived"],
        figures["moved"],
    )


def owners_table(report: FollowThrough) -> Table:
    rows = tuple(_figure_row(owner, figures) for owner, figures in report.by_owner)
    return Table("Per ansvarig", ("Ansvarig", *FIGURES_HEADER), rows)


def roles_table(report: FollowThrough) -> Table:
    rows = tuple(_figure_row(role, figures) for role, figures in report.by_role)
    return Table("Per roll", ("Roll", *FIGURES_HEADER), rows)


def figure_tables(report: FollowThrough) -> tuple[Table, ...]:
    """One table per counted figure with the items it counts, and the done items behind the median."""
    tables = [
        Table(figure.label, ITEM_HEADER, tuple(item_row(f) for f in report.rows_of(figure.name)))
        for figure in FIGURES
    ]
    median = format_days(report.totals.median_days_to_done)
    tables.append(
        Table(f"Mediantid {median}", ITEM_HEADER, tuple(item_row(f) for f in report.rows_of("done")))
    )
    return tuple(tables)


def summary_tables(report: FollowThrough) -> Sequence[Table]:
    """The tables a reader of the web page or the Word document sees (the items of each figure are the .xlsx's)."""
    return (totals_table(report), oldest_table(report), months_table(report), ages_table(report),
            owners_table(report), roles_table(report))  # fmt: skip


def cell_text(value: Cell) -> str:
    if value is None:
        return "–"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return str(value)
