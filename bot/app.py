"""The composition root: create_app(settings) wires every part of the service and owns their lifetimes."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aiohttp import web

from bot.group_config import load_group_config, save_rosters
from bot.handlers import Handlers
from bot.ingestion import Ingestion, LibrarySubscriptions, watch_local_folders
from bot.keys import (
    CONNECTOR_TOKEN,
    DELIVERER,
    DIRECTORY,
    GRAPH_CREDENTIAL,
    GROUPS,
    INGESTION,
    PLANNER,
    REMINDERS,
    REPORT_BACKS,
    SCHEDULER,
    SETTINGS,
    STORE,
    SUBSCRIPTIONS,
    TEAMS,
)
from bot.planner import planner_connection, planner_wanted
from bot.routes import add_routes
from bot.settings import Settings
from bot.sources import sharepoint_connection
from minutes.logsafe import safe_log_field
from minutes.records import SourceError
from reading.sandbox import SandboxPool
from sources.local_folder import LocalFolderSource
from store.documents import DocumentRepository
from store.engine import store_context
from store.not_mine import NotMineRepository
from store.reminders import LeaseRepository, ReminderRepository
from store.rosters import RosterRepository
from workflows.agenda import prepare_agendas
from workflows.archive import archive_stale
from workflows.deliver import Deliverer
from workflows.digest import enqueue_weekly_digest
from workflows.following import Administrators, Following
from workflows.ingest import Ingestor
from workflows.item_actions import ItemActions
from workflows.planner_sync import PlannerSync
from workflows.ports import DocumentSource
from workflows.publish import Publishing
from workflows.queries import Queries
from workflows.remind import Reminders
from workflows.report_back import ReportBacks
from workflows.subscriptions import SubscriptionKeeper

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

logger = logging.getLogger(__name__)

# A new or changed file in the local folder is listed again this much later and read only if unchanged.
LOCAL_RECHECK_SECONDS = 2.0


async def freeze_startup_heap(app: web.Application) -> None:
    """An on_startup hook for the long-running service (`minutesbot run`), once everything is imported and
    started: move every object alive now out of the garbage collector's reach. The SDKs leave some 150,000
    tracked objects behind at import, and each full collection walked them all (about 0.2 s on this
    machine), a pause that landed on whichever chat turn was running: the tail of the turn latency. Not in
    create_app: tests build many apps in one process, and what they freeze is never collected."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings,
    *,
    graph_credential: AsyncTokenCredential | None = None,
    connector_token: str | None = None,
) -> web.Application:
    """The whole service from its settings: routes, and every lifetime in cleanup_ctx (no globals).
    `graph_credential` and `connector_token` replace the app registration's credentials in tests (a fake
    Graph, a fake Bot Connector); production leaves them None. SourceError when the minutes folder is set but
    missing."""
    if settings.minutes_folder is not None and not settings.minutes_folder.is_dir():
        # Before anything starts: a mistyped folder is one `fel:` line at start, not a warning every poll.
        raise SourceError(
            f"MINUTESBOT_MINUTES_FOLDER: mappen {settings.minutes_folder} finns inte (eller är ingen mapp)"
        )
    app = web.Application()
    app[SETTINGS] = settings
    app[GROUPS] = load_group_config(settings)  # a broken group file stops the start here: one `fel:` line
    app[GRAPH_CREDENTIAL] = graph_credential
    app[CONNECTOR_TOKEN] = connector_token
    app.cleanup_ctx.append(_store_lifetime)
    app.cleanup_ctx.append(_ingestion_lifetime)
    app.cleanup_ctx.append(_planner_lifetime)
    app.cleanup_ctx.append(_scheduler_lifetime)
    if settings.teams_enabled:
        app.cleanup_ctx.append(_teams_lifetime)
    else:
        logger.info("Teams endpoint off: MINUTESBOT_BOT_APP_ID is not set")
    add_routes(app, teams=settings.teams_enabled)
    return app


def _now() -> datetime:
    return datetime.now(UTC)


def _worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


