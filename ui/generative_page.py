"""Cached computations of the discriminative-vs-generative page (lessons/generative.py).

Everything a rerun needs is cached here, in a module imported once, so that moving a
slider costs no refitting and no re-decoration of cached functions:

* ``st.cache_data`` for tables, scores and chart specs; the specs' data sets are
  stored already encoded as Arrow (``charts.arrow_datasets``), so a cache hit is a
  cheap copy of bytes and Streamlit sends them as they are;
* ``st.cache_resource`` for the fitted models themselves (read only: nothing ever
  mutates a fitted model after ``fit``; the page only evaluates and samples them).

The arguments are the page's widget values (plain, hashable).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from probnn import compare
from probnn import data as pdata
from ui.charts import generative as charts

GRID = 50  # heatmap cells per axis


def _np(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


def _spec(chart) -> dict:
    return charts.arrow_datasets(charts.spec(charts.finish(chart)))


@st.cache_data(max_entries=64, show_spinner=False)
def load(name: str, n: int, noise: float, seed: int, share: float) -> dict:
    """The data set after rebalancing, as plain arrays, plus the (square) plot bounds."""
    ds = pdata.make(name, n=n, noise=noise, seed=seed)
    X, y, note = compare.rebalance(ds.X_train, ds.y_train, share, seed=seed)
    Xt, yt, _ = compare.rebalance(ds.X_test, ds.y_test, share, seed=seed + 1)
    (x_lo, x_hi), (y_lo, y_hi) = ds.bounds(margin=0.08)
    # a square window, so circles look round
    half = max(x_hi - x_lo, y_hi - y_lo) / 2
    cx, cy = (x_lo + x_hi) / 2, (y_lo + y_hi) / 2
    bounds = ((cx - half, cx + half), (cy - half, cy + half))
    points = pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "cls": y.astype(str)})
    return {
        "X": X,
        "y": y,
        "X_test": Xt,
        "y_test": yt,
        "note": note,
        "bounds": bounds,
        "points": points,
        "points_spec": _spec(
            charts.points_layer(points, bounds).properties(
                height=charts.SQUARE, width=charts.SQUARE, autosize=charts.PAD
            )
        ),
        "problem": compare.check_classes(y),
    }


@st.cache_data(max_entries=64, show_spinner=False)
def data_summary(name: str, n: int, noise: float, seed: int, share: float) -> dict:
    """What the page shows about the data before any fit: the rebalancing note, a
    message when a class is empty (and the chart of the points alone), the class counts."""
    d = load(name, n, noise, seed, share)
    return {
        "note": d["note"],
        "problem": d["problem"],
        "points_spec": d["points_spec"],
        "n_train": int(len(d["y"])),
        "n_class1": int(d["y"].sum()),
    }


@st.cache_data(max_entries=64, show_spinner="Fitting both models…")
def fitted(name, n, noise, seed, share, covariance, model_key) -> dict:
    """Both sides in one cache entry (one lookup per rerun): the generative view, the
    discriminative view and the trained network's arrays (for the probe)."""
    return {
        "g": generative_view(name, n, noise, seed, share, covariance),
        "f": discriminative_view(name, n, noise, seed, share, model_key),
        "disc": discriminative_model(name, n, noise, seed, share, model_key),
    }


def _grid(bounds):
    xs, ys = compare.grid_axes(bounds, GRID)
    gx, gy = np.meshgrid(xs, ys)
    pts = np.column_stack([gx.ravel(), gy.ravel()])  # (GRID^2, 2)
    return pts, (xs[1] - xs[0], ys[1] - ys[0])


def _heat_frame(pts: np.ndarray, p1: np.ndarray) -> pd.DataFrame:
    """Grid cells for a heatmap, in float32: half the bytes sent per rerun, ample precision."""
    return pd.DataFrame({"x1": pts[:, 0], "x2": pts[:, 1], "p1": np.clip(p1, 0.0, 1.0)}).astype(
        np.float32
    )


@st.cache_resource(max_entries=64, show_spinner=False)
def generative_model(name, n, noise, seed, share, covariance):
    """The fitted GaussianClassConditional (shared read-only between sessions)."""
    d = load(name, n, noise, seed, share)
    return compare.fit_generative(d["X"], d["y"], compare.GenerativeConfig(covariance))


