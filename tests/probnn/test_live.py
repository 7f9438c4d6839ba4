"""LiveRun: a training Run advanced on a background thread, read through snapshots."""

from __future__ import annotations

import math
import threading
import time

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from probnn import data, likelihoods, live, training

pytestmark = pytest.mark.usefixtures("one_thread")

SMALL = dict(hidden=(8,), steps=60, eval_every=10, seed=3)


@pytest.fixture(scope="module")
def moons():
    return data.make("moons", seed=1, n=120)


def config(**kw) -> training.TrainConfig:
    return training.TrainConfig(**{**SMALL, **kw})


def plain_history(cfg, ds, init_state=None) -> pd.DataFrame:
    run = training.Run(cfg, ds, init_state=init_state)
    run.advance(cfg.steps)
    return run.history_frame(max_points=10**6)


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_background_run_equals_a_plain_run_bit_for_bit(moons):
    cfg = config()
    lv = live.LiveRun.create(cfg, moons, chunk_seconds=0.001)  # many small chunks
    lv.start()
    assert lv.wait(timeout=60)
    snap = lv.snapshot()
    assert snap.status == "finished" and snap.over
    assert snap.step == cfg.steps and snap.progress == 1.0
    assert "finished" in snap.stop_reason
    got = lv.run.history_frame(max_points=10**6)
    pd.testing.assert_frame_equal(got, plain_history(cfg, moons), check_exact=True)
    assert snap.compute_seconds > 0


def test_a_final_status_comes_with_the_final_data(moons):
    # A page stops redrawing when it sees "finished": that snapshot must hold the last step.
    for _ in range(3):
        lv = live.LiveRun.create(
            config(steps=40), moons, chunk_seconds=0.001, observe=lambda r: int(r.step)
        )
        lv.start()
        while True:
            snap = lv.snapshot()
            if snap.over:
                assert snap.step == 40 and snap.view == 40 and snap.view_step == 40
                break


def test_start_pause_resume_and_step(moons):
    cfg = config(steps=400)
    lv = live.LiveRun.create(cfg, moons, chunk_seconds=0.005)
    assert lv.snapshot().status == "ready"
    lv.start()
    assert wait_until(lambda: lv.snapshot().step > 0)
    lv.pause(wait=True)
    paused = lv.snapshot()
    assert paused.status == "paused" and 0 < paused.step < cfg.steps
    time.sleep(0.05)
    assert lv.run.step == paused.step  # nothing moves while paused
    lv.step(7)
    assert lv.snapshot().step == paused.step + 7 and lv.snapshot().status == "paused"
    lv.resume()
    assert lv.wait(timeout=60)
    assert lv.snapshot().status == "finished"
    lv.step(5)  # a finished run takes no more steps
    assert lv.snapshot().step == cfg.steps
    pd.testing.assert_frame_equal(
        lv.run.history_frame(max_points=10**6), plain_history(cfg, moons), check_exact=True
    )


def test_reset_starts_again_from_the_same_weights(moons):
    lv = live.LiveRun.create(config(), moons)
    before = {k: v.clone() for k, v in lv.run.initial_state().items()}
    lv.step(20)
    assert lv.snapshot().step == 20
    lv.reset()
    snap = lv.snapshot()
    assert snap.step == 0 and snap.status == "ready" and snap.history.empty
    for k, v in lv.run.model.state_dict().items():
        assert torch.equal(v, before[k])


def test_stop_is_final(moons):
    lv = live.LiveRun.create(config(steps=1000), moons)
    lv.step(3)
    lv.stop()
    snap = lv.snapshot()
    assert snap.status == "stopped" and snap.over and snap.stop_reason
    lv.start()  # a stopped run does not start again
    assert lv.snapshot().status == "stopped" and lv.snapshot().step == 3


def test_heartbeat_pauses_a_run_nobody_watches(moons):
    lv = live.LiveRun.create(config(steps=20_000), moons, heartbeat=0.2, chunk_seconds=0.01)
    lv.start()
    assert lv.wait(timeout=30)  # the thread stops by itself: no snapshot was asked for
    snap = lv.snapshot()
    assert snap.status == "paused" and 0 < snap.step < 20_000
    assert "nobody watched" in snap.note
    lv.start()  # Resume clears the note
    assert lv.snapshot().note is None
    lv.pause()


