"""The Agents Playground harness: a loopback-only network namespace, the processes in it, and a client for the
Playground's HTTP and WebSocket API.

Two halves, because only a process inside the namespace can reach the Playground:
- outside (the pytest process, root): `network_namespace()` creates `mb-e2e-<random>` with only `lo` up and
  deletes it afterwards, killing whatever still runs in it; `run_driver()` starts `python -m
  tests.e2e.scenarios SCENARIO` inside it and returns its JSON result.
- inside (the driver): `Run` (steps, timeouts, child processes, logs) and `Playground` (the HTTP API and the
  conversation stream). See tests/e2e/scenarios.py.

The Playground (npm @microsoft/m365agentsplayground, pinned in tests/e2e/package.json) creates an App Insights
client even with --disable-telemetry, hence the namespace: nothing it starts can leave loopback.
Install it with `npm ci --prefix tests/e2e --no-audit --no-fund`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = ROOT / "tests" / "e2e"
PLAYGROUND_BIN = E2E_DIR / "node_modules" / ".bin" / "agentsplayground"
PLAYGROUND_CONFIG = E2E_DIR / ".m365agentsplayground.yml"
PLAYGROUND_PACKAGE_NAME = "@microsoft/m365agentsplayground"
# The pinned version: tests/e2e/package.json (exact, with package-lock.json) is the only place it is written.
PLAYGROUND_VERSION: str = json.loads((E2E_DIR / "package.json").read_text(encoding="utf-8"))[
    "devDependencies"
][PLAYGROUND_PACKAGE_NAME]
INSTALL_COMMAND = "npm ci --prefix tests/e2e --no-audit --no-fund"
NAMESPACE_PREFIX = "mb-e2e-"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"


def playground_config(path: Path = PLAYGROUND_CONFIG) -> dict[str, Any]:
    """The mock tenant: the YAML file is JSON after its leading `#` comment lines (see the file)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    body = "\n".join(line for line in lines if not line.lstrip().startswith("#"))
    config: dict[str, Any] = json.loads(body)
    return config


PLAYGROUND_PACKAGE = E2E_DIR / "node_modules" / "@microsoft" / "m365agentsplayground"
_SCHEMA_ID = '"$id":"https://aka.ms/teams-app-test-tool-config/0.1.1/config.schema.json"'


def installed_playground_version() -> str | None:
    manifest = PLAYGROUND_PACKAGE / "package.json"
    if not manifest.is_file():
        return None
    version: str = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return version


def embedded_config_schema() -> dict[str, Any]:
    """The config file's JSON schema as the installed Playground embeds it (a `JSON.parse('…')` literal in
    dist/index.js), so the file is checked against exactly what the pinned version enforces at start-up."""
    bundle = (PLAYGROUND_PACKAGE / "dist" / "index.js").read_text(encoding="utf-8")
    at = bundle.index(_SCHEMA_ID)
    start = bundle.rindex("JSON.parse('", 0, at) + len("JSON.parse('")
    end = bundle.index("')", at)
    literal = bundle[start:end]
    unescaped, index = [], 0
    while index < len(literal):  # a single-quoted JS string: backslash escapes the next character
        if literal[index] == "\\":
            index += 1
        unescaped.append(literal[index])
        index += 1
    schema: dict[str, Any] = json.loads("".join(unescaped))
    return schema


def initials(user: Mapping[str, Any]) -> str:
    return f"{user['givenName'][0]}{user['surname'][0]}".upper()


# --------------------------------------------------------------------------------------------------------
# Outside the namespace
# --------------------------------------------------------------------------------------------------------


class NamespaceUnavailable(Exception):
    """Network namespaces are not permitted here (no CAP_SYS_ADMIN, no iproute2): the tests skip."""


_NOT_PERMITTED = ("operation not permitted", "permission denied")


def _ip(*args: str, timeout: float = 10) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=timeout, check=False)


def namespace_pids(name: str) -> list[int]:
    listed = _ip("netns", "pids", name)
    return [int(pid) for pid in listed.stdout.split() if pid.isdigit()]


