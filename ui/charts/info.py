"""Chart builders for the Information pages (entropy, cross-entropy, KL). No Streamlit here.

Every builder takes a long-form DataFrame (or a few numbers) and returns an altair chart
whose axis titles carry their units. Series keep fixed colours: the data p first (blue),
models after it (orange, green, ...), in the order the series are given.

    distribution_chart  p(x) of one or more distributions: bars (pmf) or curves (density)
    contribution_chart  the entropy's terms -p(x) log p(x), signed for a density
    info_bar_chart      H(p, q) next to H(p) + KL(p || q), the identity drawn as bars
    sweep_chart         H(p, q) and KL(p || q) as one parameter of q moves
    trace_chart         a quantity against the gradient step (the KL during a fit)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import altair as alt
import pandas as pd

from ui.charts import (
    HEIGHT,
    LABEL_SIZE,
    PALETTE,
    TITLE_SIZE,
    base,
    described,
    number,
    peak_text,
    spec,
    unit_title,
)
from ui.charts import finish as _finish

__all__ = [
    "contribution_chart",
    "distribution_chart",
    "finish",
    "info_bar_chart",
    "spec",
    "sweep_chart",
    "trace_chart",
]

NEGATIVE = "#c2185b"  # the part of a density's entropy integrand below zero


def finish(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared configuration (``ui.charts.finish``) with a grid and round legend symbols."""
    return _finish(chart, axis={"grid": True}, legend={"symbolType": "circle", "symbolSize": 160})


def _colors(series: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(series), range=PALETTE[: len(series)])


def _order(frame: pd.DataFrame, column: str, given: Sequence[str] | None) -> list[str]:
    if given is not None:
        return list(given)
    return list(dict.fromkeys(frame[column].tolist()))


def distribution_chart(
    frame: pd.DataFrame,
    *,
    kind: str,
    series: Sequence[str] | None = None,
    x_title: str = "x",
    x_domain: tuple[float, float] | None = None,
    y_max: float | None = None,
    height: int = HEIGHT,
    legend: bool = True,
    title: str | None = None,
) -> alt.Chart:
    """p(x) of one or more distributions on shared axes.

    Parameters
    ----------
    frame : DataFrame with columns x, p and optionally series (one row per point).
    kind : "discrete" (grouped bars, one per series at each x) or "continuous" (curves
        with a light fill).
    series : the order of the series (colours follow it); default: order of appearance.
    x_domain, y_max : fix the axes (so an animation does not rescale between frames).
    """
    if kind not in ("discrete", "continuous"):
        raise ValueError(f"kind={kind!r}; use 'discrete' or 'continuous'.")
    frame = frame.copy()
    if "series" not in frame:
        frame["series"] = "p(x)"
    order = _order(frame, "series", series)
    # a filled disc per series, never a dashed ring; the colour and the dash of a series
    # share this one legend (the same field: Vega-Lite merges them, and two different
    # legend settings would conflict in the browser's console)
    series_legend = (
        alt.Legend(title=None, symbolDash=[1, 0], symbolStrokeWidth=0, symbolOpacity=1)
        if legend
        else None
    )
    color = alt.Color("series:N", scale=_colors(order), sort=order, legend=series_legend)
    y_title = "p(x)" if kind == "discrete" else "density p(x)"
    y_scale = alt.Scale(domain=[0, y_max]) if y_max else alt.Undefined
    y = alt.Y("p:Q", title=y_title, scale=y_scale, stack=None)  # overlaid, never stacked
    tooltip = [
        alt.Tooltip("series:N", title="distribution"),
        alt.Tooltip("x:Q", title="x"),
        alt.Tooltip("p:Q", title=y_title, format=".4g"),
    ]
    chart = base(frame, height)
    if kind == "discrete":
        frame["x"] = frame["x"].round().astype(int)
        chart = base(frame, height)
        x = alt.X("x:O", title=x_title, axis=alt.Axis(labelAngle=0, labelOverlap=True))
        enc = {"x": x, "y": y, "color": color, "tooltip": tooltip}
        if len(order) > 1:
            enc["xOffset"] = alt.XOffset("series:N", sort=order)
        layered = chart.mark_bar().encode(**enc)
    else:
        scale = (
            alt.Scale(zero=False, nice=False, domain=list(x_domain))
            if x_domain
            else alt.Scale(zero=False, nice=False)
        )
        x = alt.X("x:Q", title=x_title, scale=scale)
        enc = {"x": x, "y": y, "color": color, "detail": "series:N"}
        # the first series (the data) solid, the others (models) dashed, so that a model
        # lying exactly on the data still lets the data show through
        dash = alt.StrokeDash(
            "series:N",
            scale=alt.Scale(domain=order, range=[[1, 0]] + [[10, 4]] * (len(order) - 1)),
            sort=order,
            legend=series_legend,
        )
        layered = alt.layer(
            chart.mark_area(opacity=0.18, clip=True).encode(**enc),
            chart.mark_line(strokeWidth=3, clip=True).encode(
                **enc, strokeDash=dash, tooltip=tooltip
            ),
        )
    if title:
        layered = layered.properties(title=alt.TitleParams(title, fontSize=TITLE_SIZE))
    return layered


