"""The two Information pages of the learning path: Entropy, and Cross-entropy and KL.

Each page file states its title and introduction and calls ``render_entropy`` or
``render_cross_entropy``: widgets (``ui.widgets``) -> ``probnn`` -> ``ui.charts.info`` ->
``st.*``. The work between the widgets and the page is a set of pure *views* (numbers and
ready-to-send chart specs from hashable arguments), memoised process-wide by ``memo``.
Living in a module rather than in the page scripts keeps a rerun cheap: the module is
imported once, while a page script is executed (and under test compiled) on every rerun.

Session state owned here: ``_fitted`` (the settings of the last forward/reverse KL fit),
and the widget keys listed on each page (every one bound to the URL).
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections import OrderedDict

import numpy as np
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from probnn import families, info, kl_fit
from probnn.params import ParamSpec
from ui import widgets
from ui.charts import info as charts
from ui.text import num

__all__ = ["memo", "param_label", "render_cross_entropy", "render_entropy"]

UNITS = {"bits": 2.0, "nats": math.e}
DETAILS = "Details"  # the expander that holds notes a student can skip

# ---------------------------------------------------------------------------- shared


def ready(chart) -> dict:
    """A chart's Vega-Lite spec with its data already in Arrow form, to cache and send as is."""
    spec = charts.spec(charts.finish(chart))
    spec["datasets"] = {
        name: arrow(pd.DataFrame(rows)) for name, rows in spec.get("datasets", {}).items()
    }
    return spec


def arrow(frame: pd.DataFrame) -> bytes:
    return dataframe_util.convert_anything_to_arrow_bytes(frame)


def param_slider(spec: ParamSpec, key: str, where=None, **kwargs):
    """A URL-bound slider for ``spec`` whose bad-link messages name the link key."""
    label = kwargs.pop("label", None) or param_label(spec)
    return widgets.slider(
        dataclasses.replace(spec, name=key), key, where=where, label=label, **kwargs
    )


def param_label(spec: ParamSpec, prefix: str = "") -> str:
    """A slider's label: the parameter's symbol and what it is ("$\\sigma$ (standard
    deviation)"), never its spelled-out name."""
    return f"{prefix}${spec.symbol}$ ({meaning(spec)})" if spec.symbol else meaning(spec)


GREEK_NAMES = {"pi", "mu", "sigma", "lambda", "nu", "eta", "epsilon", "rho", "theta"}
# Words for parameters whose help is a whole sentence (the likelihoods' parameters).
MEANINGS = {
    "smoothing": "label smoothing",
    "df": "degrees of freedom",
    "scale": "noise scale",
    "b": "noise scale",
    "d": "distance between the modes",
}


def meaning(spec: ParamSpec) -> str:
    """What a parameter is, in a few words: the help's text before its first colon,
    semicolon, bracket or stop when that is short ("standard deviation" for sigma,
    "temperature" for T), else a word of its own ("label smoothing"), else the
    parameter's name unless that only spells out a Greek letter."""
    words = spec.help.split(":")[0].split(";")[0].split(" (")[0].rstrip(". ")
    if words and len(words.split()) <= 5:
        return words[:1].lower() + words[1:]
    if spec.name in MEANINGS:
        return MEANINGS[spec.name]
    base = spec.name.rstrip("0123456789")
    if base.lower() in GREEK_NAMES or spec.name.startswith("_"):
        words = spec.help.split(" of the ")[0].split(";")[0].rstrip(". ")
        return words[:1].lower() + words[1:]
    return spec.name.replace("_", " ")


SYMBOLS = {r"\pi": "π", r"\mu": "μ", r"\sigma": "σ", r"\lambda": "λ", r"\nu": "ν", r"\ell": "ℓ"}


def symbol_text(spec: ParamSpec) -> str:
    """A parameter's symbol as plain text for a chart title: "σ", "μ₁", "K"."""
    text = spec.symbol
    for tex, char in SYMBOLS.items():
        text = text.replace(tex, char)
    subscripts = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    if "_" in text:
        head, _, tail = text.partition("_")
        text = head + tail.strip("{}").translate(subscripts)
    return text.replace(" ", "")


def url_key(prefix: str, name: str) -> str:
    """The link key of a parameter, in lower case: ``sigma``, ``k`` (K), ``t`` (T) on the
    Entropy page; ``p_sigma``, ``q_mu``, ``p_k`` with a prefix on the Cross-entropy page."""
    return f"{prefix}_{name.lower()}" if prefix else name.lower()


def tex_number(value: float, unit: str) -> str:
    text = num(value).replace(",", "{,}")
    if "e" in text and "inf" not in text:  # 1.234e-05 -> 1.234 \times 10^{-5}
        mantissa, exponent = text.split("e")
        text = rf"{mantissa} \times 10^{{{int(exponent)}}}"
    text = {"inf": r"\infty", "-inf": r"-\infty"}.get(text, text)
    return rf"{text}\ \text{{{unit}}}"


# ----------------------------------------------------------------------- entropy views

