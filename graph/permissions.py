"""What the app registration may do: the application permissions (roles) in its own Graph token. Does I/O (one token request)."""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import urlsplit

from azure.core.credentials_async import AsyncTokenCredential
from azure.core.exceptions import AzureError

from graph.client import GRAPH_BASE_URL, LOOPBACK_HOSTS


def token_roles(token: str) -> frozenset[str] | None:
    """The `roles` claim of an access token (a JWT), read without checking its signature: it is our own token,
    fresh from Entra ID over TLS, read only to say at start what the app may not do. None: not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (binascii.Error, ValueError):
        return None
    roles = claims.get("roles") if isinstance(claims, dict) else None
    if not isinstance(roles, list):
        return frozenset()
    return frozenset(role for role in roles if isinstance(role, str))


async def app_roles(
    credential: AsyncTokenCredential, *, base_url: str | None = None
) -> frozenset[str] | None:
    """The application permissions granted to the app for Graph; None when they cannot be told (no token, or
    a token that is no JWT)."""
    host = urlsplit(base_url or GRAPH_BASE_URL).hostname or ""
    scope_host = "graph.microsoft.com" if host in LOOPBACK_HOSTS else host
    try:
        token = await credential.get_token(f"https://{scope_host}/.default")
    except (AzureError, OSError, ValueError):
        return None
    return token_roles(token.token)
