"""`make playground`'s setup, checked twice inside a loopback-only network namespace (tests/e2e/browser.py):
without a browser through the Playground's API, and through its own web page in headless Chromium: the
meeting card shows topics, a click on Klar turns a row into '✓ Klar – …', Ångra restores it, and 'Visa alla'
pages with Nästa to the meeting's last item (Föregående back to the page before).

Needs what test_playground.py needs, plus for the browser Debian's `chromium` and Playwright for Python
(`make test` installs both: `apt-get install chromium`, `pip install '.[browser]'`; never `playwright
install`). Skips where they are missing; under CI=true it fails instead.

    .venv/bin/pytest -q tests/e2e/test_browser.py            # about 15 s
    make screenshots                                         # the same browser run, writing docs/screenshots/

With SCREENSHOTS_DIR set, the browser test also writes the PNGs README shows into that folder.
"""

from __future__ import annotations

import importlib.util
import os
import time
from pathlib import Path

import pytest

from tests.e2e.browser import SCREENSHOTS, chromium_path
from tests.e2e.harness import run_driver
from tests.e2e.test_playground import namespace  # noqa: F401  (the fixture)
from tests.skips import skip_or_fail

pytestmark = pytest.mark.slow


def require_browser() -> None:
    if chromium_path() is None:
        skip_or_fail("the browser test needs Debian's chromium (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        skip_or_fail("the browser test needs Playwright for Python (pip install '.[browser]')")


def test_make_playground_posts_the_meeting_and_knows_the_users(namespace: str, tmp_path: Path) -> None:  # noqa: F811
    result = run_driver(namespace, "playground", tmp_path / "playground", timeout=90)
    assert result.ok, result.explain()
    assert result.observed("the latest meeting's card in the channel")["sample"].endswith(".docx")
    assert "FLG" in result.observed("the meeting card is in the team's channel")["card"]
    assert result.observed("mina in the personal chat")["items"]


def test_browser_shows_the_meeting_card_and_a_klar_click_changes_its_row(
    namespace: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    require_browser()
    screenshots = os.environ.get("SCREENSHOTS_DIR")
    options = ["--screenshots", str(Path(screenshots).resolve())] if screenshots else []
    if screenshots:
        Path(screenshots).mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = run_driver(namespace, "browser", tmp_path / "browser", timeout=150, options=options)
    assert result.ok, result.explain() + f"\n(page at failure: {tmp_path / 'browser' / 'failure.png'})"
    shown = result.observed("the meeting card shows in the FLG channel")
    assert "Protokoll FLG" in shown["card"]
    changed = result.observed("a click on Klar changes that row")
    assert changed["after"] != shown["before"] and "✓ Klar – " in changed["after"]
    assert result.observed("Ångra restores that row")["restored"] == shown["before"]
    paged = result.observed("Visa alla pages to the last item and Föregående back")
    seen = [number for page in paged["pages"] for number in page]
    assert len(paged["pages"]) > 1 and len(seen) == len(set(seen)) == paged["total"]
    assert (
        paged["lines"][-1]
        == f"Visar {len(seen) - len(paged['pages'][-1]) + 1}–{paged['total']} av {paged['total']} punkter."
    )
    assert paged["back"] == paged["pages"][-2]
    if screenshots:
        written = sorted(
            path.name for path in Path(screenshots).glob("*.png") if path.stat().st_mtime > started
        )
        assert written == sorted(SCREENSHOTS)
