"""The follow-through report of a group over a period, and the `rapport` chat command's answer (totals only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from cards.elements import Card
from cards.messages import notice_card
from cards.report import choose_group_card, follow_through_card
from minutes.errors import UserFacingError
from minutes.follow_through import MOVED, UPDATED, FollowThrough, Period, follow_through
from minutes.records import ConvRef, RosterEntry
from workflows.chat import Person
from workflows.following import scope_of
from workflows.ports import ReportStore

# The audit entries the figures read: a user's move and an edit of the minutes (a done item's day is its
# changed_at, so the status changes need not be read).
HISTORY_ACTIONS = (MOVED, UPDATED)
TITLE = "Uppföljningsrapport"


class ReportError(UserFacingError):
    """A report that cannot be made as asked (an unknown group, a period backwards, a year not begun)."""


def roles_by_owner(entries: Sequence[RosterEntry]) -> Mapping[str, Sequence[str]]:
    """Each roster person's roles under their initials and their name, casefolded (as owners are matched)."""
    roles: dict[str, Sequence[str]] = {}
    for entry in entries:
        for written in (entry.initials, entry.name):
            if written:
                roles[written.casefold()] = entry.roles
    return roles


async def group_report(store: ReportStore, group: str, period: Period, *, today: date) -> FollowThrough:
    """The follow-through of `group` over `period` as the store stands on `today`: three queries."""
    if period.end < period.start:
        raise ReportError("Perioden slutar före den börjar.")
    if group not in await store.group_names():
        raise ReportError(f"Gruppen '{group}' är okänd: inga protokoll från den är inlästa.")
    items = await store.items_met_between(group, period.start, period.end)
    entries = await store.item_audit_between(group, period.start, period.end, HISTORY_ACTIONS)
    roles = roles_by_owner(await store.roster(group))
    return follow_through(group, period, items, entries, today=today, roles=roles)


def year_period(year: int | None, today: date) -> Period:
    """A calendar year (this one up to `today`, the default); ReportError for a year not begun."""
    year = year or today.year
    if year > today.year:
        raise ReportError(f"År {year} har inte börjat än.")
    end = today if year == today.year else date(year, 12, 31)
    return Period(date(year, 1, 1), end)


async def report_card(
    store: ReportStore, group_text: str | None, year: int | None, user: Person, where: ConvRef, *, today: date
) -> Card | None:
    """The `rapport` answer: the group's totals over the year as a card. Only the groups the conversation may
    see (those it follows; in a personal chat the user's); a user of several groups who named none is asked
    which. None when the conversation sees no group (the caller says how to follow one)."""
    groups = await scope_of(store, user, where)
    if not groups:
        return None
    try:
        period = year_period(year, today)
    except ReportError as error:
        return notice_card(TITLE, error.message)
    if group_text:
        group = group_text.strip().upper()  # as kept: 'FLG', 'FSG/VSG'
        if group not in groups:
            shown = ", ".join(sorted(groups))
            return notice_card(TITLE, f"{group} är ingen av grupperna här. Välj bland: {shown}.")
    elif len(groups) == 1:
        (group,) = groups
    else:
        return choose_group_card(sorted(groups), year)
    try:
        return follow_through_card(await group_report(store, group, period, today=today))
    except ReportError as error:  # a group in a roster whose minutes are not read in yet
        return notice_card(TITLE, error.message)
