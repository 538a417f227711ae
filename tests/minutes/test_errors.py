"""UserFacingError: every error that carries a Swedish line for the user is one, with that line as `message`."""

from __future__ import annotations

import pytest

from bot.cli import StoreUnavailable
from bot.package import PackageError
from minutes.calendar import CalendarError
from minutes.errors import UserFacingError
from minutes.model import DocumentError
from minutes.records import DocumentTooLarge, SourceError
from minutes.roster import RosterError
from workflows.agenda import AgendaError
from workflows.digest import Unpostable


@pytest.mark.parametrize(
    "kind",
    [
        DocumentError,
        SourceError,
        DocumentTooLarge,
        RosterError,
        CalendarError,
        AgendaError,
        Unpostable,
        StoreUnavailable,
        PackageError,
    ],
)
def test_the_swedish_line_is_the_message_and_the_text(kind: type[UserFacingError]) -> None:
    error = kind("filen är krypterad")

    assert isinstance(error, UserFacingError)
    assert error.message == "filen är krypterad" == str(error)


def test_a_calendar_error_is_still_a_value_error() -> None:
    # Settings validation (pydantic) turns a ValueError raised in a validator into a validation error.
    assert issubclass(CalendarError, ValueError)
