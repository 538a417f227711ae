"""Benchmark the Teams bot's turn latency: simulated users against the real app over HTTP, 10,000 items stored.

Three processes, so that each one's figures are its own:
- this one, the server: `create_app` (store, handlers, gateway, outbox loop) on 127.0.0.1 behind an aiohttp
  AppRunner, trusting a local OpenID/JWKS server (tests/bot/auth_keys.py, in a thread here);
- a seeding process (`--role seed`) that fills a temporary SQLite file through `SqlStore.save_ingest` first;
- a client process (`--role client`): the fake Bot Connector (tests/fake_connector.py, limits lifted) and the
  simulated users, one aiohttp ClientSession, each POST /api/messages carrying a Bot Connector-signed JWT.

Latency of a turn = from sending the POST until the whole HTTP response is read. For a message the bot answers
201 only after its reply reached the connector, so the reply is included; for an invoke the 200 carries the
card (and the clicked card was replaced for everyone through the connector before it)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import hashlib
import io
import json
import logging
import math
import os
import platform
import pstats
import random
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

SCRIPT = Path(__file__).resolve()
ROOT = SCRIPT.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # tests.bot.auth_keys, tests.fake_connector

RESULTS = ROOT / "bench" / "RESULTS.md"
SECTION = "## Bot latency"
TARGET_P99_MS = 100.0
# The paced scenario: each user reads the answer and types the next command 5 to 15 seconds later (10 s on
# average). People in Teams are slower than that; 200 of them at this pace offer about 20 turns/s.
DEFAULT_THINK = "5-15"
APP_ID = "00000000-0000-0000-0000-00000000b075"
TENANT = "00000000-0000-0000-0000-000000000001"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "minutesbot"
CONNECTOR_TOKEN = "connector-bench-token"
ERROR_TEXT = "Något gick fel"  # bot.teams_gateway.ERROR_TEXT, without importing botbuilder in the client
GROUPS = ("FLG", "FSG", "VSG", "ISG", "KLG", "PLG", "ELG", "ULG")
PERSONAL_SHARE = 0.2  # users who talk to the bot in a personal chat instead of their group's channel
# The command mix (weights); "invoke" is a click on an item card's "Klar" button (adaptiveCard/action).
MIX: dict[str, int] = {
    "mina": 20,
    "öppna": 10,
    "öppna XY": 15,
    "beslut budget": 10,
    "uppföljning": 10,
    "klar N": 15,
    "invoke item.done": 20,
}
FIRST_NAMES = (
    "Anna Annika Anders Björn Birgitta Carl Cecilia Daniel Elin Erik Eva Fredrik Gustav Hanna Helena Ingrid "
    "Johan Johanna Karin Kerstin Lars Lena Linnea Magnus Maria Mats Mikael Nils Olof Oskar Per Petra Sara "
    "Sofia Stefan Susanne Tomas Ulla Ulf Viktor"
).split()
LAST_NAMES = (
    "Andersson Berg Bergström Dahl Ek Eriksson Forsberg Gustafsson Hansson Holm Isaksson Jakobsson Johansson "
    "Karlsson Larsson Lind Lindberg Lundgren Magnusson Nilsson Nyström Olsson Persson Pettersson Sandberg "
    "Sjöberg Strand Svensson Wallin Åberg Öberg"
).split()
TOPICS = (
    "Budget 2025",
    "Budgetuppföljning",
    "Lokaler",
    "Schema och bemanning",
    "Arbetsmiljö",
    "Rekrytering",
    "IT och system",
    "Kvalitetsarbete",
    "Ekonomi",
    "Information från ledningen",
    "Övriga frågor",
)
ACTIONS = (
    "ta fram ett förslag på {x} till nästa möte",
    "kontakta fastighetsförvaltningen om {x}",
    "sammanställa synpunkter på {x}",
    "boka möte med facket om {x}",
    "uppdatera rutinen för {x}",
    "undersöka kostnaden för {x}",
    "skicka ut underlaget om {x} till gruppen",
)
THINGS = (
    "budgeten för nästa år",
    "ventilationen i plan 3",
    "sommarschemat",
    "introduktionen av nyanställda",
    "det nya bokningssystemet",
    "friskvårdsbidraget",
    "brandskyddet",
    "städningen av köket",
    "kompetensutvecklingen",
    "budgetramen för IT",
)
DECISIONS = (
    "Gruppen beslutar att godkänna {x}.",
    "Beslut: {x} skjuts upp till hösten.",
    "Gruppen beslutar att avsätta medel för {x} inom budget.",
    "Beslutades att {x} följs upp kvartalsvis.",
)

MEASURED = ("bot", "workflows", "store", "cards", "minutes")
PHASE_TIMEOUT = 1800.0  # seconds a scenario may take before the run is given up
Result = dict[str, Any]


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _rss_now_mib() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _machine_busy_seconds() -> float:
    """CPU seconds all processes of the machine have used since boot (/proc/stat: all but idle and iowait)."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        busy = sum(fields[:8]) - fields[3] - fields[4]
        return busy / os.sysconf("SC_CLK_TCK")
    return float("nan")


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- the seeding process -------------------------------------------------------------------------------------


