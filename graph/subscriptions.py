"""Drive change notifications: subscribe and renew (Graph I/O), check webhook requests (pure), coalesce syncs."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiota_abstractions.api_error import APIError
from msgraph.generated.models.subscription import Subscription
from msgraph.graph_service_client import GraphServiceClient

from graph.client import without_retries
from graph.errors import GRAPH_ERRORS, GraphSourceError, translate_error

logger = logging.getLogger(__name__)

# Graph's cap for driveItem subscriptions is 42,300 minutes (under 30 days); keep an hour of slack for clocks.
MAX_LIFETIME = timedelta(minutes=42300)
DEFAULT_LIFETIME = MAX_LIFETIME - timedelta(hours=1)
MAX_CLIENT_STATE_LENGTH = 128
# Graph's validation tokens are a sentence ('Validation: Testing client application reachability for
# subscription Request-Id: …'), well under this; anything longer, or with a control character, is no handshake.
MAX_VALIDATION_TOKEN_LENGTH = 1024
SERVICE = "Microsoft Graph"


@dataclass(frozen=True, slots=True)
class DriveSubscription:
    """A live subscription on a drive's root folder."""

    id: str
    drive_id: str
    expires: datetime


class DriveSubscriptions:
    """Create, renew and delete subscriptions on `/drives/{id}/root` (the only folder SharePoint allows,
    and only for changeType 'updated'). A notification says only that something changed: run delta."""

    def __init__(
        self,
        graph: GraphServiceClient,
        notification_url: str,
        client_state: str,
        *,
        lifetime: timedelta = DEFAULT_LIFETIME,
    ) -> None:
        if not client_state or len(client_state) > MAX_CLIENT_STATE_LENGTH:
            raise ValueError("clientState must be 1–128 characters (secrets.token_urlsafe(32))")
        if lifetime > MAX_LIFETIME:
            raise ValueError("a drive subscription lives at most 42,300 minutes")
        self._graph = graph
        self._notification_url = notification_url
        self._client_state = client_state
        self._lifetime = lifetime

    async def create(self, drive_id: str, *, now: datetime) -> DriveSubscription:
        """Subscribe; Graph first calls the notification URL with a validation token (see
        handle_notification). Run delta right after, since changes before this moment are not notified."""
        body = Subscription(
            change_type="updated",
            resource=f"/drives/{drive_id}/root",
            notification_url=self._notification_url,
            client_state=self._client_state,
            expiration_date_time=now + self._lifetime,
        )
        try:
            # No automatic retry: a 503 may already have created it, and a second POST makes a twin.
            created = await self._graph.subscriptions.post(body, without_retries())
        except GRAPH_ERRORS as error:
            raise translate_error(error, service=SERVICE) from error
        if created is None or not created.id:
            raise GraphSourceError("Microsoft Graph skapade ingen prenumeration", retryable=True)
        logger.info("subscribed to drive %s as %s", drive_id, created.id)
        return DriveSubscription(created.id, drive_id, created.expiration_date_time or body_expiry(body))

    async def renew(self, subscription: DriveSubscription, *, now: datetime) -> DriveSubscription:
        """Extend the subscription; Graph forgets expired ones (404), which are then created anew."""
        body = Subscription(expiration_date_time=now + self._lifetime)
        try:
            renewed = await self._graph.subscriptions.by_subscription_id(subscription.id).patch(body)
        except APIError as error:
            if error.response_status_code != 404:
                raise translate_error(error, service=SERVICE) from error
            logger.info(
                "subscription %s is gone; subscribing to drive %s anew",
                subscription.id,
                subscription.drive_id,
            )
            return await self.create(subscription.drive_id, now=now)
        except GRAPH_ERRORS as error:
            raise translate_error(error, service=SERVICE) from error
        expires = (
            renewed.expiration_date_time if renewed and renewed.expiration_date_time else body_expiry(body)
        )
        return DriveSubscription(subscription.id, subscription.drive_id, expires)

    async def delete(self, subscription_id: str) -> None:
        """Unsubscribe; one that is already gone counts as deleted."""
        try:
            await self._graph.subscriptions.by_subscription_id(subscription_id).delete()
        except APIError as error:
            if error.response_status_code != 404:
                raise translate_error(error, service=SERVICE) from error
        except GRAPH_ERRORS as error:
            raise translate_error(error, service=SERVICE) from error


def body_expiry(body: Subscription) -> datetime:
    assert body.expiration_date_time is not None
    return body.expiration_date_time


@dataclass(frozen=True, slots=True)
class NotificationOutcome:
    """What the webhook answers: echo `validation_token` as text/plain with 200 when set; otherwise
    reply 202 at once and nudge a delta run for each id in `subscription_ids`. `ignored` counts
    notifications dropped for a wrong clientState (or no subscription id)."""

    validation_token: str | None = None
    subscription_ids: frozenset[str] = frozenset()
    ignored: int = 0
    malformed: bool = False


def handle_notification(query: Mapping[str, str], body: bytes, client_state: str) -> NotificationOutcome:
    """Check one request to the notification URL. Pure: the web framework passes the decoded query string
    and the raw body, and turns the outcome into a response (within Graph's 10 s / 3 s budgets)."""
    token = query.get("validationToken")
    if token is not None:
        # The handshake is a POST with the token and no body; echo only a token that looks like one.
        if body.strip() or not _plausible_token(token):
            return NotificationOutcome(malformed=True)
        return NotificationOutcome(validation_token=token)
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: deeply nested arrays
        return NotificationOutcome(malformed=True)
    notifications = payload.get("value") if isinstance(payload, dict) else None
    if not isinstance(notifications, list):
        return NotificationOutcome(malformed=True)
    expected = client_state.encode()
    matched: set[str] = set()
    ignored = 0
    for notification in notifications:
        state = notification.get("clientState") if isinstance(notification, dict) else None
        subscription_id = notification.get("subscriptionId") if isinstance(notification, dict) else None
        # Constant-time: the clientState is the only proof that a notification comes from Graph.
        if (
            isinstance(state, str)
            and isinstance(subscription_id, str)
            and subscription_id
            and hmac.compare_digest(state.encode(), expected)
        ):
            matched.add(subscription_id)
        else:
            ignored += 1
    if ignored:
        logger.warning("ignored %d change notifications with a wrong clientState", ignored)
    return NotificationOutcome(subscription_ids=frozenset(matched), ignored=ignored)


def _plausible_token(token: str) -> bool:
    """Prose with spaces, colons and the like, of a sane length; no control characters (no header or line tricks)."""
    return 0 < len(token) <= MAX_VALIDATION_TOKEN_LENGTH and all(c.isprintable() for c in token)
