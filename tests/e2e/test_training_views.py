"""The training pages as a class sees them, in real Chromium: each page before, during and
after its default run (screenshots in the ``shots`` folder), the floor on the loss chart,
the regression band inside its plot, labels a projector can show, a map that fills its
column, and a phone-width panel that stacks.

The live panel's canvas names where its plots are (``data-boxes``: kind, x, y, w, h in
CSS pixels), so a test can look at the right pixels."""

from __future__ import annotations

import json
import re
import time

import pytest

from tests.e2e.test_training_pages import CHART, LINE, wait_status

pytestmark = pytest.mark.e2e
PAGES = ("binary", "multiclass", "regression")

# Records the font of every text the live panel's canvases draw.
FONTS = r"""
window.__fonts = [];
const fill = CanvasRenderingContext2D.prototype.fillText;
CanvasRenderingContext2D.prototype.fillText = function (...args) {
  if (this.canvas.classList && this.canvas.classList.contains("probnn-live")) {
    window.__fonts.push(this.font);
  }
  return fill.apply(this, args);
};
"""


def texts(tab) -> list[tuple[str, float, float, float, float]]:
    """Every text the live panel drew: the text, left, top, right, bottom (CSS px)."""
    raw = tab.page.locator(CHART).first.get_attribute("data-texts")
    return [tuple(t) for t in json.loads(raw)]


def boxes(tab) -> dict[str, tuple[float, float, float, float]]:
    raw = tab.page.locator(CHART).first.get_attribute("data-boxes")
    return {kind: (x, y, w, h) for kind, x, y, w, h in json.loads(raw)}


def view_at(tab, width: int, height: int):
    tab.page.set_viewport_size({"width": width, "height": height})


@pytest.mark.parametrize("page", PAGES)
def test_a_default_run_before_during_and_after(tab, shots, page):
    view_at(tab, 1920, 1080)
    tab.open("")
    tab.open(page, timeout_ms=120_000)
    panel = tab.page.locator(CHART).first
    panel.wait_for(timeout=90_000)
    tab.shot(shots, f"default-{page}-1-before")
    tab.page.get_by_role("button", name="Train", exact=True).click()
    started = time.monotonic()
    wait_status(tab, r"^Step [\d,]+ / [\d,]+ · training")
    wait_status(tab, r"^Step (?:[2-9]\d|[1-9]\d\d),?\d* / 500 · training")  # well under way
    tab.page.wait_for_timeout(300)
    tab.shot(shots, f"default-{page}-2-during")
    wait_status(tab, r"^Step 500 / 500 · finished")
    seconds = time.monotonic() - started
    tab.settle()
    tab.shot(shots, f"default-{page}-3-after")
    print(f"{page}: default run, click to finished shown {seconds:.1f} s")
    # the floor: named in the status line, and in the loss chart's hover
    # and the KL estimate: test loss minus the truth's own loss on the test points, never
    # a bare negative number
    text = tab.page.locator(LINE, has_text="floor H(Y|X)").first.inner_text()
    assert re.search(
        r"floor H\(Y\|X\) [0-9.]+ nats · the truth on these test points [0-9.]+ nats · "
        r"KL\(truth ‖ model\) ≈ test loss − truth's = "
        r"(?:[0-9.e+-]+ nats|0 nats \(within sampling error: −[0-9.e+-]+\))",
        text,
    ), text
    assert "≈ −" not in text and "= −" not in text, text
    x, y, w, h = boxes(tab)["loss"]
    panel.hover(position={"x": x + w * 0.5, "y": y + h * 0.5})
    tip = tab.page.locator(".probnn-live-tip").first
    tip.wait_for(timeout=10_000)
    assert "floor H(Y|X) = " in tip.inner_text()
    assert "truth on this test set = " in tip.inner_text()
    assert tab.exceptions() == [] and tab.errors == []