def contribution_chart(
    frame: pd.DataFrame, *, kind: str, unit: str, height: int = HEIGHT
) -> alt.Chart:
    """The terms of the entropy: -p(x) log p(x) per outcome (pmf) or the integrand (density).

    frame: columns x and contribution (already in ``unit``). For a density the integrand
    is negative wherever p(x) > 1; that part is drawn in its own colour below zero.
    """
    if kind not in ("discrete", "continuous"):
        raise ValueError(f"kind={kind!r}; use 'discrete' or 'continuous'.")
    frame = frame[["x", "contribution"]].copy()
    if kind == "discrete":
        frame["x"] = frame["x"].round().astype(int)
        y_title = unit_title("−p(x) log p(x)", unit)
        return (
            base(frame, height)
            .mark_bar(color=PALETTE[2])
            .encode(
                x=alt.X("x:O", title="x", axis=alt.Axis(labelAngle=0, labelOverlap=True)),
                y=alt.Y("contribution:Q", title=y_title),
                tooltip=[
                    alt.Tooltip("x:Q"),
                    alt.Tooltip("contribution:Q", title=y_title, format=".4g"),
                ],
            )
        )
    y_title = unit_title("−p(x) log p(x)", unit)
    frame["above"] = frame["contribution"].clip(lower=0)
    frame["below"] = frame["contribution"].clip(upper=0)
    chart = base(frame, height)
    x = alt.X("x:Q", title="x", scale=alt.Scale(zero=False, nice=False))
    tooltip = [
        alt.Tooltip("x:Q", format=".3g"),
        alt.Tooltip("contribution:Q", title=y_title, format=".4g"),
    ]
    return alt.layer(
        chart.mark_area(color=PALETTE[2], opacity=0.45).encode(
            x=x, y=alt.Y("above:Q", title=y_title)
        ),
        chart.mark_area(color=NEGATIVE, opacity=0.45).encode(x=x, y="below:Q"),
        chart.mark_line(color="#333333", strokeWidth=2).encode(
            x=x, y="contribution:Q", tooltip=tooltip
        ),
        alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#555555").encode(y="zero:Q"),
    )