def test_a_watched_run_is_not_paused_by_the_heartbeat(moons):
    lv = live.LiveRun.create(config(steps=300), moons, heartbeat=0.2, chunk_seconds=0.01)
    lv.start()
    while lv.snapshot().status == "running":
        time.sleep(0.02)
    assert lv.snapshot().status == "finished"


def test_a_run_whose_page_reads_its_stream_is_not_paused_while_it_waits(moons):
    """A stream read by an open page says so (watched) even when it has no new frame to
    ask for: a run that waits long for its turn at the compute slot trains on."""
    lv = live.LiveRun.create(config(steps=300), moons, heartbeat=0.2, chunk_seconds=0.01)
    with live._SHARE.turn("someone else"):  # the slot is taken: the run cannot move
        lv.start()
        for _ in range(30):  # 0.6 s, three heartbeats, without a single snapshot
            lv.watched()
            time.sleep(0.02)
    # and goes on reading it while the run trains (300 steps may take more than a
    # heartbeat on a busy machine)
    deadline = time.monotonic() + 60
    while not lv.wait(timeout=0.02) and time.monotonic() < deadline:
        lv.watched()
    assert lv.wait(timeout=1)
    snap = lv.snapshot()
    assert snap.status == "finished" and snap.note is None


def test_divergence_stops_the_run_with_its_reason(moons):
    cfg = config(optimiser="sgd", lr=1e6, momentum=0.9, steps=500)
    lv = live.LiveRun.create(cfg, moons)
    lv.start()
    assert lv.wait(timeout=60)
    snap = lv.snapshot()
    assert snap.status == "diverged" and snap.over
    assert "diverged" in snap.stop_reason and "learning rate" in snap.stop_reason
    assert snap.step < 500
    assert np.isfinite(snap.history["value"].dropna()).all()  # nothing infinite is drawn


def test_observe_is_published_with_its_step(moons):
    xs, ys = live.plane(moons, 7)
    lv = live.LiveRun.create(config(), moons, observe=lambda r: r.predict_grid(xs, ys))
    assert lv.snapshot().view.shape == (7, 7) and lv.snapshot().view_step == 0
    lv.step(15)
    snap = lv.snapshot()
    assert snap.view_step == 15
    np.testing.assert_array_equal(snap.view, lv.run.predict_grid(xs, ys))


def test_probes_follow_the_steps_not_the_chunks(moons):
    cfg = config(steps=45)
    lv = live.LiveRun.create(cfg, moons, probe=live.weight_bias, probe_every=10)
    for n in (3, 11, 2, 29):  # chunk boundaries that do not fall on multiples of 10
        lv.step(n)
    probes = lv.snapshot().probes
    assert probes["step"].tolist() == [0, 10, 20, 30, 40, 45]
    assert list(probes.columns) == ["step", "w", "b"]


@settings(max_examples=6, deadline=None)
@given(st.lists(st.integers(1, 17), min_size=1, max_size=6))
def test_any_chunking_gives_the_plain_history(chunks):
    ds = data.make("blobs", seed=0, n=40)
    cfg = config(steps=30, hidden=(4,))
    lv = live.LiveRun.create(cfg, ds)
    while lv.snapshot().status != "finished":
        for n in chunks:
            lv.step(n)
    pd.testing.assert_frame_equal(
        lv.run.history_frame(max_points=10**6), plain_history(cfg, ds), check_exact=True
    )


def test_runs_under_two_likelihoods_can_share_initial_weights(moons):
    first = live.LiveRun.create(config(likelihood="bernoulli"), moons)
    init = first.run.initial_state()
    other = live.LiveRun.create(
        config(likelihood="gaussian_probability", seed=99), moons, init_state=init
    )
    for k, v in init.items():
        assert torch.equal(other.run.initial_state()[k], v)


