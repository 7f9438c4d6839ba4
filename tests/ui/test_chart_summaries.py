"""Every chart carries a short text summary (its accessible name in the browser): what it
shows and its key number, computed from the data it draws."""

from __future__ import annotations

import pandas as pd

from ui.charts import generative, info, peak_text


def test_a_distribution_chart_names_each_series_and_its_peak():
    frame = pd.DataFrame(
        {
            "x": [0, 1, 2, 0, 1, 2],
            "p": [0.2, 0.5, 0.3, 0.1, 0.1, 0.8],
            "series": ["p"] * 3 + ["q"] * 3,
        }
    )
    text = info.distribution_chart(frame, kind="discrete").to_dict()["description"]
    assert text.startswith("Bars of the probability p(x) of p, q")
    assert "p: highest p 0.5 at x = 1" in text and "q: highest p 0.8 at x = 2" in text


def test_the_identity_bars_state_the_three_numbers():
    text = info.info_bar_chart(0.5, 0.125, "bits").to_dict()["description"]
    assert "H(p, q) = 0.625 bits" in text and "H(p) = 0.5 bits" in text
    assert "KL(p || q) = 0.125 bits" in text


def test_the_posterior_map_states_the_share_of_class_one():
    grid = pd.DataFrame({"x1": [0, 1, 0, 1], "x2": [0, 0, 1, 1], "p1": [0.9, 0.8, 0.2, 0.6]})
    points = pd.DataFrame({"x1": [0.0], "x2": [0.0], "cls": ["class 1"], "y": [1]})
    chart = generative.posterior_chart(grid, points, ((0, 1), (0, 1)), cell=(1.0, 1.0))
    assert "on 75% of the plane" in chart.to_dict()["description"]


def test_peak_text_skips_what_is_not_finite():
    frame = pd.DataFrame({"x": [0.0, 1.0, 2.0], "y": [float("inf"), 2.0, 1.0]})
    assert peak_text(frame, "x", "y") == "highest y 2 at x = 1"
    assert peak_text(frame, "x", "y", what="lowest") == "lowest y 1 at x = 2"


def test_axis_and_legend_text_is_16_px_or_more():
    from ui.charts import losses

    frame = pd.DataFrame({"x": [0, 1], "p": [0.5, 0.5], "series": ["p", "p"]})
    specs = [
        info.finish(info.distribution_chart(frame, kind="discrete")).to_dict(),
        losses.spec(losses.bernoulli_chart("curves")),
    ]
    for spec in specs:
        assert spec["config"]["axis"]["labelFontSize"] >= 16
        assert spec["config"]["legend"]["labelFontSize"] >= 16
