"""The command line's `planner` command for operators: what is mapped and pending, a sync now, link or unlink a plan."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.cli_store import BadInput, _group_argument, _open
from bot.group_config import load_group_config
from bot.planner import planner_connection
from bot.settings import Settings
from minutes.planner import BucketMode, PlannerError
from workflows.planner_sync import PlannerStatus, PlannerSync, SyncReport, plan_status, unlink_plan

ACTIONS = ("status", "sync", "link", "unlink")


def add_planner_parser(commands: Any) -> argparse.ArgumentParser:
    """Add `planner` to the command line's subcommands (`commands`: argparse's subparsers action)."""
    planner_cmd = commands.add_parser(
        "planner", help="Planner: vad som är kopplat och väntar, synka nu, koppla eller koppla bort en plan"
    )
    planner_cmd.add_argument(
        "action",
        choices=ACTIONS,
        help="status: läget per grupp; sync: synka nu; link: koppla en befintlig plan; unlink: koppla bort",
    )
    planner_cmd.add_argument(
        "--group", metavar="GRUPP", help="gruppen, t.ex. FLG (status och sync: alla utan)"
    )
    planner_cmd.add_argument("--plan", metavar="PLAN-ID", help="planens id (link)")
    planner_cmd.add_argument(
        "--buckets",
        choices=[m.value for m in BucketMode],
        help="link: en bucket per möte (meeting) eller rubrik (topic)",
    )
    parser: argparse.ArgumentParser = planner_cmd
    return parser


async def planner_command(args: argparse.Namespace, settings: Settings) -> int:
    groups = load_group_config(settings)
    group = _group_argument(args.group) if args.group or args.action in ("link", "unlink") else None
    if args.action == "link" and not args.plan:
        raise BadInput("ange planens id: planner link --group GRUPP --plan PLAN-ID")
    store = await _open(settings)
    try:
        if args.action == "status":
            names = (
                [group]
                if group
                else sorted({link.group for link in await store.plan_links()} | set(groups.planner))
            )
            sys.stdout.write(format_status([await plan_status(store, name) for name in names]))
            return 0
        if args.action == "unlink":
            assert group is not None
            unlinked = await unlink_plan(store, group, at=datetime.now(UTC))
            if unlinked is None:
                raise BadInput(f"{group} har ingen Planner-plan")
            sys.stdout.write(
                f"{group} synkas inte längre med plan {unlinked.plan_id}; uppgifterna ligger kvar i Planner som de är\n"
            )
            return 0
        async with planner_connection(settings) as connection:
            if connection.api is None:
                raise BadInput(connection.refusal or "Planner kan inte användas")
            planner = connection.api
            sync = PlannerSync(
                store, planner, groups.planner, lambda: datetime.now(UTC),
                policy=settings.item_action_policy, request_budget=settings.planner_request_budget,
                not_mine=store,
            )  # fmt: skip
            try:
                if args.action == "link":
                    assert group is not None
                    mode = BucketMode(args.buckets) if args.buckets else None
                    link = await sync.link(group, args.plan, at=datetime.now(UTC), bucket_mode=mode)
                    sys.stdout.write(
                        f"{group} kopplad till plan {link.plan_id}; nästa synk skapar uppgifterna\n"
                    )
                    return 0
                now = datetime.now(UTC)
                reports = [await sync.sync_group(group, now)] if group else await sync.sync_all(now)
            except PlannerError as error:
                raise BadInput(f"Planner: {error.message}") from None
            sys.stdout.write(format_reports(reports))
            return 0
    finally:
        await store.close()


def format_status(statuses: Sequence[PlannerStatus]) -> str:
    if not statuses:
        return "Ingen grupp är kopplad till Planner.\n"
    lines = []
    for status in statuses:
        link = status.link
        if link is None:
            where = "ingen plan ännu"
        elif not link.active:
            where = f"plan {link.plan_id}, bortkopplad"
        else:
            synced = (
                f"senast synkad {link.last_sync_at:%Y-%m-%d %H:%M} UTC"
                if link.last_sync_at
                else "inte synkad än"
            )
            where = f"plan {link.plan_id}, {synced}"
        lines.append(
            f"{status.group}: {where}; {status.linked} uppgifter kopplade, {status.pending} väntar, "
            f"{status.deleted} borttagna av boten, {status.gone} borttagna i Planner"
        )
    return "\n".join(lines) + "\n"


def format_reports(reports: Sequence[SyncReport]) -> str:
    if not reports:
        return "Ingen grupp är kopplad till Planner.\n"
    lines = []
    for report in reports:
        if report.skipped:
            lines.append(f"{report.group}: inte synkad ({report.skipped})")
            continue
        lines.append(
            f"{report.group}: {report.created} skapade, {report.adopted} återfunna, {report.updated} uppdaterade, "
            f"{report.taken} ändrade från Planner, {report.refused} klarmarkeringar ångrade, {report.deleted} "
            f"borttagna, {report.pending} väntar, {report.requests} anrop"
            + (" (Planner bad oss vänta)" if report.throttled else "")
        )
    return "\n".join(lines) + "\n"
