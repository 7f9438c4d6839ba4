"""Chart builders of the training pages, tested through their Vega-Lite specs."""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ui.charts import PALETTE
from ui.charts import training as charts


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def named(spec: dict) -> set[str]:
    """Names of the datasets a spec expects to be filled in."""
    text = json.dumps(spec)
    return {part.split('"')[0] for part in text.split('{"name": "')[1:]}


def decode(url: str) -> np.ndarray:
    assert url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))))


def test_a_chart_from_a_frame_carries_its_data():
    path = pd.DataFrame({"step": [0, 1], "w": [0.0, 0.5], "b": [0.0, -0.1]})
    spec = charts.spec(charts.surface_chart("surface", path, levels=[0.5, 1.0]))
    rows = [{"b": 0.0, "step": 0, "w": 0.0}, {"b": -0.1, "step": 1, "w": 0.5}]
    assert rows in spec["datasets"].values()  # the path's rows, in the spec itself
    assert "surface" in named(spec) and "path" not in named(spec)  # surface: to fill in


CURVES = {
    "train_step": np.array([1, 2, 3]),
    "train_loss": np.array([0.7, np.nan, 0.5]),
    "eval_step": np.array([3]),
    "test_loss": np.array([0.55]),
    "test_metric": np.array([0.75]),
}
POINTS = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [1.0, -1.0, 0.5], "label": ["b", "a", "b"]})


def test_live_panel_frame_is_strict_json_with_the_curves():
    frame = charts.live_panel_data(
        "tp.binary.panel",
        label="step 3 / 10",
        steps=10,
        curves=CURVES,
        metric_name="accuracy",
        metric_domain=(0.0, 1.0),
    )
    json.dumps(frame, allow_nan=False)  # NaN would break the browser's JSON.parse
    train, test = frame["series"]
    assert (train["name"], test["name"]) == ("train", "test")
    assert train["x"] == [1, 2, 3] and train["y"] == [0.7, None, 0.5]
    assert test["y"] == [0.55] and frame["metric"]["y"] == [0.75]
    assert frame["metric"]["domain"] == [0.0, 1.0] and frame["metric"]["title"] == "accuracy"
    assert frame["steps"] == 10 and frame["label"] == "step 3 / 10"
    assert frame["loss_title"] == "loss (nats)" and frame["right"] is None


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=True, allow_infinity=True, width=64))
def test_live_numbers_keep_five_significant_digits(value):
    """The numbers a frame redraws (curves, fits) are rounded to LIVE_DIGITS significant
    digits, whatever their scale; the panel and its hover show four."""
    (out,) = charts._floats([value], significant=charts.LIVE_DIGITS)
    if not math.isfinite(value):
        assert out is None  # strict JSON: the panel draws a gap
    elif value == 0:
        assert out == 0
    else:
        assert math.isfinite(out)
        assert abs(out - value) <= 0.5 * 10 ** (1 - charts.LIVE_DIGITS) * abs(value) * 1.000001
        if 1e-15 < abs(value) < 1e15:  # any loss or coordinate: a short number
            assert out == float(f"{out:.5g}")


def test_a_live_frame_of_long_curves_is_short():
    rng = np.random.default_rng(0)
    loss = 0.05 + np.cumsum(rng.random(300))[::-1] / 100
    curves = dict(
        CURVES,
        train_step=np.arange(300),
        train_loss=loss,
        eval_step=np.arange(300),
        test_loss=loss + 0.01,
        test_metric=rng.random(300),
    )
    frame = charts.live_panel_data("p", label="x", steps=300, curves=curves, metric_name="m")
    text = json.dumps(frame["series"][0]["y"], separators=(",", ":"))
    assert len(text) < 300 * 9  # "1.2345," at most, not 18 digits each
    assert frame["series"][0]["y"] == pytest.approx(loss.tolist(), rel=1e-4)


RGB = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)  # 2 rows (lowest y first) of 3


def test_picture_is_the_colour_bytes_from_the_top_row_down():
    raw = charts.picture(RGB)
    assert (raw["w"], raw["h"]) == (3, 2)
    data = np.frombuffer(base64.b64decode(raw["rgb"]), dtype=np.uint8).reshape(2, 3, 3)
    assert (data[0] == RGB[1]).all() and (data[1] == RGB[0]).all()  # the top row first
    assert (
        charts.picture(np.full((1, 1, 3), 300.0))["rgb"]
        == base64.b64encode(bytes([255, 255, 255])).decode()
    )


