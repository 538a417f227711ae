"""Match the items of an edited document to those already stored, so identity and status survive edits. Pure."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from difflib import SequenceMatcher

from minutes.model import ActionItem
from minutes.records import ItemRecord, ItemStatus

# Two versions of an item are the same item when their wording is this similar: a fixed typo or an added
# sentence keeps the identity, a rewritten row does not.
SAME_ITEM_SIMILARITY = 0.75


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What ingesting a version of a document changes. `updated` pairs a stored item with its new content
    (identity, id and status kept); `withdrawn` items vanished from the document."""

    added: tuple[ItemRecord, ...] = ()
    updated: tuple[tuple[ItemRecord, ItemRecord], ...] = ()
    unchanged: tuple[ItemRecord, ...] = ()
    withdrawn: tuple[ItemRecord, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.withdrawn)


def to_record(
    item: ActionItem, *, document_key: str, group: str | None, meeting_date: date | None
) -> ItemRecord:
    """A freshly extracted item as a record; its key comes from the document, its place and its wording."""
    due = item.due
    return ItemRecord(
        key=item_key(document_key, item),
        document_key=document_key,
        kind=item.kind,
        topic=item.topic,
        text=item.text,
        owners=item.owners,
        actors=item.actors,
        due=due.date if due else None,
        due_raw=due.raw if due else None,
        due_relative=due.relative if due else None,
        source=item.source.key(),
        group=group,
        meeting_date=meeting_date,
        document_due=due.date if due else None,
        document_due_relative=due.relative if due else None,
    )


def item_key(document_key: str, item: ActionItem) -> str:
    digest = hashlib.sha256(
        "\x1f".join((document_key, item.source.key(), _normal(item.topic), _normal(item.text))).encode()
    )
    return digest.hexdigest()[:20]


def reconcile(existing: Sequence[ItemRecord], extracted: Sequence[ItemRecord]) -> Reconciliation:
    """Pair stored items with newly extracted ones of the same document.

    Pairs are found in three passes: identical wording (wherever the row moved), then the most similar
    wording above SAME_ITEM_SIMILARITY, then the same place with the same topic (a rewritten row). Paired
    items keep key, id and status; a withdrawn item whose wording returns is revived; unpaired new ones
    are added (with keys unique in the document), unpaired old ones withdrawn.

    The due of an extracted record is what the minutes say now (its document due). A paired item that a
    user moved keeps its moved due while the minutes still say what they said before; once they give the
    item another date (or none), the minutes' due replaces the move."""
    live = [r for r in existing if r.status is not ItemStatus.WITHDRAWN]
    remaining_old = list(live)
    remaining_new = [_as_read(new) for new in extracted]
    pairs: list[tuple[ItemRecord, ItemRecord]] = []

    def take(old: ItemRecord, new: ItemRecord) -> None:
        remaining_old.remove(old)
        remaining_new.remove(new)
        pairs.append((old, new))

    for new in list(remaining_new):
        same = next((o for o in remaining_old if _wording(o) == _wording(new)), None)
        if same is not None:
            take(same, new)
    scored = sorted(
        (
            (SequenceMatcher(None, _wording(o), _wording(n), autojunk=False).ratio(), i, j)
            for i, o in enumerate(remaining_old)
            for j, n in enumerate(remaining_new)
        ),
        reverse=True,
    )
    old_snapshot, new_snapshot = list(remaining_old), list(remaining_new)
    for ratio, i, j in scored:
        if ratio < SAME_ITEM_SIMILARITY:
            break
        old, new = old_snapshot[i], new_snapshot[j]
        if old in remaining_old and new in remaining_new:
            take(old, new)
    for new in list(remaining_new):
        place = next(
            (o for o in remaining_old if o.source == new.source and _normal(o.topic) == _normal(new.topic)),
            None,
        )
        if place is not None:
            take(place, new)

    # A row that comes back word for word after being removed revives its old item.
    revived: list[tuple[ItemRecord, ItemRecord]] = []
    for new in list(remaining_new):
        gone = next(
            (o for o in existing if o.status is ItemStatus.WITHDRAWN and _wording(o) == _wording(new)), None
        )
        if gone is not None and all(gone is not o for o, _ in revived):
            remaining_new.remove(new)
            revived.append((gone, new))

    updated: list[tuple[ItemRecord, ItemRecord]] = [
        (old, replace(_with_due_kept(old, new), key=old.key, id=old.id, status=ItemStatus.OPEN))
        for old, new in revived
    ]
    unchanged: list[ItemRecord] = []
    for old, new in pairs:
        merged = replace(
            _with_due_kept(old, new),
            key=old.key,
            id=old.id,
            status=old.status,
            changed_by=old.changed_by,
            changed_at=old.changed_at,
        )
        if _content(merged) == _content(old):
            unchanged.append(old)
        else:
            updated.append((old, merged))
    taken = {r.key for r in existing}
    added: list[ItemRecord] = []
    for new in remaining_new:
        key, suffix = new.key, 2
        while key in taken:  # two identical rows in one document, or a key a withdrawn item holds
            key, suffix = f"{new.key}-{suffix}", suffix + 1
        taken.add(key)
        added.append(replace(new, key=key))
    return Reconciliation(
        added=tuple(added),
        updated=tuple(updated),
        unchanged=tuple(unchanged),
        withdrawn=tuple(remaining_old),
    )


def is_moved(record: ItemRecord) -> bool:
    """True when a user moved the item: its due is not the one the minutes gave it."""
    return (record.due, record.due_relative) != (record.document_due, record.document_due_relative)


def is_reassigned(record: ItemRecord) -> bool:
    """True when the group's secretary corrected the item's owners: they are not the ones the minutes gave."""
    return record.document_owners is not None and record.owners != record.document_owners


def _as_read(record: ItemRecord) -> ItemRecord:
    """An extracted record: its due is the document's own (and its owners: document_owners None)."""
    return replace(
        record, document_due=record.due, document_due_relative=record.due_relative, document_owners=None
    )


def _with_due_kept(old: ItemRecord, new: ItemRecord) -> ItemRecord:
    """`new` (as read) with the due a user moved `old` to, and the owners the secretary gave it, each while
    the minutes still say what they said."""
    said = (old.document_due, old.document_due_relative)
    if is_moved(old) and (new.due, new.due_relative) == said:
        new = replace(new, due=old.due, due_raw=old.due_raw, due_relative=old.due_relative)
    if is_reassigned(old) and new.owners == old.document_owners:
        new = replace(new, owners=old.owners, document_owners=new.owners)
    return new


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _wording(record: ItemRecord) -> str:
    return f"{_normal(record.topic)} | {_normal(record.text)}"


def _content(record: ItemRecord) -> tuple[object, ...]:
    return (
        record.kind,
        record.topic,
        record.text,
        record.owners,
        record.actors,
        record.due,
        record.due_raw,
        record.due_relative,
        record.source,
        record.group,
        record.meeting_date,
        record.document_due,
        record.document_due_relative,
        record.owners if record.document_owners is None else record.document_owners,
    )
