"""The "Derive a loss" page: the derivation, its check against PyTorch, per-example losses
and one sample fitted under three likelihoods.

The page file states its title and introduction and calls :func:`render`: widgets
(``ui.widgets``) -> ``probnn`` -> ``ui.charts.losses`` -> ``st.*``.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from probnn import likelihoods, scoring
from probnn.params import ParamSpec
from ui import widgets
from ui.charts import losses as charts
from ui.charts import number

ORDER = ("bernoulli", "categorical", "gaussian", "gaussian_learned_variance", "laplace",
         "student_t", "poisson", "gaussian_probability")  # fmt: skip
NAMES = [n for n in ORDER if n in likelihoods.REGISTRY] + [
    n for n in likelihoods.names() if n not in ORDER
]
STEP_TITLES = (
    "Choose a distribution for y given x",
    "Maximise the likelihood of the whole sample",
    "Take the log",
    "Flip the sign and average: the general loss",
    "Substitute the distribution",
    "Arrive at the named loss",
)
BATCH = ParamSpec("n", "N", 1, 256, 16, 1, integer=True, help="Number of examples in the batch.")
CLASSES = ParamSpec("classes", "C", 2, 10, 3, 1, integer=True, help="Number of classes C.")
OUTLIER = ParamSpec(
    "outlier", "", 0.0, 20.0, 8.0, 0.5,
    help="How far the last point sits above where the others would put it.",
)  # fmt: skip
FIT_DF = ParamSpec(
    "fit_df", r"\nu", 0.5, 50.0, 3.0, 0.5,
    help="Degrees of freedom of the Student-t fit: small is heavy-tailed and robust.",
)  # fmt: skip
TARGET_HINT = {
    "binary": "labels 0 or 1, e.g. 0, 1, 1, 0",
    "multiclass": "class labels 0 … C−1, e.g. 0, 2, 1",
    "regression": "real numbers, e.g. 1.5, -0.3, 8",
    "count": "counts 0, 1, 2, …, e.g. 0, 3, 1",
}


def _label(name: str) -> str:
    cls = likelihoods.REGISTRY[name]
    return f"{cls.title} → {cls.loss_name}"


# ----------------------------------------------------------------------------- cached views
# Each view is a pure function of its (hashable) settings and is drawn through ``_view``.
# st.cache_data records the elements a cached function draws and replays them on the next
# call with the same settings, so a slider moved back and forth costs neither maths nor
# serialisation. One short cached entry point keeps the per-rerun cost of the decorator
# (it hashes the function's source) small.


def _derivation_view(name: str, params: tuple) -> None:
    """The numbered steps from p(y | x) to the named loss: a sentence, then its formula."""
    for i, step in enumerate(likelihoods.get(name, **dict(params)).derivation):
        title = STEP_TITLES[i] if i < len(STEP_TITLES) else "One more step"
        st.markdown(f"**Step {i + 1}: {title}.** {step.text}")
        st.latex(step.latex)


def _relation_view(name: str, params: tuple) -> None:
    """The relation between probnn's NLL and PyTorch's loss, as a formula and a sentence."""
    relation = likelihoods.get(name, **dict(params)).relation
    st.markdown(
        "Below, a batch of random network outputs and targets. probnn computes the "
        "negative log-likelihood straight from the distribution; PyTorch computes its "
        "built-in loss. The relation from the last step of the derivation links them:"
    )
    st.latex(relation.latex)
    st.markdown(relation.text)


def _fmt(value: float) -> str:
    """12 significant digits, or scientific notation for rounding-size numbers."""
    if value != 0 and abs(value) < 1e-4:
        return f"{value:.2e}"
    return f"{value:.12g}"


def _batch_preview(name: str, output, target, per_example) -> pd.DataFrame:
    shown = min(len(target), 8)
    out = output[:shown]
    batch = pd.DataFrame({"target y": target[:shown].tolist()})
    if out.ndim == 1:
        batch.insert(0, "network output", out.tolist())
    else:
        for k in range(out.shape[1]):
            head = f"z{k}"
            if name == "gaussian_learned_variance":
                head = "μ" if k == 0 else "s = log σ²"
            batch.insert(k, head, out[:, k].tolist())
    batch["NLL of the example (nats)"] = per_example[:shown].tolist()
    return batch


def _proof_view(name: str, params: tuple, n: int, seed: int, classes: int, typed: str) -> None:
    """The proof: table, verdict and the batch itself, for one setting."""
    lik = likelihoods.get(name, **dict(params))
    target, message = scoring.parse_targets(typed, lik, classes) if typed else (None, None)
    if message:
        st.warning(f"Your targets were not used: {message} Using random targets instead.")
    size = n if target is None else len(target)
    output, random_target = scoring.random_batch(lik, size, seed=seed, n_classes=classes)
    if target is None:
        target = random_target
    proof = scoring.prove(lik, output, target)
    left, right = st.columns([0.66, 0.34], gap="medium")
    table = scoring.proof_table(proof)
    left.table(table.style.format({"value": _fmt}), hide_index=True)
    right.metric(
        "NLL − (factor × reference + constant)",
        f"{proof.difference:.2g} nats",
        help="Float64 rounding only: both sides are the same function of the outputs.",
    )
    verdict = "holds" if proof.holds else "does not hold"
    plural = "s" if size != 1 else ""
    right.markdown(
        f"On this batch of **{size}** example{plural} the relation **{verdict}** to float64 "
        "precision."
    )
    if not typed:
        sweep = scoring.seed_sweep(lik, size, range(20), n_classes=classes)
        worst = float(sweep["difference"].abs().max())
        right.markdown(
            f"Over seeds 0–19 at this batch size the largest |difference| is "
            f"**{number(worst)} nats**."
        )
    if not proof.has_builtin:
        right.info(
            "PyTorch has no built-in Student-t loss. So the check compares probnn's NLL "
            "(the density written out with log-gamma functions) with the negated mean of "
            "torch.distributions.StudentT's log-density."
        )
    per_example = lik.nll_per_example(output, target)  # (N,)
    with st.expander(f"The first {min(size, 8)} examples of the batch"):
        batch = _batch_preview(name, output, target, per_example)
        st.dataframe(batch, hide_index=True, width="stretch")


CURVES = {
    "binary": scoring.bernoulli_curves,
    "multiclass": scoring.categorical_curves,
    "regression": scoring.regression_curves,
    "count": scoring.poisson_curves,
}


def _chart_view(kind: str, args: tuple, builder: str, options: tuple) -> None:
    """One per-example loss chart."""
    frame = CURVES[kind](*args)
    chart = getattr(charts, builder)(frame, **dict(options))
    st.vega_lite_chart(spec=chart.to_dict(), width="stretch")


def _pair(kind: str, args: tuple, builder: str, first: dict, second: dict) -> None:
    a, b = st.columns(2, gap="large")
    with a:
        _view("chart", kind, args, builder, tuple(sorted(first.items())))
    with b:
        _view("chart", kind, args, builder, tuple(sorted(second.items())))


def _fits_view(outlier: float, df: float, line: bool) -> None:
    """The sample, the three fitted models and the table of scores."""
    x, y = scoring.outlier_sample(outlier, trend=0.5 if line else 0.0)
    fits, table = scoring.compare_fits(x, y, df=df, slope=line)
    points = pd.DataFrame({"x": x, "y": y, "point": ["sample"] * (len(x) - 1) + ["outlier"]})
    grid = [0.0, 10.0]
    lines = pd.concat(
        [pd.DataFrame({"x": grid, "y": f.predict(grid), "fit": f.kind}) for f in fits],
        ignore_index=True,
    )
    a, b = st.columns([0.55, 0.45], gap="large")
    a.vega_lite_chart(spec=charts.fits_chart(points, lines).to_dict(), width="stretch")
    short = {"gaussian": "Gaussian", "laplace": "Laplace", "student_t": "Student-t"}
    nll_cols = [short[k] for k in scoring.FIT_KINDS]
    shown = pd.DataFrame(
        {
            "fitted under ↓ / scored under →": [short[f.kind] for f in fits],
            **{short[k]: table[f"nll_{k}"] for k in scoring.FIT_KINDS},
        }
    )
    styled = shown.style.format("{:.3f}", subset=nll_cols).highlight_min(
        subset=nll_cols, axis=0, props="font-weight: bold; background-color: #d9ead3"
    )
    b.markdown("**Mean negative log-likelihood (nats)**")
    b.table(styled, hide_index=True)
    predictions = "; ".join(
        f"{short[f.kind]} {f.intercept:.2f} + {f.slope:.2f}·x" if line
        else f"{short[f.kind]} {f.intercept:.2f}"
        for f in fits
    )  # fmt: skip
    b.caption(f"Fitted {'lines' if line else 'values'}: {predictions}.")
    b.markdown(
        "In every column the lowest score (green) belongs to the fit made under that same "
        "likelihood: each fit is the best one by its own loss."
    )
    if not line:
        est = {f.kind: f.intercept for f in fits}
        b.markdown(
            f"With no input the model predicts one number: the Gaussian picks the **mean** "
            f"({est['gaussian']:.2f}), the Laplace the **median** ({est['laplace']:.2f}), the "
            f"Student-t a **robust centre** ({est['student_t']:.2f}) that down-weights the "
            "outlier."
        )
    else:
        b.markdown(
            "The least-squares line tilts towards the outlier; the least-absolute and "
            "Student-t lines stay with the bulk of the points. Raise ν and the Student-t fit "
            "moves towards the Gaussian one."
        )
    scores = table[[f"nll_{k}" for k in scoring.FIT_KINDS]].to_numpy().ravel()
    if not all(math.isfinite(v) for v in scores):
        st.caption("Some scores are inf: a fitted scale reached 0, so any miss is impossible.")


VIEWS = {
    "derivation": _derivation_view,
    "relation": _relation_view,
    "proof": _proof_view,
    "chart": _chart_view,
    "fits": _fits_view,
}


@st.cache_data(max_entries=512, show_spinner=False)
def _view(view: str, *args) -> None:
    VIEWS[view](*args)


# ----------------------------------------------------------------------------- page


def render() -> None:
    """The page below its title and introduction."""
    top = st.columns([0.42, 0.58], gap="large")
    # The options are the registry names themselves: a bound widget stores its shown label in
    # the URL, and links say likelihood=student_t.
    name = widgets.select(
        "Distribution of y given x", NAMES, key="likelihood", default="gaussian", where=top[0]
    )
    cls = likelihoods.REGISTRY[name]
    values: dict[str, float] = {}
    with top[1]:
        specs = cls.param_specs
        if specs:
            cols = st.columns(len(specs))
            for col, spec in zip(cols, specs, strict=True):
                values[spec.name] = widgets.slider(spec, key=spec.name, where=col)
        else:
            st.markdown(
                f"Nothing to set for the {cls.title.lower()} likelihood: every parameter it "
                "needs comes from the network."
            )
    try:
        lik = likelihoods.get(name, **values)
    except ValueError as exc:  # sliders keep values in range; this guards a bad link anyway
        st.error(
            f"These settings do not describe a valid distribution: {exc}. Move the slider back."
        )
        return

    st.markdown(
        f"#### {lik.title} → {lik.loss_name}\n"
        f"The network outputs {lik.output_description} (link: {lik.link})."
    )

    # ----------------------------------------------------------------------------- 1. the derivation

    st.header("1 · From a likelihood to a loss", divider="gray")
    _view("derivation", name, tuple(sorted(lik.params.items())))

    # ----------------------------------------------------------------------------- 2. the proof

    st.header("2 · Check it with numbers", divider="gray")
    _view("relation", name, tuple(sorted(lik.params.items())))

    controls = st.columns([1, 1, 1, 2] if lik.task == "multiclass" else [1, 1, 2])
    n = widgets.slider(BATCH, key="n", label="Batch size N", where=controls[0])
    seed = widgets.seed("seed", where=controls[1])
    classes = 3
    if lik.task == "multiclass":
        classes = widgets.slider(CLASSES, key="classes", label="Classes C", where=controls[2])
    typed = controls[-1].text_input(
        "Your own targets (optional)",
        key="y",
        bind="query-params",
        placeholder=TARGET_HINT.get(lik.task, "numbers separated by commas"),
        help="Replace the random targets with your own; the batch size becomes how many you type.",
    )
    typed = (typed or "").strip()

    _view("proof", name, tuple(sorted(lik.params.items())), int(n), int(seed), int(classes), typed)

    # ----------------------------------------------------------------------------- 3. one example

    st.header("3 · The loss of one example", divider="gray")
    task = lik.task
    if task == "binary":
        squared = name == "gaussian_probability"
        st.latex(
            r"\ell(z, y) = -\big[y\log\sigma(z) + (1-y)\log(1-\sigma(z))\big]"
            r" = \log\!\big(1+e^{z}\big) - y\,z"
        )
        st.markdown(
            "A confident prediction that turns out right costs almost nothing; a confident "
            "prediction that turns out wrong costs more and more, without limit. At π = 0 with "
            "y = 1 the loss is **inf** (the model called the observed label impossible). In "
            "terms of the logit z the wrong side grows like a straight line, which is why the "
            "gradient never fades for a badly wrong example."
            + (
                " The dashed curves are squared error on the probability, the loss this "
                "likelihood uses: it never exceeds ½, so a confidently wrong prediction is "
                "barely punished."
                if squared
                else ""
            )
        )
        _pair("binary", (121, squared), "bernoulli_chart", {"x": "pi"}, {"x": "z"})
    elif task == "multiclass":
        eps = lik.params.get("smoothing", 0.0)
        st.latex(
            r"\ell(z, y) = -\log\operatorname{softmax}(z)_y"
            r" = \log\!\Big(1 + \sum_{k\ne y} e^{-(z_y - z_k)}\Big)"
        )
        st.markdown(
            f"With C = {classes} classes, the other classes share what the true class leaves "
            "equally, so the true class's logit sits a *margin* above each of the others. "
            "The loss falls towards 0 only as the margin goes to infinity."
            + (
                f" With label smoothing ε = {eps:g} the loss has its lowest point at "
                f"p_y = 1 − ε + ε/C = {1 - eps + eps / classes:.3f}: there is nothing to gain "
                "from growing the margin further."
                if eps > 0
                else " Move the smoothing slider to see a loss that stops rewarding confidence."
            )
        )
        args = (int(classes), float(eps))
        _pair("multiclass", args, "categorical_chart", {"x": "p_true"}, {"x": "margin"})
    elif task == "regression":
        shown = set(values)
        extra = [
            spec
            for fam in ("gaussian", "student_t")
            for spec in likelihoods.REGISTRY[fam].param_specs
            if spec.name in {"sigma", "df"} and spec.name not in shown
        ]
        curve = dict(values)
        if extra:
            st.markdown("Set the other curves' parameters here (the chosen one's are at the top):")
            cols = st.columns(max(len(extra), 2))
            for col, spec in zip(cols, extra, strict=False):
                curve[spec.name] = widgets.slider(spec, key=spec.name, where=col)
        sigma = float(curve.get("sigma", 1.0))
        df = float(curve.get("df", 3.0))
        scale = float(curve.get("scale", 1.0))
        st.latex(
            r"r = y-\mu:\quad r^2,\quad \lvert r\rvert,\quad \frac{r^2}{2\sigma^2},\quad"
            r"\frac{\nu+1}{2}\log\!\Big(1+\frac{r^2}{\nu s^2}\Big)"
        )
        st.markdown(
            "Each curve is the loss of one example minus its value at r = 0 (for the NLLs this "
            "removes the normalising constant; NLLs in nats). Right: the **pull**, the slope "
            "d loss / d r, which is how hard the example drags the prediction towards itself. "
            "Squared error pulls harder the further away a point is, so one outlier can move "
            "the fit a lot; absolute error pulls with a constant strength; the Student-t's pull "
            "rises and then fades, so a far outlier is nearly ignored. Smaller ν means heavier "
            "tails and an earlier fade."
        )
        highlight = {
            "gaussian": "Gaussian",
            "gaussian_learned_variance": "Gaussian",
            "laplace": "L1",
            "student_t": "Student-t",
        }.get(name)
        loss, pull = (
            {"what": "loss", "highlight": highlight},
            {"what": "pull", "highlight": highlight},
        )
        _pair("regression", (sigma, df, scale), "regression_chart", loss, pull)
        if name == "gaussian_learned_variance":
            st.caption(
                "With a learned variance the network picks σ for each example; the Gaussian curve "
                "shows one fixed σ, set by its slider."
            )
        elif name == "laplace":
            st.caption(
                f"The Laplace NLL is the L1 curve divided by b = {lik.params['b']:g}, plus "
                "log(2b): the same shape."
            )
    elif task == "count":
        st.latex(r"\ell(\lambda, y) = \lambda - y\log\lambda + \log(y!),\qquad \lambda = e^{\eta}")
        st.markdown(
            "For each observed count y the loss is lowest when the predicted rate equals the "
            "count (dots); a count of 0 asks for a rate as small as possible. Predicting too "
            "few costs more than predicting too many by the same amount."
        )
        _view("chart", "count", ((0, 1, 3, 8),), "poisson_chart", ())
    else:  # a likelihood added later without a chart of its own
        st.markdown("No per-example chart for this likelihood yet.")

    # ----------------------------------------------------------------------------- 4. one dataset

    st.header("4 · One sample, three likelihoods", divider="gray")
    st.markdown(
        "The same twelve points, one of them an outlier. Fit the model by maximum likelihood "
        "under a Gaussian, a Laplace and a Student-t (each with its noise scale fitted too), "
        "then score every fit under every likelihood. Choosing the distribution chooses the "
        "loss, and with it which fit counts as best."
    )
    st.latex(
        r"\hat\theta_{\text{family}} = \arg\min_\theta\; -\frac{1}{N}\sum_{i=1}^{N}"
        r"\log p_{\text{family}}\big(y_i \mid x_i;\theta\big)"
    )
    ctrl = st.columns(3)
    model = widgets.select(
        "Model: a line a + b·x, or a constant", ["line", "constant"], key="fit", default="line",
        radio=True, where=ctrl[0],
    )  # fmt: skip
    outlier = widgets.slider(OUTLIER, key="outlier", label="Outlier height", where=ctrl[1])
    fit_df = widgets.slider(FIT_DF, key="fit_df", label="Student-t fit: ν", where=ctrl[2])
    _view("fits", float(outlier), float(fit_df), model == "line")