# The parameter that sets each family's spread, and distribution B's default for it.
SPREAD = {
    "bernoulli": ("pi", 0.5),
    "categorical": ("T", 3.0),
    "binomial": ("n", 40),
    "poisson": ("rate", 12.0),
    "geometric": ("p", 0.08),
    "normal": ("sigma", 3.0),
    "laplace": ("b", 3.0),
    "uniform": ("width", 7.0),
    "student_t": ("scale", 3.0),
    "mixture": ("sigma2", 2.5),
}
CATEGORICAL_N = {
    "bernoulli": lambda v: 2,
    "categorical": lambda v: v["K"],
    "binomial": lambda v: v["n"] + 1,
}


def outcomes(key: str, frame: pd.DataFrame) -> pd.DataFrame:
    """A family's table as the page shows it: the categorical's outcomes numbered
    1..K as in its formula (probnn and torch number them 0..K-1)."""
    return frame.assign(x=frame["x"] + 1) if key == "categorical" else frame


def describe(key: str, items: tuple, unit: str) -> dict:
    """Entropy in both units, the p(x) and contribution charts' specs, for one member."""
    fam = families.get(key)
    values = dict(items)
    dist = fam.build(**values)
    nats = info.entropy_detail(dist)
    bits = info.entropy_detail(dist, base=2)
    table = outcomes(key, fam.table(**values))
    scale = 1.0 if unit == "nats" else 1 / math.log(2)
    contrib = table.assign(contribution=table["contribution"] * scale)
    return {
        "nats": float(nats.value),
        "bits": float(bits.value),
        "method": nats.method,
        "error": {"nats": nats.error_bound, "bits": bits.error_bound},
        "p_spec": ready(charts.distribution_chart(table, kind=fam.kind, legend=False)),
        "c_spec": ready(charts.contribution_chart(contrib, kind=fam.kind, unit=unit)),
    }


def compare(key: str, a_items: tuple, b_items: tuple, labels: tuple[str, str]) -> dict:
    """Overlay of A and B on one axis (chart spec)."""
    fam = families.get(key)
    frames = [
        outcomes(key, fam.table(**dict(items))).assign(series=label)
        for items, label in zip((a_items, b_items), labels, strict=True)
    ]
    chart = charts.distribution_chart(
        pd.concat(frames, ignore_index=True), kind=fam.kind, series=list(labels), height=340
    )
    return ready(chart)


# ----------------------------------------------------------------- cross-entropy views

# The model q starts away from p so that the numbers have something to show.
Q_DEFAULTS = {
    "bernoulli": {"pi": 0.6},
    "categorical": {"T": 2.0},
    "binomial": {"pi": 0.5},
    "poisson": {"rate": 5.0},
    "geometric": {"p": 0.5},
    "normal": {"mu": 1.0, "sigma": 1.5},
    "laplace": {"mu": 1.0, "b": 1.5},
    "uniform": {"a": -3.0, "width": 6.0},
    "student_t": {"mu": 1.0, "scale": 1.5},
    "mixture": {"w": 0.6, "mu1": -1.0},
}
# The parameter by which the "off" candidate model differs from p, and its default offset.
SHIFT = {
    "bernoulli": ("pi", 0.2),
    "categorical": ("T", 1.0),
    "binomial": ("pi", 0.2),
    "poisson": ("rate", 2.0),
    "geometric": ("p", 0.15),
    "normal": ("mu", 1.5),
    "laplace": ("mu", 1.5),
    "uniform": ("a", 1.0),
    "student_t": ("mu", 1.5),
    "mixture": ("mu2", 1.5),
}
SWEEP_POINTS = 41  # closed forms and sums are cheap
SWEEP_POINTS_QUADRATURE = 21  # each quadrature point costs a few milliseconds
FIT_STEPS = 150
FIT_FRAMES = 30  # the animation shows every 5th step, about 10 frames a second
FIT_SPECS = {
    "d": ParamSpec("d", "d", 1.0, 8.0, 4.0, 0.5, help="Distance between the two modes of p."),
    "w": ParamSpec("w", "w", 0.1, 0.9, 0.5, 0.05, help="Weight of p's left mode."),
    "s": ParamSpec("s", "s", 0.3, 1.5, 0.6, 0.05, help="Standard deviation of each mode."),
    "start": ParamSpec("start", r"\mu_0", -4.0, 4.0, 1.0, 0.1, help="Where q's mean starts."),
}
P_LABEL, Q_LABEL = "p (data)", "q (model)"


def table(key: str, items: tuple, label: str) -> pd.DataFrame:
    return outcomes(key, families.get(key).table(**dict(items)))[["x", "p"]].assign(series=label)


def method_text(results: dict[str, info.InfoResult], unit: str) -> str:
    """One caption: how each number was computed, with the error bound of numerical ones."""
    parts = []
    for name, res in results.items():
        if res.method in ("closed form", "exact"):
            parts.append(f"{name}: {res.method}")
        else:
            parts.append(f"{name}: {res.method} (error ≤ {res.error_bound:.1e} {unit})")
    return "Computed by " + "; ".join(parts) + "."


