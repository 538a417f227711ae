"""Find people in Entra ID by UPN, mail or the start of their display name. Does I/O (Graph)."""

from __future__ import annotations

from dataclasses import dataclass

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph.graph_service_client import GraphServiceClient

from graph.errors import GRAPH_ERRORS, translate_error

USER_FIELDS = ["id", "displayName", "userPrincipalName", "mail"]
# Enough to show a disambiguation card; more candidates than this means the name is too short anyway.
MAX_CANDIDATES = 10
SERVICE = "Microsoft Graph"


@dataclass(frozen=True, slots=True)
class UserMatch:
    """A person in Entra ID: the object id (for mentions and Planner), UPN and display name."""

    id: str
    upn: str
    display_name: str
    mail: str | None = None


class EntraUserDirectory:
    """Looks people up in the tenant's directory (User.Read.All)."""

    def __init__(self, graph: GraphServiceClient) -> None:
        self._graph = graph

    async def find_user(self, display_name_or_upn: str) -> tuple[UserMatch, ...]:
        """() when nobody matches, one match when the person is clear, several when the caller must ask.
        An exact UPN or mail wins; otherwise display names that start with the text, where an exact
        (case-insensitive) display name beats longer ones ('Anna Berg' over 'Anna Bergström')."""
        text = " ".join(display_name_or_upn.split())
        if not text:
            return ()
        try:
            if "@" in text:
                literal = odata_string(text)
                exact = await self._users(f"userPrincipalName eq {literal} or mail eq {literal}")
                if exact:
                    return exact
            candidates = await self._users(f"startswith(displayName,{odata_string(text)})")
        except GRAPH_ERRORS as error:
            raise translate_error(error, service=SERVICE) from error
        same_name = tuple(user for user in candidates if user.display_name.casefold() == text.casefold())
        return same_name or candidates

    async def _users(self, odata_filter: str) -> tuple[UserMatch, ...]:
        query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
            filter=odata_filter, select=USER_FIELDS, top=MAX_CANDIDATES
        )
        response = await self._graph.users.get(RequestConfiguration(query_parameters=query))
        users = (response.value if response else None) or []
        return tuple(match for user in users if (match := user_match(user)) is not None)


def user_match(user: User) -> UserMatch | None:
    if not user.id or not user.user_principal_name:
        return None
    return UserMatch(
        id=user.id,
        upn=user.user_principal_name,
        display_name=user.display_name or user.user_principal_name,
        mail=user.mail,
    )


def odata_string(value: str) -> str:
    """An OData string literal: quoted, with each single quote doubled (O'Brien → 'O''Brien')."""
    return "'" + value.replace("'", "''") + "'"
