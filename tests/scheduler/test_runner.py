"""start_scheduler: stable ids and options, and weeks of time travel through APScheduler's own triggers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.job import Job
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.group_config import load_group_config
from bot.settings import Settings
from scheduler.jobs import STOCKHOLM, LeasedJob, SchedulerJobs
from scheduler.runner import SchedulerConfig, scheduled_jobs, start_scheduler
from store import SqlStore, open_store
from tests.conftest import sqlite_url

JOB_IDS = {
    "sources.poll",
    "reminders.tick",
    "digest.weekly",
    "agenda.before_meeting",
    "graph.subscriptions.renew",
}


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


class Calls:
    """The workflow calls, recorded: (job, group, at)."""

    def __init__(self) -> None:
        self.made: list[tuple[str, str | None, datetime]] = []
        self.failing: set[str] = set()
        self.ran = asyncio.Event()

    def jobs(self) -> SchedulerJobs:
        def recording(name: str) -> Any:
            async def call(at: datetime) -> None:
                self._record(name, None, at)

            return call

        async def digest(group: str | None, at: datetime) -> None:
            self._record("digest", group, at)

        return SchedulerJobs(
            poll_sources=recording("poll"),
            send_due_reminders=recording("reminders"),
            send_weekly_digest=digest,
            prepare_agenda=recording("agenda"),
            renew_subscriptions=recording("renew"),
        )

    def _record(self, name: str, group: str | None, at: datetime) -> None:
        self.made.append((name, group, at))
        self.ran.set()
        if name in self.failing:
            raise RuntimeError(f"{name} failed")


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[SqlStore]:
    store = await open_store(sqlite_url(tmp_path))
    try:
        yield store
    finally:
        await store.close()


@pytest.fixture
async def running(sqlite_store: SqlStore) -> AsyncIterator[tuple[AsyncIOScheduler, Calls]]:
    calls = Calls()
    scheduler = start_scheduler(calls.jobs(), SchedulerConfig(holder="instance-a"), leases=sqlite_store)
    try:
        yield scheduler, calls
    finally:
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler shuts down on the loop's next turn


async def test_every_job_is_registered_with_its_stable_id_and_options(
    sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    added: list[dict[str, Any]] = []
    add_job = AsyncIOScheduler.add_job

    def recording_add_job(self: AsyncIOScheduler, func: Any, trigger: Any = None, **options: Any) -> Job:
        added.append(options)
        return add_job(self, func, trigger, **options)

    monkeypatch.setattr(AsyncIOScheduler, "add_job", recording_add_job)
    scheduler = start_scheduler(Calls().jobs(), SchedulerConfig(holder="instance-a"), leases=sqlite_store)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert scheduler.running
        assert scheduler.timezone == STOCKHOLM
    finally:
        scheduler.shutdown(wait=False)

    assert set(jobs) == JOB_IDS
    assert [options["id"] for options in added] == [
        "sources.poll",
        "reminders.tick",
        "digest.weekly",
        "agenda.before_meeting",
        "graph.subscriptions.renew",
    ]
    for options in added:
        assert options["replace_existing"] is True
        assert options["coalesce"] is True
        assert options["max_instances"] == 1
        assert options["timezone"] == STOCKHOLM
    for job in jobs.values():
        assert (job.coalesce, job.max_instances) == (True, 1)
        assert job.trigger.timezone == STOCKHOLM
        assert job.next_run_time is not None
    assert str(jobs["reminders.tick"].trigger) == "cron[minute='*/15']"
    assert str(jobs["digest.weekly"].trigger) == "cron[day_of_week='mon', hour='8', minute='0']"
    assert str(jobs["agenda.before_meeting"].trigger) == "cron[hour='7', minute='0']"
    assert str(jobs["sources.poll"].trigger) == "interval[0:10:00]"
    assert str(jobs["graph.subscriptions.renew"].trigger) == "interval[1:00:00]"
    grace = {job_id: job.misfire_grace_time for job_id, job in jobs.items()}
    assert grace == {
        "sources.poll": 300,
        "reminders.tick": 600,
        "digest.weekly": 6 * 3600,
        "agenda.before_meeting": 3 * 3600,
        "graph.subscriptions.renew": 1800,
    }


async def test_digests_can_run_per_group_on_their_own_schedule(sqlite_store: SqlStore) -> None:
    config = SchedulerConfig(
        holder="instance-a",
        digest_schedules={"FLG": {}, "FSG": {"day_of_week": "fri", "hour": 14}},
    )
    scheduler = start_scheduler(Calls().jobs(), config, leases=sqlite_store)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)

    assert set(jobs) == (JOB_IDS - {"digest.weekly"}) | {"digest.weekly:FLG", "digest.weekly:FSG"}
    assert str(jobs["digest.weekly:FLG"].trigger) == "cron[day_of_week='mon', hour='8', minute='0']"
    assert str(jobs["digest.weekly:FSG"].trigger) == "cron[day_of_week='fri', hour='14', minute='0']"


async def test_digest_schedules_from_the_settings_fire_on_their_days(
    sqlite_store: SqlStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MINUTESBOT_DIGEST_SCHEDULES as an admin writes it, through Settings, to the jobs' fire times."""
    monkeypatch.setenv("MINUTESBOT_DIGEST_SCHEDULES", '{"FLG": "mån 08:00", "FSG": "fredag kl. 13.30"}')
    config = SchedulerConfig(holder="instance-a", digest_schedules=load_group_config(Settings()).digest_cron)
    scheduler = start_scheduler(Calls().jobs(), config, leases=sqlite_store)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    start, end = utc("2024-10-21 00:00"), utc("2024-11-04 00:00")  # summer time ends on 27/10
    assert fire_times(jobs["digest.weekly:FLG"], start, end) == [
        utc("2024-10-21 06:00"),
        utc("2024-10-28 07:00"),
    ]
    assert fire_times(jobs["digest.weekly:FSG"], start, end) == [
        utc("2024-10-25 11:30"),
        utc("2024-11-01 12:30"),
    ]


