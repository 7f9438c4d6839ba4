"""The discriminative-vs-generative page (lessons/generative.py): its cached computations
and its view. The page file states the title and introduction and calls ``render()``.

Everything a rerun needs is cached here, in a module imported once, so that moving a
slider costs no refitting and no re-decoration of cached functions:

* ``st.cache_data`` for tables, scores and chart specs; the specs' data sets are
  stored already encoded as Arrow (``charts.arrow_datasets``), so a cache hit is a
  cheap copy of bytes and Streamlit sends them as they are;
* ``st.cache_resource`` for the fitted models themselves (read only: nothing ever
  mutates a fitted model after ``fit``; the page only evaluates and samples them).

The cached functions' arguments are the page's widget values (plain, hashable).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

import probnn
from probnn import compare
from probnn import data as pdata
from probnn.params import ParamSpec
from ui import widgets
from ui.charts import generative as charts
from ui.text import num, percent

GRID = 50  # heatmap cells per axis
DETAILS = "Details"  # the expander of notes a student can skip


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
        f"**{num(ll.loc[small, 'generative'])}** nats (generative) against "
        f"**{num(ll.loc[small, 'discriminative'])}** (discriminative); with **{big}** it is "
        f"**{num(ll.loc[big, 'generative'])}** against "
        f"**{num(ll.loc[big, 'discriminative'])}**. "
        "Lines: mean over seeds; bands: lowest to highest seed."
    )
    table = wide.copy()
    for column in table.columns:
        if column[0] == "accuracy":  # a percentage, as everywhere
            table[column] = 100 * table[column]
    table.columns = [
        f"{'log-loss (nats)' if m == 'log_loss' else 'accuracy (%)'}, {k}" for m, k in table.columns
    ]
    return {
        "log_loss": _spec(charts.curve_chart(summary, "log_loss")),
        "accuracy": _spec(charts.curve_chart(summary, "accuracy")),
        "text": text,
        "table": table.reset_index(),
    }


# ----------------------------------------------------------------------------- page settings

DATASETS = pdata.generators_for("binary")
DEFAULT_DATA = "moons"
SHARE = ParamSpec(
    "share",
    r"\pi_1",
    0.0,
    1.0,
    0.5,
    0.05,
    help="Fraction of class 1 among the points. The other class is thinned at random "
    "(training and test alike) until the fraction is reached.",
)
PROBE = ParamSpec("x", "x", -3.0, 3.0, 0.0, 0.05, help="Coordinate of the probed point.")
CURVE_MAX = (50, 100, 200, 500, 1000)  # choices for the largest training set of the curve
CURVE_SEEDS = ParamSpec(
    "seeds", "S", 1, 8, 5, 1, integer=True, help="Repeats with different seeds (mean and range)."
)


@dataclass(frozen=True)
class Choice:
    """One side's model choice: radio buttons bound to the URL under ``key``, under a
    heading, with a caption for the chosen option."""

    key: str
    heading: str
    label: str
    options: tuple[str, ...]
    default: str
    help: str
    captions: dict[str, str]


COVARIANCE = Choice(
    "cov",
    "#### Generative: $p(x, y)$",
    "Covariance of each class's Gaussian",
    tuple(compare.COVARIANCE_TITLES),
    "shared",
    "Shared: one ellipse shape for both classes, straight boundary (LDA). "
    "One per class: quadratic boundary (QDA). Diagonal: axes-aligned ellipses, "
    "features independent within a class (naive Bayes).",
    {
        "shared": "One covariance for both classes: a straight boundary (LDA).",
        "full": "One covariance per class: a curved, quadratic boundary (QDA).",
        "diagonal": "Axis-aligned ellipses, features independent within a class (naive Bayes).",
    },
)
NETWORK = Choice(
    "model",
    "#### Discriminative: $p(y \\mid x)$",
    "Network $f(x)$, with $p(y{=}1 \\mid x) = \\sigma(f(x))$",
    tuple(compare.DISCRIMINATIVE_MODELS),
    "mlp",
    "Trained by full-batch Adam (learning rate 0.05, 300 steps) on binary "
    "cross-entropy. Logistic regression draws a straight boundary; the MLP can bend it.",
    {
        "logistic": "Logistic regression: f is linear, so the boundary is a straight line.",
        "mlp": "A small MLP (one hidden layer of 16 tanh units): the boundary can bend.",
    },
)


# ----------------------------------------------------------------------------- formatting


def tex(value: float) -> str:
    """A number for st.latex (4 significant digits); inf as \\infty, tiny values in
    scientific notation."""
    text = num(value).replace(",", "{,}")
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return text


def vec(v) -> str:
    """A row vector, transposed: (a, b)^T."""
    return r"(" + ", ".join(tex(float(a)) for a in v) + r")^{\top}"


def mat(m) -> str:
    rows = [" & ".join(tex(float(a)) for a in row) for row in m]
    return r"\begin{pmatrix}" + r"\\".join(rows) + r"\end{pmatrix}"


def table_cell(value: float, share: bool = False) -> str:
    """A table cell: 4 significant digits (or a percentage); a dash when there is nothing
    to show."""
    if not math.isfinite(value):
        return "–"
    return percent(value) if share else num(value)


# ----------------------------------------------------------------------------- drawing


def score_metrics(where, scores) -> None:
    a, b = where.columns(2)
    a.metric(
        "test log-loss (nats)",
        charts.nats_text(scores.log_loss),
        help="Mean of −ln p(y | x) over the held-out test points, in nats. Lower is better.",
    )
    b.metric(
        "test accuracy",
        percent(scores.accuracy) if math.isfinite(scores.accuracy) else "no test points",
    )


def _choose(where, choice: Choice) -> str:
    """Draw one side's model choice in the column ``where``; returns the chosen option."""
    with where:
        st.markdown(choice.heading)
        value = widgets.select(
            choice.label,
            list(choice.options),
            choice.key,
            default=choice.default,
            radio=True,
            help=choice.help,
        )
        st.caption(choice.captions[value])
    return value


