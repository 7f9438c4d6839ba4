"""probnn.compare: both models on the same data, scores, chart tables, learning curve."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from probnn import compare
from probnn import data as pdata
from probnn.models import MLP, MLPConfig

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = compare.DiscriminativeConfig("logistic", steps=150)


def moons(n=200, seed=0):
    ds = pdata.make("moons", n=n, noise=0.2, seed=seed)
    return ds.X_train.numpy(), ds.y_train.numpy(), ds.X_test.numpy(), ds.y_test.numpy()


# --------------------------------------------------------------------------- rebalance


@given(
    n0=st.integers(1, 60),
    n1=st.integers(1, 60),
    share=st.floats(0.05, 0.95),
    seed=st.integers(0, 5),
)
@settings(max_examples=60, deadline=None)
def test_rebalance_reaches_the_share_and_keeps_a_whole_class(n0, n1, share, seed):
    y = np.array([0] * n0 + [1] * n1)
    X = np.arange(n0 + n1, dtype=float)[:, None].repeat(2, 1)
    Xb, yb, _ = compare.rebalance(X, y, share, seed=seed)
    k0, k1 = int((yb == 0).sum()), int((yb == 1).sum())
    assert k0 <= n0 and k1 <= n1
    m = k0 + k1
    # class 1 gets the asked share of the kept points, rounded to a whole point
    assert abs(k1 - share * m) <= 0.5 + 1e-9
    # and no larger subsample could have been split that way
    for bigger in range(m + 1, n0 + n1 + 1):
        b1 = int(np.floor(share * bigger + 0.5))
        assert b1 > n1 or bigger - b1 > n0
    # rows stay paired with their labels
    assert np.array_equal(Xb[:, 0].astype(int) >= n0, yb == 1)


def test_rebalance_extremes_empty_a_class_and_say_so():
    X, y, _, _ = moons()
    _, y0, note = compare.rebalance(X, y, 0.0)
    assert set(y0.tolist()) == {0} and "Kept" in note
    assert "Class 1 has no training points" in compare.check_classes(y0)
    _, y1, _ = compare.rebalance(X, y, 1.0)
    assert "Class 0 has no training points" in compare.check_classes(y1)
    assert compare.check_classes(y) is None
    with pytest.raises(compare.CompareError, match="between 0 and 1"):
        compare.rebalance(X, y, 1.5)


def test_rebalance_is_seeded():
    X, y, _, _ = moons()
    a = compare.rebalance(X, y, 0.2, seed=3)
    b = compare.rebalance(X, y, 0.2, seed=3)
    c = compare.rebalance(X, y, 0.2, seed=4)
    assert np.array_equal(a[0], b[0]) and not np.array_equal(a[0], c[0])


# --------------------------------------------------------------------------- fitting


def test_both_models_fit_on_the_same_data():
    X, y, Xt, yt = moons()
    result = compare.compare(X, y, Xt, yt, compare.GenerativeConfig("full"), FAST)
    assert result.n_train == (int((y == 0).sum()), int((y == 1).sum()))
    # the generative fit is the closed-form maximum likelihood on exactly these points
    assert np.allclose(result.generative.means_[1].numpy(), X[y == 1].mean(0), atol=1e-6)
    assert np.allclose(
        result.generative.priors_.numpy(), np.bincount(y, minlength=2) / len(y), atol=1e-12
    )
    # and the discriminative loss it reports is the BCE of its own logits on these points
    z = torch.as_tensor(result.discriminative.logits(X))
    bce = F.binary_cross_entropy_with_logits(z, torch.as_tensor(y, dtype=torch.float64))
    assert result.train["discriminative"].log_loss == pytest.approx(float(bce), rel=1e-5)
    assert result.discriminative.final_loss == pytest.approx(float(bce), rel=1e-4)
    for split in (result.train, result.test):
        for scores in split.values():
            assert 0 < scores.log_loss < 5 and 0.5 < scores.accuracy <= 1


def test_generative_log_loss_matches_bayes_rule_by_hand():
    X, y, Xt, yt = moons()
    model = compare.fit_generative(X, y, compare.GenerativeConfig("full"))
    mu, cov, prior = model.means_.numpy(), model.covariances_.numpy(), model.priors_.numpy()
    joint = np.stack(
        [prior[c] * stats.multivariate_normal(mu[c], cov[c]).pdf(Xt) for c in (0, 1)], 1
    )
    post = joint / joint.sum(1, keepdims=True)
    expected = -np.mean(np.log(post[np.arange(len(yt)), yt]))
    scores = compare.score_generative(model, Xt, yt)
    assert scores.log_loss == pytest.approx(expected, rel=1e-9)
    assert scores.accuracy == pytest.approx(np.mean(post.argmax(1) == yt))


def test_discriminative_fit_matches_a_plain_torch_loop():
    X, y, _, _ = moons(100)
    config = compare.DiscriminativeConfig("mlp", steps=40, seed=7)
    fit = compare.fit_discriminative(X, y, config)
    net = MLP(MLPConfig(2, 1, hidden=(16,), activation="tanh"), seed=7)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y, dtype=torch.float32)
    for _ in range(config.steps):
        loss = F.binary_cross_entropy_with_logits(net(Xt)[:, 0], yt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        ref = net(Xt)[:, 0].double().numpy()
    assert np.allclose(fit.logits(X), ref, atol=1e-4)
    assert fit.n_parameters == net.n_parameters()
    assert fit.losses.shape == (40,) and fit.losses[-1] < fit.losses[0]


def test_fits_are_reproducible():
    X, y, _, _ = moons(100)
    a = compare.fit_discriminative(X, y, FAST)
    b = compare.fit_discriminative(X, y, FAST)
    assert all(np.array_equal(wa, wb) for (wa, _), (wb, _) in zip(a.layers, b.layers, strict=True))


def test_an_empty_class_is_a_clear_error():
    X, y, _, _ = moons()
    with pytest.raises(compare.CompareError, match="Class 1 has no training points"):
        compare.fit_generative(X[y == 0], y[y == 0])
    with pytest.raises(compare.CompareError, match="Class 0 has no training points"):
        compare.fit_discriminative(X[y == 1], y[y == 1], FAST)


@pytest.mark.parametrize("covariance", ["shared", "full", "diagonal"])
def test_one_point_per_class_is_regularised_and_said(covariance):
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1])
    model = compare.fit_generative(X, y, compare.GenerativeConfig(covariance))
    assert len(model.notes_) == 1 and "Regularised" in model.notes_[0]
    if covariance != "shared":
        assert "single point" in model.notes_[0]
    # a proper density with the announced ridge: every covariance is 0.05 I
    assert np.allclose(model.covariances_.numpy(), 0.05 * np.eye(2)[None].repeat(2, 0))
    p = model.predict_proba(np.array([[0.1, 0.0], [0.9, 1.0]])).numpy()
    assert np.all(np.isfinite(p)) and p[0, 0] > 0.5 and p[1, 1] > 0.5


def test_identical_points_in_a_class_are_regularised():
    X = np.array([[0.0, 0.0]] * 3 + [[1.0, 1.0], [2.0, 0.5], [1.5, 2.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    model = compare.fit_generative(X, y, compare.GenerativeConfig("full"))
    assert model.notes_ and "singular" in model.notes_[0]
    assert np.all(np.isfinite(compare.score_generative(model, X, y).log_loss))


# --------------------------------------------------------------------------- chart tables


def test_posterior_frame_covers_the_grid_for_both_models():
    X, y, Xt, yt = moons(100)
    result = compare.compare(X, y, Xt, yt, discriminative=FAST)
    xs, ys = compare.grid_axes(((-2, 2), (-1, 1)), 7)
    frame = compare.posterior_frame(result, xs, ys)
    assert len(frame) == 2 * 49 and set(frame["model"]) == {"generative", "discriminative"}
    assert frame["p1"].between(0, 1).all()
    gen = frame[frame["model"] == "generative"]
    direct = result.generative.predict_proba(
        np.column_stack([(gen.x1 + gen.x1_end) / 2, (gen.x2 + gen.x2_end) / 2])
    )
    assert np.allclose(gen["p1"].to_numpy(), direct[:, 1].numpy(), atol=1e-12)


def test_density_ellipses_lie_on_the_stated_contour():
    X, y, _, _ = moons(100)
    model = compare.fit_generative(X, y, compare.GenerativeConfig("full"))
    frame = compare.density_ellipses(model, levels=(0.5, 0.9))
    assert set(frame["cls"]) == {"0", "1"} and set(frame["level"]) == {"50%", "90%"}
    for (cls, level), part in frame.groupby(["cls", "level"]):
        c = int(cls)
        dens = stats.multivariate_normal(
            model.means_[c].numpy(), model.covariances_[c].numpy()
        ).pdf(part[["x1", "x2"]].to_numpy())
        assert np.allclose(dens, part["density"].to_numpy(), rtol=1e-9)
        # the mass inside: the chi-square(2) cdf of the squared radius
        mass = float(level.rstrip("%")) / 100
        r2 = -2 * math.log(1 - mass)
        assert stats.chi2(2).cdf(r2) == pytest.approx(mass)


def test_samples_follow_the_fitted_model_and_are_seeded():
    X, y, _, _ = moons(200)
    model = compare.fit_generative(X, y, compare.GenerativeConfig("shared"))
    a = compare.sample_frame(model, 4000, seed=1)
    assert a.equals(compare.sample_frame(model, 4000, seed=1))
    assert not a.equals(compare.sample_frame(model, 4000, seed=2))
    share = (a["cls"] == "1").mean()
    assert share == pytest.approx(float(model.priors_[1]), abs=0.03)
    mean1 = a.loc[a["cls"] == "1", ["x1", "x2"]].mean().to_numpy()
    assert np.allclose(mean1, model.means_[1].numpy(), atol=0.06)


def test_probe_terms_agree_with_bayes_rule():
    X, y, _, _ = moons(100)
    gen = compare.fit_generative(X, y, compare.GenerativeConfig("diagonal"))
    disc = compare.fit_discriminative(X, y, FAST)
    p = compare.probe(gen, disc, (0.3, -0.2))
    pdf = [
        stats.multivariate_normal(gen.means_[c].numpy(), gen.covariances_[c].numpy()).pdf(
            [0.3, -0.2]
        )
        for c in (0, 1)
    ]
    assert p.density == pytest.approx(tuple(pdf), rel=1e-9)
    assert p.evidence == pytest.approx(sum(p.joint))
    assert p.generative_p1 == pytest.approx(p.joint[1] / p.evidence)
    assert p.generative_p1 == pytest.approx(float(gen.predict_proba([[0.3, -0.2]])[0, 1]))
    assert p.discriminative_p1 == pytest.approx(1 / (1 + math.exp(-p.discriminative_logit)))


# --------------------------------------------------------------------------- learning curve

SMALL = dict(sizes=(10, 20, 300), seeds=(0, 1, 2), n_test=600)


def _curve_means(name: str, noise: float, model: str) -> pd.DataFrame:
    """The learning curve on ``name`` (shared-covariance generative model against ``model``),
    averaged over the seeds: rows are sizes, columns (metric, model)."""
    config = compare.CurveConfig(
        name,
        noise,
        generative=compare.GenerativeConfig("shared"),
        discriminative=compare.DiscriminativeConfig(model, steps=200),
        **SMALL,
    )
    frame = compare.learning_curve(config)
    return frame.groupby(["size", "model"])[["log_loss", "accuracy"]].mean().unstack()


def test_learning_curve_shape_and_summary():
    config = compare.CurveConfig(
        "blobs", 0.3, sizes=(10, 30), seeds=(0, 1), n_test=200, discriminative=FAST
    )
    calls = []
    frame = compare.learning_curve(config, progress=calls.append)
    assert list(frame.columns) == ["size", "seed", "model", "log_loss", "accuracy"]
    assert len(frame) == 2 * 2 * 2
    assert calls == [0.5, 1.0]
    assert np.isfinite(frame[["log_loss", "accuracy"]].to_numpy()).all()
    summary = compare.summarise_curve(frame)
    assert len(summary) == 2 * 2 * 2  # sizes x models x metrics
    assert (summary["lo"] <= summary["mean"]).all() and (summary["mean"] <= summary["hi"]).all()


def test_on_blobs_the_generative_model_does_well_with_few_points():
    # overlapping Gaussian blobs: the generative assumption holds exactly
    means = _curve_means("blobs", 1.1, "logistic")
    for size in (10, 20):
        row = means.loc[size]
        assert row[("log_loss", "generative")] < row[("log_loss", "discriminative")]
        assert row[("accuracy", "generative")] > row[("accuracy", "discriminative")]
    # with many points both describe the same linear boundary: no real difference
    big = means.loc[300]
    assert big[("log_loss", "generative")] == pytest.approx(
        big[("log_loss", "discriminative")], rel=0.05
    )


def test_when_the_assumption_breaks_the_discriminative_model_wins_at_large_n():
    means = _curve_means("moons", 0.15, "mlp")
    big = means.loc[300]
    assert big[("log_loss", "discriminative")] < 0.5 * big[("log_loss", "generative")]
    assert big[("accuracy", "discriminative")] > big[("accuracy", "generative")]
    # ...while with 10 points the generative model has the head start
    small = means.loc[10]
    assert small[("log_loss", "generative")] < small[("log_loss", "discriminative")]


def test_stacked_training_equals_one_run_per_seed():
    config = compare.CurveConfig(
        "moons",
        0.3,
        sizes=(30,),
        seeds=(3, 4),
        n_test=100,
        discriminative=compare.DiscriminativeConfig("mlp", steps=30),
    )
    rows = pd.DataFrame(compare.curve_point(config, 30))
    for seed in (3, 4):
        X, y = compare._pool(config, seed, 2000)
        o0, o1 = compare._nested_order(y, seed)
        idx = np.concatenate([o0[:15], o1[:15]])
        Xt, yt = compare._pool(config, seed, 100, compare._TEST_OFFSET)
        Xt, yt, _ = compare.rebalance(Xt, yt, 0.5, seed=seed)
        fit = compare.fit_discriminative(
            X[idx], y[idx], compare.DiscriminativeConfig("mlp", steps=30, seed=seed)
        )
        alone = compare.score_discriminative(fit, Xt, yt).log_loss
        got = rows[(rows.seed == seed) & (rows.model == "discriminative")]["log_loss"].item()
        assert got == pytest.approx(alone, rel=1e-4)


def test_curve_config_rejects_a_one_class_share():
    with pytest.raises(compare.CompareError, match="between 0.05"):
        compare.CurveConfig(share=1.0)
    with pytest.raises(compare.CompareError, match="unknown covariance"):
        compare.GenerativeConfig("spherical")
    with pytest.raises(compare.CompareError, match="unknown model"):
        compare.DiscriminativeConfig("svm")
