"""When things run: APScheduler jobs with stable ids (one workflow call each, once per slot), the outbox loop."""

from scheduler.jobs import JobLeases, LeasedJob, SchedulerJobs
from scheduler.runner import SchedulerConfig, start_scheduler

__all__ = ["JobLeases", "LeasedJob", "SchedulerConfig", "SchedulerJobs", "start_scheduler"]
