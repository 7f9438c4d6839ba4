"""The binary-classification page: training through Train and Step, pause and resume,
reset, links that restore a run, bad links, settings changed mid-run, CSV uploads, the
comparison and the loss surface."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
import torch

from probnn import data, live, training, truth
from tests.pages.training_helpers import TrainingPage, components, live_frame, results, status
from ui import frames, runs, training_page
from ui.charts import number
from ui.training_page import results as results_module
from ui.training_page import view, watch

pytestmark = pytest.mark.usefixtures("one_thread")
KEY = "binary"
MINUS = "\u2212"  # how the page writes a negative number


PAGE = TrainingPage(KEY)
open_page, click, live_of = PAGE.open, PAGE.click, PAGE.live


def plain_run(steps: int, **kw) -> training.Run:
    """The run the page trains with its default settings, computed directly."""
    name = kw.pop("data", "moons")  # the page's default: moons that overlap
    ds = data.make(
        name,
        seed=kw.get("seed", 0),
        n=kw.pop("n", 400),
        noise=kw.pop("noise", data.GENERATORS[name].spec("noise").default),
    )
    cfg = training.TrainConfig(steps=steps, **{"likelihood": "bernoulli", **kw})
    run = training.Run(cfg, ds)
    run.advance(steps)
    return run


def test_renders_with_title_formulas_and_caps():
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Binary classification"
    assert len(at.latex) >= 2  # the model p(y|x) and the loss of the chosen likelihood
    assert any(training_page.CAPS in c.value for c in at.caption)
    assert status(at).startswith("**Step 0 / 500** · ready")
    labels = [b.label for b in at.button]
    for label in ("Train", "Pause", "Resume", "Step ×10", "Reset"):
        assert label in labels
    assert "Run the comparison" not in labels  # only the open tab is drawn
    at = open_page({"tab": "Compare likelihoods"})
    assert "Run the comparison" in [b.label for b in at.button]


def test_buttons_that_train_say_what_they_do_under_them_not_in_a_tooltip():
    # a tooltip shows while the pointer rests on the button just clicked, i.e. over the
    # loss formula for the whole run; the caption under the row says it instead
    for tab in training_page.TABS:
        at = open_page({"tab": tab})
        assert not at.exception
        assert not [b.label for b in at.button if b.help], tab
    at = open_page()
    text = next(c.value for c in at.caption if "**Train**" in c.value)
    for label in ("Train", "Pause", "Resume", "Step ×10", "Reset"):
        assert f"**{label}**" in text
    at = open_page({"tab": "Loss surface"})
    assert any("**Descend** starts at the initial weights" in c.value for c in at.caption)


def test_train_runs_to_the_end_and_matches_probnn():
    at = click(open_page({"steps": 20}), "train")
    assert not at.exception
    text = status(at)
    assert text.startswith("**Step 20 / 20** · finished")
    ref = plain_run(20)
    last = float(ref.history.train_loss[19])
    assert f"train loss **{number(last)}** nats" in text
    pd.testing.assert_frame_equal(
        live_of(at).run.history_frame(10**6), ref.history_frame(10**6), check_exact=True
    )
    # after training: calibration (on the canvas, from the plain run's test predictions)
    # and the history download
    block = results(at)
    assert block["heading"] == "After training"
    assert block["left"].startswith("**Calibration on the test set.**")
    probs, _ = live.predict(ref, ref.dataset.X_test)
    table = live.calibration_table(probs, ref.dataset.y_test.numpy())
    chart = components(at, "scatter")[-1]
    assert chart["x"] == pytest.approx(list(table["predicted"]))
    assert chart["y"] == pytest.approx(list(table["observed"]))
    assert chart["n"] == list(table["count"]) and sum(chart["n"]) == len(ref.dataset.y_test)
    # no history route here (AppTest): Streamlit's own download button under the block
    assert block["download"] is None
    assert [b.label for b in at.get("download_button")] == [training_page.DOWNLOAD_LABEL]
    assert block["right"].startswith("**The run's history** (20 steps)")
    # the last two evaluations, as the plain run recorded them
    assert block["table"]["head"] == ["", "step 10", "step 20"]
    rows = {row[0]: row[1:] for row in block["table"]["rows"]}
    h = ref.history
    for name, values in [
        ("train loss (nats)", h.train_loss[[9, 19]]),
        ("test loss (nats)", h.test_loss[:2]),
        ("gradient norm", h.grad_norm[:2]),
    ]:
        assert rows[name] == [number(float(v)).replace("-", "\u2212") for v in values]
    # the CSV (built when the button is pressed): every step, every series, losses in nats
    csv = pd.read_csv(io.StringIO(training_page.history_csv(live_of(at))))
    assert list(csv["step"]) == list(range(1, 21))
    assert list(csv.columns) == [
        "step",
        "gradient norm",
        "test accuracy",
        "test loss (nats)",
        "train accuracy",
        "train loss (nats)",
    ]
    assert csv["train loss (nats)"].to_numpy() == pytest.approx(ref.history.train_loss[:20])
    evals = csv.dropna()
    assert list(evals["step"]) == [10, 20]
    assert evals["test loss (nats)"].to_numpy() == pytest.approx(ref.history.test_loss[:2])


def test_step_twice_reaches_the_end_then_reset():
    at = open_page({"steps": 20})
    at = click(at, "step")
    assert status(at).startswith("**Step 10 / 20** · paused")
    at = click(at, "step")
    assert status(at).startswith("**Step 20 / 20** · finished")
    at = click(at, "step")  # nothing left to do: a toast, no error
    assert status(at).startswith("**Step 20 / 20**")
    at = click(at, "reset")
    assert status(at).startswith("**Step 0 / 20** · ready")
    assert live_of(at).run.step == 0


def test_pause_and_resume_mid_run(monkeypatch):
    # The page normally redraws until the run ends; here it hands back at once, so the
    # test can press Pause while the background thread trains.
    monkeypatch.setattr(watch, "WATCH_LIMIT", 0.0)
    at = click(open_page({"steps": 5000}), "train")
    lv = live_of(at)
    assert lv.snapshot().status == "running"
    at = click(at, "pause")
    first = lv.snapshot()
    assert first.status == "paused" and 0 < first.step < 5000
    assert f"**Step {first.step:,} / 5,000** · paused" in status(at)
    assert results(at)["heading"] == f"At step {first.step:,}"  # the results so far
    at = click(at, "resume")
    assert lv.snapshot().status == "running"
    at = click(at, "pause")
    assert first.step < lv.snapshot().step < 5000
    assert lv.snapshot().status == "paused"


def test_a_link_restores_the_exact_run():
    query = dict(
        data="xor",
        n=100,
        noise=0.1,
        layers=1,
        units=8,
        act="relu",
        opt="sgd",
        lr=0.1,
        steps=30,
        batch="32",
        seed=7,
    )
    at = open_page(query)
    assert not at.exception
    assert at.selectbox(key="data").value == "xor"
    assert at.slider(key="n").value == 100 and at.slider(key="units").value == 8
    assert at.number_input(key="seed").value == 7
    config = live_of(at).run.config
    assert config == training.TrainConfig(
        hidden=(8,), activation="relu", optimiser="sgd", lr=0.1, steps=30, batch_size=32, seed=7
    )
    at = click(at, "train")
    ref = plain_run(
        30,
        data="xor",
        n=100,
        noise=0.1,
        hidden=(8,),
        activation="relu",
        optimiser="sgd",
        lr=0.1,
        batch_size=32,
        seed=7,
    )
    pd.testing.assert_frame_equal(
        live_of(at).run.history_frame(10**6), ref.history_frame(10**6), check_exact=True
    )


def test_bad_link_values_give_messages_not_errors():
    at = open_page({"steps": "lots", "lr": "7", "data": "nope", "lik": "mse", "units": 999})
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    for key in ("steps", "lr", "data", "lik", "units"):
        assert key in notes
    assert status(at).startswith("**Step 0 / 500**")  # the defaults stand


def test_changing_a_setting_mid_run_resets_and_says_so(monkeypatch):
    monkeypatch.setattr(watch, "WATCH_LIMIT", 0.0)
    at = click(open_page({"steps": 5000}), "train")
    old = live_of(at)
    at.slider(key="units").set_value(16).run()
    assert not at.exception
    assert old.snapshot().status == "paused"
    assert any("settings changed while training" in i.value for i in at.info)
    assert status(at).startswith("**Step 0 / 5,000** · ready")
    assert live_of(at).run.config.hidden == (16, 16)


def test_divergence_shows_the_reason_and_a_hint():
    query = {"opt": "sgd", "lr": 3.0, "steps": 200, "layers": 3, "units": 64, "act": "relu"}
    at = click(open_page(query), "train")
    assert not at.exception
    snap = live_of(at).snapshot()
    assert snap.status == "diverged" and snap.step < 200
    assert "diverged" in status(at)
    message = " ".join(e.value for e in at.error)
    assert "The run diverged" in message and "Lower the learning rate" in message
    assert "nan" not in status(at).lower()
    # the live panel's data stays strict JSON: no NaN or Infinity for the browser to choke on
    for element in at.get("bidi_component"):
        json.loads(
            element.proto.json, parse_constant=lambda c: pytest.fail(f"{c} in the panel's data")
        )


GOOD = b"x1,x2,label\n" + b"".join(
    f"{i % 7 - 3},{(i * 3) % 5 - 2},{'yes' if (i % 7 - 3) + ((i * 3) % 5 - 2) > 0 else 'no'}\n".encode()
    for i in range(60)
)


def test_csv_upload_good_then_bad_keeps_the_good_table():
    at = open_page({"data": "csv", "steps": 20})
    assert not at.exception
    PAGE.upload(at, "points.csv", GOOD)
    assert not at.exception
    assert any("Training on points.csv" in c.value for c in at.caption)
    at = click(at, "train")
    assert status(at).startswith("**Step 20 / 20** · finished")
    settings = at.session_state[f"tp.{KEY}.settings"]
    PAGE.upload(at, "photo.csv", b"\x89PNG\r\n\x1a\n")
    assert not at.exception
    assert any("photo.csv" in e.value and "Still using points.csv" in e.value for e in at.error)
    assert at.session_state[f"tp.{KEY}.settings"] == settings  # the run was not touched
    assert status(at).startswith("**Step 20 / 20** · finished")


def test_accept_upload_keeps_the_store_on_a_bad_file():
    store: dict = {}
    ok, message = training_page.accept_upload(store, GOOD, "good.csv", task="binary")
    assert ok and message is None and store["columns"] == ["x1", "x2", "label"]
    assert store["target"] == "label"
    before = dict(store)
    for bad in (b"", b"\x89PNG\r\n\x1a\n"):  # unreadable, or no column fits a binary task
        ok, message = training_page.accept_upload(store, bad, "bad.csv", task="binary")
        assert not ok and "bad.csv" in message and "Still using good.csv" in message
        assert store == before
    # a table whose usable target is not the last column is taken, with that target
    swapped = b"label,x1\n" + b"".join(f"{'ab'[i % 2]},{i}\n".encode() for i in range(30))
    ok, _ = training_page.accept_upload(store, swapped, "swapped.csv", task="binary")
    assert ok and store["target"] == "label" and store["name"] == "swapped.csv"


def test_load_upload_reports_a_wrong_task():
    three = b"a,b,y\n" + b"".join(f"{i},{i % 3},{i % 3}\n".encode() for i in range(30))
    result = training_page.load_upload(three, "three.csv", task="binary", target="y", features=None)
    assert not result["ok"] and result["error"]
    result = training_page.load_upload(
        GOOD, "good.csv", task="binary", target="label", features=None
    )
    assert result["ok"] and result["dataset"].n_features == 2


def test_comparison_runs_both_likelihoods_from_the_same_weights():
    at = open_page({"c_steps": 20, "tab": "Compare likelihoods"})
    at.button(key=f"tp.{KEY}.b_cmp").click().run()
    assert not at.exception
    runs = at.session_state[f"tp.{KEY}.cmp"]["live"]
    assert [r.run.config.likelihood for r in runs] == ["bernoulli", "gaussian_probability"]
    for r in runs:
        assert r.snapshot().status == "finished"
    a, b = (r.run.initial_state() for r in runs)
    assert all(torch.equal(a[k], b[k]) for k in a)
    table = at.dataframe[-1].value
    assert list(table["likelihood"]) == [
        "cross-entropy (Bernoulli)",
        "squared error on probabilities",
    ]
    # one canvas: each run's p(y|x) map and their test cross-entropy, as probed
    panel = components(at, "compare")[-1]
    assert [r["name"] for r in panel["runs"]] == list(table["likelihood"])
    assert [r["title"] for r in panel["runs"]] == list(table["likelihood"])  # finished
    assert panel["top"]["kind"] == "maps" and all(panel["top"]["pictures"])
    for r, series in zip(runs, panel["curve"]["series"], strict=True):
        probes = r.snapshot().probes
        assert series["x"] == list(probes["step"])
        # the frame carries 5 significant digits (charts.LIVE_DIGITS)
        assert series["y"] == pytest.approx(list(probes["test cross-entropy"]), rel=1e-4)
    # the table shows 4 significant digits
    assert series["y"][-1] == pytest.approx(float(table["test cross-entropy"].iloc[-1]), rel=1e-3)
    # the floor is the truth's whatever the likelihood: a line on the chart, and each
    # run's KL from the truth in the table: its test cross-entropy minus the truth's own
    # loss on the same test points (0 within sampling error below 0)
    settings = at.session_state[f"tp.{KEY}.settings"]
    floor = truth.floor(settings.dataset, **dict(settings.data_params)).value
    assert panel["floor"]["value"] == pytest.approx(floor)
    ds = at.session_state[f"tp.{KEY}.cmp"]["ctx"].dataset
    own = float(-truth.log_prob(ds, ds.X_test, ds.y_test).mean())
    for r, kl in zip(runs, table["KL from the truth ≈"], strict=True):
        last = float(r.snapshot().probes["test cross-entropy"].iloc[-1])
        estimate = last - own
        assert kl == (
            f"{number(estimate)} nats"
            if estimate >= 0
            else f"0 (within sampling error: {number(estimate).replace('-', MINUS)})"
        )
    assert any(c.value.startswith(f"**Floor H(Y|X) = {number(floor)} nats**") for c in at.caption)


def test_comparison_trains_on_the_pages_data_and_names_it_above_its_charts():
    at = open_page({"data": "xor", "noise": 0.25, "n": 300, "seed": 4, "c_steps": 10,
                    "tab": "Compare likelihoods"})  # fmt: skip
    at.button(key=f"tp.{KEY}.b_cmp").click().run()
    assert not at.exception
    page = at.session_state[f"tp.{KEY}.live"].run.dataset
    for r in at.session_state[f"tp.{KEY}.cmp"]["live"]:
        assert r.run.dataset is page
    said = [m.value for m in at.markdown if m.value.startswith("**Data:")]
    assert said and said[0].startswith("**Data: xor (points 300, noise 0.25)**, seed 4")


def test_loss_surface_descends():
    at = open_page({"tab": "Loss surface"})
    at.button(key=f"tp.{KEY}.b_surf").click().run()
    assert not at.exception
    lv = at.session_state[f"tp.{KEY}.surf"]["live"]
    path = lv.snapshot().probes
    assert lv.snapshot().status == "finished" and len(path) == 301
    assert any(m.value.startswith("Step **300** of 300") for m in at.markdown)


def streamed_run(monkeypatch, query: dict):
    """Press Train with the frame routes served (as under app.py): the button is the
    panel's, which posts to its stream's start route (here: calls what the route calls)
    and leaves the run training, drawn by the panel from its stream; no script run. The
    page is then run again, as any later click would, and shows the run streaming.
    Returns the page, its run and its stream."""
    monkeypatch.setattr(frames, "_SERVED", [True])
    at = open_page(query)
    source = at.session_state[f"tp.{KEY}.stream"]
    (button,) = components(at, "train")
    assert button["start"] == source.start_path and not at.button(key=f"tp.{KEY}.b_pause").disabled
    source.start()
    at.run()
    assert not at.exception
    return at, live_of(at), source


def test_a_streamed_run_trains_after_the_script_run_has_ended(monkeypatch):
    """In the browser, the panel follows the run by itself: the stream brings every frame,
    the status line and the results; the script run that the click started is over."""
    at, lv, source = streamed_run(monkeypatch, {"steps": 5000})
    assert lv.snapshot().status == "running"  # still training: the page is not waiting
    panel = live_frame(at)
    assert panel["running"] is True and panel["stream"]["lines"] == source.stream_path
    assert panel["events"] == ["ended", "lost"]
    (block,) = components(at, "results")  # empty, for the stream's last frame to fill
    assert block == {
        "kind": "results",
        "id": f"tp.{KEY}.results",
        "follow": panel["id"],
        "after": panel["stream"]["after"],  # results from a newer frame than the mount's
        "mount": block["mount"],
    }
    assert not at.get("download_button")
    lv.pause(wait=True)


def test_the_streams_last_frame_brings_the_results_the_page_would_draw(monkeypatch):
    # as fast as it can go: at a watchable pace nobody would look at it for 40 s here,
    # and a run nobody looks at pauses itself
    at, lv, source = streamed_run(monkeypatch, {"steps": 2000, "seed": 3, "pace": "fastest"})
    assert lv.wait(60)
    last = source.frame()
    assert last["running"] is False and last["rerun"] is False  # nothing more to say
    assert last["status"].startswith("**Step 2,000 / 2,000** · finished")
    json.dumps(last, allow_nan=False)  # strict JSON, as the route sends it
    at.run()  # any later run of the page draws the same block, with the history link
    drawn = results(at)
    assert last["results"] == {k: v for k, v in drawn.items() if k != "mount"}
    assert drawn["heading"] == "After training"
    assert drawn["download"] == {
        "href": source.history_path,
        "name": "probnn-binary-seed3.csv",
        "label": training_page.DOWNLOAD_LABEL,
    }
    assert not at.get("download_button")  # the link is the download
    csv = pd.read_csv(io.StringIO(source.history()))
    assert list(csv["step"]) == list(range(1, 2001))
    assert csv["train loss (nats)"].to_numpy() == pytest.approx(lv.run.history.train_loss)


def test_a_streamed_run_that_diverges_asks_the_page_to_say_why(monkeypatch):
    query = {"opt": "sgd", "lr": 3.0, "steps": 200, "layers": 3, "units": 64, "act": "relu"}
    at, lv, source = streamed_run(monkeypatch, query)
    assert lv.wait(60)
    last = source.frame()
    assert last["running"] is False and "diverged" in last["status"]
    assert last["rerun"] is True and "results" not in last  # the panel asks for a rerun
    at.run()  # that rerun: the reason and the hint
    message = " ".join(e.value for e in at.error)
    assert "The run diverged" in message and "Lower the learning rate" in message


def test_the_panel_has_its_own_train_button_when_nothing_else_must_change(monkeypatch):
    """With streams, Train starts the run through the stream's start route (no script
    run), and the panel follows it; an empty results block waits for its last frame."""
    monkeypatch.setattr(frames, "_SERVED", [True])
    at = open_page({"steps": 20})
    source = at.session_state[f"tp.{KEY}.stream"]
    (button,) = components(at, "train")
    assert button == {
        "kind": "train",
        "id": f"tp.{KEY}.panel",
        "label": "Train",
        "results": f"tp.{KEY}.results",
        "start": source.start_path,
        "stream": source.links(-1),
        "mount": button["mount"],
    }
    assert not [b for b in at.button if b.key == f"tp.{KEY}.b_train"]
    assert live_frame(at)["events"] == ["ended", "lost"]  # what its stream will report
    (block,) = components(at, "results")
    assert block["follow"] == button["id"] and block["after"] == live_of(at).version


def test_streamlits_train_button_comes_back_when_the_page_has_more_to_change(monkeypatch):
    """A reason (a diverged run) or a message (settings changed while training) goes
    when the next run starts: that takes a script run, so Train is Streamlit's button."""
    query = {"opt": "sgd", "lr": 3.0, "steps": 200, "layers": 3, "units": 64, "act": "relu"}
    at, lv, _ = streamed_run(monkeypatch, query)
    assert lv.wait(60)
    at.run()
    assert at.error and not components(at, "train")
    at = click(at, "train")  # the reason goes; the run trains again
    assert lv.wait(60) and not at.exception
    at.run()
    assert lv.snapshot().status == "diverged" and not components(at, "train")


