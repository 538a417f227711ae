"""Imperative shell: the use cases, one module each (the command line is bot/cli.py)."""
