"""APScheduler jobs (later issue)."""
