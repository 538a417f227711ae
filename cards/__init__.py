"""Adaptive Cards as pure functions from domain objects to JSON (later issue)."""
