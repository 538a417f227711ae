"""The outbox delivery loop: send what the outbox holds, at once while there is more, else every few seconds."""

from __future__ import annotations

import asyncio
import logging

from workflows.deliver import Deliverer

logger = logging.getLogger(__name__)

DELIVERY_INTERVAL_SECONDS = 2.0
DELIVERY_BATCH = 50


async def deliver_forever(deliverer: Deliverer) -> None:
    """Until cancelled. A failure is logged and retried on the next round (the message stays in the outbox)."""
    while True:
        sent = 0
        try:
            sent = await deliverer.run_once(limit=DELIVERY_BATCH)
        except Exception:  # the loop must outlive any one bad round
            logger.exception("outbox delivery round failed")
        if sent < DELIVERY_BATCH:
            await asyncio.sleep(DELIVERY_INTERVAL_SECONDS)
