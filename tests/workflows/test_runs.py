"""CoalescingRuns: never two runs for one key at once; nudges during a run become exactly one more run."""

from __future__ import annotations

import asyncio

import pytest

from workflows.runs import CoalescingRuns


class RecordingSync:
    """A sync callback that blocks until released and records how runs overlap."""

    def __init__(self) -> None:
        self.runs: list[str] = []
        self.active: dict[str, int] = {}
        self.most_at_once: dict[str, int] = {}
        self.release = asyncio.Event()
        self.started = asyncio.Event()
        self.fail_first = False

    async def __call__(self, key: str) -> None:
        self.active[key] = self.active.get(key, 0) + 1
        self.most_at_once[key] = max(self.most_at_once.get(key, 0), self.active[key])
        self.runs.append(key)
        self.started.set()
        try:
            await self.release.wait()
            if self.fail_first and len(self.runs) == 1:
                raise RuntimeError("delta failed")
        finally:
            self.active[key] -= 1


async def test_one_nudge_runs_the_sync_once() -> None:
    sync = RecordingSync()
    sync.release.set()
    runs = CoalescingRuns(sync)

    runs.nudge("drive-a")
    await runs.wait_idle()

    assert sync.runs == ["drive-a"]


async def test_nudges_during_a_run_coalesce_into_exactly_one_follow_up() -> None:
    sync = RecordingSync()
    runs = CoalescingRuns(sync)

    runs.nudge("drive-a")
    await sync.started.wait()
    for _ in range(5):
        runs.nudge("drive-a")
    sync.release.set()
    await runs.wait_idle()

    assert sync.runs == ["drive-a", "drive-a"] and sync.most_at_once["drive-a"] == 1
    assert not runs.is_running("drive-a")


async def test_nudges_before_the_run_starts_are_covered_by_it() -> None:
    sync = RecordingSync()
    sync.release.set()
    runs = CoalescingRuns(sync)

    for _ in range(3):
        runs.nudge("drive-a")
    await runs.wait_idle()

    assert sync.runs == ["drive-a"]


async def test_different_drives_sync_side_by_side() -> None:
    sync = RecordingSync()
    runs = CoalescingRuns(sync)

    runs.nudge("drive-a")
    runs.nudge("drive-b")
    await asyncio.sleep(0)
    assert runs.is_running("drive-a") and runs.is_running("drive-b")
    sync.release.set()
    await runs.wait_idle()

    assert sorted(sync.runs) == ["drive-a", "drive-b"]


async def test_a_failed_run_does_not_stop_the_follow_up(caplog: pytest.LogCaptureFixture) -> None:
    sync = RecordingSync()
    sync.fail_first = True
    runs = CoalescingRuns(sync)

    runs.nudge("drive-a")
    await sync.started.wait()
    runs.nudge("drive-a")
    sync.release.set()
    await runs.wait_idle()

    assert sync.runs == ["drive-a", "drive-a"]
    assert any(record.exc_info for record in caplog.records)


async def test_close_cancels_runs_in_flight() -> None:
    sync = RecordingSync()
    runs = CoalescingRuns(sync)
    runs.nudge("drive-a")
    await sync.started.wait()
    runs.nudge("drive-a")

    await runs.close()

    assert sync.runs == ["drive-a"] and not runs.is_running("drive-a")
