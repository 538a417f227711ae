"""The service's logging: one format, the configured level, and the SDKs' per-call chatter kept at DEBUG."""

from __future__ import annotations

import logging

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# azure-identity logs 'get_token succeeded' at INFO on every Graph call (and azure-core each request): noise at
# INFO, so these loggers show only warnings unless the whole service runs at DEBUG.
PER_CALL_LOGGERS = ("azure.identity", "azure.core.pipeline.policies.http_logging_policy")
# Start-up details a newcomer does not need (each migration applied, each scheduled job added): DEBUG only, so
# `make run` starts in a few lines (tests/bot/test_cli_run.py counts them).
STARTUP_DETAIL_LOGGERS = ("alembic", "apscheduler")


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format=LOG_FORMAT)
    numeric = logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
    quiet = logging.DEBUG if numeric <= logging.DEBUG else max(numeric, logging.WARNING)
    for name in (*PER_CALL_LOGGERS, *STARTUP_DETAIL_LOGGERS):
        logging.getLogger(name).setLevel(quiet)