def compare_pair(p_key: str, p_items: tuple, q_key: str, q_items: tuple, unit: str) -> dict:
    base = UNITS[unit]
    p = families.get(p_key).build(**dict(p_items))
    q = families.get(q_key).build(**dict(q_items))
    h = info.entropy_detail(p, base=base)
    ce = info.cross_entropy_detail(p, q, base=base)
    kl = info.kl_divergence_detail(p, q, base=base)
    frame = pd.concat([table(p_key, p_items, P_LABEL), table(q_key, q_items, Q_LABEL)])
    kind = families.get(p_key).kind
    overlay = charts.distribution_chart(frame, kind=kind, series=[P_LABEL, Q_LABEL], height=330)
    bars = charts.info_bar_chart(float(h.value), float(kl.value), unit)
    return {
        "h": float(h.value),
        "ce": float(ce.value),
        "kl": float(kl.value),
        # a reason only explains an infinite value (a finite one needs none)
        "reason": (kl.reason or ce.reason) if math.isinf(float(ce.value)) else None,
        "methods": method_text({"H(p)": h, "H(p, q)": ce, "KL(p ‖ q)": kl}, unit),
        "overlay": ready(overlay),
        "bars": ready(bars),
    }


def candidates(p_key: str, p_items: tuple, b_items: tuple, unit: str) -> dict:
    """Cross-entropy of p with two candidate models: A = p itself and B = p moved."""
    base = UNITS[unit]
    fam = families.get(p_key)
    p = fam.build(**dict(p_items))
    frames = {
        name: pd.concat([table(p_key, p_items, P_LABEL), table(p_key, items, f"candidate {name}")])
        for name, items in (("A", p_items), ("B", b_items))
    }
    both = pd.concat(frames.values())
    x_domain = (float(both["x"].min()), float(both["x"].max()))  # the same axis for both
    out = {}
    for name, items in (("A", p_items), ("B", b_items)):
        res = info.cross_entropy_detail(p, fam.build(**dict(items)), base=base)
        title = f"({name.lower()}) H(p, {name}) = {num(float(res.value), unit)}"
        chart = charts.distribution_chart(
            frames[name],
            kind=fam.kind,
            series=[P_LABEL, f"candidate {name}"],
            height=330,
            title=title,
            x_domain=x_domain if fam.kind == "continuous" else None,
        )
        out[name] = {
            "ce": float(res.value),
            "reason": res.reason if math.isinf(float(res.value)) else None,
            "method": res.method,
            "error": res.error_bound,
            "spec": ready(chart),
        }
    return out


def landscape(p_key: str, p_items: tuple, q_key: str, q_items: tuple, param: str, unit: str):
    """The sweep of H(p, q) and KL(p || q) over one parameter of q (all but the swept value)."""
    p = families.get(p_key).build(**dict(p_items))
    q_fam = families.get(q_key)
    q_values = dict(q_items)
    spec = next(s for s in q_fam.param_specs(**q_values) if s.name == param)
    probe = info.kl_divergence_detail(p, q_fam.build(**q_values))
    n = SWEEP_POINTS_QUADRATURE if probe.method == "quadrature" else SWEEP_POINTS
    if spec.integer:
        grid = np.arange(int(spec.low), int(spec.high) + 1)
    else:
        grid = np.linspace(spec.low, spec.high, n)
    if q_key == p_key:  # put q = p itself on the grid, where KL is exactly 0
        grid = np.union1d(grid, [dict(p_items)[param]])
    frame = kl_fit.sweep(p, q_fam, q_values, param, grid, base=UNITS[unit])
    finite = frame[np.isfinite(frame["cross_entropy"])]
    h_p = float(info.entropy(p, base=UNITS[unit]))
    argmin = (
        float(finite["value"].iloc[int(finite["cross_entropy"].argmin())]) if len(finite) else None
    )
    kl_min = float(finite["kl"].min()) if len(finite) else math.inf
    reasons = frame["reason"].dropna()
    methods = sorted(set(frame["method"]))
    return {
        "frame": frame,
        "argmin": argmin,
        "kl_min": kl_min,
        "h_p": h_p,
        "n_inf": int(len(frame) - len(finite)),
        "reason": str(reasons.iloc[0]) if len(reasons) else None,
        # how the points were computed, with an error bound when any is numerical
        "methods": methods,
        "numerical": bool(set(methods) - {"closed form", "exact", "exact sum"}),
        "error": float(finite["error_bound"].max()) if len(finite) else 0.0,
    }


def q_spec(q_key: str, rest: tuple, param: str, current: float) -> ParamSpec:
    """The ParamSpec of q's parameter ``param`` (its symbol, range and help)."""
    values = {**dict(rest), param: current}
    return next(s for s in families.get(q_key).param_specs(**values) if s.name == param)


