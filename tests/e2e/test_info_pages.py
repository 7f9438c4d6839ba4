"""The Information pages in real Chromium: every chart draws, links restore a view, Fit animates.

Each test opens the home page first, as a student following the learning path would."""

import pytest

pytestmark = pytest.mark.e2e

CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"


def charts_drawn(tab, at_least: int) -> int:
    """Wait until ``at_least`` charts have drawn (they render after the script finishes)."""
    tab.page.locator(CHART).nth(at_least - 1).wait_for(timeout=60_000)
    return tab.page.locator(CHART).count()


def open_page(tab, url: str):
    """Open the app's home first, then the page: the router is known before the link."""
    tab.open("")
    return tab.open(url)


@pytest.mark.parametrize(
    "query", ["", "?family=categorical&k=6&t=0.5", "?family=poisson&rate=12", "?family=mixture"]
)
def test_entropy_page_draws_its_three_charts(tab, shots, query):
    open_page(tab, f"entropy{query}")
    tab.shot(shots, f"entropy{query.replace('?', '-').replace('&', '-').replace('=', '')}")
    assert tab.exceptions() == []
    assert tab.errors == []
    assert charts_drawn(tab, 3) >= 3  # p(x), the contributions, A against B


def test_cross_entropy_link_with_an_infinite_kl_explains_it(tab, shots):
    open_page(tab, "cross-entropy?p_family=poisson&q_family=binomial")
    tab.shot(shots, "cross-entropy-inf")
    assert tab.exceptions() == [] and tab.errors == []
    warning = tab.page.locator("[data-testid='stAlert']").first.inner_text()
    assert "infinite" in warning and "Binomial is 0 above" in warning


def test_fit_animates_and_ends_in_the_summary(tab, shots):
    open_page(tab, "cross-entropy")
    assert charts_drawn(tab, 5) >= 5
    tab.page.get_by_role("button", name="Fit").click()
    tab.page.wait_for_timeout(1200)
    tab.shot(shots, "cross-entropy-fitting")
    tab.page.get_by_text("moment matching").wait_for(timeout=60_000)
    tab.settle()
    tab.shot(shots, "cross-entropy-fitted")
    assert tab.exceptions() == [] and tab.errors == []
    text = tab.page.locator("[data-testid='stMarkdown']").all_inner_texts()
    assert any("After 150 steps" in t for t in text)
