"""The bot latency bench's seeding process (`bot_latency.py --role seed`): groups, rosters, minutes and
conversations stored through the real store, older items checked off."""

from __future__ import annotations

import hashlib
import math
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from common import peak_rss_mib
from latency_world import (
    ACTIONS,
    BOT_ID,
    DECISIONS,
    FIRST_NAMES,
    GROUPS,
    LAST_NAMES,
    PERSONAL_SHARE,
    TENANT,
    THINGS,
    TOPICS,
    Result,
    channel_id,
    personal_ref,
    team_id,
)


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
                    conversation_id=channel_id(group),
                    conversation_type=ConversationType.CHANNEL,
                    tenant_id=TENANT,
                    bot_id=BOT_ID,
                    team_id=team_id(group),
                ),
                at=now,
            )
            await store.follow_group(channel_id(group), group, by="bench", at=now, origin="bench")
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
                    await store.save_conversation(personal_ref(user, service_url), at=now)
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
        "peak_rss_mib": peak_rss_mib(),
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
