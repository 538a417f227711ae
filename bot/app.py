"""The composition root: create_app(settings) wires store, sources and ingestion into one aiohttp app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from bot.handlers import Handlers
from bot.settings import Settings
from bot.sources import sharepoint_connection
from minutes.calendar import MeetingCalendar
from minutes.logsafe import safe_log_field
from minutes.records import SourceError
from minutes.roster import RosterError, parse_roster_toml
from store.engine import store_context
from store.repository import SqlStore
from workflows.agenda import prepare_agendas
from workflows.deliver import Deliverer
from workflows.digest import enqueue_weekly_digest
from workflows.following import Administrators, Following
from workflows.ingest import Ingestor, IngestReport, Outcome, SourceGroups
from workflows.item_actions import ItemActions
from workflows.local_folder import LocalFolderSource
from workflows.owners import UserDirectory
from workflows.ports import DocumentSource, RosterStore
from workflows.queries import Queries
from workflows.remind import Reminders
from workflows.runs import CoalescingRuns
from workflows.sandbox import SandboxPool
from workflows.subscriptions import SubscriptionKeeper

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from azure.core.credentials_async import AsyncTokenCredential

    from bot.teams_gateway import TeamsGateway
    from graph.sharepoint import SharePointSource

logger = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
GRAPH_CREDENTIAL: web.AppKey[AsyncTokenCredential | None] = web.AppKey("graph_credential")
STORE = web.AppKey("store", SqlStore)
# Finds item owners by display name (Graph, with SharePoint configured); None without Graph.
DIRECTORY: web.AppKey[UserDirectory | None] = web.AppKey("directory")


@dataclass
class Ingestion:
    """The configured sources and the runs over them: at most one run per source at a time, and nudges that
    arrive during a run coalesce into exactly one more run afterwards (workflows.runs.CoalescingRuns)."""

    ingestor: Ingestor
    sources: dict[str, DocumentSource]
    on_reports: Callable[[str, list[IngestReport]], Awaitable[None]] | None = None
    last_success: dict[str, datetime] = field(default_factory=dict)
    _runs: CoalescingRuns = field(init=False)

    def __post_init__(self) -> None:
        self._runs = CoalescingRuns(self._run_once, label="ingest")

    def nudge(self, name: str) -> None:
        """Ask for a run of one source soon; never two at once for the same source."""
        if name in self.sources:
            self._runs.nudge(name)

    def nudge_all(self) -> None:
        for name in self.sources:
            self.nudge(name)

    async def _run_once(self, name: str) -> None:
        try:
            reports = await self.ingestor.run(self.sources[name])
        except SourceError as error:
            logger.warning("source %s unavailable: %s", safe_log_field(name), safe_log_field(error.message))
            return
        self.last_success[name] = datetime.now(UTC)
        _log_reports(name, reports)
        if self.on_reports is not None and reports:
            await self.on_reports(name, reports)

    async def idle(self) -> None:
        """Wait until no run is in flight (tests and shutdown)."""
        await self._runs.wait_idle()

    async def stop(self) -> None:
        await self._runs.close()


INGESTION = web.AppKey("ingestion", Ingestion)
SUBSCRIBED = web.AppKey("subscribed", dict[str, str])  # subscription id → source name
CONNECTOR_TOKEN: web.AppKey[str | None] = web.AppKey("connector_token")
TEAMS: web.AppKey[TeamsGateway] = web.AppKey("teams")
DELIVERER = web.AppKey("deliverer", Deliverer)
DELIVERY_INTERVAL_SECONDS = 2.0
DELIVERY_BATCH = 50
KEEPERS: web.AppKey[list[tuple[SubscriptionKeeper, SharePointSource]]] = web.AppKey("keepers")
# What the scheduler was started with, kept for inspection (the tests read it).
SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("scheduler")
REMINDERS = web.AppKey("reminders", Reminders)

MAX_NOTIFICATION_BYTES = 1_000_000
# A new or changed file in the local folder is listed again this much later and read only if unchanged.
LOCAL_RECHECK_SECONDS = 2.0
SUBSCRIBE_AFTER_START_SECONDS = 2.0


def _log_reports(name: str, reports: list[IngestReport]) -> None:
    for report in reports:
        if report.outcome is Outcome.FAILED:
            logger.warning(
                "%s: %s could not be ingested", safe_log_field(name), safe_log_field(report.document_key)
            )
    if reports:
        logger.info("%s: %d files handled", safe_log_field(name), len(reports))


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
    app[GRAPH_CREDENTIAL] = graph_credential
    app[CONNECTOR_TOKEN] = connector_token
    app.cleanup_ctx.append(_store_lifetime)
    app.cleanup_ctx.append(_ingestion_lifetime)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_post("/api/graph/notifications", graph_notifications)
    app.cleanup_ctx.append(_scheduler_lifetime)
    if settings.teams_enabled:
        app.cleanup_ctx.append(_teams_lifetime)
        app.router.add_post("/api/messages", teams_messages)
    else:
        logger.info("Teams endpoint off: MINUTESBOT_BOT_APP_ID is not set")
    return app


async def teams_messages(request: web.Request) -> web.Response:
    return await request.app[TEAMS].process(request)


async def _teams_lifetime(app: web.Application) -> AsyncIterator[None]:
    """The Teams side: handlers over the workflows, the gateway (botbuilder, imported only here: it costs a
    second at start), a rate-limited sender, and the outbox delivery loop."""
    from bot.sending import RateLimitedSender
    from bot.teams_gateway import GatewaySettings, TeamsGateway

    settings, store, ingestion = app[SETTINGS], app[STORE], app[INGESTION]

    async def ingest_now(link: str) -> str:
        ingestion.nudge_all()
        return "Jag läser in nya och ändrade protokoll nu; kortet kommer i kanalen när det är klart."

    actions = ItemActions(store, _now, settings.item_action_policy, directory=app[DIRECTORY])
    following = Following(store, _now, Administrators.of(settings.administrators))
    handlers = Handlers(store, Queries(store, _now), actions, _now, ingest_now, following)
    gateway = TeamsGateway(GatewaySettings.of(settings), handlers, connector_token=app[CONNECTOR_TOKEN])
    app[TEAMS] = gateway
    deliverer = Deliverer(
        store,
        RateLimitedSender(gateway),
        _now,
        worker=f"{socket.gethostname()}-{os.getpid()}",
        policies=settings.reminder_group_policies,
        administrators=settings.administrators,
    )
    app[DELIVERER] = deliverer
    loop = asyncio.create_task(_deliver(deliverer), name="deliver outbox")
    try:
        yield
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)


async def _deliver(deliverer: Deliverer) -> None:
    """Send what the outbox holds: at once while batches come back full, else every few seconds; a failure
    is logged and retried on the next round (the message stays in the outbox)."""
    while True:
        sent = 0
        try:
            sent = await deliverer.run_once(limit=DELIVERY_BATCH)
        except Exception:  # the loop must outlive any one bad round
            logger.exception("outbox delivery round failed")
        if sent < DELIVERY_BATCH:
            await asyncio.sleep(DELIVERY_INTERVAL_SECONDS)


async def _scheduler_lifetime(app: web.Application) -> AsyncIterator[None]:
    """When things happen: polling, reminders, the weekly digest, agendas, subscriptions (APScheduler, leased
    in the store so several instances run each slot once). Each job is one call into a workflow."""
    from scheduler.jobs import SchedulerJobs
    from scheduler.runner import SchedulerConfig, start_scheduler

    settings, store, ingestion = app[SETTINGS], app[STORE], app[INGESTION]
    calendars = {
        group: MeetingCalendar.configured(rules=[rule]) for group, rule in settings.meeting_rules.items()
    }
    reminders = Reminders(
        store, store, policies=settings.reminder_group_policies, calendars=calendars, not_mine=store
    )

    async def poll_sources(at: datetime) -> None:
        ingestion.nudge_all()

    async def send_weekly_digest(group: str | None, at: datetime) -> int:
        return await enqueue_weekly_digest(store, group, now=at)

    async def prepare_agenda(at: datetime) -> int:
        return await prepare_agendas(store, calendars, now=at, working_days_before=settings.agenda_lead)

    async def renew_subscriptions(at: datetime) -> None:
        await _ensure_subscriptions(app)

    jobs = SchedulerJobs(
        poll_sources, reminders.tick, send_weekly_digest, prepare_agenda, renew_subscriptions
    )
    holder = f"{socket.gethostname()}-{os.getpid()}"
    config = SchedulerConfig(
        holder=holder,
        poll_interval=timedelta(minutes=settings.poll_interval_minutes),
        digest_schedules=settings.digest_cron,
    )
    scheduler = start_scheduler(jobs, config, leases=store)
    app[SCHEDULER], app[REMINDERS] = scheduler, reminders
    try:
        yield
    finally:
        scheduler.shutdown(wait=False)


async def _store_lifetime(app: web.Application) -> AsyncIterator[None]:
    async with store_context(app[SETTINGS].database_url) as store:
        app[STORE] = store
        unbound = await store.count_unbound_conversations()
        # Groups kept apart: a conversation that follows no group gets nothing; say how many there are.
        logger.log(
            logging.WARNING if unbound else logging.INFO,
            "%d channels or group chats follow no group (they get no cards): bind them with "
            "'minutesbot channels bind CONVERSATION GROUP', or say 'följ GROUP' there",
            unbound,
        )
        yield


async def _ingestion_lifetime(app: web.Application) -> AsyncIterator[None]:
    settings, store = app[SETTINGS], app[STORE]
    if settings.roster_dir is not None:
        await load_rosters(settings.roster_dir, store)
    async with contextlib.AsyncExitStack() as stack:
        sources: dict[str, DocumentSource] = {}
        keepers: list[tuple[SubscriptionKeeper, SharePointSource]] = []
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
            store=store,
            clock=_now,
            analyser=readers.read_and_extract,
            max_bytes=settings.max_document_bytes,
            reads_ahead=readers.reads_ahead(settings.max_document_bytes),
            settle=timedelta(seconds=settings.settle_seconds),
            source_groups=SourceGroups.parse(settings.source_groups),
        )
        ingestion = Ingestion(ingestor, sources)
        app[INGESTION] = ingestion
        app[SUBSCRIBED] = {}
        tasks = [asyncio.create_task(_poll(ingestion, settings), name="poll sources")]
        app[KEEPERS] = keepers
        if keepers:
            tasks.append(asyncio.create_task(_keep_subscriptions(app), name="subscribe"))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await ingestion.stop()


def _now() -> datetime:
    return datetime.now(UTC)


async def _keep_subscriptions(app: web.Application) -> None:
    """Subscribe once the server answers Graph's validation call; the scheduler renews every hour after."""
    await asyncio.sleep(SUBSCRIBE_AFTER_START_SECONDS)
    await _ensure_subscriptions(app)


