"""probnn.kl_fit: the mixture, the Simpson grid, KL both ways, the fits and the sweep."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate

from probnn import families, info
from probnn.kl_fit import FitConfig, Grid, Mixture, fit, fit_both, kl, kl_error, sweep


def normal(mu: float, sigma: float) -> torch.distributions.Normal:
    return torch.distributions.Normal(
        torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma, dtype=torch.float64)
    )


# ----------------------------------------------------------------------------- mixture


def test_mixture_density_matches_torch_and_integrates_to_one():
    p = Mixture(weight=0.3, mean1=-1.0, mean2=2.5, sigma1=0.4, sigma2=1.2)
    x = np.linspace(-4, 6, 11)
    w = np.array([0.3, 0.7])
    ref = sum(
        wk * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
        for wk, m, s in zip(w, (-1.0, 2.5), (0.4, 1.2), strict=True)
    )
    np.testing.assert_allclose(p.pdf(x), ref, rtol=1e-12)
    total, _ = integrate.quad(lambda t: float(p.pdf([t])[0]), -np.inf, np.inf)
    assert total == pytest.approx(1.0, abs=1e-9)


def test_mixture_moments_match_numerical_integration():
    p = Mixture(weight=0.25, mean1=-3.0, mean2=1.0, sigma1=0.5, sigma2=1.5)
    mean, _ = integrate.quad(lambda t: t * float(p.pdf([t])[0]), -np.inf, np.inf)
    second, _ = integrate.quad(lambda t: t * t * float(p.pdf([t])[0]), -np.inf, np.inf)
    assert p.mean == pytest.approx(mean, abs=1e-8)
    assert p.variance == pytest.approx(second - mean**2, abs=1e-7)
    assert p.std == pytest.approx(math.sqrt(second - mean**2), abs=1e-7)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"weight": 0.0}, "weight"), ({"weight": 1.0}, "weight"), ({"sigma1": 0.0}, "sigmas")],
)
def test_mixture_rejects_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Mixture(**kwargs)


# -------------------------------------------------------------------------------- grid


def test_simpson_weights_integrate_cubics_exactly():
    grid = Grid(-2.0, 3.0, 101)
    x, w = grid.points(), grid.weights()
    assert float(w.sum()) == pytest.approx(5.0, rel=1e-14)
    cubic = 2 * x**3 - x**2 + 4 * x - 1
    exact = (2 * 3**4 / 4 - 3**3 / 3 + 2 * 3**2 - 3) - (2 * 16 / 4 + 8 / 3 + 2 * 4 + 2)
    assert float((w * cubic).sum()) == pytest.approx(exact, rel=1e-12)


def test_grid_for_mixture_is_odd_and_covers_the_modes():
    p = Mixture(mean1=-4.0, mean2=1.0, sigma1=0.5, sigma2=2.0)
    grid = Grid.for_mixture(p, n=1000)
    assert grid.n % 4 == 1 and grid.coarse().n == (grid.n - 1) // 2 + 1
    assert grid.low <= -4.0 - 10 * 0.5 and grid.high >= 1.0 + 10 * 2.0


# ---------------------------------------------------------------------------------- KL


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 2.0), (1.5, 0.7), (-2.0, 0.6), (0.5, 3.0)])
def test_kl_both_ways_match_the_independent_quadrature_in_info(mu, sigma):
    p = Mixture(weight=0.4, mean1=-2.0, mean2=2.0, sigma1=0.6, sigma2=0.8)
    forward = info.kl_divergence(p.distribution(), normal(mu, sigma))
    reverse = info.kl_divergence(normal(mu, sigma), p.distribution())
    assert kl(p, mu, sigma, "forward") == pytest.approx(float(forward), abs=1e-6)
    assert kl(p, mu, sigma, "reverse") == pytest.approx(float(reverse), abs=1e-6)


@pytest.mark.parametrize(("mu", "sigma"), [(0.0, 2.0), (0.0, 4.0), (2.0, 0.1), (4.0, 0.3)])
def test_kl_error_estimate_bounds_the_actual_error(mu, sigma):
    p = Mixture(weight=0.1, mean1=-4.0, mean2=4.0, sigma1=0.3, sigma2=0.3)
    for direction, ref in (
        ("forward", info.kl_divergence(p.distribution(), normal(mu, sigma))),
        ("reverse", info.kl_divergence(normal(mu, sigma), p.distribution())),
    ):
        error = abs(kl(p, mu, sigma, direction) - float(ref))
        assert error <= max(kl_error(p, mu, sigma, direction), 1e-9)


def test_kl_is_zero_only_when_q_equals_p():
    # a "mixture" of two identical components is one Gaussian
    p = Mixture(weight=0.5, mean1=1.0, mean2=1.0, sigma1=0.8, sigma2=0.8)
    assert kl(p, 1.0, 0.8, "forward") == pytest.approx(0.0, abs=1e-10)
    assert kl(p, 1.0, 0.8, "reverse") == pytest.approx(0.0, abs=1e-10)
    assert kl(p, 1.3, 0.8, "forward") > 1e-3


def test_kl_rejects_an_unknown_direction():
    with pytest.raises(ValueError, match="forward"):
        kl(Mixture(), 0.0, 1.0, "sideways")


# ------------------------------------------------------------------------------- fits


def test_forward_fit_matches_moments():
    p = Mixture()
    records = list(fit(p, FitConfig(direction="forward", init_mu=1.5)))
    assert records[-1].mu == pytest.approx(p.mean, abs=1e-3)
    assert records[-1].sigma == pytest.approx(p.std, rel=1e-3)
    # and the moment-matched Gaussian is where the forward KL is smallest
    best = kl(p, p.mean, p.std, "forward")
    assert records[-1].kl == pytest.approx(best, abs=1e-6)
    for dmu, dsig in ((0.2, 0), (-0.2, 0), (0, 0.2), (0, -0.2)):
        assert kl(p, p.mean + dmu, p.std + dsig, "forward") > best


@settings(max_examples=6, deadline=None)
@given(
    weight=st.floats(0.2, 0.8),
    gap=st.floats(1.0, 6.0),
    sigma1=st.floats(0.3, 1.5),
    sigma2=st.floats(0.3, 1.5),
    start=st.floats(-3.0, 3.0),
)
def test_forward_fit_matches_moments_for_any_mixture(weight, gap, sigma1, sigma2, start):
    p = Mixture(weight=weight, mean1=-gap / 2, mean2=gap / 2, sigma1=sigma1, sigma2=sigma2)
    last = list(fit(p, FitConfig(direction="forward", init_mu=start, steps=200)))[-1]
    assert last.mu == pytest.approx(p.mean, abs=5e-3)
    assert last.sigma == pytest.approx(p.std, rel=5e-3)


@pytest.mark.parametrize("start", [-1.2, 1.2])
def test_reverse_fit_from_near_a_mode_settles_on_that_mode(start):
    p = Mixture(weight=0.5, mean1=-2.0, mean2=2.0, sigma1=0.6, sigma2=0.6)
    last = list(fit(p, FitConfig(direction="reverse", init_mu=start)))[-1]
    mode = math.copysign(2.0, start)
    assert last.mu == pytest.approx(mode, abs=0.05)
    assert last.sigma == pytest.approx(0.6, rel=0.05)  # one component's width, not p's
    assert last.sigma < 0.5 * p.std


@pytest.mark.parametrize("direction", ["forward", "reverse"])
def test_kl_decreases_along_each_fit(direction):
    p = Mixture(weight=0.3, mean1=-3.0, mean2=1.5, sigma1=0.5, sigma2=1.0)
    values = [r.kl for r in fit(p, FitConfig(direction=direction, init_mu=0.5))]
    assert values[-1] < 0.5 * values[0]
    assert all(b <= a + 1e-12 for a, b in zip(values, values[1:], strict=False))


def test_records_are_consistent_and_deterministic():
    p = Mixture()
    runs = fit_both(p, steps=40, init_mu=0.7)
    again = fit_both(p, steps=40, init_mu=0.7)
    assert runs == again
    for direction, records in runs.items():
        assert [r.step for r in records] == list(range(41))
        assert records[0].mu == 0.7 and records[0].sigma == pytest.approx(1.0)
        r = records[17]
        assert r.kl == pytest.approx(kl(p, r.mu, r.sigma, direction), abs=1e-12)


def test_random_start_is_seeded():
    p = Mixture()
    a = next(fit(p, FitConfig(seed=3, steps=0)))
    b = next(fit(p, FitConfig(seed=3, steps=0)))
    c = next(fit(p, FitConfig(seed=4, steps=0)))
    assert a == b
    assert a.mu != c.mu


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"direction": "both"}, "direction"),
        ({"steps": -1}, "steps"),
        ({"init_sigma": 0.0}, "init_sigma"),
    ],
)
def test_fit_config_rejects_bad_values(kwargs, match):
    with pytest.raises(ValueError, match=match):
        FitConfig(**kwargs)


# ------------------------------------------------------------------------------ sweep


def test_sweep_matches_info_and_the_curves_differ_by_the_entropy():
    fam = families.get("normal")
    p = fam.build(mu=0.5, sigma=1.2)
    grid = np.linspace(-2, 3, 11)
    frame = sweep(p, fam, {"mu": 0.0, "sigma": 1.2}, "mu", grid, base=2)
    assert list(frame["value"]) == pytest.approx(list(grid))
    for v, ce, kl_value in zip(frame["value"], frame["cross_entropy"], frame["kl"], strict=True):
        q = fam.build(mu=v, sigma=1.2)
        assert ce == pytest.approx(float(info.cross_entropy(p, q, base=2)), abs=1e-12)
        assert kl_value == pytest.approx(float(info.kl_divergence(p, q, base=2)), abs=1e-12)
    gap = frame["cross_entropy"] - frame["kl"]
    assert np.allclose(gap, float(info.entropy(p, base=2)), atol=1e-12)
    assert frame["value"][frame["kl"].idxmin()] == pytest.approx(0.5)
    assert frame["kl"].min() == pytest.approx(0.0, abs=1e-12)
    assert frame["reason"].isna().all()


def test_sweep_over_a_bounded_discrete_family_uses_exact_sums():
    fam = families.get("binomial")
    p = fam.build(n=6, pi=0.3)
    frame = sweep(p, fam, {"n": 6, "pi": 0.5}, "pi", [0.0, 0.3, 0.6, 1.0])
    assert set(frame["method"]) == {"exact sum"}
    assert math.isinf(frame["cross_entropy"][0]) and math.isinf(frame["cross_entropy"][3])
    assert "q(x) = 0" in frame["reason"][0]
    assert frame["kl"][1] == pytest.approx(0.0, abs=1e-12)
    assert pd.isna(frame["reason"][1])


def test_sweep_keeps_infinities_with_their_reason_and_no_reason_when_finite():
    p = families.get("normal").build(mu=0.0, sigma=1.0)
    frame = sweep(p, families.get("uniform"), {"a": -1.0, "width": 2.0}, "width", [1.0, 4.0])
    assert np.isinf(frame["kl"]).all() and np.isinf(frame["cross_entropy"]).all()
    assert frame["reason"].str.contains("Uniform").all()
    # a finite value never carries a reason, even when a far tail underflows
    p = families.get("geometric").build(p=0.3)
    frame = sweep(p, families.get("poisson"), {"rate": 3.0}, "rate", [2.0, 3.0])
    assert np.isfinite(frame["kl"]).all()
    assert frame["reason"].isna().all()