def info_bar_chart(h_p: float, kl: float, unit: str, *, height: int = 150) -> alt.Chart:
    """The identity H(p, q) = H(p) + KL(p || q) as two bars of equal length.

    Top bar: H(p, q). Bottom bar: H(p) followed by KL(p || q). Segments are drawn from
    explicit start and end values, so a negative (differential) H(p) is drawn correctly.
    If KL is infinite there is nothing to draw to scale; the chart says so in words.
    """
    if math.isnan(h_p) or math.isnan(kl):
        raise ValueError("H(p) and KL(p || q) must be numbers, not NaN.")
    if math.isinf(kl) or math.isinf(h_p):
        note = pd.DataFrame({"text": ["H(p, q) = H(p) + KL(p ‖ q) = inf: nothing finite to draw"]})
        return (
            alt.Chart(note)
            .mark_text(fontSize=TITLE_SIZE, align="left", x=5)
            .encode(text="text:N")
            .properties(height=60, width="container")
        )
    h_pq = h_p + kl
    rows = ["H(p, q)", "H(p) + KL(p ‖ q)"]
    frame = pd.DataFrame(
        {
            "row": [rows[0], rows[1], rows[1]],
            "part": ["H(p, q)", "H(p)", "KL(p ‖ q)"],
            "start": [0.0, 0.0, h_p],
            "end": [h_pq, h_p, h_pq],
            "value": [h_pq, h_p, kl],
        }
    )
    frame["label"] = [
        f"{p} = {number(v, unit, 3)}" for p, v in zip(frame["part"], frame["value"], strict=True)
    ]
    frame["mid"] = (frame["start"] + frame["end"]) / 2
    parts = ["H(p)", "KL(p ‖ q)", "H(p, q)"]
    chart = base(frame, height)
    y = alt.Y(
        "row:N", title=None, sort=rows, axis=alt.Axis(labelFontSize=LABEL_SIZE, labelLimit=300)
    )
    bars = chart.mark_bar(height=34).encode(
        x=alt.X("start:Q", title=unit_title("information", unit)),
        x2="end:Q",
        y=y,
        color=alt.Color(
            "part:N",
            scale=alt.Scale(domain=parts, range=[PALETTE[0], PALETTE[3], PALETTE[1]]),
            legend=None,
        ),
        tooltip=[alt.Tooltip("part:N"), alt.Tooltip("value:Q", format=".4g", title=unit)],
    )
    labels = chart.mark_text(color="white", fontSize=LABEL_SIZE, fontWeight="bold").encode(
        x="mid:Q", y=y, text="label:N"
    )
    return alt.layer(bars, labels)


def sweep_chart(
    frame: pd.DataFrame,
    *,
    param_title: str,
    unit: str,
    current: float | None = None,
    argmin: float | None = None,
    h_p: float | None = None,
    y_max: float | None = None,
    height: int = HEIGHT + 40,
) -> alt.Chart:
    """H(p, q) and KL(p || q) against one parameter of q.

    frame: long form with columns value (the parameter), series ("H(p, q)" or "KL(p ‖ q)")
    and info (in ``unit``; rows with infinite values are left out before plotting).
    current: the slider's value of the parameter (points on both curves).
    argmin: where both curves are lowest (a dashed rule); h_p: the constant gap
    H(p) between the curves, drawn as a bracket at the argmin. y_max: cut the y axis
    there (the curves are clipped) so a steep end does not flatten the minimum.
    """
    frame = frame[["value", "series", "info"]].copy()
    frame = frame[frame["info"].map(math.isfinite)]
    order = ["H(p, q)", "KL(p ‖ q)"]
    chart = base(frame, height)
    x = alt.X("value:Q", title=param_title, scale=alt.Scale(zero=False, nice=False))
    y_scale = (
        alt.Scale(domain=[min(0.0, float(frame["info"].min())), y_max]) if y_max else alt.Undefined
    )
    y = alt.Y("info:Q", title=unit_title("information", unit), scale=y_scale)
    color = alt.Color(
        "series:N",
        scale=alt.Scale(domain=order, range=[PALETTE[1], PALETTE[3]]),
        sort=order,
        legend=alt.Legend(title=None),
    )
    tooltip = [
        alt.Tooltip("series:N"),
        alt.Tooltip("value:Q", title=param_title, format=".3g"),
        alt.Tooltip("info:Q", title=unit, format=".4g"),
    ]
    layers = [
        chart.mark_line(strokeWidth=3, clip=True).encode(x=x, y=y, color=color, tooltip=tooltip)
    ]
    if argmin is not None and math.isfinite(argmin):
        at_min = frame[(frame["value"] - argmin).abs() == (frame["value"] - argmin).abs().min()]
        rule = pd.DataFrame({"value": [argmin], "text": [f"minimum of both at {argmin:.3g}"]})
        layers.append(
            alt.Chart(rule).mark_rule(strokeDash=[6, 4], color="#555555").encode(x="value:Q")
        )
        layers.append(
            alt.Chart(rule)
            .mark_text(align="left", dx=6, dy=-6, fontSize=LABEL_SIZE, baseline="top", y=0)
            .encode(x="value:Q", text="text:N")
        )
        if h_p is not None and math.isfinite(h_p) and len(at_min) == 2:
            lo, hi = float(at_min["info"].min()), float(at_min["info"].max())
            gap = pd.DataFrame(
                {
                    "value": [argmin],
                    "lo": [lo],
                    "hi": [hi],
                    "mid": [(lo + hi) / 2],
                    "text": [f"gap = H(p) = {number(h_p, unit, 3)}"],
                }
            )
            layers.append(
                alt.Chart(gap)
                .mark_rule(strokeWidth=4, color=PALETTE[0])
                .encode(x="value:Q", y="lo:Q", y2="hi:Q")
            )
            layers.append(
                alt.Chart(gap)
                .mark_text(
                    baseline="bottom",
                    dy=-10,
                    fontSize=LABEL_SIZE,
                    color=PALETTE[0],
                    fontWeight="bold",
                )
                .encode(x="value:Q", y="hi:Q", text="text:N")
            )
    if current is not None and math.isfinite(current):
        here = frame[(frame["value"] - current).abs() == (frame["value"] - current).abs().min()]
        layers.append(
            alt.Chart(here)
            .mark_point(size=140, filled=True)
            .encode(x="value:Q", y="info:Q", color=color, tooltip=tooltip)
        )
    return alt.layer(*layers)