@contextlib.contextmanager
def network_namespace() -> Iterator[str]:
    """A fresh namespace with only loopback up. On exit every process still in it is killed (by pid; all
    of them were started by this test) and the namespace is deleted, also when the test failed."""
    if shutil.which("ip") is None:
        raise NamespaceUnavailable("`ip` (iproute2) is not installed")
    name = NAMESPACE_PREFIX + secrets.token_hex(4)
    added = _ip("netns", "add", name)
    if added.returncode != 0:
        if any(words in added.stderr.lower() for words in _NOT_PERMITTED):
            raise NamespaceUnavailable(f"`ip netns add` is not permitted: {added.stderr.strip()}")
        raise RuntimeError(f"`ip netns add {name}` failed ({added.returncode}): {added.stderr.strip()}")
    try:
        up = _ip("netns", "exec", name, "ip", "link", "set", "lo", "up")
        if up.returncode != 0:
            if any(words in up.stderr.lower() for words in _NOT_PERMITTED):
                raise NamespaceUnavailable(f"`ip netns exec` is not permitted: {up.stderr.strip()}")
            raise RuntimeError(f"`ip link set lo up` in {name} failed: {up.stderr.strip()}")
        yield name
    finally:
        _empty_namespace(name)
        deleted = _ip("netns", "del", name)
        if deleted.returncode != 0:
            raise RuntimeError(f"`ip netns del {name}` failed: {deleted.stderr.strip()}")


def _empty_namespace(name: str) -> None:
    deadline = time.monotonic() + 5
    while pids := namespace_pids(name):
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if time.monotonic() > deadline:
            raise RuntimeError(f"processes {pids} survive in namespace {name}")
        time.sleep(0.05)


@dataclass
class DriverResult:
    """What the driver reported (result.json) plus its exit code and output, for assertion messages."""

    returncode: int | None
    result: dict[str, Any] | None
    output: str
    workdir: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.result is not None and self.result.get("ok") is True

    def observed(self, step: str) -> dict[str, Any]:
        for record in (self.result or {}).get("steps", []):
            if record["step"] == step:
                observed: dict[str, Any] = record["observed"]
                return observed
        raise KeyError(f"no step {step!r} in the driver's result")

    def explain(self) -> str:
        """The failure, the steps before it, and the tails of every log the run left."""
        lines = [f"driver exit code: {self.returncode}"]
        if self.result is None:
            lines.append("no result.json (the driver died or timed out)")
        else:
            for record in self.result.get("steps", []):
                lines.append(f"  step {record['step']}: {record['status']} in {record['seconds']:.2f}s")
            failure = self.result.get("failure")
            if failure:
                lines.append(f"FAILED at step {failure['step']!r}: {failure['message']}")
        if self.output.strip():
            lines += ["--- driver output (tail) ---", _tail(self.output)]
        for log in sorted(self.workdir.glob("*.log")) + sorted(self.workdir.glob("*.jsonl")):
            text = log.read_text(encoding="utf-8", errors="replace")
            lines += [f"--- {log.name} (tail) ---", _tail(text)]
        return "\n".join(lines)


def _tail(text: str, lines: int = 40, width: int = 400) -> str:
    return "\n".join(line[:width] for line in text.strip().splitlines()[-lines:])


def run_driver(
    namespace: str, scenario: str, workdir: Path, *, timeout: float, options: Sequence[str] = ()
) -> DriverResult:
    """Run one scenario of tests/e2e/scenarios.py inside the namespace. The driver has its own deadline
    (timeout - 5 s) and writes result.json; this one only guards against a hung driver."""
    workdir.mkdir(parents=True, exist_ok=True)
    command = [
        "ip", "netns", "exec", namespace,
        sys.executable, "-m", "tests.e2e.scenarios", scenario,
        "--workdir", str(workdir), "--deadline", str(max(5.0, timeout - 5)), *options,
    ]  # fmt: skip
    with subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the driver and its children form one process group
    ) as driver:
        try:
            output, _ = driver.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(driver.pid, signal.SIGKILL)
            output, _ = driver.communicate()
            output += f"\n[harness] driver killed after {timeout}s"
    result_path = workdir / "result.json"
    result = json.loads(result_path.read_text(encoding="utf-8")) if result_path.is_file() else None
    return DriverResult(driver.returncode, result, output, workdir)


