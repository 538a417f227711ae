"""SQL persistence of ingested minutes: SQLite by default, PostgreSQL for several instances; the only SQL imports."""

from store.conversations import UnknownConversation
from store.database import Database
from store.engine import (
    StoreUnavailable,
    UnsupportedDatabase,
    create_engine_for,
    migrate,
    open_store,
    store_context,
)
from store.items import StaleReconciliation
from store.outbox import OutboxKind, OutboxMessage, OutboxStatus
from store.repository import SqlStore

__all__ = [
    "Database",
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
