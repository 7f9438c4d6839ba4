"""The "Derive a loss" page: the derivation, its check against PyTorch, per-example losses
and one sample fitted under three likelihoods.

The page file states its title and introduction and calls :func:`render`: widgets
(``ui.widgets``) -> ``probnn`` -> ``ui.charts.losses`` -> ``st.*``.

A rerun should cost little more than laying out the elements, so everything between
the widgets and ``st.*`` is a pure *view*: text, Markdown tables, chart specs and Arrow
data, computed from hashable settings and memoised process-wide (``functools.lru_cache``;
the results are shared read-only between sessions and nothing mutates them). Chart specs
are built from named datasets, so they do not change with the numbers: a new setting
costs the maths and an Arrow conversion, not Altair's spec building. Living in a module
rather than in the page script keeps this code compiled once.

Session state: only the widget keys (``likelihood``, the likelihood's parameters such as
``sigma``/``df``/``scale``/``b``/``smoothing``, ``n``, ``seed``, ``classes``, ``y``,
``fit``, ``outlier``, ``fit_df``), every one bound to the URL.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import streamlit as st
from streamlit import dataframe_util

from probnn import likelihoods, scoring
from probnn.params import ParamSpec
from ui import widgets
from ui.charts import losses as charts
from ui.info_pages import param_label
from ui.text import clip_words, num, plain

__all__ = ["NAMES", "render"]

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
SHORT = {"gaussian": "Gaussian", "laplace": "Laplace", "student_t": "Student-t"}
PREVIEW_ROWS = 8  # examples of the batch shown under the proof
TYPED_CHARS = 4000  # room for scoring.MAX_TYPED_TARGETS numbers and their commas

# ----------------------------------------------------------------------------- formatting


def fmt(value: float) -> str:
    """12 significant digits, scientific notation for rounding-size numbers, inf as ``inf``."""
    if not math.isfinite(value):
        return num(value)
    if value != 0 and abs(value) < 1e-4:
        return f"{value:.2e}"
    return f"{value:.12g}"


def _arrow(frame: pd.DataFrame) -> bytes:
    """Arrow IPC bytes: Streamlit sends these as they are, with no conversion per rerun."""
    return dataframe_util.convert_anything_to_arrow_bytes(frame)


# ----------------------------------------------------------------------------- cached views
# Pure functions of hashable settings, memoised for the process. The page calls them on
# every rerun, so a slider moved back and forth costs a dictionary look-up.


@functools.lru_cache(maxsize=256)
def derivation(name: str, params: tuple) -> tuple[tuple[str, str], ...]:
    """The numbered steps from p(y | x) to the named loss: (sentence, formula) per step."""
    steps = likelihoods.get(name, **dict(params)).derivation
    parts = []
    for i, step in enumerate(steps):
        title = STEP_TITLES[i] if i < len(STEP_TITLES) else "One more step"
        parts.append((f"**Step {i + 1}: {title}.** {step.text}", step.latex))
    return tuple(parts)


@functools.lru_cache(maxsize=256)
def relation(name: str, params: tuple) -> tuple[str, str]:
    """The relation between probnn's NLL and PyTorch's loss: (formula, sentence)."""
    rel = likelihoods.get(name, **dict(params)).relation
    return rel.latex, rel.text


@dataclass(frozen=True)
class ProofView:
    """What the proof section shows for one setting."""

    warning: str | None  # why typed targets were not used
    size: int  # examples in the batch
    table: pd.DataFrame  # quantity | computed as | value (read-only)
    difference: str  # the metric's value
    verdict: str  # Markdown: holds / does not hold, and the seed sweep
    has_builtin: bool
    preview: pa.Table  # the first examples of the batch


def _batch_preview(name: str, output, target, per_example) -> pd.DataFrame:
    shown = min(len(target), PREVIEW_ROWS)
    out = output[:shown]
    batch = pd.DataFrame({"target y": target[:shown].tolist()})
    if out.ndim == 1:
        batch.insert(0, "network output", out.tolist())
    else:
        for k in range(out.shape[1]):
            head = f"z{k + 1}"  # the logits z_1 .. z_C, numbered as in the formulas
            if name == "gaussian_learned_variance":
                head = "μ" if k == 0 else "s = log σ²"
            batch.insert(k, head, out[:, k].tolist())
    batch["NLL of the example (nats)"] = per_example[:shown].tolist()
    return batch


@functools.lru_cache(maxsize=256)
def proof(name: str, params: tuple, n: int, seed: int, classes: int, typed: str) -> ProofView:
    """The proof on one batch: random outputs, random or typed targets, and the relation."""
    lik = likelihoods.get(name, **dict(params))
    target, message = scoring.parse_targets(typed, lik, classes) if typed else (None, None)
    warning = None
    if message:
        warning = f"Your targets were not used: {message} Using random targets instead."
    size = n if target is None else len(target)
    output, random_target = scoring.random_batch(lik, size, seed=seed, n_classes=classes)
    if target is None:
        target = random_target
    result = scoring.prove(lik, output, target)
    plural = "s" if size != 1 else ""
    verdict = (
        f"On this batch of **{size}** example{plural} the relation "
        f"**{'holds' if result.holds else 'does not hold'}** to float64 precision."
    )
    if not typed:
        sweep = scoring.seed_sweep(lik, size, range(20), n_classes=classes)
        worst = float(sweep["difference"].abs().max())
        verdict += (
            f"\n\nOver seeds 0–19 at this batch size the largest |difference| is "
            f"**{num(worst)} nats**."
        )
    per_example = lik.nll_per_example(output, target)  # (N,)
    return ProofView(
        warning=warning,
        size=size,
        table=scoring.proof_table(result),
        difference=f"{result.difference:.2g} nats",
        verdict=verdict,
        has_builtin=result.has_builtin,
        preview=pa.Table.from_pandas(
            _batch_preview(name, output, target, per_example), preserve_index=False
        ),
    )


CURVES = {
    "binary": scoring.bernoulli_curves,
    "multiclass": scoring.categorical_curves,
    "regression": scoring.regression_curves,
    "count": scoring.poisson_curves,
}


@functools.lru_cache(maxsize=128)
def curves(kind: str, args: tuple, highlight: str | None = None) -> dict[str, bytes]:
    """The per-example loss curves of one task as named Arrow data for its charts."""
    frame = CURVES[kind](*args)
    if kind == "binary":
        return {"curves": _arrow(charts.bernoulli_data(frame))}
    if kind == "multiclass":
        return {"curves": _arrow(charts.categorical_data(frame))}
    if kind == "regression":
        return {"curves": _arrow(charts.regression_data(frame, highlight))}
    lines, minima = charts.poisson_data(frame)
    return {"curves": _arrow(lines), "minima": _arrow(minima)}


SPECS = {
    "binary": lambda x: charts.bernoulli_chart("curves", x=x),
    "multiclass": lambda x: charts.categorical_chart("curves", x=x),
    "regression": lambda what: charts.regression_chart("curves", what=what),
    "count": lambda: charts.poisson_chart("curves", minima="minima"),
    "fits": lambda: charts.fits_chart("points", "lines"),
}


@functools.lru_cache(maxsize=32)
def chart_spec(kind: str, *options) -> dict:
    """A chart's Vega-Lite spec: no numbers and no series names, so it is built once per
    chart (Altair is slow to build specs) and only the data changes with the settings."""
    return charts.spec(SPECS[kind](*options))


@dataclass(frozen=True)
class FitsView:
    """What the "one sample, three likelihoods" section shows for one setting."""

    data: dict  # named Arrow data of the chart: points, lines
    table: pd.DataFrame  # rows: fitted under; columns: scored under (read-only)
    caption: str  # the fitted lines or values
    text: str  # Markdown: what the table and the fits show
    all_finite: bool


@functools.lru_cache(maxsize=256)
def fits(outlier: float, df: float, line: bool) -> FitsView:
    """The sample, the three fitted models and the table of scores."""
    x, y = scoring.outlier_sample(outlier, trend=0.5 if line else 0.0)
    fitted, table = scoring.compare_fits(x, y, df=df, slope=line)
    points = pd.DataFrame({"x": x, "y": y, "point": ["sample"] * (len(x) - 1) + ["outlier"]})
    grid = [0.0, 10.0]
    lines = pd.DataFrame(  # (fits x grid) rows; lists, not broadcast scalars: faster here
        {
            "x": grid * len(fitted),
            "y": [float(v) for f in fitted for v in f.predict(grid)],
            "fit": [f.kind for f in fitted for _ in grid],
            "label": [charts.FIT_LABELS[f.kind] for f in fitted for _ in grid],
        }
    )
    scores = table[[f"nll_{k}" for k in scoring.FIT_KINDS]].to_numpy()  # (fits, kinds)
    shown = pd.DataFrame(
        {
            "fitted under ↓ / scored under →": [SHORT[f.kind] for f in fitted],
            **{SHORT[k]: table[f"nll_{k}"] for k in scoring.FIT_KINDS},
        }
    )
    predictions = "; ".join(
        f"{SHORT[f.kind]} {num(f.intercept)} + {num(f.slope)}·x" if line
        else f"{SHORT[f.kind]} {num(f.intercept)}"
        for f in fitted
    )  # fmt: skip
    text = (
        "In every column the lowest score (green) belongs to the fit made under that same "
        "likelihood: each fit is the best one by its own loss.\n\n"
    )
    if not line:
        est = {f.kind: f.intercept for f in fitted}
        text += (
            f"With no input the model predicts one number: the Gaussian picks the **mean** "
            f"({num(est['gaussian'])}), the Laplace the **median** ({num(est['laplace'])}), "
            f"the Student-t a **robust centre** ({num(est['student_t'])}) that down-weights the "
            "outlier."
        )
    else:
        text += (
            "The least-squares line tilts towards the outlier; the least-absolute and "
            "Student-t lines stay with the bulk of the points. Raise $\\nu$ and the Student-t fit "
            "moves towards the Gaussian one."
        )
    return FitsView(
        data={"points": _arrow(points), "lines": _arrow(lines)},
        table=shown,
        caption=f"Fitted {'lines' if line else 'values'}: {predictions}.",
        text=text,
        all_finite=bool(all(math.isfinite(v) for v in scores.ravel())),
    )


# ----------------------------------------------------------------------------- drawing


@st.cache_data(max_entries=512, show_spinner=False)
def _styled_table(view: str, key: tuple) -> None:
    """Draw the proof table (``view="proof"``) or the score table (``"fits"``) for the
    settings ``key`` (the arguments of :func:`proof` or :func:`fits`).

    A pandas Styler takes milliseconds to turn into a message, so the drawn table is
    recorded by ``st.cache_data`` and replayed on later reruns with the same settings.
    """
    if view == "proof":
        styled = proof(*key).table.style.format({"value": fmt})
    else:
        table = fits(*key).table
        scores = [SHORT[k] for k in scoring.FIT_KINDS]
        styled = table.style.format(num, subset=scores).highlight_min(
            subset=scores, axis=0, props="font-weight: bold; background-color: #d9ead3"
        )
    st.table(styled, hide_index=True)


def _chart(where, kind: str, data: dict, *args) -> None:
    where.vega_lite_chart(charts.with_data(chart_spec(kind, *args), **data), width="stretch")


def _pair(kind: str, data: dict, first: str, second: str) -> None:
    """Two charts of one task's curves side by side (``first``/``second``: the chart option)."""
    a, b = st.columns(2, gap="large")
    _chart(a, kind, data, first)
    _chart(b, kind, data, second)


