"""Entropy: how spread out is a distribution? Narrow means low entropy, wide means high."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import streamlit as st
from streamlit import dataframe_util

from probnn import families, info
from probnn.params import ParamSpec
from ui import widgets
from ui.charts import info as charts
from ui.charts import number

UNITS = {"bits": 2.0, "nats": math.e}
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


def ready(chart) -> dict:
    """A chart's Vega-Lite spec with its data already in Arrow form, to cache and send as is."""
    spec = charts.spec(charts.finish(chart))
    spec["datasets"] = {
        name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows))
        for name, rows in spec.get("datasets", {}).items()
    }
    return spec


def param_slider(spec: ParamSpec, key: str, where=None, **kwargs):
    """A URL-bound slider for ``spec`` whose bad-link messages name the link key."""
    label = kwargs.pop("label", None) or f"${spec.symbol}$ ({spec.name})"
    return widgets.slider(
        dataclasses.replace(spec, name=key), key, where=where, label=label, **kwargs
    )


def url_key(name: str) -> str:
    """The link key of a family parameter: its name in lower case (K -> k, T -> t)."""
    return name.lower()


@st.cache_data(max_entries=256, show_spinner=False)
def describe(key: str, items: tuple, unit: str) -> dict:
    """Entropy in both units, the p(x) and contribution charts' specs, for one member."""
    fam = families.get(key)
    values = dict(items)
    dist = fam.build(**values)
    nats = info.entropy_detail(dist)
    bits = info.entropy_detail(dist, base=2)
    table = fam.table(**values)
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


@st.cache_data(max_entries=256, show_spinner=False)
def compare(key: str, a_items: tuple, b_items: tuple, labels: tuple[str, str]) -> dict:
    """Overlay of A and B on one axis (chart spec)."""
    fam = families.get(key)
    frames = [
        fam.table(**dict(items)).assign(series=label)
        for items, label in zip((a_items, b_items), labels, strict=True)
    ]
    chart = charts.distribution_chart(
        pd.concat(frames, ignore_index=True), kind=fam.kind, series=list(labels)
    )
    return ready(chart)


def family_sliders(fam: families.Family, where) -> dict:
    """One slider per parameter (and per logit for the categorical), keyed by name."""
    values = {}
    for spec in fam.params:
        values[spec.name] = param_slider(spec, url_key(spec.name), where=where)
    if fam.key == "categorical":
        where.markdown("**Logits** (before dividing by $T$ and the softmax)")
        cols = where.columns(2)
        for i, spec in enumerate(families.categorical_logit_specs(values["K"])):
            values[spec.name] = param_slider(spec, url_key(spec.name), where=cols[i % 2])
    return values


def tex_number(value: float, unit: str) -> str:
    """A number with its unit for st.latex: ``2.047\\ \\text{bits}``; inf as ``\\infty``."""
    text = number(value)
    text = {"inf": r"\infty", "-inf": r"-\infty"}.get(text, text)
    return rf"{text}\ \text{{{unit}}}"


def method_caption(result: dict, unit: str) -> str:
    if result["method"] in ("closed form", "exact"):
        return "Computed in closed form (exact up to floating-point rounding)."
    bound = result["error"][unit]
    return f"Computed by {result['method']}; error at most {bound:.1e} {unit}."


st.title("Entropy: how spread out is a distribution?")
st.markdown(
    "Entropy is the average surprise of a draw from $p$: the outcome $x$ surprises us by "
    "$-\\log p(x)$, a lot when it was unlikely, not at all when it was certain. Spread "
    "the probability over many outcomes and the average surprise goes up; pile it on one "
    "outcome and it goes down. With $\\log_2$ the unit is the **bit**, with $\\ln$ the **nat** "
    "(1 bit = ln 2 ≈ 0.693 nats)."
)

controls, view = st.columns([0.34, 0.66], gap="large")
with controls:
    key = widgets.select("Distribution family", families.names(), "family", default="normal")
    fam = families.get(key)
    st.caption(f"**{fam.title}.** {fam.description}")
    values = family_sliders(fam, st)
    unit = widgets.select("Unit for the charts", list(UNITS), "unit", default="bits", radio=True)

items = tuple(sorted(values.items()))
result = describe(key, items, unit)
symbol = "H(p)" if fam.kind == "discrete" else "h(p)"
k_outcomes = CATEGORICAL_N[key](values) if key in CATEGORICAL_N else None
bound = math.log(k_outcomes) / math.log(UNITS[unit]) if k_outcomes else None

with view:
    cols = st.columns(3 if k_outcomes else 2)
    cols[0].metric(f"{symbol} in bits", number(result["bits"]))
    cols[1].metric(f"{symbol} in nats", number(result["nats"]))
    if k_outcomes:
        cols[2].metric(
            f"ceiling log K ({unit})",
            number(bound),
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
    st.caption(method_caption(result, unit))
    if k_outcomes:
        share = result["nats"] / math.log(k_outcomes)
        st.progress(
            min(max(share, 0.0), 1.0),
            text=f"{share:.0%} of the ceiling log K = {number(bound, unit)} "
            f"(K = {k_outcomes}); {number(bound - result[unit], unit)} below it",
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
    f"b_{url_key(spread)}",
    where=slider_col,
    default=b_default,
    label=f"B's ${spec.symbol}$ ({spec.name})",
)
b_items = tuple(sorted({**values, spread: b_value}.items()))
b_result = describe(key, b_items, unit)
a_col.metric(
    f"A: {symbol} with ${spec.symbol}$ = {spec.fmt(values[spread])} ({unit})", number(result[unit])
)
b_col.metric(
    f"B: {symbol} with ${spec.symbol}$ = {spec.fmt(b_value)} ({unit})",
    number(b_result[unit]),
    delta=f"{b_result[unit] - result[unit]:+.3f} vs A",
)
labels = (
    f"A: {symbol} = {number(result[unit], unit, 3)}",
    f"B: {symbol} = {number(b_result[unit], unit, 3)}",
)
st.vega_lite_chart(compare(key, items, b_items, labels), width="stretch")
if key == "categorical":
    st.caption(
        "Temperature divides the logits before the softmax: a large $T$ flattens the "
        "probabilities towards uniform (entropy up to log K), a small $T$ piles them on the "
        "largest logit (entropy down to 0)."
    )
