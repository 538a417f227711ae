"""Answers to chat commands that read: my items, open items, decisions, a meeting, follow-ups, this week."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from cards.item import items_list_card
from cards.messages import notice_card
from cards.summary import meeting_summary_card
from cards.views import FIRST_PAGE, DecisionsView, FollowUpsView, MyItemsView, OpenItemsView, PagePlace, View
from minutes.dates import resolve_due
from minutes.model import ItemKind
from minutes.people import ALL
from minutes.records import (
    ConversationType,
    ConvRef,
    DocumentRecord,
    ItemFilter,
    ItemPage,
    ItemStatus,
    ListOrder,
)
from minutes.roster import PersonMatch, find_person, roster_people
from workflows.agenda import agenda_post
from workflows.chat import Person
from workflows.digest import digest_post, week_label
from workflows.following import HOW_TO_FOLLOW, scope_of
from workflows.owners import actor_names, owners_for_user, people_of
from workflows.ports import ChatStore
from workflows.report import TITLE as REPORT_TITLE
from workflows.report import report_card
from workflows.task_links import task_urls

# Items a list card shows at a time; the card says how many the whole list holds and pages through it.
LIST_PAGE = 15
DECISION_NOUN = ("beslut", "beslut")


@dataclass(frozen=True)
class Queries:
    store: ChatStore
    clock: Callable[[], datetime]

    async def my_items(self, user: Person, where: ConvRef, at: PagePlace = FIRST_PAGE) -> dict[str, Any]:
        # Only the groups the conversation follows (in a personal chat: the user's groups). Names are per group
        # ('AA' in one group's roster may be someone else in another's), so one list per group.
        groups = await self._groups(where, user)
        if not groups and where.conversation_type is not ConversationType.PERSONAL:
            return no_groups_card("Dina punkter", where)
        specs: list[ItemFilter] = []
        for group in sorted(groups):
            names = await owners_for_user(user.aad_object_id, group, self.store)
            if names:
                specs.append(ItemFilter(owners=frozenset(names | {ALL}), groups=frozenset({group})))
            elif where.conversation_type is ConversationType.PERSONAL:
                # A group whose items name the user (as the directory knows them) but whose roster does not.
                specs.append(ItemFilter(owners=frozenset({user.name}), groups=frozenset({group})))
        if not specs:
            return notice_card(
                "Dina punkter",
                "Jag hittar dig inte i gruppens förteckning, så jag vet inte vilka punkter som är dina. "
                "Be sekreteraren lägga till dig (initialer och namn).",
            )
        today = self.clock().date()
        if len(specs) == 1:
            page = await self.store.item_page(specs[0], limit=LIST_PAGE, today=today, offset=at.offset)
        else:
            # Names are per group, so one list per group: the page of the merged list is among the first
            # offset + LIST_PAGE items of each.
            pages = [await self.store.item_page(s, limit=at.offset + LIST_PAGE, today=today) for s in specs]
            page = merge_pages(pages, limit=LIST_PAGE, offset=at.offset)
        return await self._list(
            "Dina öppna punkter", page, "Du har inga öppna punkter. Bra jobbat!", MyItemsView(), back=at.back
        )

    async def open_items(
        self, person: str | None, where: ConvRef, user: Person | None = None, at: PagePlace = FIRST_PAGE
    ) -> dict[str, Any]:
        groups = await self._groups(where, user)
        if not groups:
            return no_groups_card("Öppna punkter", where)
        today = self.clock().date()
        if not person:
            spec = ItemFilter(groups=groups)
            page = await self.store.item_page(spec, limit=LIST_PAGE, today=today, offset=at.offset)
            return await self._list(
                "Öppna punkter", page, "Inga öppna punkter.", OpenItemsView(person), back=at.back
            )
        # The person as each group knows them (its roster, else the people its minutes list): 'Eva Lind',
        # 'Edit', 'EE' and 'ekonomichefen' are one list. Someone no group knows: the owner as written.
        matches = {group: await self.person_in(person, group) for group in sorted(groups)}
        specs = [
            ItemFilter(owners=match.owners if match else frozenset({person}), groups=frozenset({group}))
            for group, match in matches.items()
        ]
        # Each group's list up to the page asked for; the merge cuts the page out of them.
        pages = [await self.store.item_page(spec, limit=at.offset + LIST_PAGE, today=today) for spec in specs]
        found = sorted({match.label for match in matches.values() if match is not None})
        if found:
            title, empty = f"Öppna punkter för {' / '.join(found)}", "Inga öppna punkter."
        else:
            title = f"Öppna punkter för '{person}'"
            empty = (
                f"Jag hittar ingen '{person}' bland gruppens personer, och inga öppna punkter för '{person}'."
            )
        page = merge_pages(pages, limit=LIST_PAGE, offset=at.offset)
        return await self._list(title, page, empty, OpenItemsView(person), back=at.back)

    async def person_in(self, written: str, group: str) -> PersonMatch | None:
        """Who `written` names in the group: by its roster, else by the people its latest minutes list."""
        entries = await self.store.roster(group)
        people = roster_people(entries) if entries else tuple(await self.store.minutes_people(group))
        return find_person(written, people)

    async def archived(self, where: ConvRef, user: Person | None = None) -> dict[str, Any]:
        """The archived items of the conversation's groups: shown only when asked for."""
        groups = await self._groups(where, user)
        if not groups:
            return no_groups_card("Arkiverade punkter", where)
        spec = ItemFilter(groups=groups, archived=True)
        page = await self.store.item_page(spec, limit=LIST_PAGE, today=self.clock().date())
        return await self._list("Arkiverade punkter", page, "Inga arkiverade punkter.")

    async def decisions(
        self, search: str | None, where: ConvRef, user: Person | None = None, at: PagePlace = FIRST_PAGE
    ) -> dict[str, Any]:
        """The decision register, newest meeting first, counted as 'beslut'."""
        groups = await self._groups(where, user)
        if not groups:
            return no_groups_card("Beslut", where)
        spec = ItemFilter(
            open_only=False,
            groups=groups,
            kinds=frozenset({ItemKind.DECISION}),
            search=search,
            order=ListOrder.NEWEST_MEETING,
        )
        page = await self.store.item_page(spec, limit=LIST_PAGE, today=self.clock().date(), offset=at.offset)
        title = f"Beslut om '{search}'" if search else "Beslut"
        return await self._list(
            title, page, "Inga beslut hittades.", DecisionsView(search), noun=DECISION_NOUN, back=at.back
        )

    async def meeting(self, when: str | None, where: ConvRef, user: Person | None = None) -> dict[str, Any]:
        groups = await self._groups(where, user)
        if not groups:
            return no_groups_card("Möte", where)
        today = self.clock().date()
        found: list[DocumentRecord] = []
        if when:
            day = _day(when, today)
            if day is None:
                return notice_card("Möte", "Ange mötets datum, till exempel 2024-08-26 eller 26/8.")
            for group in sorted(groups):
                found += [d for d in [await self.store.document_for_meeting(group, day)] if d is not None]
        else:
            for group in sorted(groups):
                found += [d for d in [await self.store.latest_document(group)] if d is not None]
        # The newest meeting of the conversation's groups (one query per group, never per document).
        document = max(found, key=lambda d: d.meeting_date or date.min, default=None)
        if document is None:
            return notice_card("Möte", "Jag hittar inget protokoll för det mötet.")
        return await self.meeting_card(document)

    async def meeting_card(self, document: DocumentRecord) -> dict[str, Any]:
        items = [
            i
            for i in await self.store.items_of_document(document.key)
            if i.status not in (ItemStatus.WITHDRAWN, ItemStatus.DISMISSED)
        ]
        today = self.clock().date()
        return meeting_summary_card(
            document,
            items,
            people=await people_of(items, self.store),
            today=today,
            actors=await actor_names(items, self.store),
            task_urls=await task_urls(self.store, items),
        )

    async def follow_ups(
        self, where: ConvRef, user: Person | None = None, at: PagePlace = FIRST_PAGE
    ) -> dict[str, Any]:
        groups = await self._groups(where, user)
        if not groups:
            return no_groups_card("Uppföljning till nästa möte", where)
        spec = ItemFilter(groups=groups, next_meeting=True)
        page = await self.store.item_page(spec, limit=LIST_PAGE, today=self.clock().date(), offset=at.offset)
        return await self._list(
            "Uppföljning till nästa möte",
            page,
            "Inget återkommer till nästa möte.",
            FollowUpsView(),
            back=at.back,
        )

    async def this_week(self, where: ConvRef, user: Person | None = None) -> list[dict[str, Any]]:
        """The weekly digest as it stands now, one card for each of the conversation's groups."""
        groups = await self._groups(where, user)
        if not groups:
            return [no_groups_card("Veckosammanfattning", where)]
        today = self.clock().date()
        cards = []
        for group in sorted(groups):
            post = await digest_post(self.store, {"group": group, "week": week_label(today)}, today=today)
            cards.append(post.card)
        return cards

    async def follow_through(
        self, group: str | None, year: int | None, where: ConvRef, user: Person
    ) -> dict[str, Any]:
        """`rapport`: a group's follow-through over a year (this year so far by default), its totals only."""
        card = await report_card(self.store, group, year, user, where, today=self.clock().date())
        return card if card is not None else no_groups_card(REPORT_TITLE, where)

    async def agenda(self, group: str, meeting_date: date) -> dict[str, Any]:
        """The follow-up agenda of a coming meeting as it stands now."""
        payload = {"group": group, "meeting_date": meeting_date.isoformat()}
        return (await agenda_post(self.store, payload, today=self.clock().date())).card

    async def _groups(self, where: ConvRef, user: Person | None) -> frozenset[str]:
        """The groups this turn may see: those the conversation follows, or in a personal chat the user's."""
        return await scope_of(self.store, user, where)

    async def summary(
        self, document_key: str, *, full: bool = False, at: PagePlace = FIRST_PAGE
    ) -> dict[str, Any] | None:
        """A meeting's card as posted, or in full for 'Visa alla', from the page `at`; None
        when the document is gone."""
        document = await self.store.get_document(document_key)
        if document is None:
            return None
        items = [
            i
            for i in await self.store.items_of_document(document.key)
            if i.status not in (ItemStatus.WITHDRAWN, ItemStatus.DISMISSED)
        ]
        return meeting_summary_card(
            document,
            items,
            people=await people_of(items, self.store),
            today=self.clock().date(),
            offset=at.offset,
            back=at.back,
            everything=full,
            actors=await actor_names(items, self.store),
            review=document.awaiting_review,
            task_urls=await task_urls(self.store, items),
        )

    async def _list(
        self,
        title: str,
        page: ItemPage,
        empty: str,
        refresh: View | None = None,
        *,
        noun: tuple[str, str] = ("punkt", "punkter"),
        back: tuple[int, ...] = (),
    ) -> dict[str, Any]:
        people = await people_of(page.items, self.store)
        return items_list_card(
            title,
            page.items,
            people=people,
            today=self.clock().date(),
            empty_text=empty,
            refresh=refresh,
            max_items=LIST_PAGE,
            total=page.total,
            overdue=page.overdue,
            offset=page.offset,
            back=back,
            noun=noun,
            actors=await actor_names(page.items, self.store),
            task_urls=await task_urls(self.store, page.items),
        )


