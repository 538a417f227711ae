"""The app's permissions read from its own token's roles claim, for the start-up check of Planner."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from graph.permissions import app_roles, token_roles


def jwt(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("token", "roles"),
    [
        (
            jwt({"roles": ["Tasks.ReadWrite.All", "Sites.Selected"]}),
            {"Tasks.ReadWrite.All", "Sites.Selected"},
        ),
        (jwt({"aud": "https://graph.microsoft.com"}), set()),  # no application permission granted
        (jwt({"roles": "Tasks.ReadWrite.All"}), set()),  # not a list: nothing is taken for granted
        ("fake-token", None),
        ("a.b.c", None),
        ("a.!!!.c", None),
    ],
)
def test_roles_of_a_token(token: str, roles: set[str] | None) -> None:
    assert token_roles(token) == (frozenset(roles) if roles is not None else None)


class Credential:
    def __init__(self, token: str | None) -> None:
        self.token = token
        self.scopes: tuple[str, ...] = ()

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes = scopes
        if self.token is None:
            raise ClientAuthenticationError("no")
        return AccessToken(self.token, int(time.time()) + 3600)


async def test_the_app_roles_come_from_a_graph_token() -> None:
    credential = Credential(jwt({"roles": ["Tasks.ReadWrite.All"]}))
    assert await app_roles(credential, base_url="http://127.0.0.1:9/v1.0") == {"Tasks.ReadWrite.All"}  # type: ignore[arg-type]
    assert credential.scopes == ("https://graph.microsoft.com/.default",)
    assert await app_roles(Credential(None)) is None  # type: ignore[arg-type]