# --------------------------------------------------------------------------------------------------------
# Inside the namespace
# --------------------------------------------------------------------------------------------------------


class StepFailed(Exception):
    def __init__(self, step: str, message: str) -> None:
        super().__init__(f"{step}: {message}")
        self.step = step
        self.message = message


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Child:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    def log_tail(self, lines: int = 30) -> str:
        return _tail(self.log.read_text(encoding="utf-8", errors="replace"), lines)


@dataclass
class Run:
    """One scenario's bookkeeping: named steps with timeouts, the child processes, the result file."""

    workdir: Path
    scenario: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    _current: str = "start"

    @contextlib.asynccontextmanager
    async def step(self, name: str, seconds: float) -> AsyncIterator[dict[str, Any]]:
        """`async with run.step("name", 10) as observed:` times the block out, records what it observed."""
        observed: dict[str, Any] = {}
        record = {"step": name, "status": "running", "seconds": 0.0, "observed": observed}
        self.steps.append(record)
        self._current = name
        started = time.monotonic()
        try:
            async with asyncio.timeout(seconds):
                yield observed
        except TimeoutError:
            record["status"] = "timeout"
            raise StepFailed(name, f"timed out after {seconds}s; observed so far: {observed}") from None
        except BaseException:
            record["status"] = "failed"
            raise
        else:
            record["status"] = "ok"
        finally:
            record["seconds"] = round(time.monotonic() - started, 3)

    def check(self, condition: object, message: str) -> None:
        if not condition:
            raise StepFailed(self._current, message)

    async def start(self, name: str, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> Child:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as sink:
            process = await asyncio.create_subprocess_exec(
                *argv, cwd=cwd, env=dict(env), stdin=asyncio.subprocess.DEVNULL, stdout=sink, stderr=sink
            )
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def check_alive(self, child: Child) -> None:
        if child.process.returncode is not None:
            raise StepFailed(
                self._current,
                f"{child.name} exited with {child.process.returncode}:\n{child.log_tail()}",
            )

    async def stop_children(self) -> None:
        for child in reversed(self.children):
            if child.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    child.process.terminate()
                try:
                    await asyncio.wait_for(child.process.wait(), 5)
                except TimeoutError:
                    with contextlib.suppress(ProcessLookupError):
                        child.process.kill()
                    await child.process.wait()

    def write_result(self, failure: StepFailed | None, extra: Mapping[str, Any]) -> bool:
        ok = failure is None
        result = {
            "scenario": self.scenario,
            "ok": ok,
            "failure": None if failure is None else {"step": failure.step, "message": failure.message},
            "steps": self.steps,
            **extra,
        }
        (self.workdir / "result.json").write_text(
            json.dumps(result, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        return ok


async def wait_for_port(run: Run, child: Child, port: int) -> None:
    while True:
        run.check_alive(child)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


def playground_argv(bot_port: int, port: int) -> list[str]:
    return [
        str(PLAYGROUND_BIN),
        "-e", f"http://127.0.0.1:{bot_port}/api/messages",
        "-c", "msteams",
        "-p", str(port),
        "--disable-telemetry",
    ]  # fmt: skip


def playground_env(workdir: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MINUTESBOT_")}
    env.update(
        TEAMSAPPTESTER_BROWSER="none",
        M365_AGENTS_PLAYGROUND_CONFIG_PATH=str(PLAYGROUND_CONFIG),
        M365_AGENTS_PLAYGROUND_LOGFILE=str(workdir / "playground-internal.log"),
    )
    return env


# --- Adaptive Card helpers ---------------------------------------------------------------------------


def card_of(message: Mapping[str, Any]) -> dict[str, Any] | None:
    """The first Adaptive Card attached to a stream message, or None."""
    for attachment in message.get("attachments") or []:
        if attachment.get("contentType") == CARD_TYPE and isinstance(attachment.get("content"), dict):
            content: dict[str, Any] = attachment["content"]
            return content
    return None


def card_text(node: Any) -> str:
    """Every visible string of a card (TextBlock/TextRun text, facts, action titles), newline-joined."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            for key in ("text", "title", "value", "altText", "placeholder"):
                if isinstance(value.get(key), str):
                    found.append(value[key])
            for key, inner in value.items():
                if key not in ("data",) and isinstance(inner, dict | list):
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(node)
    return "\n".join(found)


def execute_actions(node: Any) -> list[dict[str, Any]]:
    """Every Action.Execute in a card, nested ActionSets and ShowCards included."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("type") == "Action.Execute":
                found.append(value)
            for inner in value.values():
                if isinstance(inner, dict | list):
                    walk(inner)
        elif isinstance(value, list):
            for inner in value:
                walk(inner)

    walk(node)
    return found


# --- the Playground's API ----------------------------------------------------------------------------


Event = dict[str, Any]


class Playground:
    """The Playground's HTTP API and its conversation stream (every createMessage/updateMessage the bot
    causes, buffered by the Playground until a client connects) plus its log stream, for diagnostics."""

    def __init__(self, session: Any, port: int) -> None:
        self.session = session  # aiohttp.ClientSession
        self.base = f"http://127.0.0.1:{port}"
        self.events: list[Event] = []
        self.logs: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self._readers: list[asyncio.Task[None]] = []

    async def ping(self) -> str:
        async with self.session.get(f"{self.base}/_debug/ping") as response:
            text: str = await response.text()
            return text

    async def config(self) -> dict[str, Any]:
        async with self.session.get(f"{self.base}/_internal/v1/config") as response:
            response.raise_for_status()
            config: dict[str, Any] = (await response.json())["config"]
            return config

    async def connect_streams(self) -> None:
        conversation = await self.session.ws_connect(f"{self.base}/_ws_conversation/v1/conversations/stream")
        log = await self.session.ws_connect(f"{self.base}/_ws/log/stream")
        self._readers = [
            asyncio.create_task(self._read(conversation, self._on_event), name="conversation stream"),
            asyncio.create_task(self._read(log, self._on_log), name="log stream"),
        ]

    async def connect_conversation_stream(self) -> None:
        conversation = await self.session.ws_connect(f"{self.base}/_ws_conversation/v1/conversations/stream")
        self._readers.append(
            asyncio.create_task(self._read(conversation, self._on_event), name="conversation stream")
        )

    async def connect_log_stream(self) -> None:
        """Only the log stream: the conversation stream is left to the browser (tests/e2e/demo.py says why)."""
        log = await self.session.ws_connect(f"{self.base}/_ws/log/stream")
        self._readers.append(asyncio.create_task(self._read(log, self._on_log), name="log stream"))

    async def close(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)

    async def _read(self, socket: Any, handle: Callable[[Any], None]) -> None:
        try:
            async for frame in socket:
                if isinstance(frame.data, str):
                    try:
                        handle(json.loads(frame.data))
                    except ValueError:
                        handle(frame.data)
                async with self._changed:
                    self._changed.notify_all()
        finally:
            await socket.close()

    def _on_event(self, payload: Any) -> None:
        if isinstance(payload, dict):
            self.events.append(payload)

    def _on_log(self, payload: Any) -> None:
        log = payload.get("log") if isinstance(payload, dict) else None
        self.logs.append(log if isinstance(log, dict) else {"displayText": str(payload)})

    def log_lines(self, last: int = 60) -> list[str]:
        """The log stream as text: each line, and for an activity sent to the bot its type and the answer."""
        lines = []
        for log in self.logs[-last:]:
            line = str(log.get("displayText") or "")
            if log.get("level"):
                line = f"[{log['level']}] {line}"
            activity = sent_activity(log)
            if activity is not None:
                by_bot = str((activity.get("from") or {}).get("id", "")).startswith("28:")
                where = (activity.get("conversation") or {}).get("id")
                kind = f"{activity.get('type')} {activity.get('name') or ''}".strip()
                line += f" [{'bot posts' if by_bot else 'to bot'}: {kind} in {where}]"
            if "response" in log:
                line += f" answered {json.dumps(log['response'], ensure_ascii=False)[:400]}"
            lines.append(line.strip())
        return lines

    async def wait_for(self, predicate: Callable[[Event], bool], *, after: int = 0) -> tuple[int, Event]:
        """The first event at index >= `after` that satisfies the predicate (the caller's step times out)."""
        checked = after
        while True:
            while checked < len(self.events):
                event = self.events[checked]
                checked += 1
                if predicate(event):
                    return checked - 1, event
            async with self._changed:
                await self._changed.wait()

    async def wait_for_log(
        self, predicate: Callable[[dict[str, Any]], bool], *, after: int = 0
    ) -> dict[str, Any]:
        checked = after
        while True:
            while checked < len(self.logs):
                line = self.logs[checked]
                checked += 1
                if predicate(line):
                    return line
            async with self._changed:
                await self._changed.wait()

    async def install(self, conversation_id: str) -> int:
        """The installationUpdate + conversationUpdate (bot added) Teams sends when the app is added."""
        async with self.session.post(
            f"{self.base}/_debug/conversation/{conversation_id}/installation", json={}
        ) as response:
            status: int = response.status
            return status

    async def send(
        self, conversation_id: str, user_id: str, text: str, *, mention: tuple[str, str] | None = None
    ) -> dict[str, Any]:
        """A user's message; `mention` = (bot id, bot name) @mentions the bot as channel messages must."""
        body: dict[str, Any] = {"from": {"id": user_id}, "text": text, "textFormat": "plain"}
        if mention is not None:
            bot_id, bot_name = mention
            body["text"] = f"<at>{bot_name}</at> {text}"
            body["mentions"] = [
                {"mentioned": {"id": bot_id, "name": bot_name}, "text": f"<at>{bot_name}</at>"}
            ]
        async with self.session.post(
            f"{self.base}/_conversation/v1/conversations/{conversation_id}/messages", json=body
        ) as response:
            answer: dict[str, Any] = await response.json(content_type=None)
            if response.status != 200:
                raise RuntimeError(f"send to {conversation_id}: HTTP {response.status} {answer}")
            return answer

    async def invoke(
        self, conversation_id: str, user_id: str, reply_to_id: str, verb: str, data: Mapping[str, Any]
    ) -> tuple[int, Any]:
        """A click on an Action.Execute button of the card `reply_to_id`; the bot's invoke answer. For a card
        posted to a channel the conversation is its thread, `<channel id>;messageid=<root message id>` (the
        Playground answers 400 otherwise)."""
        body = {
            "name": "adaptiveCard/action",
            "value": {
                "action": {"type": "Action.Execute", "verb": verb, "data": dict(data)},
                "trigger": "manual",
            },
            "from": {"id": user_id},
            "conversation": {"id": conversation_id},
            "replyToId": reply_to_id,
        }
        async with self.session.post(f"{self.base}/_conversation/v1/invoke", json=body) as response:
            text = await response.text()
            try:
                return response.status, json.loads(text)
            except ValueError:
                return response.status, text


def sent_activity(log: Mapping[str, Any]) -> dict[str, Any] | None:
    """The activity a log-stream entry shows the Playground sending (or the bot posting), if any."""
    request = log.get("request")
    body = request.get("body") if isinstance(request, dict) else None
    return body if isinstance(body, dict) else None


def answer_status(log: Mapping[str, Any]) -> int | None:
    response = log.get("response")
    status = response.get("statusCode") if isinstance(response, dict) else None
    return status if isinstance(status, int) else None


def from_bot(event: Event, bot_id: str) -> bool:
    return bool((event.get("message") or {}).get("from", {}).get("id") == bot_id)


def in_conversation(event: Event, conversation_id: str) -> bool:
    """The conversation itself or one of its threads (`<channel>;messageid=<root>`)."""
    actual = str(event.get("actionConversationId") or "")
    return actual == conversation_id or actual.startswith(conversation_id + ";")


def summarise_events(events: Sequence[Event]) -> list[dict[str, Any]]:
    """A compact view of the stream for result.json: action, conversation, id, text, card text."""
    view = []
    for event in events:
        message = event.get("message") or {}
        card = card_of(message)
        view.append(
            {
                "action": event.get("action"),
                "conversation": event.get("actionConversationId"),
                "messageId": message.get("messageId"),
                "from": (message.get("from") or {}).get("id"),
                "text": (message.get("text") or "")[:300],
                "card": card_text(card)[:600] if card else None,
            }
        )
    return view