def trace_chart(
    frame: pd.DataFrame,
    *,
    y_title: str,
    unit: str,
    series: Sequence[str] | None = None,
    x_max: float | None = None,
    y_max: float | None = None,
    height: int = HEIGHT,
) -> alt.Chart:
    """A quantity against the gradient step, one line per series (step, series, value).

    Colours follow ``series`` starting from the second palette colour (the first is p's).
    """
    frame = frame[["step", "series", "value"]]
    order = _order(frame, "series", series)
    x_scale = alt.Scale(domain=[0, x_max], nice=False) if x_max else alt.Scale(nice=False)
    y_scale = alt.Scale(domain=[0, y_max]) if y_max else alt.Undefined
    return (
        base(frame, height)
        .mark_line(strokeWidth=3)
        .encode(
            x=alt.X("step:Q", title="gradient step", scale=x_scale),
            y=alt.Y("value:Q", title=unit_title(y_title, unit), scale=y_scale),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=order, range=PALETTE[1 : len(order) + 1]),
                sort=order,
                legend=alt.Legend(title=None, symbolType="stroke", symbolStrokeWidth=4),
            ),
            tooltip=[
                alt.Tooltip("series:N"),
                alt.Tooltip("step:Q"),
                alt.Tooltip("value:Q", title=unit, format=".4g"),
            ],
        )
    )


# A short text summary of each chart (its accessible name): what it shows, its key number.
def _distribution_words(frame, *, kind="continuous", **_):
    what = "Bars of the probability p(x)" if kind == "discrete" else "Curves of the density p(x)"
    series = list(dict.fromkeys(frame["series"])) if "series" in frame else ["p(x)"]
    return f"{what} of {', '.join(map(str, series))} against x. " + peak_text(
        frame, "x", "p", "series" if "series" in frame else None
    )


def _contribution_words(frame, *, unit="nats", **_):
    total = float(frame["contribution"].sum()) if "contribution" in frame else float("nan")
    return f"The terms of the entropy, one per x: -p(x) log p(x) in {unit}. " + (
        f"They add up to about {number(total)} {unit} (for a pmf exactly H(p))."
        if total == total
        else ""
    )


def _info_bar_words(h_p, kl, unit, **_):
    return (
        f"Two bars of equal length: H(p, q) = {number(h_p + kl)} {unit} is H(p) = "
        f"{number(h_p)} {unit} plus KL(p || q) = {number(kl)} {unit}."
    )


def _sweep_words(frame, *, param_title="the parameter", unit="nats", argmin=None, **_):
    low = "" if argmin is None else f" Both are lowest at {param_title} = {number(argmin)}."
    return f"H(p, q) and KL(p || q) in {unit} as {param_title} of q changes.{low}"


def _trace_words(frame, *, y_title="value", unit=None, **_):
    last = (
        frame.sort_values("step").groupby("series", sort=False).tail(1)
        if "series" in frame
        else frame.tail(1)
    )
    ends = (
        "; ".join(f"{r.series}: {number(r.value)}" for r in last.itertuples())
        if "series" in frame
        else ""
    )
    return f"{unit_title(y_title, unit)} at each gradient step. Last values: {ends}."


distribution_chart = described(distribution_chart, _distribution_words)
contribution_chart = described(contribution_chart, _contribution_words)
info_bar_chart = described(info_bar_chart, _info_bar_words)
sweep_chart = described(sweep_chart, _sweep_words)
trace_chart = described(trace_chart, _trace_words)
