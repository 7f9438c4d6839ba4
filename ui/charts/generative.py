"""Chart builders for the discriminative-vs-generative page. No Streamlit here.

    points_layer      the training points, coloured by class
    density_chart     contours of p(x | y=c) (ellipses) over the data, optional new samples
    posterior_chart   p(y=1 | x) as a heatmap on a fixed 0..1 colour scale, data on top
    curve_chart       a learning curve: test log-loss or accuracy against training-set size
    with_marker       a spec with one more layer: the probed point as a black ring
    finish, spec      shared configuration (large text) and the Vega-Lite dict

Class 0 is blue and class 1 orange everywhere (PALETTE[0], PALETTE[1]); the two models
get green (generative) and purple (discriminative) so they never look like classes.
"""

from __future__ import annotations

import copy

import altair as alt
import pandas as pd
import pyarrow as pa

from ui.charts import INK, PALETTE, TITLE_SIZE, described, number, spec, unit_title
from ui.charts import finish as _finish

__all__ = [
    "CLASS_COLORS",
    "MODEL_COLORS",
    "MODEL_TITLES",
    "curve_chart",
    "density_chart",
    "arrow_datasets",
    "finish",
    "nats_text",
    "points_layer",
    "posterior_chart",
    "spec",
    "with_marker",
]

SQUARE = 300  # plot width and height in pixels: the plane charts are square
CLASS_COLORS = {"0": PALETTE[0], "1": PALETTE[1]}
MODEL_COLORS = {"generative": PALETTE[2], "discriminative": PALETTE[4]}
MODEL_TITLES = {"generative": "generative", "discriminative": "discriminative"}
# Heatmap of p(y=1|x): light blue (sure of class 0) -> white (0.5) -> light orange (class 1).
HEAT_RANGE = ["#6f97d6", "#f7f7f7", "#f0a15e"]
# Plot area exactly width x height, axes and legend outside it (Streamlit's theme would
# otherwise fit everything into the size and squash the square plane).
PAD = alt.AutoSizeParams(type="pad")


def finish(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """The shared configuration (``ui.charts.finish``); long legend titles kept whole."""
    return _finish(chart, legend={"titleLimit": 400, "titleColor": INK})


def arrow_datasets(chart_spec: dict) -> dict:
    """A copy of a spec whose named data sets are Arrow IPC stream bytes (floats as float32).

    Streamlit passes data sets that are already bytes straight to the browser, so a
    cached spec in this form costs no conversion per rerun (Vega-Lite itself never sees
    the bytes: Streamlit moves them out of the spec).
    """
    out = dict(chart_spec)
    if "datasets" in out:
        encoded = {}
        for name, rows in out["datasets"].items():
            if isinstance(rows, bytes):
                encoded[name] = rows
                continue
            frame = pd.DataFrame(rows)
            floats = frame.select_dtypes("float64").columns
            frame[floats] = frame[floats].astype("float32")  # plenty for pixels, half the bytes
            table = pa.Table.from_pandas(frame, preserve_index=False)
            sink = pa.BufferOutputStream()
            with pa.RecordBatchStreamWriter(sink, table.schema) as writer:
                writer.write_table(table)
            encoded[name] = sink.getvalue().to_pybytes()
        out["datasets"] = encoded
    return out


def nats_text(value: float) -> str:
    """A loss in nats for display (the unit goes in the label): 3 decimals, two
    significant digits under 0.01, ``inf`` for an infinite loss, and a plain phrase when
    there was nothing to score."""
    if value != value:  # NaN: no points were scored
        return "no test points"
    if value == float("inf"):
        return "inf"
    return f"{value:.3f}" if value >= 0.01 or value == 0 else f"{value:.2g}"


def _scales(bounds) -> tuple[alt.Scale, alt.Scale]:
    (x_lo, x_hi), (y_lo, y_hi) = bounds
    return (
        alt.Scale(domain=[float(x_lo), float(x_hi)], nice=False, zero=False),
        alt.Scale(domain=[float(y_lo), float(y_hi)], nice=False, zero=False),
    )


def _axes(bounds) -> tuple[alt.X, alt.Y]:
    sx, sy = _scales(bounds)
    return alt.X("x1:Q", title="x₁", scale=sx), alt.Y("x2:Q", title="x₂", scale=sy)


def _class_scale(title: str | None = "class") -> alt.Color:
    return alt.Color(
        "cls:N",
        title=title,
        scale=alt.Scale(domain=list(CLASS_COLORS), range=list(CLASS_COLORS.values())),
        legend=alt.Legend(title=title, symbolType="circle", symbolSize=140) if title else None,
    )


def points_layer(points: pd.DataFrame, bounds, *, legend: bool = True) -> alt.Chart:
    """Training points (x1, x2, cls with "0"/"1") as filled circles with a white rim."""
    x, y = _axes(bounds)
    return (
        alt.Chart(points)
        .mark_circle(size=42, opacity=0.9, stroke="white", strokeWidth=0.7, clip=True)
        .encode(
            x=x,
            y=y,
            color=_class_scale("class" if legend else None),
            tooltip=[
                alt.Tooltip("cls:N", title="class"),
                alt.Tooltip("x1:Q", format=".2f", title="x₁"),
                alt.Tooltip("x2:Q", format=".2f", title="x₂"),
            ],
        )
    )


def density_chart(
    points: pd.DataFrame,
    ellipses: pd.DataFrame,
    bounds,
    *,
    samples: pd.DataFrame | None = None,
    height: int = SQUARE,
) -> alt.LayerChart:
    """Contours of each fitted class density over the data.

    ``ellipses``: long-form (x1, x2, cls, level, order, density) from
    ``probnn.compare.density_ellipses``; ``samples``: (x1, x2, cls) drawn from the model,
    drawn as crosses.
    """
    x, y = _axes(bounds)
    levels = list(dict.fromkeys(ellipses["level"].tolist()))
    dashes = [[1, 0], [6, 3], [2, 3]][: len(levels)]
    contours = (
        alt.Chart(ellipses)
        .mark_line(strokeWidth=2.5, clip=True)
        .encode(
            x=x,
            y=y,
            order="order:Q",
            color=_class_scale("class"),
            detail="level:N",
            strokeDash=alt.StrokeDash(
                "level:N",
                title="contour holds",
                scale=alt.Scale(domain=levels, range=dashes),
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2.5),
            ),
            tooltip=[
                alt.Tooltip("cls:N", title="class"),
                alt.Tooltip("level:N", title="mass inside"),
                alt.Tooltip("density:Q", format=".3g", title="p(x | y) on contour"),
            ],
        )
    )
    layers = [points_layer(points, bounds).encode(opacity=alt.value(0.55)), contours]
    if samples is not None and len(samples):
        layers.append(
            alt.Chart(samples)
            .mark_point(shape="cross", size=45, filled=True, opacity=0.9, clip=True)
            .encode(
                x=x,
                y=y,
                color=_class_scale(None),
                tooltip=[
                    alt.Tooltip("cls:N", title="generated class"),
                    alt.Tooltip("x1:Q", format=".2f", title="x₁"),
                    alt.Tooltip("x2:Q", format=".2f", title="x₂"),
                ],
            )
        )
    return alt.layer(*layers).properties(height=height, width=height, autosize=PAD)


