"""Runs per key that never overlap: nudges during a run coalesce into exactly one more run afterwards."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from minutes.logsafe import safe_log_field

logger = logging.getLogger(__name__)


class CoalescingRuns:
    """Runs `run(key)` when nudged: never two runs for one key at once, and nudges that arrive during a run
    become exactly one follow-up run (a burst of change notifications costs at most two delta runs)."""

    def __init__(self, run: Callable[[str], Awaitable[None]], *, label: str = "run") -> None:
        self._run_once = run
        self._label = label
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    def nudge(self, key: str) -> None:
        if key in self._running:
            self._again.add(key)
            return
        self._running[key] = asyncio.get_running_loop().create_task(
            self._run(key), name=f"{self._label} {key}"
        )

    def is_running(self, key: str) -> bool:
        return key in self._running

    async def wait_idle(self) -> None:
        """Until no run is in flight or queued (tests, orderly shutdown)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)

    async def close(self) -> None:
        """Cancel runs in flight; queued follow-ups are dropped (the next scheduled poll catches up)."""
        tasks = list(self._running.values())
        self._again.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, key: str) -> None:
        try:
            while True:
                # Nudges up to this point are covered by the run that starts now.
                self._again.discard(key)
                try:
                    await self._run_once(key)
                except Exception:
                    # One failed run must not stop later ones; the next nudge or safety-net run retries.
                    logger.exception("%s of %s failed", self._label, safe_log_field(key))
                if key not in self._again:
                    return
        finally:
            del self._running[key]
