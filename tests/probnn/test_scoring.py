"""probnn.scoring: the float64 proof, the per-example curves and the three-likelihood fits."""

import math

import numpy as np
import pytest
import scipy.stats
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from probnn import likelihoods, scoring

NAMES = likelihoods.names()
PARAMS = {
    "categorical": [{}, {"smoothing": 0.1}],
    "gaussian": [{}, {"sigma": 0.3}, {"sigma": 4.0}],
    "laplace": [{}, {"b": 2.5}],
    "student_t": [{}, {"df": 1.0, "scale": 2.0}, {"df": 30.0}],
}


def _cases():
    for name in NAMES:
        for params in PARAMS.get(name, [{}]):
            yield name, params


# ----------------------------------------------------------------------------- the proof


@pytest.mark.parametrize(("name", "params"), list(_cases()))
@pytest.mark.parametrize("seed", [0, 1, 12345])
def test_relation_holds_to_float64_precision(name, params, seed):
    lik = likelihoods.get(name, **params)
    output, target = scoring.random_batch(lik, 33, seed=seed, n_classes=4)
    proof = scoring.prove(lik, output, target)
    assert proof.holds
    assert abs(proof.difference) < 1e-8
    assert proof.nll == pytest.approx(float(lik.nll(output, target)), abs=1e-12)
    assert proof.recovered == pytest.approx(proof.factor * proof.reference + proof.constant)
    assert proof.has_builtin == lik.has_builtin
    if lik.has_builtin:
        assert proof.reference == pytest.approx(float(lik.builtin(output, target)), abs=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_random_batch_is_seeded_float64_and_fits_the_likelihood(name):
    lik = likelihoods.get(name)
    a_out, a_y = scoring.random_batch(lik, 20, seed=5, n_classes=3)
    b_out, b_y = scoring.random_batch(lik, 20, seed=5, n_classes=3)
    c_out, _ = scoring.random_batch(lik, 20, seed=6, n_classes=3)
    assert torch.equal(a_out, b_out) and torch.equal(a_y, b_y)
    assert not torch.equal(a_out, c_out)
    assert a_out.dtype == torch.float64
    assert a_out.shape[0] == a_y.shape[0] == 20
    assert lik.check_target(a_y, 3) is None


def test_random_batch_leaves_the_global_rng_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    scoring.random_batch(likelihoods.get("poisson"), 50, seed=1)
    assert torch.equal(torch.rand(3), expected)


def test_random_batch_rejects_bad_sizes():
    with pytest.raises(ValueError, match="at least 1"):
        scoring.random_batch(likelihoods.get("gaussian"), 0)
    with pytest.raises(ValueError, match="at least 2 classes"):
        scoring.random_batch(likelihoods.get("categorical"), 5, n_classes=1)


@pytest.mark.parametrize(("df", "scale"), [(0.7, 1.0), (3.0, 0.5), (50.0, 2.0)])
def test_student_t_reference_and_proof_match_scipy(df, scale):
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(40, generator=g, dtype=torch.float64)
    y = mu + 3 * torch.randn(40, generator=g, dtype=torch.float64)
    ref = -scipy.stats.t.logpdf(y.numpy(), df, loc=mu.numpy(), scale=scale).mean()
    assert float(scoring.student_t_reference(mu, y, df, scale)) == pytest.approx(ref, rel=1e-12)
    proof = scoring.prove(likelihoods.get("student_t", df=df, scale=scale), mu, y)
    assert proof.nll == pytest.approx(ref, rel=1e-12)
    assert proof.holds


def test_student_t_proof_uses_torch_distributions():
    lik = likelihoods.get("student_t", df=4.0)
    proof = scoring.prove(lik, *scoring.random_batch(lik, 10, seed=2))
    assert not proof.has_builtin
    assert proof.reference_name == "torch.distributions.StudentT"
    assert (proof.factor, proof.constant) == (1.0, 0.0)


def test_proof_table_rows():
    lik = likelihoods.get("gaussian", sigma=2.0)
    proof = scoring.prove(lik, *scoring.random_batch(lik, 8, seed=0))
    table = scoring.proof_table(proof)
    assert list(table.columns) == ["quantity", "computed as", "value"]
    values = dict(zip(table["quantity"], table["value"], strict=True))
    assert values["factor"] == pytest.approx(1 / 8)
    assert values["constant (nats)"] == pytest.approx(math.log(2.0) + 0.5 * math.log(2 * math.pi))
    assert values["difference (nats)"] == proof.difference
    assert "F.mse_loss" in table["computed as"].iloc[1]


def test_seed_sweep_holds_for_every_seed():
    frame = scoring.seed_sweep(likelihoods.get("poisson"), 12, range(5))
    assert list(frame["seed"]) == [0, 1, 2, 3, 4]
    assert frame["difference"].abs().max() < 1e-8
    assert frame["nll"].nunique() == 5


# ----------------------------------------------------------------------------- typed targets


def test_parse_targets_accepts_commas_and_spaces():
    y, message = scoring.parse_targets(" 1.5, -2 3 ;4 ", likelihoods.get("gaussian"))
    assert message is None
    assert y.tolist() == [1.5, -2.0, 3.0, 4.0] and y.dtype == torch.float64


def test_parse_targets_empty_means_random():
    assert scoring.parse_targets("  ", likelihoods.get("bernoulli")) == (None, None)


def test_parse_targets_categorical_gives_integer_labels():
    y, message = scoring.parse_targets("0 2 1", likelihoods.get("categorical"), 3)
    assert message is None and y.dtype == torch.int64 and y.tolist() == [0, 2, 1]


@pytest.mark.parametrize(
    ("name", "text", "classes", "match"),
    [
        ("categorical", "0, 1, 5", 3, "only 3 classes"),
        ("categorical", "0, -1", 3, "negative"),
        ("categorical", "0.5, 1", 3, "whole numbers"),
        ("bernoulli", "0, 1, 2", None, "not 0 or 1"),
        ("poisson", "3, -1", None, "negative"),
        ("poisson", "1.5", None, "whole numbers"),
        ("gaussian", "1, x", None, "not a number"),
        ("gaussian", "1, inf", None, "infinite"),
        ("gaussian", "1, 1e300", None, "between"),
        ("laplace", "-2e6", None, "between"),
    ],
)
def test_parse_targets_explains_bad_values(name, text, classes, match):
    y, message = scoring.parse_targets(text, likelihoods.get(name), classes)
    assert y is None
    assert match in message
    assert not message[0].islower() and message.endswith(".")


def test_parse_targets_refuses_very_long_lists():
    text = ",".join(["1"] * (scoring.MAX_TYPED_TARGETS + 1))
    y, message = scoring.parse_targets(text, likelihoods.get("gaussian"))
    assert y is None and str(scoring.MAX_TYPED_TARGETS) in message


# ----------------------------------------------------------------------------- per-example curves


def test_bernoulli_curves_match_binary_cross_entropy():
    frame = scoring.bernoulli_curves(101)
    assert set(frame["label"]) == {"y = 1", "y = 0"}
    for label, y in [("y = 1", 1.0), ("y = 0", 0.0)]:
        part = frame[frame["label"] == label]
        z = torch.tensor(part["z"].to_numpy())
        ref = F.binary_cross_entropy_with_logits(z, torch.full_like(z, y), reduction="none")
        np.testing.assert_allclose(part["loss"], ref.numpy(), rtol=1e-12, atol=1e-14)
    assert np.isfinite(frame["loss"]).all()
    assert frame["pi"].between(0, 1).all()


def test_bernoulli_squared_error_is_bounded_by_a_half():
    frame = scoring.bernoulli_curves(101, squared=True)
    squared = frame[frame["series"].str.contains("½")]
    assert len(squared) == 2 * 101
    assert squared["loss"].max() <= 0.5
    assert frame["loss"].max() > 5  # the NLL is not bounded


@pytest.mark.parametrize(("c", "eps"), [(2, 0.0), (3, 0.1), (10, 0.3)])
def test_categorical_curves_match_torch_cross_entropy(c, eps):
    frame = scoring.categorical_curves(c, eps, n=61)
    for series, smoothing in [(frame["series"].iloc[0], 0.0)] + (
        [(frame["series"].iloc[-1], eps)] if eps else []
    ):
        part = frame[frame["series"] == series]
        m = torch.tensor(part["margin"].to_numpy())
        logits = torch.zeros(len(m), c, dtype=torch.float64)
        logits[:, 0] = m
        target = torch.zeros(len(m), dtype=torch.long)
        ref = F.cross_entropy(logits, target, label_smoothing=smoothing, reduction="none")
        np.testing.assert_allclose(part["loss"], ref.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(part["p_true"], torch.softmax(logits, -1)[:, 0], rtol=1e-12)


def test_label_smoothing_moves_the_minimum_inside():
    c, eps = 4, 0.2
    frame = scoring.categorical_curves(c, eps, n=2001)
    smooth = frame[frame["series"].str.startswith("smoothed")]
    best = smooth.loc[smooth["loss"].idxmin(), "p_true"]
    assert best == pytest.approx(1 - eps + eps / c, abs=5e-3)
    plain = frame[~frame["series"].str.startswith("smoothed")]
    assert plain["loss"].is_monotonic_decreasing


@pytest.mark.parametrize(("sigma", "df", "scale"), [(1.0, 3.0, 1.0), (0.5, 1.0, 2.0)])
def test_regression_curves_start_at_zero_and_pull_is_the_slope(sigma, df, scale):
    frame = scoring.regression_curves(sigma, df, scale, n=4001)
    assert frame["series"].nunique() == 4
    for _, part in frame.groupby("series"):
        r, loss, pull = (
            part["residual"].to_numpy(),
            part["loss"].to_numpy(),
            part["pull"].to_numpy(),
        )
        assert loss[np.argmin(np.abs(r))] == pytest.approx(0.0, abs=1e-12)
        assert (loss >= 0).all()
        slope = np.gradient(loss, r)
        inner = np.abs(r) > 0.05  # away from the kink of |r|
        np.testing.assert_allclose(slope[inner][1:-1], pull[inner][1:-1], atol=2e-3)


def test_regression_student_t_matches_its_nll_and_ignores_far_outliers():
    frame = scoring.regression_curves(1.0, 3.0, 1.0, r_max=50, n=1001)
    t = frame[frame["family"] == "student_t"]
    lik = likelihoods.get("student_t", df=3.0)
    r = torch.tensor(t["residual"].to_numpy())
    per = lik.nll_per_example(torch.zeros_like(r), r) - lik.nll_per_example(
        torch.zeros(1, dtype=r.dtype), torch.zeros(1, dtype=r.dtype)
    )
    np.testing.assert_allclose(t["loss"], per.numpy(), rtol=1e-9, atol=1e-12)
    far = t[t["residual"].abs() > 40]
    assert far["pull"].abs().max() < 0.11  # fades towards 0
    mse = frame[frame["series"].str.startswith("MSE")]
    assert mse["pull"].abs().max() == pytest.approx(100.0)


def test_regression_curves_refuse_bad_parameters():
    with pytest.raises(ValueError, match="> 0"):
        scoring.regression_curves(sigma=0.0)
    with pytest.raises(ValueError, match="> 0"):
        scoring.regression_curves(df=-1.0)


def test_poisson_curves_match_log_prob_and_bottom_out_at_the_count():
    frame = scoring.poisson_curves((0, 2, 5), rate_max=12.0, n=2391)
    for y, part in frame.groupby("count"):
        rate = torch.tensor(part["rate"].to_numpy())
        ref = -torch.distributions.Poisson(rate).log_prob(torch.full_like(rate, float(y)))
        np.testing.assert_allclose(part["loss"], ref.numpy(), rtol=1e-10)
        best = part.loc[part["loss"].idxmin(), "rate"]
        if y == 0:
            assert best == part["rate"].min()
        else:
            assert best == pytest.approx(y, abs=0.01)


# ----------------------------------------------------------------------------- three likelihoods


def test_outlier_sample_is_seeded_and_the_outlier_is_last():
    x, y = scoring.outlier_sample(10.0)
    x2, y2 = scoring.outlier_sample(0.0)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_allclose(y[:-1], y2[:-1])
    assert y[-1] - y2[-1] == pytest.approx(10.0)


def test_gaussian_fit_is_least_squares():
    x, y = scoring.outlier_sample(6.0)
    fit = scoring.fit_line("gaussian", x, y)
    slope, intercept = np.polyfit(x, y, 1)
    assert (fit.slope, fit.intercept) == pytest.approx((slope, intercept), rel=1e-10)
    r = y - fit.predict(x)
    assert fit.scale == pytest.approx(np.sqrt(np.mean(r**2)))


def test_laplace_fit_minimises_absolute_error():
    x, y = scoring.outlier_sample(6.0)
    fit = scoring.fit_line("laplace", x, y)
    best = np.abs(y - fit.predict(x)).sum()
    rng = np.random.default_rng(0)
    for d0, d1 in rng.normal(scale=0.05, size=(200, 2)):
        assert np.abs(y - (fit.intercept + d0) - (fit.slope + d1) * x).sum() >= best - 1e-12


def test_student_t_fit_is_a_likelihood_maximum():
    x, y = scoring.outlier_sample(8.0)
    fit = scoring.fit_line("student_t", x, y, df=3.0)
    lik = likelihoods.get("student_t", df=3.0, scale=fit.scale)

    def nll(b0, b1, s=fit.scale):
        mu = torch.tensor(b0 + b1 * x)
        return float(likelihoods.get("student_t", df=3.0, scale=s).nll(mu, torch.tensor(y)))

    best = float(lik.nll(torch.tensor(fit.predict(x)), torch.tensor(y)))
    assert best == pytest.approx(nll(fit.intercept, fit.slope))
    for d0, d1, ds in [(0.01, 0, 0), (-0.01, 0, 0), (0, 0.002, 0), (0, -0.002, 0), (0, 0, 0.01)]:
        assert nll(fit.intercept + d0, fit.slope + d1, fit.scale * (1 + ds)) > best


@settings(max_examples=25, deadline=None)
@given(outlier=st.floats(0.0, 20.0), df=st.floats(1.0, 30.0), line=st.booleans())
def test_each_fit_scores_best_under_its_own_likelihood(outlier, df, line):
    x, y = scoring.outlier_sample(outlier, trend=0.5 if line else 0.0)
    fits, table = scoring.compare_fits(x, y, df=df, slope=line)
    assert list(table["fit"]) == list(scoring.FIT_KINDS)
    for i, kind in enumerate(scoring.FIT_KINDS):
        column = table[f"nll_{kind}"]
        assert np.isfinite(column).all()
        assert column.iloc[i] <= column.min() + 1e-9
    if not line:
        assert all(f.slope == 0.0 for f in fits)


def test_location_estimates_are_mean_median_and_robust():
    _, y = scoring.outlier_sample(15.0, trend=0.0)
    est = scoring.location_estimates(y, df=3.0)
    assert est["gaussian"] == pytest.approx(np.mean(y))
    assert est["laplace"] == pytest.approx(np.median(y))
    bulk = np.mean(y[:-1])
    assert abs(est["student_t"] - bulk) < abs(est["gaussian"] - bulk) / 5


def test_unknown_fit_kinds_are_refused():
    x, y = scoring.outlier_sample()
    with pytest.raises(ValueError, match="choose one of"):
        scoring.fit_line("poisson", x, y)
    fit = scoring.fit_line("gaussian", x, y)
    with pytest.raises(ValueError, match="choose one of"):
        scoring.score_line("cauchy", fit, x, y)
    with pytest.raises(ValueError, match="df must be > 0"):
        scoring.fit_line("student_t", x, y, df=0.0)
