"""The browser scenarios: `make playground`'s setup (tests/e2e/demo.py), driven through the Playground's own web
page in headless Chromium, INSIDE the test's loopback-only network namespace.

Chromium is Debian's `chromium` package, driven by Playwright for Python through `executable_path`: no
`playwright install`, which would download browsers. `playground` checks the setup without a browser (the
conversation stream, which nobody else reads then); `browser` opens the page, sees the meeting card in the
FLG channel, clicks Klar on a row and sees that row change, Ångra and sees it restored, 'Visa alla' and
Nästa to the meeting's last item (and Föregående back a page), and, with `--screenshots DIR`, writes the PNGs
README shows (`make screenshots`).

Extend `browser` with a step per thing the page must show: each step is timed and recorded in result.json.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from pathlib import Path
from typing import Any

import aiohttp

from cards.verbs import Verb
from tests.e2e.demo import Demo, populate, start, wait_for_page
from tests.e2e.harness import (
    Run,
    card_of,
    card_text,
    execute_actions,
    free_port,
    from_bot,
    in_conversation,
)

CHROMIUM_NAMES = ("chromium", "chromium-browser")
VIEWPORT = {"width": 1280, "height": 900}
# Tall enough that a long card fits whole: an element taller than the window is shot under the page's header.
SCREENSHOT_VIEWPORT = {"width": 1280, "height": 4000}
# The screenshots README shows (docs/screenshots/); tests/test_readme_images.py checks README names only these.
SCREENSHOTS = ("meeting-card.png", "item-card.png", "mina.png", "digest.png")
# The follow-through report's chart, shot from its web page by tests/e2e/test_report_browser.py.
REPORT_SCREENSHOTS = ("report-chart.png",)
ROW_NUMBER = re.compile(r"^#(\d+)$")
SHOW_ALL = re.compile(r"Visa alla \((\d+)\)")


def chromium_path() -> str | None:
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


async def playground(run: Run, session: aiohttp.ClientSession, extra: dict[str, Any]) -> None:
    """`make playground` without a browser: the meeting card in FLG's channel, and `mina` knows the user."""
    demo = await start(run, session, bot_port=free_port(), playground_port=free_port())
    extra["playground"] = demo.playground
    await populate(run, demo)
    await demo.playground.connect_conversation_stream()  # now: everything buffered comes to this client
    events = demo.playground.events

    async with run.step("the meeting card is in the team's channel", 15) as observed:
        _, posted = await demo.playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, demo.bot_id)
                and in_conversation(e, demo.team_id)
                and card_of(e["message"]) is not None
            )
        )
        observed["card"] = card_text(card_of(posted["message"]))[:800]
        run.check(demo.group in observed["card"], f"not the {demo.group} meeting: {observed['card']!r}")

    async with run.step("mina in the personal chat", 20) as observed:
        after = len(events)
        await demo.playground.send(demo.personal_chat_id, "29:aa", "mina")
        _, answer = await demo.playground.wait_for(
            lambda e: (
                e.get("action") == "createMessage"
                and from_bot(e, demo.bot_id)
                and in_conversation(e, demo.personal_chat_id)
            ),
            after=after,
        )
        card = card_of(answer["message"])
        observed["answer"] = (answer["message"].get("text") or "") + card_text(card)[:800]
        done = [a for a in execute_actions(card) if a.get("verb") == Verb.DONE]
        observed["items"] = [(a.get("data") or {}).get("itemId") for a in done]
        run.check(done, f"mina lists no items of the Playground's user: {observed['answer']!r}")


async def browser(run: Run, session: aiohttp.ClientSession, extra: dict[str, Any]) -> None:
    from playwright.async_api import async_playwright

    executable = chromium_path()
    run.check(executable, "Debian's chromium is not installed (apt-get install chromium)")
    screenshots: Path | None = extra.pop("screenshots", None)
    demo = await start(run, session, bot_port=free_port(), playground_port=free_port())
    extra["playground"] = demo.playground
    async with async_playwright() as driver:
        async with run.step("chromium starts", 30) as observed:
            # --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start.
            chromium = await driver.chromium.launch(
                executable_path=executable, headless=True, args=["--no-sandbox"]
            )
            observed["version"] = chromium.version
        try:
            page = await chromium.new_page(viewport=VIEWPORT, locale="sv-SE")
            try:
                await _drive(run, demo, page, screenshots)
            except BaseException:
                await page.screenshot(path=str(run.workdir / "failure.png"))  # what the page showed
                raise
        finally:
            await chromium.close()


