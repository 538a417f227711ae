"""The views a card is refreshed to after a click: typed descriptors, kept in a button's data. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import assert_never

from cards.verbs import BACK, OFFSET

# A Klar button carries the view it sits in (the meeting summary, a list, the agenda, the digest), so that the
# click shows that card again as it is now instead of a lone item card. The view comes back from the client:
# view_of() reads it defensively, and the handler still checks that the conversation may see it.


class ViewKind(StrEnum):
    """The `view` key of a button's data. The values are what cards already posted in Teams carry: keep them."""

    MEETING = "summary"
    AGENDA = "agenda"
    MY_ITEMS = "mina"
    OPEN_ITEMS = "öppna"
    FOLLOW_UPS = "uppföljning"
    DIGEST = "sammanfattning"
    DECISIONS = "beslut"


@dataclass(frozen=True, slots=True)
class MeetingView:
    """A meeting's summary card; `everything` after 'Visa alla' (pages as large as a card holds)."""

    document_key: str
    everything: bool = False


@dataclass(frozen=True, slots=True)
class AgendaView:
    """The follow-up agenda of a group's coming meeting."""

    group: str
    meeting_date: date


@dataclass(frozen=True, slots=True)
class MyItemsView:
    """The clicker's open items ('mina')."""


@dataclass(frozen=True, slots=True)
class OpenItemsView:
    """Open items, for everyone or one person as written ('öppna [PERSON]')."""

    person: str | None = None


@dataclass(frozen=True, slots=True)
class FollowUpsView:
    """What returns at the next meeting ('uppföljning')."""


@dataclass(frozen=True, slots=True)
class DigestView:
    """The weekly digest as it stands now ('sammanfattning')."""


@dataclass(frozen=True, slots=True)
class DecisionsView:
    """The decision register, or the decisions matching a search ('beslut [SÖKORD]')."""

    search: str | None = None


View = MeetingView | AgendaView | MyItemsView | OpenItemsView | FollowUpsView | DigestView | DecisionsView


def view_data(view: View) -> dict[str, str]:
    """The view as a button's data (merged with the item's id by the card builder)."""
    match view:
        case MeetingView(document_key, everything):
            data = {"view": ViewKind.MEETING, "documentKey": document_key}
            return {**data, "all": "1"} if everything else data
        case AgendaView(group, meeting_date):
            return {"view": ViewKind.AGENDA, "group": group, "meetingDate": meeting_date.isoformat()}
        case MyItemsView():
            return {"view": ViewKind.MY_ITEMS}
        case OpenItemsView(person):
            return (
                {"view": ViewKind.OPEN_ITEMS, "person": person} if person else {"view": ViewKind.OPEN_ITEMS}
            )
        case FollowUpsView():
            return {"view": ViewKind.FOLLOW_UPS}
        case DigestView():
            return {"view": ViewKind.DIGEST}
        case DecisionsView(search):
            return {"view": ViewKind.DECISIONS, "search": search} if search else {"view": ViewKind.DECISIONS}
        case _:
            assert_never(view)


def view_of(data: Mapping[str, object]) -> View | None:
    """The view a click's data names, or None when it names none (or not in the shape view_data writes)."""
    kind = data.get("view")
    if not isinstance(kind, str):
        return None
    if kind.startswith(f"{ViewKind.OPEN_ITEMS} "):
        # Cards posted before views were typed carry the command text 'öppna PERSON'.
        return OpenItemsView(_text(kind[len(ViewKind.OPEN_ITEMS) + 1 :]) or None)
    try:
        known = ViewKind(kind)
    except ValueError:
        return None
    match known:
        case ViewKind.MEETING:
            key = data.get("documentKey")  # as stored: a file name may end in a space
            return MeetingView(key, data.get("all") == "1") if isinstance(key, str) and key else None
        case ViewKind.AGENDA:
            group, day = _text(data.get("group")), _day(data.get("meetingDate"))
            return AgendaView(group, day) if group and day else None
        case ViewKind.MY_ITEMS:
            return MyItemsView()
        case ViewKind.OPEN_ITEMS:
            return OpenItemsView(_text(data.get("person")) or None)
        case ViewKind.FOLLOW_UPS:
            return FollowUpsView()
        case ViewKind.DIGEST:
            return DigestView()
        case ViewKind.DECISIONS:
            return DecisionsView(_text(data.get("search")) or None)
        case _:
            assert_never(known)


# No list is longer; a larger offset from a forged click is read as the end of the list.
MAX_OFFSET = 1_000_000
# How many earlier pages a button remembers (a few hundred bytes at most); further back, Föregående steps back
# by the page's length.
MAX_BACK = 60


@dataclass(frozen=True, slots=True)
class PagePlace:
    """Where a page of a list starts (`offset`, its first row's place in the whole list) and where the pages
    Nästa walked through to reach it started (`back`, oldest first). Pages differ in length — a card holds the
    rows that fit its byte budget, 'Visa alla' as many as that — so only the way there says where the previous
    page began."""

    offset: int = 0
    back: tuple[int, ...] = ()

    def following(self, shown: int) -> PagePlace:
        """The page after this one, which showed `shown` rows."""
        return PagePlace(self.offset + shown, (*self.back, self.offset)[-MAX_BACK:])

    def previous(self, step: int) -> PagePlace:
        """The page before this one: the one Nästa came from, else (an old or forged card) `step` rows back."""
        if self.back:
            return PagePlace(self.back[-1], self.back[:-1])
        return PagePlace(max(0, self.offset - max(step, 1)))


FIRST_PAGE = PagePlace()


def place_data(place: PagePlace) -> dict[str, str | int]:
    """The page as a button's data: OFFSET and BACK, each left out when empty (the first page has neither)."""
    data: dict[str, str | int] = {}
    if place.offset:
        data[OFFSET] = place.offset
    if place.back:
        data[BACK] = ",".join(str(start) for start in place.back)
    return data


def place_of(data: Mapping[str, object]) -> PagePlace:
    """The page a click's data names. BACK comes from the client: kept only in the shape place_data writes
    (ascending starts before the offset), else dropped, and Föregående falls back to a step back."""
    offset = offset_of(data)
    value = data.get(BACK)
    if not isinstance(value, str) or not value or len(value) > 8 * MAX_BACK:
        return PagePlace(offset)
    parts = value.split(",")
    if len(parts) > MAX_BACK or not all(
        part.isascii() and part.isdigit() and len(part) <= 7 for part in parts
    ):
        return PagePlace(offset)
    back = tuple(int(part) for part in parts)
    if any(a >= b for a, b in zip(back, (*back[1:], offset), strict=True)):
        return PagePlace(offset)
    return PagePlace(offset, back)


def offset_of(data: Mapping[str, object]) -> int:
    """The page a click's data asks for: its first row's place in the list (0 when absent or not a number)."""
    value = data.get(OFFSET)
    if isinstance(value, bool):
        return 0
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value.strip()) if len(value.strip()) <= 7 else MAX_OFFSET
    return min(value, MAX_OFFSET) if isinstance(value, int) and value > 0 else 0


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip() or None


def _day(value: object) -> date | None:
    text = _text(value)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None
