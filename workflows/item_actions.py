"""Item actions from cards and commands: check off, reopen, move, 'not mine' — authorised, idempotent, audited."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from cards.answers import non_working_day_card
from cards.item import item_card
from cards.messages import STALE_ITEM_MESSAGE, error_card, notice_card
from minutes.calendar import is_working_day, next_working_day, previous_working_day, why_not_working
from minutes.dates import format_date, resolve_due
from minutes.logsafe import safe_log_field
from minutes.model import ItemKind
from minutes.people import ALL
from minutes.records import ConversationType, ConvRef, ItemRecord, ItemStatus, RosterEntry
from minutes.roster import find_person, roster_people
from workflows.chat import Person, conversation_to_keep
from workflows.owners import UserDirectory, actor_names, owners_for_user, people_of, resolve_owners
from workflows.ports import ChatStore
from workflows.task_links import task_urls

logger = logging.getLogger(__name__)

# A typed number (or a card's) that no item has: the number does not exist, not that it went away.
NO_SUCH_ITEM = "Punkt #{id} finns inte. Inget har ändrats."
ONLY_SECRETARY = "Bara gruppens sekreterare kan rätta, arkivera och återställa punkter. Inget har ändrats."
# The most owners one correction names; a longer list is no list of owners.
MAX_OWNERS = 12
NOT_ALLOWED = "Du kan inte ändra den här punkten: bara gruppens medlemmar{extra} får det."
SECRETARY_ROLE = "sekreterare"
# The outbox kind of a notice to a group's secretary (delivered by workflows/deliver.py).
SECRETARY_NOTICE = "secretary_notice"


class ActionPolicy(StrEnum):
    """Who may change an item: any member of the group, or only its owner and the group's secretary."""

    MEMBERS = "members"
    OWNER_OR_SECRETARY = "owner_or_secretary"


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """The card that replaces the clicked one (for everyone), a short text for the actor, and whether the
    item changed."""

    card: dict[str, Any]
    text: str
    changed: bool = False
    item: ItemRecord | None = None


