"""The follow-up agenda of a meeting: the open items of earlier meetings that return to it; queued once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from cards.agenda import Agenda, AgendaLine, AgendaSection, follow_up_agenda_card
from minutes.calendar import MeetingCalendar, next_working_day
from minutes.errors import UserFacingError
from minutes.model import ItemKind, Relative
from minutes.records import DocumentRecord, ItemRecord, ItemStatus, is_actionable
from minutes.report_back import ReportBack
from workflows.digest import GroupPost, QueueStore, Unpostable, enqueue_once
from workflows.owners import people_of
from workflows.ports import ChatStore

__all__ = [
    "AGENDA",
    "Agenda",
    "AgendaError",
    "AgendaLine",
    "AgendaSection",
    "agenda_post",
    "agenda_subject",
    "build_agenda",
    "enqueue_agenda",
]

# The outbox kind and the posted card kind of the agenda: one card per (group, meeting date) and channel.
AGENDA = "agenda"


# The agenda is queued this many working days before a meeting: when the invitation is sent.
AGENDA_WORKING_DAYS_BEFORE = 3


class AgendaError(UserFacingError):
    """No agenda can be made as asked (an unknown group). `message` is one Swedish line fit to show a user.
    A meeting to which nothing returns is no error: its agenda is empty."""


# -- the pure core ----------------------------------------------------------------------------------------


def returns_to(item: ItemRecord, meeting_date: date) -> bool:
    """Whether an item of an earlier meeting comes back on `meeting_date`: it is open and actionable (not a mere decision),
    and it is due on or before that day, due 'till nästa möte', or a follow-up without a date. A follow-up
    dated after the meeting returns at its own date, not now."""
    if item.status is not ItemStatus.OPEN or not is_actionable(item):
        return False
    if item.meeting_date is not None and item.meeting_date >= meeting_date:
        return False  # from this meeting or a later one: nothing to follow up yet
    if item.due_relative is Relative.NEXT_MEETING:
        return True
    if item.due is not None:
        return item.due <= meeting_date
    return item.kind is ItemKind.FOLLOW_UP


def follow_up_date(item: ItemRecord, meeting_date: date) -> date:
    """The date the invitation writes for a returning item: its own due date, else the meeting's
    ('till nästa möte' becomes the day itself, as the cooperation group decided)."""
    if item.due is not None and item.due_relative is None:
        return item.due
    return meeting_date


def agenda_sections(
    items: Iterable[ItemRecord],
    documents: Mapping[str, DocumentRecord],
    meeting_date: date,
    reports: Mapping[int, ReportBack] | None = None,
) -> tuple[AgendaSection, ...]:
    """The items that return to the meeting, grouped by the minutes they come from: oldest meeting first,
    undated minutes last; within one, in the minutes' order (by id). `reports`: the owners' answers before
    the meeting, by item id, shown under their items."""
    reports = reports or {}
    by_document: dict[str, list[ItemRecord]] = {}
    for item in items:
        if returns_to(item, meeting_date):
            by_document.setdefault(item.document_key, []).append(item)
    sections = []
    for key, returning in by_document.items():
        returning.sort(key=lambda item: (item.id is None, item.id or 0, item.key))
        document = documents.get(key)
        first = returning[0]
        sections.append(
            AgendaSection(
                document_key=key,
                group=document.group if document else first.group,
                meeting_date=document.meeting_date if document else first.meeting_date,
                document_name=document.name if document else None,
                web_url=document.web_url if document else None,
                lines=tuple(
                    AgendaLine(item, follow_up_date(item, meeting_date), reports.get(item.id or -1))
                    for item in returning
                ),
            )
        )
    sections.sort(key=lambda s: (s.meeting_date is None, s.meeting_date or date.min, s.document_key))
    return tuple(sections)


def agenda_subject(group: str, meeting_date: date) -> str:
    """The posted card's subject: 'FLG:2024-09-09'."""
    return f"{group}:{meeting_date.isoformat()}"


