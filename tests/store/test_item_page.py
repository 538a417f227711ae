"""SqlStore.item_page on SQLite and PostgreSQL: a list's first page and its counts, checked against the whole
list filtered in Python; and group_names."""

from __future__ import annotations

from datetime import date

import pytest

from minutes.model import ItemKind, Relative
from minutes.people import ALL
from minutes.records import (
    DocumentRef,
    ItemFilter,
    ItemPage,
    ItemRecord,
    ItemStatus,
    ListOrder,
    is_actionable,
)
from store import SqlStore
from store.rows import owner_key, search_needle
from tests.store.builders import FSG_REF, document, ingest, item, later

TODAY = date(2024, 9, 15)
VSG_REF = DocumentRef(source="local:/minutes", item_id="vsg-2024-09-02.docx", name="vsg-2024-09-02.docx")
FLG_ITEMS = [
    item("a", "Boka lokal.", owners=("AA", "klg"), due=date(2024, 10, 7)),
    item("b", "Skriv rapport om budget.", owners=("Åsa Öberg",)),
    item("c", "Ring facket.", owners=("aa",), due=date(2024, 9, 9)),
    item("d", "Stäng projektet.", owners=("RN",), due=date(2024, 9, 1)),
    item("e", "Alla läser riktlinjen.", owners=(ALL,), due=date(2024, 9, 10)),
    item("f", "Budgeten fastställs.", kind=ItemKind.DECISION, owners=(), due=date(2024, 9, 1)),
    item("g", "Återkommer om lokaler.", owners=("RN",), due_relative=Relative.NEXT_MEETING),
    item("h", "Uppföljning av APT.", owners=("AA",), kind=ItemKind.FOLLOW_UP, due=date(2024, 9, 20)),
    # A decision that names an owner and a date is also an action: overdue like one.
    item("i", "IT byter projektorerna.", kind=ItemKind.DECISION, owners=("RN",), due=date(2024, 9, 2)),
]
FSG_ITEMS = [
    item("a", "Planera APT.", ref=FSG_REF, owners=("AA",), group="FSG", due=date(2024, 9, 9)),
    item("b", "Budget för APT.", ref=FSG_REF, owners=(), group="FSG", kind=ItemKind.DECISION),
    item("c", "Boka buss.", ref=FSG_REF, owners=("ÅSA ÖBERG",), group="FSG", due=date(2024, 9, 30)),
]


async def seeded(store: SqlStore) -> list[ItemRecord]:
    """FLG (one item done, one withdrawn by a later version), FSG on 2/9, and the live items of both."""
    await ingest(store, document(), FLG_ITEMS)
    await ingest(store, document(FSG_REF, group="FSG", meeting_date=date(2024, 9, 2)), FSG_ITEMS)
    await ingest(
        store, document(version="v2"), [i for i in FLG_ITEMS if i.text != "Stäng projektet."], at=later(1)
    )
    done = next(i for i in await store.list_items() if i.text == "Ring facket.")
    assert done.id is not None
    await store.set_status(done.id, ItemStatus.DONE, by="aad:anna", at=later(2), origin="cli")
    return await store.list_items()


def expected(spec: ItemFilter, live: list[ItemRecord]) -> list[ItemRecord]:
    """The whole list, filtered and ordered as the issue's commands expect, in plain Python."""
    keys = {owner_key(o) for o in spec.owners}
    needle = search_needle(spec.search or "")
    found = [
        i
        for i in live
        if (i.status is ItemStatus.OPEN or not spec.open_only)
        and (not keys or keys & {owner_key(o) for o in i.owners})
        and (not spec.groups or i.group in spec.groups)
        and (not spec.kinds or i.kind in spec.kinds)
        and (not spec.next_meeting or i.due_relative is Relative.NEXT_MEETING or i.kind is ItemKind.FOLLOW_UP)
        and (not needle or needle in search_needle(f"{i.topic} {i.text}"))
    ]
    if spec.order is ListOrder.NEWEST_MEETING:
        return sorted(found, key=lambda i: (-(i.meeting_date or date.min).toordinal(), i.id or 0))
    return sorted(found, key=lambda i: (i.due is None, i.due or date.max, i.id or 0))


