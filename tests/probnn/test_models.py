import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import multivariate_normal

from probnn.models import (
    ACTIVATIONS,
    MLP,
    GaussianClassConditional,
    GaussianClassConditionalModule,
    MLPConfig,
)

pytestmark = pytest.mark.usefixtures("one_thread")


# ------------------------------------------------------------------------- MLP


def test_mlp_output_shape_and_layers():
    model = MLP(MLPConfig(in_features=3, out_features=4, hidden=(8, 5), activation="relu"))
    out = model(torch.randn(7, 3))
    assert out.shape == (7, 4)
    linears = [m for m in model.net if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 8), (8, 5), (5, 4)]
    assert sum(isinstance(m, torch.nn.ReLU) for m in model.net) == 2
    assert model.n_parameters() == 3 * 8 + 8 + 8 * 5 + 5 + 5 * 4 + 4


def test_mlp_without_hidden_layers_is_linear():
    model = MLP(MLPConfig(in_features=2, out_features=1, hidden=()))
    assert len(model.net) == 1 and isinstance(model.net[0], torch.nn.Linear)
    x = torch.randn(5, 2)
    expected = x @ model.net[0].weight.T + model.net[0].bias
    torch.testing.assert_close(model(x), expected)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_mlp_every_activation_runs(activation):
    model = MLP(MLPConfig(2, 3, (4, 5), activation))
    assert isinstance(model.net[1], ACTIVATIONS[activation])
    x = torch.randn(6, 2, generator=torch.Generator().manual_seed(0))
    out = model(x)
    assert torch.isfinite(out).all()
    # the direct forward is the Sequential's, bit for bit, gradients included
    assert torch.equal(out, model.net(x))
    out.sum().backward()
    grads = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    model.net(x).sum().backward()
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.parameters(), strict=True))


def test_mlp_init_is_seeded_and_leaves_global_rng_alone():
    cfg = MLPConfig(2, 1, (16, 16), "tanh")
    state = torch.random.get_rng_state()
    a, b, c = MLP(cfg, seed=3), MLP(cfg, seed=3), MLP(cfg, seed=4)
    assert torch.equal(state, torch.random.get_rng_state())
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(pa, pb)
    assert not torch.equal(a.net[0].weight, c.net[0].weight)
    g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    assert torch.equal(MLP(cfg, generator=g1).net[0].weight, MLP(cfg, generator=g2).net[0].weight)


def test_mlp_init_matches_pytorch_default_range():
    model = MLP(MLPConfig(4, 2, (50,)))
    w = model.net[0].weight
    assert w.abs().max() <= 1 / math.sqrt(4) and w.abs().max() > 0.4 / math.sqrt(4)
    assert w.dtype == torch.float32


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(in_features=2, out_features=1, activation="swish"), "unknown activation"),
        (dict(in_features=2, out_features=1, hidden=(4, 0)), "at least 1 unit"),
        (dict(in_features=0, out_features=1), "at least 1"),
    ],
)
def test_mlp_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLPConfig(**kwargs)


# ------------------------------------------------ Gaussian class-conditional model


def _blobs(seed=0, n=(120, 80, 100), d=2):
    rng = np.random.default_rng(seed)
    Xs, ys = [], []
    for c, nc in enumerate(n):
        A = rng.normal(size=(d, d))
        Xs.append(rng.normal(size=(nc, d)) @ A + 3.0 * c)
        ys.append(np.full(nc, c))
    return np.concatenate(Xs), np.concatenate(ys)


def _reference(X, y, covariance, reg=1e-6):
    """Maximum-likelihood estimates written out with numpy."""
    C, d = y.max() + 1, X.shape[1]
    priors = np.array([(y == c).mean() for c in range(C)])
    means = np.array([X[y == c].mean(0) for c in range(C)])
    covs = []
    for c in range(C):
        Z = X[y == c] - means[c]
        S = Z.T @ Z / len(Z)
        covs.append(np.diag(np.diag(S)) if covariance == "diagonal" else S)
    covs = np.array(covs)
    if covariance == "shared":
        Z = X - means[y]
        covs = np.repeat((Z.T @ Z / len(X))[None], C, axis=0)
    return priors, means, covs + reg * np.eye(d)


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_closed_form_fit_matches_reference_formulas(covariance):
    X, y = _blobs()
    model = GaussianClassConditional(covariance).fit(X, y)
    priors, means, covs = _reference(X, y, covariance)
    assert model.n_classes_ == 3 and model.n_features_ == 2
    np.testing.assert_allclose(model.priors_.numpy(), priors, rtol=1e-12)
    np.testing.assert_allclose(model.means_.numpy(), means, rtol=1e-10)
    np.testing.assert_allclose(model.covariances_.numpy(), covs, rtol=1e-10, atol=1e-12)
    assert model.priors_.dtype == torch.float64
    assert model.notes_ == []


