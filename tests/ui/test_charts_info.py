"""ui.charts.info: every builder gives a valid Vega-Lite spec with its units and data."""

import math

import numpy as np
import pandas as pd
import pytest

from ui.charts import PALETTE
from ui.charts import info as charts


def dataset(spec: dict) -> pd.DataFrame:
    """The one inline dataset of a spec (all layers of these charts share one)."""
    (rows,) = [v for v in spec["datasets"].values() if len(v) > 1 or "zero" not in v[0]]
    return pd.DataFrame(rows)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def density_frame() -> pd.DataFrame:
    x = np.linspace(-3, 3, 7)
    return pd.concat(
        [
            pd.DataFrame({"x": x, "p": np.exp(-(x**2) / 2), "series": "p (data)"}),
            pd.DataFrame({"x": x, "p": np.exp(-((x - 1) ** 2) / 2), "series": "q (model)"}),
        ]
    )


def test_continuous_distribution_chart_overlays_curves_without_stacking():
    chart = charts.distribution_chart(
        density_frame(), kind="continuous", x_domain=(-4, 4), y_max=1.5
    )
    spec = charts.finish(chart).to_dict()  # validates against the Vega-Lite schema
    area, line = layers(spec)
    assert area["mark"]["type"] == "area" and line["mark"]["type"] == "line"
    for layer in (area, line):
        y = layer["encoding"]["y"]
        assert y["stack"] is None  # overlaid densities, never summed
        assert y["title"] == "density p(x)"
        assert y["scale"]["domain"] == [0, 1.5]
        assert layer["encoding"]["x"]["scale"]["domain"] == [-4, 4]
        assert layer["encoding"]["color"]["scale"]["domain"] == ["p (data)", "q (model)"]
        assert layer["encoding"]["color"]["scale"]["range"] == PALETTE[:2]
    # the data solid, the model dashed
    assert line["encoding"]["strokeDash"]["scale"]["range"] == [[1, 0], [10, 4]]
    assert len(dataset(spec)) == 14
    assert spec["config"]["axis"]["labelFontSize"] >= 14


def test_discrete_distribution_chart_groups_bars_side_by_side():
    frame = pd.DataFrame(
        {"x": [0.0, 1.0, 2.0, 0.0, 1.0], "p": [0.2, 0.5, 0.3, 0.6, 0.4], "series": list("aaabb")}
    )
    spec = charts.distribution_chart(frame, kind="discrete", series=["a", "b"]).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["type"] == "ordinal"
    assert spec["encoding"]["xOffset"]["field"] == "series"
    assert spec["encoding"]["y"]["title"] == "p(x)"
    assert dataset(spec)["x"].tolist() == [0, 1, 2, 0, 1]  # whole numbers on the axis


def test_one_distribution_needs_no_offset_and_no_legend():
    frame = pd.DataFrame({"x": [0, 1], "p": [0.3, 0.7]})
    spec = charts.distribution_chart(frame, kind="discrete", legend=False).to_dict()
    assert "xOffset" not in spec["encoding"]
    assert spec["encoding"]["color"]["legend"] is None


def test_distribution_chart_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="discrete"):
        charts.distribution_chart(density_frame(), kind="mixed")


def test_contribution_chart_splits_a_density_integrand_at_zero():
    frame = pd.DataFrame({"x": [0.0, 0.5, 1.0], "contribution": [0.2, -0.4, 0.1]})
    spec = charts.contribution_chart(frame, kind="continuous", unit="bits").to_dict()
    above, below, line, zero = layers(spec)
    assert above["encoding"]["y"]["title"] == "−p(x) log p(x) (bits)"
    data = dataset(spec)
    assert data["above"].tolist() == [0.2, 0.0, 0.1]
    assert data["below"].tolist() == [0.0, -0.4, 0.0]
    assert below["mark"]["color"] == charts.NEGATIVE
    assert zero["mark"]["type"] == "rule"


def test_contribution_chart_for_a_pmf_is_bars_in_the_unit():
    frame = pd.DataFrame({"x": [0.0, 1.0], "contribution": [0.5, 0.5]})
    spec = charts.contribution_chart(frame, kind="discrete", unit="nats").to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["y"]["title"] == "−p(x) log p(x) (nats)"


