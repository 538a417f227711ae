"""The use cases, each with the ports it owns (workflows/ports.py, workflows/outbox.py): no adapter, no SDK."""
