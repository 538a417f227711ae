"""The bot latency bench's section of bench/RESULTS.md: the table per scenario and the notes under it."""

from __future__ import annotations

import argparse

from common import ROOT
from latency_world import GROUPS, MIX, SECTION, TARGET_P99_MS, Result


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


def results_section(args: argparse.Namespace, result: Result, facts: Result) -> tuple[str, list[str]]:
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
        "after the bot's reply was accepted by the connector; a Klar invoke's 200 carries the item card, after "
        "the clicked card was replaced for everyone through the connector; a Nästa invoke's 200 carries the "
        "list's next page (for the clicker alone). Server-side time per request "
        f"(a middleware around the handler): {server_side}. A warm-up of {result['warmup']['turns']} turns "
        "(signing keys fetched, caches) came first and is not counted. Every turn was checked: a message "
        "must get exactly one reply to it with the expected title or text (e.g. 'Punkt #N är klar'), an "
        "Klar invoke a 200 with the item's card and one update of the clicked card, a Nästa invoke a 200 "
        "with the page ('Visar 16–…') and no update. "
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
