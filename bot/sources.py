"""Build the configured document sources from Settings: the wiring of graph/ for the app and the CLI."""

from __future__ import annotations

from bot.settings import Settings
from minutes.records import SourceError
from workflows.ports import CursorStore, DocumentSource


def sharepoint_source(library_url: str, settings: Settings, cursors: CursorStore) -> DocumentSource:
    """A SharePointSource with the app registration's credential (one per process) and Graph's retries."""
    if not settings.graph_configured:
        raise SourceError(
            "SharePoint kräver en appregistrering: sätt MINUTESBOT_TENANT_ID, MINUTESBOT_CLIENT_ID och "
            "MINUTESBOT_CLIENT_SECRET (eller MINUTESBOT_CERTIFICATE_PATH)"
        )
    # Imported here: msgraph costs a quarter of a second and 30 MB, which local-only runs never pay.
    from graph.client import make_credential, make_graph_client
    from graph.sharepoint import SharePointSource

    credential = make_credential(
        settings.tenant_id,
        settings.client_id,
        client_secret=settings.client_secret.get_secret_value() if settings.client_secret else None,
        certificate_path=str(settings.certificate_path) if settings.certificate_path else None,
    )
    graph = make_graph_client(credential, base_url=settings.graph_base_url)
    return SharePointSource(graph, library_url, cursors, folder=settings.sharepoint_folder or None)
