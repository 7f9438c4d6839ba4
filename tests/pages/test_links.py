"""Links are exact: after any changes of widgets, the page's link opened in a fresh
session shows the same value in every widget, and a training page trains the same run.

AppTest has no browser, so the link is computed as a browser computes it
(tests/pages/link_model.py): the browser writes what the user changes, the server what
it changes. The walks are seeded: a failure names the page, the seed and the steps.
"""

from __future__ import annotations

import random

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from probnn.data import GENERATORS
from tests.pages.link_model import Browser, bound, choices, pure_link, view

pytestmark = pytest.mark.usefixtures("one_thread")

PAGES = ("binary", "multiclass", "regression", "generative", "derive_loss", "entropy",
         "cross_entropy")  # fmt: skip
# Widgets that other widgets' defaults, ranges or options depend on: a walk picks them
# more often than the rest, so that most walks move some default.
PARENTS = {"data", "lik", "tab", "likelihood", "family", "k", "p_family", "q_family", "q_k",
           "sweep"}  # fmt: skip
SEEDS, STEPS = 3, 6


def same_view(walked: Browser) -> Browser:
    """Open the walked session's link in a fresh session and check it shows the same."""
    fresh = Browser(walked.path, dict(walked.link))
    assert not fresh.at.exception, fresh.at.exception[0].value
    assert view(fresh.at) == view(walked.at)
    assert fresh.link == walked.link  # nothing in the link was dropped or added on opening
    # The link is a function of what the page shows: a drawn widget is in it exactly when
    # its value differs from the default it is drawn with.
    drawn = bound(walked.at)
    assert {k: v for k, v in walked.link.items() if k in drawn} == pure_link(walked.at)
    key = f"tp.{walked.path.split('/')[-1][:-3]}.settings"
    if key in fresh.at.session_state:  # a training page with usable settings
        assert walked.at.session_state[key] == fresh.at.session_state[key]
    return fresh


def walk(page: str, seed: int, steps: int = STEPS) -> None:
    rng = random.Random(f"{page}-{seed}")
    browser = Browser(f"lessons/{page}.py")
    done = []
    for _ in range(steps):
        widgets = bound(browser.at)
        keys = list(widgets)
        weights = [6 if k in PARENTS else 1 for k in keys]
        for _ in range(20):
            key = rng.choices(keys, weights)[0]
            value = choices(widgets[key], rng)
            if value is not None:
                break
        done.append((key, value))
        browser.change(key, value)
        assert not browser.at.exception, (done, browser.at.exception[0].value)
        try:
            same_view(browser)
        except AssertionError as err:
            raise AssertionError(f"{page}, seed {seed}, after {done}: {err}") from err


@pytest.mark.parametrize("seed", range(SEEDS))
@pytest.mark.parametrize("page", PAGES)
def test_random_walks_keep_the_link_exact(page, seed):
    walk(page, seed)


# ------------------------------------------------------------------ the reported cases


def test_a_data_sets_own_noise_follows_it_and_the_run_is_the_same():
    b = Browser("lessons/binary.py")
    b.change("data", "xor")
    b.change("seed", 7)
    b.change("steps", 30)
    assert b.link == {"data": "xor", "seed": "7", "steps": "30"}
    # xor's own default, as a fresh link shows
    assert b.at.slider(key="noise").value == GENERATORS["xor"].spec("noise").default
    fresh = same_view(b)
    runs = []
    for at in (b.at, fresh.at):
        at.button(key="tp.binary.b_train").click().run()
        runs.append(at.session_state["tp.binary.live"].run.history_frame(10**6))
    assert runs[0]["step"].max() == 30
    pd.testing.assert_frame_equal(runs[0], runs[1], check_exact=True)


def test_a_chosen_value_stays_when_its_default_moves():
    moons, xor = (GENERATORS[k].spec("noise").default for k in ("moons", "xor"))
    chosen = 0.5
    assert chosen not in (moons, xor)
    b = Browser("lessons/binary.py")
    b.change("noise", chosen)
    b.change("data", "xor")
    assert b.at.slider(key="noise").value == chosen
    assert b.link == {"noise": str(chosen), "data": "xor"}
    same_view(b)
    b.change("noise", moons)  # moons' default, not xor's: it stays in the link
    assert b.link == {"noise": str(moons), "data": "xor"}
    b.change("data", "moons")
    assert b.link == {}
    same_view(b)