def test_render_interval_scales_with_the_active_runs(monkeypatch):
    monkeypatch.setattr(live, "_ACTIVE", [0])
    assert live.render_interval(0.001) == pytest.approx(0.065)  # the floor
    monkeypatch.setattr(live, "_ACTIVE", [30])
    assert live.render_interval(0.005) == pytest.approx(30 * 0.005 / 0.2)
    assert live.render_interval(1.0) == 2.0  # the ceiling


def test_active_count_counts_computing_threads(moons):
    lv = live.LiveRun.create(config(steps=20_000), moons, chunk_seconds=0.01)
    base = live.active_count()
    lv.start()
    assert wait_until(lambda: live.active_count() == base + 1)
    lv.pause(wait=True)
    assert wait_until(lambda: live.active_count() == base)


def test_history_table_is_one_row_per_step(moons):
    lv = live.LiveRun.create(config(steps=25), moons)
    lv.step(25)
    table = lv.full_history()
    assert table["step"].tolist() == list(range(1, 26))
    assert {"train loss", "test loss"} <= set(table.columns)
    assert table["test loss"].notna().sum() == 3  # steps 10, 20 and the last


# ---------------------------------------------------------------------- the loss surface


def test_line_dataset_is_seeded_and_one_dimensional():
    a = live.line_dataset(50, noise=0.5, seed=4)
    b = live.line_dataset(50, noise=0.5, seed=4)
    assert a.n_features == 1 and a.task == "binary" and a.n_classes == 2
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_test, b.y_test)
    assert a.n_train + a.n_test == 50
    assert not torch.equal(a.X_train, live.line_dataset(50, noise=0.5, seed=5).X_train)
    with pytest.raises(data.DataError, match="noise"):
        live.line_dataset(50, noise=-1)


def test_loss_surface_matches_binary_cross_entropy():
    ds = live.line_dataset(40, noise=0.7, seed=2)
    ws, bs = np.array([-1.0, 0.5, 3.0]), np.array([-2.0, 0.0])
    surface = live.loss_surface(likelihoods.get("bernoulli"), ds.X_train, ds.y_train, ws, bs)
    assert surface.shape == (2, 3)
    x, y = ds.X_train[:, 0].double(), ds.y_train.double()
    for i, b in enumerate(bs):
        for j, w in enumerate(ws):
            ref = F.binary_cross_entropy_with_logits(w * x + b, y)
            assert surface[i, j] == pytest.approx(float(ref), rel=1e-12)


def test_loss_surface_holds_a_bounded_slice_at_a_time(monkeypatch):
    """The largest grid a link can ask for (120 x 120 cells, 750 points) is computed a
    slice at a time: no step holds more than SURFACE_CELLS numbers, and the result is
    the same as computed at once."""
    ds = live.line_dataset(1000, noise=0.8, seed=1)
    ws, bs = np.linspace(-3, 9, 120), np.linspace(-6, 6, 120)
    lik = likelihoods.get("bernoulli")
    sizes = []

    class Spy:
        def nll_per_example(self, z, t):
            sizes.append(z.numel())
            return lik.nll_per_example(z, t)

    got = live.loss_surface(Spy(), ds.X_train, ds.y_train, ws, bs)
    assert max(sizes) <= live.SURFACE_CELLS
    monkeypatch.setattr(live, "SURFACE_CELLS", 10**9)
    np.testing.assert_allclose(got, live.loss_surface(lik, ds.X_train, ds.y_train, ws, bs),
                               rtol=1e-12)  # fmt: skip


def test_descent_on_the_surface_goes_downhill():
    ds = live.line_dataset(80, noise=0.8, seed=0)
    cfg = training.TrainConfig(
        hidden=(), activation="identity", optimiser="sgd", lr=0.3, steps=100, seed=0
    )
    lv = live.LiveRun.create(cfg, ds, probe=live.weight_bias, probe_every=1)
    lv.step(100)
    path = lv.snapshot().probes
    assert len(path) == 101 and path["step"].tolist() == list(range(101))
    lik = likelihoods.get("bernoulli")
    start = live.loss_surface(lik, ds.X_train, ds.y_train, path["w"][:1], path["b"][:1])
    end = live.loss_surface(lik, ds.X_train, ds.y_train, path["w"][-1:], path["b"][-1:])
    assert end[0, 0] < start[0, 0]


