"""SQL persistence of ingested minutes: SQLite by default, PostgreSQL for several instances; the only SQL imports."""

from store.engine import (
    StoreUnavailable,
    UnsupportedDatabase,
    create_engine_for,
    migrate,
    open_store,
    store_context,
)
from store.outbox import OutboxKind, OutboxMessage, OutboxStatus
from store.repository import SqlStore, StaleReconciliation, UnknownConversation

__all__ = [
    "OutboxKind",
    "OutboxMessage",
    "OutboxStatus",
    "SqlStore",
    "StaleReconciliation",
    "StoreUnavailable",
    "UnknownConversation",
    "UnsupportedDatabase",
    "create_engine_for",
    "migrate",
    "open_store",
    "store_context",
]