@pytest.mark.parametrize(("h", "kl"), [(2.0, 0.5), (-1.2, 0.8), (1.0, 0.0)])
def test_info_bar_chart_draws_the_identity(h, kl):
    spec = charts.info_bar_chart(h, kl, "bits").to_dict()
    data = dataset(spec).set_index("part")
    assert data.loc["H(p, q)", "start"] == 0 and data.loc["H(p, q)", "end"] == h + kl
    assert data.loc["H(p)", "start"] == 0 and data.loc["H(p)", "end"] == h
    assert data.loc["KL(p ‖ q)", "start"] == h and data.loc["KL(p ‖ q)", "end"] == h + kl
    # both rows end at the same place: H(p, q) = H(p) + KL(p || q)
    assert data.groupby("row")["end"].max().nunique() == 1
    assert layers(spec)[0]["encoding"]["x"]["title"] == "information (bits)"
    assert "bits" in data.loc["KL(p ‖ q)", "label"]


def test_info_bar_chart_with_infinite_kl_says_so_and_never_nan():
    spec = charts.info_bar_chart(2.0, math.inf, "nats").to_dict()
    assert spec["mark"]["type"] == "text"
    text = next(iter(spec["datasets"].values()))[0]["text"]
    assert "inf" in text
    with pytest.raises(ValueError, match="NaN"):
        charts.info_bar_chart(math.nan, 1.0, "bits")


def sweep_frame() -> pd.DataFrame:
    v = np.linspace(-2, 2, 9)
    kl = v**2
    h = 1.5
    return pd.concat(
        [
            pd.DataFrame({"value": v, "series": "H(p, q)", "info": kl + h}),
            pd.DataFrame({"value": v, "series": "KL(p ‖ q)", "info": kl}),
            pd.DataFrame(
                {
                    "value": [3.0, 3.0],
                    "series": ["H(p, q)", "KL(p ‖ q)"],
                    "info": [math.inf, math.inf],
                }
            ),
        ],
        ignore_index=True,
    )


def test_sweep_chart_marks_the_common_minimum_and_the_gap():
    spec = charts.sweep_chart(
        sweep_frame(),
        param_title="q's mu",
        unit="bits",
        current=1.0,
        argmin=0.0,
        h_p=1.5,
        y_max=5.0,
    ).to_dict()
    lines = layers(spec)[0]
    assert lines["encoding"]["x"]["title"] == "q's mu"
    assert lines["encoding"]["y"]["title"] == "information (bits)"
    assert lines["encoding"]["y"]["scale"]["domain"] == [0.0, 5.0]
    texts = [row["text"] for rows in spec["datasets"].values() for row in rows if "text" in row]
    assert "minimum of both at 0" in texts
    assert any(t.startswith("gap = H(p) = 1.5") for t in texts)
    gap = next(row for rows in spec["datasets"].values() for row in rows if "lo" in row)
    assert gap["lo"] == 0.0 and gap["hi"] == 1.5
    # infinite values are left out, not drawn as NaN
    for rows in spec["datasets"].values():
        for row in rows:
            assert all(not (isinstance(v, float) and not math.isfinite(v)) for v in row.values())
    current = [rows for rows in spec["datasets"].values() if len(rows) == 2 and "series" in rows[0]]
    assert current and {r["value"] for r in current[0]} == {1.0}


def test_trace_chart_fixes_its_axes():
    frame = pd.DataFrame(
        {
            "step": [0, 1, 0, 1],
            "value": [2.0, 1.0, 1.5, 0.5],
            "series": ["forward", "forward", "reverse", "reverse"],
        }
    )
    spec = charts.trace_chart(frame, y_title="KL", unit="nats", x_max=150, y_max=3.0).to_dict()
    assert spec["encoding"]["x"]["scale"]["domain"] == [0, 150]
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 3.0]
    assert spec["encoding"]["y"]["title"] == "KL (nats)"
    assert spec["encoding"]["color"]["scale"]["range"] == PALETTE[1:3]


def test_spec_skips_validation_but_keeps_data_and_config():
    chart = charts.finish(charts.distribution_chart(density_frame(), kind="continuous"))
    fast = charts.spec(chart)
    assert fast == chart.to_dict()
    assert fast["config"]["legend"]["orient"] == "top"