def _roster(rng: random.Random, group: str, size: int, taken: set[str]) -> list[dict[str, Any]]:
    """`size` people with unique names overall and unique initials within the group; one secretary, one chair."""
    people: list[dict[str, Any]] = []
    initials_used: set[str] = set()
    while len(people) < size:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        name = f"{first} {last}"
        if name in taken:
            continue
        initials = (first[0] + last[0]).upper()
        for extra in (first[1:3], last[1:3]):
            if initials not in initials_used:
                break
            initials = (first[0] + extra[0] + last[0]).upper() if extra else initials
        if initials in initials_used:
            continue
        taken.add(name)
        initials_used.add(initials)
        aad = str(uuid.uuid5(uuid.NAMESPACE_URL, f"minutesbot-bench:{name}"))
        roles = ["sekreterare"] if not people else ["ordförande"] if len(people) == 1 else []
        upn = f"{first}.{last}@example.org".lower().translate(str.maketrans("åäö", "aao"))
        people.append(
            {"group": group, "name": name, "initials": initials, "aad": aad, "roles": roles, "upn": upn}
        )
    return people


async def seed(config: Result) -> Result:
    """Rosters, documents and items (through save_ingest), a share of them done (set_status), the outbox of
    the ingests settled, the conversations saved; returns the plan the client needs (users, their items)."""
    from minutes.model import ItemKind, Relative
    from minutes.reconcile import Reconciliation
    from minutes.records import ConversationType, ConvRef, DocumentRecord, ItemRecord, RosterEntry
    from store.engine import store_context

    rng = random.Random(config["seed"])
    groups = list(GROUPS[: config["groups"]])
    per_group_docs = math.ceil(config["items"] / (len(groups) * config["items_per_document"]))
    start = time.perf_counter()
    timings: dict[str, float] = {}
    plan_users: list[Result] = []
    today = datetime.now(UTC).date()
    now = datetime.now(UTC)
    counts: Counter[str] = Counter()
    async with store_context(config["database_url"]) as store:
        timings["open (migrations)"] = time.perf_counter() - start
        taken: set[str] = set()
        rosters: dict[str, list[Result]] = {}
        for group in groups:
            rosters[group] = _roster(rng, group, config["roster"], taken)
            await store.save_roster(
                group,
                [
                    RosterEntry(
                        group=group,
                        initials=p["initials"],
                        name=p["name"],
                        roles=tuple(p["roles"]),
                        aad_object_id=p["aad"],
                        upn=p["upn"],
                    )
                    for p in rosters[group]
                ],
            )
        began = time.perf_counter()
        left = config["items"]
        first_meeting = today - timedelta(weeks=per_group_docs)
        documents = 0
        owner_of: dict[str, str] = {}  # item key → the one user who will check it off (first owner's aad)
        due_soon: dict[str, bool] = {}
        for week in range(per_group_docs):
            for group in groups:
                if left <= 0:
                    break
                meeting = first_meeting + timedelta(weeks=week, days=groups.index(group) % 5)
                key = f"local:/srv/protokoll|{group}/{meeting.isoformat()}.docx"
                document = DocumentRecord(
                    key=key,
                    name=f"Protokoll {group} {meeting.isoformat()}.docx",
                    version=f"{meeting.isoformat()}-1",
                    content_hash=hashlib.sha256(key.encode()).hexdigest(),
                    web_url=None,
                    group=group,
                    meeting_date=meeting,
                    status="ok",
                )
                records = []
                for index in range(min(config["items_per_document"], left)):
                    kind = rng.choices(
                        (ItemKind.ACTION, ItemKind.DECISION, ItemKind.FOLLOW_UP), weights=(60, 25, 15)
                    )[0]
                    topic = rng.choice(TOPICS)
                    thing = rng.choice(THINGS)
                    owners: tuple[str, ...] = ()
                    due, due_raw, relative = None, None, None
                    if kind is ItemKind.DECISION:
                        text = rng.choice(DECISIONS).format(x=thing)
                    else:
                        members = rosters[group]
                        roll = rng.random()
                        if roll < 0.05:
                            owners = ("ALLA",)
                        elif roll < 0.20:
                            owners = tuple(p["initials"] for p in rng.sample(members, 2))
                        else:
                            owners = (rng.choice(members)["initials"],)
                        text = rng.choice(ACTIONS).format(x=thing).capitalize() + "."
                        if kind is ItemKind.FOLLOW_UP or rng.random() < 0.2:
                            due_raw, relative = "till nästa möte", Relative.NEXT_MEETING
                        else:
                            due = meeting + timedelta(days=rng.randint(7, 60))
                            due_raw = due.isoformat()
                    item_key = hashlib.sha256(f"{key}\x1f{index}\x1f{text}".encode()).hexdigest()[:32]
                    records.append(
                        ItemRecord(
                            key=item_key,
                            document_key=key,
                            kind=kind,
                            topic=topic,
                            text=text,
                            owners=owners,
                            actors=owners,
                            due=due,
                            due_raw=due_raw,
                            due_relative=relative,
                            source=f"t1.r{index + 1}.c2.0",
                            group=group,
                            meeting_date=meeting,
                        )
                    )
                    counts[kind.value] += 1
                    first = next((o for o in owners if o != "ALLA"), None)
                    if first is not None:
                        owner_of[item_key] = next(p["aad"] for p in rosters[group] if p["initials"] == first)
                    due_soon[item_key] = week >= per_group_docs - 8  # the last two months' items
                left -= len(records)
                documents += 1
                at = datetime.combine(meeting, datetime.min.time(), UTC) + timedelta(days=1)
                await store.save_ingest(
                    document, Reconciliation(added=tuple(records)), at=at, origin="ingest:bench"
                )
        timings["save_ingest"] = time.perf_counter() - began

        # The ingests' outbox messages (meeting summaries) count as delivered long ago.
        began = time.perf_counter()
        settled = 0
        while claimed := await store.claim_outbox(
            "bench-seed", now=now, lease=timedelta(minutes=5), limit=500
        ):
            for message in claimed:
                await store.mark_sent(message.id, at=now)
                settled += 1
        timings["outbox settled"] = time.perf_counter() - began

        # Most of the older action items are done, recent ones mostly open: the rows and audit entries
        # `set_status` would write, in one transaction (one call per item took over a minute).
        began = time.perf_counter()
        stored = await store.list_items()
        finished = [
            item
            for item in stored
            if item.kind is not ItemKind.DECISION
            and item.id is not None
            and rng.random() < (0.25 if due_soon[item.key] else config["done_share"])
        ]
        await _check_off(config["database_url"], finished, owner_of, now)
        done = len(finished)
        timings["checked off"] = time.perf_counter() - began

        # Conversations: one channel per group (following it), personal chats for some users.
        service_url = config["service_url"]
        for group in groups:
            await store.save_conversation(
                ConvRef(
                    service_url=service_url,
                    conversation_id=_channel_id(group),
                    conversation_type=ConversationType.CHANNEL,
                    tenant_id=TENANT,
                    bot_id=BOT_ID,
                    team_id=_team_id(group),
                ),
                at=now,
            )
            await store.follow_group(_channel_id(group), group, by="bench", at=now, origin="bench")
        open_items = await store.list_items(open_only=True)
        mine: dict[str, list[int]] = defaultdict(list)
        for item in open_items:
            aad = owner_of.get(item.key)
            if aad is not None and item.id is not None and item.kind is not ItemKind.DECISION:
                mine[aad].append(item.id)
        for group in groups:
            for person in rosters[group]:
                personal = rng.random() < PERSONAL_SHARE
                user = {
                    **person,
                    "teams_id": f"29:{person['aad'][:8]}",
                    "personal": personal,
                    "items": mine.get(person["aad"], []),
                    "others": [p["initials"] for p in rosters[group]],
                }
                if personal:
                    await store.save_conversation(_personal_ref(user, service_url), at=now)
                plan_users.append(user)
        audit_rows = len(await store.audit_log())
    rng.shuffle(plan_users)  # any prefix of the users mixes groups and chats
    return {
        "plan": {"users": plan_users, "groups": groups},
        "seconds": time.perf_counter() - start,
        "timings": timings,
        "documents": documents,
        "items": len(stored),
        "kinds": dict(counts),
        "done": done,
        "open": len(open_items),
        "outbox_settled": settled,
        "audit_rows": audit_rows,
        "users": len(plan_users),
        "personal_users": sum(1 for u in plan_users if u["personal"]),
        "users_with_items": sum(1 for u in plan_users if u["items"]),
        "peak_rss_mib": _peak_rss_mib(),
    }


