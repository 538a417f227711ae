"""SQL persistence (later issue)."""
