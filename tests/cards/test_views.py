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
    PagePlace,
    View,
    place_data,
    place_of,
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


@pytest.mark.parametrize(
    "place",
    [PagePlace(), PagePlace(15, (0,)), PagePlace(53, (0, 17, 34)), PagePlace(7)],
)
def test_a_page_and_its_way_back_survive_the_round_trip(place: PagePlace) -> None:
    assert place_of(place_data(place)) == place


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"offset": 30, "back": "0,15"}, PagePlace(30, (0, 15))),
        ({"offset": 30, "back": "15,0"}, PagePlace(30)),  # not ascending
        ({"offset": 30, "back": "0,30"}, PagePlace(30)),  # not before the page
        ({"offset": 30, "back": "0,x"}, PagePlace(30)),
        ({"offset": 30, "back": ",".join(str(n) for n in range(61))}, PagePlace(30)),  # longer than kept
        ({"offset": 30, "back": [0, 15]}, PagePlace(30)),  # not as place_data writes it
        ({"offset": 30, "back": "-1"}, PagePlace(30)),
        ({"back": "0"}, PagePlace()),
    ],
)
def test_a_forged_way_back_is_dropped(data: dict[str, object], expected: PagePlace) -> None:
    assert place_of(data) == expected


def test_nasta_remembers_the_page_and_foregaende_returns_to_it() -> None:
    third = PagePlace().following(17).following(19)
    assert third == PagePlace(36, (0, 17))
    assert third.previous(100) == PagePlace(17, (0,))
    assert third.previous(100).previous(100) == PagePlace()
    # Without the way back (a card posted before pages remembered it): a step back.
    assert PagePlace(36).previous(15) == PagePlace(21)
    assert PagePlace(10).previous(15) == PagePlace()
