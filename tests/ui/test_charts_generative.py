"""Chart builders of the discriminative-vs-generative page, tested through their specs."""

import json
import math

import altair as alt
import numpy as np
import pandas as pd
import pytest

from ui.charts import generative as charts

BOUNDS = ((-2.0, 2.0), (-1.5, 2.5))
POINTS = pd.DataFrame({"x1": [0.0, 1.0, -1.0], "x2": [0.5, -0.5, 1.0], "cls": ["0", "1", "1"]})


def layers(chart) -> list[dict]:
    return chart.to_dict()["layer"]  # validates against the Vega-Lite schema


def ellipses() -> pd.DataFrame:
    t = np.linspace(0, 2 * np.pi, 8)
    rows = []
    for cls in ("0", "1"):
        for level in ("50%", "90%"):
            rows.append(
                pd.DataFrame(
                    {
                        "x1": np.cos(t),
                        "x2": np.sin(t),
                        "cls": cls,
                        "level": level,
                        "order": np.arange(8),
                        "density": 0.1,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def grid() -> pd.DataFrame:
    xs, ys = np.linspace(-2, 2, 5), np.linspace(-1.5, 2.5, 5)
    gx, gy = np.meshgrid(xs, ys)
    return pd.DataFrame({"x1": gx.ravel(), "x2": gy.ravel(), "p1": np.linspace(0, 1, 25)})


def test_posterior_heatmap_has_a_fixed_colour_scale_and_the_data_on_top():
    chart = charts.posterior_chart(grid(), POINTS, BOUNDS, cell=(1.0, 1.0))
    heat, dots = layers(chart)
    assert heat["mark"]["type"] == "rect"
    scale = heat["encoding"]["color"]["scale"]
    assert scale["domain"] == [0.0, 0.5, 1.0] and scale["range"] == charts.HEAT_RANGE
    assert heat["encoding"]["color"]["title"] == "p(y=1 | x)"
    # cells are centred on the grid points: half a cell either side
    calc = {t["as"]: t["calculate"] for t in heat["transform"]}
    assert calc["x_lo"].startswith("datum.x1 - 0.5") and calc["y_hi"].startswith("datum.x2 + 0.5")
    # the same data window on both layers, and classes in their fixed colours
    assert heat["encoding"]["x"]["scale"]["domain"] == [-2.0, 2.0]
    assert dots["encoding"]["y"]["scale"]["domain"] == [-1.5, 2.5]
    assert dots["encoding"]["color"]["scale"]["range"] == [charts.PALETTE[0], charts.PALETTE[1]]
    spec = chart.to_dict()
    assert spec["width"] == spec["height"] == charts.SQUARE  # a square plane


def test_two_heatmaps_share_one_scale():
    a = charts.posterior_chart(grid(), POINTS, BOUNDS, cell=(1.0, 1.0), title="generative")
    b = charts.posterior_chart(grid().assign(p1=0.3), POINTS, BOUNDS, cell=(1.0, 1.0))
    assert layers(a)[0]["encoding"]["color"] == layers(b)[0]["encoding"]["color"]


def test_density_chart_draws_each_contour_as_its_own_line():
    chart = charts.density_chart(POINTS, ellipses(), BOUNDS)
    dots, contours = layers(chart)
    enc = contours["encoding"]
    assert contours["mark"]["type"] == "line"
    assert enc["detail"]["field"] == "level" and enc["order"]["field"] == "order"
    assert enc["strokeDash"]["scale"]["domain"] == ["50%", "90%"]
    assert enc["color"]["field"] == "cls"


def test_density_chart_overlays_samples_as_crosses():
    samples = pd.DataFrame({"x1": [0.2], "x2": [0.1], "cls": ["1"]})
    chart = charts.density_chart(POINTS, ellipses(), BOUNDS, samples=samples)
    last = layers(chart)[-1]
    assert last["mark"]["shape"] == "cross"
    assert (
        len(layers(charts.density_chart(POINTS, ellipses(), BOUNDS, samples=samples.iloc[:0]))) == 2
    )


def summary() -> pd.DataFrame:
    rows = []
    for size in (10, 100):
        for model in ("generative", "discriminative"):
            for metric, value in (("log_loss", 0.5 if size == 10 else 0.2), ("accuracy", 0.9)):
                rows.append(
                    dict(
                        size=size,
                        model=model,
                        metric=metric,
                        mean=value,
                        lo=value - 0.05,
                        hi=value + 0.05,
                    )
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "metric,title", [("log_loss", "test log-loss (nats)"), ("accuracy", "test accuracy")]
)
def test_curve_chart_has_a_log_size_axis_and_a_band(metric, title):
    chart = charts.curve_chart(summary(), metric)
    band, line = layers(chart)
    assert band["mark"]["type"] == "area" and band["encoding"]["y2"]["field"] == "hi"
    assert line["encoding"]["y"]["title"] == title
    assert line["encoding"]["x"]["scale"]["type"] == "log"
    assert line["encoding"]["x"]["axis"]["values"] == [10, 100]
    assert line["encoding"]["x"]["scale"]["domain"] == [10, 100]  # no empty decade
    colours = line["encoding"]["color"]["scale"]
    assert colours["domain"] == ["generative", "discriminative"]
    data = chart.to_dict()["datasets"]
    (rows,) = data.values()
    assert {r["metric"] for r in rows} == {metric} and len(rows) == 4


def test_curve_chart_rejects_an_unknown_metric():
    with pytest.raises(ValueError, match="log_loss"):
        charts.curve_chart(summary(), "f1")


def test_with_marker_adds_one_ring_and_leaves_the_cached_spec_alone():
    spec = charts.spec(charts.finish(charts.posterior_chart(grid(), POINTS, BOUNDS, cell=(1, 1))))
    before = json.dumps(spec, sort_keys=True)
    marked = charts.with_marker(spec, 0.25, -0.75)
    assert json.dumps(spec, sort_keys=True) == before
    assert len(marked["layer"]) == len(spec["layer"]) + 1
    ring = marked["layer"][-1]
    assert ring["data"]["values"] == [{"x1": 0.25, "x2": -0.75}]
    assert ring["encoding"]["x"]["scale"]["domain"] == [-2.0, 2.0]
    # the result is still a valid Vega-Lite spec
    alt.Chart.from_dict(marked)


@pytest.mark.parametrize(
    "value,text",
    [
        (0.2, "0.200"),
        (0.0012, "0.0012"),
        (0.0, "0.000"),
        (math.inf, "inf"),
        (math.nan, "no test points"),
    ],
)
def test_nats_text(value, text):
    assert charts.nats_text(value) == text


def test_finish_enlarges_the_text():
    config = charts.finish(charts.points_layer(POINTS, BOUNDS)).to_dict()["config"]
    assert config["axis"]["labelFontSize"] >= 14 and config["legend"]["labelFontSize"] >= 14
