import math

import numpy as np
import pytest
import torch

from probnn import data, likelihoods
from probnn.models import MLP, MLPConfig
from probnn.training import MAX_STEPS, Record, Run, TrainConfig

pytestmark = pytest.mark.usefixtures("one_thread")

DATA_FOR_TASK = {  # easy data: the blobs well apart (the pages open on overlapping ones)
    "binary": ("blobs", {"noise": 0.3}),
    "multiclass": ("multi_blobs", {"noise": 0.4}),
    "regression": ("linear", {}),
    "count": ("counts", {}),
}


@pytest.fixture(scope="module")
def moons():
    return data.make("moons", n=120, seed=0)


def small(**kw) -> TrainConfig:
    base = dict(hidden=(8, 8), steps=100, eval_every=10, seed=0)
    base.update(kw)
    return TrainConfig(**base)


def _same_history(a: Run, b: Run) -> None:
    ha, hb = a.history.filled(), b.history.filled()
    assert ha.keys() == hb.keys()
    for key in ha:
        np.testing.assert_array_equal(ha[key], hb[key], err_msg=key)


# ------------------------------------------------------------------ config


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(optimiser="rmsprop"), "unknown optimiser"),
        (dict(activation="swish"), "unknown activation"),
        (dict(lr=0.0), "lr must be positive"),
        (dict(lr=float("nan")), "finite"),
        (dict(steps=0), "steps must be between"),
        (dict(steps=MAX_STEPS + 1), "20,000"),
        (dict(batch_size=0), "batch_size"),
        (dict(eval_every=0), "eval_every"),
        (dict(momentum=1.0), "momentum"),
        (dict(weight_decay=-1.0), "weight_decay"),
        (dict(hidden=(4, 0)), "at least 1 unit"),
    ],
)
def test_config_rejects_bad_values_with_a_message(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TrainConfig(**kwargs)


def test_config_normalises_types_and_copies_params():
    params = {"sigma": 2}
    cfg = TrainConfig(likelihood="gaussian", likelihood_params=params, hidden=[4, 4], lr=1)
    params["sigma"] = 5
    assert cfg.likelihood_params == {"sigma": 2}
    assert cfg.hidden == (4, 4) and isinstance(cfg.lr, float)


def test_likelihood_that_does_not_fit_the_targets_is_explained():
    reg = data.make("linear", n=40, seed=0)
    with pytest.raises(ValueError, match="Bernoulli likelihood does not fit"):
        Run(TrainConfig(likelihood="bernoulli"), reg)
    with pytest.raises(ValueError, match="unknown likelihood"):
        Run(TrainConfig(likelihood="cauchy"), reg)


# ------------------------------------------------------------------ what a step records


def test_first_record_is_the_nll_at_the_initial_weights(moons):
    run = Run(small(eval_every=1), moons)
    lik = likelihoods.get("bernoulli")
    model = MLP(MLPConfig(2, 1, (8, 8), "tanh"), seed=0)
    out = model(moons.X_train).squeeze(-1)
    expected = lik.nll(out, moons.y_train)
    model.zero_grad()
    expected.backward()
    grad_norm = torch.sqrt(sum((p.grad**2).sum() for p in model.parameters()))
    with torch.no_grad():
        test_out = model(moons.X_test).squeeze(-1)
    (rec,) = run.advance(1)
    assert rec.step == 1
    assert rec.train_loss == pytest.approx(expected.item(), rel=1e-6)
    assert rec.grad_norm == pytest.approx(float(grad_norm), rel=1e-5)
    assert rec.test_loss == pytest.approx(float(lik.nll(test_out, moons.y_test)), rel=1e-6)
    assert rec.test_metric == pytest.approx(lik.metric(test_out, moons.y_test))
    assert rec.train_metric == pytest.approx(lik.metric(out.detach(), moons.y_train))


def test_evaluations_every_eval_every_steps_and_at_the_last(moons):
    run = Run(small(steps=25, eval_every=10), moons)
    records = run.advance(25)
    assert [r.step for r in records] == list(range(1, 26))
    evaluated = [r.step for r in records if r.test_loss is not None]
    assert evaluated == [10, 20, 25]
    for r in records:
        assert isinstance(r, Record) and math.isfinite(r.train_loss)
        assert (r.grad_norm is None) == (r.step not in evaluated)
    np.testing.assert_array_equal(run.history.filled()["eval_step"], [10, 20, 25])
    np.testing.assert_array_equal(
        run.history.filled()["train_loss"], [r.train_loss for r in records]
    )


# ------------------------------------------------------------------ reproducibility


@pytest.mark.parametrize("batch_size", [None, 16])
def test_same_config_same_history_bit_for_bit(moons, batch_size):
    a = Run(small(batch_size=batch_size), moons)
    b = Run(small(batch_size=batch_size), moons)
    ra, rb = a.advance(100), b.advance(100)
    assert ra == rb
    _same_history(a, b)
    for pa, pb in zip(a.model.parameters(), b.model.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_another_seed_gives_another_run(moons):
    a = Run(small(seed=0, steps=5), moons).advance(5)
    b = Run(small(seed=1, steps=5), moons).advance(5)
    assert [r.train_loss for r in a] != [r.train_loss for r in b]


def test_batch_order_depends_on_the_seed_only_through_the_run(moons):
    state = Run(small(seed=0), moons).initial_state()
    a = Run(small(seed=0, batch_size=16, steps=5), moons, init_state=state).advance(5)
    b = Run(small(seed=3, batch_size=16, steps=5), moons, init_state=state).advance(5)
    assert a[0].train_loss != b[0].train_loss  # same weights, different first batch
    torch.manual_seed(123)  # the global RNG plays no part
    c = Run(small(seed=0, batch_size=16, steps=5), moons, init_state=state).advance(5)
    assert a == c


@pytest.mark.parametrize("batch_size", [None, 32])
def test_pause_and_resume_equals_one_go(batch_size):
    ds = data.make("moons", n=60, seed=1)
    cfg = TrainConfig(hidden=(4,), steps=1000, eval_every=10, batch_size=batch_size)
    one = Run(cfg, ds)
    r_one = one.advance(1000)
    two = Run(cfg, ds)
    r_two = two.advance(300)
    assert two.status == "paused" and two.step == 300
    r_two += two.advance(700)
    assert r_one == r_two
    _same_history(one, two)
    assert one.status == two.status == "finished"
    for pa, pb in zip(one.model.parameters(), two.model.parameters(), strict=True):
        assert torch.equal(pa, pb)


def test_odd_chunk_sizes_equal_one_go(moons):
    cfg = small(steps=97, eval_every=7, batch_size=50)
    one = Run(cfg, moons)
    one.advance(97)
    many = Run(cfg, moons)
    for n in (1, 2, 13, 6, 1, 40, 100):
        many.advance(n)
    _same_history(one, many)
    assert many.step == 97


# ------------------------------------------------------------------ stopping


def test_finishes_at_the_step_limit_with_a_reason(moons):
    run = Run(small(steps=1000, hidden=(4,)), moons)
    assert run.status == "ready" and run.stop_reason is None
    run.advance(400)
    assert run.status == "paused" and run.stop_reason is None
    records = run.advance(10_000)
    assert len(records) == 600 and run.step == 1000
    assert run.status == "finished"
    assert run.stop_reason == "finished: reached 1,000 steps"
    assert run.advance(5) == [] and run.step == 1000


@pytest.mark.parametrize(
    "cfg",
    [
        dict(likelihood="gaussian", optimiser="sgd", lr=50.0),
        dict(likelihood="gaussian", optimiser="adam", lr=1e4, hidden=()),
        dict(likelihood="laplace", optimiser="sgd", lr=1e6),
    ],
)
def test_divergence_is_detected_and_explained(cfg):
    ds = data.make("linear", n=80, seed=0)
    run = Run(TrainConfig(steps=2000, eval_every=10, **cfg), ds)
    records = run.advance(2000)
    assert run.status == "diverged"
    assert "lower the learning rate" in run.stop_reason.lower()
    assert run.step < 2000 and len(records) == run.step
    # the run stops at the first bad step: every earlier loss is finite and not huge
    losses = run.history.filled()["train_loss"]
    assert len(losses) == run.step
    first = losses[0]
    assert all(np.isfinite(losses[:-1])) and all(losses[:-1] <= 1e6 * max(abs(first), 1.0))
    last = losses[-1]
    assert not np.isfinite(last) or last > 1e6 * max(abs(first), 1.0)
    assert f"step {run.step:,}" in run.stop_reason
    assert run.advance(10) == [] and run.status == "diverged"


def test_divergence_within_a_long_chunk_is_caught_early():
    ds = data.make("linear", n=80, seed=0)
    run = Run(TrainConfig(likelihood="gaussian", optimiser="sgd", lr=50.0, steps=5000,
                          eval_every=5000), ds)  # fmt: skip
    run.advance(5000)
    assert run.status == "diverged" and run.step < 100


def test_exploding_gradient_is_caught_at_its_step(moons):
    class Explode(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clone()

        @staticmethod
        def backward(ctx, grad):
            return grad * math.inf

    run = Run(small(steps=100, eval_every=1), moons)
    nll, calls = run.likelihood.nll, {"n": 0}

    def exploding_nll(out, y):
        calls["n"] += out.requires_grad  # count training steps, not test evaluations
        return nll(Explode.apply(out) if out.requires_grad and calls["n"] == 7 else out, y)

    run.likelihood.nll = exploding_nll
    records = run.advance(100)
    assert run.status == "diverged" and run.step == 7 and len(records) == 7
    assert "gradient" in run.stop_reason and "step 7" in run.stop_reason
    assert math.isfinite(records[-1].train_loss) and not math.isfinite(records[-1].grad_norm)


def test_request_stop_between_chunks(moons):
    run = Run(small(), moons)
    run.advance(20)
    run.request_stop()
    assert run.status == "stopped"
    assert run.stop_reason == "stopped on request at step 20"
    assert run.advance(10) == [] and run.step == 20


def test_request_stop_during_a_chunk(moons):
    run = Run(small(steps=1000, eval_every=10), moons)
    calls = {"n": 0}
    nll = run.likelihood.nll

    def nll_then_stop(out, y):
        calls["n"] += 1
        if calls["n"] == 5:
            run.request_stop()  # as another thread would
        return nll(out, y)

    run.likelihood.nll = nll_then_stop
    records = run.advance(1000)
    assert run.status == "stopped"
    assert 5 <= run.step <= 50 and len(records) == run.step  # checked every 50 steps
    assert run.stop_reason == f"stopped on request at step {run.step}"


def test_request_stop_before_start(moons):
    run = Run(small(), moons)
    run.request_stop()
    assert run.status == "stopped" and run.advance(5) == [] and run.step == 0


# ------------------------------------------------------------------ learning


@pytest.mark.parametrize("name", likelihoods.names())
def test_the_loss_falls_on_easy_data_for_every_likelihood(name):
    lik = likelihoods.get(name)
    key, params = DATA_FOR_TASK[lik.task]
    ds = data.make(key, n=100, seed=0, **params)
    run = Run(TrainConfig(likelihood=name, hidden=(16,), steps=150, lr=0.02, eval_every=1), ds)
    run.advance(150)
    assert run.status == "finished", run.stop_reason
    h = run.history.filled()
    assert h["train_loss"][-10:].mean() < h["train_loss"][:10].mean() - 0.02
    assert h["test_loss"][-1] < h["test_loss"][0]
    assert np.isfinite(h["grad_norm"]).all()


@pytest.mark.parametrize(
    "kw",
    [
        dict(optimiser="adam", lr=0.02),
        dict(optimiser="adam", lr=0.02, weight_decay=1e-2),
        dict(optimiser="sgd", lr=0.1, momentum=0.9, weight_decay=1e-3),
        dict(optimiser="sgd", lr=0.1, momentum=0.0),
    ],
)
def test_training_follows_a_plain_torch_loop_with_the_textbook_optimiser(moons, kw):
    """The run's fused optimiser takes the same steps as torch's per-tensor one."""
    run = Run(small(steps=60, eval_every=1000, **kw), moons)
    net = MLP(MLPConfig(2, 1, (8, 8), "tanh"), seed=0)
    net.load_state_dict(run.model.state_dict())
    options = dict(lr=kw["lr"], weight_decay=kw.get("weight_decay", 0.0), foreach=False)
    if kw["optimiser"] == "adam":
        opt = torch.optim.Adam(net.parameters(), **options)
    else:
        opt = torch.optim.SGD(net.parameters(), momentum=kw["momentum"], **options)
    X, y = moons.X_train.float(), moons.y_train.float()
    losses = []
    for _ in range(60):
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(X)[:, 0], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    run.advance(60)
    np.testing.assert_allclose(run.history.filled()["train_loss"], losses, rtol=1e-5, atol=1e-6)
    for ours, theirs in zip(run.model.parameters(), net.parameters(), strict=True):
        torch.testing.assert_close(ours, theirs, rtol=1e-4, atol=1e-5)


def test_sgd_with_momentum_and_weight_decay_learn(moons):
    run = Run(small(optimiser="sgd", lr=0.1, momentum=0.9, weight_decay=1e-3, steps=200), moons)
    run.advance(200)
    assert isinstance(run.optimizer, torch.optim.SGD)
    assert run.optimizer.defaults["momentum"] == 0.9
    assert run.optimizer.defaults["weight_decay"] == 1e-3
    loss = run.history.filled()["train_loss"]
    assert loss[-1] < 0.5 * loss[0]


def test_linear_model_without_hidden_layers(moons):
    run = Run(small(hidden=()), moons)
    assert sum(p.numel() for p in run.model.parameters()) == 3  # logistic regression
    run.advance(100)
    assert run.history.filled()["train_metric"][-1] > 0.7


# ------------------------------------------------------------------ history and memory


def test_history_frame_is_downsampled_long_form(moons):
    run = Run(small(steps=500, hidden=(4,), eval_every=1), moons)
    run.advance(500)
    frame = run.history_frame(max_points=50)
    assert list(frame.columns) == ["step", "series", "value"]
    assert set(frame["series"]) == {
        "train loss",
        "test loss",
        "train accuracy",
        "test accuracy",
        "gradient norm",
    }
    for _, part in frame.groupby("series"):
        assert 2 <= len(part) <= 50
        assert part["step"].iloc[0] == 1 and part["step"].iloc[-1] == 500
        assert part["step"].is_monotonic_increasing
    full = run.history_frame(max_points=10_000)
    assert (full["series"] == "train loss").sum() == 500
    assert len(Run(small(), moons).history_frame()) == 0


def test_history_table_has_one_row_per_evaluation(moons):
    run = Run(small(steps=35, eval_every=10), moons)
    records = run.advance(35)
    table = run.history_table()
    assert list(table["step"]) == [10, 20, 30, 35]
    assert list(table.columns) == [
        "step",
        "train_loss_nats",
        "test_loss_nats",
        "train_accuracy",
        "test_accuracy",
        "grad_norm",
    ]
    assert table["train_loss_nats"].iloc[-1] == records[-1].train_loss
    assert table["test_loss_nats"].iloc[0] == records[9].test_loss


def test_memory_stays_flat_over_a_long_run():
    ds = data.make("moons", n=40, seed=0)
    run = Run(TrainConfig(hidden=(4,), steps=2000, eval_every=10), ds)
    h = run.history
    arrays = [h.train_loss, h.eval_step, h.test_loss, h.grad_norm]
    nbytes = h.nbytes
    assert nbytes <= 2000 * 8 + (2000 // 10 + 1) * 8 * 5
    for _ in range(40):
        records = run.advance(50)
        assert len(records) <= 50
    assert run.status == "finished"
    assert h.nbytes == nbytes and run.history is h
    assert all(a is b for a, b in zip(arrays, [h.train_loss, h.eval_step, h.test_loss,
                                                h.grad_norm], strict=True))  # fmt: skip
    # optimiser state: one exp_avg and exp_avg_sq per parameter, nothing per step
    for state in run.optimizer.state.values():
        assert set(state) == {"step", "exp_avg", "exp_avg_sq"}


# ------------------------------------------------------------------ predictions and init


def test_predict_grid_binary_and_multiclass(moons):
    run = Run(small(), moons)
    run.advance(50)
    xs, ys = np.linspace(-2, 2, 7), np.linspace(-1, 1, 5)
    grid = run.predict_grid(xs, ys)
    assert grid.shape == (5, 7) and ((grid >= 0) & (grid <= 1)).all()
    # entry [i, j] is at (xs[j], ys[i])
    with torch.no_grad():
        z = run.model(torch.tensor([[xs[3], ys[1]]], dtype=torch.float32))
    assert grid[1, 3] == pytest.approx(float(torch.sigmoid(z)), rel=1e-6)

    multi = data.make("multi_blobs", n=90, seed=0)
    mrun = Run(small(likelihood="categorical"), multi)
    mrun.advance(20)
    probs = mrun.predict_grid(xs, ys)
    assert probs.shape == (5, 7, multi.n_classes)
    np.testing.assert_allclose(probs.sum(-1), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="1 feature"):
        run.predict_curve(xs)


def test_predict_curve_for_regression():
    ds = data.make("linear", n=80, seed=0)
    run = Run(small(likelihood="gaussian_learned_variance", steps=100), ds)
    run.advance(100)
    frame = run.predict_curve(np.linspace(-2, 2, 11))
    assert list(frame.columns) == ["x", "mean", "lo", "hi"] and len(frame) == 11
    assert (frame["lo"] < frame["mean"]).all() and (frame["mean"] < frame["hi"]).all()
    np.testing.assert_allclose(frame["hi"] - frame["mean"], frame["mean"] - frame["lo"], rtol=1e-5)
    fixed = Run(small(likelihood="gaussian", likelihood_params={"sigma": 0.5}), ds)
    band = fixed.predict_curve([0.0, 1.0])
    np.testing.assert_allclose(band["hi"] - band["mean"], 1.0, rtol=1e-6)  # 2 sigma
    with pytest.raises(ValueError, match="2 features"):
        run.predict_grid([0.0], [0.0])


def test_runs_can_share_initial_weights(moons):
    a = Run(small(seed=0), moons)
    state = a.initial_state()
    a.advance(30)
    assert not torch.equal(state["net.0.weight"], a.model.net[0].weight)  # a copy
    b = Run(small(seed=7, likelihood="gaussian_probability"), moons, init_state=state)
    for key, value in b.initial_state().items():
        assert torch.equal(value, state[key])
    assert b.notes == []
    reg = data.make("linear", n=60, seed=0)
    g1 = Run(small(likelihood="gaussian"), reg)
    g2 = Run(small(likelihood="gaussian_learned_variance", seed=4), reg,
             init_state=g1.initial_state())  # fmt: skip
    assert torch.equal(g2.model.net[0].weight, g1.model.net[0].weight)
    assert g2.model.net[-1].weight.shape[0] == 2
    assert g2.notes and "output" in g2.notes[0]
    with pytest.raises(ValueError, match="does not fit"):
        Run(small(hidden=(3,)), moons, init_state={"other": torch.zeros(2)})


def test_time_compute_grows_only_inside_advance(moons):
    run = Run(small(), moons)
    assert run.time_compute == 0.0
    run.advance(10)
    t = run.time_compute
    assert t > 0
    run.history_frame()
    assert run.time_compute == t
