"""Discriminative vs generative: model p(X, Y) and classify with Bayes' rule, or model
p(Y | X) directly. Both are fitted on the same 2-D points and compared side by side."""

from __future__ import annotations

import math

import streamlit as st

import probnn
from probnn import compare
from probnn import data as pdata
from probnn.params import ParamSpec
from ui import generative_page as view
from ui import widgets
from ui.charts import generative as charts
from ui.charts import number

probnn.limit_threads()
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
COV_TEXT = {
    "shared": "One covariance for both classes: a straight boundary (LDA).",
    "full": "One covariance per class: a curved, quadratic boundary (QDA).",
    "diagonal": "Axis-aligned ellipses, features independent within a class (naive Bayes).",
}
MODEL_TEXT = {
    "logistic": "Logistic regression: f is linear, so the boundary is a straight line.",
    "mlp": "A small MLP (one hidden layer of 16 tanh units): the boundary can bend.",
}
CURVE_MAX = (50, 100, 200, 500, 1000)  # choices for the largest training set of the curve
CURVE_SEEDS = ParamSpec(
    "seeds", "S", 1, 8, 5, 1, integer=True, help="Repeats with different seeds (mean and range)."
)


# ----------------------------------------------------------------------------- helpers


def tex(value: float, digits: int = 3) -> str:
    """A number for st.latex; inf as \\infty, tiny values in scientific notation."""
    text = number(value, digits=digits)
    if text in ("inf", "-inf"):
        return text.replace("inf", r"\infty")
    if "e" in text:
        mant, exp = text.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return text


def vec(v) -> str:
    """A row vector, transposed: (a, b)^T."""
    return r"(" + ", ".join(f"{float(a):.2f}" for a in v) + r")^{\top}"


def mat(m) -> str:
    rows = [" & ".join(f"{float(a):.2f}" for a in row) for row in m]
    return r"\begin{pmatrix}" + r"\\".join(rows) + r"\end{pmatrix}"


def cell(value: float, percent: bool = False) -> str:
    """A table cell: 3 decimals (or a percentage); a dash when there is nothing to show."""
    if not math.isfinite(value):
        return "–"
    return f"{value:.1%}" if percent else f"{value:.3f}"


def score_metrics(where, scores) -> None:
    a, b = where.columns(2)
    a.metric(
        "test log-loss (nats)",
        charts.nats_text(scores.log_loss),
        help="Mean of −ln p(y | x) over the held-out test points, in nats. Lower is better.",
    )
    b.metric(
        "test accuracy",
        f"{scores.accuracy:.1%}" if math.isfinite(scores.accuracy) else "no test points",
    )


# ----------------------------------------------------------------------------- page

st.title("Discriminative vs generative")
st.markdown(
    "There are two ways to build a classifier from labelled pairs $(x, y)$. A **generative** "
    "model describes how the data arise: how common each class is, $p(y)$, and what the "
    "inputs of each class look like, $p(x \\mid y)$. Together they give the joint "
    "$p(x, y)$; it can invent new pairs, and Bayes' rule turns it into $p(y \\mid x)$. "
    "A **discriminative** model skips the description of $x$ and fits $p(y \\mid x)$ "
    "directly, by minimising the cross-entropy between the labels and its predictions. "
    "Below, both learn from the same points."
)

cols = st.columns([1.25, 1, 1, 1, 0.9], gap="medium")
name = widgets.select(
    "Data set",
    DATASETS,
    "data",
    default=DEFAULT_DATA,
    where=cols[0],
)
gen_spec = pdata.GENERATORS[name]
n = widgets.slider(gen_spec.spec("n"), "n", label="Points (before the test split)", where=cols[1])
noise = widgets.slider(gen_spec.spec("noise"), "noise", label="Noise", where=cols[2])
share = widgets.slider(SHARE, "share", label="Share of class 1", where=cols[3])
seed = widgets.seed("seed", where=cols[4])

d = view.data_summary(name, n, noise, seed, share)
st.caption(
    f"**{gen_spec.title}:** {gen_spec.description} "
    + (
        "Each class really is one Gaussian blob, so the generative model's assumption holds. "
        if name == "blobs"
        else "A class is not one Gaussian blob here, so the generative model's assumption "
        "is wrong. "
    )
    + "The share of class 1 is applied by **subsampling** the drawn points (training and test "
    "alike). The generative model then estimates its prior $p(y=1)$ as that share and uses it "
    "in Bayes' rule; the discriminative model absorbs the same information in its bias. "
    + (d["note"] or "")
)

left, right = st.columns(2, gap="large")
with left:
    st.markdown("#### Generative: $p(x, y)$")
    covariance = widgets.select(
        "Covariance of each class's Gaussian",
        list(compare.COVARIANCE_TITLES),
        "cov",
        default="shared",
        radio=True,
        help="Shared: one ellipse shape for both classes, straight boundary (LDA). "
        "One per class: quadratic boundary (QDA). Diagonal: axes-aligned ellipses, "
        "features independent within a class (naive Bayes).",
    )
    st.caption(COV_TEXT[covariance])
with right:
    st.markdown("#### Discriminative: $p(y \\mid x)$")
    model_key = widgets.select(
        "Network f(x), with p(y=1 | x) = σ(f(x))",
        list(compare.DISCRIMINATIVE_MODELS),
        "model",
        default="mlp",
        radio=True,
        help="Trained by full-batch Adam (learning rate 0.05, 300 steps) on binary "
        "cross-entropy. Logistic regression draws a straight boundary; the MLP can bend it.",
    )
    st.caption(MODEL_TEXT[model_key])

