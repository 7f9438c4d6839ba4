"""Hostile link values: every page opened with each value in every one of its URL-bound
widgets at once. The page stays up (no exception; a training page keeps its Train
button), each widget that cannot use the value says so in a "Link value ignored"
message, and that message shows the raw value (at most 40 characters of it) as text:
never a link, an image, HTML, a coloured span or a formula.
"""

from __future__ import annotations

import functools
import re

import pytest
from streamlit.testing.v1 import AppTest

from probnn.params import quoted
from tests.pages.link_model import bound
from tests.pages.training_helpers import ROOT
from ui.text import plain, shown

pytestmark = pytest.mark.usefixtures("one_thread")

LINK = "[Session expired: log in again](https://example.invalid/login)"
VALUES = {
    "inf": "inf",
    "minus-inf": "-inf",
    "overflow": "1e309",
    "nines": "9" * 400,
    "nan": "nan",
    "empty": "",
    "word": "lots",
    "link": LINK,
    "image": "![x](https://example.invalid/x.png)",
    "markup": ":red[boom] $x^2$ <b>bold</b> `code` :smile: **strong** www.example.invalid",
    "long": "7" * 10 + "x" * 50_000,
    "unicode": "12\u00bd\U0001f600\u202e\u0000",
}
REPEATED = ["1", "2"]  # ?key=1&key=2: the last one counts, as Streamlit reads it
# the views a page's widgets appear in: (page, link that opens the view)
VIEWS = {
    "binary": ({}, {"tab": "Compare likelihoods"}, {"tab": "Loss surface"}),
    "multiclass": ({},),
    "regression": ({}, {"data": "outliers"}),
    "generative": ({},),
    "derive_loss": ({}, {"likelihood": "categorical"}, {"likelihood": "student_t"}),
    "entropy": ({}, {"family": "categorical"}, {"family": "mixture"}),
    "cross_entropy": ({}, {"p_family": "categorical"}),
}
FIRST = {page: views[0] for page, views in VIEWS.items()}
MORE = [(page, view) for page, views in VIEWS.items() for view in views[1:]]
# widgets that accept any text, and Streamlit's own view switcher (it drops an unknown
# view without a word)
ANY_TEXT = {"y", "tab"}
# Markdown that Streamlit would render: a link or image, HTML, a directive, emphasis,
# code, a formula, an address or an emoji
ACTIVE = re.compile(r"(?<!\\)(\]\(|<[a-z/]|:[a-z]+\[|\*\*|`|\$|https?://|www\.|:smile:)")
MARKERS = ("example.invalid", "boom", "Session expired")  # what the link values say
WRAPPER = re.compile(r":orange\[Link value ignored: (.*)\]", re.S)


@functools.cache
def keys_of(page: str, view: tuple) -> frozenset[str]:
    """The link keys of the widgets drawn at ``view`` (as (key, value) pairs)."""
    probe = AppTest.from_file(str(ROOT / f"lessons/{page}.py"), default_timeout=60)
    probe.query_params.update(dict(view))
    return frozenset(bound(probe.run())) - {k for k, _ in view}


def open_with(page: str, view: dict, value, keys=None) -> tuple[AppTest, set[str]]:
    """The page opened at ``view`` with every other bound key (or ``keys``) set to
    ``value``; returns the session and the keys given the value."""
    keys = set(keys_of(page, tuple(sorted(view.items()))) if keys is None else keys)
    at = AppTest.from_file(str(ROOT / f"lessons/{page}.py"), default_timeout=60)
    at.query_params.update(view)
    at.query_params.update(dict.fromkeys(keys, value))
    return at.run(), keys


def check_page(at: AppTest, page: str) -> None:
    """Up, with its Train button, and no element shows a link value as Markdown."""
    assert not at.exception, at.exception[0].value[:500]
    if page in ("binary", "multiclass", "regression"):
        assert at.button(key=f"tp.{page}.b_train").label == "Train"
    for kind in ("markdown", "caption", "warning", "error", "info", "text"):
        for element in at.get(kind):
            if any(m in shown(element.value) for m in MARKERS):
                wrapped = WRAPPER.fullmatch(element.value)
                body = wrapped.group(1) if wrapped else element.value
                assert not ACTIVE.search(body), (kind, element.value[:300])


