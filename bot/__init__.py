"""The Teams app (later issue)."""