def posterior_chart(
    grid: pd.DataFrame,
    points: pd.DataFrame,
    bounds,
    *,
    cell: tuple[float, float],
    title: str | None = None,
    height: int = SQUARE,
) -> alt.LayerChart:
    """p(y=1 | x) on a grid as a heatmap (fixed colour scale 0..1) with the data on top.

    ``grid``: (x1, x2, p1) at cell centres; ``cell``: the cell width and height in data
    units. The colour scale is the same for every call, so two heatmaps side by side
    can be compared by eye.
    """
    sx, sy = _scales(bounds)
    heat_scale = alt.Scale(domain=[0.0, 0.5, 1.0], range=HEAT_RANGE, clamp=True)
    half_w, half_h = float(cell[0]) / 2, float(cell[1]) / 2
    heat = (
        alt.Chart(grid)
        .transform_calculate(
            x_lo=f"datum.x1 - {half_w * 1.04!r}",
            x_hi=f"datum.x1 + {half_w * 1.04!r}",
            y_lo=f"datum.x2 - {half_h * 1.04!r}",
            y_hi=f"datum.x2 + {half_h * 1.04!r}",
        )
        .mark_rect(clip=True, strokeWidth=0.6)
        .encode(
            x=alt.X("x_lo:Q", title="x₁", scale=sx),
            x2="x_hi:Q",
            y=alt.Y("y_lo:Q", title="x₂", scale=sy),
            y2="y_hi:Q",
            # the same colour as a thin stroke hides the seams between cells
            stroke=alt.Stroke("p1:Q", scale=heat_scale, legend=None),
            color=alt.Color(
                "p1:Q",
                title="p(y=1 | x)",
                scale=heat_scale,
                legend=alt.Legend(orient="top", gradientLength=220, values=[0, 0.25, 0.5, 0.75, 1]),
            ),
            tooltip=[
                alt.Tooltip("p1:Q", format=".3f", title="p(y=1 | x)"),
                alt.Tooltip("x1:Q", format=".2f", title="x₁"),
                alt.Tooltip("x2:Q", format=".2f", title="x₂"),
            ],
        )
    )
    chart = alt.layer(heat, points_layer(points, bounds, legend=False)).resolve_scale(
        color="independent"
    )
    chart = chart.properties(height=height, width=height, autosize=PAD)
    if title:
        chart = chart.properties(title=alt.TitleParams(title, fontSize=TITLE_SIZE, anchor="start"))
    return chart


