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


def _colours(spec: dict, layer: dict | None = None) -> dict[str, str]:
    """{series: colour} as the browser assigns them: the scale's range in ``order``."""
    layer = layer or spec
    colour = layer["encoding"]["color"]
    assert colour["field"] == "series"
    assert colour["sort"] == {"field": "order", "op": "min"}
    rows = sorted(_data(spec, layer), key=lambda r: r["order"])
    series = list(dict.fromkeys(r["series"] for r in rows))
    return dict(zip(series, colour["scale"]["range"], strict=False))


@pytest.mark.parametrize("x", ["pi", "z"])
def test_bernoulli_chart(x):
    frame = scoring.bernoulli_curves(51)
    spec = charts.bernoulli_chart(frame, x=x).to_dict()
    enc = spec["encoding"]
    assert spec["mark"]["type"] == "line"
    assert enc["x"]["field"] == x
    assert "nats" in enc["y"]["title"]
    assert list(_colours(spec)) == list(dict.fromkeys(frame["series"]))  # legend order
    assert len(_data(spec, spec)) == len(frame)
    assert spec["config"]["axis"]["labelFontSize"] >= 14
    _no_nan(spec)


def test_bernoulli_chart_dashes_the_squared_error():
    spec = charts.bernoulli_chart(scoring.bernoulli_curves(21, squared=True)).to_dict()
    kinds = {r["series"]: r["kind"] for r in _data(spec, spec)}
    assert kinds["y = 1:  ½(1 − π)²"] == kinds["y = 0:  ½π²"] == "squared error"
    assert kinds["y = 1:  −log π"] == kinds["y = 0:  −log(1 − π)"] == "NLL"
    dash = spec["encoding"]["strokeDash"]
    assert dash["field"] == "kind"
    assert dash["scale"]["domain"] == ["NLL", "squared error"]
    assert dash["scale"]["range"][0] == [1, 0] and dash["scale"]["range"][1] != [1, 0]
    colours = _colours(spec)  # y = 1 and y = 0 keep their colours in both losses
    assert colours["y = 1:  −log π"] == colours["y = 1:  ½(1 − π)²"] == PALETTE[0]
    assert colours["y = 0:  −log(1 − π)"] == colours["y = 0:  ½π²"] == PALETTE[1]


@pytest.mark.parametrize("x", ["p_true", "margin"])
def test_categorical_chart(x):
    frame = scoring.categorical_curves(3, 0.1, n=41)
    spec = charts.categorical_chart(frame, x=x).to_dict()
    assert spec["encoding"]["x"]["field"] == x
    assert "nats" in spec["encoding"]["y"]["title"]
    assert list(_colours(spec)) == ["−log p_y", "smoothed, ε = 0.1"]
    _no_nan(spec)


@pytest.mark.parametrize("what", ["loss", "pull"])
def test_regression_chart_highlights_the_chosen_curve(what):
    frame = scoring.regression_curves(1.5, 4.0, n=31)
    spec = charts.regression_chart(frame, what=what, highlight="Student-t").to_dict()
    assert spec["encoding"]["y"]["field"] == what
    assert "residual" in spec["encoding"]["x"]["title"]
    rows = _data(spec, spec)
    assert set(rows[0]) == {"residual", "series", what, "order", "chosen"}  # only what is drawn
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
    # a dot has its curve's colour: both layers sort the series by the same order
    order = {r["series"]: r["order"] for r in _data(spec, lines)}
    assert all(order[p["series"]] == p["order"] for p in points)


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
    assert list(_colours(spec).values()) == PALETTE[:4]


POISSON = scoring.poisson_curves((0, 2), n=28)


@pytest.mark.parametrize(
    ("build", "named", "frame"),
    [
        (lambda d: charts.bernoulli_chart(d, x="z"),
         lambda f: {"curves": charts.bernoulli_data(f)}, scoring.bernoulli_curves(11, True)),
        (lambda d: charts.categorical_chart(d, x="margin"),
         lambda f: {"curves": charts.categorical_data(f)}, scoring.categorical_curves(4, 0.1, 11)),
        (lambda d: charts.regression_chart(d, what="pull", highlight="L1"),
         lambda f: {"curves": charts.regression_data(f, "L1", "pull")},
         scoring.regression_curves(2.0, 5.0, n=11)),
        (lambda d: charts.poisson_chart(d),
         lambda f: dict(zip(["curves", "minima"], charts.poisson_data(f), strict=True)), POISSON),
    ],
)  # fmt: skip
def test_a_named_dataset_gives_the_same_chart_as_a_frame(build, named, frame):
    template = charts.spec(build("curves"))
    inline = build(frame).to_dict()
    assert "datasets" not in template  # no numbers and no series names: build once, reuse
    assert not any(s in json.dumps(template) for s in frame["series"].unique())
    datasets = named(frame)
    for drawn, expected in zip(_layers(template), _layers(inline), strict=True):
        assert drawn["encoding"] == expected["encoding"]
        assert drawn["mark"] == expected["mark"]
        rows = _data(inline, expected)  # the inline chart carries the same data
        name = drawn.get("data", template.get("data", {}))["name"]
        assert rows == datasets[name].to_dict(orient="records")
    sent = charts.with_data(template, **datasets)
    assert set(sent["datasets"]) == set(datasets)
    assert "datasets" not in template  # with_data leaves the cached spec alone


def test_fits_chart_from_named_data_knows_every_fit():
    spec = charts.spec(charts.fits_chart("points", "lines"))
    drawn, dots = _layers(spec)
    assert drawn["data"]["name"] == "lines" and dots["data"]["name"] == "points"
    assert drawn["encoding"]["color"]["scale"]["domain"] == list(charts.FIT_LABELS.values())
    assert "datasets" not in spec


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