@dataclass(frozen=True)
class ItemActions:
    store: ChatStore
    clock: Callable[[], datetime]
    policy: ActionPolicy = ActionPolicy.MEMBERS
    # Finds owners written as full names whom the roster lacks (Microsoft Graph in production); None: none.
    directory: UserDirectory | None = None

    async def mark_done(self, item_id: object, actor: Person, where: ConvRef) -> ActionOutcome:
        return await self._set_status(item_id, actor, where, ItemStatus.DONE, "Punkt #{id} är klar. Tack!")

    async def undo(self, item_id: object, actor: Person, where: ConvRef) -> ActionOutcome:
        return await self._set_status(item_id, actor, where, ItemStatus.OPEN, "Punkt #{id} är öppen igen.")

    async def move(self, item_id: object, when: object, actor: Person, where: ConvRef) -> ActionOutcome:
        item, refusal = await self._authorised(item_id, actor, where)
        if item is None or item.id is None:
            return refusal
        today = self.clock().date()
        due = _new_due(when, today)
        if due is None:
            return await self._outcome(item, "Ange ett datum, till exempel 2025-04-30, 30/4 eller v. 18.")
        if due < today:
            return await self._outcome(item, "Datumet har redan passerat; välj ett kommande datum.")
        if not is_working_day(due):
            return self._non_working_day(item.id, due, today)
        moved = await self.store.set_due(item.id, due, by=_who(actor), at=self.clock(), origin=_origin(where))
        changed = moved is not None and moved.due == due and item.due != due
        return await self._outcome(
            moved or item, f"Punkt #{item.id} flyttad till {format_date(due)}.", changed
        )

    def _non_working_day(self, item_id: int, due: date, today: date) -> ActionOutcome:
        """A date on a weekend or a Swedish holiday is not taken: the answer says so and offers the working
        day before (the next one when that has passed). Nothing changes until the offer is taken."""
        before = previous_working_day(due)
        offered = before if before >= today else next_working_day(due)
        text = (
            f"{format_date(due)} är {why_not_working(due)} och ingen arbetsdag. "
            f"Vill du flytta punkt #{item_id} till {format_date(offered)} i stället?"
        )
        return ActionOutcome(non_working_day_card(item_id, text, offered), text)

    async def archive(self, item_id: object, actor: Person, where: ConvRef) -> ActionOutcome:
        """The group's secretary puts an open item aside: out of reminders, digests and lists until restored."""
        item, refusal = await self._secretarys(item_id, actor, where)
        if item is None or item.id is None:
            return refusal
        if item.kind is ItemKind.DECISION:
            return await self._outcome(item, "Beslut arkiveras inte: de står kvar i beslutsregistret.")
        if item.status is ItemStatus.DONE:
            return await self._outcome(item, f"Punkt #{item.id} är redan klar och behöver inte arkiveras.")
        text = f"Punkt #{item.id} är arkiverad. Skriv 'återställ {item.id}' för att ta tillbaka den."
        if item.status is ItemStatus.ARCHIVED:
            return await self._outcome(item, text)
        archived = await self.store.archive_item(
            item.id, by=_who(actor), at=self.clock(), origin=_origin(where)
        )
        changed = archived is not None and archived.status is ItemStatus.ARCHIVED
        return await self._outcome(archived or item, text, changed)

    async def restore(self, item_id: object, actor: Person, where: ConvRef) -> ActionOutcome:
        """The group's secretary brings an archived item back, open."""
        item, refusal = await self._secretarys(item_id, actor, where)
        if item is None or item.id is None:
            return refusal
        text = f"Punkt #{item.id} är öppen igen."
        if item.status not in (ItemStatus.ARCHIVED, ItemStatus.DISMISSED):
            return await self._outcome(item, f"Punkt #{item.id} är inte arkiverad.")
        restored = await self.store.restore_item(
            item.id, by=_who(actor), at=self.clock(), origin=_origin(where)
        )
        changed = restored is not None and restored.status is ItemStatus.OPEN
        return await self._outcome(restored or item, text, changed)

    async def dismiss(self, item_id: object, actor: Person, where: ConvRef) -> ActionOutcome:
        """The group's secretary says the row is no task: it leaves lists, reminders and the meeting card, and
        stays so when the minutes are read again; 'Återställ' brings it back."""
        item, refusal = await self._secretarys(item_id, actor, where)
        if item is None or item.id is None:
            return refusal
        text = f"Punkt #{item.id} är markerad som inte en uppgift. Skriv 'återställ {item.id}' för att ångra."
        if item.status is ItemStatus.DISMISSED:
            return await self._outcome(item, text)
        if item.status is not ItemStatus.OPEN:
            return await self._outcome(
                item, f"Punkt #{item.id} är inte öppen; bara öppna punkter kan markeras."
            )
        dismissed = await self.store.dismiss_item(
            item.id, by=_who(actor), at=self.clock(), origin=_origin(where)
        )
        changed = dismissed is not None and dismissed.status is ItemStatus.DISMISSED
        return await self._outcome(dismissed or item, text, changed)

    async def set_owners(
        self, item_id: object, written: object, actor: Person, where: ConvRef
    ) -> ActionOutcome:
        """The group's secretary names the item's owners ('AA, Eva Lind'): each as the group knows them
        (its roster, else its minutes' people: initials when it has them), else as written. Stands through
        later edits of the minutes until they name other owners."""
        item, refusal = await self._secretarys(item_id, actor, where)
        if item is None or item.id is None:
            return refusal
        parts = _owner_parts(written)
        if not parts:
            return await self._outcome(item, "Skriv en eller flera ansvariga, med komma emellan.")
        owners = tuple(dict.fromkeys([await self._owner_form(part, item.group) for part in parts]))
        updated = await self.store.set_owners(
            item.id, owners, by=_who(actor), at=self.clock(), origin=_origin(where)
        )
        changed = updated is not None and updated.owners == owners and item.owners != owners
        return await self._outcome(
            updated or item, f"Punkt #{item.id} har nu ansvariga: {', '.join(owners)}.", changed
        )

    async def _owner_form(self, written: str, group: str | None) -> str:
        if group is None:
            return written
        entries = await self.store.roster(group)
        people = roster_people(entries) if entries else tuple(await self.store.minutes_people(group))
        found = find_person(written, people)
        return written if found is None else found.initials or found.name

    async def _secretarys(
        self, item_id: object, actor: Person, where: ConvRef
    ) -> tuple[ItemRecord | None, ActionOutcome]:
        """As _authorised, and the actor is the secretary of the item's group by its roster (default deny: a
        group without a roster has no secretary here, and its rule archives for it)."""
        item, refusal = await self._authorised(item_id, actor, where, owner_check=False)
        if item is None:
            return None, refusal
        if not any(SECRETARY_ROLE in e.roles for e in await self._roster_entries(item, actor)):
            return None, ActionOutcome(error_card(ONLY_SECRETARY), ONLY_SECRETARY)
        return item, refusal

    async def not_mine(self, item_id: object, actor: Person, where: ConvRef) -> ActionOutcome:
        """Record that the actor says the item is not theirs: from then on their reminders of it go to the
        group's secretary instead (workflows/remind.py), until an edit of the minutes names other owners. The
        secretary is told once; a second click (the same owners) tells no one again. Someone without an Entra
        id cannot be recorded, and only the secretary is told."""
        item, refusal = await self._authorised(item_id, actor, where, owner_check=False)
        if item is None or item.id is None:
            return refusal
        # The notice is queued with the record, in one transaction: a crash never leaves one without the other.
        notice = (
            SECRETARY_NOTICE,
            {
                "group": item.group,
                "text": f"{actor.name} säger att punkt #{item.id} inte är deras: {item.text[:200]}",
            },
        )
        now = self.clock()
        if actor.aad_object_id:
            news = await self.store.record_not_mine(
                item.id, actor.aad_object_id, at=now, origin=_origin(where), notice=notice
            )
            current = item if news else await self.store.get_item(item.id)
            if current is None or current.status is ItemStatus.WITHDRAWN:  # withdrawn since the check above
                return refusal
        else:
            await self.store.enqueue(*notice, conversation_key=None, at=now)
        outcome = await self._outcome(item, "Tack, gruppens sekreterare får veta det.")
        return ActionOutcome(outcome.card, outcome.text, False, item)

    async def _set_status(
        self, item_id: object, actor: Person, where: ConvRef, status: ItemStatus, done_text: str
    ) -> ActionOutcome:
        item, refusal = await self._authorised(item_id, actor, where)
        if item is None or item.id is None:
            return refusal
        if item.status is status:  # a double click, or two people at once: the same answer, no change
            return await self._outcome(item, done_text.format(id=item.id))
        updated = await self.store.set_status(
            item.id, status, by=_who(actor), at=self.clock(), origin=_origin(where)
        )
        return await self._outcome(updated or item, done_text.format(id=item.id), changed=updated is not None)

    async def _authorised(
        self, item_id: object, actor: Person, where: ConvRef, *, owner_check: bool = True
    ) -> tuple[ItemRecord | None, ActionOutcome]:
        """The item, if it exists, is live, belongs to a group the conversation follows (in a personal chat: to
        one of the actor's groups) and the actor may change it;
        else None and the polite refusal to show (a forged, stale or tampered action changes nothing)."""
        refusal = ActionOutcome(error_card(STALE_ITEM_MESSAGE), STALE_ITEM_MESSAGE)
        number = item_number(item_id)
        if number is None:
            logger.info("refused card action: malformed item id from %s", safe_log_field(_who(actor)))
            return None, refusal
        item = await self.store.get_item(number)
        if item is None:
            missing = NO_SUCH_ITEM.format(id=number)
            return None, ActionOutcome(error_card(missing), missing)
        if item.status is ItemStatus.WITHDRAWN:
            return None, refusal
        personal = where.conversation_type is ConversationType.PERSONAL
        if not personal and not await self._followed(item, where):
            logger.info("refused card action: item %s is not of a group the conversation follows", item.id)
            return None, refusal
        if (personal and not await self._reaches_personally(item, actor)) or not await self._may_change(
            item, actor, owner_check=owner_check
        ):
            text = NOT_ALLOWED.format(
                extra="s ansvariga och sekreteraren" if self.policy is ActionPolicy.OWNER_OR_SECRETARY else ""
            )
            return None, ActionOutcome(error_card(text), text)
        return item, refusal

    async def _followed(self, item: ItemRecord, where: ConvRef) -> bool:
        """Groups kept apart: a channel or group chat acts only on the groups it follows (none until told)."""
        followed = await self.store.followed_groups(conversation_to_keep(where).conversation_id)
        return item.group is not None and item.group in followed

    async def _reaches_personally(self, item: ItemRecord, actor: Person) -> bool:
        """In a personal chat: the item's group's roster lists the actor, or the actor owns the item. A group
        without a roster is otherwise acted on only from a conversation that follows it."""
        return bool(await self._roster_entries(item, actor)) or await self._is_owner(item, actor)

    async def _may_change(self, item: ItemRecord, actor: Person, *, owner_check: bool) -> bool:
        if self.policy is ActionPolicy.MEMBERS or not owner_check:
            return (
                True  # reached: a member of the group, in its channel or (by the roster) in a personal chat
            )
        is_secretary = any(SECRETARY_ROLE in e.roles for e in await self._roster_entries(item, actor))
        return is_secretary or await self._is_owner(item, actor)

    async def _roster_entries(self, item: ItemRecord, actor: Person) -> list[RosterEntry]:
        """The actor's entries in the item's group's roster (none when the group has no roster)."""
        aad = (actor.aad_object_id or "").casefold()
        if not aad or item.group is None:
            return []
        return [e for e in await self.store.roster(item.group) if (e.aad_object_id or "").casefold() == aad]

    async def is_secretary(self, item: ItemRecord, actor: Person) -> bool:
        """Whether the actor is the secretary of the item's group by its roster (no roster: nobody is)."""
        return any(SECRETARY_ROLE in e.roles for e in await self._roster_entries(item, actor))

    async def _is_owner(self, item: ItemRecord, actor: Person) -> bool:
        """The item names the actor: by the roster (initials, name, roles; 'ALLA' is everyone in the item's own
        group), or, through the directory, by a full name that is the actor's."""
        if not actor.aad_object_id:
            return False
        names = await owners_for_user(actor.aad_object_id, item.group, self.store)
        if names & set(item.owners) or (ALL in item.owners and await self._roster_entries(item, actor)):
            return True
        if self.directory is None:
            return False
        aad = actor.aad_object_id.casefold()
        owners = [o for o in item.owners if o not in names and o != ALL]
        return any(
            (person.aad_object_id or "").casefold() == aad
            for resolved in await resolve_owners(owners, item.group, self.store, self.directory)
            for person in resolved.people
        )

    async def _outcome(self, item: ItemRecord, text: str, changed: bool = False) -> ActionOutcome:
        people = await people_of([item], self.store)
        urls = await task_urls(self.store, [item])
        card = item_card(
            item,
            people=people,
            today=self.clock().date(),
            actors=await actor_names([item], self.store),
            task_url=urls.get(item.id) if item.id is not None else None,
        )
        return ActionOutcome(card, text, changed, item)


