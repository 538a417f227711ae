"""`make playground`: minutesbot in the Microsoft 365 Agents Playground, set up so a newcomer sees a meeting card.

    .venv/bin/python -m tests.e2e.demo [--workdir .playground] [--port 56150]

Starts `minutesbot run` on loopback (no registration: MINUTESBOT_DANGEROUSLY_ALLOW_UNAUTHENTICATED) with a
roster of the Playground's six users for FLG (so `mina` knows them; Annika Andersson, the Playground's own
user, is FLG's secretary), starts the pinned Playground with its telemetry off, installs the bot in the team
prints the address to open, and once the page is open installs the bot in the team FLG, has the secretary
say `följ FLG` in its channel and drops the latest FLG meeting of samples/ into the watched folder; it
waits until the card is posted there and runs until Ctrl+C. The tests drive the same `start`, `wait_for_page`
and `populate` (tests/e2e/browser.py) inside a loopback-only network namespace.

Why only after the page is open: the Playground buffers the conversation stream for its first client only,
and its page drops what arrives before it has loaded its configuration (it cannot yet tell a channel from a
chat). So nothing here reads that stream, and nothing is posted before the page is there.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp

from tests.e2e.harness import (
    PLAYGROUND_BIN,
    ROOT,
    Child,
    Playground,
    Run,
    StepFailed,
    answer_status,
    playground_argv,
    playground_config,
    playground_env,
    sent_activity,
)
from tests.e2e.scenarios import SECRETARY_ID, minutesbot_env, roster_toml

DEFAULT_WORKDIR = ROOT / ".playground"
DEFAULT_PORT = 56150  # the Playground's own default
DEFAULT_BOT_PORT = 3978
WAIT_FOR_PAGE_SECONDS = 24 * 3600  # the person opens the page when they like


@dataclass
class Demo:
    """What `start` left running and where: the page to open, the ids the checks need; `meeting` once posted."""

    playground: Playground
    url: str
    bot_port: int
    team_id: str
    personal_chat_id: str
    bot_id: str
    bot_name: str
    group: str
    folder: Path
    bot_env: dict[str, str]
    meeting: str = ""  # the example minutes posted


def latest_meeting(group: str) -> Path:
    """The example minutes (.docx) of `group` with the latest meeting date, as its annotation (*.gold.json
    next to it in samples/) gives them: instant, where reading five documents takes seconds."""
    dated: list[tuple[str, Path]] = []
    for gold in sorted((ROOT / "samples").glob("*.gold.json")):
        meeting = json.loads(gold.read_text(encoding="utf-8")).get("meeting") or {}
        docx = gold.with_name(gold.name.removesuffix(".gold.json") + ".docx")
        if meeting.get("body") == group and meeting.get("date") and docx.is_file():
            dated.append((meeting["date"], docx))
    if not dated:
        raise RuntimeError(f"no example minutes of {group} with a date in samples/")
    return max(dated)[1]


async def start(run: Run, session: aiohttp.ClientSession, *, bot_port: int, playground_port: int) -> Demo:
    """The bot (with FLG's roster of the Playground's users) and the Playground, both on loopback."""
    yml = playground_config()
    group = yml["team"]["name"]  # FLG
    folder, rosters = run.workdir / "protokoll", run.workdir / "rosters"
    for directory in (folder, rosters):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    (rosters / f"{group.lower()}.toml").write_text(roster_toml(yml, group), encoding="utf-8")
    database = run.workdir / "minutesbot.db"
    for stale in run.workdir.glob("minutesbot.db*"):
        stale.unlink()  # every demo starts from the same state
    env = minutesbot_env(bot_port, f"sqlite+aiosqlite:///{database}", folder, rosters)
    binary = Path(sys.executable).parent / "minutesbot"

    async with run.step("minutesbot starts", 30):
        bot = await run.start("minutesbot", [str(binary), "run"], env=env, cwd=run.workdir)
        await _wait_healthy(run, session, bot, bot_port)

    async with run.step("playground starts", 30) as observed:
        child = await run.start(
            "playground",
            playground_argv(bot_port, playground_port),
            env=playground_env(run.workdir),
            cwd=run.workdir,
        )
        playground = Playground(session, playground_port)
        while True:
            run.check_alive(child)
            with contextlib.suppress(aiohttp.ClientError):
                if await playground.ping() == "pong":
                    break
            await asyncio.sleep(0.1)
        config = await playground.config()
        observed.update(port=playground_port)
        await playground.connect_log_stream()
    return Demo(
        playground=playground,
        url=f"http://127.0.0.1:{playground_port}",
        bot_port=bot_port,
        team_id=config["teams"][0]["id"],
        personal_chat_id=config["personalChat"]["id"],
        bot_id=config["bot"]["id"],
        bot_name=config["bot"]["name"],
        group=group,
        folder=folder,
        bot_env=env,
    )


async def wait_for_page(run: Run, demo: Demo, *, seconds: float) -> None:
    """Until the Playground's page is open: it announces itself with the bot's installation in the personal
    chat. The page drops what arrives before it has loaded (it cannot yet tell a channel from a chat), so
    the meeting is posted only after this."""
    async with run.step("the page is open", seconds):
        await demo.playground.wait_for_log(
            partial(_answer_to, "conversationUpdate", demo.personal_chat_id), after=0
        )
        await asyncio.sleep(1)  # the page loads its configuration alongside


async def populate(run: Run, demo: Demo) -> None:
    """Install the bot in the team, follow FLG there as its secretary, post the latest FLG meeting."""
    playground, team = demo.playground, demo.team_id
    async with run.step("install in the team", 20) as observed:
        after = len(playground.logs)
        status = await playground.install(team)
        run.check(status == 200, f"installation answered {status}")
        for kind in ("installationUpdate", "conversationUpdate"):
            log = await playground.wait_for_log(partial(_answer_to, kind, team), after=after)
            observed[kind] = answer_status(log)

    async with run.step(f"följ {demo.group} in the team's channel", 20) as observed:
        after = len(playground.logs)
        await playground.send(team, SECRETARY_ID, f"följ {demo.group}", mention=(demo.bot_id, demo.bot_name))
        log = await playground.wait_for_log(
            lambda entry: _bot_posts(entry, team) and f"följer nu {demo.group}" in _text(entry), after=after
        )
        observed["answer"] = _text(log)

    async with run.step("the latest meeting's card in the channel", 40) as observed:
        after = len(playground.logs)
        sample = latest_meeting(demo.group)
        shutil.copy2(sample, demo.folder / sample.name)
        log = await playground.wait_for_log(
            lambda entry: _bot_posts(entry, team) and _has_card(entry), after=after
        )
        observed.update(sample=sample.name, activity=(sent_activity(log) or {}).get("id"))
    demo.meeting = sample.name


def _answer_to(kind: str, conversation_id: str, log: dict[str, Any]) -> bool:
    activity = sent_activity(log) or {}
    return bool(
        activity.get("type") == kind
        and (activity.get("conversation") or {}).get("id") == conversation_id
        and "response" in log
    )


def _bot_posts(log: dict[str, Any], conversation_id: str) -> bool:
    """A log entry of the bot posting to the conversation (or one of its threads)."""
    activity = sent_activity(log) or {}
    where = str((activity.get("conversation") or {}).get("id") or "")
    return str((activity.get("from") or {}).get("id", "")).startswith("28:") and (
        where == conversation_id or where.startswith(conversation_id + ";")
    )


def _text(log: dict[str, Any]) -> str:
    return str((sent_activity(log) or {}).get("text") or "")


def _has_card(log: dict[str, Any]) -> bool:
    attachments = (sent_activity(log) or {}).get("attachments") or []
    return any(a.get("contentType") == "application/vnd.microsoft.card.adaptive" for a in attachments)


async def _wait_healthy(run: Run, session: aiohttp.ClientSession, bot: Child, port: int) -> None:
    while True:
        run.check_alive(bot)
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.1)


def opening(demo: Demo) -> str:
    """What `make playground` prints once both listen (Swedish: it is for the person at the keyboard)."""
    return (
        f"\nÖppna {demo.url} i webbläsaren. När sidan är öppen lägger boten upp FLG:s senaste möte i teamet\n"
        "FLG (kanalen General); sidan visar bara det som kommer medan den är öppen.\n"
    )


def next_steps(demo: Demo) -> str:
    return "\n".join(
        [
            f"Mötets kort ({demo.meeting}) ligger nu i FLG › General: klicka Klar på en rad.",
            "I Personal Chat: skriv 'mina' (du är Annika Andersson, FLG:s sekreterare), 'sammanfattning' eller"
            " 'hjälp'.",
            f"Boten lyssnar på 127.0.0.1:{demo.bot_port}; loggar och databas i {DEFAULT_WORKDIR.name}/."
            " Stoppa med Ctrl+C.",
            "",
        ]
    )


async def _main(workdir: Path, port: int, bot_port: int) -> int:
    if not PLAYGROUND_BIN.exists():
        sys.stderr.write("fel: Agents Playground är inte installerad: kör make playground\n")
        return 2
    workdir.mkdir(parents=True, exist_ok=True)
    run = Run(workdir, "playground")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            try:
                demo = await start(run, session, bot_port=bot_port, playground_port=port)
                _say(opening(demo))
                waiting = asyncio.create_task(wait_for_page(run, demo, seconds=WAIT_FOR_PAGE_SECONDS))
                stopped = asyncio.create_task(stop.wait())
                await asyncio.wait([waiting, stopped], return_when=asyncio.FIRST_COMPLETED)
                if stop.is_set():
                    waiting.cancel()
                    return 0
                stopped.cancel()
                await waiting
                await populate(run, demo)
            except StepFailed as error:
                sys.stderr.write(f"fel: {error.step}: {error.message}\n")
                for child in run.children:
                    sys.stderr.write(f"--- {child.log} ---\n{child.log_tail()}\n")
                return 1
            _say(next_steps(demo))
            waiters = [asyncio.create_task(stop.wait())]
            waiters += [asyncio.create_task(child.process.wait()) for child in run.children]
            await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in waiters:
                waiter.cancel()
            await demo.playground.close()
    finally:
        await run.stop_children()
    return 0


def _say(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--port", type=int, default=int(os.environ.get("PLAYGROUND_PORT", DEFAULT_PORT)))
    parser.add_argument(
        "--bot-port", type=int, default=int(os.environ.get("MINUTESBOT_PORT", DEFAULT_BOT_PORT))
    )
    args = parser.parse_args()
    sys.exit(asyncio.run(_main(args.workdir.resolve(), args.port, args.bot_port)))


if __name__ == "__main__":
    main()
