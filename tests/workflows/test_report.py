"""The follow-through report through the store (SQLite and PostgreSQL): its figures from what users and the
minutes did to the items, and the `rapport` answer's table of replies (which groups, which period)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest

from minutes.follow_through import Period
from minutes.model import ItemKind
from minutes.records import ItemStatus, RosterEntry
from store import SqlStore
from tests.store.builders import FSG_REF, document, ingest, item, later
from tests.workflows.chat_fixtures import ANNIKA, CHANNEL, PERSONAL, ROSTER, STRANGER
from workflows.digest import build_digest
from workflows.queries import Queries
from workflows.report import ReportError, group_report, roles_by_owner, year_period

Y2024 = Period(date(2024, 1, 1), date(2024, 12, 31))
TODAY = date(2024, 12, 2)


def at_noon() -> datetime:
    return datetime(2024, 12, 2, 12, 0).astimezone()


async def seeded(store: SqlStore) -> list[int]:
    """FLG's meeting of 2024-08-26: four actions and a decision; FSG's of 2024-09-02: one action. Item 1 is
    moved and then done on time, item 2 done late, item 3 given another date by an edit of the minutes, item 4
    dismissed. Returns the FLG ids."""
    flg = [
        item("t1.r1.c3.0", "Budgeten ses över.", owners=("AA",), due=date(2024, 9, 30), due_raw="30/9"),
        item("t1.r2.c3.0", "Lokalerna utreds.", owners=("RN",), due=date(2024, 9, 9), due_raw="9/9"),
        item("t1.r3.c3.0", "Rutinen skrivs.", owners=("YK",), due=date(2024, 10, 7), due_raw="7/10"),
        item("t1.r4.c3.0", "Ingen uppgift.", owners=("AA",)),
        item("t1.r5.c3.0", "FLG fastställer planen.", owners=(), kind=ItemKind.DECISION),
    ]
    _, live = await ingest(store, document(), flg)
    await ingest(store, document(FSG_REF, group="FSG", meeting_date=date(2024, 9, 2)), [
        item("t1.r1.c3.0", "FSG:s punkt.", ref=FSG_REF, group="FSG", meeting_date=date(2024, 9, 2)),
    ])  # fmt: skip
    ids = [i.id for i in live if i.id is not None]
    await store.set_due(ids[0], date(2024, 10, 15), by="aad-aa", at=later(24), origin="test")
    await store.set_status(
        ids[0],
        ItemStatus.DONE,
        by="aad-aa",
        at=datetime.fromisoformat("2024-10-10T09:00+00:00"),
        origin="test",
    )
    await store.set_status(
        ids[1],
        ItemStatus.DONE,
        by="aad-rn",
        at=datetime.fromisoformat("2024-09-20T09:00+00:00"),
        origin="test",
    )
    await store.dismiss_item(ids[3], by="aad-yk", at=later(30), origin="test")
    redated = replace(flg[2], due=date(2024, 10, 21), due_raw="21/10")
    await ingest(store, document(version="v2"), [*flg[:2], redated, *flg[3:]], at=later(48))
    await store.save_roster("FLG", ROSTER)
    return ids


async def test_the_figures_match_the_store(store: SqlStore) -> None:
    await seeded(store)
    report = await group_report(store, "FLG", Y2024, today=TODAY)
    totals = report.totals
    # 1 done on 10 Oct: after its first date (30 Sep), by its moved one (15 Oct); 2 done late (20 Sep, due 9 Sep);
    # 3 open past its new date (21 Oct), moved by the edit; 1 moved by a user.
    assert (totals["actions"], totals["decisions"], totals["to_do"]) == (3, 1, 3)  # 4 dismissed: left out
    assert (totals["done"], totals["done_by_first_due"], totals["done_by_last_due"]) == (2, 0, 1)
    assert (totals["open"], totals["overdue"], totals["moved"], totals.moves) == (1, 1, 2, 2)
    # 26 Aug → 10 Oct is 45 days, → 20 Sep is 25: the median of the two is 35.
    assert totals.median_days_to_done == 35.0
    first_dues = {f.item.text: f.first_due for f in report.facts}
    assert first_dues["Rutinen skrivs."] == date(2024, 10, 7)  # the edit's old date, from the audit log
    roles = dict(report.by_role)
    assert roles["sekreterare"]["to_do"] == 1 and roles["omsorgsdirektör"]["done"] == 1
    fsg = await group_report(store, "FSG", Y2024, today=TODAY)
    assert fsg.totals["to_do"] == 1  # the groups kept apart


def test_roles_by_owner_and_the_period() -> None:
    assert roles_by_owner(ROSTER[:2]) == {
        "aa": ("omsorgsdirektör",),
        "annika andersson": ("omsorgsdirektör",),
        "yk": ("sekreterare",),
        "yvonne kvist": ("sekreterare",),
    }
    assert year_period(None, TODAY) == Period(date(2024, 1, 1), TODAY)
    assert year_period(2023, TODAY) == Period(date(2023, 1, 1), date(2023, 12, 31))
    with pytest.raises(ReportError, match="har inte börjat"):
        year_period(2025, TODAY)


def now() -> datetime:
    return datetime.fromisoformat("2024-12-02T09:00+00:00")


@pytest.mark.parametrize(
    ("who", "where", "group", "year", "expected"),
    [
        ("annika", "channel", None, None, "Uppföljning FLG"),  # the channel's one group, this year so far
        ("annika", "channel", "flg", 2024, "Möten 1 jan 2024 – 2 dec 2024"),  # this year: up to today
        ("annika", "channel", None, 2023, "Möten 1 jan 2023 – 31 dec 2023"),
        ("annika", "channel", "FSG", None, "FSG är ingen av grupperna här"),  # the channel follows FLG only
        ("annika", "channel", None, 2030, "År 2030 har inte börjat än."),
        ("annika", "personal", None, None, "Vilken grupp?"),  # in FLG's and FSG's rosters
        ("annika", "personal", "FSG", 2024, "Uppföljning FSG"),
        ("stranger", "personal", None, None, "Du finns inte i någon grupps förteckning"),
        # A roster but no minutes: not among the user's groups (workflows.following.scope_of).
        ("annika", "personal", "VSG", None, "VSG är ingen av grupperna här. Välj bland: FLG, FSG."),
    ],
)
async def test_the_rapport_replies(
    store: SqlStore, who: str, where: str, group: str | None, year: int | None, expected: str
) -> None:
    await seeded(store)
    await store.save_roster(
        "FSG", [RosterEntry("FSG", "AN", "Annika Andersson", ("ordförande",), "aad-aa", None)]
    )
    await store.save_conversation(CHANNEL, at=now())
    await store.follow_group(CHANNEL.conversation_id, "FLG", by="aad-yk", at=now(), origin="test")
    person = ANNIKA if who == "annika" else STRANGER
    conversation = CHANNEL if where == "channel" else replace(PERSONAL, user_aad_id=person.aad_object_id)
    card = await Queries(store, now).follow_through(group, year, conversation, person)
    text = json.dumps(card, ensure_ascii=False)
    assert expected in text
    # Group totals only: no owner of the group's items is ever named on the card.
    assert "Annika" not in text and "RN" not in text.replace("Uppföljning", "")


async def test_the_weekly_digest_carries_the_groups_year(store: SqlStore) -> None:
    await seeded(store)
    digest = await build_digest(store, "FLG", today=TODAY)
    assert (
        digest.follow_through
        == (await group_report(store, "FLG", year_period(None, TODAY), today=TODAY)).totals
    )
    assert digest.follow_through is not None and (
        digest.follow_through["to_do"],
        digest.follow_through["done"],
    ) == (3, 2)
    assert (await build_digest(store, None, today=TODAY)).follow_through is None  # no one group's year
    assert (await build_digest(store, "KLG", today=TODAY)).follow_through is None  # no minutes of KLG
