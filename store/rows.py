"""Translate between the records in minutes.records and table rows, and fold text for searching. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import fields
from datetime import datetime
from typing import Any

from minutes.model import ItemKind, Person, Relative
from minutes.records import (
    AuditEntry,
    ConversationType,
    ConvRef,
    DocumentRecord,
    DocumentRef,
    ItemRecord,
    ItemStatus,
    PostedCard,
    RosterEntry,
)

# The audit actor for everything ingestion does (AuditEntry.actor).
INGEST_ACTOR = "minutesbot"

# The fields of an item that the minutes decide, as the audit names them; status and its who/when belong to
# the users. The due is the minutes' unless a user moved it (minutes.reconcile keeps a move while the minutes'
# own due, document_due, stays the same); document_due follows due and is not named on its own.
ITEM_CONTENT_FIELDS = (
    "kind",
    "topic",
    "text",
    "owners",
    "actors",
    "due",
    "due_raw",
    "due_relative",
    "source",
    "group",
    "meeting_date",
)


def search_needle(text: str) -> str:
    """The form text is compared in, the same on SQLite and PostgreSQL: casefolded in Python (SQLite's
    lower() and LIKE fold ASCII only, not å/Ä/Ö), with runs of whitespace made one space."""
    return " ".join(text.casefold().split())


def item_search_text(topic: str, text: str) -> str:
    return search_needle(f"{topic} {text}")


def like_pattern(needle: str) -> str:
    """A LIKE pattern matching `needle` anywhere, with LIKE's wildcards in it taken literally (ESCAPE '\\')."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def owner_key(owner: str) -> str:
    """How an owner is matched: casefolded, whitespace collapsed ('Åsa  Öberg' finds 'åsa öberg')."""
    return search_needle(owner)


def owner_keys(owners: Iterable[str]) -> list[str]:
    """The distinct owner keys of an item, in the order written (its rows of item_owners)."""
    return list(dict.fromkeys(key for key in map(owner_key, owners) if key))


def item_content_values(record: ItemRecord) -> dict[str, Any]:
    """The columns the minutes decide, as written when an item is added or its content updated."""
    return {
        "kind": record.kind.value,
        "topic": record.topic,
        "text": record.text,
        "owners": list(record.owners),
        "actors": list(record.actors),
        "due": record.due,
        "due_raw": record.due_raw,
        "due_relative": record.due_relative.value if record.due_relative else None,
        "source": record.source,
        "group_name": record.group,
        "meeting_date": record.meeting_date,
        "search_text": item_search_text(record.topic, record.text),
        "document_due": record.document_due,
        "document_due_relative": record.document_due_relative.value if record.document_due_relative else None,
        "document_owners": list(record.owners if record.document_owners is None else record.document_owners),
    }


def item_from_row(row: Mapping[Any, Any]) -> ItemRecord:
    return ItemRecord(
        key=row["key"],
        document_key=row["document_key"],
        kind=ItemKind(row["kind"]),
        topic=row["topic"],
        text=row["text"],
        owners=tuple(row["owners"]),
        actors=tuple(row["actors"]),
        due=row["due"],
        due_raw=row["due_raw"],
        due_relative=Relative(row["due_relative"]) if row["due_relative"] else None,
        source=row["source"],
        status=ItemStatus(row["status"]),
        group=row["group_name"],
        meeting_date=row["meeting_date"],
        changed_by=row["changed_by"],
        changed_at=row["changed_at"],
        id=row["id"],
        document_due=row["document_due"],
        document_due_relative=relative_or_none(row["document_due_relative"]),
        document_owners=_corrected_from(row["owners"], row["document_owners"]),
    )


def _corrected_from(owners: list[str], document_owners: list[str] | None) -> tuple[str, ...] | None:
    """The minutes' owners when the secretary corrected them; None when they are the owners (or unknown)."""
    return None if document_owners is None or document_owners == owners else tuple(document_owners)


def relative_or_none(value: str | None) -> Relative | None:
    return Relative(value) if value else None


def changed_item_fields(old: ItemRecord, new: ItemRecord) -> tuple[str, ...]:
    """Names of the content fields an update changes: the audit detail, which must not quote the minutes."""
    return tuple(name for name in ITEM_CONTENT_FIELDS if getattr(old, name) != getattr(new, name))


