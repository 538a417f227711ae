"""EntraUserDirectory against the fake Graph: exact UPN/mail first, then display-name prefixes."""

from __future__ import annotations

import pytest
from msgraph.graph_service_client import GraphServiceClient

from graph.errors import GraphSourceError
from graph.users import EntraUserDirectory, UserMatch, odata_string
from tests.fake_graph import FakeGraph, GraphState


@pytest.fixture
def directory(graph: GraphServiceClient, state: GraphState) -> EntraUserDirectory:
    state.add_user("Anna Berg", "anna.berg@kommun.se")
    state.add_user("Anna Bergström", "anna.bergstrom@kommun.se")
    state.add_user("Anders Ek", "anders.ek@kommun.se", mail="a.ek@kommun.se")
    state.add_user("Maria Lind", "maria.lind@kommun.se")
    state.add_user("O'Brien, Sean", "sean.obrien@kommun.se")
    return EntraUserDirectory(graph)


def upns(matches: tuple[UserMatch, ...]) -> list[str]:
    return [match.upn for match in matches]


async def test_an_exact_upn_finds_one_person(directory: EntraUserDirectory, state: GraphState) -> None:
    (match,) = await directory.find_user("Maria.Lind@kommun.se")

    assert (match.upn, match.display_name) == ("maria.lind@kommun.se", "Maria Lind")
    assert match.id == state.users[3]["id"]
    (request,) = state.requests_to("/users")
    assert request.query["$filter"] == (
        "userPrincipalName eq 'Maria.Lind@kommun.se' or mail eq 'Maria.Lind@kommun.se'"
    )


async def test_a_mail_address_that_is_not_the_upn_also_finds_the_person(
    directory: EntraUserDirectory,
) -> None:
    assert upns(await directory.find_user("a.ek@kommun.se")) == ["anders.ek@kommun.se"]


async def test_a_name_several_people_start_with_gives_them_all(directory: EntraUserDirectory) -> None:
    assert upns(await directory.find_user("Anna")) == ["anna.berg@kommun.se", "anna.bergstrom@kommun.se"]


async def test_an_exact_display_name_beats_longer_ones(directory: EntraUserDirectory) -> None:
    assert upns(await directory.find_user("anna  berg")) == ["anna.berg@kommun.se"]


async def test_quotes_in_names_are_escaped(directory: EntraUserDirectory, state: GraphState) -> None:
    assert upns(await directory.find_user("O'Brien")) == ["sean.obrien@kommun.se"]

    (request,) = state.requests_to("/users")
    assert request.query["$filter"] == "startswith(displayName,'O''Brien')"


async def test_nobody_and_nothing_give_no_match(directory: EntraUserDirectory, state: GraphState) -> None:
    assert await directory.find_user("Zelda") == ()
    assert await directory.find_user("   ") == ()
    assert await directory.find_user("okand@kommun.se") == ()


async def test_a_directory_error_becomes_a_swedish_message(
    directory: EntraUserDirectory, state: GraphState, fake: FakeGraph
) -> None:
    state.fail("/users", 403)

    with pytest.raises(GraphSourceError) as raised:
        await directory.find_user("Anna")

    assert raised.value.message.startswith("Boten saknar behörighet i Microsoft Graph (HTTP 403)")


def test_odata_strings_double_their_quotes() -> None:
    assert odata_string("O'Brien's") == "'O''Brien''s'"