def test_covariance_kinds_have_the_right_structure():
    X, y = _blobs(d=3)
    shared = GaussianClassConditional("shared").fit(X, y).covariances_
    full = GaussianClassConditional("full").fit(X, y).covariances_
    diag = GaussianClassConditional("diagonal").fit(X, y).covariances_
    for S in (shared, full, diag):
        assert S.shape == (3, 3, 3)
    assert torch.equal(shared[0], shared[1]) and torch.equal(shared[1], shared[2])
    assert not torch.allclose(full[0], full[1])
    off = diag - torch.diag_embed(torch.diagonal(diag, dim1=1, dim2=2))
    assert torch.count_nonzero(off) == 0
    torch.testing.assert_close(
        torch.diagonal(diag, dim1=1, dim2=2), torch.diagonal(full, dim1=1, dim2=2)
    )


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_log_joint_matches_scipy_and_bayes_rule(covariance):
    X, y = _blobs(seed=1)
    model = GaussianClassConditional(covariance).fit(X, y)
    lj = model.log_joint(X)  # (N, 3)
    ref = np.stack(
        [
            np.log(model.priors_[c].item())
            + multivariate_normal(model.means_[c].numpy(), model.covariances_[c].numpy()).logpdf(X)
            for c in range(3)
        ],
        axis=1,
    )
    np.testing.assert_allclose(lj.numpy(), ref, rtol=1e-10)
    proba = model.predict_proba(X)
    torch.testing.assert_close(proba, torch.exp(lj - torch.logsumexp(lj, 1, keepdim=True)))
    torch.testing.assert_close(proba.sum(1), torch.ones(len(X), dtype=torch.float64))
    torch.testing.assert_close(model.log_marginal(X), torch.logsumexp(lj, 1))
    np.testing.assert_allclose(
        model.density(X, 1).numpy(),
        multivariate_normal(model.means_[1].numpy(), model.covariances_[1].numpy()).pdf(X),
        rtol=1e-10,
    )
    assert (model.predict(X).numpy() == y).mean() > 0.8
    assert model.nll(X, y) == pytest.approx(-ref[np.arange(len(y)), y].mean(), rel=1e-12)


def test_predict_proba_is_stable_far_from_the_data():
    X, y = _blobs()
    model = GaussianClassConditional("full").fit(X, y)
    far = torch.tensor([[1e4, -1e4], [-1e5, 3e4]], dtype=torch.float64)
    proba = model.predict_proba(far)
    assert torch.isfinite(proba).all()
    torch.testing.assert_close(proba.sum(1), torch.ones(2, dtype=torch.float64))


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    covariance=st.sampled_from(["shared", "full", "diagonal"]),
    d=st.integers(1, 4),
)
def test_posteriors_sum_to_one(seed, covariance, d):
    X, y = _blobs(seed=seed, n=(15, 9), d=d)
    model = GaussianClassConditional(covariance).fit(X, y)
    rng = np.random.default_rng(seed + 1)
    Xq = rng.normal(scale=5.0, size=(20, d))
    proba = model.predict_proba(Xq)
    assert ((proba >= 0) & (proba <= 1)).all()
    torch.testing.assert_close(proba.sum(1), torch.ones(20, dtype=torch.float64))
    torch.testing.assert_close(
        model.predict_log_proba(Xq), model.log_joint(Xq) - model.log_marginal(Xq)[:, None]
    )


@pytest.mark.parametrize("covariance", ["full", "shared"])
def test_sampling_recovers_the_parameters(covariance):
    X, y = _blobs(seed=2)
    model = GaussianClassConditional(covariance).fit(X, y)
    n = 40_000
    Xs, ys = model.sample(n, generator=torch.Generator().manual_seed(0))
    assert Xs.shape == (n, 2) and ys.shape == (n,) and ys.dtype == torch.int64
    refit = GaussianClassConditional(covariance).fit(Xs, ys)
    p = model.priors_
    # 5 standard errors: the test is seeded, so this is a check of the maths, not luck
    assert ((refit.priors_ - p).abs() <= 5 * torch.sqrt(p * (1 - p) / n)).all()
    counts = refit.counts_
    sd = torch.sqrt(torch.diagonal(model.covariances_, dim1=1, dim2=2))  # (C, D)
    assert ((refit.means_ - model.means_).abs() <= 5 * sd / torch.sqrt(counts[:, None])).all()
    rel = (refit.covariances_ - model.covariances_).abs() / (sd[:, :, None] * sd[:, None, :])
    assert rel.max() < 0.06


def test_sampling_is_seeded_and_leaves_global_rng_alone():
    X, y = _blobs()
    model = GaussianClassConditional("full").fit(X, y)
    state = torch.random.get_rng_state()
    a = model.sample(50, generator=torch.Generator().manual_seed(5))
    b = model.sample(50, generator=torch.Generator().manual_seed(5))
    assert torch.equal(state, torch.random.get_rng_state())
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    empty_X, empty_y = model.sample(0)
    assert empty_X.shape == (0, 2) and empty_y.shape == (0,)