def overdue(found: list[ItemRecord]) -> int:
    return sum(
        1
        for i in found
        if i.status is ItemStatus.OPEN
        and is_actionable(i)
        and i.due_relative is None
        and i.due is not None
        and i.due < TODAY
    )


SPECS = {
    "every open item": ItemFilter(),
    "live items, done too": ItemFilter(open_only=False),
    "one owner, any case": ItemFilter(owners=frozenset({"aa"})),
    "several names of one person": ItemFilter(owners=frozenset({"Åsa Öberg", "KLG", ALL})),
    "one group": ItemFilter(groups=frozenset({"FSG"})),
    "owner in one group": ItemFilter(owners=frozenset({"AA"}), groups=frozenset({"FLG"})),
    "a group with no minutes": ItemFilter(groups=frozenset({"VSG"})),
    "next meeting": ItemFilter(next_meeting=True),
    "decisions newest first": ItemFilter(
        open_only=False, kinds=frozenset({ItemKind.DECISION}), order=ListOrder.NEWEST_MEETING
    ),
    "decisions about budget": ItemFilter(
        open_only=False,
        kinds=frozenset({ItemKind.DECISION}),
        search="  BUDGET",
        order=ListOrder.NEWEST_MEETING,
    ),
    "search with a LIKE wildcard taken literally": ItemFilter(open_only=False, search="10_%"),
}


@pytest.mark.parametrize("limit", [0, 1, 3, 100])
@pytest.mark.parametrize("name", list(SPECS))
async def test_a_page_is_the_start_of_the_whole_list_with_its_counts(
    store: SqlStore, name: str, limit: int
) -> None:
    live = await seeded(store)
    spec = SPECS[name]
    whole = expected(spec, live)

    page = await store.item_page(spec, limit=limit, today=TODAY)

    assert page == ItemPage(tuple(whole[:limit]), len(whole), overdue(whole))


@pytest.mark.parametrize("offset", [1, 3, 5, 100])
@pytest.mark.parametrize("name", list(SPECS))
async def test_a_later_page_continues_the_whole_list(store: SqlStore, name: str, offset: int) -> None:
    live = await seeded(store)
    spec = SPECS[name]
    whole = expected(spec, live)

    page = await store.item_page(spec, limit=3, today=TODAY, offset=offset)

    assert page == ItemPage(tuple(whole[offset : offset + 3]), len(whole), overdue(whole), offset=offset)


async def test_a_decision_is_overdue_only_when_it_names_an_owner_and_a_date(store: SqlStore) -> None:
    live = await seeded(store)
    late = {
        i.text for i in live if i.status is ItemStatus.OPEN and i.due and i.due < TODAY and is_actionable(i)
    }
    assert "IT byter projektorerna." in late and "Budgeten fastställs." not in late
    page = await store.item_page(ItemFilter(kinds=frozenset({ItemKind.DECISION})), limit=10, today=TODAY)
    assert page.overdue == 1


async def test_the_seeded_lists_are_not_trivial(store: SqlStore) -> None:
    # Guards the table above: every case but the empty group and the wildcard finds something, and the
    # counts differ from the page sizes for a small limit.
    live = await seeded(store)
    sizes = {name: len(expected(spec, live)) for name, spec in SPECS.items()}
    assert {name for name, size in sizes.items() if size == 0} == {
        "a group with no minutes",
        "search with a LIKE wildcard taken literally",
    }
    assert overdue(expected(SPECS["every open item"], live)) >= 2
    assert sizes["every open item"] > 3


async def test_group_names_lists_groups_with_minutes_once(store: SqlStore) -> None:
    assert await store.group_names() == []
    await seeded(store)
    await ingest(store, document(VSG_REF, group="VSG"), [])
    assert await store.group_names() == ["FLG", "FSG", "VSG"]
