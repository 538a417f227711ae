"""Which groups a conversation follows, and what a turn may see: the groups a channel or group chat follows, or
in a personal chat the user's own groups. Only the group's secretary or an administrator changes what a
conversation follows (audited by the store)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from minutes.groups import normalise_group
from minutes.records import ConversationType, ConvRef
from workflows.chat import Person, conversation_to_keep
from workflows.item_actions import SECRETARY_ROLE
from workflows.ports import FollowingStore, UnknownConversation

HOW_TO_FOLLOW = (
    "Gruppens sekreterare (eller en administratör för boten) skriver '@minutesbot följ FLG' här, "
    "med gruppens namn, så kommer gruppens protokoll, sammanfattningar och dagordningar hit."
)


@dataclass(frozen=True, slots=True)
class Administrators:
    """The bot's administrators: Entra object ids and/or user principal names, matched case-insensitively."""

    object_ids: frozenset[str] = frozenset()
    upns: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entries: Iterable[str]) -> Administrators:
        cleaned = [e.strip().casefold() for e in entries if e.strip()]
        return cls(frozenset(e for e in cleaned if "@" not in e), frozenset(e for e in cleaned if "@" in e))

    @classmethod
    def parse(cls, text: str) -> Administrators:
        """From a comma- or space-separated list (as in MINUTESBOT_ADMINISTRATORS)."""
        return cls.of(text.replace(",", " ").split())

    async def include(self, person: Person, store: FollowingStore) -> bool:
        """The person is an administrator: by their object id, or by a UPN the rosters give that object id."""
        aad = (person.aad_object_id or "").strip().casefold()
        if not aad:
            return False
        if aad in self.object_ids:
            return True
        if not self.upns:
            return False
        for group in await store.groups_of_user(aad, None):
            for entry in await store.roster(group):
                if (entry.aad_object_id or "").casefold() == aad and (
                    entry.upn or ""
                ).casefold() in self.upns:
                    return True
        return False


@dataclass(frozen=True, slots=True)
class FollowOutcome:
    text: str
    changed: bool = False
    group: str | None = None


@dataclass(frozen=True)
class Following:
    store: FollowingStore
    clock: Callable[[], datetime]
    administrators: Administrators = Administrators()

    async def follow(self, group_text: str | None, actor: Person, where: ConvRef) -> FollowOutcome:
        return await self._change(group_text, actor, where, follow=True)

    async def unfollow(self, group_text: str | None, actor: Person, where: ConvRef) -> FollowOutcome:
        return await self._change(group_text, actor, where, follow=False)

    async def _change(
        self, group_text: str | None, actor: Person, where: ConvRef, *, follow: bool
    ) -> FollowOutcome:
        verb = "följ" if follow else "sluta följa"
        if where.conversation_type is ConversationType.PERSONAL:
            return FollowOutcome(
                f"Skriv '{verb} GRUPP' i kanalen eller gruppchatten som ska följa gruppen, inte här. "
                "I en personlig chatt ser du alltid dina egna gruppers punkter."
            )
        group = normalise_group(group_text or "")
        if group is None:
            return FollowOutcome(f"Ange ett gruppnamn, till exempel '{verb} FLG'.")
        if not await self._may_change(group, actor):
            return FollowOutcome(
                f"Bara {group}:s sekreterare eller en administratör för boten kan ändra vilka grupper "
                "som följs här. Inget har ändrats."
            )
        conversation = conversation_to_keep(where)
        change = self.store.follow_group if follow else self.store.unfollow_group
        by = actor.aad_object_id or actor.teams_id
        conversation_id, origin = conversation.conversation_id, f"teams:{conversation.conversation_id}"
        try:
            changed = await change(conversation_id, group, by=by, at=self.clock(), origin=origin)
        except UnknownConversation:  # no reference saved for the conversation yet: save it, then try again
            await self.store.save_conversation(conversation, at=self.clock())
            changed = await change(conversation_id, group, by=by, at=self.clock(), origin=origin)
        place = "gruppchatten" if where.conversation_type is ConversationType.GROUP_CHAT else "kanalen"
        if follow:
            text = f"Den här {place} följer {'nu' if changed else 'redan'} {group}."
        else:
            text = f"Den här {place} följer {'inte längre' if changed else 'inte'} {group}."
        return FollowOutcome(text, changed, group)

    async def _may_change(self, group: str, actor: Person) -> bool:
        if await self.administrators.include(actor, self.store):
            return True
        aad = (actor.aad_object_id or "").casefold()
        return bool(aad) and any(
            (entry.aad_object_id or "").casefold() == aad and SECRETARY_ROLE in entry.roles
            for entry in await self.store.roster(group)
        )


async def scope_of(store: FollowingStore, person: Person | None, where: ConvRef) -> frozenset[str]:
    """The groups a turn may see and act on: what a channel or group chat follows; in a personal chat the
    user's groups (their roster lists them, or they own items there). One or two queries, never one per row."""
    if where.conversation_type is ConversationType.PERSONAL:
        aad = (person.aad_object_id if person else None) or where.user_aad_id
        return await store.groups_of_user(aad, person.name if person else None)
    return await store.followed_groups(conversation_to_keep(where).conversation_id)
