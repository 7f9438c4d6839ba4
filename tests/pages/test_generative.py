"""The Discriminative vs generative page: the numbers are probnn.compare's, links restore
the view, Generate and the learning curve work, bad links and degenerate data give a
message instead of a traceback."""

import json

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from probnn import compare
from probnn import data as pdata
from tests.pages import training_helpers as pages
from ui.charts.generative import nats_text
from ui.text import num

pytestmark = pytest.mark.usefixtures("one_thread")
SMALL = {"n": "80", "model": "logistic"}  # quick fits: the page's own widgets, via the link


def open_page(query: dict | None = None) -> AppTest:
    return pages.open_page("lessons/generative.py", query, timeout=120)


def metrics(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_data(at: AppTest, index: int, name: str) -> pd.DataFrame:
    """A named data set of one chart (Streamlit ships them as Arrow tables)."""
    proto = at.get("vega_lite_chart")[index].proto
    table = next(d for d in proto.datasets if d.name == name)
    return pa.ipc.open_stream(table.data.data).read_all().to_pandas()


def texts(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [w.value for w in at.warning] + [i.value for i in at.info]
    return " ".join(parts)


def expected(name="moons", n=80, noise=None, seed=0, share=0.5, cov="shared", model="logistic"):
    """The page's fit, redone with probnn directly."""
    noise = pdata.GENERATORS[name].spec("noise").default if noise is None else noise
    ds = pdata.make(name, n=n, noise=noise, seed=seed)
    X, y, _ = compare.rebalance(ds.X_train, ds.y_train, share, seed=seed)
    Xt, yt, _ = compare.rebalance(ds.X_test, ds.y_test, share, seed=seed + 1)
    gen = compare.fit_generative(X, y, compare.GenerativeConfig(cov))
    disc = compare.fit_discriminative(X, y, compare.DiscriminativeConfig(model, seed=seed))
    return (
        gen,
        disc,
        compare.score_generative(gen, Xt, yt),
        compare.score_discriminative(disc, Xt, yt),
    )


def test_default_view_renders_both_models_and_the_formulas():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Discriminative vs generative"
    assert at.selectbox(key="data").value == "moons"
    # two heatmaps and the density chart; the heatmaps share one colour scale
    specs = charts(at)
    assert len(specs) == 3
    heat_scales = [
        layer["encoding"]["color"]["scale"]
        for spec in specs
        for layer in spec["layer"]
        if layer["encoding"].get("color", {}).get("field") == "p1"
    ]
    assert len(heat_scales) == 2 and heat_scales[0] == heat_scales[1]
    latex = " ".join(x.value for x in at.latex)
    for piece in (
        r"p(x, y) = p(y)\,p(x \mid y)",
        r"\Sigma_c^{-1}",
        r"\sum_{c}",
        r"\sigma(f_\theta",
    ):
        assert piece in latex
    assert "nats" in latex
    assert len(metrics(at)) == 4 and "nan" not in " ".join(metrics(at)).lower()


def test_scores_are_probnn_compare_scores():
    at = open_page(SMALL)
    assert not at.exception
    _, _, g, d = expected()
    values = metrics(at)
    assert values[0] == nats_text(g.log_loss) and values[1] == f"{g.accuracy:.1%}"
    assert values[2] == nats_text(d.log_loss) and values[3] == f"{d.accuracy:.1%}"
    table = next(m.value for m in at.markdown if m.value.startswith("| model"))
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]]
    assert [r[0].strip() for r in rows] == ["generative", "discriminative"]
    assert [r[-1].strip() for r in rows] == [f"{g.accuracy:.1%}", f"{d.accuracy:.1%}"]
    assert float(rows[1][2]) == pytest.approx(d.log_loss, abs=5e-4)


@pytest.mark.parametrize(
    "name,cov",
    [("blobs", "shared"), ("moons", "full"), ("circles", "diagonal"), ("xor", "full")],
)
def test_renders_for_every_data_set_and_covariance(name, cov):
    at = open_page({**SMALL, "data": name, "cov": cov})
    assert not at.exception
    assert at.selectbox(key="data").value == name and at.radio(key="cov").value == cov
    gen, _, g, _ = expected(name, cov=cov)
    assert metrics(at)[0] == nats_text(g.log_loss)
    latex = " ".join(x.value for x in at.latex)
    shared = r"\hat\Sigma_0 = \hat\Sigma_1" in latex
    assert shared == (cov == "shared")
    assert ("assumption holds" in texts(at)) == (name == "blobs")