def _controls() -> tuple[str, dict[str, float]]:
    """The distribution and its parameters, at the top of the page."""
    top = st.columns([0.42, 0.58], gap="large")
    # The options are the registry names themselves: a bound widget stores its shown label in
    # the URL, and links say likelihood=student_t.
    name = widgets.select(
        "Distribution of y given x", NAMES, key="likelihood", default="gaussian", where=top[0]
    )
    cls = likelihoods.REGISTRY[name]
    values: dict[str, float] = {}
    specs = cls.param_specs
    if specs:
        cols = top[1].columns(len(specs))
        for col, spec in zip(cols, specs, strict=True):
            values[spec.name] = widgets.slider(
                spec, key=spec.name, where=col, label=param_label(spec)
            )
    else:
        top[1].markdown(
            f"Nothing to set for the {cls.title.lower()} likelihood: every parameter it "
            "needs comes from the network."
        )
    return name, values


def _proof_section(name: str, lik) -> int:
    """The relation, the batch controls, the proof table and the batch; returns C."""
    params = tuple(sorted(lik.params.items()))
    latex, text = relation(name, params)
    st.markdown(
        "Below, a batch of random network outputs and targets. probnn computes the "
        "negative log-likelihood straight from the distribution; PyTorch computes its "
        "built-in loss. The relation from the last step of the derivation links them:"
    )
    st.latex(latex)
    st.markdown(text)

    controls = st.columns([1, 1, 1, 2] if lik.task == "multiclass" else [1, 1, 2])
    n = widgets.slider(BATCH, key="n", label="Batch size $N$", where=controls[0])
    seed = widgets.seed("seed", where=controls[1])
    classes = 3
    if lik.task == "multiclass":
        classes = widgets.slider(CLASSES, key="classes", label="Classes $C$", where=controls[2])
    typed = widgets.text(
        "Your own targets (optional)",
        "y",
        max_chars=TYPED_CHARS,
        where=controls[-1],
        placeholder=TARGET_HINT.get(lik.task, "numbers separated by commas"),
        help="Replace the random targets with your own; the batch size becomes how many you type.",
    ).strip()

    key = (name, params, int(n), int(seed), int(classes), typed)
    view = proof(*key)
    if view.warning:  # it quotes what was typed, maybe from a link: plain text, shortened
        st.warning(plain(clip_words(view.warning)))
    left, right = st.columns([0.66, 0.34], gap="medium")
    with left:
        _styled_table("proof", key)
    right.metric(
        "NLL − (factor × reference + constant)",
        view.difference,
        help="Float64 rounding only: both sides are the same function of the outputs.",
    )
    right.markdown(view.verdict)
    if not view.has_builtin:
        right.info(
            "PyTorch has no built-in Student-t loss. So the check compares probnn's NLL "
            "(the density written out with $\\log\\Gamma$ functions) with the negated mean of "
            "torch.distributions.StudentT's log-density."
        )
    with st.expander(f"The first {min(view.size, PREVIEW_ROWS)} examples of the batch"):
        st.dataframe(
            view.preview,
            hide_index=True,
            width="stretch",
            column_config={  # 4 significant digits, as every number on the page
                name: st.column_config.NumberColumn(format="%.4g")
                for name in view.preview.column_names
            },
        )
    return int(classes)


