"""The weekly digest: what falls due, what is late, what got done and which minutes came in; queued once a week."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from cards.digest import Digest, NewMinutes, personal_digest_cards, weekly_digest_card
from cards.elements import Card
from cards.rows import is_checkable, is_overdue
from minutes.errors import UserFacingError
from minutes.model import ItemKind
from minutes.records import AuditEntry, DocumentRecord, ItemRecord, ItemStatus, PostedCard
from workflows.archive import months_before
from workflows.outbox import OutboxMessage, OutboxStatus
from workflows.owners import people_of
from workflows.ports import ChatStore
from workflows.report import ReportError, group_report, year_period

__all__ = [
    "DIGEST",
    "Digest",
    "GroupPost",
    "NewMinutes",
    "PersonalCard",
    "Unpostable",
    "build_digest",
    "digest_post",
    "digest_subject",
    "enqueue_weekly_digest",
    "week_label",
]

# Open items late since before this many months are counted in the digest, not listed (see Digest).
LONG_OVERDUE_MONTHS = 3

# The outbox kind and the posted card kind of the digest: one card per (group, ISO week) and conversation.
DIGEST = "digest"
LOOK_BACK = timedelta(days=7)
# The subject's group part of a digest of every group (group None).
ALL_GROUPS = "alla"


class QueueStore(Protocol):
    """What queuing a message once needs: the outbox as it stands, and the cards posted already."""

    async def outbox_messages(self, status: OutboxStatus = ...) -> list[OutboxMessage]: ...

    async def posted_cards(self, kind: str, subject: str) -> list[PostedCard]: ...

    async def enqueue(
        self, kind: str, payload: dict[str, Any], *, conversation_key: str | None, at: datetime
    ) -> int: ...


class DigestQueueStore(QueueStore, Protocol):
    async def group_names(self) -> list[str]: ...


class Unpostable(UserFacingError):
    """An outbox message for a group's card that can never be posted as it is (a malformed payload, an unknown
    group). `message` is one Swedish line; the deliverer parks the message with it."""


@dataclass(frozen=True, slots=True)
class PersonalCard:
    """A card for one person's own chat with the bot."""

    aad_object_id: str
    name: str
    card: Card


@dataclass(frozen=True, slots=True)
class GroupPost:
    """What workflows.deliver posts for a digest or agenda message: `card` to the group's channels, and
    `personal` cards to people's own chats; each shown once per conversation as the card of (kind, subject)."""

    kind: str
    subject: str
    group: str | None
    card: Card
    personal: tuple[PersonalCard, ...] = ()


# -- the pure core ----------------------------------------------------------------------------------------


def week_label(day: date) -> str:
    """The ISO week of `day`: '2024-W36' (the ISO year, which differs from the calendar year around New Year)."""
    iso = day.isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def week_bounds(day: date) -> tuple[date, date]:
    """Monday and Sunday of the ISO week of `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def digest_subject(group: str | None, week: str) -> str:
    """The posted card's subject: 'FLG:2024-W36'."""
    return f"{group or ALL_GROUPS}:{week}"


def done_between(items: Iterable[ItemRecord], start: date, end: date) -> tuple[ItemRecord, ...]:
    """Items done now whose check-off fell on a day from `start` up to, not including, `end` (UTC days).

    An item's changed_at is its last status change, so for a done item it is when it was checked off: the
    same time as its last 'item.done' audit entry, without reading the whole log, and an item reopened
    since is not done any more."""
    return tuple(
        item
        for item in items
        if item.status is ItemStatus.DONE
        and item.changed_at is not None
        and start <= item.changed_at.date() < end
    )


@dataclass(frozen=True, slots=True)
class ReadIn:
    """What the audit log says was read in during a window: documents read at all (first or again after an
    edit), those read for the first time, and the items added."""

    documents: frozenset[str] = frozenset()
    first_read: frozenset[str] = frozenset()
    items: frozenset[str] = frozenset()


def read_in_window(entries: Iterable[AuditEntry], start: date, end: date) -> ReadIn:
    """The documents and items read in from `start` up to, not including, `end` (UTC days)."""
    first_read: dict[str, date] = {}
    documents: set[str] = set()
    items: set[str] = set()
    for entry in entries:
        day = entry.at.date()
        if entry.action == "document.ingested":
            first_read.setdefault(entry.subject, day)
            if start <= day < end:
                documents.add(entry.subject)
        elif entry.action == "item.added" and start <= day < end:
            items.add(entry.subject)
    first = frozenset(key for key, day in first_read.items() if start <= day < end)
    return ReadIn(frozenset(documents), first, frozenset(items))


def new_minutes_of(
    documents: Sequence[DocumentRecord],
    items_by_document: Mapping[str, Sequence[ItemRecord]],
    added: frozenset[str],
) -> tuple[NewMinutes, ...]:
    """Each document with the live decisions added in the window; newest meeting first, undated last."""
    found = [
        NewMinutes(
            document,
            tuple(
                item
                for item in items_by_document.get(document.key, ())
                if item.kind is ItemKind.DECISION
                and item.status is not ItemStatus.WITHDRAWN
                and item.key in added
            ),
        )
        for document in documents
    ]
    undated, dated = (
        [m for m in found if m.document.meeting_date is None],
        [m for m in found if m.document.meeting_date is not None],
    )
    dated.sort(key=lambda m: (m.document.meeting_date, m.document.name), reverse=True)
    undated.sort(key=lambda m: m.document.name)
    return (*dated, *undated)


