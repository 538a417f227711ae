"""The follow-through report's web page opened in headless Chromium (Debian's, driven by Playwright): its charts
load and its tables show; with SCREENSHOTS_DIR set it writes the chart README shows (`make screenshots`)."""

from __future__ import annotations

import os
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from minutes.follow_through import FollowThrough, Period, follow_through
from minutes.model import ItemKind
from minutes.records import ItemRecord, ItemStatus
from reports.writers import ReportFormat, write_report
from tests.e2e.browser import REPORT_SCREENSHOTS, VIEWPORT, chromium_path
from tests.e2e.test_browser import require_browser

pytestmark = pytest.mark.slow
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def a_year_of_flg() -> FollowThrough:
    """A year of a busy group, seeded: a meeting every other Monday with 8–16 items, most done within weeks."""
    rng = random.Random(2024)
    records: list[ItemRecord] = []
    meeting = date(2024, 1, 8)
    while meeting.year == 2024:
        for n in range(rng.randint(8, 16)):
            number = len(records) + 1
            kind = rng.choice((ItemKind.ACTION,) * 6 + (ItemKind.FOLLOW_UP, ItemKind.DECISION))
            done_after = rng.choice((None, 5, 10, 20, 30, 45, 70))
            done_at = (
                datetime.combine(meeting + timedelta(days=done_after), datetime.min.time(), UTC)
                if done_after
                else None
            )
            due = meeting + timedelta(days=28)
            records.append(ItemRecord(
                key=f"k{number}", document_key=f"d{meeting}", kind=kind, topic=f"Ämne {n}", text=f"Punkt {number}",
                owners=() if kind is ItemKind.DECISION else ("AA",), actors=(), due=None if kind is ItemKind.DECISION else due,
                due_raw=None, due_relative=None, source=f"p{n}.0",
                status=ItemStatus.DONE if done_at and done_at.date() <= date(2024, 12, 31) else ItemStatus.OPEN,
                group="FLG", meeting_date=meeting, changed_at=done_at, id=number,
            ))  # fmt: skip
        meeting += timedelta(days=14)
    return follow_through(
        "FLG", Period(date(2024, 1, 1), date(2024, 12, 31)), records, [], today=date(2024, 12, 31), roles={}
    )


async def test_the_report_page_shows_its_charts_and_tables_in_chromium(tmp_path: Path) -> None:
    require_browser()
    from playwright.async_api import async_playwright

    page_file = write_report(a_year_of_flg(), tmp_path / "rapport.html", ReportFormat.HTML)
    screenshots = os.environ.get("SCREENSHOTS_DIR")
    shot = Path(screenshots).resolve() / REPORT_SCREENSHOTS[0] if screenshots else tmp_path / "chart.png"
    shot.parent.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as driver:
        # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
        chromium = await driver.chromium.launch(
            executable_path=chromium_path(), headless=True, args=["--no-sandbox"]
        )
        try:
            page = await chromium.new_page(viewport=VIEWPORT, locale="sv-SE")
            await page.goto(page_file.as_uri())
            widths = await page.eval_on_selector_all(
                "img", "images => images.map(i => i.complete ? i.naturalWidth : 0)"
            )
            headings = await page.locator("h2").all_inner_texts()
            await page.locator("figure img").first.screenshot(path=str(shot))
        finally:
            await chromium.close()
    assert len(widths) == 2 and all(width > 300 for width in widths)  # both charts decoded
    assert headings[:2] == ["Gruppens siffror", "De äldsta öppna punkterna"] and "Per ansvarig" in headings
    assert shot.read_bytes()[:8] == PNG_SIGNATURE