def _data_controls() -> tuple[tuple, dict]:
    """The data widgets and the caption about the data: ((name, n, noise, seed, share),
    the data summary)."""
    cols = st.columns([1.25, 1, 1, 1, 0.9], gap="medium")
    name = widgets.select(
        "Data set",
        DATASETS,
        "data",
        default=DEFAULT_DATA,
        where=cols[0],
    )
    gen_spec = pdata.GENERATORS[name]
    n = widgets.slider(
        gen_spec.spec("n"), "n", label="Points (before the test split)", where=cols[1]
    )
    noise = widgets.slider(gen_spec.spec("noise"), "noise", label="Noise", where=cols[2])
    share = widgets.slider(SHARE, "share", label="Share of class 1", where=cols[3])
    seed = widgets.seed("seed", where=cols[4])

    d = data_summary(name, n, noise, seed, share)
    st.caption(
        f"**{gen_spec.title}:** {gen_spec.description} "
        + (
            "Each class really is one Gaussian blob, so the generative model's assumption holds. "
            if name == "blobs"
            else "A class is not one Gaussian blob here, so the generative model's assumption "
            "is wrong. "
        )
        + "The generative model estimates its prior $p(y{=}1)$ as the share of class 1 and "
        "uses it in Bayes' rule; the discriminative model absorbs the same information in "
        "its bias."
    )
    with st.expander(DETAILS):
        st.caption(
            "The share of class 1 is applied by subsampling the drawn points, training and "
            "test alike. " + (d["note"] or "")
        )
    return (name, n, noise, seed, share), d


def _posterior_column(where, formula: str, p1: float, heat: dict, scores, point) -> None:
    with where:
        st.markdown(f"**{formula}** · $p(y{{=}}1 \\mid \\text{{ring}})$ = **{num(p1)}**")
        st.vega_lite_chart(charts.with_marker(heat, *point), width="content")
        score_metrics(st, scores)


def _side_by_side(settings: tuple, covariance: str, model_key: str):
    """Both fits, the probe sliders and both heatmaps with their scores.

    Returns the generative and discriminative views, the probe's numbers and the probe point.
    """
    both = fitted(*settings, covariance, model_key)  # shows a spinner only when fitting
    g, f = both["g"], both["f"]
    for note in g["notes"]:
        st.info(note)

    probe_cols = st.columns([1, 1, 1.4], vertical_alignment="bottom")
    px = widgets.slider(PROBE, "x1", label="Probe point x₁", where=probe_cols[0])
    py = widgets.slider(PROBE, "x2", label="Probe point x₂", where=probe_cols[1])
    probe_cols[2].caption("The black ring marks the probe point; the formulas below use it.")
    pr = compare.probe(
        generative_model(*settings, covariance),
        both["disc"],
        (px, py),
    )

    left, right = st.columns(2, gap="large")
    _posterior_column(left, "Bayes' rule", pr.generative_p1, g["heat"], g["test"], (px, py))
    _posterior_column(
        right, "$\\sigma(f(x))$", pr.discriminative_p1, f["heat"], f["test"], (px, py)
    )
    st.caption(
        "Both heatmaps share one colour scale: blue where class 0 is likely, white at 0.5 "
        "(the decision boundary), orange where class 1 is likely. Dots are training points; "
        "the scores are on held-out test points."
    )
    return g, f, pr, (px, py)