def sweep_spec(
    p_key: str, p_items: tuple, q_key: str, rest: tuple, param: str, unit: str, current: float
) -> dict:
    land = memo("landscape", p_key, p_items, q_key, rest, param, unit)
    # the slider's own value, computed exactly, so the marker sits on the true curve
    here = kl_fit.sweep(
        families.get(p_key).build(**dict(p_items)),
        families.get(q_key),
        dict(rest),
        param,
        [current],
        base=UNITS[unit],
    )
    frame = pd.concat([land["frame"], here], ignore_index=True).sort_values("value")
    long = pd.concat(
        [
            pd.DataFrame(
                {"value": frame["value"], "series": "H(p, q)", "info": frame["cross_entropy"]}
            ),
            pd.DataFrame({"value": frame["value"], "series": "KL(p ‖ q)", "info": frame["kl"]}),
        ],
        ignore_index=True,
    )
    finite = frame["cross_entropy"][np.isfinite(frame["cross_entropy"])]
    y_max = None
    if len(finite):
        # keep the minimum readable when the curve shoots up at one end of the range
        low = min(float(frame["kl"].min()), float(finite.min()))
        spread = max(float(finite.quantile(0.6)) - low, 1.0)
        y_max = low + 1.6 * spread if float(finite.max()) > low + 1.6 * spread else None
    chart = charts.sweep_chart(
        long,
        param_title=f"q's {symbol_text(q_spec(q_key, rest, param, current))}",
        unit=unit,
        current=current,
        argmin=land["argmin"],
        h_p=land["h_p"],
        y_max=y_max,
    )
    return ready(chart)


def mixture_from(values: dict) -> kl_fit.Mixture:
    half = values["d"] / 2
    return kl_fit.Mixture(
        weight=values["w"], mean1=-half, mean2=half, sigma1=values["s"], sigma2=values["s"]
    )


def fit_records(d: float, w: float, s: float, start: float) -> dict:
    """Both fits as (step, mu, sigma, kl) tuples, and the quadrature error of the final KL."""
    p = mixture_from({"d": d, "w": w, "s": s})
    runs = kl_fit.fit_both(p, steps=FIT_STEPS, init_mu=start, init_sigma=1.0)
    out: dict = {k: [(r.step, r.mu, r.sigma, r.kl) for r in rs] for k, rs in runs.items()}
    out["error"] = {k: kl_fit.kl_error(p, rs[-1].mu, rs[-1].sigma, k) for k, rs in runs.items()}
    return out


def fit_start(d: float, w: float, s: float, start: float) -> dict:
    """p and the common starting q, before any fit has run."""
    p = mixture_from({"d": d, "w": w, "s": s})
    x = np.linspace(*fit_range(p), 300)
    q = np.exp(-0.5 * (x - start) ** 2) / math.sqrt(2 * math.pi)
    frame = pd.concat(
        [
            pd.DataFrame({"x": x, "p": p.pdf(x), "series": P_LABEL}),
            pd.DataFrame({"x": x, "p": q, "series": "q at the start (both fits)"}),
        ]
    )
    chart = charts.distribution_chart(
        frame, kind="continuous", series=[P_LABEL, "q at the start (both fits)"], height=340
    )
    return ready(chart)


def fit_range(p: kl_fit.Mixture) -> tuple[float, float]:
    return min(p.mean1 - 4 * p.sigma1, -5.0), max(p.mean2 + 4 * p.sigma2, 5.0)


FIT_LABELS = {
    "forward": "q fitted by forward KL(p ‖ q)",
    "reverse": "q fitted by reverse KL(q ‖ p)",
}


# The steps drawn: denser at the start, where the fits move fastest.
FIT_SHOWN = np.unique((FIT_STEPS * np.linspace(0, 1, FIT_FRAMES + 1) ** 1.5).round().astype(int))


def fit_frames(d: float, w: float, s: float, start: float, unit: str) -> list[tuple[dict, dict]]:
    """(density spec, KL trace spec) for each shown step of both fits, axes fixed throughout.

    The charts are built once; each frame only swaps in its own data (as Arrow bytes).
    """
    p = mixture_from({"d": d, "w": w, "s": s})
    records = {
        k: v for k, v in memo("fit_records", d, w, s, start).items() if k in kl_fit.DIRECTIONS
    }
    lo, hi = fit_range(p)
    x = np.linspace(lo, hi, 300)
    p_frame = pd.DataFrame({"x": x, "p": p.pdf(x), "series": P_LABEL})
    sig_min = min(r[2] for rs in records.values() for r in rs)
    y_max = 1.05 * max(float(p_frame["p"].max()), 1 / (sig_min * math.sqrt(2 * math.pi)))
    scale = 1.0 if unit == "nats" else 1 / math.log(2)
    kl_max = 1.05 * max(r[3] for rs in records.values() for r in rs) * scale
    trace_names = {"forward": "forward KL(p ‖ q)", "reverse": "reverse KL(q ‖ p)"}

    def density_frame(step: int) -> pd.DataFrame:
        parts = [p_frame]
        for direction, rs in records.items():
            _, mu, sigma, _ = rs[step]
            q = np.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
            parts.append(pd.DataFrame({"x": x, "p": q, "series": FIT_LABELS[direction]}))
        return pd.concat(parts, ignore_index=True)

    def trace_frame(step: int) -> pd.DataFrame:
        parts = [
            pd.DataFrame(
                {
                    "step": [r[0] for r in rs[: step + 1]],
                    "value": [r[3] * scale for r in rs[: step + 1]],
                    "series": trace_names[direction],
                }
            )
            for direction, rs in records.items()
        ]
        return pd.concat(parts, ignore_index=True)

    density = ready(
        charts.distribution_chart(
            density_frame(0),
            kind="continuous",
            series=[P_LABEL, *FIT_LABELS.values()],
            x_domain=(lo, hi),
            y_max=y_max,
            height=340,
        )
    )
    trace = ready(
        charts.trace_chart(
            trace_frame(0),
            y_title="KL",
            unit=unit,
            series=list(trace_names.values()),
            x_max=FIT_STEPS,
            y_max=kl_max,
            height=270,
        )
    )
    frames = []
    for step in FIT_SHOWN:
        d_spec = {
            **density,
            "datasets": dict.fromkeys(density["datasets"], arrow(density_frame(step))),
        }
        t_spec = {**trace, "datasets": dict.fromkeys(trace["datasets"], arrow(trace_frame(step)))}
        frames.append((d_spec, t_spec))
    return frames


