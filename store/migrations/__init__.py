"""Alembic migrations of the store's schema; store.engine runs them on start."""