async def test_an_unknown_cron_field_stops_the_start(sqlite_store: SqlStore) -> None:
    config = SchedulerConfig(holder="a", digest_schedules={"FLG": {"weekday": "mon"}})
    with pytest.raises(ValueError, match="weekday"):
        start_scheduler(Calls().jobs(), config, leases=sqlite_store)


def fire_times(job: Job, start: datetime, end: datetime) -> list[datetime]:
    """When APScheduler fires the job from `start` to `end`, in UTC: its own trigger, asked as its loop asks
    it. (Python compares and subtracts two times of one zone as wall-clock times, wrong across DST.)"""
    times: list[datetime] = []
    previous, now = None, start
    while (fire := job.trigger.get_next_fire_time(previous, now)) is not None and fire < end:
        times.append(fire.astimezone(UTC))
        previous = now = fire
    return times


async def test_three_weeks_of_time_travel_run_each_slot_once_across_three_instances(store: SqlStore) -> None:
    """Three instances on one database fire every job at the same moments; each slot runs once."""
    calls = Calls()
    config = SchedulerConfig(
        holder="instance-a", digest_schedules={"FLG": {}, "FSG": {"day_of_week": "fri", "hour": 14}}
    )
    scheduler = start_scheduler(calls.jobs(), config, leases=store)
    try:
        triggers = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    instances: dict[str, list[LeasedJob]] = {}
    for holder in ("instance-a", "instance-b", "instance-c"):
        for scheduled in scheduled_jobs(
            calls.jobs(),
            SchedulerConfig(holder, digest_schedules=config.digest_schedules),
            leases=store,
            clock=lambda: utc("2000-01-01 00:00"),
        ):
            instances.setdefault(scheduled.job.job_id, []).append(scheduled.job)

    async def travel(job_id: str, start: datetime, end: datetime) -> list[datetime]:
        fired = fire_times(triggers[job_id], start, end)
        for at in fired:
            ran = await asyncio.gather(*(job.run(at) for job in instances[job_id]))
            assert sum(ran) == 1, f"{job_id} at {at}: {ran}"
        return fired

    # Monday 2024-10-21 00:00 in Stockholm to Monday 2024-11-04 09:00; summer time ends on 2024-10-27.
    start, end = utc("2024-10-20 22:00"), utc("2024-11-04 08:00")
    mondays = await travel("digest.weekly:FLG", start, end)
    fridays = await travel("digest.weekly:FSG", start, end)
    mornings = await travel("agenda.before_meeting", start, end)
    # The night summer time ends: Stockholm repeats 02:00-03:00, and reminders tick through both hours.
    quarters = await travel("reminders.tick", utc("2024-10-26 22:00"), utc("2024-10-27 03:00"))
    polls = await travel("sources.poll", utc("2024-10-27 00:03"), utc("2024-10-27 01:03"))
    renewals = await travel("graph.subscriptions.renew", utc("2024-10-27 00:30"), utc("2024-10-27 06:30"))

    local = [at.astimezone(STOCKHOLM).strftime("%a %H:%M%z") for at in mondays]
    assert local == ["Mon 08:00+0200", "Mon 08:00+0100", "Mon 08:00+0100"]
    assert [at.astimezone(STOCKHOLM).strftime("%d %H:%M") for at in fridays] == ["25 14:00", "01 14:00"]
    assert len(mornings) == 15 and {at.astimezone(STOCKHOLM).strftime("%H:%M") for at in mornings} == {
        "07:00"
    }
    assert len(quarters) == 20
    assert {later - earlier for earlier, later in zip(quarters, quarters[1:], strict=False)} == {
        timedelta(minutes=15)
    }
    assert [at.astimezone(STOCKHOLM).strftime("%H:%M") for at in quarters].count("02:15") == 2
    assert [at.strftime("%H:%M") for at in polls] == [
        "00:10",
        "00:20",
        "00:30",
        "00:40",
        "00:50",
        "01:00",
    ]
    assert [at.strftime("%H:%M") for at in renewals] == [
        "01:00",
        "02:00",
        "03:00",
        "04:00",
        "05:00",
        "06:00",
    ]

    made = sorted((name, group, at) for name, group, at in calls.made)
    assert made == sorted(
        [("digest", "FLG", at) for at in mondays]
        + [("digest", "FSG", at) for at in fridays]
        + [("agenda", None, at) for at in mornings]
        + [("reminders", None, at) for at in quarters]
        + [("poll", None, at) for at in polls]
        + [("renew", None, at) for at in renewals]
    )

    # An instance that fires a slot late (within its grace) finds it run already.
    late = [job.run(mondays[0] + timedelta(hours=5)) for job in instances["digest.weekly:FLG"]]
    assert not any(await asyncio.gather(*late))