# ---------------------------------------------------------------------- reading a model


def test_predict_matches_the_likelihood(moons):
    lv = live.LiveRun.create(config(), moons)
    lv.step(10)
    mean, sd = live.predict(lv.run, moons.X_test)
    with torch.no_grad():
        ref = torch.sigmoid(lv.run.model(moons.X_test)[:, 0]).double().numpy()
    np.testing.assert_allclose(mean, ref, rtol=1e-6)
    assert sd is None


def test_yardstick_of_a_bernoulli_run_is_its_test_loss(moons):
    lv = live.LiveRun.create(config(steps=30), moons)
    lv.step(30)
    y = live.yardstick(lv.run, moons)
    test_loss = lv.run.history_frame().query("series == 'test loss'")["value"].iloc[-1]
    # the last evaluation is at the parameters before the last update; evaluate afresh
    with torch.no_grad():
        fresh = float(lv.run.likelihood.nll(lv.run.model(moons.X_test)[:, 0], moons.y_test))
    assert y["test cross-entropy"] == pytest.approx(fresh, rel=1e-5)
    assert math.isfinite(test_loss)
    assert 0.0 <= y["test accuracy"] <= 1.0


def test_yardstick_of_regression_knows_the_true_mean():
    ds = data.make("linear", seed=0, n=100)
    cfg = training.TrainConfig(
        likelihood="gaussian", hidden=(), activation="identity", steps=300, lr=0.05, seed=0
    )
    lv = live.LiveRun.create(cfg, ds)
    lv.step(300)
    y = live.yardstick(lv.run, ds)
    assert set(y) == {"test RMSE", "test MAE", "distance to the true mean"}
    assert y["distance to the true mean"] < 0.1  # a straight line fits a straight line


def test_calibration_table_of_calibrated_predictions():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=20_000)
    y = (rng.uniform(size=p.size) < p).astype(int)
    table = live.calibration_table(p, y, bins=10)
    assert table["count"].sum() == p.size and len(table) == 10
    np.testing.assert_allclose(table["observed"], table["predicted"], atol=0.03)


def test_calibration_table_for_several_classes_bins_the_top_class():
    probs = np.array([[0.7, 0.2, 0.1], [0.1, 0.85, 0.05], [0.4, 0.35, 0.25]])
    table = live.calibration_table(probs, np.array([0, 2, 0]), bins=10)
    assert table["count"].tolist() == [1, 1, 1]
    assert table["observed"].tolist() == [1.0, 1.0, 0.0]  # bins 0.4, 0.7, 0.85


def test_residual_table(moons):
    ds = data.make("sine", seed=0, n=60)
    lv = live.LiveRun.create(config(likelihood="gaussian"), ds)
    lv.step(5)
    table = live.residual_table(lv.run, ds.X_test, ds.y_test)
    mean, _ = live.predict(lv.run, ds.X_test)
    assert list(table.columns) == ["x", "fitted", "residual"]
    np.testing.assert_allclose(table["residual"], ds.y_test.numpy() - mean, rtol=1e-6)


def test_listeners_hear_every_new_version_until_they_unsubscribe(moons):
    lv = live.LiveRun.create(config(steps=40), moons, publish_every=0.0)
    heard = []
    unlisten = lv.listen(lambda: heard.append(lv.version))
    lv.start()
    assert lv.wait(30)
    assert lv.snapshot().status == "finished"
    assert heard, "no listener call while the run trained and finished"
    assert heard == sorted(heard) and heard[-1] == lv.version  # told of each growth, last too
    unlisten()
    unlisten()  # a second call does nothing
    before = len(heard)
    lv.reset()
    assert lv.version > heard[-1] and len(heard) == before


