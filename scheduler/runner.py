"""start_scheduler: every job on an AsyncIOScheduler in Stockholm time, stable ids. Decides when, not what."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.jobs import (
    INTERVAL_ANCHOR,
    STOCKHOLM,
    JobLeases,
    LeasedJob,
    SchedulerJobs,
    WorkflowCall,
    day_slot,
    interval_slot,
    week_slot,
)

__all__ = [
    "AGENDA_CRON",
    "DIGEST_CRON",
    "REMINDER_CRON",
    "ScheduledJob",
    "SchedulerConfig",
    "scheduled_jobs",
    "start_scheduler",
]

CronFields = Mapping[str, int | str]

REMINDER_CRON: CronFields = {"minute": "*/15"}
DIGEST_CRON: CronFields = {"day_of_week": "mon", "hour": 8, "minute": 0}
AGENDA_CRON: CronFields = {"hour": 7, "minute": 0}
ARCHIVE_CRON: CronFields = {"hour": 6, "minute": 30}  # before the morning's reminders and agendas
CRON_FIELDS = frozenset({"year", "month", "day", "week", "day_of_week", "hour", "minute", "second"})

QUARTER, DAY, WEEK = timedelta(minutes=15), timedelta(days=1), timedelta(weeks=1)  # the jobs' slots
# How late a run may still start (an instance busy, paused or just started); beyond it the run is skipped and
# the next slot catches up. Each is shorter than its slot, so a late run still lands in its own slot.
REMINDER_GRACE = timedelta(minutes=10)
DIGEST_GRACE = timedelta(hours=6)
AGENDA_GRACE = timedelta(hours=3)
ARCHIVE_GRACE = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    """When the jobs run. `holder` names this instance in the job leases (unique per process)."""

    holder: str
    poll_interval: timedelta = timedelta(minutes=10)
    subscription_check_interval: timedelta = timedelta(hours=1)
    planner_interval: timedelta = timedelta(minutes=5)  # Planner has no change notifications: it is polled
    # Group → cron fields over DIGEST_CRON ({"FSG": {"day_of_week": "fri", "hour": 14}}): one job per group,
    # 'digest.weekly:FSG'. Empty: one job, 'digest.weekly', at DIGEST_CRON for every group.
    digest_schedules: Mapping[str, CronFields] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A leased job and when it fires: an APScheduler trigger ('cron' or 'interval') and its fields."""

    job: LeasedJob
    trigger: str
    trigger_fields: Mapping[str, object]
    misfire_grace: timedelta


def scheduled_jobs(
    jobs: SchedulerJobs, config: SchedulerConfig, *, leases: JobLeases, clock: Callable[[], datetime]
) -> list[ScheduledJob]:
    """Every job with its trigger. A slot's lease lasts the slot plus the grace: no instance fires later."""

    def cron(
        name: str,
        call: WorkflowCall,
        fields: CronFields,
        slot_of: Callable[[datetime], str],
        slot: timedelta,
        grace: timedelta,
        subject: str | None = None,
    ) -> ScheduledJob:
        job = LeasedJob(name, call, slot_of, slot + grace, leases, config.holder, clock, subject)
        return ScheduledJob(job, "cron", fields, grace)

    def every(name: str, call: WorkflowCall, interval: timedelta) -> ScheduledJob:
        grace = interval / 2
        job = LeasedJob(name, call, interval_slot(interval), interval + grace, leases, config.holder, clock)
        fields = {"seconds": interval.total_seconds(), "start_date": INTERVAL_ANCHOR}
        return ScheduledJob(job, "interval", fields, grace)

    digest_groups: list[tuple[str | None, CronFields]] = list(config.digest_schedules.items()) or [(None, {})]
    return [
        every("sources.poll", jobs.poll_sources, config.poll_interval),
        cron(
            "reminders.tick",
            jobs.send_due_reminders,
            REMINDER_CRON,
            interval_slot(QUARTER),
            QUARTER,
            REMINDER_GRACE,
        ),
        *(
            cron(
                "digest.weekly",
                _digest_of(jobs, group),
                _cron(DIGEST_CRON, overrides),
                week_slot,
                WEEK,
                DIGEST_GRACE,
                subject=group,
            )
            for group, overrides in digest_groups
        ),
        cron("agenda.before_meeting", jobs.prepare_agenda, AGENDA_CRON, day_slot, DAY, AGENDA_GRACE),
        every("graph.subscriptions.renew", jobs.renew_subscriptions, config.subscription_check_interval),
        *(
            [cron("items.archive", jobs.archive_stale, ARCHIVE_CRON, day_slot, DAY, ARCHIVE_GRACE)]
            if jobs.archive_stale is not None
            else []
        ),
        *(
            [
                cron(
                    "report_back.tick",
                    jobs.report_back,
                    REMINDER_CRON,
                    interval_slot(QUARTER),
                    QUARTER,
                    REMINDER_GRACE,
                )
            ]
            if jobs.report_back is not None
            else []
        ),
        *(
            [every("planner.sync", jobs.planner_sync, config.planner_interval)]
            if jobs.planner_sync is not None
            else []
        ),
    ]


def start_scheduler(
    jobs: SchedulerJobs,
    config: SchedulerConfig,
    *,
    leases: JobLeases,
    clock: Callable[[], datetime] | None = None,
) -> AsyncIOScheduler:
    """Add every job (stable ids, replace_existing, coalesce, one run at a time, Stockholm time) and start the
    scheduler on the running event loop. `scheduler.shutdown(wait=False)` when done."""
    scheduler = AsyncIOScheduler(timezone=STOCKHOLM)
    for scheduled in scheduled_jobs(jobs, config, leases=leases, clock=clock or _utc_now):
        scheduler.add_job(
            scheduled.job.run_now,
            scheduled.trigger,
            id=scheduled.job.job_id,
            name=scheduled.job.job_id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=int(scheduled.misfire_grace.total_seconds()),
            timezone=STOCKHOLM,
            **scheduled.trigger_fields,
        )
    scheduler.start()
    return scheduler


def _digest_of(jobs: SchedulerJobs, group: str | None) -> WorkflowCall:
    async def send_weekly_digest(at: datetime) -> object:
        return await jobs.send_weekly_digest(group, at)

    return send_weekly_digest


def _cron(defaults: CronFields, overrides: CronFields) -> CronFields:
    unknown = set(overrides) - CRON_FIELDS
    if unknown:
        raise ValueError(f"unknown cron fields {sorted(unknown)}: use {sorted(CRON_FIELDS)}")
    return {**defaults, **overrides}


def _utc_now() -> datetime:
    return datetime.now(UTC)
