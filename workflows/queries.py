"""Answers to chat commands that read: my items, open items, decisions, a meeting, follow-ups, this week."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cards.item import items_list_card
from cards.messages import notice_card
from cards.summary import meeting_summary_card
from minutes.dates import resolve_due
from minutes.records import ConvRef, ItemRecord, ItemStatus
from workflows.agenda import agenda_post
from workflows.chat import Person
from workflows.digest import digest_post, week_label
from workflows.owners import owners_for_user, people_of
from workflows.ports import ChatStore


@dataclass(frozen=True)
class Queries:
    store: ChatStore
    clock: Callable[[], datetime]

    async def my_items(self, user: Person, where: ConvRef) -> dict[str, Any]:
        groups = await self._groups(where)
        # In a personal chat no group is implied: look the user up in every group that has minutes.
        names: set[str] = set()
        for group in groups or {d.group for d in await self.store.documents() if d.group}:
            names |= await owners_for_user(user.aad_object_id, group, self.store)
        if not names:
            return notice_card(
                "Dina punkter",
                "Jag hittar dig inte i gruppens förteckning, så jag vet inte vilka punkter som är dina. "
                "Be sekreteraren lägga till dig (initialer och namn).",
            )
        # One indexed query per name the user goes by, never a scan of every item.
        found: dict[int | None, ItemRecord] = {}
        for name in sorted(names | {"ALLA"}):
            for item in await self.store.list_items(open_only=True, owner=name):
                if not groups or item.group in groups:
                    found[item.id] = item
        items = sorted(found.values(), key=lambda i: (i.due is None, i.due or date.max, i.id or 0))
        return await self._list("Dina öppna punkter", items, "Du har inga öppna punkter. Bra jobbat!", "mina")

    async def open_items(self, person: str | None, where: ConvRef) -> dict[str, Any]:
        groups = await self._groups(where)
        items = await self.store.list_items(open_only=True, owner=person)
        items = [i for i in items if not groups or i.group in groups]
        title = f"Öppna punkter för {person}" if person else "Öppna punkter"
        return await self._list(title, items, "Inga öppna punkter.", f"öppna {person}" if person else "öppna")

    async def decisions(self, search: str | None, where: ConvRef) -> dict[str, Any]:
        groups = await self._groups(where)
        found = [d for d in await self.store.search_decisions(search) if not groups or d.group in groups]
        title = f"Beslut om '{search}'" if search else "Beslut"
        return await self._list(title, found[:50], "Inga beslut hittades.")

    async def meeting(self, when: str | None, where: ConvRef) -> dict[str, Any]:
        group = where.group
        today = self.clock().date()
        if when:
            day = _day(when, today)
            if day is None:
                return notice_card("Möte", "Ange mötets datum, till exempel 2024-08-26 eller 26/8.")
            document = await self.store.document_for_meeting(group, day)
        else:
            document = await self.store.latest_document(group)
        if document is None:
            return notice_card("Möte", "Jag hittar inget protokoll för det mötet.")
        items = [
            i
            for i in await self.store.items_of_document(document.key)
            if i.status is not ItemStatus.WITHDRAWN
        ]
        return meeting_summary_card(document, items, people=await people_of(items, self.store), today=today)

    async def follow_ups(self, where: ConvRef) -> dict[str, Any]:
        items = await self.store.follow_up_items(where.group)
        return await self._list(
            "Uppföljning till nästa möte", items, "Inget återkommer till nästa möte.", "uppföljning"
        )

    async def this_week(self, where: ConvRef) -> dict[str, Any]:
        """The weekly digest as it stands now, for the conversation's group (or every group)."""
        group = next(iter(await self._groups(where)), None)
        today = self.clock().date()
        post = await digest_post(self.store, {"group": group, "week": week_label(today)}, today=today)
        return post.card

    async def agenda(self, group: str, meeting_date: date) -> dict[str, Any]:
        """The follow-up agenda of a coming meeting as it stands now."""
        payload = {"group": group, "meeting_date": meeting_date.isoformat()}
        return (await agenda_post(self.store, payload, today=self.clock().date())).card

    async def _groups(self, where: ConvRef) -> set[str]:
        conversation = await self.store.conversation(where.conversation_id)
        group = conversation.group if conversation else where.group
        return {group} if group else set()

    async def summary(self, document_key: str, *, full: bool = False) -> dict[str, Any] | None:
        """A meeting's card as posted (or in full, for 'Visa alla'); None when the document is gone."""
        document = await self.store.get_document(document_key)
        if document is None:
            return None
        items = [
            i
            for i in await self.store.items_of_document(document.key)
            if i.status is not ItemStatus.WITHDRAWN
        ]
        people = await people_of(items, self.store)
        today = self.clock().date()
        if full:
            return meeting_summary_card(document, items, people=people, today=today, max_items=len(items))
        return meeting_summary_card(document, items, people=people, today=today)

    async def _list(
        self, title: str, items: Sequence[ItemRecord], empty: str, refresh: str | None = None
    ) -> dict[str, Any]:
        people = await people_of(items, self.store)
        today = self.clock().date()
        return items_list_card(title, items, people=people, today=today, empty_text=empty, refresh=refresh)


def _day(text: str, today: date) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        due = resolve_due(text, today - timedelta(days=366))  # a past meeting: resolve from a year back
        return due.date if due else None