def _two_ellipses(seed=3):
    rng = np.random.default_rng(seed)
    A = np.array([[1.0, 0.4], [0.0, 0.7]])
    X0 = rng.normal(size=(60, 2)) @ A
    X1 = rng.normal(size=(40, 2)) @ A.T * 1.3 + [2.5, 1.0]
    return np.concatenate([X0, X1]), np.repeat([0, 1], [60, 40])


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_gradient_descent_converges_to_the_closed_form(covariance):
    X, y = _two_ellipses()
    closed = GaussianClassConditional(covariance).fit(X, y)
    gd = GaussianClassConditional(covariance)
    losses = list(gd.fit_gd(X, y, steps=400, lr=0.1, generator=torch.Generator().manual_seed(0)))
    assert len(losses) == 400 and losses[-1] < losses[0]
    # the closed form is the minimum of the same objective (up to the reg * I it adds)
    assert losses[-1] == pytest.approx(closed.nll(X, y), abs=1e-6)
    torch.testing.assert_close(gd.priors_, closed.priors_, atol=1e-6, rtol=0)
    torch.testing.assert_close(gd.means_, closed.means_, atol=1e-5, rtol=0)
    torch.testing.assert_close(gd.covariances_, closed.covariances_, atol=1e-5, rtol=0)


def test_stopping_gradient_descent_early_still_sets_parameters():
    X, y = _blobs(n=(30, 30))
    model = GaussianClassConditional("full")
    it = model.fit_gd(X, y, steps=100)
    first = [next(it) for _ in range(5)]
    it.close()
    assert len(first) == 5 and model.means_.shape == (2, 2)
    torch.testing.assert_close(model.predict_proba(X).sum(1), torch.ones(60, dtype=torch.float64))


def test_module_matches_fitted_model_log_joint():
    X, y = _blobs(n=(30, 20, 25))
    module = GaussianClassConditionalModule(3, 2, "full", init_X=torch.as_tensor(X))
    model = module.to_model()
    Xt = torch.as_tensor(X, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(module(Xt), model.log_joint(Xt))
    loss = module.nll(Xt, torch.as_tensor(y))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in module.parameters())


# ---------------------------------------------------------------- degenerate data


def test_empty_class_raises_a_clear_error():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    with pytest.raises(ValueError, match="class 1 has no points"):
        GaussianClassConditional().fit(X, [0, 2, 2])
    with pytest.raises(ValueError, match="class 2 has no points"):
        GaussianClassConditional().fit(X, [0, 1, 1], n_classes=3)


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_identical_points_give_a_note_not_a_crash(covariance):
    X = np.ones((6, 2))
    model = GaussianClassConditional(covariance).fit(X, [0, 0, 0, 1, 1, 1])
    assert model.notes_ and "singular" in model.notes_[0]
    proba = model.predict_proba(X)
    assert torch.isfinite(proba).all()
    assert torch.isfinite(model.log_joint(np.zeros((1, 2)))).all()


def test_one_point_per_class_gives_notes_and_works():
    X = np.array([[0.0, 0.0], [3.0, 1.0]])
    model = GaussianClassConditional("full").fit(X, [0, 1])
    assert len(model.notes_) == 2
    assert model.predict(X).tolist() == [0, 1]
    Xs, ys = model.sample(10, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(Xs).all()


def test_collinear_points_are_regularised():
    t = np.linspace(0, 1, 20)
    X = np.stack([t, 2 * t], axis=1)  # on a line: rank-1 covariance
    model = GaussianClassConditional("full").fit(X, np.repeat([0, 1], 10))
    assert any("singular" in note for note in model.notes_)
    assert torch.isfinite(model.log_marginal(X)).all()


@pytest.mark.parametrize(
    "X, y, match",
    [
        ([[0.0], [np.nan]], [0, 1], "NaN"),
        ([[0.0], [1.0]], [0, -1], "0..C-1"),
        ([[0.0], [1.0]], [0.0, 0.5], "whole-number"),
        ([[0.0], [1.0]], [0], "one class label per row"),
    ],
)
def test_bad_input_gets_a_message(X, y, match):
    with pytest.raises(ValueError, match=match):
        GaussianClassConditional().fit(X, y)


def test_unfitted_and_mismatched_use_is_explained():
    with pytest.raises(ValueError, match="not fitted"):
        GaussianClassConditional().predict_proba([[0.0, 1.0]])
    with pytest.raises(ValueError, match="unknown covariance"):
        GaussianClassConditional("spherical")
    model = GaussianClassConditional().fit(*_blobs())
    with pytest.raises(ValueError, match="3 features"):
        model.predict_proba(np.zeros((2, 3)))