def _generative_section(settings: tuple, covariance: str, d: dict, g: dict, pr, point) -> None:
    px, py = point
    st.divider()
    st.subheader("The generative model: a story of how the data arise")
    mu, cov = g["means"], g["covariances"]
    left, right = st.columns([1, 1], gap="large")
    draws = st.session_state.setdefault("_gen_draw", 0)
    with left:
        b1, b2 = st.columns(2)
        if b1.button(
            "Generate",
            type="primary",
            width="stretch",
            help="Draw as many new (x, y) pairs from the fitted p(x, y) as there are training "
            "points: first y from p(y), then x from that class's Gaussian.",
        ):
            st.session_state["_gen_draw"] = draws = draws + 1
        if b2.button("Clear samples", disabled=draws == 0, width="stretch"):
            st.session_state["_gen_draw"] = draws = 0
        spec = samples_spec(*settings, covariance, draws) if draws else g["density"]
        st.vega_lite_chart(charts.with_marker(spec, px, py), width="content")
    with right:
        st.markdown(
            "It first picks a class with probability $p(y)$, then an input from that class's "
            "Gaussian $p(x \\mid y)$. The joint distribution is the product; under it, the "
            "maximum-likelihood estimates from the training points:"
        )
        st.latex(
            r"\begin{gathered}p(x, y) = p(y)\,p(x \mid y)\\[6pt]"
            rf"\hat p(y{{=}}1) = \frac{{N_1}}{{N}} = \frac{{{d['n_class1']}}}"
            rf"{{{d['n_train']}}} = {tex(pr.prior[1])}\\[4pt]"
            rf"\hat\mu_0 = {vec(mu[0])}\\ \hat\mu_1 = {vec(mu[1])}\end{{gathered}}"
        )
        st.caption(
            "Lines on the chart: ellipses holding 50 %, 90 % and 99 % of each class density. "
            + (
                f"Crosses: {d['n_train']} new pairs sampled from the model (draw {draws}); "
                "faded dots: the real data."
                if draws
                else "Press Generate to sample new pairs from the model."
            )
        )

    st.markdown(
        "**Each class is one Gaussian** in the plane, with the fitted covariances below "
        f"and its density at the probe point $x = ({num(px)}, {num(py)})$:"
    )
    sigmas = (
        rf"\hat\Sigma_0 = \hat\Sigma_1 = {mat(cov[0])}"
        if covariance == "shared"
        else rf"\hat\Sigma_0 = {mat(cov[0])},\quad \hat\Sigma_1 = {mat(cov[1])}"
    )
    st.latex(
        r"\begin{gathered}p(x \mid y{=}c) = \frac{1}{2\pi\,|\Sigma_c|^{1/2}}"
        r"\exp\!\Big(-\tfrac12 (x-\mu_c)^\top \Sigma_c^{-1} (x-\mu_c)\Big)\\[6pt]"
        + sigmas
        + r"\\[6pt]"
        + rf"p(x \mid y{{=}}0) = {tex(pr.density[0])},\qquad "
        rf"p(x \mid y{{=}}1) = {tex(pr.density[1])}\end{{gathered}}"
    )
    st.markdown(
        f"**Bayes' rule** turns the joint into a classifier, at $x = ({num(px)}, {num(py)})$:"
    )
    st.latex(
        r"p(y{=}1 \mid x) = \frac{p(y{=}1)\,p(x \mid y{=}1)}"
        r"{\sum_{c} p(y{=}c)\,p(x \mid y{=}c)}"
        rf"= \frac{{{tex(pr.prior[1])} \times {tex(pr.density[1])}}}"
        rf"{{{tex(pr.prior[0])} \times {tex(pr.density[0])} + "
        rf"{tex(pr.prior[1])} \times {tex(pr.density[1])}}} = {tex(pr.generative_p1)}"
    )
    st.caption(
        "The fit maximised the joint likelihood, not the quality of p(y | x): its mean "
        f"$-\\ln p(x, y)$ on the training points is {num(g['joint_nll'], 'nats')}. "
        "Classification is a by-product."
    )


