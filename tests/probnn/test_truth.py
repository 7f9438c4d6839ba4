"""Tests for probnn.truth: the floor H(Y|X) of every generator, the Bayes-optimal
p(y|x), and (with probnn.live.surprise) how a trained model's loss relates to them."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from probnn import data, likelihoods, live, training, truth
from probnn.data import GENERATORS, DataError

pytestmark = pytest.mark.usefixtures("one_thread")

CSV = Path(__file__).parent / "csv"
N = 840  # divisible by 2..8: every class has the share 1/C, as in the fresh samples
DRAWS = 100_800  # N * 120 fresh points per Monte-Carlo check
SQRT3 = math.sqrt(3.0)
CLASSIFICATION = [k for k, g in GENERATORS.items() if g.task in ("binary", "multiclass")]


def model(name: str, **params) -> truth._Truth:
    return truth._truth(*truth._key(name, {"n": N, **params}))


def fresh(name: str, m: int = DRAWS, seed: int = 11, **params):
    """m points drawn by the generator itself (raw coordinates for the 2-D sets)."""
    g = GENERATORS[name]
    params = {**{k: v for k, v in g.defaults().items() if k != "n"}, **params}
    X, y = (g.raw or g.fn)(m, torch.Generator().manual_seed(seed), **params)
    return X.numpy(), y.numpy()


def true_log_prob(name: str, X: np.ndarray, y: np.ndarray, **params) -> np.ndarray:
    t = model(name, **params)
    if isinstance(t, truth._Classes):
        return t.log_posterior(X)[np.arange(len(y)), y]
    return t.log_prob(X[:, 0], y)


# --------------------------------------------------------------------------- the floor
# The floor is E_x[H(p(y|x))]; a fresh sample estimates the same number as the average
# of -log p(y|x). Both carry errors: the floor its stated one, the sample its standard
# error; they must agree within four combined standard errors.

MONTE_CARLO = [
    ("blobs", {"noise": 0.3}),
    ("blobs", {"noise": 0.7}),
    ("multi_blobs", {"noise": 0.55, "n_classes": 4}),
    ("multi_blobs", {"noise": 1.05, "n_classes": 8}),
    ("circles", {"noise": 0.15}),
    ("circles", {"noise": 0.27}),
    ("xor", {"noise": 0.08}),
    ("xor", {"noise": 0.3}),
    ("moons", {"noise": 0.2}),
    ("spiral", {"noise": 0.07}),
    ("multi_spirals", {"noise": 0.06, "n_classes": 5}),
    ("linear", {"noise": 0.3}),
    ("sine", {"noise": 0.05}),
    ("heteroscedastic", {"noise": 0.5}),
    ("outliers", {"noise": 0.2, "outlier_fraction": 0.1}),
    ("outliers", {"noise": 0.7, "outlier_fraction": 0.3}),
    ("counts", {"noise": 0.0}),
    ("counts", {"noise": 0.4}),
    ("counts", {"noise": 1.0}),
]


def _ids(cases):
    return [f"{k}-{'-'.join(f'{a}={b}' for a, b in kw.items())}" for k, kw in cases]


def test_every_generator_is_covered():
    assert {name for name, _ in MONTE_CARLO} == set(GENERATORS)


@pytest.mark.parametrize(("name", "params"), MONTE_CARLO, ids=_ids(MONTE_CARLO))
def test_floor_agrees_with_a_large_fresh_sample(name, params):
    f = truth.floor(name, n=N, **params)
    X, y = fresh(name, **params)
    surprise = -true_log_prob(name, X, y, **params)  # (DRAWS,) nats
    mc, se = surprise.mean(), surprise.std(ddof=1) / math.sqrt(len(y))
    assert math.isfinite(f.value) and f.error >= 0
    assert abs(f.value - mc) <= 4 * math.hypot(f.error, se) + 1e-12, (f, mc, se)
    assert f.error < 0.01  # and the stated error is small enough to be useful


@pytest.mark.parametrize("name", list(GENERATORS))
def test_floor_at_each_default_is_finite_and_stated(name):
    f = truth.floor(name)
    assert isinstance(f, truth.Floor) and math.isfinite(f.value) and f.method
    assert "nats" in str(f)
    if GENERATORS[name].task in ("binary", "multiclass", "count"):
        assert f.value >= -f.error  # a probability's entropy is never negative


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_noise_zero_separates_the_classes(name):
    f = truth.floor(name, noise=0.0)
    assert f.value == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("name", ["blobs", "circles"])
def test_a_tiny_noise_gives_a_floor_of_zero_and_a_clean_posterior(name):
    # a few noise standard deviations are far below the gap between the classes; below
    # the smallest noise a data set takes (data.NOISE_LEAST) the floor is not computed
    for noise in (1e-9, 1e-300):
        with pytest.raises(data.DataError, match="too small"):
            truth.floor(name, noise=noise)
    for noise in (data.NOISE_LEAST, 2e-3):
        assert truth.floor(name, noise=noise).value == pytest.approx(0.0, abs=1e-300)
        ds = data.make(name, seed=1, n=60, noise=noise)
        X, y = torch.cat([ds.X_train, ds.X_test]), torch.cat([ds.y_train, ds.y_test])
        p = truth.posterior(ds, X)
        assert np.isfinite(p).all() and (p.argmax(1) == y.numpy()).all()


@pytest.mark.parametrize("name", ["linear", "sine", "heteroscedastic", "outliers"])
def test_regression_without_noise_has_no_floor(name):
    f = truth.floor(name, noise=0.0)
    assert f.value == -math.inf and "without bound" in f.method
    assert truth.kl_gap(0.3, f) == math.inf


@pytest.mark.parametrize("name", ["moons", "spiral", "xor", "circles", "multi_blobs"])
def test_more_noise_never_lowers_the_floor(name):
    # adding independent noise to x can only lose information about y
    high = GENERATORS[name].spec("noise").high
    floors = [truth.floor(name, noise=f * high) for f in (0.2, 0.4, 0.6, 0.8, 1.0)]
    for a, b in zip(floors, floors[1:], strict=False):
        assert b.value >= a.value - 3 * math.hypot(a.error, b.error)
    assert floors[-1].value > floors[0].value + 0.1


def test_floor_is_cached_validated_and_independent_of_the_seed():
    assert truth.floor("moons", noise=0.3) is truth.floor("moons", noise=0.3, n=400)
    a = truth.conditional_entropy(data.make("moons", seed=1, noise=0.3))
    b = truth.conditional_entropy(data.make("moons", seed=2, noise=0.3, test_fraction=0.5))
    assert a is b and a is truth.floor("moons", noise="0.3")
    with pytest.raises(DataError, match="valid names"):
        truth.floor("swirl")
    with pytest.raises(DataError, match="use a value from 0 to 0.5"):
        truth.floor("moons", noise=1.5)
    with pytest.raises(DataError, match="no parameter"):
        truth.floor("moons", n_classes=3)
    assert data.conditional_entropy(data.make("xor")) is truth.floor("xor")


def test_class_shares_follow_the_generators_split():
    # 401 points: 201 of class 0, 200 of class 1
    t = truth._truth(*truth._key("blobs", {"n": 401}))
    np.testing.assert_allclose(t.priors, [201 / 401, 200 / 401])
    assert truth.floor("blobs", n=401).value != truth.floor("blobs", n=400).value


# --------------------------------------------------------------------------- closed forms


@settings(max_examples=25, deadline=None)
@given(noise=st.floats(0.001, 1.0), name=st.sampled_from(["linear", "sine"]))
def test_gaussian_noise_floor_is_its_entropy(noise, name):
    f = truth.floor(name, noise=noise)
    assert f.value == pytest.approx(0.5 * math.log(2 * math.pi * math.e * noise**2), abs=1e-12)
    assert f.value == pytest.approx(float(stats.norm(scale=noise).entropy()), abs=1e-12)
    assert f.error == 0


@settings(max_examples=15, deadline=None)
@given(noise=st.floats(0.01, 1.0))
def test_heteroscedastic_floor_averages_the_entropy_over_x(noise):
    def entropy_at(x):  # the spread grows tenfold from the left end of x to the right
        sd = noise * (0.15 + 1.35 * (x + SQRT3) / (2 * SQRT3))
        return float(stats.norm(scale=sd).entropy())

    x = torch.tensor([-1.0, 0.5], dtype=torch.float64)
    frame = GENERATORS["heteroscedastic"].truth(x, noise=noise)
    np.testing.assert_allclose(
        [stats.norm(scale=v).entropy() for v in frame["sd"]], [entropy_at(-1.0), entropy_at(0.5)]
    )
    expected, _ = integrate.quad(entropy_at, -SQRT3, SQRT3)
    assert truth.floor("heteroscedastic", noise=noise).value == pytest.approx(
        expected / (2 * SQRT3), abs=1e-9
    )


def _blobs_floor_by_quad(noise: float, n: int) -> float:
    """H(Y|X) of two Gaussian blobs, from scipy: 1-D along the line of the centres."""
    s, d = noise, 1.5 * math.sqrt(2)  # a blob's spread is the noise
    if s == 0:
        return 0.0  # every point on its centre
    p1 = (n // 2) / n
    p0 = 1 - p1

    def integrand(z):
        a = p0 * stats.norm.pdf(z, -d / 2, s)
        b = p1 * stats.norm.pdf(z, d / 2, s)
        return -sum(v * math.log(v / (a + b)) for v in (a, b) if v > 0)

    edge = d / 2 + 12 * s
    with np.errstate(over="ignore"):  # a tiny spread: densities under/overflow to 0
        value, _ = integrate.quad(integrand, -edge, edge, points=[0.0], limit=200, epsabs=1e-13)
    return value


@settings(max_examples=25, deadline=None)
@given(noise=st.just(0.0) | st.floats(data.NOISE_LEAST, 1.1), n=st.integers(20, 2000))
def test_blobs_floor_matches_scipy(noise, n):
    f = truth.floor("blobs", noise=noise, n=n)
    assert f.value == pytest.approx(_blobs_floor_by_quad(noise, n), abs=1e-8)
    assert f.error < 1e-8


@settings(max_examples=15, deadline=None)
@given(noise=st.floats(0.03, 0.3))
def test_circles_floor_matches_scipy_rice_densities(noise):
    s = noise  # the noise is the standard deviation of the Gaussian around each circle
    outer, inner = stats.rice(1.0 / s, scale=s), stats.rice(0.5 / s, scale=s)

    def integrand(rho):
        a, b = 0.5 * outer.pdf(rho), 0.5 * inner.pdf(rho)
        return -sum(v * math.log(v / (a + b)) for v in (a, b) if v > 0)

    expected, _ = integrate.quad(integrand, 0, 1 + 12 * s, points=[0.5, 0.75, 1.0], limit=400)
    f = truth.floor("circles", noise=noise)
    assert f.value == pytest.approx(expected, abs=1e-7)


def test_circle_density_is_the_average_over_the_angle():
    t = model("circles", noise=0.12)
    X = np.array([[0.3, 0.1], [-0.8, 0.5], [0.0, 0.0], [1.5, -1.0]])
    # the curve quadrature of probnn.truth, applied to the two circles
    rule = [
        truth._curve_rule(lambda a, r=r: r * np.stack([np.cos(a), np.sin(a)], -1), 0, 2 * np.pi,
                          sigma=t.sigma, reach=4.0)
        for r in (1.0, 0.5)
    ]  # fmt: skip
    by_curve = truth._curve_log_lik(X, truth._group(rule), t.sigma)
    # a class far below the best (here e^-36) is summed only near the best one's nodes
    close = by_curve > by_curve.max(axis=1, keepdims=True) - 30
    np.testing.assert_allclose(t.log_lik(X)[close], by_curve[close], rtol=1e-6)


@pytest.mark.parametrize(("name", "noise"), [("moons", 0.15), ("spiral", 0.05), ("moons", 0.01)])
def test_curve_density_matches_scipy_quad(name, noise):
    t = model(name, noise=noise)
    rng = np.random.default_rng(0)
    X, _ = fresh(name, m=6, seed=3, noise=noise)
    X = np.concatenate([X, rng.uniform(-1.2, 1.5, (4, 2))])
    lo, hi = t.t_range
    log_lik = t.log_lik(X)  # (10, C)
    # a class far below the best is only summed near the best one's nodes (its share of
    # p(x) does not matter): compare the classes within 20 nats of the best
    close = log_lik > log_lik.max(axis=1, keepdims=True) - 20
    for k, curve in enumerate(t.curves):
        for x, got in zip(X[close[:, k]], log_lik[close[:, k], k], strict=True):

            def density(u, x=x, curve=curve):
                c = curve(np.array([u]))[0]
                return stats.multivariate_normal.pdf(x, c, t.sigma**2) / (hi - lo)

            # the Gaussian is narrow: tell quad where the curve passes near x
            ts = np.linspace(lo, hi, 4001)
            dist = np.hypot(*(curve(ts) - x).T)
            near = ts[np.r_[False, (dist[1:-1] <= dist[:-2]) & (dist[1:-1] <= dist[2:]), False]]
            value, _ = integrate.quad(density, lo, hi, points=near, limit=500, epsabs=0)
            if value > 1e-250:  # panels of three noise sd: relative error below 1e-3
                assert got == pytest.approx(math.log(value), abs=1e-3)


@pytest.mark.parametrize(("name", "params"), [("multi_spirals", {"noise": 0.1, "n_classes": 8}),
                                              ("moons", {"noise": 0.3})])  # fmt: skip
def test_curve_density_is_the_same_summed_group_by_group_or_all_at_once(name, params, monkeypatch):
    t = model(name, **params)
    X, _ = fresh(name, m=500, seed=6, **params)
    nodes = t._nodes(8 * t.sigma)
    monkeypatch.setattr(truth, "_DENSE", 1.0)  # never all at once
    by_group = truth._curve_log_lik(X, nodes, t.sigma)
    monkeypatch.setattr(truth, "_DENSE", -1.0)  # always
    at_once = truth._curve_log_lik(X, nodes, t.sigma)
    # group by group leaves out terms more than 40 nats below a point's largest
    close = by_group > by_group.max(axis=1, keepdims=True) - 20
    np.testing.assert_allclose(at_once[close], by_group[close], rtol=1e-9)
    assert (at_once >= by_group - 1e-9).all()


def test_xor_density_is_a_product_of_normal_cdf_differences():
    t = model("xor", noise=0.25)
    s = t.sigma
    X = np.array([[0.3, 0.4], [-0.5, 0.2], [2.5, -3.0], [0.0, 0.0]])

    def side(u, sign):  # uniform on [0.1, 1] (times sign) blurred by N(0, s^2)
        lo, hi = sorted((0.1 * sign, sign))
        if lo > u:  # both in the upper tail: subtract survival functions instead
            return (stats.norm.sf((lo - u) / s) - stats.norm.sf((hi - u) / s)) / 0.9
        return (stats.norm.cdf((hi - u) / s) - stats.norm.cdf((lo - u) / s)) / 0.9

    for x, got in zip(X, np.exp(t.log_lik(X)), strict=True):
        same = 0.5 * (side(x[0], 1) * side(x[1], 1) + side(x[0], -1) * side(x[1], -1))
        other = 0.5 * (side(x[0], 1) * side(x[1], -1) + side(x[0], -1) * side(x[1], 1))
        np.testing.assert_allclose(got, [other, same], rtol=1e-9)


def _eta(x: float) -> float:
    return 1.0 + 0.8 * math.sin(1.5 * x)


def test_poisson_floor_matches_scipy():
    value, _ = integrate.quad(
        lambda x: float(stats.poisson(math.exp(_eta(x))).entropy()), -SQRT3, SQRT3
    )
    assert truth.floor("counts", noise=0.0).value == pytest.approx(value / (2 * SQRT3), abs=1e-9)


@pytest.mark.parametrize("noise", [0.05, 0.5, 1.0])
def test_poisson_lognormal_probabilities_match_scipy(noise):
    t = model("counts", noise=noise)
    x = np.array([-1.0, -1.0, 0.2, 0.2, 1.3, 1.3, 1.3])
    y = np.array([0.0, 3.0, 1.0, 7.0, 2.0, 12.0, 60.0])
    for xi, yi, got in zip(x, y, t.log_prob(x, y), strict=True):

        def integrand(z, xi=xi, yi=yi):
            rate = math.exp(_eta(xi) + noise * z - noise**2 / 2)
            return stats.poisson.pmf(yi, rate) * stats.norm.pdf(z)

        value, _ = integrate.quad(integrand, -12, 12, limit=400, epsabs=0, epsrel=1e-11)
        assert got == pytest.approx(math.log(value), abs=1e-7)
    # the mixture's probabilities over all counts sum to 1 at every x
    H, missed = t._entropies(np.array([0.2, 1.8]), 1.0)
    assert missed < 1e-9 and (H > 0).all()


@pytest.mark.parametrize(("noise", "fraction"), [(0.05, 0.1), (0.4, 0.25)])
def test_outlier_floor_matches_scipy(noise, fraction):
    share = math.floor(fraction * N + 0.5) / N

    def density(r):
        moved = (stats.norm.cdf((r + 6) / noise) - stats.norm.cdf((r + 3) / noise)) / 3
        return (1 - share) * stats.norm.pdf(r, 0, noise) + share * moved

    def integrand(r):
        p = density(r)
        return -p * math.log(p) if p > 0 else 0.0

    edges = [-6 - 12 * noise, -6, -3, 0, 12 * noise]
    value = sum(
        integrate.quad(integrand, a, b, limit=400, epsabs=1e-12)[0]
        for a, b in zip(edges, edges[1:], strict=False)
    )
    f = truth.floor("outliers", n=N, noise=noise, outlier_fraction=fraction)
    assert f.value == pytest.approx(value, abs=1e-8)


# --------------------------------------------------------------------------- p(y|x)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_replayed_scaling_maps_the_stored_points_to_the_generators_draw(name):
    ds = data.make(name, seed=4, n=150)
    stored = torch.cat([ds.X_train, ds.X_test]).numpy()
    raw = truth._raw(*truth._key(name, ds.params), ds.seed, stored)
    X, _ = GENERATORS[name].raw(
        150, torch.Generator().manual_seed(4), **{k: v for k, v in ds.params.items() if k != "n"}
    )
    key = lambda a: np.lexsort(np.round(a, 4).T)  # noqa: E731
    np.testing.assert_allclose(raw[key(raw)], X.numpy()[key(X.numpy())], atol=1e-5)


@pytest.mark.parametrize(
    ("name", "params"),
    [("moons", {"noise": 0.25}), ("xor", {"noise": 0.2}), ("multi_spirals", {"noise": 0.1})],
)
def test_stored_data_sets_average_to_the_floor(name, params):
    # end to end through the public API: each data set in its own rescaled coordinates
    surprise = np.concatenate(
        [
            -truth.log_prob(
                ds, torch.cat([ds.X_train, ds.X_test]), torch.cat([ds.y_train, ds.y_test])
            )
            for ds in (data.make(name, seed=s, n=1998, **params) for s in range(10))
        ]
    )
    f = truth.floor(name, n=1998, **params)
    se = surprise.std() / math.sqrt(len(surprise))
    assert abs(surprise.mean() - f.value) < 4 * math.hypot(se, f.error)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_the_true_probabilities_are_calibrated(name):
    # among fresh points given probability p for a class, that class comes up a share p
    params = {"noise": GENERATORS[name].spec("noise").high / 2}
    X, y = fresh(name, m=40_000, seed=5, **params)
    p = np.exp(model(name, **params).log_posterior(X))  # (M, C)
    hit = y[:, None] == np.arange(p.shape[1])[None]
    bins = np.clip((p * 10).astype(int), 0, 9)
    for b in range(10):
        at = bins == b
        if at.sum() > 200:
            observed, predicted = hit[at].mean(), p[at].mean()
            se = math.sqrt(predicted * (1 - predicted) / at.sum())
            assert abs(observed - predicted) < 4 * se + 1e-3


@pytest.mark.parametrize(("name", "params"), [
    ("moons", {}), ("circles", {"noise": 0.21}), ("xor", {}), ("spiral", {"noise": 0.07}),
    ("blobs", {"noise": 1.0}), ("multi_blobs", {"n_classes": 5, "noise": 0.75}),
    ("multi_spirals", {"n_classes": 4}),
])  # fmt: skip
def test_bayes_grid_is_a_distribution_at_each_grid_point(name, params):
    ds = data.make(name, seed=2, **params)
    xs, ys = live.plane(ds, size=23)
    grid = truth.bayes_grid(ds, xs, ys)
    C = ds.n_classes
    assert grid.shape == ((23, 23) if C == 2 else (23, 23, C))
    assert np.isfinite(grid).all() and (grid >= 0).all() and (grid <= 1).all()
    if C > 2:
        np.testing.assert_allclose(grid.sum(-1), 1.0, atol=1e-12)
    # entry [i, j] is the posterior at (xs[j], ys[i]); by name, seed and parameters too
    i, j = 5, 17
    p = truth.posterior(ds, [[xs[j], ys[i]]])[0]
    np.testing.assert_allclose(grid[i, j], p[1] if C == 2 else p, rtol=1e-6, atol=1e-12)
    by_name = truth.bayes_grid(name, xs, ys, seed=2, **params)
    np.testing.assert_array_equal(by_name, grid)
    # the same p(y|x) as the floor's
    t = truth._truth(*truth._key(name, ds.params))
    raw = truth._raw(*truth._key(name, ds.params), 2, [[xs[j], ys[i]]])
    np.testing.assert_allclose(p, np.exp(t.log_posterior(raw))[0], rtol=1e-12)


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_bayes_grid_without_noise_gives_the_nearest_pattern_everything(name):
    ds = data.make(name, seed=0, noise=0.0)
    grid = truth.bayes_grid(ds, *live.plane(ds, size=30))
    values = np.unique(np.round(grid, 12))
    assert set(values) <= {0.0, 0.5, 1.0} or set(values) <= {0.0, 1 / 3, 0.5, 1.0}
    X = torch.cat([ds.X_train, ds.X_test]).numpy()
    y = torch.cat([ds.y_train, ds.y_test]).numpy()
    assert (truth.posterior(ds, X).argmax(1) == y).all()


def test_truth_is_refused_where_there_is_none():
    csv = data.load_csv(CSV / "good.csv", features=["x1", "x2"], target="label", task="binary")
    assert truth.conditional_entropy(csv) is None
    assert data.conditional_entropy(csv) is None
    assert truth.conditional_entropy(live.line_dataset()) is None
    with pytest.raises(DataError, match="not drawn by one of probnn's generators"):
        truth.bayes_grid(csv, [0.0], [0.0])
    with pytest.raises(DataError, match="Dataset.truth"):
        truth.bayes_grid(data.make("linear"), [0.0], [0.0])
    with pytest.raises(TypeError, match="only with a generator's name"):
        truth.posterior(data.make("moons"), [[0.0, 0.0]], noise=0.2)


def test_log_prob_of_regression_and_counts():
    ds = data.make("sine", seed=1, noise=0.2)
    mean = np.sin(2 * ds.X_test[:, 0].double().numpy())
    expected = stats.norm.logpdf(ds.y_test.double().numpy(), mean, 0.2)
    np.testing.assert_allclose(truth.log_prob(ds, ds.X_test, ds.y_test), expected, rtol=1e-6)
    ds = data.make("counts", seed=1)
    rate = np.exp(1 + 0.8 * np.sin(1.5 * ds.X_test[:, 0].double().numpy()))
    expected = stats.poisson.logpmf(ds.y_test.numpy(), rate)
    np.testing.assert_allclose(truth.log_prob(ds, ds.X_test, ds.y_test), expected, rtol=1e-6)


# --------------------------------------------------------------------------- training


def _trained(name, likelihood, **params):
    ds = data.make(name, seed=0, n=2000, test_fraction=0.5, **params)
    cfg = training.TrainConfig(likelihood=likelihood, hidden=(), lr=0.05, steps=400, eval_every=100)
    run = training.Run(cfg, ds)
    run.advance(cfg.steps)
    return run, ds


@pytest.mark.parametrize(
    ("name", "likelihood", "params"),
    [
        ("blobs", "bernoulli", {"noise": 0.6}),
        ("linear", "gaussian_learned_variance", {"noise": 0.4}),
    ],
)
def test_a_long_trained_model_reaches_the_floor_and_not_below(name, likelihood, params):
    # the true p(y|x) is in the model's family here (logistic in x; a line with a
    # constant spread), so training on much data closes nearly all of the gap
    run, ds = _trained(name, likelihood, **params)
    f = truth.conditional_entropy(ds)
    q = live.surprise(run, ds.X_test, ds.y_test)  # (1000,) -log q(y|x)
    p = -truth.log_prob(ds, ds.X_test, ds.y_test)  # (1000,) -log p(y|x)
    test_loss = float(run.history.filled()["test_loss"][-1])
    assert test_loss == pytest.approx(q.mean(), abs=0.01)  # one step earlier
    gap = truth.kl_gap(q.mean(), f)
    assert abs(gap) < 0.05  # within sampling error of the floor
    paired = q - p  # log p/q at each test point: its mean estimates the KL, >= 0
    assert paired.mean() > -2 * paired.std() / math.sqrt(len(paired))
    assert paired.mean() < 0.02


def test_the_exact_kl_of_a_trained_classifier_is_small_and_positive():
    run, ds = _trained("blobs", "bernoulli", noise=0.6)
    p1 = truth.posterior(ds, ds.X_test)[:, 1]
    q1, _ = live.predict(run, ds.X_test)
    kl = p1 * np.log(p1 / q1) + (1 - p1) * np.log((1 - p1) / (1 - q1))  # per test x
    assert (kl >= -1e-9).all() and kl.mean() < 0.01


def test_kl_gap_is_the_test_loss_above_the_floor():
    f = truth.Floor(0.25, 0.001, "a floor")
    assert truth.kl_gap(0.4, f) == pytest.approx(0.15)
    assert truth.kl_gap(0.2, f) == pytest.approx(-0.05)  # a small test set can dip below


# --------------------------------------------------------------------------- surprise


@pytest.mark.parametrize(
    ("name", "likelihood", "params"),
    [
        ("moons", "bernoulli", {}),
        ("multi_blobs", "categorical", {}),
        ("linear", "gaussian", {"sigma": 0.5}),
        ("heteroscedastic", "gaussian_learned_variance", {}),
        ("outliers", "student_t", {}),
        ("counts", "poisson", {}),
    ],
)
def test_mean_surprise_is_the_training_loss_of_the_next_step(name, likelihood, params):
    ds = data.make(name, seed=3, n=200)
    cfg = training.TrainConfig(likelihood=likelihood, likelihood_params=params, hidden=(8,),
                               steps=30, eval_every=10, seed=1)  # fmt: skip
    run = training.Run(cfg, ds)
    run.advance(6)  # the parameters after 6 steps ...
    train = live.surprise(run, ds.X_train, ds.y_train)
    test = live.surprise(run, ds.X_test, ds.y_test)
    assert train.shape == (ds.n_train,) and train.dtype == np.float64
    records = run.advance(4)  # ... are those step 7 starts from; step 10 evaluates
    assert records[0].train_loss == pytest.approx(train.mean(), rel=1e-6, abs=1e-6)
    assert records[-1].step == 10 and records[-1].test_loss is not None
    run.advance(0)
    again = training.Run(cfg, ds)
    again.advance(9)
    assert records[-1].test_loss == pytest.approx(
        live.surprise(again, ds.X_test, ds.y_test).mean(), rel=1e-6, abs=1e-6
    )
    assert np.isfinite(test).all()


def test_surprise_stays_the_log_loss_under_label_smoothing():
    ds = data.make("multi_blobs", seed=0, n=150)
    cfg = training.TrainConfig(likelihood="categorical", likelihood_params={"smoothing": 0.2},
                               hidden=(8,), steps=20)  # fmt: skip
    run = training.Run(cfg, ds)
    run.advance(5)
    s = live.surprise(run, ds.X_train, ds.y_train)
    with torch.no_grad():
        logits = run.model(ds.X_train)
    np.testing.assert_allclose(s, F.cross_entropy(logits, ds.y_train, reduction="none"), rtol=1e-6)
    smoothed = likelihoods.get("categorical", smoothing=0.2).nll(logits, ds.y_train)
    assert run.advance(1)[0].train_loss == pytest.approx(float(smoothed), rel=1e-6)
    assert float(smoothed) != pytest.approx(s.mean(), rel=1e-3)
