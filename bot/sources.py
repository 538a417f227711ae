"""Wire SharePoint from Settings: its delta source (sources/sharepoint.py), the subscriptions and the user directory
over one Graph client (graph/), with lifetimes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.settings import Settings
from minutes.records import SourceError
from workflows.owners import DirectoryUser
from workflows.ports import CursorStore
from workflows.subscriptions import Subscription

if TYPE_CHECKING:  # msgraph costs a quarter of a second and 30 MB, which local-only runs never pay
    from azure.core.credentials_async import AsyncTokenCredential

    from graph.subscriptions import DriveSubscriptions
    from graph.users import EntraUserDirectory
    from sources.sharepoint import SharePointSource


@dataclass(frozen=True)
class GraphSubscriber:
    """workflows.subscriptions.Subscriber over graph's DriveSubscriptions."""

    subscriptions: DriveSubscriptions

    async def create(self, drive_id: str, *, now: datetime) -> Subscription:
        made = await self.subscriptions.create(drive_id, now=now)
        return Subscription(made.id, made.drive_id, made.expires)

    async def renew(self, subscription: Subscription, *, now: datetime) -> Subscription:
        from graph.subscriptions import DriveSubscription

        current = DriveSubscription(subscription.id, subscription.drive_id, subscription.expires)
        renewed = await self.subscriptions.renew(current, now=now)
        return Subscription(renewed.id, renewed.drive_id, renewed.expires)


@dataclass(frozen=True)
class GraphDirectory:
    """workflows.owners.UserDirectory over graph's EntraUserDirectory."""

    directory: EntraUserDirectory

    async def find_users(self, display_name_or_upn: str) -> Sequence[DirectoryUser]:
        found = await self.directory.find_user(display_name_or_upn)
        return [DirectoryUser(user.id, user.upn, user.display_name) for user in found]


@dataclass(frozen=True)
class SharePointConnection:
    source: SharePointSource
    directory: GraphDirectory
    subscriber: GraphSubscriber | None  # only with a public notification URL


def _require_graph(settings: Settings) -> None:
    if not settings.graph_configured:
        raise SourceError(
            "SharePoint kräver en appregistrering: sätt MINUTESBOT_TENANT_ID, MINUTESBOT_CLIENT_ID och "
            "MINUTESBOT_CLIENT_SECRET (eller MINUTESBOT_CERTIFICATE_PATH)"
        )


@asynccontextmanager
async def sharepoint_connection(
    library_url: str,
    settings: Settings,
    cursors: CursorStore,
    *,
    credential: AsyncTokenCredential | None = None,
) -> AsyncIterator[SharePointConnection]:
    """One credential and one Graph client for the process, closed on the way out. A credential passed in
    (tests: a fake token) stays its owner's to close."""
    from graph.client import close_graph_client, make_credential, make_graph_client
    from graph.subscriptions import DriveSubscriptions
    from graph.users import EntraUserDirectory
    from sources.sharepoint import SharePointSource

    owned = credential is None
    if credential is None:
        _require_graph(settings)
        credential = make_credential(
            settings.tenant_id,
            settings.client_id,
            client_secret=settings.client_secret.get_secret_value() if settings.client_secret else None,
            certificate_path=str(settings.certificate_path) if settings.certificate_path else None,
        )
    graph = make_graph_client(credential, base_url=settings.graph_base_url)
    subscriber = None
    if settings.graph_notification_url and settings.graph_client_state:
        subscriber = GraphSubscriber(
            DriveSubscriptions(
                graph, settings.graph_notification_url, settings.graph_client_state.get_secret_value()
            )
        )
    try:
        yield SharePointConnection(
            SharePointSource(graph, library_url, cursors, folder=settings.sharepoint_folder or None),
            GraphDirectory(EntraUserDirectory(graph)),
            subscriber,
        )
    finally:
        await close_graph_client(graph)
        if owned:
            await credential.close()