# ------------------------------------------------------------------------------- memo

VIEWS = {
    f.__name__: f
    for f in (
        describe,
        compare,
        compare_pair,
        candidates,
        landscape,
        sweep_spec,
        fit_records,
        fit_start,
        fit_frames,
    )
}
SIZES = {"fit_frames": 8, "fit_records": 64, "fit_start": 64}  # default: 256 results a view
_LOCK = threading.Lock()
_STORE: dict[str, OrderedDict] = {name: OrderedDict() for name in VIEWS}


def memo(view: str, *args):
    """``VIEWS[view](*args)``, computed once per process for the same (hashable) arguments
    and kept for the most recently used ones.

    Results are shared read-only between sessions: nothing mutates them, and Streamlit
    copies a chart spec before it takes the data out. A dictionary look-up costs far less
    per rerun than ``st.cache_data``, which hashes its arguments on every call."""
    store = _STORE[view]
    with _LOCK:
        if args in store:
            store.move_to_end(args)
            return store[args]
    value = VIEWS[view](*args)
    with _LOCK:
        store[args] = value
        while len(store) > SIZES.get(view, 256):
            store.popitem(last=False)
    return value


# ------------------------------------------------------------------------ entropy page


def entropy_sliders(fam: families.Family, where) -> dict:
    """One slider per parameter (and per logit for the categorical), keyed by name."""
    values = {}
    for spec in fam.params:
        values[spec.name] = param_slider(spec, url_key("", spec.name), where=where)
    if fam.key == "categorical":
        where.markdown("**Logits** (before dividing by $T$ and the softmax)")
        cols = where.columns(2)
        for i, spec in enumerate(families.categorical_logit_specs(values["K"])):
            values[spec.name] = param_slider(spec, url_key("", spec.name), where=cols[i % 2])
    return values


def details(*texts: str) -> None:
    """Notes a student can skip (how a number was computed, what a chart leaves out),
    folded in a "Details" expander."""
    with st.expander(DETAILS):
        for text in texts:
            st.caption(text)


def method_caption(result: dict, unit: str) -> str:
    if result["method"] in ("closed form", "exact"):
        return "Computed in closed form (exact up to floating-point rounding)."
    bound = result["error"][unit]
    return f"Computed by {result['method']}; error at most {bound:.1e} {unit}."


