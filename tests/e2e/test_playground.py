"""End-to-end tests in the Microsoft 365 Agents Playground (npm @microsoft/m365agentsplayground, pinned in
tests/e2e/package.json), run inside a loopback-only network namespace.

Install once (make test does it): `npm ci --prefix tests/e2e --no-audit --no-fund`. Needs root (or
CAP_SYS_ADMIN) for `ip netns`; the tests SKIP only when namespaces are not permitted or node/npm are missing,
and FAIL for anything else (including a missing `npm ci`); under CI=true they fail instead of skipping.

    .venv/bin/pytest tests/e2e -q            # all of it, about 10 s when the bot is healthy

Each test creates `mb-e2e-<random>` (only `lo` up), runs tests/e2e/scenarios.py inside it with `ip netns
exec` (the driver starts the bot and the Playground, drives the Playground's HTTP API, reads its conversation
stream and writes result.json), then kills what is left in the namespace and deletes it. A failure prints the
failed step, what was observed, the Playground's log of every activity and answer, and the bot's log.
- test_playground_harness_echo: a trivial echo bot (tests/e2e/echo_bot.py): proves namespace, Playground and
  driver work independent of our bot.
- test_minutesbot_end_to_end: `minutesbot run` installed in the team FLG; 'följ FLG' by someone neither
  secretary nor administrator refused, by FLG's secretary accepted; 'följ FSG' by an administrator in the
  Protokoll channel; the minutes samples/000_9fb95432c85b271b.docx dropped into its folder → the summary
  card in the team; an FSG meeting (002) → its card in Protokoll only; a click on an FSG item from the FLG
  channel → the polite refusal, the item unchanged; "mina" in the
  personal chat → Annika's (AA) open items; `done` on one → 200 with a card, the card replaced in place
  (updateMessage) and the item closed in the store; then a report-back: Annika, the Playground's own user,
  answers 'Pågår' with a line about another of her items before the next meeting → her card shows 'Läge från
  AA …' and `minutesbot agenda --docx` carries it under the item.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.e2e.harness import (
    INSTALL_COMMAND,
    PLAYGROUND_BIN,
    PLAYGROUND_VERSION,
    NamespaceUnavailable,
    embedded_config_schema,
    installed_playground_version,
    network_namespace,
    playground_config,
    run_driver,
)
from tests.skips import skip_or_fail

pytestmark = pytest.mark.slow

USER_FIELDS = {"id", "name", "userPrincipleName", "aadObjectId", "givenName", "surname", "email"}


def require_playground() -> None:
    """Skip without node/npm (fail under CI=true); fail when they are there but the pinned Playground is
    not installed."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        skip_or_fail(f"Agents Playground tests need {' and '.join(missing)} (Node 20 + npm)")
    installed = installed_playground_version()
    if installed is None or not PLAYGROUND_BIN.exists():
        pytest.fail(f"the Agents Playground is not installed: run `{INSTALL_COMMAND}`")
    if installed != PLAYGROUND_VERSION:
        pytest.fail(
            f"Agents Playground {installed} installed, {PLAYGROUND_VERSION} pinned: run `{INSTALL_COMMAND}`"
        )


@pytest.fixture
def namespace() -> Iterator[str]:
    require_playground()
    try:
        with network_namespace() as name:
            yield name
    except NamespaceUnavailable as error:
        skip_or_fail(f"network namespaces are not permitted here: {error}")


def test_playground_config_follows_the_schema() -> None:
    """The mock tenant's constraints (the Playground refuses to start otherwise), and the ids the tests
    and the bot's settings rely on."""
    config = playground_config()
    assert config["version"] in ("0.1.0", "0.1.1")
    assert len(config["users"]) == 5
    people = [config["currentUser"], *config["users"]]
    for person in people:
        assert set(person) == USER_FIELDS, person
    assert len({person["id"] for person in people}) == len({person["aadObjectId"] for person in people}) == 6
    assert len(config["bot"]["name"]) <= 42
    assert config["bot"]["id"] == "28:minutesbot"
    assert config["currentUser"]["name"] == "Annika Andersson"
    team: dict[str, Any] = config["team"]
    assert (team["id"], team["name"]) == ("19:flg@thread.tacv2", "FLG")
    assert len(team["channels"]) <= 1 and all(channel["id"] != team["id"] for channel in team["channels"])
    if installed_playground_version() == PLAYGROUND_VERSION:  # and exactly what the pinned version enforces
        jsonschema.Draft7Validator(embedded_config_schema()).validate(config)


def test_playground_harness_echo(namespace: str, tmp_path: Path) -> None:
    result = run_driver(namespace, "echo", tmp_path / "echo", timeout=30)
    assert result.ok, result.explain()
    assert result.observed("install in team")["bot_received"] == ["conversationUpdate", "installationUpdate"]
    assert result.observed("mention in team channel")["conversation"].startswith(
        "19:flg@thread.tacv2;messageid="
    )
    assert result.observed("click Action.Execute")["status"] == 200


def test_minutesbot_end_to_end(namespace: str, tmp_path: Path) -> None:
    result = run_driver(namespace, "minutesbot", tmp_path / "minutesbot", timeout=90)
    assert result.ok, result.explain()
    assert "FLG" in result.observed("summary card in the team")["card"]
    # Groups kept apart: FSG's card only in the channel following FSG, an FSG click from FLG's channel
    # refused, and 'följ' by someone neither secretary nor administrator refused.
    assert result.observed("an FSG meeting reaches only where FSG is followed")["conversation"].startswith(
        "19:protokoll@thread.tacv2"
    )
    assert "öppen" in result.observed("a click on an FSG item from the FLG channel is refused")["row"]
    assert result.observed("mina in personal chat")["items"]
    assert result.observed("click done")["status"] == 200