def _example_section(name: str, lik, values: dict[str, float], classes: int) -> None:
    task = lik.task
    if task == "binary":
        squared = name == "gaussian_probability"
        st.latex(
            r"\ell(z, y) = -\big[y\log\sigma(z) + (1-y)\log(1-\sigma(z))\big]"
            r" = \log\!\big(1+e^{z}\big) - y\,z"
        )
        st.markdown(
            "A confident prediction that turns out right costs almost nothing; a confident "
            "prediction that turns out wrong costs more and more, without limit. At $\\pi = 0$ "
            "with $y = 1$ the loss is **inf** (the model called the observed label impossible). "
            "In terms of the logit $z$ the wrong side grows like a straight line, which is why the "
            "gradient never fades for a badly wrong example."
            + (
                " The dashed curves are squared error on the probability, the loss this "
                "likelihood uses: it never exceeds ½, so a confidently wrong prediction is "
                "barely punished."
                if squared
                else ""
            )
        )
        _pair("binary", curves("binary", (121, squared)), "pi", "z")
    elif task == "multiclass":
        eps = lik.params.get("smoothing", 0.0)
        st.latex(
            r"\ell(z, y) = -\log\operatorname{softmax}(z)_y"
            r" = \log\!\Big(1 + \sum_{k\ne y} e^{-(z_y - z_k)}\Big)"
        )
        st.markdown(
            f"With $C = {classes}$ classes, the other classes share what the true class leaves "
            "equally, so the true class's logit sits a *margin* above each of the others. "
            "The loss falls towards 0 only as the margin goes to infinity."
            + (
                f" With label smoothing $\\varepsilon = {num(eps)}$ the loss has its lowest "
                f"point at $p_y = 1 - \\varepsilon + \\varepsilon / C = "
                f"{num(1 - eps + eps / classes)}$: there is nothing to gain "
                "from growing the margin further."
                if eps > 0
                else " Move the smoothing slider to see a loss that stops rewarding confidence."
            )
        )
        _pair("multiclass", curves("multiclass", (classes, float(eps))), "p_true", "margin")
    elif task == "regression":
        _regression_example(name, lik, values)
    elif task == "count":
        st.latex(r"\ell(\lambda, y) = \lambda - y\log\lambda + \log(y!),\qquad \lambda = e^{\eta}")
        st.markdown(
            "For each observed count $y$ the loss is lowest when the predicted rate $\\lambda$ "
            "equals the count (dots); a count of 0 asks for a rate as small as possible. Predicting too "
            "few costs more than predicting too many by the same amount."
        )
        _chart(st, "count", curves("count", ((0, 1, 3, 8),)))
    else:  # a likelihood added later without a chart of its own
        st.markdown("No per-example chart for this likelihood yet.")


