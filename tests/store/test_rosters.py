"""RosterRepository on SQLite and PostgreSQL: a group's roster replaced and read back."""

from __future__ import annotations

from minutes.records import RosterEntry
from store import SqlStore


async def test_roster_round_trip(store: SqlStore) -> None:
    flg = [
        RosterEntry(
            "FLG", "AA", "Annika Andersson", ("sammankallande",), "00000000-aaaa", "annika@example.se"
        ),
        RosterEntry("FLG", None, "Örjan Åkesson", ("hr-chef", "sekreterare")),
        RosterEntry("FLG", "EJ", "Emma Jonsson"),
    ]
    await store.save_roster("FLG", flg)
    await store.save_roster("FSG", [RosterEntry("FSG", "TU", "Tove Unger")])

    assert await store.roster("FLG") == flg
    await store.save_roster("FLG", flg[1:])
    assert await store.roster("FLG") == flg[1:]
    assert await store.roster("FSG") == [RosterEntry("FSG", "TU", "Tove Unger")]
    await store.save_roster("FLG", [])
    assert await store.roster("FLG") == []
    assert await store.roster("VSG") == []