# -- the shell ---------------------------------------------------------------------------------------------


async def build_agenda(store: ChatStore, group: str, meeting_date: date, *, today: date) -> Agenda:
    """What returns to `group`'s meeting on `meeting_date`, read from the items as they stand; `today` is
    recorded as the day the agenda was made (the card shows it: items may be checked off before the meeting).

    AgendaError for a group the store knows nothing of (no minutes read and no roster). A meeting to which
    nothing returns gets an empty agenda, not an error: the card and the Word section then say so, which
    the secretary can paste as it is."""
    if not group.strip():
        raise AgendaError("Ange vilken grupp mötet gäller, till exempel FLG.")
    if await store.latest_document(group) is None and not await store.roster(group):
        raise AgendaError(
            f"Gruppen '{group}' är okänd: inget protokoll och ingen förteckning är inläst för den. "
            "Skriv gruppens namn som i protokollen, till exempel FLG."
        )
    items = await store.list_items(open_only=True, group=group, published_only=True)
    returning = [item for item in items if returns_to(item, meeting_date)]
    documents: dict[str, DocumentRecord] = {}
    for key in sorted({item.document_key for item in returning}):
        document = await store.get_document(key)
        if document is not None:
            documents[key] = document
    reports = await store.report_backs(group, meeting_date)
    return Agenda(
        group, meeting_date, agenda_sections(returning, documents, meeting_date, reports), made_on=today
    )


async def agenda_post(store: ChatStore, payload: Mapping[str, Any], *, today: date) -> GroupPost:
    """The card of an agenda message (payload of enqueue_agenda), as the items stand on `today`.
    Unpostable for a malformed payload or an unknown group."""
    group, day = payload.get("group"), payload.get("meeting_date")
    try:
        meeting_date = date.fromisoformat(day) if isinstance(day, str) else None
    except ValueError:
        meeting_date = None
    if not isinstance(group, str) or meeting_date is None:
        raise Unpostable("dagordningen saknar grupp eller mötesdatum")
    try:
        agenda = await build_agenda(store, group, meeting_date, today=today)
    except AgendaError as error:
        raise Unpostable(error.message) from error
    card = follow_up_agenda_card(agenda, people=await people_of(agenda.items, store), today=today)
    return GroupPost(AGENDA, agenda_subject(group, meeting_date), group, card)


async def enqueue_agenda(store: QueueStore, group: str, meeting_date: date, *, now: datetime) -> int:
    """Queue the follow-up agenda card of `group`'s meeting on `meeting_date`: payload {"group",
    "meeting_date"} (ISO). Returns 1, or 0 when that meeting's agenda is queued, parked or posted already
    (workflows.digest.enqueue_once says how that is known)."""
    payload: dict[str, Any] = {"group": group, "meeting_date": meeting_date.isoformat()}
    return await enqueue_once(
        store,
        AGENDA,
        payload,
        identity=("group", "meeting_date"),
        subject=agenda_subject(group, meeting_date),
        now=now,
    )


async def prepare_agendas(
    store: QueueStore,
    calendars: Mapping[str, MeetingCalendar],
    *,
    now: datetime,
    working_days_before: Callable[[str], int] = lambda group: AGENDA_WORKING_DAYS_BEFORE,
) -> int:
    """Queue the follow-up agenda of every group with a meeting `working_days_before(group)` working days
    ahead (the invitation goes out then). Idempotent per meeting; returns how many were queued."""
    today = now.date()
    queued = 0
    for group, calendar in calendars.items():
        day = today
        for _ in range(working_days_before(group)):
            day = next_working_day(day + timedelta(days=1))
        # Whether a meeting falls on that day, not only the next one: a lead longer than the gap between two
        # meetings posts the later meeting's agenda before the earlier meeting is held.
        if calendar.next_meeting_after(day - timedelta(days=1)) == day:
            queued += await enqueue_agenda(store, group, day, now=now)
    return queued
