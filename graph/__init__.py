"""Microsoft Graph adapters: the client, the SharePoint source, change notifications and user lookup.

The only package that imports msgraph, azure-identity and httpx. Its modules are imported one by one
(`graph.sharepoint`, …) so that runs without SharePoint never pay for msgraph."""

__all__ = ["client", "errors", "sharepoint", "subscriptions", "users"]
