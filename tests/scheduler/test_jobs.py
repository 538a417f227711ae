"""The leased job wrapper and its slots, on SQLite and PostgreSQL: one run per slot, failures contained."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.jobs import LeasedJob, day_slot, interval_slot, week_slot
from store import SqlStore

MONDAY_0730 = datetime(2024, 8, 26, 5, 30, tzinfo=UTC)  # 07:30 in Stockholm (summer time)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("at", "slot"),
    [
        (utc("2024-08-26 05:30:00"), "2024-08-26T05:30Z"),
        (utc("2024-08-26 05:44:59"), "2024-08-26T05:30Z"),
        (utc("2024-08-26 05:45:00"), "2024-08-26T05:45Z"),
        # Summer time ends at 03:00 on 2024-10-27: 02:15 happens twice in Stockholm, as two slots.
        (utc("2024-10-27 00:15:00"), "2024-10-27T00:15Z"),
        (utc("2024-10-27 01:15:00"), "2024-10-27T01:15Z"),
    ],
)
def test_quarter_hour_slots_are_named_in_utc(at: datetime, slot: str) -> None:
    assert interval_slot(timedelta(minutes=15))(at) == slot


def test_interval_slots_start_at_the_anchor_whenever_an_instance_started() -> None:
    every_ten = interval_slot(timedelta(minutes=10))
    assert {every_ten(utc("2024-08-26 05:37:00")), every_ten(utc("2024-08-26 05:30:00"))} == {
        "2024-08-26T05:30Z"
    }
    assert interval_slot(timedelta(hours=1))(utc("2024-08-26 05:59:59")) == "2024-08-26T05:00Z"
    with pytest.raises(ValueError):
        interval_slot(timedelta(seconds=30))


@pytest.mark.parametrize(
    ("at", "day", "week"),
    [
        (utc("2024-09-02 06:00:00"), "2024-09-02", "2024-W36"),
        (utc("2024-09-01 22:30:00"), "2024-09-02", "2024-W36"),  # Monday 00:30 in Stockholm, Sunday in UTC
        (utc("2024-12-30 07:00:00"), "2024-12-30", "2025-W01"),  # ISO week-year
    ],
)
def test_day_and_week_slots_are_those_of_stockholm(at: datetime, day: str, week: str) -> None:
    assert (day_slot(at), week_slot(at)) == (day, week)


class Calls:
    def __init__(self, *, failing: int = 0) -> None:
        self.made: list[datetime] = []
        self.failing = failing

    async def __call__(self, at: datetime) -> None:
        self.made.append(at)
        if self.failing:
            self.failing -= 1
            raise RuntimeError("the workflow failed")


def digest_job(store: SqlStore, calls: Calls, holder: str, *, group: str | None = "FLG") -> LeasedJob:
    return LeasedJob(
        name="digest.weekly",
        call=calls,
        slot_of=week_slot,
        ttl=timedelta(days=7, hours=6),
        leases=store,
        holder=holder,
        clock=lambda: MONDAY_0730,
        subject=group,
    )


async def test_a_slot_runs_once_whichever_instance_fires_first(store: SqlStore) -> None:
    calls = Calls()
    first, second = digest_job(store, calls, "a"), digest_job(store, calls, "b")

    assert await first.run_now()
    assert not await second.run_now()
    assert not await first.run(MONDAY_0730 + timedelta(hours=5))  # a second fire in the week: not again
    assert await second.run(MONDAY_0730 + timedelta(days=7))  # next week

    assert calls.made == [MONDAY_0730, MONDAY_0730 + timedelta(days=7)]
    holders = [
        await store.job_lease_holder("digest.weekly:2024-W35:FLG", now=MONDAY_0730),
        await store.job_lease_holder("digest.weekly:2024-W36:FLG", now=MONDAY_0730 + timedelta(days=7)),
    ]
    assert [str(holder).split("/")[0] for holder in holders] == ["a", "b"]


async def test_each_subject_has_its_own_slots(store: SqlStore) -> None:
    calls = Calls()
    assert await digest_job(store, calls, "a", group="FLG").run_now()
    assert await digest_job(store, calls, "b", group="FSG").run_now()
    assert await digest_job(store, calls, "b", group=None).run_now()

    assert digest_job(store, calls, "a", group="FSG").job_id == "digest.weekly:FSG"
    assert digest_job(store, calls, "a", group=None).lease_name(MONDAY_0730) == "digest.weekly:2024-W35"
    assert len(calls.made) == 3


async def test_a_failing_call_is_logged_and_the_next_slot_runs(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Calls(failing=1)
    job = digest_job(store, calls, "a")

    with caplog.at_level(logging.ERROR, logger="scheduler.jobs"):
        assert not await job.run_now()
    assert [record.levelno for record in caplog.records] == [logging.ERROR]
    assert caplog.records[0].exc_info is not None

    # The failed slot keeps its lease (its work may be half done): another instance does not redo it.
    assert not await digest_job(store, calls, "b").run_now()
    assert await job.run(MONDAY_0730 + timedelta(days=7))
    assert len(calls.made) == 2


class BrokenLeases:
    async def acquire_job_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool:
        raise ConnectionError("the database is down")


async def test_an_unreachable_store_skips_the_run_without_raising() -> None:
    calls = Calls()
    job = LeasedJob(
        "reminders.tick", calls, day_slot, timedelta(hours=1), BrokenLeases(), "a", lambda: MONDAY_0730
    )

    assert not await job.run_now()
    assert calls.made == []
