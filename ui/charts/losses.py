"""Charts for the "Derive a loss" page: per-example loss curves and one sample fitted three ways.

Pure builders: a long-form DataFrame from ``probnn.scoring`` in, ``alt.Chart`` out. Every
y axis carries its unit (nats); curves that shoot off to infinity are clipped to a
readable range, and the caption on the page says so.

Every builder also takes the *name* of a dataset (a string) in place of a DataFrame. The
spec then holds no numbers and no series names, so it does not change with the settings:
a page turns it into a dict once (:func:`spec`) and sends it with fresh data
(:func:`with_data`) whenever a setting changes, skipping Altair's slow spec building. The
named data is the scoring frame passed through the builder's ``*_data`` function, which
adds what the spec reads from the data: ``order`` (the series' legend and colour order,
0, 1, ...), and where used ``kind`` (dashed squared error) or ``chosen`` (the thick curve).
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from ui.charts import HEIGHT, PALETTE, described, unit_title, with_data
from ui.charts import spec as _spec

__all__ = [
    "FIT_COLORS",
    "FIT_LABELS",
    "bernoulli_chart",
    "bernoulli_data",
    "categorical_chart",
    "categorical_data",
    "fits_chart",
    "poisson_chart",
    "poisson_data",
    "regression_chart",
    "regression_data",
    "spec",
    "with_data",
]


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite dict, checked against the schema. Build once, reuse."""
    return _spec(chart, validate=True)


NATS = "nats"
TALL = HEIGHT + 80  # per-example charts: the legend sits below the plot inside this height

Data = pd.DataFrame | str


def _source(data: Data):
    """A DataFrame as inline data, a string as a named dataset filled in later."""
    return alt.NamedData(name=data) if isinstance(data, str) else data


def _chart(data: Data, height: int) -> alt.Chart:
    return alt.Chart(_source(data)).properties(height=height, width="container")


def _big(chart):
    """Axis and legend text large enough to read on a projector."""
    return chart.configure_axis(
        labelFontSize=16, titleFontSize=17, titleFontWeight="normal", labelColor="#333333",
        titleColor="#222222",
    ).configure_legend(labelFontSize=16, labelColor="#222222")  # fmt: skip


FIT_LABELS = {
    "gaussian": "Gaussian (least squares)",
    "laplace": "Laplace (least absolute)",
    "student_t": "Student-t (robust)",
}
FIT_COLORS = {"gaussian": PALETTE[0], "laplace": PALETTE[2], "student_t": PALETTE[3]}


def _colour(colours: list[str] | None = None, **legend: Any) -> alt.Color:
    """Colour by series, in the data's ``order``: the spec names no series, the data does."""
    return alt.Color(
        "series:N",
        sort=alt.EncodingSortField(field="order", op="min"),
        scale=alt.Scale(range=colours or PALETTE),
        legend=_legend(**legend),
    )


def _legend(columns: int = 2, title: str | None = None) -> alt.Legend:
    return alt.Legend(orient="bottom", title=title, columns=columns, labelLimit=320,
                      labelFontSize=16, symbolStrokeWidth=3)  # fmt: skip


def _ordered(frame: pd.DataFrame, columns: list[str], **extra: Any) -> pd.DataFrame:
    """``columns`` of ``frame`` plus ``order``: each series' place in order of appearance."""
    codes, _ = pd.factorize(frame["series"])
    return frame[columns].assign(order=codes, **extra)


def bernoulli_data(frame: pd.DataFrame) -> pd.DataFrame:
    """``scoring.bernoulli_curves()`` as :func:`bernoulli_chart` draws it: z, pi, loss,
    series, order and kind ("NLL", or "squared error" for series whose name holds "½")."""
    kind = ["squared error" if "½" in s else "NLL" for s in frame["series"]]
    return _ordered(frame, ["z", "pi", "loss", "series"], kind=kind)


def bernoulli_chart(frame: Data, x: str = "pi", height: int = TALL) -> alt.Chart:
    """Loss (nats) of one example for y = 1 and y = 0 against pi (``x="pi"``) or the logit z.

    ``frame`` is ``scoring.bernoulli_curves()`` (columns z, pi, label, loss, series), or the
    name of a dataset holding its :func:`bernoulli_data`. Squared error is dashed.
    """
    if x not in {"pi", "z"}:
        raise ValueError(f"x must be 'pi' or 'z', got {x!r}")
    title = "predicted probability π = σ(z)" if x == "pi" else "logit z (network output)"
    if not isinstance(frame, str):
        frame = bernoulli_data(frame)
    return _big(
        _chart(frame, height)
        .mark_line(strokeWidth=3, clip=True)
        .encode(
            x=alt.X(f"{x}:Q", title=title,
                    scale=alt.Scale(domain=[0, 1] if x == "pi" else [-8, 8])),
            y=alt.Y("loss:Q", title=unit_title("loss", NATS),
                    scale=alt.Scale(domain=[0, 6])),
            color=_colour([PALETTE[0], PALETTE[1], PALETTE[0], PALETTE[1]]),
            strokeDash=alt.StrokeDash(
                "kind:N", scale=alt.Scale(domain=["NLL", "squared error"], range=[[1, 0], [6, 4]]),
                legend=None),
            tooltip=[alt.Tooltip("series:N", title="loss"), alt.Tooltip("z:Q", format=".2f"),
                     alt.Tooltip("pi:Q", title="π", format=".4f"),
                     alt.Tooltip("loss:Q", title="loss (nats)", format=".4f")],
        )
    )  # fmt: skip


