"""How a run is watched, not what it computes: its pace (steps per second), the loss
axis's scale, whether the data points show their surprise and whether the map shows the
true p(y|x) in place of the model's. URL-bound like every setting, but none of them is
part of the :class:`~ui.training_page.spec.Settings`: changing one never starts a new
run. The pace applies to the page's run at once (also mid-run); the views go with every
frame the context draws (``Context.options``)."""

from __future__ import annotations

import streamlit as st

from probnn import live
from ui import widgets
from ui.training_page.spec import PageSpec

FASTEST = "fastest"
PACES = (10, 25, 50, 100, 250, FASTEST)  # steps per second
DEFAULT_PACE = 50  # 500 steps (a page's default run) in about 10 s


def pace_value(choice) -> float | None:
    """Steps per second for a choice of :data:`PACES`; None for "fastest"."""
    return None if choice == FASTEST else float(choice)


def view_options(spec: PageSpec, lv: live.LiveRun | None, ctx) -> None:
    """The pace of the run, a log scale for the loss axis, the points of the map or fit
    sized by their surprise -log q(y|x) under the current model, and (on a map of data
    with a known truth) the true p(y|x) in place of the model's."""
    if ctx is None:
        return
    pace_col = st.container()
    log_col, surprise_col = st.columns(2, vertical_alignment="bottom")
    pace = widgets.select(
        "Pace (optimiser steps per second)",
        list(PACES),
        "pace",
        default=DEFAULT_PACE,
        where=pace_col,
        radio=True,
        help="How fast the run goes, so that it can be watched: at most this many steps a "
        "second. **fastest** trains as fast as the server can.",
    )
    log = widgets.toggle(
        "Log scale (loss)",
        "logy",
        where=log_col,
        help="The loss axis on a logarithmic scale: a loss that keeps falling by "
        "the same factor falls by equal steps (only for losses above 0).",
    )
    surprise = widgets.toggle(
        "Size points by surprise",
        "surprise",
        where=surprise_col,
        help="Each data point's surprise −log q(y|x) under the current model, in nats, sets "
        "its size; hover a point to read it. Their mean over the training points is the "
        "training loss.",
    )
    shown_truth = False
    if ctx.truth_known:
        shown_truth = widgets.toggle(
            "Show the true p(y|x)",
            "truth",
            help="The map shows the Bayes-optimal p(y|x) of the data's generator, the truth "
            "the network is trying to learn, in place of the network's own; turn it off to "
            "compare.",
        )
    shown_truth = bool(shown_truth) and ctx.show_truth()
    ctx.options = {"log": bool(log), "surprise": bool(surprise), "truth": shown_truth}
    if lv is not None:
        lv.set_pace(pace_value(pace))
