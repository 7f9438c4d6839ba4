"""How a run is watched: its pace (steps per second, in the link, "fastest" one click
away), the loss axis's log scale (in the link) and each point's surprise -log q(y|x)
under the current model, whose mean over the training points is the training loss."""

from __future__ import annotations

import numpy as np
import pytest

from probnn import live, truth
from tests.pages.link_model import Browser
from tests.pages.training_helpers import TrainingPage, live_frame, status
from ui.charts import training as charts
from ui.training_page import pace as pace_module

pytestmark = pytest.mark.usefixtures("one_thread")

PAGES = ("binary", "multiclass", "regression")


@pytest.mark.parametrize("key", PAGES)
def test_pace_is_in_the_link_and_fastest_is_one_click_away(key):
    browser = Browser(f"lessons/{key}.py")
    assert not browser.at.exception
    run = browser.at.session_state[f"tp.{key}.live"]
    assert run.pace == pace_module.DEFAULT_PACE  # the default is not in the link
    assert "pace" not in browser.link
    assert browser.at.radio(key="pace").options[-1] == pace_module.FASTEST
    browser.change("pace", pace_module.FASTEST)  # one click
    assert browser.link["pace"] == pace_module.FASTEST
    same = browser.at.session_state[f"tp.{key}.live"]
    assert same is run and run.pace is None  # the same run, now as fast as it can go
    fresh = Browser(f"lessons/{key}.py", {"pace": "10"})
    assert fresh.at.session_state[f"tp.{key}.live"].pace == 10.0


def test_a_bad_pace_in_a_link_says_so_and_keeps_the_default():
    page = TrainingPage("binary")
    at = page.open({"pace": "warp"})
    assert not at.exception
    assert page.live(at).pace == pace_module.DEFAULT_PACE
    assert any("pace='warp'" in c.value for c in at.caption)


def test_paced_and_fastest_runs_train_the_same_steps():
    page = TrainingPage("binary")
    paced = page.click(page.open({"steps": 20, "pace": "250"}), "train")
    fastest = page.click(page.open({"steps": 20, "pace": "fastest"}), "train")
    for at in (paced, fastest):
        assert status(at).startswith("**Step 20 / 20** · finished")
    a, b = (page.live(at).run.history.train_loss[:20] for at in (paced, fastest))
    np.testing.assert_array_equal(a, b)


def test_log_scale_is_in_the_link_and_in_the_frame():
    browser = Browser("lessons/binary.py")
    assert live_frame(browser.at)["log"] is False
    browser.change("logy", True)
    assert browser.link["logy"] == "true"
    assert live_frame(browser.at)["log"] is True
    fresh = Browser("lessons/binary.py", {"logy": "true"})
    assert live_frame(fresh.at)["log"] is True


@pytest.mark.parametrize("key", PAGES)
def test_mean_surprise_over_the_training_points_is_the_training_loss(key):
    # every training point is drawn (n = 200: 150 for training, at most 300 are drawn);
    # the surprise is the current model's, after k steps; the run's next step records
    # the loss of that same model, which the loss curve then shows
    page = TrainingPage(key)
    at = page.open({"n": 200, "steps": 40, "surprise": "true"})
    at = page.click(at, "step")
    right = live_frame(at)["right"]
    ds = page.live(at).run.dataset
    n_train = len(ds.y_train)
    assert right["size_by_surprise"] is True
    surprise = np.asarray(right["surprise"][:n_train], dtype=np.float64)
    assert len(right["points"]["x"]) >= n_train
    at = page.click(at, "step")
    train = live_frame(at)["series"][0]
    shown = dict(zip(train["x"], train["y"], strict=True))[11]  # step 11's training loss
    assert surprise.mean() == pytest.approx(shown, rel=1e-4)
    assert right["surprise_mean"] == pytest.approx(shown, rel=1e-4)
    # and each drawn point's surprise is -log q(y|x) of the model at step 10
    run = live.LiveRun.create(page.live(at).run.config, ds)
    run.step(10)
    expected = live.surprise(run.run, ds.X_train.numpy(), ds.y_train.numpy())
    assert surprise == pytest.approx(expected, rel=1e-4, abs=1e-6)


@pytest.mark.parametrize("key", ["binary", "multiclass"])
def test_the_map_can_show_the_true_p_y_given_x_in_place_of_the_models(key):
    browser = Browser(f"lessons/{key}.py", {"steps": "10", "pace": "fastest"})
    ctx = browser.at.session_state[f"tp.{key}.ctx"]
    expected = charts.picture(
        charts.probability_colours(truth.bayes_grid(ctx.dataset, ctx.xs, ctx.ys))
    )
    browser.at.button(key=f"tp.{key}.b_train").click().run()
    model = live_frame(browser.at)["right"]
    assert model["truth"] is False and model["picture"] != expected
    browser.change("truth", True)
    assert browser.link["truth"] == "true"
    right = live_frame(browser.at)["right"]
    assert right["truth"] is True and right["picture"] == expected
    assert browser.at.session_state[f"tp.{key}.live"].snapshot().step == 10  # same run


def test_no_truth_to_show_for_a_fit_or_a_csv():
    regression = TrainingPage("regression").open()
    assert not [t for t in regression.toggle if t.key == "truth"]
    page = TrainingPage("binary")
    rows = "".join(f"{i % 7},{(i * 3) % 5},{i % 2}\n" for i in range(60))
    at = page.open({"data": "csv"})
    page.upload(at, "points.csv", ("x1,x2,label\n" + rows).encode())
    assert not at.exception
    assert not [t for t in at.toggle if t.key == "truth"]