def messages(at: AppTest) -> dict[str, str]:
    """The "Link value ignored" messages by key, as Markdown."""
    out = {}
    for c in at.caption:
        m = WRAPPER.fullmatch(c.value)
        if m:
            key = shown(m.group(1)).split("=", 1)[0]
            out[key] = m.group(1)
    return out


def check_messages(at: AppTest, keys: set[str], value: str) -> None:
    found = messages(at)
    for key in keys - ANY_TEXT:
        assert key in found, (key, sorted(found))
    for key, body in found.items():
        assert body == plain(shown(body)), body  # plain text: escaped as a whole
        assert not ACTIVE.search(body), body
        assert f"{key}={quoted(value)}" in shown(body), body  # the raw value, shortened
        assert len(shown(body)) < 400


@pytest.mark.parametrize("value", VALUES.values(), ids=VALUES.keys())
@pytest.mark.parametrize("page", VIEWS)
def test_every_widget_survives_every_value(page, value):
    every = sorted(keys_of(page, ()))
    # Streamlit ignores a whole query string over 512 KiB: at most 8 keys of 50 KB at once
    share = 8 if len(value) > 10_000 else len(every)
    for start in range(0, len(every), share):
        at, keys = open_with(page, FIRST[page], value, every[start : start + share])
        check_page(at, page)
        check_messages(at, keys, value)


def test_a_link_longer_than_streamlit_reads_opens_the_default_view():
    at, _ = open_with("binary", {}, "x" * 50_000)  # 13 keys: 650 KB
    check_page(at, "binary")
    assert at.selectbox(key="data").value == "moons" and not messages(at)


@pytest.mark.parametrize("value", ["inf", "9" * 400, LINK], ids=["inf", "nines", "link"])
@pytest.mark.parametrize(
    ("page", "view"), MORE, ids=[f"{p}-{'-'.join(v.values())}" for p, v in MORE]
)
def test_widgets_of_other_views_survive_too(page, view, value):
    at, keys = open_with(page, view, value)
    check_page(at, page)
    check_messages(at, keys, value)


@pytest.mark.parametrize("page", VIEWS)
def test_repeated_keys_use_the_last_value(page):
    at, _ = open_with(page, FIRST[page], REPEATED)
    check_page(at, page)


def test_a_long_text_value_is_refused_with_a_message():
    at, _ = open_with("derive_loss", {}, "1, " * 20_000, ["y"])
    check_page(at, "derive_loss")
    assert "y" in messages(at) and at.text_input(key="y").value == ""


def test_typed_targets_from_a_link_are_quoted_as_text():
    at = AppTest.from_file(str(ROOT / "lessons/derive_loss.py"), default_timeout=60)
    at.query_params["y"] = "1, " + LINK.replace(" ", "") + "z" * 3000  # one long word
    at.run()
    check_page(at, "derive_loss")
    (warning,) = at.warning
    assert not ACTIVE.search(warning.value) and len(warning.value) < 400
    assert "[Session" in shown(warning.value)


@pytest.mark.parametrize("value", ["1e-7", "1e-300"])
@pytest.mark.parametrize("page", ["binary", "multiclass", "regression", "generative"])
def test_a_noise_too_small_for_any_slider_step_is_refused(page, value):
    # 1e-7 puts the classes millions of standard deviations apart: the floor's quadrature
    # would run for minutes (and 1e-300 squared is 0) for a value no slider reaches
    keys = {k for k in keys_of(page, ()) if "noise" in k}
    assert keys, page
    at, _ = open_with(page, {}, value, keys)
    check_page(at, page)
    check_messages(at, keys, value)
    assert all("at least 0.001" in messages(at)[k] for k in keys)
