"""Every image README.md shows exists (docs/screenshots/ is written by `make screenshots`), and is a PNG."""

from __future__ import annotations

import re
from pathlib import Path

from tests.e2e.browser import REPORT_SCREENSHOTS, SCREENSHOTS

ROOT = Path(__file__).resolve().parents[1]
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def readme_images() -> list[str]:
    return IMAGE.findall((ROOT / "README.md").read_text(encoding="utf-8"))


def test_every_image_readme_names_exists_and_is_a_png() -> None:
    images = readme_images()
    assert images, "README shows no images"
    missing = [name for name in images if not (ROOT / name).is_file()]
    assert not missing, f"README names images that are missing (run `make screenshots`): {missing}"
    not_png = [name for name in images if (ROOT / name).read_bytes()[:8] != PNG_SIGNATURE]
    assert not not_png, not_png


def test_readme_shows_every_screenshot_the_browser_test_takes() -> None:
    shown = {Path(name).name for name in readme_images() if name.startswith("docs/screenshots/")}
    assert shown == {*SCREENSHOTS, *REPORT_SCREENSHOTS}
