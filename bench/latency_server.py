"""The bot latency bench's server side: the app on 127.0.0.1, the client process it drives phase by phase, the
summary of a phase, and the profiles (cProfile, py-spy) of where the server's time goes."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import json
import math
import os
import pstats
import subprocess
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import ROOT, say
from latency_world import (
    APP_ID,
    CONNECTOR_TOKEN,
    MEASURED,
    PHASE_TIMEOUT,
    TENANT,
    Result,
    cpu_seconds,
    machine_busy_seconds,
)


class Server:
    def __init__(self, work: Path, database_url: str) -> None:
        self.work = work
        self.database_url = database_url
        self.runner: Any = None
        self.url = ""
        self.handler_seconds: list[float] = []

    async def start(self) -> None:
        from aiohttp import web
        from pydantic import SecretStr

        from bot.app import create_app, freeze_startup_heap
        from bot.settings import Settings

        settings = Settings(
            database_url=self.database_url,
            minutes_folder=None,
            roster_dir=None,
            sharepoint_library_url=None,
            bot_app_id=APP_ID,
            bot_app_password=SecretStr("unused-with-a-connector-token"),
            tenant_id=TENANT,
            host="127.0.0.1",
            local_poll_seconds=3600,
            log_level="INFO",
        )
        app = create_app(settings, connector_token=CONNECTOR_TOKEN)
        app.on_startup.append(freeze_startup_heap)  # as `minutesbot run` (bot/cli.py) does
        seconds = self.handler_seconds

        @web.middleware
        async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
            started = time.perf_counter()
            try:
                response: web.StreamResponse = await handler(request)
                return response
            finally:
                if request.path == "/api/messages":
                    seconds.append(time.perf_counter() - started)

        app.middlewares.append(timed)
        self.runner = web.AppRunner(app)  # the access log as `web.run_app` (bot/cli.py) has it
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


class ClientProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def read(self) -> Result:
        assert self.process.stdout is not None
        async with asyncio.timeout(PHASE_TIMEOUT):
            line = await self.process.stdout.readline()
        if not line:
            raise ClientFailed(f"the client process ended (exit {await self.process.wait()})")
        answer = dict(json.loads(line))
        if "result" in answer:
            return dict(json.loads(await asyncio.to_thread(Path(answer["result"]).read_text)))
        return answer

    async def order(self, order: Result) -> Result:
        assert self.process.stdin is not None
        self.process.stdin.write((json.dumps(order) + "\n").encode())
        await self.process.stdin.drain()
        return await self.read() if not order.get("quit") else {}


class ClientFailed(RuntimeError):
    """The client process ended or stopped answering."""


def _percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _summary(result: Result, server_cpu: float, server_seconds: list[float]) -> Result:
    latencies = [t["latency"] * 1000 for t in result["turns"]]
    by_command: dict[str, list[float]] = defaultdict(list)
    for t in result["turns"]:
        by_command[t["command"]].append(t["latency"] * 1000)
    return {
        "name": result["name"],
        "users": result["users"],
        "turns": len(latencies),
        "elapsed": result["elapsed"],
        "rate": len(latencies) / result["elapsed"],
        "p50": _percentile(latencies, 0.50),
        "p90": _percentile(latencies, 0.90),
        "p99": _percentile(latencies, 0.99),
        "max": max(latencies),
        "mean": sum(latencies) / len(latencies),
        "errors": result["errors"],
        "problems": result["problems"],
        "connector": result["connector"],
        "connector_problems": result["connector_problems"],
        "server_cpu": server_cpu,
        "client_cpu": result["client_cpu_seconds"],
        "client_peak_rss_mib": result["client_peak_rss_mib"],
        "server_p50": _percentile(server_seconds, 0.5) * 1000 if server_seconds else float("nan"),
        "server_p99": _percentile(server_seconds, 0.99) * 1000 if server_seconds else float("nan"),
        "by_command": {
            command: {
                "turns": len(values),
                "p50": _percentile(values, 0.5),
                "p99": _percentile(values, 0.99),
                "max": max(values),
            }
            for command, values in sorted(by_command.items())
        },
    }


async def run_phase(
    server: Server,
    client: ClientProcess,
    name: str,
    *,
    users: int,
    turns: int,
    think: tuple[float, float] = (0.0, 0.0),
    sequential: bool = False,
) -> Result:
    server.handler_seconds.clear()
    cpu = cpu_seconds()
    busy = machine_busy_seconds()
    order = {
        "name": name,
        "server_url": server.url,
        "users": users,
        "turns": turns,
        "think": list(think),
        "sequential": sequential,
    }
    result = await client.order(order)
    summary = _summary(result, cpu_seconds() - cpu, list(server.handler_seconds))
    # What the rest of the machine used meanwhile: other processes compete for the same cores.
    summary["others_cpu"] = machine_busy_seconds() - busy - summary["server_cpu"] - summary["client_cpu"]
    summary.update(per_user=turns, think=list(think), sequential=sequential)
    say(
        f"  {name}: {summary['turns']} turns in {summary['elapsed']:.1f} s = {summary['rate']:.1f} turns/s; "
        f"p50 {summary['p50']:.0f} ms, p90 {summary['p90']:.0f} ms, p99 {summary['p99']:.0f} ms, "
        f"max {summary['max']:.0f} ms; errors {summary['errors']} {summary['problems'] or ''}; "
        f"server CPU {summary['server_cpu']:.1f} s, client CPU {summary['client_cpu']:.1f} s, "
        f"other processes {summary['others_cpu']:.1f} s"
    )
    return summary


def top_costs(profile: cProfile.Profile, turns: int, limit: int = 25) -> tuple[str, list[str]]:
    """The pstats listing (for stderr) and the top functions by own time, as markdown rows, each with the
    caller that spent the most in it."""
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("tottime").print_stats(limit)
    stats.sort_stats("tottime").print_callers(12)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(entry[2] for entry in raw.values())
    rows = sorted(raw.items(), key=lambda kv: -kv[1][2])[:14]
    lines = []
    for (filename, line, function), (_, calls, own, _, callers) in rows:
        caller = max(callers.items(), key=lambda kv: kv[1][3], default=None)
        via = f"`{caller[0][2]}` ({short_path(caller[0][0])}:{caller[0][1]})" if caller else "—"
        lines.append(
            f"| `{function}` ({short_path(filename)}:{line}) | {own:.2f} | {own / total:.1%} "
            f"| {calls / turns:.0f} | {via} |"
        )
    return text.getvalue(), lines


def short_path(filename: str) -> str:
    path = filename.replace(str(ROOT) + "/", "")
    marker = "site-packages/"
    if marker in path:
        path = path.split(marker, 1)[1]
    if "/lib/python3" in path:
        path = "stdlib/" + path.split("/lib/python3", 1)[1].split("/", 1)[1]
    return path


def grouped_costs(profile: cProfile.Profile) -> dict[str, float]:
    """Own time of the event-loop thread by the package the code lives in."""
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    grouped: Counter[str] = Counter()
    for (filename, _, function), (_, _, own, _, _) in raw.items():
        grouped[_package(filename, function)] += own
    return dict(grouped.most_common())


def _package(filename: str, function: str) -> str:
    path = short_path(filename)
    if filename == "~":
        return "builtins (" + ("select/epoll" if "poll" in function else "C functions") + ")"
    head = path.split("/", 1)[0]
    if head == "stdlib":
        parts = path.split("/")
        return "stdlib " + (parts[1] if len(parts) > 2 else parts[1].removesuffix(".py"))
    return head.removesuffix(".py")


@contextlib.contextmanager
def patched() -> Any:
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        yield patch


async def py_spy(args: argparse.Namespace, server: Server, client: ClientProcess, work: Path) -> Result:
    """A sampled profile of every thread of this process holding the GIL (py-spy --gil), collapsed stacks."""
    output = work / "py-spy.txt"
    spy = await asyncio.create_subprocess_exec(
        args.py_spy,
        "record",
        "--pid",
        str(os.getpid()),
        "--format",
        "raw",
        "--gil",
        "--full-filenames",
        "--rate",
        "250",
        "--output",
        str(output),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    await asyncio.sleep(1.0)  # py-spy attaches
    say(f"profiling the server (py-spy --gil): {args.profile_users} users × 2 turns …")
    summary = await run_phase(server, client, "py-spy", users=args.profile_users, turns=2)
    spy.send_signal(2)  # SIGINT: py-spy writes its output and exits
    _, errors = await spy.communicate()
    if not output.exists():
        return {"summary": summary, "error": errors.decode(errors="replace")[-300:]}
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    samples = loop_samples = 0
    for line in output.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        samples += count
        frames = [_frame(f) for f in stack.split(";") if f]
        if frames:
            own[_frame_package(frames[-1][1])] += count
        if any(name == "BaseEventLoop.run_forever" for name, _ in frames):
            loop_samples += count
        for function in {f"`{name}` ({short_path(path)})" for name, path in frames if _telling(path)}:
            inclusive[function] += count
    return {
        "summary": summary,
        "samples": samples,
        "loop_share": loop_samples / samples if samples else 0.0,
        "own": dict(own.most_common(12)),
        "inclusive": inclusive.most_common(30),
    }


def _telling(path: str) -> bool:
    """Not a frame of the runtime's backbone (event loop, aiohttp's server, threads, this benchmark)."""
    short = short_path(path)
    backbone = (
        "stdlib/asyncio/",
        "stdlib/threading",
        "stdlib/concurrent/",
        "aiohttp/",
        "bench/",
        "bot/app.py",
    )
    return not short.startswith(backbone)


def _frame(frame: str) -> tuple[str, str]:
    """'function (path:line)' → (function, path)."""
    name, _, inside = frame.rpartition(" (")
    return name, inside.rstrip(")").rsplit(":", 1)[0]


def _frame_package(path: str) -> str:
    """A file → the project module, or the library (stdlib module) it belongs to."""
    short = short_path(path)
    head = short.split("/", 1)[0]
    if head in MEASURED:
        return short
    if head == "stdlib":
        parts = short.split("/")
        return "stdlib " + (parts[1] if len(parts) > 2 else parts[1].removesuffix(".py"))
    return head.removesuffix(".py")
