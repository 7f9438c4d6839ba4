"""The multi-class page: Categorical + softmax trained live, links, label smoothing, CSV."""

from __future__ import annotations

import base64

import pandas as pd
import pytest
import torch

from probnn import data, training
from tests.pages.training_helpers import TrainingPage, components, live_frame, status
from ui import training_page
from ui.charts import number

pytestmark = pytest.mark.usefixtures("one_thread")
KEY = "multiclass"


PAGE = TrainingPage(KEY)
open_page, click, live_of = PAGE.open, PAGE.click, PAGE.live


def test_renders_and_trains_like_probnn():
    at = open_page({"steps": 20})
    assert not at.exception
    assert at.title[0].value == "Multi-class classification"
    assert status(at).startswith("**Step 0 / 20** · ready")
    at = click(at, "train")
    assert status(at).startswith("**Step 20 / 20** · finished")
    ds = data.make("multi_blobs", seed=0, n=400, noise=1.0, n_classes=3)  # the defaults
    ref = training.Run(training.TrainConfig(likelihood="categorical", steps=20), ds)
    ref.advance(20)
    assert f"train loss **{number(float(ref.history.train_loss[19]))}** nats" in status(at)
    pd.testing.assert_frame_equal(
        live_of(at).run.history_frame(10**6), ref.history_frame(10**6), check_exact=True
    )
    # the live panel: the loss curves and the class map, one colour per class
    frame = live_frame(at)
    assert frame["label"] == "step 20 / 20"
    # to the 5 significant digits that a frame carries (charts.LIVE_DIGITS)
    assert frame["series"][0]["y"][-1] == pytest.approx(float(ref.history.train_loss[19]), rel=1e-4)
    right = frame["right"]
    grid = training_page.GRID
    assert right["kind"] == "map" and (right["picture"]["w"], right["picture"]["h"]) == (grid, grid)
    assert len(base64.b64decode(right["picture"]["rgb"])) == grid * grid * 3
    assert right["gradient"] is None and len(right["names"]) == len(right["styles"]) == 3
    calibration = components(at, "scatter")[-1]
    assert calibration["x_title"] == "predicted top-class probability"


def test_link_with_classes_and_label_smoothing():
    query = {"data": "multi_spirals", "classes": 4, "smoothing": 0.1, "steps": 10, "seed": 3}
    at = open_page(query)
    assert not at.exception
    assert at.slider(key="classes").value == 4 and at.slider(key="smoothing").value == 0.1
    run = live_of(at).run
    assert run.config.likelihood_params == {"smoothing": 0.1} and run.config.seed == 3
    assert run.dataset.n_classes == 4
    at = click(at, "step")
    assert status(at).startswith("**Step 10 / 10** · finished")


def test_bad_links_fall_back_with_a_message():
    at = open_page({"classes": 40, "smoothing": "x", "data": "moons"})
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "classes" in notes and "smoothing" in notes and "data" in notes
    assert live_of(at).run.dataset.n_classes == 3


def test_csv_with_three_species():
    rows = "".join(
        f"{i % 5},{(i * 7) % 11},{['setosa', 'virginica', 'versicolor'][i % 3]}\n"
        for i in range(45)
    )
    at = open_page({"data": "csv", "steps": 10})
    PAGE.upload(at, "iris.csv", ("a,b,species\n" + rows).encode())
    assert not at.exception
    assert live_of(at).run.dataset.n_classes == 3
    at = click(at, "train")
    assert status(at).startswith("**Step 10 / 10** · finished")


def test_comparison_smoothing_keeps_probabilities_softer():
    at = open_page({"c_steps": 200, "c_lr": 0.03, "tab": "Compare likelihoods"})
    at.button(key=f"tp.{KEY}.b_cmp").click().run()
    assert not at.exception
    plain, smooth = at.session_state[f"tp.{KEY}.cmp"]["live"]
    assert smooth.run.config.likelihood_params == {"smoothing": 0.2}
    ds = plain.run.dataset
    with torch.no_grad():
        p_plain = torch.softmax(plain.run.model(ds.X_test), -1).max(-1).values.mean()
        p_smooth = torch.softmax(smooth.run.model(ds.X_test), -1).max(-1).values.mean()
    assert p_smooth < p_plain