def test_live_panel_map_carries_the_picture_classes_and_legend():
    static = charts.panel_map(
        {"x0": [-1.0], "x1": [1.0], "y0": [-2.0], "y1": [2.0]},
        POINTS,
        class_names=["a", "b"],
        features=["f1", "f2"],
    )
    frame = charts.live_panel_data(
        "p",
        label="step 1 / 2",
        steps=2,
        curves=CURVES,
        metric_name="accuracy",
        right=static,
        view={"rgb": RGB},
    )
    right = frame["right"]
    assert right["picture"] == charts.picture(RGB) and "picture" not in static
    assert right["extent"] == [-1.0, 1.0, -2.0, 2.0]
    assert right["points"]["c"] == [1, 0, 1]  # class index by name
    assert right["gradient"]["title"] == "p(b | x)"
    assert (right["x_title"], right["y_title"]) == ("f1", "f2")
    multi = charts.panel_map(
        {"x0": -1.0, "x1": 1.0, "y0": -1.0, "y1": 1.0},
        POINTS,
        class_names=["a", "b", "c"],
        features=["f1", "f2"],
    )
    # a most-probable-class picture (categorical model) has no colour-scale legend
    multi = charts.live_panel_data(
        "p",
        label="x",
        steps=2,
        curves=CURVES,
        metric_name="accuracy",
        right=multi,
        view={"rgb": RGB, "multi": True},
    )["right"]
    assert multi["gradient"] is None and len(multi["styles"]) == 3
    # no picture observed yet: the panel shows the curves only
    assert (
        charts.live_panel_data(
            "p", label="x", steps=2, curves=CURVES, metric_name="accuracy", right=static, view={}
        )["right"]
        is None
    )


def test_live_panel_fit_draws_a_band_only_where_the_likelihood_has_a_spread():
    points = POINTS.assign(label=["train", "test", "train"])
    static = charts.panel_fit(points, x_title="x", y_title="y", y_domain=(-2.0, 2.0))
    assert static["points"]["c"] == [0, 1, 0]
    x = np.linspace(0, 1, 4)
    view = {"x": x, "mean": x, "lo": x - 1, "hi": x + 1}
    right = charts.live_panel_data(
        "p", label="x", steps=2, curves=CURVES, metric_name="RMSE", right=static, view=view
    )["right"]
    assert right["mean"] == pytest.approx(list(x), rel=1e-4)
    assert right["lo"] == pytest.approx(list(x - 1), rel=1e-4)
    flat = dict(view, lo=np.full(4, np.nan), hi=np.full(4, np.nan))
    right = charts.live_panel_data(
        "p", label="x", steps=2, curves=CURVES, metric_name="RMSE", right=static, view=flat
    )["right"]
    assert right["lo"] is None and right["hi"] is None


def test_with_data_leaves_the_spec_alone():
    spec = charts.spec(charts.surface_chart("surface", "path", levels=[0.5, 1.0]))
    frame = pd.DataFrame({"step": [1], "w": [0.5], "b": [0.1]})
    filled = charts.with_data(spec, path=frame)
    assert filled["datasets"]["path"] is frame
    assert "path" not in spec.get("datasets", {})  # the cached spec is not changed


def test_binary_colours_follow_the_legend_scale():
    c = charts.probability_colours(np.array([[0.0, 0.25, 0.5, 1.0]]))  # (1, 4, 3)
    blue, mid, orange = (charts._rgb(x) for x in (PALETTE[0], "#f4f4f4", PALETTE[1]))
    np.testing.assert_allclose(c[0, 0], blue)
    np.testing.assert_allclose(c[0, 1], (blue + mid) / 2)
    np.testing.assert_allclose(c[0, 2], mid)
    np.testing.assert_allclose(c[0, 3], orange)
    # NaN (never expected) is drawn as "no idea", not as a crash
    np.testing.assert_allclose(charts.probability_colours(np.array([[np.nan]]))[0, 0], mid)


def test_multiclass_colours_fade_with_doubt():
    probs = np.array([[[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.0, 0.0, 1.0]]])  # (1, 3, 3)
    c = charts.probability_colours(probs)
    np.testing.assert_allclose(c[0, 0], 255 * 0.15 + charts._rgb(PALETTE[0]) * 0.85)
    np.testing.assert_allclose(c[0, 1], [255, 255, 255])  # uniform: no colour at all
    np.testing.assert_allclose(c[0, 2], 255 * 0.15 + charts._rgb(PALETTE[2]) * 0.85)


def test_image_url_is_a_png_with_the_lowest_row_at_the_bottom():
    rgb = np.zeros((2, 3, 3))
    rgb[0] = [255, 0, 0]  # row 0 = lowest y -> bottom of the picture
    rgb[1] = [0, 0, 255]
    pixels = decode(charts.image_url(rgb))
    assert pixels.shape == (2, 3, 4)
    assert pixels[1, 0, :3].tolist() == [255, 0, 0] and pixels[0, 0, :3].tolist() == [0, 0, 255]
    assert (pixels[..., 3] == 255).all()


