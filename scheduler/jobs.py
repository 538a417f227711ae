"""Scheduled jobs: one workflow call each, run once per slot by whichever instance leases it. Does I/O."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = [
    "INTERVAL_ANCHOR",
    "STOCKHOLM",
    "JobLeases",
    "LeasedJob",
    "SchedulerJobs",
    "WorkflowCall",
    "day_slot",
    "interval_slot",
    "week_slot",
]

logger = logging.getLogger(__name__)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
# Interval slots are counted from here, not from each instance's start: every instance then fires at the same
# moments and names the slot alike, so their leases collide as they should.
INTERVAL_ANCHOR = datetime(2024, 1, 1, tzinfo=UTC)

WorkflowCall = Callable[[datetime], Awaitable[object]]


class JobLeases(Protocol):
    """Who runs a slot: store.reminders.LeaseRepository satisfies it (job_leases), shared by every instance on one
    database."""

    async def acquire_job_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool: ...


@dataclass(frozen=True, slots=True)
class SchedulerJobs:
    """The workflow calls the scheduler makes. Each is given the moment its run started (aware, in UTC) and
    decides everything else itself."""

    poll_sources: WorkflowCall  # the safety net behind change notifications
    send_due_reminders: WorkflowCall
    send_weekly_digest: Callable[[str | None, datetime], Awaitable[object]]  # a group; None: every group
    prepare_agenda: WorkflowCall  # daily: whether a meeting is 3 working days ahead is its own decision
    renew_subscriptions: WorkflowCall
    archive_stale: WorkflowCall | None = None  # daily, when a group has an archive rule
    report_back: WorkflowCall | None = None  # with the reminders: the owners' and the secretary's cards
    planner_sync: WorkflowCall | None = None  # every few minutes, when a group is linked to a Planner plan


@dataclass(frozen=True, slots=True)
class LeasedJob:
    """A job as the scheduler runs it: acquire the slot's lease ('digest.weekly:2024-W36:FLG'), then make the
    one workflow call. Instances sharing a database fire alike; the first to lease the slot runs it, the
    others skip it. The lease is kept after the run, failed or not, for `ttl` (longer than any instance can
    be late for the slot), so no instance runs a slot a second time. Failures are logged, never raised.

    Each run leases as '<holder>/<random>': a lease's own holder would renew it, and a second fire of the slot
    on this instance (a cron that fires twice in a week-long slot) must be refused like any other."""

    name: str  # the stable job id: 'reminders.tick'
    call: WorkflowCall
    slot_of: Callable[[datetime], str]  # the slot a moment falls in: '2024-08-26T07:15Z', '2024-W36'
    ttl: timedelta
    leases: JobLeases
    holder: str  # this instance: host and process
    clock: Callable[[], datetime]
    subject: str | None = None  # what the job is for, when one job runs per subject (a digest's group)

    @property
    def job_id(self) -> str:
        return self.name if self.subject is None else f"{self.name}:{self.subject}"

    def lease_name(self, at: datetime) -> str:
        slot = f"{self.name}:{self.slot_of(at)}"
        return slot if self.subject is None else f"{slot}:{self.subject}"

    async def run_now(self) -> bool:
        """What APScheduler calls: a coroutine function, so its asyncio executor awaits it on the loop."""
        return await self.run(self.clock())

    async def run(self, at: datetime) -> bool:
        """Run the slot `at` falls in, unless another instance has leased it. True when this one ran it and
        the call succeeded."""
        # In UTC: a ttl added to a Stockholm time adds wall-clock time, an hour off across a DST change.
        at = at.astimezone(UTC)
        lease = self.lease_name(at)
        run_holder = f"{self.holder}/{secrets.token_hex(4)}"
        try:
            if not await self.leases.acquire_job_lease(lease, run_holder, now=at, ttl=self.ttl):
                logger.debug("job %s: another instance has it", lease)
                return False
            await self.call(at)
        except Exception:  # the next slot tries again; a failed run must not stop the scheduler
            logger.exception("job %s failed", lease)
            return False
        logger.info("job %s done", lease)
        return True


def interval_slot(every: timedelta) -> Callable[[datetime], str]:
    """Slots of `every` counted from INTERVAL_ANCHOR, named by their start in UTC ('2024-10-27T00:15Z'): the
    hour Stockholm repeats when summer time ends would give two slots one local name."""
    if every < timedelta(minutes=1):
        raise ValueError("an interval slot is at least a minute long (slots are named to the minute)")

    def slot_of(at: datetime) -> str:
        start = INTERVAL_ANCHOR + every * ((at - INTERVAL_ANCHOR) // every)
        return start.strftime("%Y-%m-%dT%H:%MZ")

    return slot_of


def day_slot(at: datetime) -> str:
    """The Stockholm date: '2024-08-26'."""
    return at.astimezone(STOCKHOLM).date().isoformat()


def week_slot(at: datetime) -> str:
    """The ISO week in Stockholm: '2024-W36'."""
    year, week, _ = at.astimezone(STOCKHOLM).isocalendar()
    return f"{year}-W{week:02d}"
