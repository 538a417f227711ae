"""A delivery worker process for the crash test and the fan-out bench: Deliverer.run_once in a loop, through
RateLimitedSender and the real TeamsGateway to a (fake) Bot Connector. Does I/O; prints a JSON summary.

python -m tests.workflows.delivery_worker --database URL --token T --worker NAME [--clock-offset-seconds S]
    [--deliverers K] [--app-per-second N] [--fast-msrest-retry-policy]"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta

from msrest.universal_http.requests import ClientRetryPolicy
from pydantic import SecretStr

from bot.sending import APP_LIMITS, RateLimitedSender
from bot.settings import Settings
from bot.teams_gateway import GatewaySettings, TeamsGateway
from minutes.records import ConvRef
from store import open_store
from workflows.chat import CardAction, IncomingMessage, Reply
from workflows.deliver import Deliverer

APP_ID = "00000000-0000-0000-0000-00000000b075"
TENANT = "00000000-0000-0000-0000-000000000001"


class NoTurns:
    """The worker only sends; no activity ever comes in."""

    async def on_message(self, message: IncomingMessage) -> Reply:
        raise AssertionError("no inbound turns in a delivery worker")

    async def on_card_action(self, action: CardAction) -> Reply:
        raise AssertionError("no inbound turns in a delivery worker")

    async def on_conversation(self, conversation: ConvRef, *, installed: bool) -> Reply:
        raise AssertionError("no inbound turns in a delivery worker")


def gateway_sender(token: str, *, app_per_second: int | None) -> RateLimitedSender:
    settings = Settings(
        bot_app_id=APP_ID,
        bot_app_password=SecretStr("unused"),
        tenant_id=TENANT,
        minutes_folder=None,
        _env_file=None,  # type: ignore[call-arg]  # a developer's .env must not change the worker
    )
    gateway = TeamsGateway(GatewaySettings.of(settings), NoTurns(), connector_token=token)
    app_limits = APP_LIMITS if app_per_second is None else ((app_per_second, 1.0),)
    return RateLimitedSender(gateway, app_limits=app_limits)


async def deliver(arguments: argparse.Namespace) -> dict[str, object]:
    offset = timedelta(seconds=arguments.clock_offset_seconds)

    def clock() -> datetime:
        # A restart "later" than the dead worker's lease, without the test waiting the lease out.
        return datetime.now(UTC) + offset

    store = await open_store(arguments.database)
    started = time.monotonic()
    # One sender for every Deliverer: the app's limit is per process, not per Deliverer.
    sender = gateway_sender(arguments.token, app_per_second=arguments.app_per_second)

    async def loop(worker: str) -> int:
        deliverer = Deliverer(store, sender, clock, worker=worker)
        sent = 0
        while time.monotonic() - started < arguments.max_seconds:
            sent += await deliverer.run_once(limit=arguments.batch)
            if not await store.outbox_messages():
                break
            await asyncio.sleep(0.05)  # nothing claimable now (another Deliverer's claim, a retry's wait)
        return sent

    workers = (
        [arguments.worker]
        if arguments.deliverers == 1
        else [f"{arguments.worker}-{n}" for n in range(arguments.deliverers)]
    )
    try:
        sent = await asyncio.gather(*(loop(worker) for worker in workers))
    finally:
        await store.close()
    return {"worker": arguments.worker, "sent": sum(sent), "seconds": time.monotonic() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--batch", type=int, default=50, help="messages claimed per run_once")
    parser.add_argument("--clock-offset-seconds", type=float, default=0.0)
    parser.add_argument(
        "--app-per-second", type=int, default=None, help="the app limit (default: APP_LIMITS)"
    )
    parser.add_argument("--max-seconds", type=float, default=300.0, help="stop by itself after this long")
    parser.add_argument("--deliverers", type=int, default=1, help="Deliverers in this process, one sender")
    parser.add_argument(
        "--fast-msrest-retry-policy",
        action="store_true",
        help="measure the proposed fix: msrest's retry policy tests 999 codes against a 502-item list on "
        "every connector botbuilder makes (twice a send, ~10 ms each); a frozenset does it in microseconds",
    )
    arguments = parser.parse_args()
    if arguments.fast_msrest_retry_policy:
        ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)
    summary = asyncio.run(deliver(arguments))
    print(json.dumps(summary), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
