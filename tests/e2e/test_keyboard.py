"""The keys of a training page, in Chromium: Right arrow takes a Step, Space starts a run
and Space again pauses it, R resets it to step 0; a key typed into a box is text, not a
command. The data-set thumbnails set the link's ``data`` as the select box does. The QR
code on the screen is the one of the page's link."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.conftest import Tab
from ui import share

pytestmark = pytest.mark.e2e

STATUS = ".probnn-status, [data-testid='stMarkdownContainer']"


def _status(tab: Tab, pattern: str, timeout: int = 60_000) -> str:
    """Wait until the status line matches ``pattern``; return it (the text that matched,
    read in the same call: the line may be redrawn a moment later)."""
    found = tab.page.wait_for_function(
        "([sel, re]) => ([...document.querySelectorAll(sel)]"
        ".map(el => el.innerText).find(t => new RegExp(re).test(t)) || null)",
        arg=[STATUS, pattern],
        timeout=timeout,
    )
    return found.json_value()


def _quiet(tab: Tab) -> None:
    """Focus nothing in particular (a key then goes to the page)."""
    tab.page.evaluate("document.activeElement && document.activeElement.blur()")


def test_the_keys_step_train_pause_and_reset_a_run(tab):
    tab.open("binary?steps=5000")
    page = tab.page
    page.locator(".probnn-keys").wait_for(timeout=60_000)
    assert "Space" in page.locator(".probnn-keys").inner_text()  # shown on the page
    _quiet(tab)
    page.keyboard.press("ArrowRight")
    _status(tab, r"^Step 10 / 5,000 · paused")
    _quiet(tab)
    page.keyboard.press(" ")
    _status(tab, r"^Step [\d,]+ / 5,000 · training")
    page.keyboard.press(" ")
    paused = _status(tab, r"^Step [\d,]+ / 5,000 · paused")
    step = int(re.match(r"Step ([\d,]+)", paused).group(1).replace(",", ""))
    assert 0 < step < 5000  # Train started again from step 0; Space paused it on the way
    page.keyboard.press("r")
    _status(tab, r"^Step 0 / 5,000 · ")
    assert tab.exceptions() == [] and tab.errors == []


def test_a_key_typed_into_a_box_is_text(tab):
    tab.open("binary")
    page = tab.page
    page.get_by_text("Settings: model", exact=False).first.click()
    box = page.locator(".st-key-seed input")
    box.wait_for(timeout=30_000)
    box.click()
    box.press("ArrowRight")
    box.press("r")
    box.press(" ")
    page.wait_for_timeout(800)
    tab.settle()
    assert _status(tab, r"^Step \d+ / ").startswith("Step 0 / 500 · ready")


def test_a_thumbnail_sets_the_data_set_and_the_link(tab):
    tab.open("binary")
    page = tab.page
    page.locator(".probnn-thumb[data-name=xor]").click()
    tab.settle()
    page.wait_for_function("() => location.search.includes('data=xor')", timeout=30_000)
    assert page.locator(".st-key-data input").input_value() == "xor"
    assert page.locator(".probnn-thumb[aria-pressed=true]").get_attribute("data-name") == "xor"
    assert parse_qs(urlsplit(page.url).query)["data"] == ["xor"]


def test_the_qr_code_is_the_code_of_the_pages_link(tab):
    from PIL import Image

    tab.open("binary?data=circles&seed=7&present=true")
    page = tab.page
    page.get_by_role("button", name="QR code").click()
    image = page.locator("[role=dialog] img").first
    image.wait_for(timeout=30_000)
    link = page.url
    expected = share.qr_code(link).matrix  # the library's own matrix of the link
    picture = Image.open(io.BytesIO(image.screenshot())).convert("L")
    modules = len(expected) + 2 * share.BORDER
    size = picture.size[0] / modules
    assert size >= 10, "large enough to read from the back of a room"
    seen = [
        [
            1
            if picture.getpixel(
                (int((share.BORDER + c + 0.5) * size), int((share.BORDER + r + 0.5) * size))
            )
            < 128
            else 0
            for c in range(len(expected))
        ]
        for r in range(len(expected))
    ]
    assert seen == [[int(v) for v in row] for row in expected]
