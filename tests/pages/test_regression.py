"""The regression page: Gaussian (MSE) by default, learned variance, Laplace, Student-t,
Poisson for counts; the fitted mean with its band; residuals; the outlier comparison."""

from __future__ import annotations

import pandas as pd
import pytest

from probnn import data, live, training, truth
from tests.pages.training_helpers import TrainingPage, components, live_frame, results, status
from ui.charts import number

pytestmark = pytest.mark.usefixtures("one_thread")
KEY = "regression"


PAGE = TrainingPage(KEY)
open_page, click, live_of = PAGE.open, PAGE.click, PAGE.live


def test_gaussian_by_default_trains_like_probnn_with_a_band():
    at = click(open_page({"steps": 20}), "train")
    assert not at.exception
    assert at.title[0].value == "Regression"
    assert at.selectbox(key="lik").value == "gaussian"
    assert status(at).startswith("**Step 20 / 20** · finished")
    ds = data.make("heteroscedastic", seed=0, n=400, noise=0.5)  # the page's default data
    ref = training.Run(training.TrainConfig(likelihood="gaussian", steps=20), ds)
    ref.advance(20)
    assert f"train loss **{number(float(ref.history.train_loss[19]))}** nats" in status(at)
    pd.testing.assert_frame_equal(
        live_of(at).run.history_frame(10**6), ref.history_frame(10**6), check_exact=True
    )
    right = live_frame(at)["right"]  # the fitted mean with its mean -+ 2 sd band
    assert right["kind"] == "fit" and len(right["mean"]) == len(right["lo"]) > 0
    block = results(at)
    assert block["left"].startswith("**Residuals on the test set.**")
    assert block["chart"]["kind"] == "scatter" and block["chart"]["reference"] == "zero"


def test_sigma_slider_changes_the_loss_as_probnn_says():
    at = click(open_page({"steps": 10, "sigma": 2.0}), "train")
    ds = data.make("heteroscedastic", seed=0, n=400, noise=0.5)  # the page's default data
    cfg = training.TrainConfig(likelihood="gaussian", likelihood_params={"sigma": 2.0}, steps=10)
    ref = training.Run(cfg, ds)
    ref.advance(10)
    assert f"train loss **{number(float(ref.history.train_loss[9]))}** nats" in status(at)


@pytest.mark.parametrize("lik", ["gaussian_learned_variance", "laplace", "student_t"])
def test_other_likelihoods_train(lik):
    at = click(open_page({"lik": lik, "steps": 10, "data": "heteroscedastic"}), "train")
    assert not at.exception
    assert live_of(at).run.config.likelihood == lik
    assert status(at).startswith("**Step 10 / 10** · finished")


def test_counts_use_poisson():
    at = open_page({"data": "counts", "steps": 10})
    assert at.selectbox(key="lik").value == "poisson"
    at = click(at, "train")
    assert not at.exception and status(at).startswith("**Step 10 / 10** · finished")
    # a Poisson count has a spread: sqrt(rate)
    assert live_frame(at)["right"]["lo"] is not None


def test_poisson_is_not_offered_for_real_valued_targets():
    at = open_page({"data": "sine", "lik": "poisson"})  # poisson is offered for counts only
    assert not at.exception
    assert any("lik='poisson'" in c.value for c in at.caption)
    assert at.selectbox(key="lik").value == "gaussian"


def test_csv_with_one_feature_gives_a_fitted_curve():
    rows = "".join(f"{i / 10},{(i / 10) ** 2 + (i % 3) / 10}\n" for i in range(40))
    at = open_page({"data": "csv", "steps": 10})
    PAGE.upload(at, "curve.csv", ("x,y\n" + rows).encode())
    assert not at.exception
    assert live_of(at).run.dataset.n_features == 1
    at = click(at, "train")
    assert status(at).startswith("**Step 10 / 10** · finished")
    assert live_frame(at)["right"]["kind"] == "fit"


def test_comparison_off_the_outlier_data_says_whose_data_it_trains_on():
    at = open_page({"c_steps": 10, "tab": "Compare likelihoods"})  # the page opens on
    said = [m.value for m in at.markdown if m.value.startswith("**Data:")]  # growing noise
    assert said and "the comparison's own, not this page's heteroscedastic" in said[0]
    at.button(key=f"tp.{KEY}.b_cmp").click().run()
    for r in at.session_state[f"tp.{KEY}.cmp"]["live"]:
        assert r.run.dataset.name == "outliers"
    # on the outlier data set it trains on the page's own data, with its settings
    at = open_page({"data": "outliers", "outliers": 0.3, "c_steps": 10,
                    "tab": "Compare likelihoods"})  # fmt: skip
    at.button(key=f"tp.{KEY}.b_cmp").click().run()
    page = at.session_state[f"tp.{KEY}.live"].run.dataset
    assert page.params["outlier_fraction"] == 0.3
    for r in at.session_state[f"tp.{KEY}.cmp"]["live"]:
        assert r.run.dataset is page


def test_comparison_on_outliers_robust_fits_stay_near_the_truth():
    at = open_page({"c_steps": 300, "tab": "Compare likelihoods"})
    at.button(key=f"tp.{KEY}.b_cmp").click().run()
    assert not at.exception
    shown = at.dataframe[-1].value.set_index("likelihood")
    table = shown["distance to the true mean"].astype(float)  # 4 significant digits
    assert table["Student-t (ν = 2)"] < table["Gaussian (MSE)"]
    assert table["Laplace (L1)"] < table["Gaussian (MSE)"]
    # one canvas: the data with each run's fitted mean, and their distances to the truth
    panel = components(at, "compare")[-1]
    assert [r["name"] for r in panel["runs"]] == list(table.index)
    assert panel["top"]["kind"] == "fit" and len(panel["top"]["means"]) == 3
    assert all(None not in mean for mean in panel["top"]["means"])
    last = [series["y"][-1] for series in panel["curve"]["series"]]
    assert last == pytest.approx(list(table), rel=1e-3)
    # each likelihood's gap to the truth's floor: its own test loss (a density of y for
    # all three) minus the floor, no line on the distance chart (not a loss in nats)
    ds = at.session_state[f"tp.{KEY}.cmp"]["ctx"].dataset
    floor = truth.floor("outliers", **ds.params).value
    assert panel["floor"] is None
    truth_own = float(-truth.log_prob(ds, ds.X_test, ds.y_test).mean())
    for r, label in zip(at.session_state[f"tp.{KEY}.cmp"]["live"], table.index, strict=True):
        own = float(live.surprise(r.run, ds.X_test, ds.y_test.numpy()).mean())
        assert own - truth_own > 0  # the fits are far from the truth after 300 steps
        assert shown.loc[label, "KL from the truth ≈"] == f"{number(own - truth_own)} nats"
        assert own - floor > 0


def test_the_settings_summary_writes_a_likelihoods_parameter_as_its_symbol():
    at = open_page({})
    (summary,) = [c.value for c in at.caption if c.value.startswith("Data: ")]
    assert "likelihood: gaussian, $\\sigma$ = 1 ·" in summary
    assert "sigma 1" not in summary