def test_the_last_frame_of_a_finished_run_is_published_once(moons):
    """A page (or a stream) that has drawn the finished run's frame has drawn its last
    version: the thread adds no new version as it ends."""
    lv = live.LiveRun.create(config(steps=40), moons, publish_every=1e9)  # none due
    heard = []
    lv.listen(lambda: heard.append(lv.version))
    lv.start()
    assert lv.wait(30) and lv.snapshot().status == "finished"
    assert len(heard) == 2 and heard[-1] == lv.version  # Train, then the final frame
    paused = live.LiveRun.create(config(steps=20_000), moons, publish_every=1e9)
    paused.start()
    assert wait_until(lambda: paused.run.step > 0)
    before = paused.snapshot().step
    paused.pause(wait=True)
    assert paused.snapshot().step >= before  # a pause still publishes the steps it took
    assert paused.snapshot().step == paused.run.step


def test_a_failing_listener_is_dropped_and_the_run_goes_on(moons):
    lv = live.LiveRun.create(config(steps=20), moons)
    calls = []

    def broken():
        calls.append(1)
        raise RuntimeError("event loop closed")

    lv.listen(broken)
    lv.start()
    assert lv.wait(30)
    assert lv.snapshot().status == "finished" and calls == [1]


def test_a_chunk_ends_when_the_next_frame_is_due(moons):
    """Chunks are about ``chunk_seconds`` long, but cut short at the next publishing time,
    so frames come every ``publish_every`` seconds rather than at chunk boundaries."""
    lv = live.LiveRun.create(config(steps=10_000), moons, chunk_seconds=0.025, publish_every=0.085)
    assert lv._chunk() == 1  # no step timed yet
    lv._seconds_per_step = 0.001
    lv._published_at = time.monotonic()  # just published: a whole chunk fits
    assert lv._chunk() == 25
    lv._published_at = time.monotonic() - 0.075  # the next frame is due in 10 ms
    assert 9 <= lv._chunk() <= 11  # the chunk ends just past it
    lv._published_at = time.monotonic() - 1.0  # late (published after this chunk): a whole one
    assert lv._chunk() == 25
    lv._published_at = time.monotonic() - 0.0849  # due in 0.1 ms: one step
    assert lv._chunk() == 1


def test_a_chunk_is_longer_while_a_crowd_waits_for_the_slot(moons, monkeypatch):
    """With ``CROWD`` chunks or more waiting for the compute slot, a chunk is
    ``CROWD_FACTOR`` times as long (fewer hand-overs and frames per second of compute);
    with fewer waiting, it is ``chunk_seconds`` again."""
    lv = live.LiveRun.create(config(steps=10_000), moons, chunk_seconds=0.025, publish_every=0.085)
    lv._seconds_per_step = 0.001
    waiting = [0]
    monkeypatch.setattr(live._SHARE, "waiting", lambda: waiting[0])
    lv._published_at = time.monotonic() - 1.0
    assert lv._chunk() == 25
    waiting[0] = live.CROWD - 1
    assert lv._chunk() == 25
    waiting[0] = live.CROWD
    assert lv._chunk() == round(25 * live.CROWD_FACTOR) > 25
    waiting[0] = 200
    assert lv._chunk() == round(25 * live.CROWD_FACTOR)


def test_an_owner_trains_one_thing_at_a_time(moons):
    """Starting a run pauses the same owner's runs of other groups, with a note; the runs
    of one group (a comparison) train together; other owners are left alone."""
    long = config(steps=20_000, hidden=(64, 64))  # seconds of work: none ends by itself
    page = live.LiveRun.create(long, moons, owner="session-1")
    cmp_a = live.LiveRun.create(long, moons, owner="session-1", group="cmp")
    cmp_b = live.LiveRun.create(long, moons, owner="session-1", group="cmp")
    neighbour = live.LiveRun.create(long, moons, owner="session-2")
    try:
        page.start()
        neighbour.start()
        assert wait_until(lambda: page.snapshot().step > 0)
        cmp_a.start()
        cmp_b.start()
        assert wait_until(lambda: page.snapshot().status == "paused")
        assert page.snapshot().note == live.OTHER_RUN
        assert cmp_a.snapshot().status == cmp_b.snapshot().status == "running"
        assert neighbour.snapshot().status == "running"
        page.step(3)  # stepping is training too
        assert wait_until(lambda: cmp_a.snapshot().status == cmp_b.snapshot().status == "paused")
        assert neighbour.snapshot().status == "running"
    finally:
        for lv in (page, cmp_a, cmp_b, neighbour):
            lv.pause(wait=True)


