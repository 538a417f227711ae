"""Microsoft Graph adapters (later issue)."""