def no_groups_card(title: str, where: ConvRef) -> dict[str, Any]:
    """What a conversation that follows no group, or someone in no group, is told instead of a list."""
    if where.conversation_type is ConversationType.PERSONAL:
        text = (
            "Du finns inte i någon grupps förteckning och har inga egna punkter, så här finns inget att visa. "
            "Be gruppens sekreterare lägga till dig."
        )
    else:
        text = "Den här kanalen följer ingen grupp ännu. " + HOW_TO_FOLLOW
    return notice_card(title, text)


def merge_pages(pages: Sequence[ItemPage], *, limit: int, offset: int = 0) -> ItemPage:
    """First pages of several groups' lists, each of at most `offset + limit` items, as items `offset`… (at
    most `limit`) of one list by due date (undated last) then number: those are among the pages' items."""
    if len(pages) == 1 and offset == 0:
        return pages[0]
    merged = sorted(
        {item.id: item for page in pages for item in page.items}.values(),
        key=lambda i: (i.due is None, i.due or date.max, i.id or 0),
    )
    return ItemPage(
        tuple(merged[offset : offset + limit]),
        sum(p.total for p in pages),
        sum(p.overdue for p in pages),
        offset=offset,
    )


# As workflows.item_actions: no date is longer, and resolve_due's time grows with the square of the phrase.
MAX_DATE_PHRASE = 100


def _day(text: str, today: date) -> date | None:
    if len(text) > MAX_DATE_PHRASE:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        due = resolve_due(text, today - timedelta(days=366))  # a past meeting: resolve from a year back
        return due.date if due else None
