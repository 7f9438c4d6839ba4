"""ui.charts.losses: chart specs built from probnn.scoring frames, checked through to_dict()."""

import json

import pandas as pd
import pytest

from probnn import scoring
from ui.charts import PALETTE
from ui.charts import losses as charts


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def _data(spec: dict, layer: dict) -> list[dict]:
    name = layer.get("data", spec.get("data", {})).get("name")
    return spec["datasets"][name]


def _no_nan(spec: dict) -> None:
    text = json.dumps(spec)
    assert "NaN" not in text and "Infinity" not in text


@pytest.mark.parametrize("x", ["pi", "z"])
def test_bernoulli_chart(x):
    frame = scoring.bernoulli_curves(51)
    spec = charts.bernoulli_chart(frame, x=x).to_dict()
    enc = spec["encoding"]
    assert spec["mark"]["type"] == "line"
    assert enc["x"]["field"] == x
    assert "nats" in enc["y"]["title"]
    assert enc["color"]["scale"]["domain"] == list(dict.fromkeys(frame["series"]))
    assert len(_data(spec, spec)) == len(frame)
    assert spec["config"]["axis"]["labelFontSize"] >= 14
    _no_nan(spec)


def test_bernoulli_chart_dashes_the_squared_error():
    spec = charts.bernoulli_chart(scoring.bernoulli_curves(21, squared=True)).to_dict()
    rows = _data(spec, spec)
    kinds = {r["series"]: r["kind"] for r in rows}
    assert kinds["y = 1:  ½(1 − π)²"] == "squared error"
    assert kinds["y = 1:  −log π"] == "NLL"
    assert spec["encoding"]["strokeDash"]["scale"]["domain"] == ["NLL", "squared error"]


@pytest.mark.parametrize("x", ["p_true", "margin"])
def test_categorical_chart(x):
    frame = scoring.categorical_curves(3, 0.1, n=41)
    spec = charts.categorical_chart(frame, x=x).to_dict()
    assert spec["encoding"]["x"]["field"] == x
    assert "nats" in spec["encoding"]["y"]["title"]
    assert len(spec["encoding"]["color"]["scale"]["domain"]) == 2
    _no_nan(spec)


@pytest.mark.parametrize("what", ["loss", "pull"])
def test_regression_chart_highlights_the_chosen_curve(what):
    frame = scoring.regression_curves(1.5, 4.0, n=31)
    spec = charts.regression_chart(frame, what=what, highlight="Student-t").to_dict()
    assert spec["encoding"]["y"]["field"] == what
    assert "residual" in spec["encoding"]["x"]["title"]
    rows = _data(spec, spec)
    chosen = {r["series"] for r in rows if r["chosen"]}
    assert chosen == {s for s in frame["series"] if s.startswith("Student-t")}
    assert spec["encoding"]["strokeWidth"]["scale"]["range"] == [2.5, 5]
    assert spec["mark"]["clip"] is True
    _no_nan(spec)


def test_regression_chart_without_highlight_draws_all_alike():
    spec = charts.regression_chart(scoring.regression_curves(n=11)).to_dict()
    assert not any(r["chosen"] for r in _data(spec, spec))


def test_poisson_chart_marks_each_minimum_but_not_for_zero():
    frame = scoring.poisson_curves((0, 2, 6), n=281)
    spec = charts.poisson_chart(frame).to_dict()
    lines, dots = _layers(spec)
    assert lines["mark"]["type"] == "line" and dots["mark"]["type"] == "point"
    points = _data(spec, dots)
    assert sorted(p["count"] for p in points) == [2, 6]
    for p in points:
        assert p["rate"] == pytest.approx(p["count"], abs=0.05)
    assert "nats" in lines["encoding"]["y"]["title"]


def test_fits_chart_colours_and_outlier():
    x, y = scoring.outlier_sample(8.0)
    fits, _ = scoring.compare_fits(x, y)
    points = pd.DataFrame({"x": x, "y": y, "point": ["sample"] * (len(x) - 1) + ["outlier"]})
    lines = pd.concat(
        [pd.DataFrame({"x": [0.0, 10.0], "y": f.predict([0.0, 10.0]), "fit": f.kind}) for f in fits]
    )
    spec = charts.fits_chart(points, lines).to_dict()
    drawn, dots = _layers(spec)
    colour = drawn["encoding"]["color"]["scale"]
    assert colour["domain"] == [charts.FIT_LABELS[k] for k in scoring.FIT_KINDS]
    assert colour["range"] == [charts.FIT_COLORS[k] for k in scoring.FIT_KINDS]
    assert len(set(colour["range"])) == 3
    assert dots["encoding"]["fill"]["scale"]["domain"] == ["sample", "outlier"]
    assert sum(p["point"] == "outlier" for p in _data(spec, dots)) == 1
    assert drawn["encoding"]["x"]["title"] and drawn["encoding"]["y"]["title"]


def test_colours_come_from_the_shared_palette():
    spec = charts.regression_chart(scoring.regression_curves(n=11)).to_dict()
    assert spec["encoding"]["color"]["scale"]["range"] == PALETTE[:4]


@pytest.mark.parametrize(
    ("builder", "frame", "kwargs"),
    [
        (charts.bernoulli_chart, scoring.bernoulli_curves(5), {"x": "p"}),
        (charts.categorical_chart, scoring.categorical_curves(n=5), {"x": "pi"}),
        (charts.regression_chart, scoring.regression_curves(n=5), {"what": "gradient"}),
    ],
)
def test_bad_options_are_refused(builder, frame, kwargs):
    with pytest.raises(ValueError, match="must be"):
        builder(frame, **kwargs)
