"""Keep one change-notification subscription per SharePoint drive alive: create, renew early, remember."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from minutes.records import SourceError
from workflows.ports import CursorStore

logger = logging.getLogger(__name__)

# Renew this long before expiry: a missed renewal then still leaves days to try again.
RENEW_BEFORE = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    drive_id: str
    expires: datetime


class Subscriber(Protocol):
    """Creates and renews drive subscriptions (Microsoft Graph in production)."""

    async def create(self, drive_id: str, *, now: datetime) -> Subscription: ...

    async def renew(self, subscription: Subscription, *, now: datetime) -> Subscription: ...


@dataclass
class SubscriptionKeeper:
    """The subscription of one drive, kept in the store so a restart renews it instead of adding another."""

    subscriber: Subscriber
    cursors: CursorStore
    source_name: str
    clock: Callable[[], datetime]

    @property
    def _key(self) -> str:
        return f"subscription:{self.source_name}"

    async def current(self) -> Subscription | None:
        saved = await self.cursors.get_cursor(self._key)
        if not saved:
            return None
        data = json.loads(saved)
        return Subscription(data["id"], data["drive_id"], datetime.fromisoformat(data["expires"]))

    async def ensure(self, drive_id: str) -> tuple[Subscription | None, bool]:
        """Create or renew as needed. Returns the subscription and whether it is new (then run delta at once:
        changes made before it existed were never notified). A failure is logged and retried next time."""
        now = self.clock()
        subscription = await self.current()
        try:
            if subscription is None or subscription.drive_id != drive_id or subscription.expires <= now:
                subscription, created = await self.subscriber.create(drive_id, now=now), True
            elif subscription.expires - now <= RENEW_BEFORE:
                renewed = await self.subscriber.renew(subscription, now=now)
                subscription, created = renewed, renewed.id != subscription.id
            else:
                return subscription, False
        except SourceError as error:
            logger.warning("subscription for %s not kept: %s", self.source_name, error.message)
            return subscription, False
        await self.cursors.save_cursor(
            self._key,
            json.dumps(
                {
                    "id": subscription.id,
                    "drive_id": subscription.drive_id,
                    "expires": subscription.expires.isoformat(),
                }
            ),
        )
        return subscription, created