def test_the_regression_band_stays_inside_its_plot_without_holes(tab, shots):
    view_at(tab, 1600, 1000)
    tab.open("")
    tab.open("regression?pace=fastest&steps=200", timeout_ms=120_000)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 200 / 200 · finished")
    tab.settle()
    panel = tab.page.locator(CHART).first
    panel.scroll_into_view_if_needed()
    tab.shot(shots, "regression-band")
    x, y, w, h = boxes(tab)["fit"]
    # the band is the fit's colour over white, faint: blue well above red; nothing else
    # around the plot (ticks, titles: grey) is
    found = panel.evaluate(
        """(canvas, [x, y, w, h]) => {
          const r = window.devicePixelRatio || 1;
          const g = canvas.getContext("2d");
          const all = g.getImageData(0, 0, canvas.width, canvas.height).data;
          const at = (X, Y) => {
            const i = 4 * (Math.round(Y * r) * canvas.width + Math.round(X * r));
            return [all[i], all[i + 1], all[i + 2], all[i + 3]];
          };
          const tinted = ([R, G, B, A]) => A > 0 && B - R > 18 && B > 200;
          const white = ([R, G, B, A]) => A > 0 && R === 255 && G === 255 && B === 255;
          let outside = 0, columns = 0, holes = 0;
          for (let X = x + 3; X < x + w - 3; X += 4) {
            for (let Y = Math.max(0, y - 8); Y < y - 1; Y += 1) if (tinted(at(X, Y))) outside++;
            for (let Y = y + h + 2; Y < y + h + 40; Y += 1) if (tinted(at(X, Y))) outside++;
            const run = [];
            for (let Y = y + 2; Y < y + h - 2; Y += 1) run.push(at(X, Y));
            const first = run.findIndex(tinted);
            let last = -1;
            run.forEach((p, i) => { if (tinted(p)) last = i; });
            if (first < 0) continue;
            columns++;
            for (let i = first; i <= last; i++) if (white(run[i])) { holes++; break; }
          }
          for (let X = x + w + 2; X < canvas.width / r; X += 3) {
            for (let Y = y; Y < y + h; Y += 5) if (tinted(at(X, Y))) outside++;
          }
          return { outside, columns, holes };
        }""",
        [x, y, w, h],
    )
    assert found["columns"] > 20, found  # the band is drawn in the plot
    assert found["outside"] == 0, found  # and never outside it
    assert found["holes"] == 0, found  # and is one piece in every column


def test_at_1920_the_labels_are_large_and_the_map_fills_its_column(tab, shots):
    tab.page.add_init_script(FONTS)
    view_at(tab, 1920, 1080)
    tab.open("")
    tab.open("binary?pace=fastest&steps=60", timeout_ms=120_000)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 60 / 60 · finished")
    tab.settle()
    tab.shot(shots, "binary-1920")
    fonts = tab.page.evaluate("window.__fonts")
    sizes = {int(m.group(1)) for f in fonts if (m := re.search(r"(\d+)px", f))}
    assert sizes and min(sizes) >= 16, sorted(sizes)
    panel = tab.page.locator(CHART).first
    width = panel.bounding_box()["width"]
    x, y, w, h = boxes(tab)["map"]
    assert w == h and width - (x + w) <= 20, (width, x, w)  # no dead band beside it
    assert tab.exceptions() == [] and tab.errors == []


@pytest.mark.parametrize("page", PAGES)
def test_on_a_phone_the_panel_stacks_and_nothing_is_clipped(tab, shots, page):
    view_at(tab, 390, 844)
    tab.open("")
    tab.open(f"{page}?pace=fastest&steps=30", timeout_ms=120_000)
    panel = tab.page.locator(CHART).first
    panel.wait_for(timeout=90_000)
    panel.scroll_into_view_if_needed()
    tab.shot(shots, f"phone-{page}")
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    found = boxes(tab)
    right = found.get("map") or found.get("fit")
    lx, ly, lw, lh = found["loss"]
    mx, my, mw, mh = right
    assert my > ly + lh  # the curves above, the map under them
    assert mx + mw <= box["width"] and lx + lw <= box["width"]
    assert my + mh <= box["height"]
    assert tab.exceptions() == [] and tab.errors == []


FLOOR_TEXTS = ("floor H(Y|X)", "H(Y|X) = ", "truth on this test set", "truth on test set", "KL ≈")


@pytest.mark.parametrize("size", [(1280, 800), (1920, 1080), (390, 844)])
@pytest.mark.parametrize("page", PAGES)
def test_every_text_of_the_panel_lies_inside_its_canvas(tab, shots, page, size):
    view_at(tab, *size)
    tab.open("")
    tab.open(f"{page}?pace=fastest&steps=60", timeout_ms=120_000)
    tab.page.get_by_role("button", name="Train", exact=True).click()
    wait_status(tab, r"^Step 60 / 60 · finished")
    tab.settle()
    panel = tab.page.locator(CHART).first
    panel.scroll_into_view_if_needed()
    tab.shot(shots, f"texts-{page}-{size[0]}")
    box = panel.bounding_box()
    drawn = texts(tab)
    assert any(t.startswith("floor H(Y|X)") or t.startswith("H(Y|X)") for t, *_ in drawn)
    for t, left, top, right, bottom in drawn:
        assert left >= -0.5 and right <= box["width"] + 0.5, (t, left, right, box["width"])
        assert top >= -0.5 and bottom <= box["height"] + 0.5, (t, top, bottom, box["height"])
    # the floor's, the truth's and the gap's labels stay inside the loss plot: clear of
    # the axis' tick labels on its left
    lx, ly, lw, lh = boxes(tab)["loss"]
    for t, left, top, right, bottom in drawn:
        if t.startswith(FLOOR_TEXTS):
            assert lx <= left and right <= lx + lw, (t, left, right, lx, lw)
            assert ly <= top and bottom <= ly + lh, (t, top, bottom, ly, lh)
    assert tab.exceptions() == [] and tab.errors == []