async def _ensure_subscriptions(app: web.Application) -> None:
    """Create or renew each library's subscription; a new one is followed by a delta run (nothing before it
    was notified)."""
    for keeper, source in app[KEEPERS]:
        try:
            library = await source.resolve()
        except SourceError as error:
            logger.warning(
                "library %s not reachable: %s", safe_log_field(source.name), safe_log_field(error.message)
            )
            continue
        subscription, created = await keeper.ensure(library.drive_id)
        if subscription is not None:
            app[SUBSCRIBED][subscription.id] = source.name
        if created:
            app[INGESTION].nudge(source.name)


async def graph_notifications(request: web.Request) -> web.Response:
    """Graph's webhook: echo the validation token, else acknowledge at once (202) and nudge one delta run
    per library whose clientState matched; the run itself happens after the answer."""
    settings = request.app[SETTINGS]
    if settings.graph_client_state is None:
        raise web.HTTPNotFound()
    body = await read_body(request, MAX_NOTIFICATION_BYTES)
    from graph.subscriptions import handle_notification  # msgraph is loaded only where Graph is configured

    outcome = handle_notification(request.query, body, settings.graph_client_state.get_secret_value())
    if outcome.validation_token is not None:
        return web.Response(
            text=outcome.validation_token,
            content_type="text/plain",
            headers={"X-Content-Type-Options": "nosniff"},
        )
    if outcome.malformed:
        raise web.HTTPBadRequest()
    subscribed = request.app[SUBSCRIBED]
    for subscription_id in outcome.subscription_ids:
        name = subscribed.get(subscription_id)
        if name is not None:
            request.app[INGESTION].nudge(name)
    return web.Response(status=202)


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body however many pieces it arrives in (a read returns what has arrived so far); 413 past
    `limit`, known from Content-Length before anything is read, else as soon as the body passes it."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=request.content_length)
    body = bytearray()
    while chunk := await request.content.read(limit + 1 - len(body)):
        body += chunk
        if len(body) > limit:
            raise web.HTTPRequestEntityTooLarge(max_size=limit, actual_size=len(body))
    return bytes(body)


