"""Tests for probnn.likelihoods: every loss against torch.distributions and torch's built-ins."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import distributions as D

from probnn import likelihoods as L
from probnn.params import ParamSpec

N = 64
C = 4
ALL = L.names()
WITH_BUILTIN = [n for n in ALL if L.get(n).has_builtin]
PARAMS = {  # non-default parameters for each likelihood, to exercise factors and constants
    "bernoulli": {},
    "categorical": {"smoothing": 0.1},
    "gaussian": {"sigma": 2.5},
    "gaussian_learned_variance": {},
    "laplace": {"b": 0.7},
    "student_t": {"df": 4.0, "scale": 1.5},
    "poisson": {},
    "gaussian_probability": {},
}


def batch(name: str, seed: int = 0, n: int = N, dtype=torch.float64):
    """A seeded (output, target) pair of the right shapes for likelihood ``name``."""
    g = torch.Generator().manual_seed(seed)
    if name == "categorical":
        return torch.randn(n, C, generator=g, dtype=dtype) * 2, torch.randint(
            0, C, (n,), generator=g
        )
    if name == "gaussian_learned_variance":
        out = torch.randn(n, 2, generator=g, dtype=dtype)  # log-variance in about [-3, 3]
        return out, torch.randn(n, generator=g, dtype=dtype) * 2
    if name in ("bernoulli", "gaussian_probability"):
        return torch.randn(n, generator=g, dtype=dtype) * 3, torch.randint(0, 2, (n,), generator=g)
    if name == "poisson":
        eta = torch.randn(n, generator=g, dtype=dtype)
        return eta, torch.poisson(torch.exp(eta) * 2, generator=g)
    return torch.randn(n, generator=g, dtype=dtype), torch.randn(n, generator=g, dtype=dtype) * 3


def reference_log_prob(name: str, params: dict, out, y):
    """log p(y | x) from torch.distributions, built independently of the module."""
    if name == "bernoulli":
        return D.Bernoulli(logits=out).log_prob(y.to(out.dtype))
    if name == "categorical":
        return D.Categorical(logits=out).log_prob(y)
    if name == "gaussian":
        return D.Normal(out, params.get("sigma", 1.0)).log_prob(y)
    if name == "gaussian_learned_variance":
        return D.Normal(out[:, 0], torch.exp(out[:, 1]).sqrt()).log_prob(y)
    if name == "laplace":
        return D.Laplace(out, params.get("b", 1.0)).log_prob(y)
    if name == "student_t":
        return D.StudentT(params.get("df", 3.0), out, params.get("scale", 1.0)).log_prob(y)
    if name == "poisson":
        return D.Poisson(torch.exp(out)).log_prob(y)
    if name == "gaussian_probability":
        return D.Normal(torch.sigmoid(out), 1.0).log_prob(y.to(out.dtype))
    raise AssertionError(name)


# ----------------------------------------------------------------------------- registry


def test_names_and_registry():
    assert L.names() == [
        "bernoulli",
        "categorical",
        "gaussian",
        "gaussian_learned_variance",
        "laplace",
        "student_t",
        "poisson",
        "gaussian_probability",
    ]
    assert set(L.REGISTRY) == set(L.names())
    for name in L.names():
        lik = L.get(name)
        assert isinstance(lik, L.Likelihood)
        assert lik.name == name
        assert lik.title and lik.loss_name and lik.link and lik.metric_name
        assert lik.task in {"binary", "multiclass", "regression", "count"}
        assert all(isinstance(s, ParamSpec) for s in lik.param_specs)
        assert set(lik.params) == {s.name for s in lik.param_specs}
        assert lik == L.get(name) and hash(lik) == hash(L.get(name))


def test_register_decorator_and_duplicates():
    @L.register("_test_only")
    class Dummy(L.Gaussian):
        pass

    try:
        assert L.get("_test_only").name == "_test_only"
        with pytest.raises(ValueError, match="already registered"):
            L.register("_test_only")(L.Gaussian)
        with pytest.raises(TypeError, match="Likelihood subclass"):
            L.register("_not_a_class")(object)
    finally:
        del L.REGISTRY["_test_only"]
    assert "_test_only" not in L.names()


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown likelihood 'gauss'.*bernoulli.*poisson"):
        L.get("gauss")


@pytest.mark.parametrize(
    ("name", "params", "pattern"),
    [
        ("gaussian", {"sigma": 0}, r"sigma=0 is invalid; sigma must be > 0"),
        ("gaussian", {"sigma": -1.0}, r"sigma must be > 0"),
        ("gaussian", {"sigma": float("nan")}, r"not finite"),
        ("gaussian", {"sigma": float("inf")}, r"not finite"),
        ("gaussian", {"sigma": "wide"}, r"not a number"),
        ("laplace", {"b": 0.0}, r"b must be > 0"),
        ("student_t", {"df": 0.0}, r"df must be > 0"),
        ("student_t", {"df": -2.0}, r"df must be > 0"),
        ("student_t", {"scale": 0.0}, r"scale must be > 0"),
        ("categorical", {"smoothing": 1.0}, r"smoothing must be in \[0, 1\)"),
        ("categorical", {"smoothing": -0.1}, r"smoothing must be in \[0, 1\)"),
        ("bernoulli", {"sigma": 1.0}, r"unknown parameter\(s\) sigma; accepted: none"),
        ("gaussian", {"b": 1.0}, r"unknown parameter\(s\) b; accepted: sigma"),
    ],
)
def test_bad_params_raise(name, params, pattern):
    with pytest.raises(ValueError, match=pattern):
        L.get(name, **params)


def test_params_outside_slider_range_are_allowed():
    # The ParamSpec range is for sliders; any positive width is a valid distribution.
    assert L.get("gaussian", sigma=50).params == {"sigma": 50.0}
    assert L.get("student_t", df=0.1).params["df"] == 0.1


def test_param_specs_defaults():
    specs = {s.name: s for n in ALL for s in L.get(n).param_specs}
    assert (specs["sigma"].low, specs["sigma"].high, specs["sigma"].default) == (0.05, 10.0, 1.0)
    assert (specs["df"].low, specs["df"].high, specs["df"].default) == (0.5, 100.0, 3.0)
    assert specs["b"].default == 1.0 and specs["smoothing"].default == 0.0


def test_output_size():
    assert L.get("categorical").output_size(5) == 5
    assert L.get("gaussian_learned_variance").output_size() == 2
    for name in (
        "bernoulli",
        "gaussian",
        "laplace",
        "student_t",
        "poisson",
        "gaussian_probability",
    ):
        assert L.get(name).output_size() == 1
        assert L.get(name).output_size(3) == 1
    with pytest.raises(ValueError, match="n_classes must be an integer >= 2"):
        L.get("categorical").output_size()


# ----------------------------------------------------------------------------- values


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("use_params", [False, True])
def test_nll_matches_torch_distributions(name, use_params):
    params = PARAMS[name] if use_params else {}
    if name == "categorical":
        params = {}  # smoothing changes the loss away from a plain log-probability
    lik = L.get(name, **params)
    for seed in range(3):
        out, y = batch(name, seed)
        ref = -reference_log_prob(name, params, out, y)  # (N,)
        per = lik.nll_per_example(out, y)
        assert per.shape == (N,) and per.dtype == torch.float64
        torch.testing.assert_close(per, ref, rtol=0, atol=1e-9)
        torch.testing.assert_close(lik.nll(out, y), ref.mean(), rtol=0, atol=1e-9)
        assert lik.nll(out, y).ndim == 0


@pytest.mark.parametrize("name", WITH_BUILTIN)
@pytest.mark.parametrize("use_params", [False, True])
def test_nll_equals_builtin_through_relation(name, use_params):
    lik = L.get(name, **(PARAMS[name] if use_params else {}))
    rel = lik.relation
    assert rel.factor > 0
    for seed in range(3):
        out, y = batch(name, seed)
        b = lik.builtin(out, y)
        assert b.ndim == 0
        expected = rel.factor * b + rel.constant_for(y)
        torch.testing.assert_close(lik.nll(out, y), expected, rtol=0, atol=1e-9)
        torch.testing.assert_close(rel.apply(b, y), expected, rtol=0, atol=1e-9)


def test_builtins_are_the_named_torch_functions():
    g = torch.Generator().manual_seed(1)
    z, y = torch.randn(10, generator=g, dtype=torch.float64), torch.randn(10, dtype=torch.float64)
    yb = (y > 0).to(torch.float64)
    cases = {
        "bernoulli": (z, yb, F.binary_cross_entropy_with_logits(z, yb)),
        "gaussian": (z, y, F.mse_loss(z, y)),
        "laplace": (z, y, F.l1_loss(z, y)),
        "poisson": (z, yb, F.poisson_nll_loss(z, yb, log_input=True, full=False)),
        "gaussian_probability": (z, yb, F.mse_loss(torch.sigmoid(z), yb)),
    }
    for name, (out, target, ref) in cases.items():
        lik = L.get(name)
        assert lik.builtin_name.startswith("torch.nn.functional.")
        assert lik.builtin_name.split(".")[-1] in lik.builtin_call
        torch.testing.assert_close(lik.builtin(out, target), ref)
    zz = torch.stack([z, y], dim=1)
    torch.testing.assert_close(
        L.get("gaussian_learned_variance").builtin(zz, yb),
        F.gaussian_nll_loss(z, yb, torch.exp(y), full=True),
    )


@pytest.mark.parametrize(
    ("name", "params", "factor", "constant"),
    [
        ("bernoulli", {}, 1.0, 0.0),
        ("categorical", {}, 1.0, 0.0),
        ("gaussian", {}, 0.5, 0.5 * math.log(2 * math.pi)),
        ("gaussian", {"sigma": 3.0}, 1 / 18, math.log(3.0) + 0.5 * math.log(2 * math.pi)),
        ("laplace", {"b": 2.0}, 0.5, math.log(4.0)),
        ("gaussian_learned_variance", {}, 1.0, 0.0),
        ("gaussian_probability", {}, 0.5, 0.5 * math.log(2 * math.pi)),
    ],
)
def test_stated_relations(name, params, factor, constant):
    rel = L.get(name, **params).relation
    assert rel.factor == pytest.approx(factor, rel=1e-12)
    assert not rel.target_dependent
    assert rel.constant_for() == pytest.approx(constant, rel=1e-12, abs=1e-15)
    assert rel.latex and rel.text.endswith(".")


def test_poisson_constant_depends_on_target():
    rel = L.get("poisson").relation
    assert rel.factor == 1.0 and rel.target_dependent
    y = torch.tensor([0.0, 1.0, 3.0, 5.0])
    expected = (0 + 0 + math.log(6) + math.log(120)) / 4
    assert rel.constant_for(y) == pytest.approx(expected, rel=1e-12)
    assert "log(y!)" in rel.text
    with pytest.raises(ValueError, match="depends on the targets"):
        rel.constant_for()


def test_student_t_has_no_builtin():
    lik = L.get("student_t")
    out, y = batch("student_t")
    assert lik.builtin(out, y) is None
    assert not lik.has_builtin and lik.builtin_name is None
    assert "no built-in" in lik.relation.text


def test_two_class_categorical_equals_bernoulli_on_logit_difference():
    out, y = batch("categorical", n=50)
    z2 = out[:, :2]
    y2 = y % 2
    cat = L.get("categorical").nll_per_example(z2, y2)
    ber = L.get("bernoulli").nll_per_example(z2[:, 1] - z2[:, 0], y2)
    torch.testing.assert_close(cat, ber, rtol=0, atol=1e-12)


@pytest.mark.parametrize("eps", [0.0, 0.05, 0.3, 0.9])
def test_label_smoothing_matches_torch(eps):
    out, y = batch("categorical", seed=3)
    lik = L.get("categorical", smoothing=eps)
    ref = F.cross_entropy(out, y, label_smoothing=eps, reduction="none")
    torch.testing.assert_close(lik.nll_per_example(out, y), ref, rtol=0, atol=1e-12)
    torch.testing.assert_close(lik.nll(out, y), F.cross_entropy(out, y, label_smoothing=eps))
    assert ("label_smoothing" in lik.builtin_call) == (eps > 0)
    assert len(lik.derivation) == (6 if eps == 0 else 7)


def test_smoothing_equals_cross_entropy_against_smoothed_target():
    out, y = batch("categorical", seed=4)
    eps = 0.2
    q = (1 - eps) * F.one_hot(y, C).to(out.dtype) + eps / C  # (N, C)
    ref = -(q * F.log_softmax(out, dim=-1)).sum(dim=-1)
    got = L.get("categorical", smoothing=eps).nll_per_example(out, y)
    torch.testing.assert_close(got, ref, rtol=0, atol=1e-12)


# ----------------------------------------------------------------------------- gradients


def _grad(lik, out, y):
    out = out.clone().requires_grad_(True)
    lik.nll_per_example(out, y).sum().backward()
    return out.grad


def test_gradient_bernoulli_is_sigmoid_minus_label():
    z, y = batch("bernoulli")
    torch.testing.assert_close(
        _grad(L.get("bernoulli"), z, y), torch.sigmoid(z) - y.to(z.dtype), rtol=0, atol=1e-12
    )


def test_gradient_categorical_is_softmax_minus_onehot():
    z, y = batch("categorical")
    ref = torch.softmax(z, dim=-1) - F.one_hot(y, C).to(z.dtype)
    torch.testing.assert_close(_grad(L.get("categorical"), z, y), ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
def test_gradient_gaussian_is_residual_over_variance(sigma):
    mu, y = batch("gaussian")
    ref = (mu - y) / sigma**2
    torch.testing.assert_close(
        _grad(L.get("gaussian", sigma=sigma), mu, y), ref, atol=1e-12, rtol=0
    )


def test_gradient_poisson_is_rate_minus_count():
    eta, y = batch("poisson")
    torch.testing.assert_close(
        _grad(L.get("poisson"), eta, y), torch.exp(eta) - y, atol=1e-12, rtol=0
    )


def test_gradient_learned_variance():
    out, y = batch("gaussian_learned_variance")
    mu, s = out[:, 0], out[:, 1]
    r2 = (y - mu) ** 2
    ref = torch.stack([(mu - y) * torch.exp(-s), 0.5 * (1 - r2 * torch.exp(-s))], dim=1)
    got = _grad(L.get("gaussian_learned_variance"), out, y)
    torch.testing.assert_close(got, ref, atol=1e-12, rtol=0)


# ----------------------------------------------------------------------------- extremes


@pytest.mark.parametrize("name", ["bernoulli", "categorical", "gaussian_probability"])
def test_finite_at_huge_logits_float32(name):
    lik = L.get(name)
    if name == "categorical":
        z = torch.tensor(
            [[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, 0.0, -1e4]], dtype=torch.float32
        )
        y = torch.tensor([1, 0, 2])  # every example confidently wrong
        expected = torch.tensor([2e4, 2e4, 1e4 + math.log(2)])
    else:
        z = torch.tensor([1e4, -1e4, 1e4, -1e4], dtype=torch.float32)
        y = torch.tensor([0, 1, 1, 0])
        expected = torch.tensor([1e4, 1e4, 0.0, 0.0]) if name == "bernoulli" else None
    z.requires_grad_(True)
    per = lik.nll_per_example(z, y)
    assert torch.isfinite(per).all()
    if expected is not None:
        torch.testing.assert_close(per.detach(), expected, rtol=1e-6, atol=1e-3)
    per.sum().backward()
    assert torch.isfinite(z.grad).all()
    assert math.isfinite(lik.metric(z.detach(), y))


def test_poisson_finite_at_extreme_log_rates_float32():
    eta = torch.tensor([50.0, -50.0, 50.0, -50.0, 0.0], dtype=torch.float32, requires_grad=True)
    y = torch.tensor([0.0, 0.0, 7.0, 7.0, 3.0])
    per = L.get("poisson").nll_per_example(eta, y)
    assert torch.isfinite(per).all()
    # at eta = -50 with y = 7 the NLL is about 7 * 50 + log(7!)
    assert per[3].item() == pytest.approx(350 + math.lgamma(8), rel=1e-5)
    per.sum().backward()
    assert torch.isfinite(eta.grad).all()
    # where torch's rate-based path gives -inf (exp(-110) underflows in float32), ours stays finite
    deep = torch.tensor([-110.0], dtype=torch.float32)
    assert torch.isinf(D.Poisson(torch.exp(deep)).log_prob(torch.tensor([2.0]))).all()
    assert torch.isfinite(L.get("poisson").nll(deep, torch.tensor([2.0])))


def test_learned_variance_finite_at_extreme_log_variance_float32():
    out = torch.tensor([[0.0, 200.0], [0.0, -80.0]], dtype=torch.float32)
    y = torch.tensor([1.0, 0.0])
    per = L.get("gaussian_learned_variance").nll_per_example(out, y)
    assert torch.isfinite(per).all()


# ----------------------------------------------------------------------------- predictive


def test_mean_and_stddev():
    z, _ = batch("bernoulli", n=5)
    torch.testing.assert_close(L.get("bernoulli").mean(z), torch.sigmoid(z))
    assert L.get("bernoulli").stddev(z) is None and L.get("bernoulli").stddev_reason
    zc, _ = batch("categorical", n=5)
    torch.testing.assert_close(L.get("categorical").mean(zc), torch.softmax(zc, -1))
    assert L.get("categorical").stddev(zc) is None
    mu, _ = batch("gaussian", n=5)
    assert torch.all(L.get("gaussian", sigma=2.0).stddev(mu) == 2.0)
    assert torch.equal(L.get("gaussian").mean(mu), mu)
    torch.testing.assert_close(L.get("laplace", b=2.0).stddev(mu), torch.full_like(mu, 2 * 2**0.5))
    torch.testing.assert_close(
        L.get("student_t", df=4.0, scale=2.0).stddev(mu), torch.full_like(mu, 2 * 2**0.5)
    )
    for df in (0.8, 2.0):
        assert L.get("student_t", df=df).stddev(mu) is None
        assert "df" in L.get("student_t", df=df).stddev_reason
    assert L.get("student_t", df=5).stddev_reason is None
    eta = torch.tensor([0.0, math.log(4.0)], dtype=torch.float64)
    torch.testing.assert_close(
        L.get("poisson").mean(eta), torch.tensor([1.0, 4.0], dtype=torch.float64)
    )
    torch.testing.assert_close(
        L.get("poisson").stddev(eta), torch.tensor([1.0, 2.0], dtype=torch.float64)
    )
    lv = torch.tensor([[1.0, math.log(9.0)]], dtype=torch.float64)
    assert L.get("gaussian_learned_variance").mean(lv).item() == 1.0
    assert L.get("gaussian_learned_variance").stddev(lv).item() == pytest.approx(3.0)


@pytest.mark.parametrize("name", ALL)
def test_distribution_matches_nll(name):
    lik = L.get(name)
    out, y = batch(name, seed=7, n=8)
    dist = lik.distribution(out)
    assert isinstance(dist, D.Distribution) and dist.batch_shape == (8,)
    if name == "categorical":
        return  # label smoothing aside, covered by test_nll_matches_torch_distributions
    torch.testing.assert_close(-dist.log_prob(y.to(out.dtype)), lik.nll_per_example(out, y))


def test_accepts_column_outputs_and_integer_labels():
    z, y = batch("bernoulli", n=6)
    lik = L.get("bernoulli")
    torch.testing.assert_close(lik.nll(z[:, None], y), lik.nll(z, y))
    with pytest.raises(ValueError, match=r"target must have shape \(6,\)"):
        lik.nll(z, y[:3])
    with pytest.raises(ValueError, match=r"output must have shape \(N, 2\)"):
        L.get("gaussian_learned_variance").nll(z, y)
    with pytest.raises(ValueError, match=r"output must have shape \(N, C\)"):
        L.get("categorical").nll(z, y)


def test_metrics():
    z = torch.tensor([2.0, -1.0, 0.5, -3.0])
    y = torch.tensor([1, 0, 0, 0])
    for name in ("bernoulli", "gaussian_probability"):
        lik = L.get(name)
        assert lik.metric_name == "accuracy" and lik.metric_higher_is_better
        assert lik.metric(z, y) == pytest.approx(0.75)
    zc = torch.tensor([[3.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert L.get("categorical").metric(zc, torch.tensor([0, 1])) == pytest.approx(0.5)
    mu = torch.tensor([1.0, 2.0, 3.0, 4.0])
    t = torch.tensor([1.0, 2.0, 3.0, 6.0])
    for name in ("gaussian", "laplace", "student_t"):
        lik = L.get(name)
        assert lik.metric_name == "RMSE" and not lik.metric_higher_is_better
        assert lik.metric(mu, t) == pytest.approx(1.0)
    lv = torch.stack([mu, torch.zeros(4)], dim=1)
    assert L.get("gaussian_learned_variance").metric(lv, t) == pytest.approx(1.0)
    assert L.get("poisson").metric(torch.log(mu), t) == pytest.approx(1.0)


# ----------------------------------------------------------------------------- targets


@pytest.mark.parametrize(
    ("name", "target", "kwargs", "pattern"),
    [
        ("bernoulli", [0, 1, 2], {}, r"1 label\(s\) are not 0 or 1 \(e\.g\. 2\)"),
        ("bernoulli", [0.0, 0.5], {}, r"not 0 or 1"),
        ("gaussian_probability", [-1, 1], {}, r"not 0 or 1"),
        ("categorical", [0, 1, 3], {"n_classes": 3}, r"only 3 classes; labels must lie in 0\.\.2"),
        ("categorical", [0, -1], {}, r"must not be negative"),
        ("categorical", [0.0, 1.5], {}, r"whole numbers"),
        ("poisson", [0.0, -2.0, 3.0], {}, r"1 count\(s\) are negative"),
        ("poisson", [0.0, 2.5], {}, r"not whole numbers"),
        (
            "gaussian",
            [0.0, float("nan"), float("inf")],
            {},
            r"2 target\(s\) are missing or infinite",
        ),
        ("bernoulli", [0.0, float("nan")], {}, r"missing or infinite"),
        ("poisson", [1.0, float("inf")], {}, r"missing or infinite"),
        ("laplace", [[1.0, 2.0], [3.0, 4.0]], {}, r"one value per example"),
        ("student_t", [], {}, r"no targets"),
    ],
)
def test_check_target_messages(name, target, kwargs, pattern):
    msg = L.get(name).check_target(torch.tensor(target), **kwargs)
    assert msg is not None and re.search(pattern, msg), msg


@pytest.mark.parametrize(
    ("name", "target", "kwargs"),
    [
        ("bernoulli", [0, 1, 1], {}),
        ("bernoulli", [0.0, 1.0], {}),
        ("gaussian_probability", [True, False], {}),
        ("categorical", [0, 1, 2], {"n_classes": 3}),
        ("poisson", [0.0, 4.0, 12.0], {}),
        ("gaussian", [-1e6, 0.0, 3.5], {}),
        ("laplace", [[1.0], [2.0]], {}),
    ],
)
def test_check_target_accepts_good_targets(name, target, kwargs):
    assert L.get(name).check_target(torch.tensor(target), **kwargs) is None


def test_check_target_reads_lists_numpy_and_pandas():
    import numpy as np
    import pandas as pd

    assert L.get("poisson").check_target(np.array([0, 1, 2])) is None
    assert L.get("bernoulli").check_target(np.array([True, False])) is None
    assert "not 0 or 1" in L.get("bernoulli").check_target([0, 1, 5])
    assert "not whole numbers" in L.get("poisson").check_target(pd.Series([0, 1, 2.5]))
    assert "missing or infinite" in L.get("gaussian").check_target(pd.Series([0.0, np.nan]))
    assert "missing or infinite" in L.get("gaussian").check_target([1.0, None])
    assert (
        L.get("gaussian").check_target(["a", "b"]) == "targets must be numbers, but some are text"
    )
    assert "some are text" in L.get("gaussian").check_target([1.0, "x"])


# ----------------------------------------------------------------------------- derivations


@pytest.mark.parametrize("name", ALL)
def test_derivation_steps(name):
    steps = L.get(name, **PARAMS[name]).derivation
    assert len(steps) >= 6
    assert all(isinstance(s, L.Step) for s in steps)
    assert steps[0].latex.startswith(r"p(y \mid x;\theta)")
    assert r"\prod" in steps[1].latex and r"\log" in steps[2].latex
    assert steps[3].latex == L.general_loss_latex
    for s in steps:
        assert s.text.endswith(".") and s.text[0].isupper()
        assert r"\begin{align" not in s.latex
        # braces balance (KaTeX rejects unbalanced groups)
        depth = 0
        for ch in s.latex.replace(r"\{", "").replace(r"\}", ""):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, s.latex
        assert depth == 0, s.latex
        assert s.latex.count(r"\left") == s.latex.count(r"\right")


KATEX_SCRIPT = """
const katex = (await import(process.argv[1])).default;
let input = ""; for await (const chunk of process.stdin) input += chunk;
const errors = JSON.parse(input).map((s) => {
  try { katex.renderToString(s, {throwOnError: true, displayMode: true}); return null; }
  catch (e) { return String(e.message); }
});
console.log(JSON.stringify(errors));
"""


def _katex_module() -> Path | None:
    import streamlit

    found = sorted((Path(streamlit.__file__).parent / "static").rglob("katex.*.js"))
    return found[0] if found else None


def test_every_formula_parses_in_katex():
    """Render every LaTeX string with the KaTeX build that ships inside Streamlit."""
    node, katex = shutil.which("node"), _katex_module()
    if node is None or katex is None:
        pytest.skip("node or Streamlit's bundled KaTeX not available")
    formulas = [L.general_loss_latex]
    for name in ALL:
        for params in ({}, PARAMS[name]):
            lik = L.get(name, **params)
            formulas += [s.latex for s in lik.derivation] + [lik.relation.latex]
    proc = subprocess.run(
        [node, "--input-type=module", "-e", KATEX_SCRIPT, katex.as_uri()],
        input=json.dumps(formulas),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    errors = json.loads(proc.stdout)
    bad = [(f, e) for f, e in zip(formulas, errors, strict=True) if e is not None]
    assert not bad, bad


def test_general_loss_latex():
    assert "H" in L.general_loss_latex and r"\log p(y_i \mid x_i;\theta)" in L.general_loss_latex
    assert "cross-entropy" in L.general_loss_text


# ----------------------------------------------------------------------------- properties

labels = st.lists(st.integers(0, 1), min_size=2, max_size=30).filter(lambda v: 0 < sum(v) < len(v))
finite = st.floats(-20, 20, allow_nan=False)


@settings(max_examples=40, deadline=None)
@given(
    z=st.lists(finite, min_size=1, max_size=20),
    seed=st.integers(0, 2**16),
    name=st.sampled_from(["bernoulli", "categorical", "poisson"]),
)
def test_discrete_nll_is_nonnegative(z, seed, name):
    g = torch.Generator().manual_seed(seed)
    n = len(z)
    zt = torch.tensor(z, dtype=torch.float64)
    if name == "bernoulli":
        out, y = zt, torch.randint(0, 2, (n,), generator=g)
    elif name == "categorical":
        out, y = torch.stack([zt, -zt, 0.5 * zt], dim=1), torch.randint(0, 3, (n,), generator=g)
    else:
        out, y = zt.clamp(-5, 5), torch.randint(0, 30, (n,), generator=g).to(torch.float64)
    assert (L.get(name).nll_per_example(out, y) >= -1e-12).all()


@settings(max_examples=40, deadline=None)
@given(y=labels, z=finite)
def test_bernoulli_constant_logit_minimised_at_empirical_log_odds(y, z):
    lik = L.get("bernoulli")
    yt = torch.tensor(y, dtype=torch.float64)
    p = yt.mean().item()
    best = torch.full_like(yt, math.log(p / (1 - p)))
    other = torch.full_like(yt, z)
    gap = lik.nll(other, yt) - lik.nll(best, yt)
    # the gap is the KL divergence from Bernoulli(p) to Bernoulli(sigmoid(z)): >= 0
    q = torch.sigmoid(torch.tensor(z, dtype=torch.float64)).item()
    kl = sum(a * math.log(a / b) for a, b in ((p, q), (1 - p, 1 - q)) if a > 0)
    assert gap.item() == pytest.approx(kl, rel=1e-6, abs=1e-9)
    assert gap.item() >= -1e-12


@settings(max_examples=40, deadline=None)
@given(
    y=st.lists(st.floats(-100, 100, allow_nan=False), min_size=1, max_size=30),
    c=st.floats(-100, 100, allow_nan=False),
    sigma=st.floats(0.1, 10),
)
def test_gaussian_constant_prediction_minimised_at_mean(y, c, sigma):
    lik = L.get("gaussian", sigma=sigma)
    yt = torch.tensor(y, dtype=torch.float64)
    at_mean = lik.nll(torch.full_like(yt, yt.mean().item()), yt)
    elsewhere = lik.nll(torch.full_like(yt, c), yt)
    # the excess is exactly (c - mean)^2 / (2 sigma^2)
    assert (elsewhere - at_mean).item() == pytest.approx(
        (c - yt.mean().item()) ** 2 / (2 * sigma**2), rel=1e-6, abs=1e-8
    )


@settings(max_examples=30, deadline=None)
@given(
    y=st.lists(st.integers(0, 50), min_size=1, max_size=30).filter(lambda v: sum(v) > 0),
    eta=st.floats(-5, 5),
)
def test_poisson_constant_log_rate_minimised_at_log_mean(y, eta):
    lik = L.get("poisson")
    yt = torch.tensor(y, dtype=torch.float64)
    best = torch.full_like(yt, math.log(yt.mean().item()))
    assert lik.nll(torch.full_like(yt, eta), yt).item() >= lik.nll(best, yt).item() - 1e-12


@settings(max_examples=30, deadline=None)
@given(
    y=st.lists(st.floats(-50, 50, allow_nan=False), min_size=1, max_size=25),
    c=st.floats(-60, 60, allow_nan=False),
)
def test_laplace_constant_prediction_minimised_at_median(y, c):
    lik = L.get("laplace", b=1.5)
    yt = torch.tensor(y, dtype=torch.float64)
    med = yt.median().item()
    assert (
        lik.nll(torch.full_like(yt, c), yt).item()
        >= lik.nll(torch.full_like(yt, med), yt).item() - 1e-9
    )
