"""Planner through the composition root: on when a group's file names a plan and the app's token carries
Tasks.ReadWrite.All (then polled by the scheduler, and its tasks made from the ingested minutes); off, saying why,
without that permission; never asked about when no group wants it."""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from azure.core.credentials import AccessToken

from bot.app import create_app
from bot.keys import PLANNER, SCHEDULER, STORE
from bot.settings import Settings
from tests.bot.test_app_teams import ROSTER, SAMPLES
from tests.fake_graph import FakeGraph, GraphState
from tests.fake_planner import FakePlan

M365_GROUP = "0a0a0a0a-0000-4000-8000-000000000001"


class RolesCredential:
    """An app-only credential whose token carries `roles`, as Entra ID's does."""

    def __init__(self, *roles: str) -> None:
        self.roles = list(roles)
        self.requests = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requests += 1
        claims = base64.urlsafe_b64encode(json.dumps({"roles": self.roles}).encode()).decode().rstrip("=")
        return AccessToken(f"eyJhbGciOiJSUzI1NiJ9.{claims}.c2ln", int(time.time()) + 3600)

    async def close(self) -> None:
        pass


@pytest.fixture
def plan(state: GraphState) -> FakePlan:
    return state.planner.add_plan(M365_GROUP, "FLG")


def settings_for(tmp_path: Path, fake: FakeGraph, planner_table: str) -> Settings:
    folder, rosters = tmp_path / "protokoll", tmp_path / "rosters"
    folder.mkdir(exist_ok=True)
    rosters.mkdir(exist_ok=True)
    shutil.copy(SAMPLES / "000_9fb95432c85b271b.docx", folder / "flg.docx")
    (rosters / "flg.toml").write_text(ROSTER + planner_table, encoding="utf-8")
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
        minutes_folder=folder,
        roster_dir=rosters,
        graph_base_url=fake.base_url,
        local_poll_seconds=1,
        settle_seconds=0,
    )


@pytest.fixture
async def started(
    request: pytest.FixtureRequest, tmp_path: Path, fake: FakeGraph, plan: FakePlan
) -> AsyncIterator[tuple[TestClient[Any, Any], RolesCredential]]:
    roles, table = request.param
    credential = RolesCredential(*roles)
    settings = settings_for(tmp_path, fake, table.format(plan=plan.id))
    async with TestClient(
        TestServer(create_app(settings, graph_credential=credential), host="127.0.0.1")
    ) as client:  # type: ignore[arg-type]
        yield client, credential


ON = (("Tasks.ReadWrite.All",), '\n[planner]\nplan = "{plan}"\n')


@pytest.mark.parametrize("started", [ON], indirect=True)
async def test_a_linked_group_is_polled_and_its_items_become_tasks(
    started: tuple[TestClient[Any, Any], RolesCredential], state: GraphState, plan: FakePlan, fake: FakeGraph
) -> None:
    client, _ = started
    app = client.app
    sync = app[PLANNER]
    assert sync is not None
    assert "planner.sync" in {job.id for job in app[SCHEDULER].get_jobs()}
    store = app[STORE]
    for _ in range(200):  # the folder watch reads the minutes within a second or two
        if await store.group_items("FLG"):
            break
        await asyncio.sleep(0.05)
    reports = await sync.sync_all(datetime.now(UTC))
    items = [i for i in await store.group_items("FLG") if i.status.value == "open"]
    assert reports[0].created == len(items) == len(state.planner.live_tasks(plan.id)) > 0
    assert fake.problems == []


@pytest.mark.parametrize(
    "started",
    [((), ON[1]), (("Sites.Selected",), ON[1])],
    indirect=True,
    ids=["no roles", "another permission"],
)
async def test_without_the_permission_planner_is_off(
    started: tuple[TestClient[Any, Any], RolesCredential], state: GraphState
) -> None:
    client, credential = started
    app = client.app
    assert app[PLANNER] is None and credential.requests == 1
    assert "planner.sync" not in {job.id for job in app[SCHEDULER].get_jobs()}
    assert state.planner.requests == []


@pytest.mark.parametrize("started", [(("Tasks.ReadWrite.All",), "")], indirect=True)
async def test_no_group_wants_planner_so_nobody_asks(
    started: tuple[TestClient[Any, Any], RolesCredential],
) -> None:
    client, credential = started
    assert client.app[PLANNER] is None and credential.requests == 0