if d["problem"]:
    st.warning(d["problem"])
    st.vega_lite_chart(d["points_spec"], width="content")
    st.stop()

settings = (name, n, noise, seed, share)
both = view.fitted(*settings, covariance, model_key)  # shows a spinner only when fitting
g, f = both["g"], both["f"]
for note in g["notes"]:
    st.info(note)

probe_cols = st.columns([1, 1, 1.4], vertical_alignment="bottom")
px = widgets.slider(PROBE, "x1", label="Probe point x₁", where=probe_cols[0])
py = widgets.slider(PROBE, "x2", label="Probe point x₂", where=probe_cols[1])
probe_cols[2].caption("The black ring marks the probe point; the formulas below use it.")
pr = compare.probe(
    view.generative_model(*settings, covariance),
    both["disc"],
    (px, py),
)

left, right = st.columns(2, gap="large")
with left:
    st.markdown(f"**Bayes' rule** · p(y=1 | ring) = **{pr.generative_p1:.3f}**")
    st.vega_lite_chart(charts.with_marker(g["heat"], px, py), width="content")
    score_metrics(st, g["test"])
with right:
    st.markdown(f"**σ(f(x))** · p(y=1 | ring) = **{pr.discriminative_p1:.3f}**")
    st.vega_lite_chart(charts.with_marker(f["heat"], px, py), width="content")
    score_metrics(st, f["test"])
st.caption(
    "Both heatmaps share one colour scale: blue where class 0 is likely, white at 0.5 "
    "(the decision boundary), orange where class 1 is likely. Dots are training points; "
    "the scores are on held-out test points."
)

# ---- the generative model in detail
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
    spec = view.samples_spec(*settings, covariance, draws) if draws else g["density"]
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
    f"and its density at the probe point $x = ({px:.2f}, {py:.2f})$:"
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
st.markdown(f"**Bayes' rule** turns the joint into a classifier, at $x = ({px:.2f}, {py:.2f})$:")
st.latex(
    r"p(y{=}1 \mid x) = \frac{p(y{=}1)\,p(x \mid y{=}1)}"
    r"{\sum_{c} p(y{=}c)\,p(x \mid y{=}c)}"
    rf"= \frac{{{tex(pr.prior[1])} \times {tex(pr.density[1])}}}"
    rf"{{{tex(pr.prior[0])} \times {tex(pr.density[0])} + "
    rf"{tex(pr.prior[1])} \times {tex(pr.density[1])}}} = {tex(pr.generative_p1)}"
)
st.caption(
    "The fit maximised the joint likelihood, not the quality of p(y | x): its mean "
    f"−ln p(x, y) on the training points is {number(g['joint_nll'], 'nats', 4)}. "
    "Classification is a by-product."
)

# ---- the discriminative model in detail
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
    rf"= {tex(f['train'].log_loss, 4)}\ \text{{nats}}\\[6pt]"
    rf"\text{{at the probe point: }} f_\theta(x) = {tex(pr.discriminative_logit)},\quad "
    rf"p(y{{=}}1 \mid x) = \sigma(f_\theta(x)) = {tex(pr.discriminative_p1)}\end{{gathered}}"
)

rows = [
    f"| {label} | {cell(v['train'].log_loss)} | {cell(v['test'].log_loss)} | "
    f"{cell(v['test'].accuracy, True)} |"
    for label, v in (("generative", g), ("discriminative", f))
]
st.markdown(
    "| model | training −ln p(y\\|x) (nats) | test −ln p(y\\|x) (nats) | test accuracy |\n"
    "|---|---:|---:|---:|\n" + "\n".join(rows)
)
st.caption(
    "One score for both: the mean −ln p(y | x), in nats. The discriminative model pushes it "
    "down on the training points directly; the generative model reaches p(y | x) "
    "second-hand, through p(x | y), so it is only as good as a Gaussian per class."
)

# ---- learning curve
st.divider()
st.subheader("Learning curve: few points against many")
st.markdown(
    "A Gaussian per class has few parameters, so it settles quickly; when the classes are "
    "not Gaussian it settles on the wrong answer. A flexible discriminative model needs "
    "more points but keeps improving. Each size is repeated with several seeds, and "
    "every model is scored on the same 2000 fresh test points (per seed)."
)
cols = st.columns([1, 1, 1.2], vertical_alignment="bottom")
largest = widgets.select("Largest training set", CURVE_MAX, "lc_max", default=1000, where=cols[0])
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
                view.curve_rows(name, noise, share, covariance, model_key, seeds, size)
                bar.progress((i + 1) / len(sizes), text=f"{size} training points done")
            bar.empty()
        curve = view.curve_view(name, noise, share, covariance, model_key, seeds, sizes)
    except compare.CompareError as err:
        st.warning(f"The learning curve could not be computed: {err}")
    else:
        st.session_state["_curve_for"] = curve_key
        left, right = st.columns(2, gap="large")
        left.vega_lite_chart(curve["log_loss"], width="content")
        right.vega_lite_chart(curve["accuracy"], width="content")
        st.markdown(curve["text"])
        with st.expander("The numbers (mean over seeds)"):
            st.dataframe(curve["table"], hide_index=True, width="stretch")
else:
    st.caption(
        f"Press the button to fit both models {len(sizes) * len(seeds)} times each "
        f"(sizes {', '.join(map(str, sizes))}; {len(seeds)} seed(s)). It takes a few seconds; "
        "the result is kept for these settings."
    )
