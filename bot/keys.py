"""The app keys through which the composition root's lifetimes hand the service's parts to routes and tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.group_config import GroupConfig
from bot.ingestion import Ingestion, LibrarySubscriptions
from bot.settings import Settings
from store.repository import SqlStore
from workflows.deliver import Deliverer
from workflows.owners import UserDirectory
from workflows.planner_sync import PlannerSync
from workflows.remind import Reminders
from workflows.report_back import ReportBacks

if TYPE_CHECKING:
    from apscheduler.schedulers.asyncio import AsyncIOScheduler
    from azure.core.credentials_async import AsyncTokenCredential

    from bot.teams_gateway import TeamsGateway

SETTINGS = web.AppKey("settings", Settings)
# Each group's people and settings: its file in the roster folder, the environment laid over it.
GROUPS = web.AppKey("groups", GroupConfig)
GRAPH_CREDENTIAL: web.AppKey[AsyncTokenCredential | None] = web.AppKey("graph_credential")
CONNECTOR_TOKEN: web.AppKey[str | None] = web.AppKey("connector_token")
STORE = web.AppKey("store", SqlStore)
# Finds item owners by display name (Graph, with SharePoint configured); None without Graph.
DIRECTORY: web.AppKey[UserDirectory | None] = web.AppKey("directory")
INGESTION = web.AppKey("ingestion", Ingestion)
SUBSCRIPTIONS = web.AppKey("subscriptions", LibrarySubscriptions)
TEAMS: web.AppKey[TeamsGateway] = web.AppKey("teams")
DELIVERER = web.AppKey("deliverer", Deliverer)
# What the scheduler was started with, kept for inspection (the tests read it).
SCHEDULER: web.AppKey[AsyncIOScheduler] = web.AppKey("scheduler")
REMINDERS = web.AppKey("reminders", Reminders)
# The report-back before meetings: its tick runs with the reminders', its buttons in the handlers.
REPORT_BACKS = web.AppKey("report_backs", ReportBacks)
# The Planner sync, when a group's file links a plan and the app may use Planner; None otherwise.
PLANNER: web.AppKey[PlannerSync | None] = web.AppKey("planner")