async def load_rosters(folder: Path, rosters: RosterStore) -> list[str]:
    """Every *.toml roster in the folder into the store, at start-up; a broken file stops the start."""
    groups: list[str] = []
    for path, text in await asyncio.to_thread(_read_rosters, folder):
        try:
            if isinstance(text, Exception):
                raise text
            group, entries = parse_roster_toml(text)
        except RosterError as error:
            raise RosterError(f"{path.name}: {error.message}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise RosterError(f"{path.name} kan inte läsas ({type(error).__name__})") from None
        await rosters.save_roster(group, entries)
        groups.append(group)
    return groups


def _read_rosters(folder: Path) -> list[tuple[Path, str | Exception]]:
    found: list[tuple[Path, str | Exception]] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            found.append((path, path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            found.append((path, error))
    return found


async def _poll(ingestion: Ingestion, settings: Settings) -> None:
    """Watch the local folder (listing it costs nothing); SharePoint is polled by the scheduler's
    'sources.poll' job and triggered by change notifications. Every source is read once at start."""
    ingestion.nudge_all()
    while True:
        await asyncio.sleep(settings.local_poll_seconds)
        for name, source in ingestion.sources.items():
            if isinstance(source, LocalFolderSource):
                ingestion.nudge(name)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """Ready once the store answers; the sources' last successful runs are reported, not required."""
    store, ingestion = request.app[STORE], request.app[INGESTION]
    try:
        await store.get_cursor("readyz")
    except Exception:  # any store failure means not ready; the reason is logged, not shown
        logger.exception("store not ready")
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response(
        {
            "status": "ready",
            "sources": {name: ingestion.last_success.get(name) is not None for name in ingestion.sources},
        }
    )