def render_entropy() -> None:
    """Everything below the Entropy page's introduction."""
    controls, view = st.columns([0.34, 0.66], gap="large")
    with controls:
        key = widgets.select("Distribution family", families.names(), "family", default="normal")
        fam = families.get(key)
        st.caption(f"**{fam.title}.** {fam.description}")
        values = entropy_sliders(fam, st)
        unit = widgets.select(
            "Unit for the charts", list(UNITS), "unit", default="bits", radio=True
        )

    items = tuple(sorted(values.items()))
    result = memo("describe", key, items, unit)
    symbol = "H(p)" if fam.kind == "discrete" else "h(p)"
    k_outcomes = CATEGORICAL_N[key](values) if key in CATEGORICAL_N else None
    bound = math.log(k_outcomes) / math.log(UNITS[unit]) if k_outcomes else None

    with view:
        cols = st.columns(3 if k_outcomes else 2)
        cols[0].metric(f"{symbol} in bits", num(result["bits"]))
        cols[1].metric(f"{symbol} in nats", num(result["nats"]))
        if k_outcomes:
            cols[2].metric(
                f"ceiling log K ({unit})",
                num(bound),
                help=f"K = {k_outcomes} outcomes: the entropy is largest, log K, when "
                "all K are equally likely.",
            )
        st.latex(fam.latex)
        st.vega_lite_chart(result["p_spec"], width="stretch")

    st.subheader("Where the entropy comes from")
    base_tex = r"\log_2" if unit == "bits" else r"\ln"
    if fam.kind == "discrete":
        st.latex(rf"H(p) = -\sum_{{x}} p(x)\, {base_tex} p(x) = {tex_number(result[unit], unit)}")
    else:
        st.latex(rf"h(p) = -\int p(x)\, {base_tex} p(x)\, dx = {tex_number(result[unit], unit)}")
    left, right = st.columns([0.42, 0.58], gap="large")
    with left:
        if fam.kind == "discrete":
            st.markdown(
                "Each bar on the right is one term $-p(x)\\log p(x)$; together they add up to "
                "the entropy. An outcome that never happens adds nothing ($0 \\log 0 = 0$), "
                "and neither does a certain one ($1 \\log 1 = 0$)."
            )
        else:
            st.markdown(
                "For a density this is the *differential* entropy: the area under the curve on "
                "the right. Where $p(x) > 1$ the integrand dips below zero (pink), so a very "
                "narrow density has **negative** differential entropy. It still ranks spread: "
                "narrower is always lower."
            )
        if fam.entropy_latex:
            st.markdown("Closed form for this family (natural log, nats):")
            st.latex(fam.entropy_latex)
        details(method_caption(result, unit))
        if k_outcomes:
            share = result["nats"] / math.log(k_outcomes)
            st.progress(
                min(max(share, 0.0), 1.0),
                text=f"{share:.0%} of the ceiling log K = {num(bound, unit)} "
                f"(K = {k_outcomes}); {num(bound - result[unit], unit)} below it",
            )
    with right:
        st.vega_lite_chart(result["c_spec"], width="stretch")

    st.subheader("Narrow against wide")
    spread, b_default = SPREAD[key]
    spec = next(s for s in fam.param_specs(**values) if s.name == spread)
    st.markdown(
        f"**A** is the distribution above. **B** is the same family with only ${spec.symbol}$ "
        "changed. Move B's slider: whichever spreads its probability more has the higher entropy."
    )
    slider_col, a_col, b_col = st.columns([0.4, 0.3, 0.3], gap="medium")
    b_value = param_slider(
        spec,
        f"b_{url_key('', spread)}",
        where=slider_col,
        default=b_default,
        label=param_label(spec, "B's "),
    )
    b_items = tuple(sorted({**values, spread: b_value}.items()))
    b_result = memo("describe", key, b_items, unit)
    a_col.metric(
        f"A: {symbol} with ${spec.symbol}$ = {spec.fmt(values[spread])} ({unit})",
        num(result[unit]),
    )
    b_col.metric(
        f"B: {symbol} with ${spec.symbol}$ = {spec.fmt(b_value)} ({unit})",
        num(b_result[unit]),
        delta=f"{'+' if b_result[unit] >= result[unit] else ''}"
        f"{num(b_result[unit] - result[unit])} vs A",
    )
    labels = (
        f"A: {symbol} = {num(result[unit], unit)}",
        f"B: {symbol} = {num(b_result[unit], unit)}",
    )
    st.vega_lite_chart(memo("compare", key, items, b_items, labels), width="stretch")
    if key == "categorical":
        st.caption(
            "Temperature divides the logits before the softmax: a large $T$ flattens the "
            "probabilities towards uniform (entropy up to log K), a small $T$ piles them on the "
            "largest logit (entropy down to 0)."
        )


# ------------------------------------------------------------------ cross-entropy page


def pq_sliders(fam: families.Family, prefix: str, where, defaults: dict | None = None) -> dict:
    defaults = defaults or {}
    values = {}
    for spec in fam.params:
        values[spec.name] = param_slider(
            spec, url_key(prefix, spec.name), where=where, default=defaults.get(spec.name)
        )
    if fam.key == "categorical":
        with where.expander(f"Logits of {prefix}", expanded=False):
            cols = st.columns(2)
            for i, spec in enumerate(families.categorical_logit_specs(values["K"])):
                values[spec.name] = param_slider(
                    spec, url_key(prefix, spec.name), where=cols[i % 2]
                )
    return values


