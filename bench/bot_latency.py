"""Benchmark the Teams bot's turn latency: simulated users against the real app over HTTP, 10,000 items stored.

Three processes, so that each one's figures are its own:
- this one, the server: `create_app` (store, handlers, gateway, outbox loop) on 127.0.0.1 behind an aiohttp
  AppRunner, trusting a local OpenID/JWKS server (tests/bot/auth_keys.py, in a thread here);
- a seeding process (`--role seed`) that fills a temporary SQLite file through `SqlStore.save_ingest` first;
- a client process (`--role client`): the fake Bot Connector (tests/fake_connector.py, limits lifted) and the
  simulated users, one aiohttp ClientSession, each POST /api/messages carrying a Bot Connector-signed JWT.

Latency of a turn = from sending the POST until the whole HTTP response is read. For a message the bot answers
201 only after its reply reached the connector, so the reply is included; for an invoke the 200 carries the
card (and the clicked card was replaced for everyone through the connector before it).

This file is the driver (the command line, the phases, the facts of the run); the parts live beside it:
latency_world.py (identities, groups, the command mix, process figures), latency_seed.py, latency_client.py,
latency_server.py (the app, the client process, summaries and profiles), latency_report.py (the section of
RESULTS.md), and common.py (machine facts and writing RESULTS.md, shared by every bench)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import common
from common import RESULTS, ROOT, peak_rss_mib, say
from latency_client import client_main
from latency_report import results_section
from latency_seed import seed
from latency_server import ClientProcess, Server, grouped_costs, patched, py_spy, run_phase, top_costs
from latency_world import DEFAULT_THINK, GROUPS, MEASURED, SECTION, TARGET_P99_MS, Result, rss_now_mib

SCRIPT = Path(__file__).resolve()
LIBRARIES = ("aiohttp", "botbuilder-core", "msrest", "sqlalchemy", "aiosqlite", "pyjwt")


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
        say(f"seeding {args.items} items ({args.groups} groups × {args.roster} people) …")
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
        say(
            f"  {s['items']} items ({s['open']} open, {s['done']} done) in {s['seconds']:.1f} s: "
            + ", ".join(f"{k} {v:.1f} s" for k, v in s["timings"].items())
        )
        result["rss_before_start_mib"] = rss_now_mib()
        with OpenIdServer(key) as openid, patched() as patch:
            trust_openid_server(patch, openid)
            server = Server(work, database_url)
            await server.start()
            result["rss_after_start_mib"] = rss_now_mib()
            # The server has imported its code now; later edits of the files do not reach it.
            result["digest_imported"] = await asyncio.to_thread(common.source_digest, MEASURED)
            try:
                say("warming up (not counted) …")
                result["warmup"] = await run_phase(server, client, "warm-up", users=8, turns=2)
                result["rss_after_warmup_mib"] = rss_now_mib()
                phases = []
                say(f"unloaded: {args.unloaded_users} users one after another × 2 turns …")
                phases.append(
                    await run_phase(
                        server, client, "unloaded", users=args.unloaded_users, turns=2, sequential=True
                    )
                )
                say(f"concurrent: {args.users} users × {args.turns} turns, no think time …")
                phases.append(
                    await run_phase(server, client, "concurrent", users=args.users, turns=args.turns)
                )
                if args.think:
                    low, high = (float(x) for x in args.think.split("-"))
                    say(f"paced: {args.users} users × {args.turns} turns, think time {args.think} s …")
                    phases.append(
                        await run_phase(
                            server, client, "paced", users=args.users, turns=args.turns, think=(low, high)
                        )
                    )
                result["phases"] = phases
                result["server_peak_rss_mib"] = peak_rss_mib()
                result["rss_after_mib"] = rss_now_mib()
                missed = any(p["p99"] >= TARGET_P99_MS for p in phases if p["name"] != "unloaded")
                if (missed or args.profile) and args.profile_users > 0:
                    say(
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
                    listing, top = top_costs(profile, profiled["turns"])
                    (work / "profile.txt").write_text(listing, encoding="utf-8")
                    profile.dump_stats(work / "profile.pstats")  # for pstats/snakeviz, with --keep
                    print(listing, file=sys.stderr)
                    result["profile"] = {
                        "summary": profiled,
                        "top": top,
                        "grouped": grouped_costs(profile),
                    }
                    if args.py_spy:
                        result["py_spy"] = await py_spy(args, server, client, work)
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
        "machine": common.machine(LIBRARIES),
        "nproc": len(os.sched_getaffinity(0)),
        "revision": common.revision(MEASURED),
        "digest": common.source_digest(MEASURED),
        "load_before": common.load(),
        "command": common.command(),
    }
    work = Path(tempfile.mkdtemp(prefix="minutesbot-bot-bench."))
    try:
        result = asyncio.run(drive(args, work))
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    facts["load_after"] = common.load()
    digest_after = common.source_digest(MEASURED)
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
    section, table = results_section(args, result, facts)
    print(section if args.print_section else "\n".join(table))
    if not args.no_write:
        common.write_section(SECTION, section)
        print(f"\nwrote {RESULTS.relative_to(ROOT)} ({SECTION})")


if __name__ == "__main__":
    main()