def secretary_notice_card(text: str) -> dict[str, Any]:
    return notice_card("Inte min punkt", text)


# The longest date a user types ('i början av december nästa år', 'senast fredag vecka 12') is far shorter;
# resolve_due's time grows with the square of the phrase (100 kB would take a quarter of an hour).
MAX_DATE_PHRASE = 100


def _new_due(when: object, today: date) -> date | None:
    if not isinstance(when, str) or not when.strip() or len(when) > MAX_DATE_PHRASE:
        return None
    try:
        return date.fromisoformat(when.strip()[:10])
    except ValueError:
        resolved = resolve_due(when, today)
        return resolved.date if resolved else None


# More digits than any item id has; a longer number is no item (and int() of thousands of digits is refused).
MAX_ITEM_DIGITS = 30


def item_number(item_id: object) -> int | None:
    """The item number a card's data or a command carries: a whole number, or its decimal digits in any
    script ('12', '١٢', '１２'); None for anything else ('²', '-1', '1.5', true, a list)."""
    if isinstance(item_id, bool):
        return None
    if isinstance(item_id, int):
        return item_id
    if isinstance(item_id, str) and re.fullmatch(rf"\d{{1,{MAX_ITEM_DIGITS}}}", item_id.strip()):
        return int(item_id.strip())
    return None


def _owner_parts(written: object) -> list[str]:
    """Owners as the secretary types them: separated by commas, semicolons or 'och'; at most MAX_OWNERS."""
    if not isinstance(written, str) or len(written) > MAX_OWNERS * 60:
        return []
    parts = [" ".join(p.split()) for p in re.split(r"[,;\n]|\s+och\s+", written)]
    parts = [p for p in parts if p]
    return parts if len(parts) <= MAX_OWNERS else []


def _who(actor: Person) -> str:
    return actor.aad_object_id or actor.teams_id


def _origin(where: ConvRef) -> str:
    return f"teams:{where.conversation_id}"