async def _store_lifetime(app: web.Application) -> AsyncIterator[None]:
    async with store_context(app[SETTINGS].database_url) as store:
        app[STORE] = store
        unbound = await store.count_unbound_conversations()
        # Groups kept apart: a conversation that follows no group gets nothing; say how many there are.
        logger.log(
            logging.WARNING if unbound else logging.DEBUG,
            "%d channels or group chats follow no group (they get no cards): bind them with "
            "'minutesbot channels bind CONVERSATION GROUP', or say 'följ GROUP' there",
            unbound,
        )
        yield


async def _ingestion_lifetime(app: web.Application) -> AsyncIterator[None]:
    """The sources (the local folder, a SharePoint library with its subscription), the read servers, and the
    runs over them; the folder is watched here, SharePoint polled by the scheduler."""
    settings, store = app[SETTINGS], app[STORE]
    await save_rosters(app[GROUPS], RosterRepository(store.database))
    async with contextlib.AsyncExitStack() as stack:
        sources: dict[str, DocumentSource] = {}
        keepers = []
        app[DIRECTORY] = None
        if settings.minutes_folder is not None:
            local = LocalFolderSource(
                settings.minutes_folder,
                store,
                recheck_after=min(LOCAL_RECHECK_SECONDS, settings.local_poll_seconds),
                max_key_length=store.max_key_length,
            )
            sources[local.name] = local
        if settings.sharepoint_library_url:
            connection = await stack.enter_async_context(
                sharepoint_connection(
                    settings.sharepoint_library_url, settings, store, credential=app[GRAPH_CREDENTIAL]
                )
            )
            sources[connection.source.name] = connection.source
            app[DIRECTORY] = connection.directory
            if connection.subscriber is not None:
                keeper = SubscriptionKeeper(connection.subscriber, store, connection.source.name, _now)
                keepers.append((keeper, connection.source))
        readers = SandboxPool()  # one read server per core, each forking a limited child per document
        stack.push_async_callback(readers.close)
        ingestor = Ingestor(
            store=DocumentRepository(store.database),
            clock=_now,
            analyser=readers.read_and_extract,
            max_bytes=settings.max_document_bytes,
            reads_ahead=readers.reads_ahead(settings.max_document_bytes),
            settle=timedelta(seconds=settings.settle_seconds),
            source_groups=app[GROUPS].source_groups,
            review_first=app[GROUPS].review_first,
        )
        ingestion = Ingestion(ingestor, sources)
        subscriptions = LibrarySubscriptions(ingestion, keepers)
        app[INGESTION], app[SUBSCRIPTIONS] = ingestion, subscriptions
        tasks = [
            asyncio.create_task(
                watch_local_folders(ingestion, settings.local_poll_seconds), name="poll sources"
            )
        ]
        if keepers:
            tasks.append(asyncio.create_task(subscriptions.keep_after_start(), name="subscribe"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await ingestion.stop()


async def _planner_lifetime(app: web.Application) -> AsyncIterator[None]:
    """Planner, both ways, when a group's file (or `minutesbot planner link`) links a plan: the adapter on its
    own Graph client, the groups' files applied to the store's links, the sync the scheduler polls with."""
    settings, store, groups = app[SETTINGS], app[STORE], app[GROUPS]
    app[PLANNER] = None
    linked = sum(1 for link in await store.plan_links() if link.active)  # by `minutesbot planner link`
    if not planner_wanted(groups, linked):
        yield
        return
    async with planner_connection(settings, credential=app[GRAPH_CREDENTIAL]) as connection:
        if connection.api is None:
            logger.warning("Planner is off: %s", connection.refusal)
        else:
            sync = PlannerSync(
                store,
                connection.api,
                groups.planner,
                _now,
                policy=settings.item_action_policy,
                request_budget=settings.planner_request_budget,
                not_mine=NotMineRepository(store.database),
            )
            for line in await sync.apply_group_files(_now()):
                logger.info("planner: %s", line)
            app[PLANNER] = sync
        yield


async def _scheduler_lifetime(app: web.Application) -> AsyncIterator[None]:
    """When things happen: polling, reminders, the weekly digest, agendas, subscriptions (APScheduler, leased
    in the store so several instances run each slot once). Each job is one call into a workflow."""
    from scheduler.jobs import SchedulerJobs
    from scheduler.runner import SchedulerConfig, start_scheduler

    settings, store, ingestion, groups = app[SETTINGS], app[STORE], app[INGESTION], app[GROUPS]
    calendars = groups.calendars()
    reminders = Reminders(
        store,
        ReminderRepository(store.database),
        policies=groups.reminder_policies,
        calendars=calendars,
        not_mine=NotMineRepository(store.database),
    )

    report_backs = ReportBacks(
        store,
        ReminderRepository(store.database),
        ItemActions(store, _now, settings.item_action_policy, directory=app[DIRECTORY]),
        _now,
        policies=groups.reminder_policies,
        calendars=calendars,
        groups=groups.groups,
        agenda_lead=groups.agenda_lead,
        report_lead=groups.report_back_lead,
        not_mine=NotMineRepository(store.database),
        directory=app[DIRECTORY],
    )
    for group in await report_backs.without_meetings(_now().date()):
        # Group names only: never a document's text above DEBUG.
        logger.info(
            "group %s gets no report-back: it has no meeting rule ([meetings] rule in its file, or "
            "MINUTESBOT_MEETING_RULES) and no minutes of a later meeting",
            safe_log_field(group),
        )

    async def poll_sources(at: datetime) -> None:
        ingestion.nudge_all()

    async def send_weekly_digest(group: str | None, at: datetime) -> int:
        return await enqueue_weekly_digest(store, group, now=at)

    async def prepare_agenda(at: datetime) -> int:
        return await prepare_agendas(store, calendars, now=at, working_days_before=groups.agenda_lead)

    async def renew_subscriptions(at: datetime) -> None:
        await app[SUBSCRIPTIONS].ensure()

    async def archive_long_past(at: datetime) -> None:
        await archive_stale(store, groups.archive_after_months, now=at)

    jobs = SchedulerJobs(
        poll_sources,
        reminders.tick,
        send_weekly_digest,
        prepare_agenda,
        renew_subscriptions,
        archive_long_past if groups.archive_after_months else None,
        report_backs.tick,
        planner.sync_all if (planner := app[PLANNER]) is not None else None,
    )
    config = SchedulerConfig(
        holder=_worker_name(),
        poll_interval=timedelta(minutes=settings.poll_interval_minutes),
        planner_interval=timedelta(minutes=settings.planner_poll_minutes),
        digest_schedules=groups.digest_cron,
    )
    scheduler = start_scheduler(jobs, config, leases=LeaseRepository(store.database))
    app[SCHEDULER], app[REMINDERS], app[REPORT_BACKS] = scheduler, reminders, report_backs
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)


async def _teams_lifetime(app: web.Application) -> AsyncIterator[None]:
    """The Teams side: handlers over the workflows, the gateway (botbuilder, imported only here: it costs a
    second at start), a rate-limited sender, and the outbox delivery loop."""
    from bot.sending import RateLimitedSender
    from bot.teams_gateway import GatewaySettings, TeamsGateway
    from scheduler.delivery import deliver_forever

    settings, store, ingestion = app[SETTINGS], app[STORE], app[INGESTION]

    async def ingest_now(link: str) -> str:
        ingestion.nudge_all()
        return "Jag läser in nya och ändrade protokoll nu; kortet kommer i kanalen när det är klart."

    report_backs = app[REPORT_BACKS]
    actions = report_backs.actions
    following = Following(store, _now, Administrators.of(settings.administrators))
    handlers = Handlers(
        store,
        Queries(store, _now),
        actions,
        _now,
        ingest_now,
        following,
        Publishing(store, _now),
        report_backs,
    )
    gateway = TeamsGateway(GatewaySettings.of(settings), handlers, connector_token=app[CONNECTOR_TOKEN])
    app[TEAMS] = gateway
    deliverer = Deliverer(
        store,
        RateLimitedSender(gateway),
        _now,
        worker=_worker_name(),
        policies=app[GROUPS].reminder_policies,
        administrators=settings.administrators,
        report_backs=report_backs,
    )
    app[DELIVERER] = deliverer
    loop = asyncio.create_task(deliver_forever(deliverer), name="deliver outbox")
    try:
        yield
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
