"""Errors the Graph adapters raise, each with one Swedish line for users; translation from SDK errors. Pure."""

from __future__ import annotations

import httpx
from azure.core.exceptions import ClientAuthenticationError
from kiota_abstractions.api_error import APIError

from minutes.records import DocumentTooLarge, SourceError

__all__ = [
    "GRAPH_ERRORS",
    "DocumentTooLarge",
    "GraphSourceError",
    "error_for_status",
    "too_large",
    "translate_error",
]

# What a Graph call can raise once the SDK has given up: an HTTP status, the network, or the token request.
GRAPH_ERRORS = (APIError, httpx.HTTPError, ClientAuthenticationError)


class GraphSourceError(SourceError):
    """Microsoft Graph could not list, fetch or change something (network, permissions, throttling beyond
    retries). `message` is one Swedish line fit for a user; `status` is the HTTP status when there was one;
    `retryable` says whether trying again later can help."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable


def too_large(max_bytes: int) -> DocumentTooLarge:
    return DocumentTooLarge(f"filen är större än gränsen på {max_bytes / 1_000_000:g} MB och läses inte in")


def translate_error(error: Exception, *, service: str = "SharePoint") -> GraphSourceError:
    """One Swedish line for an error the SDK raised after its own retries; keeps the HTTP status."""
    if isinstance(error, GraphSourceError):
        return error
    if isinstance(error, APIError):
        return error_for_status(error.response_status_code, service=service)
    if isinstance(error, ClientAuthenticationError):
        return GraphSourceError(
            "Boten kunde inte logga in mot Microsoft Entra ID; kontrollera appregistreringens hemlighet "
            "eller certifikat"
        )
    if isinstance(error, httpx.TimeoutException):
        return GraphSourceError(f"{service} svarade inte i tid, försöker igen senare", retryable=True)
    if isinstance(error, httpx.HTTPError):
        return GraphSourceError(f"{service} går inte att nå just nu, försöker igen senare", retryable=True)
    raise TypeError(f"not a Graph error: {type(error).__name__}")


def error_for_status(status: int | None, *, service: str = "SharePoint") -> GraphSourceError:
    if status == 429:
        return GraphSourceError(
            f"{service} begränsar antalet anrop just nu (HTTP 429), försöker igen senare",
            status=status,
            retryable=True,
        )
    if status in (401, 403):
        return GraphSourceError(
            f"Boten saknar behörighet i {service} (HTTP {status}); be en administratör om åtkomst",
            status=status,
        )
    if status == 404:
        return GraphSourceError(f"Hittar inte det som söktes i {service} (HTTP 404)", status=status)
    if status is not None and status >= 500:
        return GraphSourceError(
            f"{service} svarar inte just nu (HTTP {status}), försöker igen senare",
            status=status,
            retryable=True,
        )
    return GraphSourceError(f"{service} svarade med ett fel (HTTP {status})", status=status)
