"""What the page shows about a run that rests: the calibration or residual chart on the
test set, the last evaluations and the history download (one block of the live panel),
and the history as CSV."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from probnn import live, training
from ui import frames, live_panel
from ui.charts import number
from ui.charts import training as charts
from ui.training_page.floor import floor_line
from ui.training_page.spec import PageSpec, state_key

if TYPE_CHECKING:  # annotations only: the context builds its results with this module
    from ui.training_page.context import Context

DOWNLOAD_LABEL = "Download the history (CSV)"


def show_results(
    spec: PageSpec,
    ctx: Context,
    lv: live.LiveRun,
    snap: live.Snapshot,
    where,
    stream: frames.Source | None = None,
) -> None:
    """Calibration (classifiers) or residuals (regression), the last evaluations and the
    history download: one block of the live panel, under a heading, in the slot
    ``where``.

    The download is a link to the ``stream``'s history route when the server has one;
    otherwise a download button of Streamlit's follows the block.
    """
    if snap.step == 0 or snap.status == "diverged":
        return
    results = (snap.view or {}).get("after") or resting_results(spec, ctx, lv, snap)
    block = results_block(spec, ctx, snap, results, stream)
    if block["download"] is not None:
        live_panel.draw(where, block)
        return
    box = where.container()
    live_panel.draw(box, block)
    box.download_button(
        DOWNLOAD_LABEL,
        functools.partial(history_csv, lv),
        file_name=history_name(spec, ctx),
        mime="text/csv",
        key=state_key(spec, "download"),
    )


def results_block(
    spec: PageSpec,
    ctx: Context,
    snap: live.Snapshot,
    results: dict,
    stream: frames.Source | None,
) -> dict:
    """The after-training block of ``results`` (:meth:`Context.results_of`) at this
    snapshot, with a link to the ``stream``'s history route when it has one (the
    download is None otherwise)."""
    if ctx.classification:
        left = (
            "**Calibration on the test set.** When the model says 70 %, does it happen "
            "70 % of the time? Points on the dashed diagonal mean yes; below it, the "
            "model is over-confident."
        )
    else:
        left = (
            "**Residuals on the test set.** What the mean misses: a good fit leaves a "
            "shapeless cloud around zero; a pattern is structure the model has not caught."
        )
    right = (
        f"**The run's history** ({results['rows']:,} steps): every recorded loss (nats) "
        "and metric, one row per step."
    )
    if not results["table"]["rows"]:
        right += "  \nNo evaluation recorded yet."
    test = (snap.view or {}).get("curves", {}).get("test", float("nan"))
    line = floor_line(ctx, test)
    right += "  \n" + line[:1].upper() + line[1:] + "."
    download = None
    if stream is not None and stream.history is not None:
        download = {
            "href": stream.history_path,
            "name": stream.history_name,
            "label": DOWNLOAD_LABEL,
        }
    return charts.results_block(
        state_key(spec, "results"),
        results["chart"],
        heading="After training" if snap.over else f"At step {snap.step:,}",
        left=left,
        right=right,
        table=results["table"],
        download=download,
    )


def history_name(spec: PageSpec, ctx: Context) -> str:
    return f"probnn-{spec.key}-seed{ctx.settings.seed}.csv"


def resting_results(spec: PageSpec, ctx: Context, lv: live.LiveRun, snap: live.Snapshot) -> dict:
    """The after-training results of a run that rests before its end (paused), computed
    once per step and kept."""
    key = (id(lv.run), snap.step, snap.status)
    cached = st.session_state.get(state_key(spec, "after"))
    if cached is None or cached[0] != key:
        cached = (key, ctx.results_of(lv.run))
        st.session_state[state_key(spec, "after")] = cached
    return cached[1]


def _loss_units(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [f"{c} (nats)" if c.endswith("loss") else c for c in frame.columns.astype(str)]
    return frame


def history_csv(lv: live.LiveRun) -> str:
    """The run's history as CSV: one row per step, one column per series (losses in nats).

    Read under the run's lock: the download may be asked for while the run trains."""
    return _loss_units(lv.full_history()).to_csv(index=False)


def recent(run: training.Run, k: int = 2) -> pd.DataFrame:
    """The last ``k`` evaluations with every series recorded, one row each."""
    h, names = run.history.filled(), run.series_names()
    steps = h["eval_step"]
    frame = pd.DataFrame(
        {
            "step": steps,
            names["train_loss"]: h["train_loss"][steps - 1],
            **{names[key]: h[key] for key in ("test_loss", "train_metric", "test_metric")},
            names["grad_norm"]: h["grad_norm"],
        }
    )
    return _loss_units(frame.dropna().tail(k))


def _cell(column: str, value: float) -> str:
    """One value of the table: 4 significant digits, an accuracy as a percentage."""
    if "accuracy" in column and value == value:
        return f"{number(100.0 * float(value))} %"
    return number(value).replace("-", "\u2212")


def last_table(frame: pd.DataFrame) -> dict:
    """The last recorded steps as a small table, one row per quantity: ``head`` (column
    titles) and ``rows`` (a quantity, then its formatted value at each step).

    Minus signs are typographic (U+2212): a narrow cell never breaks ``1.39e-04`` after
    its hyphen.
    """
    if frame.empty or "step" not in frame:
        return {"head": [], "rows": []}
    head = ["", *(f"step {int(v):,}" for v in frame["step"])]
    rows = [
        [str(c).replace("_", " "), *(_cell(str(c), v) for v in frame[c])]
        for c in frame.columns
        if c != "step"
    ]
    return {"head": head, "rows": rows}