def categorical_data(frame: pd.DataFrame) -> pd.DataFrame:
    """``scoring.categorical_curves()`` as :func:`categorical_chart` draws it: margin,
    p_true, loss, series and order."""
    return _ordered(frame, ["margin", "p_true", "loss", "series"])


def categorical_chart(frame: Data, x: str = "p_true", height: int = TALL) -> alt.Chart:
    """Loss (nats) of one example against the true class's probability or its logit margin.

    ``frame`` is ``scoring.categorical_curves()`` (columns margin, p_true, loss, series), or
    the name of a dataset holding its :func:`categorical_data`.
    """
    if x not in {"p_true", "margin"}:
        raise ValueError(f"x must be 'p_true' or 'margin', got {x!r}")
    title = (
        "probability of the true class  p_y"
        if x == "p_true"
        else "logit margin: true class minus each other class"
    )
    if not isinstance(frame, str):
        frame = categorical_data(frame)
    return _big(
        _chart(frame, height)
        .mark_line(strokeWidth=3, clip=True)
        .encode(
            x=alt.X(f"{x}:Q", title=title,
                    scale=alt.Scale(domain=[0, 1] if x == "p_true" else [-6, 12])),
            y=alt.Y("loss:Q", title=unit_title("loss", NATS),
                    scale=alt.Scale(domain=[0, 6])),
            color=_colour(),
            tooltip=[alt.Tooltip("series:N", title="loss"),
                     alt.Tooltip("p_true:Q", title="p_y", format=".4f"),
                     alt.Tooltip("margin:Q", format=".2f"),
                     alt.Tooltip("loss:Q", title="loss (nats)", format=".4f")],
        )
    )  # fmt: skip


def regression_data(
    frame: pd.DataFrame, highlight: str | None = None, what: str | None = None
) -> pd.DataFrame:
    """``scoring.regression_curves()`` as :func:`regression_chart` draws it: residual,
    series, loss and pull (only ``what`` when given), order, and chosen (the series whose
    name starts with ``highlight``, drawn thicker)."""
    drawn = ["loss", "pull"] if what is None else [what]
    chosen = [bool(highlight) and s.startswith(highlight) for s in frame["series"]]
    return _ordered(frame, ["residual", "series", *drawn], chosen=chosen)


def regression_chart(
    frame: Data,
    what: str = "loss",
    highlight: str | None = None,
    height: int = TALL,
) -> alt.Chart:
    """Loss above its minimum (``what="loss"``) or pull d loss / d r (``"pull"``) vs the residual.

    ``frame`` is ``scoring.regression_curves()`` (columns residual, series, family, loss,
    pull), whose series starting with ``highlight`` is drawn thicker; or the name of a
    dataset holding its :func:`regression_data` (which then says which series is thick).
    """
    if what not in {"loss", "pull"}:
        raise ValueError(f"what must be 'loss' or 'pull', got {what!r}")
    if not isinstance(frame, str):  # only the columns drawn: the spec carries its data
        frame = regression_data(frame, highlight, what)
    if what == "loss":
        y = alt.Y("loss:Q", title="extra loss over r = 0", scale=alt.Scale(domain=[0, 8]))
    else:
        y = alt.Y("pull:Q", title="pull  d loss / d r", scale=alt.Scale(domain=[-3, 3]))
    return _big(
        _chart(frame, height)
        .mark_line(clip=True)
        .encode(
            x=alt.X("residual:Q", title="residual r = y − μ (target minus prediction)"),
            y=y,
            color=_colour(),
            strokeWidth=alt.StrokeWidth(
                "chosen:O", scale=alt.Scale(domain=[False, True], range=[2.5, 5]), legend=None),
            tooltip=[alt.Tooltip("series:N", title="loss"),
                     alt.Tooltip("residual:Q", title="r", format=".2f"),
                     alt.Tooltip(f"{what}:Q", format=".4f")],
        )
    )  # fmt: skip