def document_values(document: DocumentRecord) -> dict[str, Any]:
    """The columns of a successfully ingested document (a failure recorded earlier is cleared)."""
    return {
        "name": document.name,
        "version": document.version,
        "content_hash": document.content_hash,
        "web_url": document.web_url,
        "group_name": document.group,
        "meeting_date": document.meeting_date,
        "status": document.status,
        "failure_reason": document.failure,
        "failure_version": document.version if document.failure else None,
        "people": [{"name": p.name, "initials": p.initials, "role": p.role} for p in document.people],
    }


def document_from_row(row: Mapping[Any, Any]) -> DocumentRecord:
    return DocumentRecord(
        key=row["key"],
        name=row["name"],
        version=row["version"],
        content_hash=row["content_hash"],
        web_url=row["web_url"],
        group=row["group_name"],
        meeting_date=row["meeting_date"],
        status=row["status"],
        failure=row["failure_reason"],
        id=row["id"],
        people=people_from_json(row["people"]),
        awaiting_review=bool(row["awaiting_review"]),
    )


def people_from_json(value: Any) -> tuple[Person, ...]:
    """The people column as written by document_values (None before revision 0008: nobody known)."""
    if not isinstance(value, list):
        return ()
    return tuple(
        Person(name=p["name"], initials=p.get("initials"), role=p.get("role"))
        for p in value
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    )


def document_differs(row: Mapping[Any, Any], values: Mapping[str, Any]) -> bool:
    return any(row[column] != value for column, value in values.items())


def failed_document_values(ref: DocumentRef, reason: str) -> dict[str, Any]:
    """A failed version: the row now describes that version (status, reason, where the file is); the
    content hash, group, meeting date and items of the last good version stay."""
    return {
        "name": ref.name,
        "version": ref.version,
        "web_url": ref.web_url,
        "status": "failed",
        "failure_reason": reason,
        "failure_version": ref.version,
    }


def roster_values(group: str, entry: RosterEntry) -> dict[str, Any]:
    return {
        "group_name": group,
        "initials": entry.initials,
        "name": entry.name,
        "roles": list(entry.roles),
        "aad_object_id": entry.aad_object_id,
        "upn": entry.upn,
    }


def roster_from_row(row: Mapping[Any, Any]) -> RosterEntry:
    return RosterEntry(
        group=row["group_name"],
        initials=row["initials"],
        name=row["name"],
        roles=tuple(row["roles"]),
        aad_object_id=row["aad_object_id"],
        upn=row["upn"],
    )


def audit_values(
    *, at: datetime, actor: str, action: str, subject: str, origin: str, detail: str = ""
) -> dict[str, Any]:
    return {
        "at": at,
        "actor": actor,
        "action": action,
        "subject": subject,
        "origin": origin,
        "detail": detail,
    }


def audit_from_row(row: Mapping[Any, Any]) -> AuditEntry:
    return AuditEntry(
        at=row["at"],
        actor=row["actor"],
        action=row["action"],
        subject=row["subject"],
        origin=row["origin"],
        detail=row["detail"],
    )


# The ConvRef fields kept in conversation_references.reference: all but the group, which users change and
# which is therefore the group_name column. Taken from the record, so a field added to ConvRef is kept too.
REFERENCE_FIELDS = tuple(field.name for field in fields(ConvRef) if field.name != "group")


def aad_key(aad_object_id: str) -> str:
    """How an Entra object id is matched: a GUID whose case Teams and Graph do not agree on."""
    return aad_object_id.strip().casefold()


def conversation_values(ref: ConvRef, *, at: datetime) -> dict[str, Any]:
    reference = {name: getattr(ref, name) for name in REFERENCE_FIELDS}
    reference["conversation_type"] = ref.conversation_type.value
    return {
        "conversation_id": ref.conversation_id,
        "service_url": ref.service_url,
        "tenant_id": ref.tenant_id,
        "conversation_type": ref.conversation_type.value,
        "group_name": ref.group,
        "user_aad_id": aad_key(ref.user_aad_id) if ref.user_aad_id else None,
        "reference": reference,
        "updated_at": at,
    }


def conversation_from_row(row: Mapping[Any, Any]) -> ConvRef:
    # Keys the record no longer has are dropped, so that a row written by an older version still reads.
    reference = {name: value for name, value in row["reference"].items() if name in REFERENCE_FIELDS}
    reference["conversation_id"] = row["conversation_id"]
    reference["conversation_type"] = ConversationType(row["conversation_type"])
    return ConvRef(**reference, group=row["group_name"])


def posted_card_from_row(row: Mapping[Any, Any]) -> PostedCard:
    return PostedCard(
        kind=row["kind"],
        subject=row["subject"],
        conversation_id=row["conversation_id"],
        activity_id=row["activity_id"],
        posted_at=row["posted_at"],
    )