def render_cross_entropy() -> None:
    """Everything below the Cross-entropy page's introduction."""
    unit = widgets.select("Unit", list(UNITS), "unit", default="bits", radio=True)

    st.subheader("1 · Data p and model q")
    p_col, q_col = st.columns(2, gap="large")
    with p_col:
        p_key = widgets.select("Data p: family", families.names(), "p_family", default="normal")
        p_fam = families.get(p_key)
        st.caption(f"**{p_fam.title}.** {p_fam.description}")
        p_values = pq_sliders(p_fam, "p", st)
    with q_col:
        same_kind = [k for k in families.names() if families.get(k).kind == p_fam.kind]
        q_key = widgets.select("Model q: family", same_kind, "q_family", default=p_key)
        q_fam = families.get(q_key)
        st.caption(f"**{q_fam.title}.** {q_fam.description}")
        q_values = pq_sliders(q_fam, "q", st, Q_DEFAULTS.get(q_key))

    p_items = tuple(sorted(p_values.items()))
    q_items = tuple(sorted(q_values.items()))
    pair = memo("compare_pair", p_key, p_items, q_key, q_items, unit)

    m1, m2, m3 = st.columns(3)
    m1.metric(f"H(p) ({unit})", num(pair["h"]), help="Entropy of the data: the floor.")
    m2.metric(f"H(p, q) ({unit})", num(pair["ce"]), help="Cross-entropy: the model's score.")
    m3.metric(
        f"KL(p ‖ q) ({unit})",
        num(pair["kl"]),
        help="The excess over the floor; 0 only if q = p.",
    )
    if pair["reason"]:
        st.warning(f"H(p, q) and KL(p ‖ q) are infinite: {pair['reason']}.", icon="♾️")
    st.vega_lite_chart(pair["overlay"], width="stretch")
    if not pair["reason"]:
        st.vega_lite_chart(pair["bars"], width="stretch")
    integral = p_fam.kind == "continuous"
    op = r"\int" if integral else r"\sum_x"
    dx = r"\, dx" if integral else ""
    log = r"\log_2" if unit == "bits" else r"\ln"
    st.latex(
        r"\begin{aligned}"
        rf"H(p, q) &= -{op} p(x)\, {log} q(x){dx} = {tex_number(pair['ce'], unit)}\\"
        rf"\mathrm{{KL}}(p \,\|\, q) &= {op} p(x)\, {log} \frac{{p(x)}}{{q(x)}}{dx}"
        rf" = {tex_number(pair['kl'], unit)}\\"
        rf"H(p, q) &= H(p) + \mathrm{{KL}}(p \,\|\, q):\quad {tex_number(pair['ce'], unit)}"
        rf" = {tex_number(pair['h'], unit)} + {tex_number(pair['kl'], unit)}"
        r"\end{aligned}"
    )
    details(pair["methods"])

    # -------------------------------------------------------------------- two candidates
    st.subheader("2 · Two candidate models: which one fits the data?")
    shift, shift_default = SHIFT[p_key]
    shift_spec = next(s for s in p_fam.param_specs(**p_values) if s.name == shift)
    span = (shift_spec.high - shift_spec.low) / 2
    off_spec = ParamSpec(
        "off",
        rf"\Delta {shift_spec.symbol}",
        -span,
        span,
        shift_default,
        shift_spec.step,
        integer=shift_spec.integer,
        help=f"How far candidate B's ${shift_spec.symbol}$ is from the data's.",
    )
    st.markdown(
        f"Candidate **A** is exactly $p$. Candidate **B** is the same {p_fam.title.lower()} with "
        f"${shift_spec.symbol}$ moved. Cross-entropy prefers the one that matches the data."
    )
    off = param_slider(
        off_spec, f"off_{shift.lower()}", label=f"How far off B is: ${off_spec.symbol}$"
    )
    b_value = min(max(p_values[shift] + off, shift_spec.low), shift_spec.high)
    b_items = tuple(sorted({**p_values, shift: shift_spec.cast(b_value)}.items()))
    cands = memo("candidates", p_key, p_items, b_items, unit)
    a_col, b_col = st.columns(2, gap="medium")
    a_col.metric(
        f"H(p, A) ({unit})",
        num(cands["A"]["ce"]),
        delta="= H(p): A is p",
        delta_color="off",
        delta_arrow="off",
    )
    b_col.metric(
        f"H(p, B) ({unit})",
        num(cands["B"]["ce"]),
        delta="inf"
        if math.isinf(cands["B"]["ce"])
        else f"+{num(cands['B']['ce'] - cands['A']['ce'], unit)} vs A",
        delta_color="inverse",
    )
    a_col.vega_lite_chart(cands["A"]["spec"], width="stretch")
    b_col.vega_lite_chart(cands["B"]["spec"], width="stretch")
    if cands["B"]["reason"]:
        b_col.caption(f"H(p, B) = inf: {cands['B']['reason']}.")
    elif off == 0:
        st.caption("With no offset B is A, and the two cross-entropies are equal.")
    else:
        st.caption(
            f"A scores {num(cands['A']['ce'], unit)}, B scores {num(cands['B']['ce'], unit)}: "
            f"the gap is KL(p ‖ B), what B loses by being off."
        )

    # ------------------------------------------------------------------------ the sweep
    st.subheader("3 · Minimising H(p, q) is minimising KL(p ‖ q)")
    names = [s.name for s in q_fam.param_specs(**q_values)]
    default_param = SHIFT[q_key][0]
    param = widgets.select(
        "Parameter of q to sweep", names, "sweep", default=default_param, radio=len(names) <= 6
    )
    # With one family for both, q copies p's other parameters, so the curve passes through q = p.
    held = {**q_values, **p_values} if q_key == p_key else q_values
    rest = tuple(sorted((k, v) for k, v in held.items() if k != param))
    land = memo("landscape", p_key, p_items, q_key, rest, param, unit)
    sym = f"${q_spec(q_key, rest, param, q_values[param]).symbol}$"  # the parameter in prose
    if land["argmin"] is None:
        st.warning(
            f"H(p, q) is infinite for every value of {sym}, so there is no curve to draw: "
            f"{land['reason'] or 'q gives zero probability where p does not'}."
        )
    else:
        st.vega_lite_chart(
            memo("sweep_spec", p_key, p_items, q_key, rest, param, unit, q_values[param]),
            width="stretch",
        )
        touches = land["kl_min"] < 1e-9
        if q_key == p_key:
            held_text = f"Here q equals p in every parameter but {sym}. "
        else:
            held_text = "Here q keeps the other parameters set in section 1. "
        if touches:
            min_text = "q = p there, and KL touches 0"
        elif q_key == p_key:
            min_text = f"KL = {num(land['kl_min'], unit)} there"
        else:
            min_text = (
                f"KL = {num(land['kl_min'], unit)} there: this {q_fam.title.lower()} "
                f"cannot match the {p_fam.title.lower()} exactly"
            )
        st.markdown(
            f"{held_text}Both curves are lowest at {sym} = **{num(land['argmin'])}** "
            f"({min_text}). They are one curve shifted by H(p) = {num(land['h_p'], unit)}, "
            "which does not depend on q: training on cross-entropy minimises KL."
        )
    notes = []
    if land["n_inf"] and land["argmin"] is not None:
        notes.append(
            f"Left out of the plot: {land['n_inf']} values of {sym} where H(p, q) = inf "
            f"({land['reason'] or 'q gives probability 0 where p does not'})."
        )
    if land["numerical"]:
        notes.append(
            f"Each point computed by {', '.join(land['methods'])}; "
            f"error ≤ {land['error']:.1e} {unit}."
        )
    if notes:
        details(*notes)

    # ----------------------------------------------------------- forward vs reverse KL
    st.subheader("4 · Forward or reverse KL: cover the modes or pick one")
    st.markdown(
        "Fit one Gaussian $q$ to a two-humped $p$ by gradient descent. **Forward** "
        "$\\mathrm{KL}(p \\,\\|\\, q)$ (what cross-entropy training minimises) punishes $q$ "
        "for missing any place where $p$ has mass, so $q$ stretches over both modes. "
        "**Reverse** $\\mathrm{KL}(q \\,\\|\\, p)$ punishes $q$ for putting mass where $p$ "
        "has little, so $q$ settles inside one mode."
    )
    fit_cols = st.columns(4)
    fit_values = {
        name: param_slider(spec, f"fit_{name}", where=col)
        for (name, spec), col in zip(FIT_SPECS.items(), fit_cols, strict=True)
    }
    mixture = mixture_from(fit_values)
    fit_args = (fit_values["d"], fit_values["w"], fit_values["s"], fit_values["start"])
    fit_id = tuple(sorted(fit_values.items()))
    st.latex(
        r"\mathrm{KL}(p \,\|\, q) = \int p \log \frac{p}{q}\, dx"
        r"\qquad \text{vs} \qquad"
        r"\mathrm{KL}(q \,\|\, p) = \int q \log \frac{q}{p}\, dx"
    )
    go = st.button("Fit", type="primary", help="Run 150 gradient steps of both fits.")
    density_ph, trace_ph, summary_ph = st.empty(), st.empty(), st.empty()

    def show_frame(frame: tuple[dict, dict]) -> None:
        density_ph.vega_lite_chart(frame[0], width="stretch")
        trace_ph.vega_lite_chart(frame[1], width="stretch")

    if go:
        frames = memo("fit_frames", *fit_args, unit)
        frame_time = 3.0 / FIT_FRAMES
        for frame in frames:
            started = time.perf_counter()
            show_frame(frame)
            time.sleep(max(0.0, frame_time - (time.perf_counter() - started)))
        st.session_state["_fitted"] = fit_id
    fitted = st.session_state.get("_fitted") == fit_id
    if fitted:
        if not go:
            show_frame(memo("fit_frames", *fit_args, unit)[-1])
        records = memo("fit_records", *fit_args)
        scale = 1.0 if unit == "nats" else 1 / math.log(2)
        fw, rv = records["forward"][-1], records["reverse"][-1]
        summary_ph.markdown(
            f"After {FIT_STEPS} steps. **Forward:** $\\mu$ = {num(fw[1])}, "
            f"$\\sigma$ = {num(fw[2])} (p's mean {num(mixture.mean)} and standard deviation "
            f"{num(mixture.std)}: moment matching), KL = {num(fw[3] * scale, unit)}. "
            f"**Reverse:** $\\mu$ = {num(rv[1])}, $\\sigma$ = {num(rv[2])} (p's modes sit at "
            f"{num(mixture.mean1)} and {num(mixture.mean2)}, each with standard deviation "
            f"{num(mixture.sigma1)}), KL = {num(rv[3] * scale, unit)}."
        )
        error = max(records["error"].values()) * scale
        method = (
            f"Both KL divergences are integrated with Simpson's rule on a fixed grid of "
            f"{kl_fit.Grid.for_mixture(mixture).n} points reaching 10 standard deviations past "
            f"p's modes and its mean; estimated error of the final values ≤ {error:.1e} {unit} "
            "(step h against 2h). "
        )
    else:
        density_ph.vega_lite_chart(memo("fit_start", *fit_args), width="stretch")
        summary_ph.caption(
            "Both fits start from the same $q$ (dashed): mean $\\mu_0$, standard deviation 1. "
            "Press **Fit** to run them."
        )
        method = "Both KL divergences are integrated with Simpson's rule on a fixed grid. "
    details(
        method + "Each step moves q's mean and log standard deviation against the gradient, "
        "scaled by q's Fisher information (a natural-gradient step)."
    )