async def _check_off(database_url: str, done: Sequence[Any], owner_of: dict[str, str], at: datetime) -> None:
    from sqlalchemy import insert, update

    from minutes.records import ItemStatus
    from store.engine import create_engine_for
    from store.rows import audit_values
    from store.tables import audit_log, items

    engine = create_engine_for(database_url)
    try:
        async with engine.begin() as connection:
            for item in done:
                by = owner_of.get(item.key, "bench")
                await connection.execute(
                    update(items)
                    .where(items.c.id == item.id)
                    .values(status=ItemStatus.DONE.value, changed_by=by, changed_at=at, updated_at=at)
                )
            await connection.execute(
                insert(audit_log),
                [
                    audit_values(
                        at=at,
                        actor=owner_of.get(i.key, "bench"),
                        action="item.done",
                        subject=i.key,
                        origin="bench",
                    )
                    for i in done
                ],
            )
    finally:
        await engine.dispose()


def _channel_id(group: str) -> str:
    return f"19:{group.lower()}-protokoll@thread.tacv2"


def _team_id(group: str) -> str:
    return f"19:{group.lower()}-team@thread.tacv2"


def _personal_id(user: Result) -> str:
    return f"a:personal-{user['aad']}"


def _personal_ref(user: Result, service_url: str) -> Any:
    from minutes.records import ConversationType, ConvRef

    return ConvRef(
        service_url=service_url,
        conversation_id=_personal_id(user),
        conversation_type=ConversationType.PERSONAL,
        tenant_id=TENANT,
        bot_id=BOT_ID,
        user_id=user["teams_id"],
        user_aad_id=user["aad"],
    )