def test_multi_spirals_brings_its_own_noise():
    b = Browser("lessons/multiclass.py")
    b.change("data", "multi_spirals")
    assert b.at.slider(key="noise").value == GENERATORS["multi_spirals"].spec("noise").default
    same_view(b)


def test_count_data_brings_the_poisson_likelihood():
    b = Browser("lessons/regression.py")
    b.change("data", "counts")
    assert b.at.selectbox(key="lik").value == "poisson"
    same_view(b)
    b.change("lik", "laplace")
    b.change("data", "sine")  # laplace is offered for both: the choice stays
    assert b.at.selectbox(key="lik").value == "laplace"
    same_view(b)


def test_the_model_family_follows_the_data_family_until_it_is_chosen():
    b = Browser("lessons/cross_entropy.py")
    b.change("p_family", "laplace")
    assert b.at.selectbox(key="q_family").value == "laplace"
    same_view(b)
    b.change("q_family", "student_t")
    b.change("p_family", "normal")
    assert b.at.selectbox(key="q_family").value == "student_t"
    same_view(b)
    b.change("p_family", "bernoulli")  # no Student-t among discrete models
    assert b.at.selectbox(key="q_family").value == "bernoulli"
    assert b.at.slider(key="q_pi").value == 0.6
    same_view(b)
    b.change("q_family", "binomial")  # q's own starting value moves with its family
    assert b.at.slider(key="q_pi").value == 0.5
    same_view(b)
    b.change("q_family", "bernoulli")
    b.change("q_family", "poisson")  # q_pi goes away at bernoulli's 0.6...
    b.change("q_family", "binomial")  # ...and comes back at binomial's own 0.5
    assert b.at.slider(key="q_pi").value == 0.5 and "q_pi" not in b.link
    same_view(b)


def test_the_swept_parameter_follows_the_model_family():
    b = Browser("lessons/cross_entropy.py")
    b.change("sweep", "sigma")
    b.change("q_family", "laplace")  # laplace has no sigma: back to its default
    assert "sweep" not in b.link
    same_view(b)
    b.change("p_family", "categorical")  # q follows: a discrete model for discrete data
    b.change("q_k", 8)  # more parameters than a row of radio buttons holds
    b.change("sweep", "l7")
    b.change("q_k", 3)
    same_view(b)


def test_a_slider_that_comes_back_keeps_its_value_and_its_link():
    b = Browser("lessons/regression.py")
    b.change("data", "outliers")
    b.change("outliers", 0.25)
    b.change("data", "sine")
    assert "outliers" not in b.link
    same_view(b)
    b.change("data", "outliers")
    assert b.at.slider(key="outliers").value == 0.25 and b.link["outliers"] == "0.25"
    same_view(b)


# ------------------------------------------------------- a range that shrinks (widgets)


def _narrowing():
    import streamlit as st

    from probnn.params import ParamSpec
    from ui import widgets

    wide = widgets.select("Range", ["wide", "narrow"], "f") == "wide"
    x = widgets.slider(
        ParamSpec("x", "x", 0.0, 10.0, 5.0, 0.5),
        "x",
        high=10.0 if wide else 2.0,
        default=5.0 if wide else 1.0,
    )
    st.write(f"x {x}")


class _Narrowing(Browser):
    def __post_init__(self):
        self.at = AppTest.from_function(_narrowing, default_timeout=30)
        self.at.query_params.update(self.link)
        self.at.run()
        self.link = dict(self.at.query_params)


def test_a_shrinking_range_clamps_the_value_and_the_link_follows():
    b = _Narrowing("")
    steps = [("x", 8.0, 8.0), ("f", "narrow", 2.0), ("f", "wide", 2.0), ("x", 1.5, 1.5),
             ("f", "narrow", 1.5), ("x", 1.0, 1.0), ("f", "wide", 5.0)]  # fmt: skip
    for key, value, x in steps:
        b.change(key, value)
        assert b.at.slider(key="x").value == x, (key, value)
        fresh = _Narrowing("", dict(b.link))
        assert view(fresh.at) == view(b.at) and fresh.link == b.link, (key, value)
        assert b.link == pure_link(b.at)
