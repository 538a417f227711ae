"""Wire Planner from Settings: the Graph adapter (graph/planner.py) on its own Graph client, when a group's file asks
for Planner and the app registration may use it; else off, saying why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.group_config import GroupConfig
from bot.settings import Settings
from workflows.ports import PlannerApi

if TYPE_CHECKING:
    from azure.core.credentials_async import AsyncTokenCredential

# The application permission Planner needs (tenant-wide: README says what it is used for).
PLANNER_ROLE = "Tasks.ReadWrite.All"


def planner_wanted(groups: GroupConfig, linked: int = 0) -> bool:
    """A group's file turns Planner on, or the store still has plans linked (by `minutesbot planner link`)."""
    return linked > 0 or any(rule.enabled for rule in groups.planner.values())


NO_REGISTRATION = (
    "Planner kräver appregistreringen (MINUTESBOT_TENANT_ID, MINUTESBOT_CLIENT_ID och MINUTESBOT_CLIENT_SECRET "
    "eller MINUTESBOT_CERTIFICATE_PATH) med applikationsbehörigheten Tasks.ReadWrite.All"
)
NO_PERMISSION = (
    "appregistreringen saknar applikationsbehörigheten Tasks.ReadWrite.All (med administratörsmedgivande), "
    "så Planner kan inte användas"
)
UNKNOWN_PERMISSION = (
    "appregistreringens behörigheter gick inte att läsa ur dess token, så Planner används inte "
    "(Tasks.ReadWrite.All krävs)"
)


@dataclass(frozen=True, slots=True)
class PlannerConnection:
    """The Planner adapter, or why there is none (one Swedish line, for the CLI and the start-up log)."""

    api: PlannerApi | None
    refusal: str | None = None


@asynccontextmanager
async def planner_connection(
    settings: Settings, *, credential: AsyncTokenCredential | None = None
) -> AsyncIterator[PlannerConnection]:
    """The Planner adapter over one Graph client, closed on the way out; without one when Planner cannot be used
    (no app registration, or the app lacks Tasks.ReadWrite.All, read from the roles in its token). A credential
    passed in (tests) stays its owner's to close."""
    from graph.client import close_graph_client, make_credential, make_graph_client
    from graph.permissions import app_roles
    from graph.planner import GraphPlanner

    owned = credential is None
    if credential is None:
        if not settings.graph_configured:
            yield PlannerConnection(None, NO_REGISTRATION)
            return
        credential = make_credential(
            settings.tenant_id,
            settings.client_id,
            client_secret=settings.client_secret.get_secret_value() if settings.client_secret else None,
            certificate_path=str(settings.certificate_path) if settings.certificate_path else None,
        )
    try:
        roles = await app_roles(credential, base_url=settings.graph_base_url)
        if roles is None or PLANNER_ROLE not in roles:
            yield PlannerConnection(None, UNKNOWN_PERMISSION if roles is None else NO_PERMISSION)
            return
        graph = make_graph_client(credential, base_url=settings.graph_base_url)
        try:
            yield PlannerConnection(
                GraphPlanner(graph, requests_per_second=settings.planner_requests_per_second)
            )
        finally:
            await close_graph_client(graph)
    finally:
        if owned:
            await credential.close()