# --- the client process: the fake Bot Connector and the users ------------------------------------------------


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

    def _activity(self, user: Result, kind: str, **fields: Any) -> Result:
        group = user["group"]
        conversation: Result
        if user["personal"]:
            conversation = {"id": _personal_id(user), "conversationType": "personal", "tenantId": TENANT}
            channel_data: Result = {"tenant": {"id": TENANT}}
        else:
            conversation = {
                "id": _channel_id(group),
                "conversationType": "channel",
                "tenantId": TENANT,
                "isGroup": True,
            }
            channel_data = {
                "tenant": {"id": TENANT},
                "team": {"id": _team_id(group)},
                "channel": {"id": _channel_id(group)},
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
                value = {
                    "action": {"type": "Action.Execute", "verb": "item.done", "data": {"itemId": item}},
                    "trigger": "manual",
                }
                activity = self._activity(
                    user,
                    "invoke",
                    name="adaptiveCard/action",
                    value=value,
                    replyToId=str(next(self.activity_ids)),
                )
                return command, activity, f"#{item}"
        if command == "öppna XY":
            person = rng.choice(user["others"])
            return command, self._message(user, f"öppna {person}"), f"Öppna punkter för {person}"
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
        cpu_before = _cpu_seconds()

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
        cpu = _cpu_seconds() - cpu_before
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
            "client_peak_rss_mib": _peak_rss_mib(),
            **checked,
        }

    @staticmethod
    def _check(turns: list[Result], calls: Sequence[Any]) -> Result:
        """Every turn must have been answered as expected: a message by exactly one reply to it carrying the
        expected text, an invoke by a 200 with an adaptive card (and the clicked card replaced)."""
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
            elif record["command"] == "invoke item.done":
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
                        problem = "invoke card without the item"
                    elif len(updates.get(record["reply_to"], [])) != 1:
                        problem = "clicked card not replaced"
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


# --- the server (this process) -------------------------------------------------------------------------------


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
    cpu = _cpu_seconds()
    busy = _machine_busy_seconds()
    order = {
        "name": name,
        "server_url": server.url,
        "users": users,
        "turns": turns,
        "think": list(think),
        "sequential": sequential,
    }
    result = await client.order(order)
    summary = _summary(result, _cpu_seconds() - cpu, list(server.handler_seconds))
    # What the rest of the machine used meanwhile: other processes compete for the same cores.
    summary["others_cpu"] = _machine_busy_seconds() - busy - summary["server_cpu"] - summary["client_cpu"]
    summary.update(per_user=turns, think=list(think), sequential=sequential)
    _say(
        f"  {name}: {summary['turns']} turns in {summary['elapsed']:.1f} s = {summary['rate']:.1f} turns/s; "
        f"p50 {summary['p50']:.0f} ms, p90 {summary['p90']:.0f} ms, p99 {summary['p99']:.0f} ms, "
        f"max {summary['max']:.0f} ms; errors {summary['errors']} {summary['problems'] or ''}; "
        f"server CPU {summary['server_cpu']:.1f} s, client CPU {summary['client_cpu']:.1f} s, "
        f"other processes {summary['others_cpu']:.1f} s"
    )
    return summary


def _top_costs(profile: cProfile.Profile, turns: int, limit: int = 25) -> tuple[str, list[str]]:
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
        via = f"`{caller[0][2]}` ({_short_path(caller[0][0])}:{caller[0][1]})" if caller else "—"
        lines.append(
            f"| `{function}` ({_short_path(filename)}:{line}) | {own:.2f} | {own / total:.1%} "
            f"| {calls / turns:.0f} | {via} |"
        )
    return text.getvalue(), lines


def _short_path(filename: str) -> str:
    path = filename.replace(str(ROOT) + "/", "")
    marker = "site-packages/"
    if marker in path:
        path = path.split(marker, 1)[1]
    if "/lib/python3" in path:
        path = "stdlib/" + path.split("/lib/python3", 1)[1].split("/", 1)[1]
    return path


def _grouped_costs(profile: cProfile.Profile) -> dict[str, float]:
    """Own time of the event-loop thread by the package the code lives in."""
    stats = pstats.Stats(profile)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    grouped: Counter[str] = Counter()
    for (filename, _, function), (_, _, own, _, _) in raw.items():
        grouped[_package(filename, function)] += own
    return dict(grouped.most_common())


def _package(filename: str, function: str) -> str:
    path = _short_path(filename)
    if filename == "~":
        return "builtins (" + ("select/epoll" if "poll" in function else "C functions") + ")"
    head = path.split("/", 1)[0]
    if head == "stdlib":
        parts = path.split("/")
        return "stdlib " + (parts[1] if len(parts) > 2 else parts[1].removesuffix(".py"))
    return head.removesuffix(".py")


# --- the driver ----------------------------------------------------------------------------------------------


def _machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    names = ("aiohttp", "botbuilder-core", "msrest", "sqlalchemy", "aiosqlite", "pyjwt")
    libraries = ", ".join(f"{name} {_version(name)}" for name in names)
    return f"nproc {nproc}, CPU {cpu}, Python {platform.python_version()} ({libraries})"


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "?"


def _revision() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, check=False).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines() if line]
    if not changed:
        return commit
    measured = [path for path in changed if path.split("/", 1)[0] in MEASURED]
    return (
        f"{commit} + uncommitted changes to {len(changed)} files, of the measured code: "
        f"{', '.join(measured) if measured else 'none'}"
    )


def _source_digest() -> str:
    """Fingerprint of the measured code (bot, workflows, store, cards, minutes)."""
    digest = hashlib.sha256()
    paths = [path for package in MEASURED for path in (ROOT / package).rglob("*.py")]
    for path in sorted(paths):
        with contextlib.suppress(OSError):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def _command() -> str:
    python = Path(sys.executable)
    with contextlib.suppress(ValueError):
        python = python.relative_to(Path.cwd())
    return shlex.join([str(python), *sys.argv])


