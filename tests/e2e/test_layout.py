"""The view a class sees, in Chromium at a projector's 1280 x 800 and 1920 x 1080 and a
phone's 390 x 844: on every page nothing is wider than the screen (no element reaches
past its right edge unless it sits in a box that scrolls), the console has no error and
no warning; on a training page Train, the data sets, the likelihood, the learning rate
and the live panel (the loss chart and the map) are on the first screen at both
projector sizes, in the presenter view too. Screenshots of each go to the ``shots``
folder for review."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import Tab
from ui import nav

pytestmark = pytest.mark.e2e

PAGES = [("", "home")] + [(p.url, p.url) for p in nav.built()]
TRAINING = ("binary", "multiclass", "regression")
SIZES = [(1280, 800), (1920, 1080), (390, 844)]

# Elements that reach past the right edge of the screen and are not inside a box that
# scrolls sideways (a formula too long for a phone scrolls in its own box, visibly).
OVERFLOW = r"""
() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX;
      if ((o === 'auto' || o === 'scroll') && a.getBoundingClientRect().right <= vw + 1) return true;
    }
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll('[data-testid=stMain] *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > vw + 1 && !scrolls(el)) {
      out.push(`${el.tagName.toLowerCase()}.${el.className} right=${Math.round(r.right)}`);
    }
  }
  return { vw, page: document.documentElement.scrollWidth, wide: out.slice(0, 5) };
}
"""


class Watched(Tab):
    """A tab that also counts console warnings."""

    def __init__(self, page, base):
        super().__init__(page, base)
        page.on(
            "console", lambda m: m.type == "warning" and self.errors.append(f"warning: {m.text}")
        )


@pytest.fixture(scope="module", params=SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def sized(request, browser, server):
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context, width, height
    context.close()


def _in_view(tab: Tab, locator, height: int, what: str) -> None:
    locator.wait_for(timeout=60_000)
    box = locator.bounding_box()
    assert box is not None, what
    assert box["y"] >= 0 and box["y"] + box["height"] <= height + 1, f"{what} at {box}"


@pytest.mark.parametrize(("url", "name"), PAGES, ids=[n for _, n in PAGES])
def test_every_page_fits_the_screen_and_the_console_is_clean(sized, server, shots, url, name):
    context, width, height = sized
    tab = Watched(context.new_page(), server)
    try:
        tab.open(url)
        tab.page.wait_for_timeout(500)
        tab.page.screenshot(path=str(shots / f"layout_{name}_{width}x{height}.png"))
        assert tab.exceptions() == []
        found = tab.page.evaluate(OVERFLOW)
        assert found["page"] <= found["vw"], found
        assert found["wide"] == [], found
        assert tab.errors == []
    finally:
        tab.page.close()


@pytest.mark.parametrize("present", [False, True], ids=["normal", "presenter"])
@pytest.mark.parametrize("url", TRAINING)
def test_the_essentials_of_a_training_page_are_on_the_first_screen(
    sized, server, shots, url, present
):
    context, width, height = sized
    if width < 600:
        pytest.skip("a phone scrolls: its columns stack")
    tab = Watched(context.new_page(), server)
    try:
        tab.open(url + ("?present=true" if present else ""))
        page = tab.page
        page.locator("canvas.probnn-live").wait_for(timeout=60_000)
        page.wait_for_timeout(500)
        mode = "present" if present else "normal"
        page.screenshot(path=str(shots / f"first_screen_{url}_{mode}_{width}x{height}.png"))
        _in_view(tab, page.get_by_role("button", name="Train", exact=True), height, "Train")
        for label in ("Pause", "Step ×10", "Reset"):
            _in_view(tab, page.get_by_role("button", name=label, exact=True), height, label)
        _in_view(tab, page.locator(".probnn-thumbs"), height, "the data sets")
        _in_view(tab, page.locator(".st-key-lik [data-testid=stSelectbox]"), height, "likelihood")
        _in_view(tab, page.locator(".st-key-lr [data-testid=stSelectbox]"), height, "rate")
        _in_view(tab, page.locator("canvas.probnn-live").first, height, "loss chart and map")
        assert tab.errors == []
    finally:
        tab.page.close()
