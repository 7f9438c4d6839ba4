"""Charts for the "Derive a loss" page: per-example loss curves and one sample fitted three ways.

Pure builders: a long-form DataFrame from ``probnn.scoring`` in, ``alt.Chart`` out. Every
y axis carries its unit (nats); curves that shoot off to infinity are clipped to a
readable range, and the caption on the page says so.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.charts import HEIGHT, PALETTE, base, unit_title

__all__ = [
    "FIT_COLORS",
    "FIT_LABELS",
    "bernoulli_chart",
    "categorical_chart",
    "fits_chart",
    "poisson_chart",
    "regression_chart",
]

NATS = "nats"
TALL = HEIGHT + 80  # per-example charts: the legend sits below the plot inside this height


def _big(chart):
    """Axis and legend text large enough to read on a projector."""
    return chart.configure_axis(
        labelFontSize=14, titleFontSize=15, titleFontWeight="normal", labelColor="#333333",
        titleColor="#222222",
    ).configure_legend(labelFontSize=14, labelColor="#222222")  # fmt: skip


FIT_LABELS = {
    "gaussian": "Gaussian (least squares)",
    "laplace": "Laplace (least absolute)",
    "student_t": "Student-t (robust)",
}
FIT_COLORS = {"gaussian": PALETTE[0], "laplace": PALETTE[2], "student_t": PALETTE[3]}


def _colour(series: list[str], colours: list[str] | None = None) -> alt.Scale:
    return alt.Scale(domain=series, range=(colours or PALETTE)[: len(series)])


def _legend(columns: int = 2) -> alt.Legend:
    return alt.Legend(orient="bottom", title=None, columns=columns, labelLimit=320,
                      labelFontSize=14, symbolStrokeWidth=3)  # fmt: skip


def _series(frame: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(frame["series"]))


def bernoulli_chart(frame: pd.DataFrame, x: str = "pi", height: int = TALL) -> alt.Chart:
    """Loss (nats) of one example for y = 1 and y = 0 against pi (``x="pi"``) or the logit z.

    ``frame`` is ``scoring.bernoulli_curves()``: columns z, pi, label, loss, series.
    Squared-error series (their name holds "½") are dashed.
    """
    if x not in {"pi", "z"}:
        raise ValueError(f"x must be 'pi' or 'z', got {x!r}")
    title = "predicted probability π = σ(z)" if x == "pi" else "logit z (network output)"
    series = _series(frame)
    colours = [PALETTE[0], PALETTE[1], PALETTE[0], PALETTE[1]]
    frame = frame.assign(kind=["squared error" if "½" in s else "NLL" for s in frame["series"]])
    return _big(
        base(frame, height)
        .mark_line(strokeWidth=3, clip=True)
        .encode(
            x=alt.X(f"{x}:Q", title=title,
                    scale=alt.Scale(domain=[0, 1] if x == "pi" else [-8, 8])),
            y=alt.Y("loss:Q", title=unit_title("loss", NATS),
                    scale=alt.Scale(domain=[0, 6])),
            color=alt.Color("series:N", scale=_colour(series, colours), legend=_legend()),
            strokeDash=alt.StrokeDash(
                "kind:N", scale=alt.Scale(domain=["NLL", "squared error"], range=[[1, 0], [6, 4]]),
                legend=None),
            tooltip=[alt.Tooltip("series:N", title="loss"), alt.Tooltip("z:Q", format=".2f"),
                     alt.Tooltip("pi:Q", title="π", format=".4f"),
                     alt.Tooltip("loss:Q", title="loss (nats)", format=".4f")],
        )
    )  # fmt: skip


def categorical_chart(frame: pd.DataFrame, x: str = "p_true", height: int = TALL) -> alt.Chart:
    """Loss (nats) of one example against the true class's probability or its logit margin.

    ``frame`` is ``scoring.categorical_curves()``: columns margin, p_true, loss, series.
    """
    if x not in {"p_true", "margin"}:
        raise ValueError(f"x must be 'p_true' or 'margin', got {x!r}")
    title = (
        "probability of the true class  p_y"
        if x == "p_true"
        else "logit margin: true class minus each other class"
    )
    series = _series(frame)
    return _big(
        base(frame, height)
        .mark_line(strokeWidth=3, clip=True)
        .encode(
            x=alt.X(f"{x}:Q", title=title,
                    scale=alt.Scale(domain=[0, 1] if x == "p_true" else [-6, 12])),
            y=alt.Y("loss:Q", title=unit_title("loss", NATS),
                    scale=alt.Scale(domain=[0, 6])),
            color=alt.Color("series:N", scale=_colour(series), legend=_legend()),
            tooltip=[alt.Tooltip("series:N", title="loss"),
                     alt.Tooltip("p_true:Q", title="p_y", format=".4f"),
                     alt.Tooltip("margin:Q", format=".2f"),
                     alt.Tooltip("loss:Q", title="loss (nats)", format=".4f")],
        )
    )  # fmt: skip


def regression_chart(
    frame: pd.DataFrame,
    what: str = "loss",
    highlight: str | None = None,
    height: int = TALL,
) -> alt.Chart:
    """Loss above its minimum (``what="loss"``) or pull d loss / d r (``"pull"``) vs the residual.

    ``frame`` is ``scoring.regression_curves()``: columns residual, series, family, loss,
    pull. The series whose name starts with ``highlight`` is drawn thicker.
    """
    if what not in {"loss", "pull"}:
        raise ValueError(f"what must be 'loss' or 'pull', got {what!r}")
    series = _series(frame)
    frame = frame[["residual", "series", what]].assign(
        chosen=[bool(highlight) and s.startswith(highlight) for s in frame["series"]]
    )  # only the columns drawn: the spec carries its data on every rerun
    if what == "loss":
        y = alt.Y("loss:Q", title="extra loss over r = 0", scale=alt.Scale(domain=[0, 8]))
    else:
        y = alt.Y("pull:Q", title="pull  d loss / d r", scale=alt.Scale(domain=[-3, 3]))
    return _big(
        base(frame, height)
        .mark_line(clip=True)
        .encode(
            x=alt.X("residual:Q", title="residual r = y − μ (target minus prediction)"),
            y=y,
            color=alt.Color("series:N", scale=_colour(series), legend=_legend()),
            strokeWidth=alt.StrokeWidth(
                "chosen:O", scale=alt.Scale(domain=[False, True], range=[2.5, 5]), legend=None),
            tooltip=[alt.Tooltip("series:N", title="loss"),
                     alt.Tooltip("residual:Q", title="r", format=".2f"),
                     alt.Tooltip(f"{what}:Q", format=".4f")],
        )
    )  # fmt: skip


def poisson_chart(frame: pd.DataFrame, height: int = TALL) -> alt.Chart:
    """Poisson NLL (nats) of one count against the predicted rate, a dot at each minimum.

    ``frame`` is ``scoring.poisson_curves()``: columns rate, count, series, loss.
    """
    series = _series(frame)
    lowest = frame.loc[frame.groupby("series", sort=False)["loss"].idxmin()]
    lowest = lowest[lowest["count"] > 0]
    colour = alt.Color("series:N", scale=_colour(series), legend=_legend(len(series)),
                       title="observed count")  # fmt: skip
    tooltip = [alt.Tooltip("series:N", title="count"),
               alt.Tooltip("rate:Q", title="rate λ", format=".2f"),
               alt.Tooltip("loss:Q", title="loss (nats)", format=".4f")]  # fmt: skip
    x = alt.X("rate:Q", title="predicted rate λ = exp(η)  (expected count)")
    y = alt.Y("loss:Q", title=unit_title("loss", NATS),
              scale=alt.Scale(domain=[0, 10]))  # fmt: skip
    lines = (
        base(frame, height)
        .mark_line(strokeWidth=3, clip=True)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    dots = alt.Chart(lowest).mark_point(size=120, filled=True).encode(
        x="rate:Q", y="loss:Q", color=colour, tooltip=tooltip)  # fmt: skip
    return _big(lines + dots)


def fits_chart(points: pd.DataFrame, lines: pd.DataFrame, height: int = HEIGHT + 60) -> alt.Chart:
    """A sample as dots (the outlier in red) and one fitted line per likelihood.

    ``points``: columns x, y, point ("sample" | "outlier"). ``lines``: columns x, y, fit
    (a key of ``FIT_LABELS``), label.
    """
    kinds = list(dict.fromkeys(lines["fit"]))
    labels = [FIT_LABELS.get(k, k) for k in kinds]
    lines = lines.assign(label=[FIT_LABELS.get(k, k) for k in lines["fit"]])
    colour = alt.Color("label:N", scale=alt.Scale(domain=labels,
                       range=[FIT_COLORS.get(k, PALETTE[7]) for k in kinds]),
                       legend=alt.Legend(orient="top-left", title="fitted under", columns=1,
                                         fillColor="white", padding=8, labelLimit=320,
                                         symbolStrokeWidth=3, symbolSize=300))  # fmt: skip
    drawn = (
        base(lines, height)
        .mark_line(strokeWidth=3.5)
        .encode(
            x=alt.X("x:Q", title="input x"),
            y=alt.Y("y:Q", title="target y"),
            color=colour,
            strokeDash=alt.StrokeDash("label:N", scale=alt.Scale(
                domain=labels, range=[[1, 0], [8, 4], [2, 3]][: len(labels)]), legend=None),
            tooltip=[alt.Tooltip("label:N", title="fitted under")],
        )
    )  # fmt: skip
    dots = (
        alt.Chart(points)
        .mark_circle(size=110, opacity=0.9, stroke="white", strokeWidth=1)
        .encode(
            x="x:Q",
            y="y:Q",
            fill=alt.Fill("point:N", scale=alt.Scale(domain=["sample", "outlier"],
                          range=[PALETTE[7], "#d62728"]), legend=None),
            tooltip=[alt.Tooltip("point:N"), alt.Tooltip("x:Q", format=".2f"),
                     alt.Tooltip("y:Q", format=".2f")],
        )
    )  # fmt: skip
    return _big(drawn + dots)