def test_image_extent_puts_pixel_centres_on_the_grid():
    extent = charts.image_extent(np.linspace(0, 1, 5), np.linspace(-2, 2, 3))
    assert extent == pytest.approx({"x0": -0.125, "x1": 1.125, "y0": -3.0, "y1": 3.0})


def test_calibration_panel_carries_the_bins_on_a_unit_square():
    table = pd.DataFrame(
        {"predicted": [0.1, 0.55, 0.9], "observed": [0.0, 0.5, 1.0], "count": [4, 10, 6]}
    )
    panel = charts.calibration_panel("cal", table, what="p(yes | x)")
    assert (panel["id"], panel["kind"], panel["reference"]) == ("cal", "scatter", "diagonal")
    assert panel["x"] == [0.1, 0.55, 0.9] and panel["y"] == [0.0, 0.5, 1.0]
    assert panel["n"] == [4, 10, 6] and panel["line"] is True
    # the unit square with a margin, so that a bin at 0 or 1 sits inside the plot
    assert panel["x_domain"] == panel["y_domain"] == [-0.05, 1.05]
    assert panel["x_title"] == "predicted p(yes | x)" and panel["y_title"] == "observed frequency"
    assert [key for _, key in panel["fields"]] == ["x", "y", "n"]
    json.dumps(panel, allow_nan=False)  # strict JSON for the canvas


def test_residual_panel_has_the_zero_line_and_no_nan():
    table = pd.DataFrame({"fitted": [0.5, 1.0, 2.0], "residual": [0.25, float("nan"), -1.0]})
    panel = charts.residual_panel("res", table)
    assert (panel["kind"], panel["reference"], panel["line"]) == ("scatter", "zero", False)
    assert panel["x"] == [0.5, 1.0, 2.0] and panel["y"] == [0.25, None, -1.0]
    assert panel["n"] is None and panel["x_domain"] is None
    json.dumps(panel, allow_nan=False)


def test_surface_chart_bands_and_path():
    levels = [0.3, 0.5, 1.0]
    spec = charts.spec(charts.surface_chart("surface", "path", levels=levels))
    kinds = [lay["mark"]["type"] for lay in layers(spec)]
    assert kinds[0] == "image" and "line" in kinds
    legend = layers(spec)[1]["encoding"]["color"]
    assert legend["scale"]["type"] == "threshold" and legend["scale"]["domain"] == levels
    assert len(legend["scale"]["range"]) == 4 and legend["legend"]["title"] == "loss (nats)"
    line = [lay for lay in layers(spec) if lay["mark"]["type"] == "line"][0]
    assert line["encoding"]["order"]["field"] == "step"


def test_surface_colours_use_the_band_of_each_value():
    levels = [1.0, 2.0]
    colours = charts.surface_colours(np.array([[0.5, 1.5, 9.0, np.inf]]), levels)
    palette = [charts._rgb(c) for c in charts._band_colours(3)]
    for j, band in enumerate([0, 1, 2, 2]):
        np.testing.assert_allclose(colours[0, j], palette[band])


def test_compare_panel_of_classifiers_has_a_picture_per_run_and_log_curves():
    right = charts.panel_map(
        {"x0": [0.0], "x1": [1.0], "y0": [0.0], "y1": [1.0]},
        pd.DataFrame({"x": [0.2], "y": [0.4], "label": ["b"]}),
        class_names=["a", "b"],
        features=["x1", "x2"],
    )
    rgb = np.zeros((2, 3, 3))
    frame = charts.compare_panel_data(
        "cmp",
        runs=["cross-entropy", "squared error"],
        titles=["cross-entropy · step 5", "squared error · step 4"],
        steps=10,
        yardstick="test cross-entropy (nats)",
        curves=[([10, 20], [0.7, np.nan]), ([], [])],
        right=right,
        views=[{"rgb": rgb, "multi": False}, None],
    )
    json.dumps(frame, allow_nan=False)  # strict JSON: NaN went out as null
    assert frame["kind"] == "compare" and frame["height"] is None  # the canvas sizes it
    assert [r["title"] for r in frame["runs"]] == [
        "cross-entropy · step 5",
        "squared error · step 4",
    ]
    assert [r["colour"] for r in frame["runs"]] == PALETTE[:2]
    assert frame["curve"]["log"] and frame["curve"]["title"].endswith(", log scale")
    assert frame["curve"]["series"] == [{"x": [10, 20], "y": [0.7, None]}, {"x": [], "y": []}]
    top = frame["top"]
    assert top["kind"] == "maps" and top["right"] is right and not top["multi"]
    assert top["pictures"][0] == charts.picture(rgb) and top["pictures"][1] is None


