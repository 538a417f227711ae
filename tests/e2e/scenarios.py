"""The driver: runs one scenario INSIDE the test's network namespace and writes <workdir>/result.json.

    ip netns exec NS .venv/bin/python -m tests.e2e.scenarios {echo|minutesbot} --workdir DIR [--deadline S]

`echo` drives tests/e2e/echo_bot.py (proves namespace + Playground + driver); `minutesbot` drives
`minutesbot run` through install, ingestion (summary card in the team), "mina", a `done` click and a report-back
answer by the Playground's own user as the item's owner (on her card and in `minutesbot agenda --docx`).
Exit code 0 only when every step passed; result.json says which step failed and what was observed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import sys
import traceback
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
import docx

from cards.verbs import Verb, report_note_input, report_state_input
from minutes.calendar import next_working_day
from tests.e2e.harness import (
    CARD_TYPE,
    E2E_DIR,
    ROOT,
    Child,
    Playground,
    Run,
    StepFailed,
    answer_status,
    card_of,
    card_text,
    execute_actions,
    free_port,
    from_bot,
    in_conversation,
    initials,
    playground_argv,
    playground_config,
    playground_env,
    sent_activity,
    summarise_events,
    wait_for_port,
)

MINUTES_SAMPLE = ROOT / "samples" / "000_9fb95432c85b271b.docx"
FSG_SAMPLE = ROOT / "samples" / "002_9f59629560e86923.docx"  # an FSG meeting
# Groups kept apart. The Playground sends every message as its current user (Annika), so she is FLG's and
# FSG's secretary, and a third group (VSG, no roster, no administrator) is the one she may not follow.
SECRETARY_ID = "29:aa"
ECHO_VERB = "echo.click"
Scenario = Callable[[Run, aiohttp.ClientSession, dict[str, Any]], Awaitable[None]]


async def start_playground(run: Run, session: aiohttp.ClientSession, bot_port: int) -> Playground:
    async with run.step("playground starts", 20) as observed:
        port = free_port()
        child = await run.start(
            "playground", playground_argv(bot_port, port), env=playground_env(run.workdir), cwd=run.workdir
        )
        playground = Playground(session, port)
        while True:
            run.check_alive(child)
            try:
                if await playground.ping() == "pong":
                    break
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
        observed["port"] = port
    return playground


async def check_config(run: Run, playground: Playground) -> dict[str, Any]:
    """The Playground serves the ids of tests/e2e/.m365agentsplayground.yml (it refuses a bad file)."""
    expected = playground_config()
    async with run.step("config", 20) as observed:
        config = await playground.config()
        team = config["teams"][0]
        observed.update(
            tenant=config["tenantId"],
            bot=config["bot"]["id"],
            user=config["currentUser"]["id"],
            personal_chat=config["personalChat"]["id"],
            team=team["id"],
            channels=[channel["id"] for channel in team["channels"]],
        )
        run.check(config["tenantId"] == expected["tenantId"], f"tenant {config['tenantId']}")
        run.check(config["bot"] == expected["bot"], f"bot {config['bot']}")
        run.check(config["currentUser"] == expected["currentUser"], f"current user {config['currentUser']}")
        run.check(len(config["users"]) == 5, f"{len(config['users'])} users")
        run.check(config["personalChat"]["id"] == expected["personalChat"]["id"], "personal chat id")
        run.check(
            (team["id"], team["name"]) == (expected["team"]["id"], expected["team"]["name"]), f"team {team}"
        )
        general = [channel for channel in team["channels"] if channel["id"] == team["id"]]
        run.check(general, "no General channel with the team's id")
        return config


async def echo(run: Run, session: aiohttp.ClientSession, extra: dict[str, Any]) -> None:
    record = run.workdir / "echo-activities.jsonl"
    record.touch()
    async with run.step("echo bot starts", 15):
        bot_port = free_port()
        bot = await run.start(
            "echo-bot",
            [sys.executable, str(E2E_DIR / "echo_bot.py"), "--port", str(bot_port), "--record", str(record)],
            env=os.environ,
            cwd=run.workdir,
        )
        await wait_for_port(run, bot, bot_port)
    playground = await start_playground(run, session, bot_port)
    extra["playground"] = playground
    config = await check_config(run, playground)
    bot_id, user = config["bot"]["id"], config["currentUser"]
    personal, team = config["personalChat"]["id"], config["teams"][0]["id"]
    await playground.connect_streams()

    async with run.step("install in team", 10) as observed:
        status = await playground.install(team)
        run.check(status == 200, f"installation answered {status}")
        while True:  # the echo bot records what it was sent
            received = [line for line in record.read_text(encoding="utf-8").splitlines() if team in line]
            kinds = sorted({_activity_type(line) for line in received})
            if {"installationUpdate", "conversationUpdate"} <= set(kinds):
                break
            await asyncio.sleep(0.05)
        observed["bot_received"] = kinds

    async with run.step("message in personal chat", 10) as observed:
        text = "hej från e2e"
        sent = await playground.send(personal, user["id"], text)
        _, echoed = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and in_conversation(e, personal)
                and e["message"].get("text") == text
            )
        )
        _, carded = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and in_conversation(e, personal)
                and text in card_text(card_of(e["message"]))
            )
        )
        card_id = carded["message"]["messageId"]
        actions = execute_actions(card_of(carded["message"]))
        run.check([a.get("verb") for a in actions] == [ECHO_VERB], f"card actions {actions}")
        observed.update(sent=sent["messageId"], echoed=echoed["message"]["messageId"], card=card_id)

    async with run.step("mention in team channel", 10) as observed:
        name = config["bot"]["name"]
        await playground.send(team, user["id"], "hej kanalen", mention=(bot_id, name))
        _, echoed = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and in_conversation(e, team)
                and "hej kanalen" in (e["message"].get("text") or "")
            )
        )
        observed.update(conversation=echoed["actionConversationId"], text=echoed["message"]["text"])

    async with run.step("click Action.Execute", 10) as observed:
        status, answer = await playground.invoke(personal, user["id"], card_id, ECHO_VERB, {"n": 1})
        observed.update(status=status, answer=answer)
        run.check(status == 200, f"invoke answered {status}: {answer}")
        run.check(isinstance(answer, dict) and answer.get("type") == CARD_TYPE, f"invoke body {answer}")
        shown = card_text(answer["value"])
        run.check(ECHO_VERB in shown and user["name"] in shown, f"invoke card says {shown!r}")
        _, updated = await playground.wait_for(
            lambda e: (
                e.get("action") == "updateMessage"
                and in_conversation(e, personal)
                and e["message"].get("messageId") == card_id
            )
        )
        observed["updated_card"] = card_text(card_of(updated["message"]))
        run.check(observed["updated_card"] == shown, "the updated card differs from the invoke answer")


def _activity_type(line: str) -> str:
    kind: str = json.loads(line).get("type", "?")
    return kind


def roster_toml(config: dict[str, Any], group: str) -> str:
    """A roster of the group from the Playground's users: initials from given name and surname, the
    Entra object id and UPN the Playground puts on every activity; SECRETARY_ID is its secretary."""
    lines = [f'group = "{group}"', ""]
    for user in [config["currentUser"], *config["users"]]:
        roles = '["sekreterare"]' if user["id"] == SECRETARY_ID else "[]"
        lines += [
            "[[person]]",
            f'initials = "{initials(user)}"',
            f'name = "{user["name"]}"',
            f"roles = {roles}",
            f'aad_object_id = "{user["aadObjectId"]}"',
            f'upn = "{user["userPrincipleName"]}"',
            "",
        ]
    return "\n".join(lines)


def minutesbot_env(port: int, database_url: str, folder: Path, rosters: Path) -> dict[str, str]:
    config = playground_config()
    env = {key: value for key, value in os.environ.items() if not key.startswith("MINUTESBOT_")}
    env.update(
        MINUTESBOT_DANGEROUSLY_ALLOW_UNAUTHENTICATED="true",
        MINUTESBOT_HOST="127.0.0.1",
        MINUTESBOT_PORT=str(port),
        MINUTESBOT_DATABASE_URL=database_url,
        MINUTESBOT_MINUTES_FOLDER=str(folder),
        MINUTESBOT_ROSTER_DIR=str(rosters),
        MINUTESBOT_TENANT_ID=config["tenantId"],
        MINUTESBOT_LOCAL_POLL_SECONDS="1",
        MINUTESBOT_SETTLE_SECONDS="0",  # the summary card at once, not after edits settle
    )
    return env


async def minutesbot(run: Run, session: aiohttp.ClientSession, extra: dict[str, Any]) -> None:
    yml = playground_config()
    group = yml["team"]["name"]  # "FLG": the team carries the group's name, as in the minutes
    folder, rosters = run.workdir / "protokoll", run.workdir / "rosters"
    folder.mkdir()
    rosters.mkdir()
    (rosters / "flg.toml").write_text(roster_toml(yml, group), encoding="utf-8")
    secretary = yml[
        "currentUser"
    ]  # FSG's roster: only its secretary, under initials FSG's minutes do not use
    (rosters / "fsg.toml").write_text(
        f'group = "FSG"\n\n[[person]]\ninitials = "ANA"\nname = "{secretary["name"]}"\n'
        f'roles = ["sekreterare"]\naad_object_id = "{secretary["aadObjectId"]}"\n',
        encoding="utf-8",
    )
    database_url = f"sqlite+aiosqlite:///{run.workdir / 'bot.db'}"
    binary = Path(sys.executable).parent / "minutesbot"

    async with run.step("minutesbot starts", 20) as observed:
        bot_port = free_port()
        env = minutesbot_env(bot_port, database_url, folder, rosters)
        bot = await run.start("minutesbot", [str(binary), "run"], env=env, cwd=run.workdir)
        await _wait_healthy(run, session, bot, bot_port)
        async with session.post(
            f"http://127.0.0.1:{bot_port}/api/messages", json={}, headers={"Content-Type": "application/json"}
        ) as probe:
            observed["empty_post_to_api_messages"] = probe.status
        run.check(
            probe.status not in (404, 405),
            f"POST /api/messages answers {probe.status}: the Teams endpoint is not mounted",
        )
    playground = await start_playground(run, session, bot_port)
    extra["playground"] = playground
    config = await check_config(run, playground)
    bot_id, user = config["bot"]["id"], config["currentUser"]
    personal, team = config["personalChat"]["id"], config["teams"][0]["id"]
    await playground.connect_streams()

    async with run.step("install in team", 15) as observed:
        logs_before = len(playground.logs)
        status = await playground.install(team)
        run.check(status == 200, f"installation answered {status}")
        # The Playground logs the bot's answer to each activity it sends; wait for both install activities.
        for kind in ("installationUpdate", "conversationUpdate"):
            log = await playground.wait_for_log(partial(_answer_to, kind, team), after=logs_before)
            observed[kind] = answer_status(log)
            run.check(
                observed[kind] in (200, 201, 202), f"the bot answered {kind} with {log.get('response')}"
            )

    name = config["bot"]["name"]
    channel = next(c["id"] for c in yml["team"]["channels"])  # Protokoll: it will follow FSG

    async def said_in(conversation: str, sender: str, text: str) -> str:
        """`text` said to the bot (@mentioned) in the conversation by `sender`; the bot's answer there."""
        after = len(playground.events)
        await playground.send(conversation, sender, text, mention=(bot_id, name))
        _, answer = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and in_conversation(e, conversation)
                and "följ" in (e["message"].get("text") or "")
            ),
            after=after,
        )
        return str(answer["message"].get("text") or "")

    async with run.step("följ by someone neither secretary nor administrator is refused", 15) as observed:
        observed["answer"] = await said_in(team, user["id"], "följ VSG")
        run.check("sekreterare" in observed["answer"], f"not refused: {observed['answer']!r}")
        run.check("Inget har ändrats" in observed["answer"], f"not refused: {observed['answer']!r}")

    async with run.step("följ by the group's secretary", 15) as observed:
        observed["answer"] = await said_in(team, SECRETARY_ID, f"följ {group}")
        run.check(f"följer nu {group}" in observed["answer"], f"not followed: {observed['answer']!r}")

    async with run.step("följ FSG in the Protokoll channel by FSG's secretary", 15) as observed:
        observed["answer"] = await said_in(channel, SECRETARY_ID, "följ FSG")
        run.check("följer nu FSG" in observed["answer"], f"not followed: {observed['answer']!r}")

    async with run.step("summary card in the team", 25) as observed:
        shutil.copy2(MINUTES_SAMPLE, folder / MINUTES_SAMPLE.name)
        _, summary = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and in_conversation(e, team)
                and card_of(e["message"]) is not None
                and group in card_text(card_of(e["message"]))
            )
        )
        observed.update(
            conversation=summary["actionConversationId"],
            messageId=summary["message"]["messageId"],
            card=card_text(card_of(summary["message"]))[:1500],
        )

    flg_card_id = summary["message"]["messageId"]

    async with run.step("an FSG meeting reaches only where FSG is followed", 30) as observed:
        after = len(playground.events)
        shutil.copy2(FSG_SAMPLE, folder / FSG_SAMPLE.name)
        _, fsg_summary = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and card_of(e["message"]) is not None
                and "Protokoll FSG" in card_text(card_of(e["message"]))
            ),
            after=after,
        )
        observed["conversation"] = fsg_summary["actionConversationId"]
        run.check(in_conversation(fsg_summary, channel), f"FSG's card went to {observed['conversation']}")
        await asyncio.sleep(3)  # the FLG team gets nothing of FSG, then or later
        leaked = [
            e["actionConversationId"]
            for e in playground.events[after:]
            if from_bot(e, bot_id)
            and card_of(e.get("message") or {}) is not None
            and "Protokoll FSG" in card_text(card_of(e["message"]))
            and not in_conversation(e, channel)
        ]
        run.check(not leaked, f"FSG's card also went to {leaked}")

    async with run.step("a click on an FSG item from the FLG channel is refused", 15) as observed:
        fsg_items = await stored_items(run, binary, env, "--open", "--group", "FSG")
        run.check(fsg_items, "no open FSG items stored")
        fsg_item = min(fsg_items)
        thread = f"{team};messageid={flg_card_id}"
        status, answer = await playground.invoke(
            thread, user["id"], flg_card_id, Verb.DONE, {"itemId": fsg_item}
        )
        observed.update(item=fsg_item, status=status, answer=card_text((answer or {}).get("value"))[:500])
        run.check(status == 200, f"invoke answered {status}: {answer}")
        run.check(
            "Inget har ändrats" in observed["answer"], f"not the polite refusal: {observed['answer']!r}"
        )
        row = (await stored_items(run, binary, env, "--group", "FSG"))[fsg_item]
        observed["row"] = row
        run.check("öppen" in row.split(), f"FSG's item {fsg_item} changed: {row}")

    async with run.step("mina in personal chat", 15) as observed:
        after = len(playground.events)
        await playground.send(personal, user["id"], "mina")
        _, listing = await playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, bot_id)
                and in_conversation(e, personal)
                and any(a.get("verb") == Verb.DONE for a in execute_actions(card_of(e["message"])))
            ),
            after=after,
        )
        card = card_of(listing["message"])
        done = [a for a in execute_actions(card) if a.get("verb") == Verb.DONE]
        item_ids = [(a.get("data") or {}).get("itemId") for a in done]
        observed.update(
            messageId=listing["message"]["messageId"], card=card_text(card)[:1500], items=item_ids
        )
        run.check(all(isinstance(i, int) for i in item_ids), f"itemId not an integer: {item_ids}")
        card_id = listing["message"]["messageId"]
        # Hers: what the store says AA (her initials in the minutes) and ALLA (everyone) own, and nothing else.
        mine, everyone = await asyncio.gather(
            stored_items(run, binary, env, "--open", "--owner", initials(user)),
            stored_items(run, binary, env, "--open", "--owner", "ALLA"),
        )
        observed.update(store_aa=sorted(mine), store_alla=sorted(everyone))
        run.check(set(item_ids) <= set(mine) | set(everyone), f"items of others listed: {item_ids}")
        own = [a for a in done if (a.get("data") or {}).get("itemId") in mine]
        run.check(own, f"none of AA's open items {sorted(mine)} listed: {item_ids}")

    async with run.step("click done", 15) as observed:
        data = own[0].get("data") or {}
        item = data["itemId"]
        status, answer = await playground.invoke(personal, user["id"], card_id, Verb.DONE, data)
        observed.update(item=item, status=status)
        run.check(status == 200, f"invoke answered {status}: {answer}")
        run.check(isinstance(answer, dict) and answer.get("type") == CARD_TYPE, f"invoke body {answer}")
        observed["answer_card"] = card_text(answer.get("value"))[:1500]
        _, updated = await playground.wait_for(
            lambda e: (
                e.get("action") == "updateMessage"
                and in_conversation(e, personal)
                and e["message"].get("messageId") == card_id
            )
        )
        observed["updated_card"] = card_text(card_of(updated["message"]))[:1500]
        # The list is refreshed in place: still 'Dina öppna punkter', and the item checked off is gone from it.
        run.check(
            "Dina öppna punkter" in observed["updated_card"], "the replacing card is not the refreshed list"
        )
        run.check(not re.search(rf"#{item}\b", observed["updated_card"]), f"#{item} is still listed as open")

    async with run.step("item closed in the store", 15) as observed:
        row = (await stored_items(run, binary, env))[item]
        observed["row"] = row
        run.check("öppen" not in row.split(), f"item {item} is still open: {row}")

    async with run.step("report-back by the Playground's user as the owner", 20) as observed:
        # Another of her open items returns at the next meeting (its date is long past); she reports 'Pågår'.
        rest = [
            n
            for n, row in sorted(mine.items())
            if n != item and re.search(r"\d{4}-\d\d-\d\d|nästa möte", row)
        ]
        run.check(rest, f"no other dated open item of {initials(user)}: {sorted(mine)}")
        target, meeting = rest[0], next_working_day(date.today() + timedelta(days=7))
        note = "Offerten kommer nästa vecka"
        data = {
            "itemId": target,
            "group": group,
            "meetingDate": meeting.isoformat(),
            "itemIds": str(target),
            report_state_input(target): "pagar",
            report_note_input(target): note,
        }
        status, answer = await playground.invoke(personal, user["id"], card_id, Verb.REPORT, data)
        observed.update(item=target, meeting=meeting.isoformat(), status=status)
        run.check(status == 200, f"invoke answered {status}: {answer}")
        shown = card_text((answer or {}).get("value"))
        observed["answer_card"] = shown[:1500]
        said = f"Läge från {initials(user)}"
        run.check(said in shown and note in shown, f"the answer is not on her card: {shown[:500]!r}")
        # The invitation's Word section carries it under the item.
        written = run.workdir / "uppfoljning.docx"
        agenda = await asyncio.create_subprocess_exec(
            str(binary), "agenda", "--group", group, "--date", meeting.isoformat(), "--docx", str(written),
            env=env, cwd=run.workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output = (await agenda.communicate())[0].decode("utf-8", errors="replace")
        run.check(agenda.returncode == 0, f"minutesbot agenda failed: {output}")
        table = docx.Document(str(written)).tables[0]
        cells = "\n".join(cell.text for row in table.rows for cell in row.cells)
        observed["word_has_answer"] = said in cells and note in cells
        run.check(observed["word_has_answer"], "the Word section lacks the answer")


def _answer_to(kind: str, conversation_id: str, log: dict[str, Any]) -> bool:
    """A log entry with the bot's answer to an activity of `kind` the Playground sent to the conversation."""
    activity = sent_activity(log) or {}
    return bool(
        activity.get("type") == kind
        and (activity.get("conversation") or {}).get("id") == conversation_id
        and "response" in log
    )


async def stored_items(run: Run, binary: Path, env: dict[str, str], *options: str) -> dict[int, str]:
    """`minutesbot items [options]` against the bot's database: item number → its row."""
    listed = await asyncio.create_subprocess_exec(
        str(binary), "items", *options,
        env=env, cwd=run.workdir, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output = (await listed.communicate())[0].decode("utf-8", errors="replace")
    run.check(listed.returncode == 0, f"minutesbot items {' '.join(options)} failed: {output}")
    rows = {}
    for line in output.splitlines():
        first = line.split()[:1]
        if first and first[0].isdigit():
            rows[int(first[0])] = line.strip()
    return rows


async def _wait_healthy(run: Run, session: aiohttp.ClientSession, bot: Child, port: int) -> None:
    while True:
        run.check_alive(bot)
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)


SCENARIOS: dict[str, Scenario] = {"echo": echo, "minutesbot": minutesbot}
BROWSER_SCENARIOS = ("playground", "browser")  # tests/e2e/browser.py (it imports this module: loaded late)


def _scenario(name: str) -> Scenario:
    if name in BROWSER_SCENARIOS:
        from tests.e2e import browser

        found: Scenario = getattr(browser, name)
        return found
    return SCENARIOS[name]


async def drive(scenario: str, workdir: Path, deadline: float, screenshots: Path | None = None) -> int:
    workdir.mkdir(parents=True, exist_ok=True)
    run = Run(workdir, scenario)
    extra: dict[str, Any] = {} if screenshots is None else {"screenshots": screenshots}
    failure: StepFailed | None = None
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            try:
                async with asyncio.timeout(deadline):
                    await _scenario(scenario)(run, session, extra)
            except StepFailed as error:
                failure = error
            except TimeoutError:
                failure = StepFailed(run.steps[-1]["step"] if run.steps else "start", f"deadline {deadline}s")
            except Exception:
                failure = StepFailed(run.steps[-1]["step"] if run.steps else "start", traceback.format_exc())
            finally:
                playground: Playground | None = extra.pop("playground", None)
                if playground is not None:
                    await playground.close()
                    extra["events"] = summarise_events(playground.events)
                    extra["playground_log"] = playground.log_lines()
    finally:
        await run.stop_children()
    return 0 if run.write_result(failure, extra) else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("scenario", choices=sorted([*SCENARIOS, *BROWSER_SCENARIOS]))
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--deadline", type=float, default=50.0)
    parser.add_argument("--screenshots", type=Path, help="browser: write the README's PNGs into this folder")
    args = parser.parse_args()
    sys.exit(asyncio.run(drive(args.scenario, args.workdir, args.deadline, args.screenshots)))


if __name__ == "__main__":
    main()
