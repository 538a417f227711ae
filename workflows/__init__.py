"""Imperative shell: one function per use case, and the command line."""
