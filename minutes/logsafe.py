"""safe_log_field: a name from a file or a user made fit for one log line. Pure: no I/O."""

from __future__ import annotations

# Longer names are cut: a log line is for finding the event, not for carrying the name whole.
MAX_LOG_FIELD = 300


def safe_log_field(value: object, limit: int = MAX_LOG_FIELD) -> str:
    """`value` as text with every character that is not printable (newlines, carriage returns, U+2028, escape
    sequences, other control and format characters) written as its Python escape, so a name can neither start
    a forged log line nor drive a terminal; Swedish letters stay as they are. Cut at `limit` characters."""
    text = str(value)
    if len(text) > limit:
        text = text[:limit] + "…"
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