def test_a_settings_message_keeps_streamlits_train_button_until_train_clears_it(monkeypatch):
    at, old, _ = streamed_run(monkeypatch, {"steps": 5000})
    at.slider(key="units").set_value(16).run()  # changed while the panel's run trains
    assert old.snapshot().status == "paused"
    assert any("settings changed while training" in i.value for i in at.info)
    assert not components(at, "train")
    at = click(at, "train")  # the message goes, the new run trains
    assert not any("settings changed" in i.value for i in at.info)
    live_of(at).pause(wait=True)
    at.run()
    assert components(at, "train")  # nothing left to clear: the panel's button again


def test_a_session_whose_stream_failed_gets_every_frame_as_an_element(monkeypatch):
    """A panel whose stream fails before the run's last frame (a proxy in the way) asks
    for a rerun ("lost"): from then on the page waits for its runs and draws them."""
    monkeypatch.setattr(frames, "_SERVED", [True])
    at = open_page({"steps": 20})
    assert components(at, "train")  # the panel's own Train button, while streams work
    at.session_state[view.UNSTREAMED] = True  # what view._stream_lost records
    at = click(at.run(), "train")  # the rerun that the panel asked for: Streamlit's button
    assert not at.exception
    assert status(at).startswith("**Step 20 / 20** · finished")
    assert "stream" not in live_frame(at)
    assert results(at)["download"] is None and at.get("download_button")