def _log_counts(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    with contextlib.suppress(OSError), path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            parts = line.split(" ", 4)
            if len(parts) >= 4 and parts[2] in ("WARNING", "ERROR", "CRITICAL"):
                counts[f"{parts[2]} {parts[3].rstrip(':')}"] += 1
    return counts


async def drive(args: argparse.Namespace, work: Path) -> Result:
    from cryptography.hazmat.primitives import serialization

    from tests.bot.auth_keys import OpenIdServer, SigningKey, trust_openid_server

    key = SigningKey()
    key_path = work / "signing-key.pem"
    key_path.write_bytes(
        key.private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    database_url = f"sqlite+aiosqlite:///{work / 'bot.db'}"
    config = {
        "seed": args.seed,
        "key": str(key_path),
        "kid": key.kid,
        "plan": str(work / "plan.json"),
        "database_url": database_url,
        "items": args.items,
        "items_per_document": args.items_per_document,
        "groups": args.groups,
        "roster": args.roster,
        "done_share": args.done_share,
    }
    (work / "client.json").write_text(json.dumps(config), encoding="utf-8")
    log_path = work / "server.log"
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])  # as bot/cli.py, to a file

    command = [sys.executable, str(SCRIPT), "--role", "client", "--config"]
    process = await asyncio.create_subprocess_exec(
        *command, str(work / "client.json"), stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT
    )
    client = ClientProcess(process)
    result: Result = {}
    try:
        service_url = (await client.read())["service_url"]
        _say(f"seeding {args.items} items ({args.groups} groups × {args.roster} people) …")
        seed_config = {**config, "service_url": service_url}
        (work / "seed.json").write_text(json.dumps(seed_config), encoding="utf-8")
        seeding = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            "--role",
            "seed",
            "--config",
            str(work / "seed.json"),
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        seeded_out, _ = await seeding.communicate()
        if seeding.returncode != 0:
            raise SystemExit(f"seeding failed (exit {seeding.returncode})")
        result["seed"] = json.loads(seeded_out.decode().strip().splitlines()[-1])
        s = result["seed"]
        _say(
            f"  {s['items']} items ({s['open']} open, {s['done']} done) in {s['seconds']:.1f} s: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in s["timings"].items())
        )
        result["rss_before_start_mib"] = _rss_now_mib()
        with OpenIdServer(key) as openid, _patched() as patch:
            trust_openid_server(patch, openid)
            server = Server(work, database_url)
            await server.start()
            result["rss_after_start_mib"] = _rss_now_mib()
            # The server has imported its code now; later edits of the files do not reach it.
            result["digest_imported"] = await asyncio.to_thread(_source_digest)
            try:
                _say("warming up (not counted) …")
                result["warmup"] = await run_phase(server, client, "warm-up", users=8, turns=2)
                result["rss_after_warmup_mib"] = _rss_now_mib()
                phases = []
                _say(f"unloaded: {args.unloaded_users} users one after another × 2 turns …")
                phases.append(
                    await run_phase(
                        server, client, "unloaded", users=args.unloaded_users, turns=2, sequential=True
                    )
                )
                _say(f"concurrent: {args.users} users × {args.turns} turns, no think time …")
                phases.append(
                    await run_phase(server, client, "concurrent", users=args.users, turns=args.turns)
                )
                if args.think:
                    low, high = (float(x) for x in args.think.split("-"))
                    _say(f"paced: {args.users} users × {args.turns} turns, think time {args.think} s …")
                    phases.append(
                        await run_phase(
                            server, client, "paced", users=args.users, turns=args.turns, think=(low, high)
                        )
                    )
                result["phases"] = phases
                result["server_peak_rss_mib"] = _peak_rss_mib()
                result["rss_after_mib"] = _rss_now_mib()
                missed = any(p["p99"] >= TARGET_P99_MS for p in phases if p["name"] != "unloaded")
                if (missed or args.profile) and args.profile_users > 0:
                    _say(
                        f"profiling the server (cProfile, event-loop thread): {args.profile_users} users × "
                        "2 turns, no think time …"
                    )
                    profile = cProfile.Profile()
                    profile.enable()
                    try:
                        profiled = await run_phase(
                            server, client, "profile", users=args.profile_users, turns=2
                        )
                    finally:
                        profile.disable()
                    listing, top = _top_costs(profile, profiled["turns"])
                    (work / "profile.txt").write_text(listing, encoding="utf-8")
                    profile.dump_stats(work / "profile.pstats")  # for pstats/snakeviz, with --keep
                    print(listing, file=sys.stderr)
                    result["profile"] = {
                        "summary": profiled,
                        "top": top,
                        "grouped": _grouped_costs(profile),
                    }
                    if args.py_spy:
                        result["py_spy"] = await _py_spy(args, server, client, work)
            except BaseException:
                if process.returncode is None:
                    process.kill()  # first: a server waiting on its requests would wait on the client
                raise
            finally:
                async with asyncio.timeout(60):
                    await server.stop()
        await client.order({"quit": True})
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    result["log"] = dict(_log_counts(log_path).most_common(8))
    return result


@contextlib.contextmanager
def _patched() -> Any:
    import pytest

    with pytest.MonkeyPatch.context() as patch:
        yield patch


