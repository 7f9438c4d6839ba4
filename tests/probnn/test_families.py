"""probnn.families: every family builds, stays finite over its slider ranges, and tabulates."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch
from torch import distributions as D

from probnn import families, info
from probnn.params import ParamSpec

KEYS = families.names()


def extremes(fam: families.Family):
    """Every combination of parameter range ends (categorical: K = 2 and K = 10 with
    all logits at one end, plus alternating ends)."""
    if fam.key == "categorical":
        for k, t, lo_first in itertools.product((2, 10), (0.1, 5.0), (True, False)):
            logits = {
                s.name: (s.low if (i % 2 == 0) == lo_first else s.high)
                for i, s in enumerate(families.categorical_logit_specs(k))
            }
            yield {"K": k, "T": t, **logits}
            yield {"K": k, "T": t, **{name: 5.0 for name in logits}}
        return
    specs = fam.params
    for combo in itertools.product(*[(s.low, s.high) for s in specs]):
        yield {s.name: v for s, v in zip(specs, combo, strict=True)}


def mass(fam, frame: pd.DataFrame) -> float:
    if fam.kind == "discrete":
        return float(frame.p.sum())
    return float(np.trapezoid(frame.p.to_numpy(), frame.x.to_numpy()))


def test_registry():
    assert KEYS == list(families.FAMILIES)
    assert set(KEYS) == {
        "bernoulli",
        "categorical",
        "binomial",
        "poisson",
        "geometric",
        "normal",
        "laplace",
        "uniform",
        "student_t",
        "mixture",
    }
    for key in KEYS:
        fam = families.get(key)
        assert fam.key == key and fam.kind in ("discrete", "continuous")
        assert fam.latex and fam.title and fam.description
        assert all(isinstance(s, ParamSpec) for s in fam.param_specs())


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ValueError, match=r"unknown distribution family 'gauss'.*normal.*mixture"):
        families.get("gauss")


@pytest.mark.parametrize("key", KEYS)
def test_defaults_build_float64_with_finite_entropy(key):
    fam = families.get(key)
    d = fam.build()
    assert isinstance(d, D.Distribution)
    assert _is_discrete(d) == (fam.kind == "discrete")
    res = info.entropy_detail(d)
    assert torch.isfinite(res.value) and res.value.dtype == torch.float64
    assert res.error_bound < 1e-4


def _is_discrete(d):
    return bool(d.support.is_discrete)


@pytest.mark.parametrize("key", KEYS)
def test_range_extremes_finite_and_tables_normalised(key):
    fam = families.get(key)
    for values in extremes(fam):
        d = fam.build(**values)
        h = info.entropy(d)
        assert torch.isfinite(h), (key, values)
        frame = fam.table(**values)
        assert list(frame.columns) == ["x", "p", "contribution"]
        assert np.isfinite(frame.to_numpy()).all(), (key, values)
        m = mass(fam, frame)
        if fam.kind == "discrete":
            assert 0.9999 - 1e-12 <= m <= 1 + 1e-9, (key, values, m)
            assert len(frame) <= 200
        elif key == "student_t":
            # heavy tails: the plotted window holds at least 96% of a Cauchy's mass
            assert 0.95 <= m <= 1.0, (key, values, m)
        else:
            assert m == pytest.approx(1.0, abs=5e-3), (key, values, m)


@pytest.mark.parametrize("key", KEYS)
def test_discrete_contributions_sum_to_entropy(key):
    fam = families.get(key)
    if fam.kind != "discrete":
        frame = fam.table()
        assert len(frame) == 400
        # the integrand of the differential entropy, integrated over the window
        h = float(np.trapezoid(frame.contribution.to_numpy(), frame.x.to_numpy()))
        assert h == pytest.approx(
            float(info.entropy(fam.build())), abs=0.05 if key == "student_t" else 0.02
        )
        return
    frame = fam.table()
    assert float(frame.contribution.sum()) == pytest.approx(
        float(info.entropy(fam.build())), abs=2e-3
    )
    assert (frame.x.diff().dropna() == 1).all()


def test_defaults_match_closed_forms():
    assert float(info.entropy(families.get("normal").build(sigma=2.0))) == pytest.approx(
        0.5 * math.log(2 * math.pi * math.e * 4)
    )
    assert float(info.entropy(families.get("uniform").build(width=3.0))) == pytest.approx(
        math.log(3)
    )
    assert float(info.entropy(families.get("laplace").build(b=0.5))) == pytest.approx(
        1 + math.log(1.0)
    )
    b = families.get("binomial").build(n=12, pi=0.25)
    assert float(info.entropy(b)) == pytest.approx(float(scipy.stats.binom(12, 0.25).entropy()))
    g = families.get("geometric").build(p=0.2)
    # torch's convention: failures before the first success, support 0, 1, 2, ...
    assert float(g.mean) == pytest.approx(0.8 / 0.2)
    assert float(info.entropy(g)) == pytest.approx(float(scipy.stats.geom(0.2, loc=-1).entropy()))


def test_categorical_logits_temperature_and_probs():
    fam = families.get("categorical")
    specs = families.categorical_logit_specs(3)
    assert [s.name for s in specs] == ["l1", "l2", "l3"]
    d = fam.build(K=3, T=2.0, l1=1.0, l2=0.0, l3=-1.0)
    torch.testing.assert_close(
        d.probs, torch.softmax(torch.tensor([1.0, 0.0, -1.0], dtype=torch.float64) / 2.0, -1)
    )
    # logits left over from a larger K are ignored
    assert fam.build(K=2, l3=4.0).probs.shape == (2,)
    # direct probabilities; K inferred from their number
    d = fam.build(probs=[0.1, 0.2, 0.7])
    torch.testing.assert_close(d.probs, torch.tensor([0.1, 0.2, 0.7], dtype=torch.float64))
    with pytest.raises(ValueError, match=r"sum to 0\.9"):
        fam.build(probs=[0.1, 0.1, 0.7])
    with pytest.raises(ValueError, match="K=4"):
        fam.build(K=4, probs=[0.5, 0.5])
    with pytest.raises(ValueError, match="K=11 is outside"):
        families.categorical_logit_specs(11)
    # high temperature flattens towards log K; low temperature sharpens
    hot = float(info.entropy(fam.build(K=5, T=5.0)))
    cold = float(info.entropy(fam.build(K=5, T=0.1)))
    assert cold < hot <= math.log(5)
    assert set(fam.defaults()) == {"K", "T", "l1", "l2", "l3", "l4"}


@pytest.mark.parametrize(
    "key, values, match",
    [
        ("normal", {"sigma": 0}, r"sigma=0 is outside \[0\.1, 5\]"),
        ("normal", {"mu": "x"}, r"mu='x' is not a number"),
        ("normal", {"mu": float("nan")}, r"not finite"),
        ("binomial", {"n": 2.5}, r"whole number"),
        ("poisson", {"rate": 0}, r"outside"),
        ("uniform", {"width": -1}, r"width=-1 is outside"),
        ("normal", {"lambda": 1}, r"no parameter\(s\) \['lambda'\].*\['mu', 'sigma'\]"),
    ],
)
def test_build_rejects_invalid_values(key, values, match):
    with pytest.raises(ValueError, match=match):
        families.get(key).build(**values)


def test_support_points():
    pois = families.get("poisson")
    x = pois.support(rate=30.0)
    assert x[0] > 0 and x[-1] < 100  # central 99.99%, not from 0
    bern = families.get("bernoulli").support()
    assert bern.tolist() == [0.0, 1.0]
    binom = families.get("binomial").support(n=50)
    assert binom.tolist() == list(map(float, range(51)))
    normal = families.get("normal").grid(mu=1.0, sigma=2.0)
    assert len(normal) == 400 and float(normal[0]) == pytest.approx(-9.0)
    uni = families.get("uniform").table(a=0.0, width=1.0)
    assert (uni.p[(uni.x < 0) | (uni.x >= 1)] == 0).all()  # zero outside, shown as 0 not NaN
    assert (uni.contribution[uni.p == 0] == 0).all()


def test_mixture_components_and_entropy_latex():
    m = families.get("mixture").build(w=0.25, mu1=-1.0, mu2=3.0)
    assert isinstance(m, D.MixtureSameFamily)
    torch.testing.assert_close(
        m.mixture_distribution.probs, torch.tensor([0.25, 0.75], dtype=torch.float64)
    )
    assert families.get("mixture").entropy_latex is None
    assert families.get("normal").entropy_latex is not None