# -- the shell ---------------------------------------------------------------------------------------------


async def build_digest(store: ChatStore, group: str | None, *, today: date) -> Digest:
    """The digest of `group` (every group when None) on `today`: open items due from today to Sunday, open
    items due before today, items checked off in the seven days before today, and the minutes first read in
    those seven days (or that gained decisions then) with their new decisions. Decisions are never due or
    late. Days are UTC days, like every `today` in the project.

    Reads the whole audit log once, to learn when documents and items were first read in: a weekly cost."""
    first_day, last_day = week_bounds(today)
    since = today - LOOK_BACK
    due = [item for item in await store.items_due_between(today, last_day, group=group) if is_checkable(item)]
    overdue = [item for item in await store.overdue_items(today, group=group) if is_overdue(item, today)]
    long_since = months_before(today, LONG_OVERDUE_MONTHS)
    long_overdue = [item for item in overdue if item.due is not None and item.due < long_since]
    overdue = [item for item in overdue if item not in long_overdue]
    done = done_between(await store.list_items(group=group, published_only=True), since, today)

    read_in = read_in_window(await store.audit_log(), since, today)
    items_by_document: dict[str, list[ItemRecord]] = {}
    documents: list[DocumentRecord] = []
    # An item is added in the transaction that reads its document in, so its document is among these.
    for key in sorted(read_in.documents):
        document = await store.get_document(key)
        if document is None or document.status != "ok" or (group is not None and document.group != group):
            continue
        if document.awaiting_review:  # not published yet: the group has not seen these minutes
            continue
        items = await store.items_of_document(key)
        gained_decisions = any(i.kind is ItemKind.DECISION and i.key in read_in.items for i in items)
        if key in read_in.first_read or gained_decisions:
            documents.append(document)
            items_by_document[key] = items
    follow_through = None
    if group is not None:
        try:
            follow_through = (await group_report(store, group, year_period(None, today), today=today)).totals
        except ReportError:  # a group with no minutes read in yet
            follow_through = None
    return Digest(
        group=group,
        week=week_label(today),
        first_day=first_day,
        last_day=last_day,
        due_this_week=tuple(due),
        overdue=tuple(overdue),
        done_last_week=done,
        new_minutes=new_minutes_of(documents, items_by_document, read_in.items),
        long_overdue=len(long_overdue),
        long_overdue_since=long_since if long_overdue else None,
        oldest_due=min((item.due for item in long_overdue if item.due is not None), default=None),
        follow_through=follow_through,
    )


async def digest_post(store: ChatStore, payload: Mapping[str, Any], *, today: date) -> GroupPost:
    """The cards of a digest message (payload of enqueue_weekly_digest), as the items stand on `today`.
    Unpostable for a malformed payload."""
    group, week = payload.get("group"), payload.get("week")
    if (group is not None and not isinstance(group, str)) or not isinstance(week, str):
        raise Unpostable("sammanfattningen saknar grupp eller vecka")
    digest = await build_digest(store, group, today=today)
    people = await people_of(digest.items, store)
    personal: tuple[PersonalCard, ...] = ()
    if payload.get("personal"):
        personal = tuple(
            PersonalCard(person.aad_object_id, person.name, card)
            for person, card in personal_digest_cards(digest, people=people, today=today)
            if person.aad_object_id
        )
    card = weekly_digest_card(digest, people=people, today=today)
    return GroupPost(DIGEST, digest_subject(group, week), group, card, personal)


async def enqueue_weekly_digest(
    store: DigestQueueStore, group: str | None, *, now: datetime, personal: bool = False
) -> int:
    """Queue the digest of `group` for the ISO week of `now`: payload {"group", "week"} (and "personal":
    true to also send each owner their own card). Returns how many messages it queued: 1, or 0 when the
    week's digest is queued, parked or posted already (see enqueue_once). `group` None: each group with
    minutes gets its own digest (groups kept apart: one digest of every group would reach no channel)."""
    if group is None:
        groups = await store.group_names()
        return sum([await enqueue_weekly_digest(store, name, now=now, personal=personal) for name in groups])
    week = week_label(now.date())
    payload: dict[str, Any] = {"group": group, "week": week}
    if personal:
        payload["personal"] = True
    return await enqueue_once(
        store, DIGEST, payload, identity=("group", "week"), subject=digest_subject(group, week), now=now
    )


async def enqueue_once(
    store: QueueStore,
    kind: str,
    payload: dict[str, Any],
    *,
    identity: Sequence[str],
    subject: str,
    now: datetime,
) -> int:
    """Enqueue `payload` unless a message of `kind` with the same `identity` keys is pending or parked, or the
    card of (kind, subject) is posted somewhere; 1 when it enqueued, else 0.

    Why these three places: a message is pending until it is sent, and the deliverer records the posted card
    before it marks the message sent, so no moment falls between them; a message that can go nowhere is
    parked (never marked sent without a card). Sent messages, which pile up forever, are never scanned.
    Two processes enqueuing at the very same moment could both write: the deliverer then updates the posted
    card in place rather than posting twice."""
    key = {name: payload.get(name) for name in identity}
    for status in (OutboxStatus.PENDING, OutboxStatus.PARKED):
        for message in await store.outbox_messages(status):
            if message.kind == kind and all(message.payload.get(n) == v for n, v in key.items()):
                return 0
    if await store.posted_cards(kind, subject):
        return 0
    await store.enqueue(kind, payload, conversation_key=None, at=now)
    return 1