def test_probe_slider_moves_the_bayes_rule_numbers():
    at = open_page(SMALL)
    at.slider(key="x1").set_value(1.0).run()
    at.slider(key="x2").set_value(-0.5).run()
    assert not at.exception
    gen, disc, _, _ = expected()
    p = compare.probe(gen, disc, (1.0, -0.5))
    text = " ".join(m.value for m in at.markdown)
    assert f"**{num(p.generative_p1)}**" in text
    assert f"**{num(p.discriminative_p1)}**" in text
    # the marker sits at the probe point on every plane chart
    for spec in charts(at):
        assert spec["layer"][-1]["data"]["values"] == [{"x1": 1.0, "x2": -0.5}]


def test_generate_overlays_seeded_samples_from_the_model():
    at = open_page(SMALL)
    assert not any(
        layer["mark"].get("shape") == "cross" for spec in charts(at) for layer in spec["layer"]
    )
    at.button[0].click().run()  # Generate
    assert not at.exception
    crosses = [
        layer
        for spec in charts(at)
        for layer in spec["layer"]
        if isinstance(layer["mark"], dict) and layer["mark"].get("shape") == "cross"
    ]
    assert len(crosses) == 1
    assert "new pairs sampled from the model (draw 1)" in texts(at)
    i = next(i for i, s in enumerate(charts(at)) if crosses[0] in s["layer"])
    drawn = chart_data(at, i, crosses[0]["data"]["name"])
    gen, _, _, _ = expected()
    again = compare.sample_frame(gen, len(drawn), seed=0 * 1000 + 1)  # seed * 1000 + draw
    assert len(drawn) == int(gen.counts_.sum())  # as many as there are training points
    assert drawn["x1"].tolist() == pytest.approx(again["x1"].tolist())
    at.button[1].click().run()  # Clear samples
    assert "Press Generate" in texts(at)


def test_learning_curve_button_draws_the_curve():
    at = open_page({**SMALL, "lc_max": "50", "lc_seeds": "1"})
    assert "Press the button" in texts(at)
    before = len(charts(at))
    next(b for b in at.button if b.label == "Run learning curve").click().run()
    assert not at.exception
    assert len(charts(at)) == before + 2  # log-loss and accuracy against size
    table = at.dataframe[-1].value
    assert table["size"].tolist() == [10, 20, 50]
    accuracy = [c for c in table.columns if c.startswith("accuracy (%)")]
    assert len(accuracy) == 2 and all(0 <= v <= 100 for c in accuracy for v in table[c])
    assert "With **10** training points" in texts(at)
    # a rerun (another widget moves) keeps the curve for the same settings
    at.slider(key="x1").set_value(0.5).run()
    assert len(charts(at)) == before + 2


def test_link_restores_the_view():
    query = {**SMALL, "data": "xor", "cov": "full", "share": "0.3", "seed": "4", "x1": "0.5"}
    at = open_page(query)
    assert not at.exception
    assert at.selectbox(key="data").value == "xor"
    assert at.radio(key="cov").value == "full"
    assert at.radio(key="model").value == "logistic"
    assert at.slider(key="n").value == 80 and at.slider(key="share").value == 0.3
    assert at.number_input(key="seed").value == 4 and at.slider(key="x1").value == 0.5
    _, _, g, _ = expected("xor", share=0.3, seed=4, cov="full")
    assert metrics(at)[0] == nats_text(g.log_loss)


def test_bad_link_values_get_a_message_and_the_default():
    at = open_page(
        {"data": "nope", "cov": "spherical", "n": "abc", "share": "2", **{"model": "logistic"}}
    )
    assert not at.exception
    notes = texts(at)
    assert "Link value ignored" in notes
    assert "nope" in notes and "spherical" in notes and "share" in notes
    assert at.selectbox(key="data").value == "moons"
    assert at.radio(key="cov").value == "shared"
    assert at.slider(key="share").value == 0.5


@pytest.mark.parametrize("share,cls", [("0", 1), ("1", 0)])
def test_an_empty_class_gives_a_message_not_a_traceback(share, cls):
    at = open_page({**SMALL, "share": share})
    assert not at.exception
    assert f"Class {cls} has no training points" in " ".join(w.value for w in at.warning)
    assert len(charts(at)) == 1  # the data alone
    assert not at.metric


def test_one_point_in_a_class_is_regularised_and_said():
    at = open_page({"n": "20", "share": "0.1", "cov": "full", "model": "logistic"})
    assert not at.exception
    info = " ".join(i.value for i in at.info)
    assert "single point" in info and "Regularised" in info
    assert "nan" not in " ".join(metrics(at)).lower()
