"""Accessibility in Chromium: axe-core (the npm package in tests/e2e/axe, installed by
.ci/run) finds no serious or critical violation on any page, every chart has a text
summary as its accessible name, a chart's toolbar is one
tab stop, a label written in LaTeX is spoken as words, and every formula has words."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ui import nav

pytestmark = pytest.mark.e2e

AXE = Path(__file__).with_name("axe") / "node_modules" / "axe-core" / "axe.min.js"
PAGES = [("", "home")] + [(p.url, p.url) for p in nav.built()]
SCAN = """async () => {
  const r = await axe.run(document, { resultTypes: ['violations'] });
  return r.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.impact} ${v.id}: ${v.help} (${v.nodes.length}): ` +
         v.nodes.slice(0, 2).map(n => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture(scope="module")
def axe_script():
    if not AXE.exists():
        missing = f"axe-core is not installed ({AXE}); run: npm ci --prefix tests/e2e/axe"
        if os.environ.get("PROBNN_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    return str(AXE)


def fixes_settled(page):
    """Wait until ui/a11y.js is installed and has run since the page last changed (it runs
    150 ms after a redraw; on a busy machine the page and the script both come late)."""
    quiet = "() => window.__probnnA11y && window.__probnnA11y.on && !window.__probnnA11y.timer"
    for _ in range(3):  # quiet twice in a row, 300 ms apart: the redraws have ended
        page.wait_for_function(quiet, timeout=60_000)
        page.wait_for_timeout(300)
    page.wait_for_function(quiet, timeout=60_000)


@pytest.mark.parametrize(("url", "name"), PAGES, ids=[n for _, n in PAGES])
def test_axe_finds_nothing_serious(tab, axe_script, url, name):
    tab.open(url)
    fixes_settled(tab.page)
    tab.page.add_script_tag(path=axe_script)
    assert tab.page.evaluate(SCAN) == []
    # every chart has a text summary of its own, not Vega's "Vega visualization"
    names = tab.page.evaluate(
        "() => [...document.querySelectorAll('[data-testid=stVegaLiteChart]')]"
        ".map(c => c.getAttribute('aria-label'))"
    )
    assert all(n and n != "Vega visualization" for n in names), names


def test_a_chart_toolbar_is_one_tab_stop_and_labels_are_words(tab):
    tab.open("entropy")
    page = tab.page
    page.locator("[data-testid=stElementToolbar]").first.wait_for(state="attached", timeout=60_000)
    fixes_settled(page)
    stops = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=stElementToolbar]')].map(bar =>
             [...bar.querySelectorAll('button')].filter(b => b.tabIndex >= 0).length)"""
    )
    assert stops and all(n == 1 for n in stops), stops
    labels = page.evaluate(
        "() => [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'))"
    )
    assert any("mu (" in label for label in labels)  # "$\\mu$ (location)" as words
    assert not [label for label in labels if "$" in label or "\\" in label]
    formulas = page.evaluate(
        "() => [...document.querySelectorAll('.katex')].map(k => k.getAttribute('aria-label'))"
    )
    assert formulas and all(f and f.startswith("Formula: ") for f in formulas), formulas
    assert any("sum" in f or "integral" in f for f in formulas)  # made from the TeX source