def test_compare_panel_of_regressions_overlays_the_means_on_one_grid():
    right = charts.panel_fit(
        pd.DataFrame({"x": [0.0, 1.0], "y": [0.1, 0.9], "label": ["train", "test"]}),
        x_title="x",
        y_title="y",
        y_domain=(-1.0, 2.0),
    )
    xs = np.linspace(0, 1, 4)
    frame = charts.compare_panel_data(
        "cmp",
        runs=["Gaussian", "Laplace", "Student-t"],
        titles=["Gaussian", "Laplace", "Student-t"],
        steps=10,
        yardstick="distance to the true mean",
        curves=[([10], [0.5])] * 3,
        right=right,
        views=[{"x": xs, "mean": xs * 2}, None, {"x": xs, "mean": xs}],
        log=False,
    )
    assert frame["height"] == 470 and frame["curve"]["log"] is False
    top = frame["top"]
    assert top["kind"] == "fit" and top["x"] == pytest.approx(list(xs), rel=1e-4)
    assert (
        top["means"][0] == pytest.approx(list(xs * 2), rel=1e-4) and top["means"][1] == [None] * 4
    )
    assert len({r["colour"] for r in frame["runs"]}) == 3


def test_live_panel_floor_log_scale_and_surprise():
    static = charts.panel_map(
        {"x0": -1.0, "x1": 1.0, "y0": -1.0, "y1": 1.0},
        POINTS,
        class_names=["a", "b"],
        features=["f1", "f2"],
    )
    floor = {"value": 0.2079, "label": "floor H(Y|X) = 0.2079 nats", "gap": "KL gap 0.1 nats"}
    view = {"rgb": RGB, "surprise": np.array([0.1, 2.0, 0.5]), "surprise_mean": 0.8667}
    frame = charts.live_panel_data(
        "p", label="x", steps=2, curves=CURVES, metric_name="accuracy", right=static,
        view=view, floor=floor, options={"log": True, "surprise": True},
    )  # fmt: skip
    assert frame["floor"] == floor and frame["log"] is True
    right = frame["right"]
    assert right["surprise"] == pytest.approx([0.1, 2.0, 0.5])
    assert right["surprise_mean"] == pytest.approx(0.8667)
    assert right["size_by_surprise"] is True
    json.dumps(frame, allow_nan=False)
    # no floor (a CSV), no log scale, points at one size; the hover still has the surprise
    plain = charts.live_panel_data(
        "p", label="x", steps=2, curves=CURVES, metric_name="accuracy", right=static, view=view
    )
    assert plain["floor"] is None and plain["log"] is False
    assert plain["right"]["size_by_surprise"] is False and plain["right"]["surprise"]
    # a non-finite floor is no line; a surprise that does not match the points is left out
    odd = charts.live_panel_data(
        "p", label="x", steps=2, curves=CURVES, metric_name="accuracy", right=static,
        view=dict(view, surprise=np.zeros(2)), floor=dict(floor, value=float("-inf")),
        options={"surprise": True},
    )  # fmt: skip
    assert odd["floor"] is None
    assert odd["right"]["surprise"] is None and odd["right"]["size_by_surprise"] is False


def test_live_panel_floor_carries_the_truths_own_line_and_short_texts():
    floor = {
        "value": 0.2079,
        "label": "floor H(Y|X) = 0.2079 nats",
        "label_short": "H(Y|X) = 0.2079",
        "own": np.float32(0.139),
        "own_label": "truth on this test set = 0.139 nats",
        "own_short": "truth on test set: 0.139",
        "gap": "KL ≈ 0.0006 nats",
        "gap_short": "KL ≈ 0.0006",
    }
    args = {"label": "x", "steps": 2, "curves": CURVES, "metric_name": "accuracy"}
    frame = charts.live_panel_data("p", floor=floor, **args)["floor"]
    assert frame == {**floor, "own": pytest.approx(0.139)}
    assert type(frame["own"]) is float
    json.dumps(frame, allow_nan=False)
    # an unknown truth's loss is no second line; the floor stays
    nan = charts.live_panel_data("p", floor=dict(floor, own=float("nan")), **args)["floor"]
    assert "own" not in nan and nan["value"] == pytest.approx(0.2079)


def test_the_comparison_carries_the_floor_when_given():
    static = charts.panel_map(
        {"x0": -1.0, "x1": 1.0, "y0": -1.0, "y1": 1.0},
        POINTS,
        class_names=["a", "b"],
        features=["f1", "f2"],
    )
    args = dict(
        runs=["a", "b"], titles=["a", "b"], steps=10, yardstick="test cross-entropy (nats)",
        curves=[([0, 10], [0.7, 0.3]), ([0, 10], [0.7, 0.5])], right=static, views=[None, None],
    )  # fmt: skip
    assert charts.compare_panel_data("c", **args)["floor"] is None
    floor = {"value": 0.2, "label": "floor H(Y|X) = 0.2 nats"}
    assert charts.compare_panel_data("c", floor=floor, **args)["floor"] == floor