def test_the_history_table_keeps_its_numbers_whole():
    """The after-training table's minus signs are typographic, so a narrow cell cannot
    break ``1.390e-04`` after the hyphen (4 significant digits, as every number shown)."""
    frame = pd.DataFrame({"step": [10, 20], "train loss (nats)": [1.39e-4, -0.5]})
    table = results_module.last_table(frame)
    assert table == {
        "head": ["", "step 10", "step 20"],
        "rows": [["train loss (nats)", "1.390e\u221204", "\u22120.5"]],
    }


def test_leaving_the_page_pauses_its_run_and_coming_back_says_so(app, monkeypatch):
    # the router pauses the runs of pages not shown: a streamed run no longer holds the
    # script, so leaving the page would otherwise leave it training
    monkeypatch.setattr(watch, "WATCH_LIMIT", 0.0)  # hand back while it trains
    app.run()
    app.query_params["steps"] = 5000
    app.switch_page("lessons/binary.py").run()
    app = app.button(key=f"tp.{KEY}.b_train").click().run()
    lv = app.session_state[f"tp.{KEY}.live"]
    assert lv.snapshot().status == "running"
    app.switch_page("lessons/entropy.py").run()
    assert not app.exception
    assert lv.wait(30)
    left = lv.snapshot()
    assert left.status == "paused" and 0 < left.step < 5000
    app.switch_page("lessons/binary.py").run()
    assert not app.exception
    assert any(m.value == runs.LEFT for m in app.info), (
        [m.value for m in app.info],
        status(app),
        app.query_params,
    )
    assert f"**Step {left.step:,} / 5,000** · paused" in status(app)