def poisson_data(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``scoring.poisson_curves()`` as :func:`poisson_chart` draws it: the curves (rate,
    count, series, loss, order) and their minima (the lowest row of each curve, except for
    count 0, whose loss keeps falling as the rate goes to 0)."""
    curves = _ordered(frame, ["rate", "count", "series", "loss"])
    lowest = curves.loc[curves.groupby("series", sort=False)["loss"].idxmin()]
    return curves, lowest[lowest["count"] > 0]


def poisson_chart(
    frame: Data, height: int = TALL, *, minima: str = "minima", columns: int = 4
) -> alt.Chart:
    """Poisson NLL (nats) of one count against the predicted rate, a dot at each minimum.

    ``frame`` is ``scoring.poisson_curves()`` (columns rate, count, series, loss), or the
    name of a dataset holding the curves of its :func:`poisson_data`; ``minima`` then names
    the dataset holding the minima. ``columns``: legend entries per row.
    """
    if isinstance(frame, str):
        lines_data, dots_data = frame, minima
    else:
        lines_data, dots_data = poisson_data(frame)
    colour = _colour(columns=columns, title="observed count")
    tooltip = [alt.Tooltip("series:N", title="count"),
               alt.Tooltip("rate:Q", title="rate λ", format=".2f"),
               alt.Tooltip("loss:Q", title="loss (nats)", format=".4f")]  # fmt: skip
    x = alt.X("rate:Q", title="predicted rate λ = exp(η)  (expected count)")
    y = alt.Y("loss:Q", title=unit_title("loss", NATS),
              scale=alt.Scale(domain=[0, 10]))  # fmt: skip
    lines = (
        _chart(lines_data, height)
        .mark_line(strokeWidth=3, clip=True)
        .encode(x=x, y=y, color=colour, tooltip=tooltip)
    )
    dots = alt.Chart(_source(dots_data)).mark_point(size=120, filled=True).encode(
        x="rate:Q", y="loss:Q", color=colour, tooltip=tooltip)  # fmt: skip
    return _big(lines + dots)


def fits_chart(
    points: Data,
    lines: Data,
    height: int = HEIGHT + 60,
    *,
    kinds: list[str] | None = None,
) -> alt.Chart:
    """A sample as dots (the outlier in red) and one fitted line per likelihood.

    ``points``: columns x, y, point ("sample" | "outlier"). ``lines``: columns x, y, fit
    (a key of ``FIT_LABELS``) and label (its ``FIT_LABELS`` text, added when missing from a
    DataFrame). Either may be a dataset name; then ``kinds`` (the fits, in legend order)
    is given, or defaults to every key of ``FIT_LABELS``.
    """
    if kinds is None:
        kinds = list(FIT_LABELS) if isinstance(lines, str) else list(dict.fromkeys(lines["fit"]))
    kinds = list(kinds)
    labels = [FIT_LABELS.get(k, k) for k in kinds]
    if not isinstance(lines, str) and "label" not in lines:
        lines = lines.assign(label=[FIT_LABELS.get(k, k) for k in lines["fit"]])
    # colour and dash share one legend (the same field; different settings would conflict)
    fits_legend = alt.Legend(orient="top-left", title="fitted under", columns=1,
                             fillColor="white", padding=8, labelLimit=320,
                             symbolStrokeWidth=3, symbolSize=300)  # fmt: skip
    colour = alt.Color("label:N", scale=alt.Scale(domain=labels,
                       range=[FIT_COLORS.get(k, PALETTE[7]) for k in kinds]),
                       legend=fits_legend)  # fmt: skip
    drawn = (
        _chart(lines, height)
        .mark_line(strokeWidth=3.5)
        .encode(
            x=alt.X("x:Q", title="input x"),
            y=alt.Y("y:Q", title="target y"),
            color=colour,
            strokeDash=alt.StrokeDash("label:N", scale=alt.Scale(
                domain=labels, range=[[1, 0], [8, 4], [2, 3]][: len(labels)]), legend=fits_legend),
            tooltip=[alt.Tooltip("label:N", title="fitted under")],
        )
    )  # fmt: skip
    dots = (
        alt.Chart(_source(points))
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


# A short text summary of each chart (its accessible name): what it shows, its key number.
def _bernoulli_words(frame, x="pi", **_):
    return (
        "The loss in nats of one example with label y = 1 and with y = 0, against the "
        + ("predicted probability pi." if x == "pi" else "logit z.")
        + " Cross-entropy grows without bound where the model is confidently wrong; "
        "squared error stays below 1."
    )


def _categorical_words(frame, x="p_true", **_):
    return (
        "The loss in nats of one example against "
        + (
            "the probability of its true class."
            if x == "p_true"
            else "the logit margin of its true class."
        )
        + " It is 0 when that probability is 1 and grows without bound as it goes to 0."
    )


def _regression_words(frame, what="loss", highlight=None, **_):
    shown = "the loss above its minimum" if what == "loss" else "the pull d loss / d r"
    return f"For each likelihood, {shown} against the residual r = y - mu; zero at r = 0."


def _poisson_words(frame, **_):
    return "The Poisson loss in nats of one count against the predicted rate; each curve is lowest where the rate equals the count."


def _fits_words(points, lines, **_):
    return "A sample as dots (the outlier in red) and the line fitted under each likelihood: Gaussian, Laplace and Student-t."


bernoulli_chart = described(bernoulli_chart, _bernoulli_words)
categorical_chart = described(categorical_chart, _categorical_words)
regression_chart = described(regression_chart, _regression_words)
poisson_chart = described(poisson_chart, _poisson_words)
fits_chart = described(fits_chart, _fits_words)