def _discriminative_section(g: dict, f: dict, pr) -> None:
    st.divider()
    st.subheader("The discriminative model: only the labels given the inputs")
    st.markdown(
        "It says nothing about where inputs come from. Its label is a Bernoulli variable with "
        "probability $\\sigma(f_\\theta(x))$, and training maximises the **conditional** "
        "likelihood of the labels: it minimises the mean negative log-likelihood, which is the "
        "binary cross-entropy."
    )
    st.latex(
        r"\begin{gathered}\mathcal{L}(\theta) = -\frac1N \sum_{i=1}^{N} "
        r"\Big[y_i \ln \sigma(f_\theta(x_i)) "
        r"+ (1-y_i)\ln\big(1-\sigma(f_\theta(x_i))\big)\Big]"
        rf"= {tex(f['train'].log_loss)}\ \text{{nats}}\\[6pt]"
        rf"\text{{at the probe point: }} f_\theta(x) = {tex(pr.discriminative_logit)},\quad "
        rf"p(y{{=}}1 \mid x) = \sigma(f_\theta(x)) = {tex(pr.discriminative_p1)}\end{{gathered}}"
    )

    rows = [
        f"| {label} | {table_cell(v['train'].log_loss)} | {table_cell(v['test'].log_loss)} | "
        f"{table_cell(v['test'].accuracy, True)} |"
        for label, v in (("generative", g), ("discriminative", f))
    ]
    st.markdown(
        "| model | training −ln p(y\\|x) (nats) | test −ln p(y\\|x) (nats) | test accuracy |\n"
        "|---|---:|---:|---:|\n" + "\n".join(rows)
    )
    st.caption(
        "One score for both: the mean −ln p(y | x), in nats. The discriminative model pushes "
        "it down on the training points directly; the generative model reaches p(y | x) "
        "second-hand, through p(x | y), so it is only as good as a Gaussian per class."
    )


def _learning_curve_section(settings: tuple, covariance: str, model_key: str) -> None:
    name, _, noise, seed, share = settings
    st.divider()
    st.subheader("Learning curve: few points against many")
    st.markdown(
        "A Gaussian per class has few parameters, so it settles quickly; when the classes are "
        "not Gaussian it settles on the wrong answer. A flexible discriminative model needs "
        "more points but keeps improving. Each size is repeated with several seeds, and "
        "every model is scored on the same 2000 fresh test points (per seed)."
    )
    cols = st.columns([1, 1, 1.2], vertical_alignment="bottom")
    largest = widgets.select(
        "Largest training set", CURVE_MAX, "lc_max", default=1000, where=cols[0]
    )
    n_seeds = widgets.slider(CURVE_SEEDS, "lc_seeds", label="Seeds", where=cols[1])
    sizes = tuple(s for s in compare.CURVE_SIZES if s <= largest)
    seeds = tuple(seed + i for i in range(int(n_seeds)))
    curve_key = (name, noise, share, covariance, model_key, seeds, sizes)
    pressed = cols[2].button("Run learning curve", type="primary")
    if pressed or st.session_state.get("_curve_for") == curve_key:
        try:
            if pressed:
                bar = st.progress(0.0, text="Fitting both models for every size and seed…")
                for i, size in enumerate(sizes):
                    curve_rows(name, noise, share, covariance, model_key, seeds, size)
                    bar.progress((i + 1) / len(sizes), text=f"{size} training points done")
                bar.empty()
            curve = curve_view(name, noise, share, covariance, model_key, seeds, sizes)
        except compare.CompareError as err:
            st.warning(f"The learning curve could not be computed: {err}")
        else:
            st.session_state["_curve_for"] = curve_key
            left, right = st.columns(2, gap="large")
            left.vega_lite_chart(curve["log_loss"], width="content")
            right.vega_lite_chart(curve["accuracy"], width="content")
            st.markdown(curve["text"])
            with st.expander("The numbers (mean over seeds)"):
                st.dataframe(
                    curve["table"],
                    hide_index=True,
                    width="stretch",
                    column_config={  # 4 significant digits; accuracy in percent
                        name: st.column_config.NumberColumn(
                            format="%.1f%%" if name.startswith("accuracy") else "%.4g"
                        )
                        for name in curve["table"].columns
                        if name != "size"
                    },
                )
    else:
        st.caption(
            f"Press the button to fit both models {len(sizes) * len(seeds)} times each "
            f"(sizes {', '.join(map(str, sizes))}; {len(seeds)} seed(s)). It takes a few "
            "seconds; the result is kept for these settings."
        )


# ----------------------------------------------------------------------------- page


def render() -> None:
    """The page below its title and introduction: data and model choices, both fits side by
    side at a probe point, each model in detail, and the learning curve."""
    probnn.limit_threads()
    settings, d = _data_controls()
    left, right = st.columns(2, gap="large")
    covariance = _choose(left, COVARIANCE)
    model_key = _choose(right, NETWORK)
    if d["problem"]:
        st.warning(d["problem"])
        st.vega_lite_chart(d["points_spec"], width="content")
        st.stop()
    g, f, pr, point = _side_by_side(settings, covariance, model_key)
    _generative_section(settings, covariance, d, g, pr, point)
    _discriminative_section(g, f, pr)
    _learning_curve_section(settings, covariance, model_key)
