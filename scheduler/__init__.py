"""When things run: APScheduler jobs with stable ids, each one workflow call, run once per slot."""

from scheduler.jobs import JobLeases, LeasedJob, SchedulerJobs
from scheduler.runner import SchedulerConfig, start_scheduler

__all__ = ["JobLeases", "LeasedJob", "SchedulerConfig", "SchedulerJobs", "start_scheduler"]
