"""Derive a loss in Chromium: a shared link restores the view, and choosing a likelihood updates it."""

import re

import pytest

pytestmark = pytest.mark.e2e


def test_link_restores_the_likelihood_and_explains_bad_targets(tab, shots):
    tab.open("")  # a first visit warms the server up
    tab.open("derive-a-loss?likelihood=student_t&df=5&y=1,x")
    page = tab.page
    # On a busy machine the app can report "not running" before every element of this
    # page is drawn (seen with 0 or 1 of its 2 tables present): wait for the one checked.
    table = page.locator("[data-testid='stTable']", has_text="difference (nats)").first
    table.wait_for(timeout=30_000)
    assert tab.exceptions() == []
    assert page.locator("h1").first.inner_text().strip() == "Derive a loss"
    assert page.get_by_text("Student-t → Student-t negative log-likelihood").count() == 1
    assert page.get_by_text("not a number", exact=False).count() >= 1
    assert "reference (no PyTorch built-in)" in table.inner_text()
    assert "df=5" in page.url and "likelihood=student_t" in page.url
    tab.shot(shots, "derive-a-loss-student-t")


def test_choosing_a_likelihood_updates_the_page_and_the_link(tab, shots):
    tab.open("")
    tab.open("derive-a-loss")
    page = tab.page
    page.locator("[data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="poisson", exact=True).click()
    tab.settle()
    assert tab.exceptions() == []
    assert re.search(r"likelihood=poisson", page.url)
    assert page.get_by_text("Poisson → Poisson negative log-likelihood").count() == 1
    assert page.get_by_text("poisson_nll_loss", exact=False).count() >= 1
    tab.shot(shots, "derive-a-loss-poisson")
