"""UtcDateTime: aware UTC in, aware UTC out, on either backend. Pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import create_async_engine

from store.tables import UtcDateTime

STOCKHOLM_SUMMER = timezone(timedelta(hours=2))


def dialect_of(url: str) -> Dialect:
    return create_async_engine(url).dialect  # connects to nothing


def postgresql() -> Dialect:
    return dialect_of("postgresql+asyncpg://minutesbot@127.0.0.1/minutesbot")


def sqlite() -> Dialect:
    return dialect_of("sqlite+aiosqlite:///minutesbot.db")


def test_an_aware_time_is_stored_as_utc() -> None:
    at = datetime(2024, 8, 26, 9, 30, tzinfo=STOCKHOLM_SUMMER)

    assert UtcDateTime().process_bind_param(at, postgresql()) == datetime(2024, 8, 26, 7, 30, tzinfo=UTC)
    # SQLite stores no zone: the naive value is UTC by this type's contract.
    assert UtcDateTime().process_bind_param(at, sqlite()) == datetime(2024, 8, 26, 7, 30)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        UtcDateTime().process_bind_param(datetime(2024, 8, 26, 9, 30), sqlite())


@pytest.mark.parametrize(
    "stored",
    [datetime(2024, 8, 26, 7, 30), datetime(2024, 8, 26, 9, 30, tzinfo=STOCKHOLM_SUMMER)],
)
def test_times_are_read_back_aware_in_utc(stored: datetime) -> None:
    read = UtcDateTime().process_result_value(stored, sqlite())

    assert read == datetime(2024, 8, 26, 7, 30, tzinfo=UTC) and read.tzinfo is UTC


def test_null_stays_null() -> None:
    assert UtcDateTime().process_bind_param(None, sqlite()) is None
    assert UtcDateTime().process_result_value(None, postgresql()) is None