def _regression_example(name: str, lik, values: dict[str, float]) -> None:
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
            curve[spec.name] = widgets.slider(
                spec, key=spec.name, where=col, label=param_label(spec)
            )
    sigma = float(curve.get("sigma", 1.0))
    df = float(curve.get("df", 3.0))
    scale = float(curve.get("scale", 1.0))
    st.latex(
        r"r = y-\mu:\quad r^2,\quad \lvert r\rvert,\quad \frac{r^2}{2\sigma^2},\quad"
        r"\frac{\nu+1}{2}\log\!\Big(1+\frac{r^2}{\nu s^2}\Big)"
    )
    st.markdown(
        "Each curve is the loss of one example minus its value at $r = 0$ (for the NLLs this "
        "removes the normalising constant; NLLs in nats). Right: the **pull**, the slope "
        "$d\\ell / dr$, which is how hard the example drags the prediction towards itself. "
        "Squared error pulls harder the further away a point is, so one outlier can move "
        "the fit a lot; absolute error pulls with a constant strength; the Student-t's pull "
        "rises and then fades, so a far outlier is nearly ignored. Smaller $\\nu$ means heavier "
        "tails and an earlier fade."
    )
    highlight = {
        "gaussian": "Gaussian",
        "gaussian_learned_variance": "Gaussian",
        "laplace": "L1",
        "student_t": "Student-t",
    }.get(name)
    _pair("regression", curves("regression", (sigma, df, scale), highlight), "loss", "pull")
    if name == "gaussian_learned_variance":
        st.caption(
            "With a learned variance the network picks $\\sigma$ for each example; the Gaussian "
            "curve shows one fixed $\\sigma$, set by its slider."
        )
    elif name == "laplace":
        st.caption(
            f"The Laplace NLL is the L1 curve divided by $b = {num(lik.params['b'])}$, plus "
            "$\\log(2b)$: the same shape."
        )


def _fits_section() -> None:
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
    fit_df = widgets.slider(FIT_DF, key="fit_df", label="Student-t fit: $\\nu$", where=ctrl[2])
    key = (float(outlier), float(fit_df), model == "line")
    view = fits(*key)
    a, b = st.columns([0.55, 0.45], gap="large")
    _chart(a, "fits", view.data)
    with b:
        st.markdown("**Mean negative log-likelihood (nats)**")
        _styled_table("fits", key)
    b.caption(view.caption)
    b.markdown(view.text)
    if not view.all_finite:
        st.caption("Some scores are inf: a fitted scale reached 0, so any miss is impossible.")


# ----------------------------------------------------------------------------- page


def render() -> None:
    """The page below its title and introduction."""
    name, values = _controls()
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

    st.header("1 · From a likelihood to a loss", divider="gray")
    for sentence, formula in derivation(name, tuple(sorted(lik.params.items()))):
        st.markdown(sentence)
        st.latex(formula)

    st.header("2 · Check it with numbers", divider="gray")
    classes = _proof_section(name, lik)

    st.header("3 · The loss of one example", divider="gray")
    _example_section(name, lik, values, classes)

    st.header("4 · One sample, three likelihoods", divider="gray")
    _fits_section()
