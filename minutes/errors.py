"""The base of every error that carries one Swedish line for the user (or for the CLI's 'fel: …')."""

from __future__ import annotations


class UserFacingError(Exception):
    """An error whose `message` is one Swedish line fit to show a user: no traceback, no document text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
