"""Views in a button's data: written by view_data, read back by view_of, anything else refused."""

from __future__ import annotations

from datetime import date

import pytest

from cards.views import (
    AgendaView,
    DigestView,
    FollowUpsView,
    MeetingView,
    MyItemsView,
    OpenItemsView,
    View,
    view_data,
    view_of,
)

EVERY_VIEW: list[View] = [
    MeetingView("/Protokoll/FLG 2024-08-26.docx "),
    AgendaView("FLG", date(2025, 4, 28)),
    MyItemsView(),
    OpenItemsView(),
    OpenItemsView("Annika Andersson"),
    FollowUpsView(),
    DigestView(),
]


@pytest.mark.parametrize("view", EVERY_VIEW, ids=repr)
def test_every_view_round_trips_with_an_item_id_beside_it(view: View) -> None:
    assert view_of({**view_data(view), "itemId": 7}) == view


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # The wire values cards already posted in Teams carry.
        ({"view": "summary", "documentKey": "k"}, MeetingView("k")),
        (
            {"view": "agenda", "group": "FLG", "meetingDate": "2025-04-28"},
            AgendaView("FLG", date(2025, 4, 28)),
        ),
        ({"view": "mina"}, MyItemsView()),
        ({"view": "öppna"}, OpenItemsView()),
        ({"view": "öppna RN"}, OpenItemsView("RN")),  # posted before views were typed: the command's text
        ({"view": "uppföljning"}, FollowUpsView()),
        ({"view": "sammanfattning"}, DigestView()),
    ],
)
def test_the_wire_values_stay_as_posted(data: dict[str, object], expected: View) -> None:
    assert view_of(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"itemId": 3},
        {"view": 7},
        {"view": "klar 3"},
        {"view": "protokoll"},
        {"view": "summary"},
        {"view": "summary", "documentKey": ["k"]},
        {"view": "agenda", "group": "FLG"},
        {"view": "agenda", "group": "FLG", "meetingDate": "28/4"},
        {"view": "agenda", "group": 1, "meetingDate": "2025-04-28"},
    ],
)
def test_data_naming_no_view_gives_none(data: dict[str, object]) -> None:
    assert view_of(data) is None
