"""Microsoft Graph adapters: the client, its errors, change notifications, user lookup, Planner and the app's permissions.

With SharePoint's delta source (sources/sharepoint.py, built on this client) the only code that imports msgraph,
azure-identity and httpx. Its modules are imported one by one (`graph.client`, …) so that runs without
SharePoint never pay for msgraph."""

__all__ = ["client", "errors", "permissions", "planner", "subscriptions", "users"]
