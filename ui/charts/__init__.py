"""Pure chart builders: long-form pandas DataFrame in, ``alt.Chart`` out. No Streamlit here.

One module per area (``ui.charts.info``, ``ui.charts.losses``, ``ui.charts.training``,
``ui.charts.generative``); the shared conventions live in this file: the palette,
axis titles that carry their units, tooltips, downsampling before anything is sent
to the browser, and the finishing configuration (text sizes, ink, legend on top).
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd

__all__ = [
    "with_data",
    "PALETTE",
    "HEIGHT",
    "LABEL_SIZE",
    "TITLE_SIZE",
    "INK",
    "downsample",
    "unit_title",
    "number",
    "base",
    "finish",
    "spec",
    "described",
    "peak_text",
]

# The theme's categorical colours (see .streamlit/config.toml), in a fixed order so a
# series keeps its colour across charts: data/p first, model/q second.
PALETTE = ["#1f5fbf", "#e8710a", "#1a9850", "#c2185b", "#7b3fb5", "#00838f", "#8d6e00", "#5f6368"]
HEIGHT = 260  # default chart height in pixels; readable on a projector
LABEL_SIZE = 16  # axis labels, legend labels: readable on a projector (16 px at any width)
TITLE_SIZE = 17
INK = "#222222"  # axis and legend text


def unit_title(name: str, unit: str | None) -> str:
    """An axis title that carries its unit: ``unit_title("loss", "nats") == "loss (nats)"``."""
    return f"{name} ({unit})" if unit else name


def number(value: float, unit: str = "", digits: int = 4) -> str:
    """A value for display: finite numbers rounded, infinities as ``inf``, never ``nan``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    value = float(value)
    if math.isinf(value):
        text = "inf" if value > 0 else "-inf"
    else:
        text = (
            f"{value:.{digits}g}"
            if abs(value) >= 1e-3 or value == 0
            else f"{value:.{digits - 1}e}"  # the same significant digits: 8.530e-04
        )
    return f"{text} {unit}".strip()


def downsample(
    frame: pd.DataFrame, max_points: int = 300, *, x: str = "step", by: str | None = "series"
) -> pd.DataFrame:
    """At most ``max_points`` rows per series, evenly spaced in ``x``, keeping the last row."""
    groups = (
        [frame] if by is None or by not in frame else [g for _, g in frame.groupby(by, sort=False)]
    )
    parts = []
    for group in groups:
        group = group.sort_values(x)
        if len(group) > max_points:
            index = np.unique(np.linspace(0, len(group) - 1, max_points).round().astype(int))
            group = group.iloc[index]
        parts.append(group)
    return pd.concat(parts, ignore_index=True) if parts else frame


def base(frame: pd.DataFrame, height: int = HEIGHT) -> alt.Chart:
    """An ``alt.Chart`` over ``frame`` with the shared size."""
    return alt.Chart(frame).properties(height=height, width="container")


def finish(
    chart: alt.TopLevelMixin, *, axis: dict | None = None, legend: dict | None = None
) -> alt.TopLevelMixin:
    """Shared configuration: larger axis and legend text in dark ink, the legend on top,
    no frame around the plot. ``axis`` and ``legend`` add or override settings of
    ``configure_axis`` and ``configure_legend``."""
    return (
        chart.configure_axis(
            **{
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": TITLE_SIZE,
                "labelColor": INK,
                "titleColor": INK,
                **(axis or {}),
            }
        )
        .configure_legend(
            **{
                "labelFontSize": LABEL_SIZE,
                "titleFontSize": LABEL_SIZE,
                "orient": "top",
                "labelLimit": 400,
                "labelColor": INK,
                "symbolOpacity": 1,
                **(legend or {}),
            }
        )
        .configure_view(strokeWidth=0)
    )


def spec(chart: alt.TopLevelMixin, *, validate: bool = False) -> dict:
    """The Vega-Lite dict of ``chart`` (named datasets stay unfilled), by default without
    schema validation (the builders are tested against the schema; skipping it saves time
    per rerun). Build once, reuse with :func:`with_data`."""
    return chart.to_dict(validate=validate)


def with_data(chart_spec: dict, **datasets) -> dict:
    """A shallow copy of ``chart_spec`` carrying ``datasets`` (DataFrames or Arrow tables)."""
    out = dict(chart_spec)
    out["datasets"] = dict(datasets)
    return out


def described(builder, words):
    """``builder`` whose charts carry a short text summary, ``words(*args, **kwargs)``:
    what the chart shows and its key number. Vega-Lite's top-level ``description``
    becomes the chart's accessible name in the browser (what a screen reader says for
    it, instead of "Vega visualization")."""
    import functools

    @functools.wraps(builder)
    def build(*args, **kwargs):
        chart = builder(*args, **kwargs)
        try:
            text = words(*args, **kwargs)
        except Exception:  # noqa: BLE001 - a summary never stops a chart
            text = ""
        return chart.properties(description=text) if text else chart

    return build


def peak_text(frame, x: str, y: str, by: str | None = None, *, what: str = "highest") -> str:
    """ "<series>: highest <y> 0.3989 at <x> = 0" for each series of a long-form frame."""
    if not isinstance(frame, pd.DataFrame) or frame.empty or y not in frame or x not in frame:
        return ""
    groups = frame.groupby(by, sort=False) if by and by in frame else [("", frame)]
    parts = []
    for name, g in groups:
        g = g[np.isfinite(pd.to_numeric(g[y], errors="coerce"))]
        if g.empty:
            continue
        row = g.loc[g[y].idxmax() if what == "highest" else g[y].idxmin()]
        head = f"{name}: " if name != "" else ""
        parts.append(f"{head}{what} {y} {number(row[y])} at {x} = {number(row[x])}")
    return "; ".join(parts)