@st.cache_data(max_entries=64, show_spinner=False)
def generative_view(name, n, noise, seed, share, covariance) -> dict:
    """Scores, notes, the fitted parameters and the two chart specs of the generative side."""
    d = load(name, n, noise, seed, share)
    model = generative_model(name, n, noise, seed, share, covariance)
    pts, cell = _grid(d["bounds"])
    heat = _heat_frame(pts, _np(model.predict_proba(pts))[:, 1])
    ellipses = compare.density_ellipses(model)
    return {
        "notes": list(model.notes_),
        "means": _np(model.means_).copy(),
        "covariances": _np(model.covariances_).copy(),
        "train": compare.score_generative(model, d["X"], d["y"]),
        "test": compare.score_generative(model, d["X_test"], d["y_test"]),
        "joint_nll": model.nll(d["X"], d["y"]),
        "heat": _spec(charts.posterior_chart(heat, d["points"], d["bounds"], cell=cell)),
        "density": _spec(charts.density_chart(d["points"], ellipses, d["bounds"])),
    }


@st.cache_resource(max_entries=64, show_spinner=False)
def discriminative_model(name, n, noise, seed, share, model_key):
    """The trained network as plain arrays (a training.Run of a few hundred steps)."""
    d = load(name, n, noise, seed, share)
    config = compare.DiscriminativeConfig(model_key, seed=seed)
    return compare.fit_discriminative(
        d["X"], d["y"], config, X_test=d["X_test"], y_test=d["y_test"]
    )


@st.cache_data(max_entries=64, show_spinner=False)
def discriminative_view(name, n, noise, seed, share, model_key) -> dict:
    """Scores and the heatmap spec of the discriminative side."""
    d = load(name, n, noise, seed, share)
    fit = discriminative_model(name, n, noise, seed, share, model_key)
    pts, cell = _grid(d["bounds"])
    heat = _heat_frame(pts, fit.proba(pts))
    return {
        "train": compare.score_discriminative(fit, d["X"], d["y"]),
        "test": compare.score_discriminative(fit, d["X_test"], d["y_test"]),
        "heat": _spec(charts.posterior_chart(heat, d["points"], d["bounds"], cell=cell)),
    }


@st.cache_data(max_entries=32, show_spinner=False)
def samples_spec(name, n, noise, seed, share, covariance, draw) -> dict:
    """The density chart with ``len(training set)`` new pairs drawn from the fitted model,
    seeded by (seed, draw)."""
    d = load(name, n, noise, seed, share)
    model = generative_model(name, n, noise, seed, share, covariance)
    new = compare.sample_frame(model, len(d["y"]), seed=seed * 1000 + draw)
    ellipses = compare.density_ellipses(model)
    return _spec(charts.density_chart(d["points"], ellipses, d["bounds"], samples=new))


@st.cache_data(max_entries=128, show_spinner=False)
def curve_rows(name, noise, share, covariance, model_key, seeds, size) -> list[dict]:
    """One size of the learning curve, every seed (see compare.curve_point)."""
    config = compare.CurveConfig(
        dataset=name,
        noise=noise,
        share=share,
        sizes=(size,),
        seeds=seeds,
        generative=compare.GenerativeConfig(covariance),
        discriminative=compare.DiscriminativeConfig(model_key),
    )
    return compare.curve_point(config, size)


@st.cache_data(max_entries=32, show_spinner=False)
def curve_view(name, noise, share, covariance, model_key, seeds, sizes) -> dict:
    """The learning curve's two chart specs, a sentence and a table (from cached rows)."""
    rows = [
        r
        for size in sizes
        for r in curve_rows(name, noise, share, covariance, model_key, seeds, size)
    ]
    summary = compare.summarise_curve(pd.DataFrame(rows))
    wide = summary.pivot_table(index="size", columns=["metric", "model"], values="mean")
    small, big = sizes[0], sizes[-1]
    ll = wide["log_loss"]
    text = (
        f"With **{small}** training points the test log-loss is "
        f"**{ll.loc[small, 'generative']:.3f}** nats (generative) against "
        f"**{ll.loc[small, 'discriminative']:.3f}** (discriminative); with **{big}** it is "
        f"**{ll.loc[big, 'generative']:.3f}** against **{ll.loc[big, 'discriminative']:.3f}**. "
        "Lines: mean over seeds; bands: lowest to highest seed."
    )
    table = wide.copy()
    table.columns = [
        f"{'log-loss (nats)' if m == 'log_loss' else 'accuracy'}, {k}" for m, k in table.columns
    ]
    return {
        "log_loss": _spec(charts.curve_chart(summary, "log_loss")),
        "accuracy": _spec(charts.curve_chart(summary, "accuracy")),
        "text": text,
        "table": table.reset_index(),
    }
