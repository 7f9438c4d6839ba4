"""Links are exact, in Chromium: on each page a few changes through the real widgets
(among them one that moves other widgets' defaults), then the address bar's link opened
in a fresh browser context shows the same value in every widget; on a training page
Train in both ends at the same loss. And a link's value is shown as text, never as a
link or an image.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from probnn.params import quoted
from tests.e2e.conftest import Tab

pytestmark = pytest.mark.e2e

# Every keyed widget's value as the page shows it, by key.
VALUES = r"""
() => {
  const out = {};
  for (const el of document.querySelectorAll('[class*="st-key-"]')) {
    const key = [...el.classList].find(c => c.startsWith('st-key-')).slice(7);
    const has = (id) => el.querySelector(`[data-testid=${id}]`);
    let v = null;
    if (has('stSlider')) {
      v = [...el.querySelectorAll('[data-testid=stSliderThumbValue]')].map(t => t.innerText).join(' ');
    } else if (has('stSelectbox')) {
      v = el.querySelector('input[role=combobox]').value;
    } else if (has('stRadio')) {
      v = el.querySelector('[data-testid=stRadioOption][data-selected=true]')?.innerText ?? '';
    } else if (has('stButtonGroup')) {
      v = [...el.querySelectorAll('button[aria-checked=true]')].map(b => b.innerText).join(',');
    } else if (has('stNumberInput') || has('stTextInput')) {
      v = el.querySelector('input').value;
    }
    if (v !== null) out[key] = v.trim();
  }
  return out;
}
"""
STATUS = "[data-testid='stMarkdownContainer'], .probnn-status"
TRAINING = ("binary", "multiclass", "regression")


def choose(tab: Tab, key: str, option: str) -> None:
    """Pick ``option`` in the select box, radio or view switcher ``key``."""
    page = tab.page
    widget = page.locator(
        f".st-key-{key} :is([data-testid=stSelectbox], [data-testid=stRadio], "
        "[data-testid=stButtonGroup])"
    ).first
    widget.wait_for(timeout=60_000)
    kind = widget.get_attribute("data-testid")
    box = page.locator(f".st-key-{key}")
    if kind == "stSelectbox":
        # scrolled into view first and the scroll's events let through (two frames): a
        # select box closes its list when the page scrolls, and a click that scrolls the
        # page to the box would see its list close again at once
        box.scroll_into_view_if_needed()
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        box.locator("input[role=combobox]").click()
        page.get_by_role("option", name=option, exact=True).click()
    elif kind == "stRadio":
        exact = re.compile(f"^{re.escape(option)}$")
        box.locator("[data-testid=stRadioOption]").filter(has_text=exact).first.click()
    else:
        box.get_by_role("radio", name=option, exact=True).click()
    tab.settle()


def nudge(tab: Tab, key: str, presses: int) -> None:
    """Move slider ``key`` by ``presses`` steps with the keyboard (left if negative)."""
    thumb = tab.page.locator(f".st-key-{key} input[type=range]").first
    thumb.focus()
    for _ in range(abs(presses)):
        thumb.press("ArrowRight" if presses > 0 else "ArrowLeft")
    tab.page.wait_for_timeout(300)
    tab.settle()


def type_in(tab: Tab, key: str, text: str) -> None:
    box = tab.page.locator(f".st-key-{key} input").first
    box.fill(text)
    box.press("Enter")
    tab.settle()


def open_settings(tab: Tab) -> None:
    """Unfold a training page's settings panel (its widgets are drawn only then)."""
    tab.page.locator(".st-key-tab").wait_for(timeout=60_000)
    tab.page.get_by_text("Settings", exact=False).first.click()
    tab.page.locator(".st-key-data").wait_for(timeout=30_000)
    tab.settle()


def train(tab: Tab) -> str:
    """Press Train, wait for the end; the status line with its numbers."""
    tab.page.get_by_role("button", name="Train", exact=True).click()
    tab.page.wait_for_function(
        "(sel) => [...document.querySelectorAll(sel)]"
        ".some(el => /^Step [\\d,]+ \\/ [\\d,]+ · finished/.test(el.innerText))",
        arg=STATUS,
        timeout=180_000,
    )
    tab.settle()
    lines = [
        t
        for t in tab.page.locator(STATUS).all_inner_texts()
        if re.match(r"^Step [\d,]+ / [\d,]+ · finished", t)
    ]
    return lines[0]