def test_a_paced_run_takes_the_same_steps_as_a_fast_one(moons):
    fast = live.LiveRun.create(config(steps=30), moons)
    paced = live.LiveRun.create(config(steps=30), moons, pace=400)
    for lv in (fast, paced):
        lv.start()
        assert lv.wait(timeout=60)
        assert lv.snapshot().status == "finished"
    assert paced.pace == 400.0 and fast.pace is None
    np.testing.assert_array_equal(fast.run.history.train_loss, paced.run.history.train_loss)


def test_a_paced_run_sleeps_without_the_compute_slot_and_pauses_at_once(moons):
    # 2 steps a second: 200 steps would take 100 s; meanwhile another owner gets the slot
    lv = live.LiveRun.create(config(steps=200), moons, pace=2, owner="paced")
    lv.start()
    got = threading.Event()

    def other() -> None:
        with live._SHARE.turn("another student"):
            got.set()

    while lv.snapshot().step < 1:  # the run has had its first turn
        lv.wait(timeout=0.01)
    threading.Thread(target=other, daemon=True).start()
    assert got.wait(timeout=30)
    lv.pause(wait=True)  # a sleeping run looks at pause requests between short naps
    snap = lv.snapshot()
    assert snap.status == "paused" and 1 <= snap.step < 200


@pytest.mark.parametrize("bad", [0, -3, float("nan"), float("inf"), "fast", None])
def test_a_pace_that_is_not_a_positive_number_means_fastest(moons, bad):
    lv = live.LiveRun.create(config(steps=5), moons, pace=10)
    assert lv.set_pace(bad).pace is None
    assert lv.set_pace(25).pace == 25.0


def test_an_ended_run_is_noted_once_in_the_run_log_with_its_own_compute(moons, tmp_path, monkeypatch):
    """With PROBNN_RUN_LOG set, a run that ends appends one line: its status, its steps
    and the CPU and wall seconds of its training alone; starting it again after the end
    adds nothing. Without the variable, nothing is written."""
    path = tmp_path / "runs.log"
    lv = live.LiveRun.create(config(steps=60), moons, chunk_seconds=0.005)
    lv.start()
    assert lv.wait(60)  # the variable is read when the run ends: not set yet
    monkeypatch.setenv(live.RUN_LOG, str(path))
    lv.reset().start()
    assert lv.wait(60) and lv.snapshot().status == "finished"
    lv.start()  # nothing left to train
    assert lv.wait(60)
    lines = path.read_text().splitlines()
    assert len(lines) == 1
    status, steps, cpu, wall = lines[0].split()
    assert status == "finished" and int(steps) == 60
    assert float(cpu) == pytest.approx(lv.run.cpu_compute, abs=1e-6) and float(cpu) > 0
    assert float(wall) == pytest.approx(lv.run.time_compute, abs=1e-6)
    assert float(cpu) <= float(wall) * 1.5 + 0.05  # one thread's time, not the process's


def test_a_runs_cpu_compute_is_its_threads_time_inside_advance(moons):
    """``cpu_compute`` counts the thread's CPU inside ``advance`` only: time spent
    between calls (here asleep) is not in it."""
    run = training.Run(config(steps=40), moons)
    c0 = time.thread_time()
    run.advance(20)
    c1 = time.thread_time()
    first = run.cpu_compute
    busy = time.thread_time() + 0.1
    while time.thread_time() < busy:  # CPU spent between the calls: not the run's
        pass
    c2 = time.thread_time()
    run.advance(20)
    c3 = time.thread_time()
    assert 0 < first <= c1 - c0
    assert 0 < run.cpu_compute - first <= c3 - c2  # the 0.1 s between is not in it