async def test_the_running_scheduler_fires_a_due_job_once(running: tuple[AsyncIOScheduler, Calls]) -> None:
    scheduler, calls = running

    scheduler.modify_job("reminders.tick", next_run_time=datetime.now(STOCKHOLM))
    await asyncio.wait_for(calls.ran.wait(), timeout=10)

    assert [name for name, _, _ in calls.made] == ["reminders"]
    assert scheduler.get_job("reminders.tick").next_run_time > datetime.now(STOCKHOLM)


async def test_a_failing_job_leaves_the_scheduler_running(running: tuple[AsyncIOScheduler, Calls]) -> None:
    scheduler, calls = running
    calls.failing.add("poll")

    scheduler.modify_job("sources.poll", next_run_time=datetime.now(STOCKHOLM))
    await asyncio.wait_for(calls.ran.wait(), timeout=10)
    calls.ran.clear()
    scheduler.modify_job("agenda.before_meeting", next_run_time=datetime.now(STOCKHOLM))
    await asyncio.wait_for(calls.ran.wait(), timeout=10)

    assert [name for name, _, _ in calls.made] == ["poll", "agenda"]
    assert scheduler.running
    assert scheduler.get_job("sources.poll").next_run_time is not None


async def test_the_archive_rules_run_daily_when_a_group_has_one(sqlite_store: SqlStore) -> None:
    calls = Calls()

    async def archive(at: datetime) -> None:
        calls.made.append(("archive", None, at))

    with_rule = replace(calls.jobs(), archive_stale=archive)
    scheduler = start_scheduler(with_rule, SchedulerConfig(holder="instance-a"), leases=sqlite_store)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == JOB_IDS | {"items.archive"}
    assert str(jobs["items.archive"].trigger) == "cron[hour='6', minute='30']"


async def test_the_report_back_runs_with_the_reminders_schedule(sqlite_store: SqlStore) -> None:
    calls = Calls()

    async def report_back(at: datetime) -> None:
        calls.made.append(("report_back", None, at))

    with_report_back = replace(calls.jobs(), report_back=report_back)
    scheduler = start_scheduler(with_report_back, SchedulerConfig(holder="instance-a"), leases=sqlite_store)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == JOB_IDS | {"report_back.tick"}
    assert str(jobs["report_back.tick"].trigger) == "cron[minute='*/15']"
    assert jobs["report_back.tick"].misfire_grace_time == jobs["reminders.tick"].misfire_grace_time


async def test_planner_is_polled_every_few_minutes_when_a_group_is_linked(sqlite_store: SqlStore) -> None:
    calls = Calls()

    async def planner_sync(at: datetime) -> None:
        calls.made.append(("planner", None, at))

    with_planner = replace(calls.jobs(), planner_sync=planner_sync)
    config = SchedulerConfig(holder="instance-a", planner_interval=timedelta(minutes=3))
    scheduler = start_scheduler(with_planner, config, leases=sqlite_store)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == JOB_IDS | {"planner.sync"}
    assert str(jobs["planner.sync"].trigger).startswith("interval[0:03:00")