_METRICS = {
    "log_loss": ("test log-loss", "nats", False),
    "accuracy": ("test accuracy", None, True),
}


def curve_chart(
    summary: pd.DataFrame, metric: str, *, width: int = 290, height: int = 220
) -> alt.LayerChart:
    """A learning curve from ``probnn.compare.summarise_curve``: mean over seeds as a
    line with points, the min..max range over seeds as a band; x on a log scale.

    ``summary``: long-form (size, model, metric, mean, lo, hi); ``metric`` is
    "log_loss" (nats) or "accuracy".
    """
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {', '.join(_METRICS)}, got {metric!r}.")
    name, unit, _ = _METRICS[metric]
    frame = summary[summary["metric"] == metric].copy()
    frame["model_title"] = frame["model"].map(MODEL_TITLES)
    sizes = sorted(int(v) for v in frame["size"].unique())
    color = alt.Color(
        "model_title:N",
        title="model",
        scale=alt.Scale(
            domain=[MODEL_TITLES[m] for m in MODEL_COLORS], range=list(MODEL_COLORS.values())
        ),
    )
    x = alt.X(
        "size:Q",
        title="training points (log scale)",
        scale=alt.Scale(type="log", domain=[sizes[0], sizes[-1]], nice=False),
        axis=alt.Axis(values=sizes, format="d"),
    )
    title = unit_title(name, unit)
    y_scale = alt.Scale(zero=metric != "accuracy")
    base = alt.Chart(frame)
    band = base.mark_area(opacity=0.18).encode(
        x=x, y=alt.Y("lo:Q", title=title, scale=y_scale), y2="hi:Q", color=color
    )
    line = base.mark_line(strokeWidth=3, point=alt.OverlayMarkDef(size=70)).encode(
        x=x,
        y=alt.Y("mean:Q", title=title, scale=y_scale),
        color=color,
        tooltip=[
            alt.Tooltip("model_title:N", title="model"),
            alt.Tooltip("size:Q", title="training points"),
            alt.Tooltip("mean:Q", format=".3f", title=f"mean {title}"),
            alt.Tooltip("lo:Q", format=".3f", title="lowest seed"),
            alt.Tooltip("hi:Q", format=".3f", title="highest seed"),
        ],
    )
    return alt.layer(band, line).properties(height=height, width=width, autosize=PAD)


def with_marker(chart_spec: dict, x1: float, x2: float) -> dict:
    """A copy of a plane chart's spec with one more layer: a black ring at (x1, x2).

    Adding the marker to a cached spec avoids rebuilding the whole chart when only the
    probed point moves.
    """
    out = copy.copy(chart_spec)
    first = chart_spec["layer"][-1]
    enc = first["encoding"]
    ring = {
        "mark": {
            "type": "point",
            "shape": "circle",
            "size": 320,
            "filled": False,
            "strokeWidth": 3.5,
            "color": "#111111",
            "clip": True,
        },
        "data": {"values": [{"x1": float(x1), "x2": float(x2)}]},
        "encoding": {
            "x": {"field": "x1", "type": "quantitative", "scale": enc["x"].get("scale")},
            "y": {"field": "x2", "type": "quantitative", "scale": enc["y"].get("scale")},
            "tooltip": [
                {"field": "x1", "type": "quantitative", "format": ".2f", "title": "probe x₁"},
                {"field": "x2", "type": "quantitative", "format": ".2f", "title": "probe x₂"},
            ],
        },
    }
    out["layer"] = [*chart_spec["layer"], ring]
    return out


# A short text summary of each chart (its accessible name): what it shows, its key number.
def _density_words(points, ellipses, bounds, **_):
    n = len(points) if isinstance(points, pd.DataFrame) else 0
    return f"The {n} training points by class, with contours of each class's fitted Gaussian density p(x | y)."


def _posterior_words(grid, points, bounds, **_):
    if isinstance(grid, pd.DataFrame) and "p1" in grid and len(grid):
        share = float((grid["p1"] > 0.5).mean())
        return (
            f"p(y = 1 | x) over the plane as colour, from 0 to 1, with the data on top; "
            f"class 1 is the more probable on {share:.0%} of the plane."
        )
    return "p(y = 1 | x) over the plane as colour, from 0 to 1, with the data on top."


def _curve_words(summary, metric, **_):
    frame = summary[summary["metric"] == metric]
    if frame.empty:
        return ""
    biggest = frame[frame["size"] == frame["size"].max()]
    ends = "; ".join(
        f"{MODEL_TITLES.get(r.model, r.model)}: {number(r.mean)}" for r in biggest.itertuples()
    )
    return f"A learning curve: mean {metric.replace('_', ' ')} over seeds against the training-set size. At {int(biggest['size'].iloc[0])} points, {ends}."


density_chart = described(density_chart, _density_words)
posterior_chart = described(posterior_chart, _posterior_words)
curve_chart = described(curve_chart, _curve_words)