# (page's URL path, the changes: (what, key, argument))
WALKS = {
    "binary": [("choose", "data", "xor"), ("nudge", "noise", 3), ("choose", "data", "spiral"),
               ("choose", "data", "circles"), ("type", "seed", "7"), ("type", "steps", "40")],
    "multiclass": [("choose", "data", "multi_spirals"), ("nudge", "classes", 2),
                   ("type", "steps", "30"), ("choose", "opt", "sgd")],
    "regression": [("choose", "data", "counts"), ("type", "steps", "30"),
                   ("choose", "data", "outliers"), ("nudge", "outliers", -3)],
    "generative": [("choose", "data", "xor"), ("choose", "cov", "full"), ("nudge", "x1", 4),
                   ("choose", "data", "blobs")],
    "derive-a-loss": [("choose", "likelihood", "student_t"), ("nudge", "df", 2),
                      ("choose", "likelihood", "categorical"), ("nudge", "classes", 1)],
    "entropy": [("choose", "family", "binomial"), ("nudge", "n", 3), ("choose", "family", "bernoulli"),
                ("nudge", "b_pi", -2)],
    "cross-entropy": [("choose", "p_family", "laplace"), ("nudge", "q_b", 2),
                      ("choose", "p_family", "bernoulli"), ("choose", "q_family", "binomial"),
                      ("choose", "sweep", "n")],
}  # fmt: skip


@pytest.mark.parametrize("path", WALKS)
def test_a_walked_pages_link_reopens_the_same_view(browser, server, tab, shots, path):
    tab.open("")
    tab.open(path, timeout_ms=120_000)
    training = path in TRAINING
    if training:
        open_settings(tab)
    for what, key, arg in WALKS[path]:
        {"choose": choose, "nudge": nudge, "type": type_in}[what](tab, key, arg)
    assert tab.exceptions() == []
    link = tab.page.url
    walked = tab.page.evaluate(VALUES)

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        fresh = Tab(context.new_page(), server)
        fresh.open("")
        fresh.open(link.removeprefix(server), timeout_ms=120_000)
        if training:
            open_settings(fresh)
        # a long page can report "not running" before all of it is drawn
        fresh.page.wait_for_function(
            f"(keys) => {{ const v = ({VALUES})(); return keys.every(k => k in v); }}",
            arg=list(walked),
            timeout=60_000,
        )
        assert fresh.page.url == link
        assert fresh.page.evaluate(VALUES) == walked
        if training:
            mine, theirs = train(tab), train(fresh)
            assert re.search(r"loss [0-9.]+", mine), mine
            assert mine == theirs
        fresh.shot(shots, f"link-{path}")
        assert fresh.exceptions() == [] and fresh.errors == []
    finally:
        context.close()


LINK = "[Session expired: log in again](https://example.invalid/login)"
IMAGE = "![x](https://example.invalid/x.png)"


def test_a_link_value_is_shown_as_text(tab, shots):
    tab.open("")
    tab.open(
        "binary?" + urlencode({"lr": LINK, "seed": IMAGE, "steps": "inf", "layers": "1e309"}),
        timeout_ms=120_000,
    )
    page = tab.page
    assert tab.exceptions() == []
    page.get_by_role("button", name="Train", exact=True).wait_for(timeout=30_000)
    open_settings(tab)
    notes = page.locator("[data-testid=stCaptionContainer]", has_text="Link value ignored")
    assert notes.count() == 4
    text = " ".join(notes.all_inner_texts()).replace("\u2060", "")
    assert f"lr={quoted(LINK)}" in text and "…" in quoted(LINK)
    assert f"seed={quoted(IMAGE)}" in text
    assert page.locator("a[href*='example.invalid']").count() == 0
    assert page.locator("img[src*='example.invalid']").count() == 0
    tab.shot(shots, "link-values-as-text")
