"""The Discriminative vs generative page in real Chromium: both heatmaps and the density
chart draw, Generate adds samples, the learning-curve button draws two more charts.

Like the other browser tests it opens the home page first, so the router is known
before the deep link."""

import pytest

pytestmark = pytest.mark.e2e

CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
QUERY = "?n=120&model=logistic&lc_max=50&lc_seeds=1"


def charts_drawn(tab, at_least: int) -> int:
    tab.page.locator(CHART).nth(at_least - 1).wait_for(timeout=90_000)
    return tab.page.locator(CHART).count()


def test_generate_and_learning_curve_in_the_browser(tab, shots):
    tab.open("")
    tab.open(f"generative{QUERY}", timeout_ms=120_000)
    assert charts_drawn(tab, 3) >= 3  # two heatmaps, the class densities
    assert tab.exceptions() == [] and tab.errors == []

    tab.page.get_by_role("button", name="Generate").click()
    tab.page.get_by_text("new pairs sampled from the model (draw 1)").wait_for(timeout=60_000)
    tab.settle()

    tab.page.get_by_role("button", name="Run learning curve").click()
    tab.page.get_by_text("training points the test log-loss is").wait_for(timeout=120_000)
    tab.settle()
    tab.shot(shots, "generative-curve")
    assert charts_drawn(tab, 5) >= 5
    assert tab.exceptions() == [] and tab.errors == []


def test_a_link_with_an_empty_class_shows_the_message(tab, shots):
    tab.open("")
    tab.open("generative?share=0", timeout_ms=120_000)
    tab.shot(shots, "generative-empty-class")
    assert tab.exceptions() == [] and tab.errors == []
    alert = tab.page.locator("[data-testid='stAlert']").first.inner_text()
    assert "Class 1 has no training points" in alert
    assert charts_drawn(tab, 1) >= 1  # the data alone