async def _py_spy(args: argparse.Namespace, server: Server, client: ClientProcess, work: Path) -> Result:
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
    _say(f"profiling the server (py-spy --gil): {args.profile_users} users × 2 turns …")
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
        for function in {f"`{name}` ({_short_path(path)})" for name, path in frames if _telling(path)}:
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
    short = _short_path(path)
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
    short = _short_path(path)
    head = short.split("/", 1)[0]
    if head in MEASURED:
        return short
    if head == "stdlib":
        parts = short.split("/")
        return "stdlib " + (parts[1] if len(parts) > 2 else parts[1].removesuffix(".py"))
    return head.removesuffix(".py")


def _phase_label(args: argparse.Namespace, phase: Result) -> str:
    if phase["name"] == "unloaded":
        return f"unloaded: one user at a time ({phase['users']} users × {phase['per_user']} turns)"
    if phase["name"] == "concurrent":
        return (
            f"{phase['users']} concurrent users, no think time ({phase['users']} × {phase['per_user']} turns)"
        )
    return (
        f"{phase['users']} concurrent users, think time {args.think} s "
        f"({phase['users']} × {phase['per_user']} turns)"
    )


def _section(args: argparse.Namespace, result: Result, facts: Result) -> tuple[str, list[str]]:
    phases = result["phases"]
    seed = result["seed"]
    table = [
        "| scenario | turns/s | p50 ms | p90 ms | p99 ms | max ms | errors | p99 < 100 ms? "
        "| server CPU ms per turn (busy) | server peak RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for p in phases:
        met = "yes" if p["p99"] < TARGET_P99_MS else "**no**"
        table.append(
            f"| {_phase_label(args, p)} | {p['rate']:.1f} | {p['p50']:.0f} | {p['p90']:.0f} | {p['p99']:.0f} "
            f"| {p['max']:.0f} | {p['errors']} | {met} | {p['server_cpu'] / p['turns'] * 1000:.0f} "
            f"({p['server_cpu'] / p['elapsed']:.0%}) "
            f"| {result['server_peak_rss_mib']:.1f} |"
        )
    concurrent = next(p for p in phases if p["name"] == "concurrent")
    unloaded = next(p for p in phases if p["name"] == "unloaded")
    paced = next((p for p in phases if p["name"] == "paced"), None)

    def met(phase: Result) -> str:
        return "met" if phase["p99"] < TARGET_P99_MS else "not met"

    verdict = f"Target (the issue): p99 under {TARGET_P99_MS:.0f} ms with {args.users} concurrent users on this machine. "
    if paced is not None:
        verdict += (
            f"With {args.users} users each sending a command {args.think} s after the answer to the last "
            f"(think time; {paced['rate']:.1f} turns/s): **{met(paced)}** (p99 {paced['p99']:.0f} ms). "
        )
    verdict += (
        f"Without think time — every user fires the next command the moment the answer arrives, so "
        f"{args.users} requests are in flight all the time — **{met(concurrent)}** (p99 "
        f"{concurrent['p99']:.0f} ms at {concurrent['rate']:.1f} turns/s): that scenario measures throughput, "
        f"not latency. The server spends {concurrent['server_cpu'] / concurrent['turns'] * 1000:.0f} ms of CPU "
        "per turn (all its threads); one Python process with its GIL gets about one core's worth, so it serves "
        f"about {concurrent['turns'] / concurrent['server_cpu']:.0f} turns/s, and {args.users} users without "
        f"think time queue behind one another: latency ≈ users ÷ throughput ≈ "
        f"{args.users / (concurrent['turns'] / concurrent['server_cpu']) * 1000:.0f} ms. One user at a time: "
        f"p99 {unloaded['p99']:.0f} ms ({met(unloaded)})."
    )
    names = [p["name"] for p in phases]
    by_command = [
        "| command | " + " | ".join(f"p50 / p99 ms ({n})" for n in names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for command in MIX:
        cells = []
        for p in phases:
            found = p["by_command"].get(command)
            cells.append(f"{found['p50']:.0f} / {found['p99']:.0f} ({found['turns']})" if found else "—")
        by_command.append(f"| {command} | " + " | ".join(cells) + " |")
    problems = "; ".join(
        f"{p['name']}: {p['errors']} ({', '.join(f'{k} ×{v}' for k, v in p['problems'].items())})"
        if p["errors"]
        else f"{p['name']}: none"
        for p in [result["warmup"], *phases]
    )
    connector = "; ".join(
        f"{p['name']}: " + ", ".join(f"{k} ×{v}" for k, v in sorted(p["connector"].items())) for p in phases
    )
    server_side = "; ".join(
        f"{p['name']} p50 {p['server_p50']:.0f} / p99 {p['server_p99']:.0f} ms" for p in phases
    )
    client_cpu = ", ".join(f"{p['name']} {p['client_cpu']:.1f} s" for p in phases)
    others_cpu = ", ".join(
        f"{p['name']} {p['others_cpu']:.1f} s in {p['elapsed']:.1f} s "
        f"({p['others_cpu'] / p['elapsed']:.2f} cores)"
        for p in phases
    )
    log = ", ".join(f"{k} ×{v}" for k, v in result["log"].items()) or "none"
    timings = ", ".join(f"{k} {v:.1f} s" for k, v in seed["timings"].items())
    lines = [
        SECTION,
        "",
        f"Date: {facts['started']}; revision {facts['revision']}; measured code (bot/, workflows/, store/, "
        f"cards/, minutes/) sha256 {facts['digest']}.",
        *facts["changed"],
        f"Machine: {facts['machine']}; load average {facts['load_before']} before the run, "
        f"{facts['load_after']} after.",
        f"Data: SQLite (a temporary file, {seed['database_mib']:.1f} MiB) seeded with {seed['items']} items "
        f"({', '.join(f'{v} {k}' for k, v in seed['kinds'].items())}) in {seed['documents']} documents "
        f"(weekly meetings of {args.groups} groups, {', '.join(GROUPS[: args.groups])}, "
        f"{args.items_per_document} items each) through `SqlStore.save_ingest` (`Reconciliation(added=…)`); "
        f"then {seed['done']} actions and follow-ups checked off (older ones mostly; the rows and audit entries "
        "`set_status` writes, in one transaction), "
        f"leaving {seed['open']} items open; owners are initials from each group's roster of {args.roster} "
        f"people (saved with `save_roster`, Entra object ids, one secretary each); {seed['audit_rows']} audit "
        f"rows. Seeding took {seed['seconds']:.1f} s ({timings}) in a process of its own.",
        "",
        *table,
        "",
        verdict,
        "",
        "By command (p50 / p99 ms, and turns):",
        "",
        *by_command,
        "",
        *_write_note(concurrent),
        f"Command: `cd {ROOT} && {facts['command']}`",
        "",
        f"Users: {seed['users']}, one per roster person (each its own Entra object id); {seed['personal_users']} "
        "talk to the bot in a personal chat, the others in their group's channel (@mentioning it). Each user "
        "sends its turns one after the other, each on the answer to the last; commands drawn from "
        + ", ".join(f"'{k}' {v}%" for k, v in MIX.items())
        + " ('klar N' and the click on the card's 'Klar' on the user's own open items, each item once; "
        "'öppna XY' for someone of the user's group). Server: `create_app(settings, connector_token=…)` with "
        "Teams on (bot_app_id, password, tenant id; minutes_folder=None, no roster folder), started in the "
        "benchmark's process with `web.AppRunner`/`TCPSite` on 127.0.0.1, logging at INFO with the access log "
        "to a file as `minutesbot run` does to stderr; it trusts a local OpenID/JWKS server "
        "(tests/bot/auth_keys.py, monkeypatched as the tests do) and validates every request's RS256 JWT "
        "through botbuilder as in production. Client: a separate process with one aiohttp ClientSession for "
        "all users and the fake Bot Connector (tests/fake_connector.py, rate limits lifted) that accepts the "
        "bot's replies; so the server process runs only the bot, and its CPU time and peak RSS (`ru_maxrss`, "
        "interpreter, imports and the OpenID thread included; seeding ran elsewhere) are the bot's. The "
        f"client, the connector and the server share the machine's {facts['nproc']} cores (client CPU: "
        f"{client_cpu}; CPU used meanwhile by other processes on the machine, from /proc/stat: {others_cpu}). "
        "Latency = from sending the POST until the response is read: a message's 201 comes "
        "after the bot's reply was accepted by the connector; an invoke's 200 carries the item card, after "
        "the clicked card was replaced for everyone through the connector. Server-side time per request "
        f"(a middleware around the handler): {server_side}. A warm-up of {result['warmup']['turns']} turns "
        "(signing keys fetched, caches) came first and is not counted. Every turn was checked: a message "
        "must get exactly one reply to it with the expected title or text (e.g. 'Punkt #N är klar'), an "
        "invoke a 200 with the item's card and one update of the clicked card. "
        f"Errors: {problems}. Connector calls (operation status): {connector}. Server log warnings and "
        f"errors: {log}. Server RSS {result['rss_before_start_mib']:.1f} MiB before `create_app`, "
        f"{result['rss_after_start_mib']:.1f} MiB once started, {result['rss_after_mib']:.1f} MiB at the end.",
    ]
    profile = result.get("profile")
    if profile is not None:
        summary = profile["summary"]
        grouped = profile["grouped"]
        total = sum(grouped.values()) or 1.0
        shares = ", ".join(f"{k} {v / total:.0%}" for k, v in list(grouped.items())[:12])
        lines += [
            "",
            f"Profile: cProfile of the server's event-loop thread over {summary['turns']} more turns "
            f"({summary['users']} users, no think time; {summary['rate']:.1f} turns/s under the profiler, "
            f"server CPU {summary['server_cpu'] / summary['turns'] * 1000:.0f} ms per turn). Own time by where "
            f"the code lives: {shares}. Top functions by own time (seconds over the profiled turns):",
            "",
            "| function | own s | share | calls per turn | most of it called from |",
            "|---|---:|---:|---:|---|",
            *profile["top"],
        ]
    spy = result.get("py_spy")
    if spy is not None and "samples" in spy:
        samples = spy["samples"] or 1
        lines += [
            "",
            f"py-spy (--gil: whichever thread of the server holds the GIL, {spy['summary']['turns']} turns, "
            f"{spy['samples']} samples, {spy['loop_share']:.0%} of them on the event-loop thread, the rest in "
            "worker threads: aiosqlite's, the executor's that msrest sends through `requests`): by the frame "
            "on top: "
            + ", ".join(f"{k} {v / samples:.0%}" for k, v in spy["own"].items())
            + ". Share of samples with the function anywhere on the stack (event loop, aiohttp and threads "
            "left out): " + ", ".join(f"{k} {v / samples:.0%}" for k, v in spy["inclusive"]) + ".",
        ]
    return "\n".join(lines) + "\n", [*table, "", verdict]


def _write_note(phase: Result) -> list[str]:
    """Under load, turns that check an item off against those that only read."""
    by = phase["by_command"]
    writes = [by[c]["p50"] for c in ("klar N", "invoke item.done") if c in by]
    reads = [by[c]["p50"] for c in MIX if c in by and c not in ("klar N", "invoke item.done")]
    if not writes or not reads:
        return []
    ratio = (sum(writes) / len(writes)) / (sum(reads) / len(reads))
    return [
        f"Under load the turns that check an item off took {ratio:.1f}× the median latency of those that only "
        "read. A check-off writes (`SqlStore.set_status`: the item and its audit entry in one transaction, "
        "behind the store's single writer, an `asyncio.Lock`, while every other turn in flight interleaves "
        "with it), and a click also replaces the clicked card for everyone through the connector before it "
        "answers; a read does neither. (The conversation reference is written only when it changed.)",
        "",
    ]


def _write_results(section: str) -> None:
    """Replace our section, or append it at the end; other sections stay as they are."""
    lines = RESULTS.read_text().splitlines(keepends=True) if RESULTS.exists() else ["# Benchmark results\n"]
    start = next((i for i, line in enumerate(lines) if line.rstrip() == SECTION), None)
    if start is None:
        RESULTS.write_text("".join(lines).rstrip("\n") + "\n\n" + section)
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    head = "".join(lines[:start])
    tail = "".join(lines[end:])
    RESULTS.write_text(head + section + ("\n" + tail if tail else ""))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=200, help="simulated users (at most groups × roster)")
    parser.add_argument("--turns", type=int, default=10, help="turns per user and scenario")
    parser.add_argument(
        "--think",
        default=DEFAULT_THINK,
        help="think time between a user's turns in the paced scenario, LOW-HIGH seconds ('' to skip it; "
        f"default {DEFAULT_THINK})",
    )
    parser.add_argument("--unloaded-users", type=int, default=20, help="users of the one-at-a-time scenario")
    parser.add_argument("--items", type=int, default=10_000, help="items in the store")
    parser.add_argument("--items-per-document", type=int, default=25)
    parser.add_argument("--groups", type=int, default=4, help=f"groups (at most {len(GROUPS)})")
    parser.add_argument("--roster", type=int, default=50, help="people per group")
    parser.add_argument("--done-share", type=float, default=0.75, help="share of older items checked off")
    parser.add_argument("--seed", type=int, default=20241125)
    parser.add_argument("--profile", action="store_true", help="profile the server even if the target holds")
    parser.add_argument(
        "--profile-users", type=int, default=50, help="users (× 2 turns) in the profiled run; 0: none"
    )
    parser.add_argument(
        "--py-spy",
        default=shutil.which("py-spy"),
        help="py-spy executable for a sampled profile of every thread (default: py-spy on PATH, if any)",
    )
    parser.add_argument("--no-write", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument("--print-section", action="store_true", help="print the whole section")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (database, logs)")
    parser.add_argument("--role", choices=("seed", "client"), help=argparse.SUPPRESS)
    parser.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.role == "seed":
        config = json.loads(args.config.read_text(encoding="utf-8"))
        seeded = asyncio.run(seed(config))
        Path(config["plan"]).write_text(json.dumps(seeded.pop("plan")), encoding="utf-8")
        seeded["database_mib"] = Path(config["database_url"].split("///", 1)[1]).stat().st_size / 2**20
        print(json.dumps(seeded))
        return
    if args.role == "client":
        asyncio.run(client_main(json.loads(args.config.read_text(encoding="utf-8"))))
        return
    if not 1 <= args.groups <= len(GROUPS) or args.users > args.groups * args.roster:
        parser.error(f"--groups 1..{len(GROUPS)}, and --users at most groups × roster")

    started = datetime.now().astimezone().isoformat(timespec="seconds")
    facts: Result = {
        "started": started,
        "machine": _machine(),
        "nproc": len(os.sched_getaffinity(0)),
        "revision": _revision(),
        "digest": _source_digest(),
        "load_before": _load(),
        "command": _command(),
    }
    work = Path(tempfile.mkdtemp(prefix="minutesbot-bot-bench."))
    try:
        result = asyncio.run(drive(args, work))
    finally:
        if args.keep:
            _say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    facts["load_after"] = _load()
    digest_after = _source_digest()
    imported = result.get("digest_imported", facts["digest"])
    facts["changed"] = []
    if imported != facts["digest"]:
        facts["changed"] = [
            f"**The measured code changed before the server imported it** (sha256 {imported} then, "
            f"{digest_after} at the end)."
        ]
    elif digest_after != imported:
        facts["changed"] = [
            f"The files of the measured code changed after the server had imported them (sha256 "
            f"{digest_after} at the end): the running server kept the code it had imported, sha256 {imported}."
        ]
    section, table = _section(args, result, facts)
    print(section if args.print_section else "\n".join(table))
    if not args.no_write:
        _write_results(section)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} ({SECTION})")


if __name__ == "__main__":
    main()
