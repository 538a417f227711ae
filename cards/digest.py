"""The weekly digest card for a group's channel, and the personal digests cut from it. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypeVar

from cards import elements as ui
from cards.rows import ItemRow, fit_rows, item_row, meeting_label
from cards.views import DigestView, ViewKind, view_data
from minutes.follow_through import Figures, summary_line
from minutes.records import DocumentRecord, ItemRecord

# The records live here rather than in workflows/digest.py because cards/ may not import workflows/;
# workflows.digest builds them and re-exports them.


@dataclass(frozen=True, slots=True)
class NewMinutes:
    """Minutes read during the week looked back on, and the decisions they added."""

    document: DocumentRecord
    decisions: tuple[ItemRecord, ...] = ()


@dataclass(frozen=True, slots=True)
class Digest:
    """A group's week (every group's when `group` is None): `week` is the ISO week ('2024-W36') running
    from `first_day` (Monday) to `last_day` (Sunday); done items and new minutes are those of the seven
    days before the day the digest was made."""

    group: str | None
    week: str
    first_day: date
    last_day: date
    due_this_week: tuple[ItemRecord, ...] = ()
    overdue: tuple[ItemRecord, ...] = ()
    done_last_week: tuple[ItemRecord, ...] = ()
    new_minutes: tuple[NewMinutes, ...] = ()
    # Open items late since before `long_overdue_since`: a count, not rows (nobody reads forty rows from 2019).
    long_overdue: int = 0
    long_overdue_since: date | None = None
    oldest_due: date | None = None
    # The group's follow-through this year so far (minutes.follow_through), shown in one line; None: not shown.
    follow_through: Figures | None = None

    @property
    def items(self) -> tuple[ItemRecord, ...]:
        """Every item the digest shows, decisions included: whose owners a card may @mention."""
        decisions = (d for minutes in self.new_minutes for d in minutes.decisions)
        return (*self.due_this_week, *self.overdue, *self.done_last_week, *decisions)

    @property
    def is_empty(self) -> bool:
        return not (
            self.due_this_week or self.overdue or self.done_last_week or self.new_minutes or self.long_overdue
        )


TITLE = "Veckosammanfattning"
# The view a Klar click on a digest refreshes: the digest itself, as it stands then.
DIGEST_VIEW = ViewKind.DIGEST
PERSONAL_TITLE = "Dina punkter"
FOLLOW_THROUGH_LEAD = "Uppföljning i år (rapport):"
EMPTY_TEXT = "Inget att rapportera den här veckan: inget förfaller, inget är försenat och inga nya protokoll."
NO_DECISIONS_TEXT = "Inga nya beslut."
MORE_TEXT = "Skriv 'öppna' till mig för alla öppna punkter."
# Rows per section and documents shown: a week after a backlog was read in must still fit one card.
MAX_ROWS_PER_SECTION = 10
MAX_MINUTES_SHOWN = 5
DOCUMENT_NAME_LIMIT = 120
# What the rows of the whole card may weigh (cards/rows.py explains the 28 KB limit); the document blocks
# around the decisions are counted against it too.
DIGEST_BYTE_BUDGET = 18_000

P = TypeVar("P", bound=ui.Mentionable)


def weekly_digest_card(
    digest: Digest,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    max_rows_per_section: int = MAX_ROWS_PER_SECTION,
) -> ui.Card:
    """Heading, week and counts; then what falls due this week, what is late (with owners), what got done
    and the new minutes with their decisions and a link to each. A long section shows its first rows and
    says how many it holds. `people` maps an owner as written to who it means."""
    title = f"{TITLE} {digest.group}" if digest.group else TITLE
    return _digest_card(digest, title, people=people, today=today, max_rows=max_rows_per_section)


def personal_digest_cards(
    digest: Digest,
    *,
    people: Mapping[str, Sequence[P]],
    today: date,
    max_rows_per_section: int = MAX_ROWS_PER_SECTION,
) -> list[tuple[P, ui.Card]]:
    """One card per person who owns something due this week or overdue: those items and what they got done
    last week, without the new minutes (the channel's digest has them). People in the order of `people`'s
    values first seen; an owner no one resolved to gets no card."""
    everyone: dict[str, P] = {}
    for resolved in people.values():
        for person in resolved:
            everyone.setdefault(person.teams_id, person)
    cards: list[tuple[P, ui.Card]] = []
    for teams_id, person in everyone.items():
        own = replace(
            digest,
            due_this_week=_owned_by(teams_id, digest.due_this_week, people),
            overdue=_owned_by(teams_id, digest.overdue, people),
            done_last_week=_owned_by(teams_id, digest.done_last_week, people),
            new_minutes=(),
            follow_through=None,  # the group's figures: the channel's digest has them
        )
        if own.due_this_week or own.overdue:
            title = f"{PERSONAL_TITLE}, {digest.group}" if digest.group else PERSONAL_TITLE
            cards.append(
                (person, _digest_card(own, title, people=people, today=today, max_rows=max_rows_per_section))
            )
    return cards


def _owned_by(
    teams_id: str, items: Sequence[ItemRecord], people: Mapping[str, Sequence[ui.Mentionable]]
) -> tuple[ItemRecord, ...]:
    return tuple(
        item
        for item in items
        if any(person.teams_id == teams_id for owner in item.owners for person in people.get(owner, ()))
    )


def _digest_card(
    digest: Digest,
    title: str,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    max_rows: int,
) -> ui.Card:
    week_number = digest.first_day.isocalendar().week
    body: list[ui.Element] = [
        ui.text_block(title, heading=True, size="large", weight="bolder"),
        ui.text_block(
            f"Vecka {week_number} · {ui.format_date(digest.first_day)} – {ui.format_date(digest.last_day)}",
            subtle=True,
            spacing="none",
        ),
        ui.text_block(_count_phrase(digest), spacing="small"),
    ]
    if digest.follow_through is not None and digest.follow_through["to_do"]:
        body.append(
            ui.text_block(f"{FOLLOW_THROUGH_LEAD} {summary_line(digest.follow_through)}", subtle=True)
        )
    if digest.is_empty:
        body.append(ui.text_block(EMPTY_TEXT, subtle=True))
        return ui.adaptive_card(body)

    budget = DIGEST_BYTE_BUDGET
    entities: list[ui.Element] = []
    truncated = False
    item_sections = (
        ("Förfaller denna vecka", digest.due_this_week),
        ("Försenade", digest.overdue),
        ("Klart förra veckan", digest.done_last_week),
    )
    for heading, items in item_sections:
        if not items:
            continue
        rows = _fit(
            [
                item_row(item, people=people, today=today, show_meeting=True, context=view_data(DigestView()))
                for item in items
            ],
            max_rows=max_rows,
            budget=budget,
        )
        budget -= sum(row.size for row in rows)
        entities.extend(e for row in rows for e in row.entities)
        section: list[ui.Element] = [
            ui.text_block(heading, weight="bolder", size="medium"),
            *(row.element for row in rows),
        ]
        if len(rows) < len(items):
            truncated = True
            section.append(_shown_note(len(rows), len(items)))
        body.append(ui.container(section, separator=True, spacing="medium"))
    if digest.long_overdue:
        body.append(ui.container([ui.text_block(_long_overdue_note(digest), subtle=True)], separator=True))

    if digest.new_minutes:
        blocks: list[ui.Element] = [ui.text_block("Nya protokoll och beslut", weight="bolder", size="medium")]
        shown = digest.new_minutes[:MAX_MINUTES_SHOWN]
        for minutes in shown:
            block, rows = _minutes_block(
                minutes, people=people, today=today, max_rows=max_rows, budget=budget
            )
            budget -= ui.json_size(block) + sum(ui.json_size(e) for row in rows for e in row.entities)
            entities.extend(e for row in rows for e in row.entities)
            blocks.append(block)
        if len(shown) < len(digest.new_minutes):
            hidden = len(digest.new_minutes) - len(shown)
            blocks.append(
                ui.text_block(f"och {hidden} protokoll till.", subtle=True, size="small", spacing="small")
            )
        body.append(ui.container(blocks, separator=True, spacing="medium"))

    if truncated:
        body.append(ui.text_block(MORE_TEXT, subtle=True, size="small"))
    return ui.adaptive_card(body, entities=entities)


def _minutes_block(
    minutes: NewMinutes,
    *,
    people: Mapping[str, Sequence[ui.Mentionable]],
    today: date,
    max_rows: int,
    budget: int,
) -> tuple[ui.Element, list[ItemRow]]:
    """One new document: its meeting and file name, its decisions (or that it has none), a link to it."""
    document = minutes.document
    meeting = meeting_label(document.group, document.meeting_date)
    items: list[ui.Element] = [
        ui.text_block(f"Protokoll {meeting}" if meeting else "Protokoll", weight="bolder"),
        ui.text_block(
            ui.shorten(document.name, DOCUMENT_NAME_LIMIT), subtle=True, size="small", spacing="none"
        ),
    ]
    rows = _fit(
        [item_row(decision, people=people, today=today) for decision in minutes.decisions],
        max_rows=max_rows,
        budget=budget,
    )
    items.extend(row.element for row in rows)
    if not minutes.decisions:
        items.append(ui.text_block(NO_DECISIONS_TEXT, subtle=True, size="small", spacing="small"))
    elif len(rows) < len(minutes.decisions):
        items.append(_shown_note(len(rows), len(minutes.decisions), word=("beslut", "beslut")))
    if ui.is_web_url(document.web_url):
        items.append(
            ui.action_set([ui.open_url_action("Öppna protokollet", document.web_url)], spacing="small")
        )
    return ui.container(items, spacing="medium"), rows


def _fit(rows: Sequence[ItemRow], *, max_rows: int, budget: int) -> list[ItemRow]:
    # fit_rows keeps a first row whatever it weighs; with the budget spent, a section shows none instead.
    if budget <= 0:
        return []
    return fit_rows(rows, max_items=max_rows, budget=budget)


def _shown_note(shown: int, total: int, *, word: tuple[str, str] = ("punkt", "punkter")) -> ui.Element:
    return ui.text_block(
        f"Visar {shown} av {total} {word[0] if total == 1 else word[1]}.", subtle=True, size="small"
    )


def _long_overdue_note(digest: Digest) -> str:
    count = digest.long_overdue
    since = f" före {ui.format_date(digest.long_overdue_since)}" if digest.long_overdue_since else ""
    oldest = f", den äldsta från {ui.format_date(digest.oldest_due)}" if digest.oldest_due else ""
    return (
        f"Dessutom {count} {'öppen punkt' if count == 1 else 'öppna punkter'} med datum{since}{oldest}. "
        "Gruppens sekreterare kan arkivera dem ('arkivera N') eller ge gruppen en regel för det."
    )


def _count_phrase(digest: Digest) -> str:
    """'2 förfaller denna vecka, 1 försenad, 3 klara förra veckan, 1 nytt protokoll'; zeros left out."""
    due, late, done = len(digest.due_this_week), len(digest.overdue), len(digest.done_last_week)
    minutes = len(digest.new_minutes)
    decisions = sum(len(m.decisions) for m in digest.new_minutes)
    parts = [
        f"{due} förfaller denna vecka" if due else "",
        f"{late} {'försenad' if late == 1 else 'försenade'}" if late else "",
        f"{done} {'klar' if done == 1 else 'klara'} förra veckan" if done else "",
        f"{minutes} {'nytt protokoll' if minutes == 1 else 'nya protokoll'}" if minutes else "",
        f"{decisions} {'nytt beslut' if decisions == 1 else 'nya beslut'}" if decisions else "",
        f"{digest.long_overdue} sedan länge" if digest.long_overdue else "",
    ]
    return ", ".join(part for part in parts if part) or "Inga punkter"
