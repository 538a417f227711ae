"""The bot latency bench's client process (`bot_latency.py --role client`): the fake Bot Connector and the
simulated users, each turn a POST /api/messages with a Bot Connector-signed JWT."""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import peak_rss_mib
from latency_world import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    CONNECTOR_TOKEN,
    ERROR_TEXT,
    MIX,
    NEXT_PAGE_DATA,
    NEXT_PAGE_LINE,
    TENANT,
    Result,
    channel_id,
    cpu_seconds,
    personal_id,
    team_id,
)


class Client:
    """Holds the connector and the users' state across phases (each phase uses items not yet checked off)."""

    def __init__(self, config: Result) -> None:
        self.config = config
        self.plan: Result = {}
        self.connector: Any = None
        self.session: Any = None
        self.token_by_service: dict[str, str] = {}
        self.activity_ids = iter(range(1_700_000_000_000, 1_800_000_000_000))
        self.used: dict[str, int] = defaultdict(int)  # aad → how many own items were taken

    async def start(self) -> None:
        import aiohttp

        from tests.fake_connector import FakeConnector

        unlimited = ((10**9, 1.0),)
        self.connector = FakeConnector(
            token=CONNECTOR_TOKEN, conversation_limits=unlimited, app_limits=unlimited
        )
        await self.connector.__aenter__()
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), timeout=aiohttp.ClientTimeout(total=120)
        )

    async def stop(self) -> None:
        await self.session.close()
        await self.connector.__aexit__(None, None, None)

    def token(self) -> str:
        """One token per service URL, reused as the Bot Connector reuses its tokens (valid an hour)."""
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.hazmat.primitives.serialization import load_pem_private_key

        from tests.bot.auth_keys import SigningKey, mint_token

        url = self.connector.service_url
        if url not in self.token_by_service:
            key = SigningKey.__new__(SigningKey)
            key.kid = self.config["kid"]
            private = load_pem_private_key(Path(self.config["key"]).read_bytes(), password=None)
            assert isinstance(private, rsa.RSAPrivateKey)
            key.private = private
            self.token_by_service[url] = mint_token(key, app_id=APP_ID, service_url=url)
        return self.token_by_service[url]

    def _click(self, user: Result, verb: str, data: Result) -> Result:
        """A click on a card's Action.Execute button, as Teams sends it."""
        value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}, "trigger": "manual"}
        return self._activity(
            user, "invoke", name="adaptiveCard/action", value=value, replyToId=str(next(self.activity_ids))
        )

    def _activity(self, user: Result, kind: str, **fields: Any) -> Result:
        group = user["group"]
        conversation: Result
        if user["personal"]:
            conversation = {"id": personal_id(user), "conversationType": "personal", "tenantId": TENANT}
            channel_data: Result = {"tenant": {"id": TENANT}}
        else:
            conversation = {
                "id": channel_id(group),
                "conversationType": "channel",
                "tenantId": TENANT,
                "isGroup": True,
            }
            channel_data = {
                "tenant": {"id": TENANT},
                "team": {"id": team_id(group)},
                "channel": {"id": channel_id(group)},
            }
        return {
            "type": kind,
            "id": str(next(self.activity_ids)),
            "timestamp": datetime.now(UTC).isoformat(),
            "channelId": "msteams",
            "serviceUrl": self.connector.service_url,
            "from": {"id": user["teams_id"], "name": user["name"], "aadObjectId": user["aad"]},
            "recipient": {"id": BOT_ID, "name": BOT_NAME},
            "conversation": conversation,
            "channelData": channel_data,
            "locale": "sv-SE",
            **fields,
        }

    def _message(self, user: Result, text: str) -> Result:
        if user["personal"]:
            return self._activity(user, "message", text=text, textFormat="plain")
        mention = f"<at>{BOT_NAME}</at>"
        return self._activity(
            user,
            "message",
            text=f"{mention} {text}",
            textFormat="plain",
            entities=[{"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": mention}],
        )

    def _next_item(self, user: Result) -> int | None:
        taken = self.used[user["aad"]]
        if taken >= len(user["items"]):
            return None
        self.used[user["aad"]] += 1
        return int(user["items"][taken])

    def build_turn(self, user: Result, rng: random.Random) -> tuple[str, Result, str]:
        """(command, activity, what the answer must contain)."""
        command = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        if command in ("klar N", "invoke item.done"):
            item = self._next_item(user)
            if item is None:
                command = "mina"
            elif command == "klar N":
                return command, self._message(user, f"klar {item}"), f"Punkt #{item} är klar"
            else:
                return command, self._click(user, "item.done", {"itemId": item}), f"#{item}"
        if command == "invoke list.page":
            return command, self._click(user, "list.page", dict(NEXT_PAGE_DATA)), NEXT_PAGE_LINE
        if command == "öppna XY":
            person = rng.choice(user["others"])
            # The answer says whom the initials matched in the roster: 'Öppna punkter för Karin Berg (KB)'.
            return command, self._message(user, f"öppna {person}"), f"({person})"
        expected = {
            "mina": "Dina öppna punkter",
            "öppna": "Öppna punkter",
            "beslut budget": "Beslut om 'budget'",
            "uppföljning": "Uppföljning till nästa möte",
        }[command]
        return command, self._message(user, command), expected

    async def run_phase(self, phase: Result) -> Result:
        self.plan = self.plan or json.loads(await asyncio.to_thread(Path(self.config["plan"]).read_text))
        users = self.plan["users"][: phase["users"]] if phase.get("users") else self.plan["users"]
        url = phase["server_url"] + "/api/messages"
        headers = {"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
        think_low, think_high = phase["think"]
        rng = random.Random(f"{self.config['seed']}-{phase['name']}")
        turns: list[Result] = []
        calls_before = len(self.connector.calls)
        cpu_before = cpu_seconds()

        async def one_user(user: Result, user_rng: random.Random) -> None:
            if think_high > 0:
                await asyncio.sleep(user_rng.uniform(0, think_high))  # users do not start in step
            for _ in range(phase["turns"]):
                command, activity, expected = self.build_turn(user, user_rng)
                body = json.dumps(activity, ensure_ascii=False).encode()
                record: Result = {"command": command, "id": activity["id"], "expected": expected}
                if activity["type"] == "invoke":
                    record["reply_to"] = activity["replyToId"]
                started = time.perf_counter()
                try:
                    async with self.session.post(url, data=body, headers=headers) as response:
                        payload = await response.read()
                        status = response.status
                except Exception as error:  # a lost connection or a timeout is an error of the turn
                    record.update(latency=time.perf_counter() - started, status=None, error=repr(error)[:200])
                else:
                    record.update(latency=time.perf_counter() - started, status=status)
                    if activity["type"] == "invoke":
                        record["body"] = payload.decode("utf-8", "replace")
                record["start"] = started
                turns.append(record)
                if think_high > 0:
                    await asyncio.sleep(user_rng.uniform(think_low, think_high))

        begin = time.perf_counter()
        if phase.get("sequential"):  # one user after another: nothing else in flight
            for user in users:
                await one_user(user, random.Random(rng.random()))
        else:
            await asyncio.gather(*(one_user(u, random.Random(rng.random())) for u in users))
        elapsed = time.perf_counter() - begin
        cpu = cpu_seconds() - cpu_before
        calls = self.connector.calls[calls_before:]
        checked = self._check(turns, calls)
        for record in turns:
            record.pop("body", None)
            record["start"] -= begin
        return {
            "name": phase["name"],
            "users": len(users),
            "elapsed": elapsed,
            "turns": turns,
            "connector": dict(Counter(f"{c.operation} {c.status}" for c in calls)),
            "connector_problems": self.connector.problems[-5:],
            "client_cpu_seconds": cpu,
            "client_peak_rss_mib": peak_rss_mib(),
            **checked,
        }

    @staticmethod
    def _check(turns: list[Result], calls: Sequence[Any]) -> Result:
        """Every turn must have been answered as expected: a message by exactly one reply to it carrying the
        expected text, an invoke by a 200 with an adaptive card carrying it (Klar: the clicked card replaced for
        everyone; another page: for the clicker alone, nothing sent through the connector)."""
        replies: dict[str | None, list[Any]] = defaultdict(list)
        updates: dict[str | None, list[Any]] = defaultdict(list)
        for call in calls:
            if call.status < 300 and call.operation in ("reply", "send"):
                replies[call.reply_to_id].append(call)
            elif call.status < 300 and call.operation == "update":
                updates[call.activity_id].append(call)
        problems: Counter[str] = Counter()
        for record in turns:
            problem = None
            if record["status"] is None:
                problem = "no HTTP answer"
            elif record["command"] in ("invoke item.done", "invoke list.page"):
                # Klar replaces the clicked card for everyone; another page is only the clicker's (the 200).
                replaced = 1 if record["command"] == "invoke item.done" else 0
                if record["status"] != 200:
                    problem = f"invoke HTTP {record['status']}"
                else:
                    try:
                        body = json.loads(record.get("body") or "{}")
                    except ValueError:
                        body = {}
                    if body.get("type") != "application/vnd.microsoft.card.adaptive":
                        problem = f"invoke answered {str(body.get('type'))[:60]}"
                    elif record["expected"] not in json.dumps(body.get("value"), ensure_ascii=False):
                        problem = f"invoke card without {record['expected']!r}"
                    elif len(updates.get(record["reply_to"], [])) != replaced:
                        problem = (
                            "clicked card not replaced" if replaced else "clicked card replaced for everyone"
                        )
            elif record["status"] != 201:
                problem = f"message HTTP {record['status']}"
            else:
                answers = replies.get(record["id"], [])
                text = json.dumps([c.body for c in answers], ensure_ascii=False)
                if len(answers) != 1:
                    problem = f"{len(answers)} replies"
                elif ERROR_TEXT in text:
                    problem = "error reply"
                elif record["expected"] not in text:
                    problem = f"reply without {record['expected']!r}"
            record["ok"] = problem is None
            if problem is not None:
                problems[f"{record['command']}: {problem}"] += 1
        return {"errors": sum(problems.values()), "problems": dict(problems.most_common(8))}


async def client_main(config: Result) -> None:
    client = Client(config)
    await client.start()
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print(json.dumps({"service_url": client.connector.service_url}), flush=True)
    try:
        while line := await reader.readline():
            order = json.loads(line)
            if order.get("quit"):
                break
            result = await client.run_phase(order)
            path = Path(config["plan"]).with_name(f"phase-{order['name']}.json")
            await asyncio.to_thread(path.write_text, json.dumps(result))
            print(json.dumps({"result": str(path)}), flush=True)
    finally:
        await client.stop()