async def _drive(run: Run, demo: Demo, page: Any, screenshots: Path | None) -> None:
    async with run.step("the page opens", 30) as observed:
        await page.goto(demo.url)
        await wait_for_page(run, demo, seconds=25)
        observed["title"] = await page.title()
    await populate(run, demo)

    async with run.step("the meeting card shows in the FLG channel", 20) as observed:
        await page.get_by_text("General", exact=True).first.click()
        card = page.locator(".ac-adaptiveCard").filter(has_text=f"Protokoll {demo.group}").last
        await card.wait_for(state="visible")
        text = await card.inner_text()
        observed["card"] = text[:600]
        row, before = _first_open_row(text)
        run.check(row is not None, f"no row with Klar on the card: {text[:600]!r}")
        observed.update(row=row, before=before)
        if screenshots is not None:
            await page.set_viewport_size(SCREENSHOT_VIEWPORT)
            await card.screenshot(path=str(screenshots / "meeting-card.png"))
            await page.set_viewport_size(VIEWPORT)

    async with run.step("a click on Klar changes that row", 20) as observed:
        await card.get_by_role("button", name="Klar", exact=True).first.click()
        while True:
            after = _row(await card.inner_text(), row)
            if after != before:
                break
            await asyncio.sleep(0.2)
        observed["after"] = after

    async with run.step("Ångra restores that row", 20) as observed:
        # Every row was open before that Klar: the card's one Ångra is that row's.
        undo = card.get_by_role("button", name="Ångra", exact=True)
        run.check(await undo.count() == 1, f"{await undo.count()} Ångra buttons on the card, not 1")
        await undo.click()
        while (restored := _row(await card.inner_text(), row)) != before:  # noqa: ASYNC110 (no event: poll)
            await asyncio.sleep(0.2)
        observed["restored"] = restored

    async with run.step("Visa alla pages to the last item and Föregående back", 60) as observed:
        show_all = card.get_by_role("button", name=SHOW_ALL)
        title = await show_all.first.inner_text()
        total = int(SHOW_ALL.fullmatch(title.strip()).group(1))  # type: ignore[union-attr]
        observed["total"] = total
        text = await _click_and_wait(card, show_all.first, await card.inner_text())
        pages: list[list[int]] = [_row_numbers(text)]
        lines = [_page_line(text)]
        while await (following := card.get_by_role("button", name="Nästa ›", exact=True)).count():
            text = await _click_and_wait(card, following.first, text)
            pages.append(_row_numbers(text))
            lines.append(_page_line(text))
        observed.update(pages=pages, lines=lines)
        seen = [number for numbers in pages for number in numbers]
        run.check(len(pages) > 1, f"'Visa alla' showed everything on one page: {lines}")
        run.check(
            len(seen) == len(set(seen)) == total, f"{len(seen)} rows of {total} seen over {len(pages)} pages"
        )
        run.check(lines[-1].endswith(f"–{total} av {total} punkter."), f"the last page says {lines[-1]!r}")
        back = card.get_by_role("button", name="‹ Föregående", exact=True).first
        text = await _click_and_wait(card, back, text)
        observed["back"] = _row_numbers(text)
        run.check(observed["back"] == pages[-2], f"Föregående showed {observed['back']}, not {pages[-2]}")

    if screenshots is None:
        return
    await page.set_viewport_size(SCREENSHOT_VIEWPORT)
    async with run.step("screenshot: mina", 20):
        await page.get_by_text("Personal Chat", exact=True).first.click()
        reply = await _say(page, "mina", "Dina öppna punkter")
        await reply.screenshot(path=str(screenshots / "mina.png"))
    async with run.step("screenshot: an item card", 20):
        reply = await _say(page, f"ångra {row}", f"#{row}")
        await reply.screenshot(path=str(screenshots / "item-card.png"))
    async with run.step("screenshot: the weekly digest", 20):
        reply = await _say(page, "sammanfattning", "")
        await reply.screenshot(path=str(screenshots / "digest.png"))


async def _say(page: Any, text: str, expect: str) -> Any:
    """Type `text` in the open conversation and wait for a new card (containing `expect`); that card."""
    cards = page.locator(".ac-adaptiveCard")
    before = await cards.count()
    box = page.locator('[data-lexical-editor="true"]:visible').last  # the compose box: a rich-text editor
    await box.click()
    await page.keyboard.type(text)
    await page.keyboard.press("Enter")
    while True:  # the page has no event for it: poll (the step times out)
        if await cards.count() > before and expect in await cards.last.inner_text():
            break
        await asyncio.sleep(0.2)
    card = cards.last
    await card.scroll_into_view_if_needed()
    return card


async def _click_and_wait(card: Any, button: Any, before: str) -> str:
    """Click `button` and wait until the card, replaced in place, reads otherwise than `before`; its text."""
    await button.click()
    # The page has no event for it: poll (the step times out).
    while (text := await card.inner_text()) == before:  # noqa: ASYNC110
        await asyncio.sleep(0.2)
    return text


def _row_numbers(text: str) -> list[int]:
    """The numbers of the rows a card's text shows, in order."""
    return [
        int(matched.group(1)) for line in text.splitlines() if (matched := ROW_NUMBER.match(line.strip()))
    ]


def _page_line(text: str) -> str:
    """The card's 'Visar 16–30 av 40 punkter.' ('' on a card that shows everything)."""
    return next((line.strip() for line in text.splitlines() if line.strip().startswith("Visar ")), "")


def _first_open_row(text: str) -> tuple[int | None, str]:
    """The number of the first row that has a Klar button, and that row's text."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    number: int | None = None
    for line in lines:
        matched = ROW_NUMBER.match(line)
        if matched:
            number = int(matched.group(1))
        elif line == "Klar" and number is not None:
            return number, _row(text, number)
    return None, ""


def _row(text: str, number: int) -> str:
    """The lines of row #number, up to the next row ('' when the row is gone)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    row: list[str] = []
    for line in lines:
        matched = ROW_NUMBER.match(line)
        if matched:
            if row:
                break
            if int(matched.group(1)) == number:
                row.append(line)
        elif row:
            row.append(line)
    return "\n".join(row)
