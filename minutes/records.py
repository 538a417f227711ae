"""Records of ingested minutes shared by the store, the sources and the workflows. Pure data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from minutes.errors import UserFacingError
from minutes.model import ItemKind, Person, Relative


class SourceError(UserFacingError):
    """A source could not list or fetch documents (network, permissions, throttling beyond retries).
    `message` is one Swedish line. Defined here so that every adapter can raise it."""


class DocumentTooLarge(SourceError):
    """The file is larger than the configured limit; it is not downloaded (or no further)."""


class ItemStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # gone from the minutes after an edit; kept, never deleted
    # Long past and put aside by the group's secretary or its rule ('[archive] after_months'): out of
    # reminders, digests and lists unless asked for; reversible (back to open), audited both ways.
    ARCHIVED = "archived"
    # 'Inte en uppgift': the group's secretary says the minutes' row is no task. Unlike WITHDRAWN it stays so
    # when the minutes are read again (the row is still there); reversible, audited.
    DISMISSED = "dismissed"


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A minutes file where it lives: a SharePoint drive item or a file in a local folder.

    `source` names the place ('sharepoint:<drive id>', 'local:<folder>'); `item_id` is the drive item id or
    the path relative to the folder; `version` changes exactly when the content changes (cTag, or a
    size-and-mtime stamp for local files)."""

    source: str
    item_id: str
    name: str
    version: str | None = None
    web_url: str | None = None
    modified: datetime | None = None
    size: int | None = None
    deleted: bool = False

    @property
    def key(self) -> str:
        return f"{self.source}|{self.item_id}"


@dataclass(frozen=True, slots=True)
class DocumentRecord:
    """What the store knows of one source document."""

    key: str  # DocumentRef.key
    name: str
    version: str | None
    content_hash: str | None
    web_url: str | None
    group: str | None  # FLG, FSG/VSG, …
    meeting_date: date | None
    status: str  # "ok" | "failed" | "deleted"
    failure: str | None = None
    id: int | None = None
    # The people the minutes list (attendees with initials and roles): who a group without a roster is.
    people: tuple[Person, ...] = ()
    # The group's cards go to its secretary first, and the secretary has not pressed 'Publicera' yet: the card
    # is in the secretary's chat only, and reminders, digests and the agenda leave the items out.
    awaiting_review: bool = False


@dataclass(frozen=True, slots=True)
class ItemRecord:
    """A stored action item, decision or follow-up. `key` is its identity across edits of the minutes;
    `id` is the short number users type ('klar 12').

    `due`, `due_raw` and `due_relative` are the item's current due; `document_due` and
    `document_due_relative` are the due the minutes gave it when last read. They differ once a user moved
    the item ('flytta 12 …'): the move stands until the minutes themselves give the item another date.
    minutes.reconcile sets them for every record it hands the store (an extracted record's own due)."""

    key: str
    document_key: str
    kind: ItemKind
    topic: str
    text: str
    owners: tuple[str, ...]
    actors: tuple[str, ...]
    due: date | None
    due_raw: str | None
    due_relative: Relative | None
    source: str  # minutes.model.Source.key(): where in the document
    status: ItemStatus = ItemStatus.OPEN
    group: str | None = None
    meeting_date: date | None = None
    changed_by: str | None = None
    changed_at: datetime | None = None
    id: int | None = None
    document_due: date | None = None
    document_due_relative: Relative | None = None
    # The owners the minutes gave the item when last read; `owners` differs once the group's secretary
    # corrected them, and the correction stands until the minutes name other owners. None: as `owners`.
    document_owners: tuple[str, ...] | None = None


def is_actionable(item: ItemRecord) -> bool:
    """Someone must do it: an action or a follow-up, or a decision that names both an owner and a due (a
    date or 'nästa möte'). Such items get Klar, reminders and the overdue mark; other decisions are recorded."""
    if item.kind is not ItemKind.DECISION:
        return True
    return bool(item.owners) and (item.due is not None or item.due_relative is not None)


class ListOrder(StrEnum):
    DUE = "due"  # by due date, undated items last, then by number
    NEWEST_MEETING = "newest_meeting"  # newest meeting first, in document order within a meeting


@dataclass(frozen=True, slots=True)
class ItemFilter:
    """Which items a list shows. An empty set means any; `next_meeting` keeps the items that return at the
    next meeting (due 'nästa möte', or follow-ups); `search` matches topic or text, case-insensitively."""

    open_only: bool = True
    owners: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()
    kinds: frozenset[ItemKind] = frozenset()
    next_meeting: bool = False
    search: str | None = None
    order: ListOrder = ListOrder.DUE
    archived: bool = False  # the archived items instead (open_only then does not apply)


@dataclass(frozen=True, slots=True)
class ItemPage:
    """A page of a list (its first items unless `offset`), and how many the whole list holds (and how many of those are overdue):
    a card shows a few and says how many there are, without the rest being read."""

    items: tuple[ItemRecord, ...]
    total: int
    overdue: int
    offset: int = 0  # the place of items[0] in the whole list: a later page starts past 0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the append-only audit log: who did what to which record, when and from where."""

    at: datetime
    actor: str  # a user id, or 'minutesbot' for ingestion
    action: str  # 'item.added', 'item.updated', 'item.withdrawn', 'item.done', 'document.failed', …
    subject: str  # an item key or a document key
    origin: str  # 'ingest:<source>', 'cli', 'teams:<conversation>'
    detail: str = ""  # no document text above what the action needs


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A person of a group's roster: how the minutes write them and who they are in Entra ID."""

    group: str
    initials: str | None
    name: str
    roles: tuple[str, ...] = ()
    aad_object_id: str | None = None
    upn: str | None = None


class ConversationType(StrEnum):
    CHANNEL = "channel"
    PERSONAL = "personal"
    GROUP_CHAT = "groupChat"


@dataclass(frozen=True, slots=True)
class ConvRef:
    """Where to send proactively: everything a later message needs, stored as JSON (never pickled)."""

    service_url: str
    conversation_id: str
    conversation_type: ConversationType
    tenant_id: str
    bot_id: str
    channel_id: str = "msteams"
    user_id: str | None = None  # the Teams user id (29:…) of a personal chat
    user_aad_id: str | None = None
    team_id: str | None = None  # the team of a channel conversation
    # The single group column of earlier versions. Which groups a conversation follows is kept apart since
    # revision 0007 (store.follow_group); delivery and authorisation never read this field.
    group: str | None = None


@dataclass(frozen=True, slots=True)
class PostedCard:
    """A card the bot posted: what it shows (`kind` such as 'meeting_summary', 'item' or 'digest', and the
    `subject` it is about, a document key or an item key), where, and the activity to update in place."""

    kind: str
    subject: str
    conversation_id: str
    activity_id: str
    posted_at: datetime
