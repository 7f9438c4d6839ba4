"""probnn.info against scipy, torch.distributions and the identities of information theory."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import distributions as D

from probnn import info

F64 = torch.float64


def t64(v):
    return torch.tensor(v, dtype=F64)


def random_probs(rng: np.random.Generator, shape, zero_fraction=0.3) -> np.ndarray:
    """Random probability vectors along the last axis, with some exact zeros."""
    raw = rng.random(shape)
    raw[rng.random(shape) < zero_fraction] = 0.0
    raw[..., 0] += 1e-3  # at least one positive entry per vector
    return raw / raw.sum(-1, keepdims=True)


# --------------------------------------------------------------- scipy reference


@pytest.mark.parametrize("base", [2, math.e, 10, 3.5])
def test_vectors_match_scipy(base):
    rng = np.random.default_rng(0)
    p = random_probs(rng, (20, 6))
    q = random_probs(rng, (20, 6), zero_fraction=0.0)
    h = info.entropy(p, base=base)
    ce = info.cross_entropy(p, q, base=base)
    kl = info.kl_divergence(p, q, base=base)
    assert h.shape == (20,) and h.dtype == F64
    np.testing.assert_allclose(h.numpy(), scipy.stats.entropy(p, base=base, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(
        kl.numpy(), scipy.stats.entropy(p, q, base=base, axis=-1), rtol=1e-10, atol=1e-14
    )
    ref_ce = scipy.stats.entropy(p, base=base, axis=-1) + scipy.stats.entropy(
        p, q, base=base, axis=-1
    )
    np.testing.assert_allclose(ce.numpy(), ref_ce, rtol=1e-10)


def test_zero_in_q_gives_inf_like_scipy_with_reason():
    p = [0.5, 0.5, 0.0]
    q = [0.5, 0.0, 0.5]
    assert math.isinf(scipy.stats.entropy(p, q))
    res = info.kl_divergence_detail(p, q)
    assert torch.isinf(res.value) and res.value > 0
    assert res.reason == "q(x) = 0 at x = 1 where p(x) = 0.5 > 0, so log q(x) = -inf"
    ce = info.cross_entropy_detail(p, q)
    assert torch.isinf(ce.value) and "x = 1" in ce.reason
    # q = 0 where p = 0 is harmless (0 log 0 = 0)
    ok = info.kl_divergence_detail([0.5, 0.5, 0.0], [0.5, 0.5, 0.0])
    assert float(ok.value) == 0.0 and ok.reason is None


def test_batched_broadcast_and_one_vector_is_0_dim():
    rng = np.random.default_rng(1)
    p = random_probs(rng, (4, 1, 5))
    q = random_probs(rng, (3, 5), zero_fraction=0.0)
    kl = info.kl_divergence(p, q)
    assert kl.shape == (4, 3)
    for i in range(4):
        for j in range(3):
            assert float(kl[i, j]) == pytest.approx(scipy.stats.entropy(p[i, 0], q[j]), rel=1e-10)
    assert info.entropy([0.25, 0.75]).shape == ()


def test_float32_tensor_keeps_dtype_and_torch_grad_free():
    p = torch.softmax(torch.randn(3, 7, generator=torch.Generator().manual_seed(0)), -1)
    h = info.entropy(p)
    assert h.dtype == torch.float32
    ref = D.Categorical(probs=p).entropy()
    torch.testing.assert_close(h, ref)


def test_batched_inf_reason_names_batch_index():
    p = [[0.5, 0.5], [0.5, 0.5]]
    q = [[0.5, 0.5], [1.0, 0.0]]
    res = info.cross_entropy_detail(p, q)
    assert torch.isfinite(res.value[0]) and torch.isinf(res.value[1])
    assert "x = 1" in res.reason and "1" in res.reason.split("distribution")[1]


# ----------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "bad, match",
    [
        ([0.3, 0.6], r"p sums to 0\.9 \(should be 1\)"),
        ([0.5, 0.7], r"p sums to 1\.2 \(should be 1\)"),
        ([-0.1, 1.1], r"negative entry -0\.1 at index 0"),
        ([float("nan"), 1.0], r"NaN at index 0"),
        ([[0.5, 0.5], [0.2, 0.2]], r"p\[1\] sums to 0\.4"),
        (0.5, r"single number"),
        ([], r"empty"),
        (["a", "b"], r"array of numbers"),
    ],
)
def test_invalid_vectors_raise_naming_the_problem(bad, match):
    with pytest.raises(ValueError, match=match):
        info.entropy(bad)


def test_invalid_q_is_named_q():
    with pytest.raises(ValueError, match=r"q sums to 0\.5"):
        info.kl_divergence([0.5, 0.5], [0.25, 0.25])


def test_inputs_are_not_renormalised_but_rounding_is_tolerated():
    info.entropy([0.1] * 10)  # sums to 0.9999999999999999
    with pytest.raises(ValueError, match="sums to"):
        info.entropy([0.5, 0.5 + 1e-4])


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match="do not broadcast"):
        info.cross_entropy([0.5, 0.5], [0.2, 0.3, 0.5])


@pytest.mark.parametrize("base", [0, -2, 1, float("nan"), "two"])
def test_bad_base(base):
    with pytest.raises(ValueError, match="base"):
        info.entropy([0.5, 0.5], base=base)


def test_units():
    assert info.unit_name(2) == "bits"
    assert info.unit_name(math.e) == "nats"
    assert info.unit_name(10) == "hartleys (bans)"
    assert info.unit_name(3) == "log-base-3 units"
    assert info.UNITS[2] == "bits"
    with pytest.raises(ValueError):
        info.unit_name(1)
    # one fair coin is one bit
    assert float(info.entropy([0.5, 0.5], base=2)) == pytest.approx(1.0, abs=1e-15)


def test_mixing_vector_and_distribution_raises():
    with pytest.raises(ValueError, match="both"):
        info.kl_divergence([0.5, 0.5], D.Bernoulli(t64(0.5)))


# -------------------------------------------------------- hypothesis properties


@st.composite
def prob_vectors(draw, k=None):
    """Valid probability vectors with some exact zeros (at least one positive entry)."""
    k = k if k is not None else draw(st.integers(1, 8))
    w = draw(
        st.lists(
            st.one_of(st.just(0.0), st.floats(1e-6, 1.0)),
            min_size=k,
            max_size=k,
        ).filter(lambda ws: sum(ws) > 0)
    )
    a = np.asarray(w, dtype=np.float64)
    return a / a.sum()


@st.composite
def prob_pairs(draw):
    k = draw(st.integers(1, 8))
    return draw(prob_vectors(k)), draw(prob_vectors(k))


PROPS = settings(max_examples=40, deadline=None)


@PROPS
@given(prob_pairs())
def test_kl_nonnegative_and_decomposition(pq):
    p, q = pq
    h = info.entropy(p)
    ce = info.cross_entropy(p, q)
    kl = info.kl_divergence(p, q)
    assert kl >= 0
    if torch.isinf(kl):
        assert torch.isinf(ce)
    else:
        assert float(ce) == pytest.approx(float(h + kl), rel=1e-9, abs=1e-12)


@PROPS
@given(prob_vectors())
def test_kl_self_is_zero_and_entropy_bounds(p):
    assert float(info.kl_divergence(p, p)) == pytest.approx(0.0, abs=1e-12)
    h = float(info.entropy(p))
    assert -1e-12 <= h <= math.log(len(p)) + 1e-12
    assert float(info.cross_entropy(p, p)) == pytest.approx(h, rel=1e-12, abs=1e-12)


@PROPS
@given(st.integers(1, 12))
def test_uniform_has_maximal_entropy(k):
    assert float(info.entropy(np.full(k, 1.0 / k))) == pytest.approx(math.log(k), abs=1e-12)


@PROPS
@given(prob_pairs(), st.sampled_from([2, 10, 0.5, 7.0]))
def test_change_of_base_is_a_constant_factor(pq, base):
    p, q = pq
    for f in (info.kl_divergence, info.cross_entropy):
        nats = float(f(p, q))
        other = float(f(p, q, base=base))
        if math.isinf(nats):
            assert math.isinf(other)
        else:
            assert other == pytest.approx(nats / math.log(base), rel=1e-12, abs=1e-15)
    assert float(info.entropy(p, base=base)) == pytest.approx(
        float(info.entropy(p)) / math.log(base), rel=1e-12, abs=1e-15
    )


# ------------------------------------------------------------- distributions


def normal(m, s):
    return D.Normal(t64(m), t64(s))


def poisson(r):
    return D.Poisson(t64(r))


def mixture(w, m1, s1, m2, s2):
    return D.MixtureSameFamily(
        D.Categorical(probs=t64([w, 1 - w])), D.Normal(t64([m1, m2]), t64([s1, s2]))
    )


CLOSED_PAIRS = [
    (normal(0.0, 1.0), normal(1.0, 2.0)),
    (normal(2.0, 0.3), D.Laplace(t64(1.0), t64(1.5))),
    (D.Laplace(t64(0.0), t64(1.0)), normal(0.5, 1.0)),
    (D.Uniform(t64(-1.0), t64(1.0)), normal(0.0, 1.0)),
    (D.Uniform(t64(0.0), t64(1.0)), D.Uniform(t64(-1.0), t64(2.0))),
    (poisson(3.0), poisson(5.0)),
    (D.Geometric(t64(0.3)), D.Geometric(t64(0.6))),
]


@pytest.mark.parametrize("p, q", CLOSED_PAIRS)
def test_closed_forms_are_torch_registry(p, q):
    res = info.kl_divergence_detail(p, q)
    assert res.method == "closed form" and res.error_bound == 0.0
    torch.testing.assert_close(res.value, D.kl_divergence(p, q))
    ce = info.cross_entropy_detail(p, q)
    torch.testing.assert_close(ce.value, info.entropy(p) + D.kl_divergence(p, q))
    assert float(info.kl_divergence(p, q, base=2)) == pytest.approx(
        float(D.kl_divergence(p, q)) / math.log(2)
    )


@pytest.mark.parametrize("p, q", CLOSED_PAIRS)
def test_numerical_route_agrees_with_closed_form_within_stated_bound(p, q):
    exact = D.kl_divergence(p, q)
    res = info.kl_divergence_detail(p, q, method="numerical")
    assert res.method in ("quadrature", "truncated sum")
    assert 0 < res.error_bound < 1e-4
    assert abs(float(res.value - exact)) <= res.error_bound
    try:
        closed = p.entropy()
    except NotImplementedError:  # Poisson: checked against scipy below
        return
    h = info.entropy_detail(p, method="numerical")
    assert abs(float(h.value - closed)) <= h.error_bound


@pytest.mark.parametrize(
    "p",
    [
        normal(0.0, 0.1),
        normal(3.0, 5.0),
        D.Laplace(t64(1.0), t64(0.2)),
        D.StudentT(t64(1.0)),
        D.StudentT(t64(3.0), t64(1.0), t64(2.0)),
        D.Uniform(t64(-5.0), t64(5.0)),
    ],
)
def test_entropy_quadrature_vs_closed_form(p):
    res = info.entropy_detail(p, method="numerical")
    assert res.method == "quadrature"
    # the Laplace kink at its centre limits the trapezoid rule to O(h^2): bound ~3e-5
    assert abs(float(res.value - p.entropy())) <= res.error_bound < 1e-4


def test_bounded_discrete_exact_sums_match_torch():
    b, b2 = D.Bernoulli(t64(0.3)), D.Bernoulli(t64(0.8))
    c1 = D.Categorical(probs=t64([0.2, 0.5, 0.3]))
    c2 = D.Categorical(logits=t64([0.0, 1.0, -1.0]))
    bi = D.Binomial(10, probs=t64(0.35))
    bi2 = D.Binomial(10, probs=t64(0.6))
    for p, q in ((b, b2), (c1, c2), (bi, bi2)):
        res = info.kl_divergence_detail(p, q)
        assert res.method == "exact sum"
        torch.testing.assert_close(res.value, D.kl_divergence(p, q))
        torch.testing.assert_close(info.entropy(p), p.entropy())
    # batched categorical rows
    pr = D.Categorical(probs=t64([[0.2, 0.8], [0.5, 0.5]]))
    torch.testing.assert_close(info.entropy(pr), pr.entropy())


def test_binomial_entropy_exact_sum_vs_scipy():
    p = D.Binomial(20, probs=t64(0.3))
    assert float(info.entropy(p)) == pytest.approx(
        float(scipy.stats.binom(20, 0.3).entropy()), rel=1e-12
    )


def test_poisson_entropy_truncated_sum_vs_scipy():
    for rate in (0.1, 3.0, 30.0):
        res = info.entropy_detail(poisson(rate))
        assert res.method == "truncated sum"
        ref = float(scipy.stats.poisson(rate).entropy())
        assert abs(float(res.value) - ref) <= res.error_bound + 1e-12


def test_poisson_truncated_sum_vs_analytic_kl():
    p, q = poisson(4.0), poisson(9.0)
    analytic = 4.0 * math.log(4.0 / 9.0) + 9.0 - 4.0
    res = info.kl_divergence_detail(p, q, method="numerical")
    assert res.method == "truncated sum"
    assert abs(float(res.value) - analytic) <= res.error_bound
    assert float(info.kl_divergence(p, q)) == pytest.approx(analytic, rel=1e-12)


def test_numerical_only_pairs():
    # Poisson p against Geometric q: torch has no closed form
    p, q = poisson(2.0), D.Geometric(t64(0.4))
    res = info.kl_divergence_detail(p, q)
    assert res.method == "truncated sum"
    k = np.arange(0, 200)
    pk = scipy.stats.poisson(2.0).pmf(k)
    qk = scipy.stats.geom(0.4, loc=-1).pmf(k)
    assert abs(float(res.value) - float(scipy.stats.entropy(pk, qk))) <= res.error_bound + 1e-12
    # Normal p against Student-t q
    p, q = normal(0.0, 1.0), D.StudentT(t64(4.0))
    res = info.cross_entropy_detail(p, q)
    assert res.method == "quadrature"
    ref = scipy.integrate.quad(
        lambda x: -scipy.stats.norm.pdf(x) * scipy.stats.t(4).logpdf(x), -40, 40, epsabs=1e-13
    )[0]
    assert abs(float(res.value) - ref) <= res.error_bound + 1e-10


def test_mixture_entropy_quadrature_vs_monte_carlo():
    m = mixture(0.3, -2.0, 0.7, 2.0, 1.0)
    res = info.entropy_detail(m)
    assert res.method == "quadrature" and res.error_bound < 1e-6
    g = torch.Generator().manual_seed(0)
    n = 200_000
    comp = torch.multinomial(t64([0.3, 0.7]), n, replacement=True, generator=g)
    z = torch.randn(n, generator=g, dtype=F64)
    x = torch.where(comp == 0, -2.0 + 0.7 * z, 2.0 + 1.0 * z)
    nlp = -m.log_prob(x)
    est, se = float(nlp.mean()), float(nlp.std() / math.sqrt(n))
    assert abs(float(res.value) - est) < 4 * se


def test_separated_narrow_mixture_entropy():
    # two far, narrow bumps: H = H(weights) + H(one bump) up to overlaps far below 1e-12
    m = mixture(0.3, -5.0, 0.1, 5.0, 0.1)
    ref = -(0.3 * math.log(0.3) + 0.7 * math.log(0.7)) + 0.5 * math.log(2 * math.pi * math.e * 0.01)
    res = info.entropy_detail(m)
    assert abs(float(res.value) - ref) <= res.error_bound


def test_mixture_kl_against_normal():
    p, q = mixture(0.5, -1.0, 0.5, 1.0, 0.5), normal(0.0, 1.5)
    res = info.kl_divergence_detail(p, q)

    def integrand(x):
        px = 0.5 * scipy.stats.norm.pdf(x, -1.0, 0.5) + 0.5 * scipy.stats.norm.pdf(x, 1.0, 0.5)
        return px * (math.log(px) - scipy.stats.norm.logpdf(x, 0.0, 1.5)) if px > 0 else 0.0

    ref = scipy.integrate.quad(integrand, -15, 15, epsabs=1e-12, limit=200)[0]
    assert res.method == "quadrature"
    assert abs(float(res.value) - ref) <= res.error_bound + 1e-9
    ce = info.cross_entropy_detail(p, q)
    assert float(ce.value) == pytest.approx(float(info.entropy(p) + res.value), abs=1e-9)


# --------------------------------------------------------- supports and errors


def test_normal_vs_uniform_is_inf_with_reason():
    res = info.kl_divergence_detail(normal(0.0, 1.0), D.Uniform(t64(-1.0), t64(1.0)))
    assert torch.isinf(res.value)
    assert "Uniform" in res.reason and "log q(x) = -inf" in res.reason
    ce = info.cross_entropy_detail(normal(0.0, 1.0), D.Uniform(t64(-1.0), t64(1.0)))
    assert torch.isinf(ce.value) and ce.reason


def test_uniform_vs_laplace_is_finite_by_quadrature():
    p, q = D.Uniform(t64(-1.0), t64(2.0)), D.Laplace(t64(0.5), t64(1.0))
    res = info.cross_entropy_detail(p, q)
    # -E[log q] = log(2b) + E|x - mu| / b, with E|x - 0.5| over U(-1, 2) = 0.75
    analytic = math.log(2.0) + 0.75
    assert res.method == "quadrature"
    assert abs(float(res.value) - analytic) <= res.error_bound


def test_poisson_vs_binomial_is_inf_with_reason():
    p, q = poisson(3.0), D.Binomial(10, probs=t64(0.3))
    for method in ("auto", "numerical"):
        res = info.kl_divergence_detail(p, q, method=method)
        assert torch.isinf(res.value)
        assert "x = 11" in res.reason and "log q(x) = -inf" in res.reason


def test_bernoulli_with_zero_probability_is_inf_not_large():
    res = info.kl_divergence_detail(D.Bernoulli(t64(0.5)), D.Bernoulli(t64(0.0)))
    assert torch.isinf(res.value) and "x = 1" in res.reason
    assert float(info.entropy(D.Bernoulli(t64(0.0)))) == 0.0


def test_heavy_tailed_p_against_normal_q_diverges():
    # Cauchy has no variance, so E_p[(x - mu)^2] and the Gaussian cross-entropy are infinite
    res = info.cross_entropy_detail(D.StudentT(t64(1.0)), normal(0.0, 1.0))
    assert torch.isinf(res.value) and "diverges" in res.reason
    # with df = 3 the variance is finite: the KL is finite and matches scipy's quadrature
    p, q = D.StudentT(t64(3.0)), normal(0.0, 1.0)
    res = info.kl_divergence_detail(p, q)
    t3, n01 = scipy.stats.t(3), scipy.stats.norm()
    ref = scipy.integrate.quad(
        lambda x: t3.pdf(x) * (t3.logpdf(x) - n01.logpdf(x)), -np.inf, np.inf, epsabs=1e-12
    )[0]
    assert abs(float(res.value) - ref) <= res.error_bound + 1e-9
    # df = 2 is the boundary (the variance diverges logarithmically)
    assert torch.isinf(info.kl_divergence(D.StudentT(t64(2.0)), q))
    # just above it the tails matter far out; the stated bound still covers the error.
    # KL(t_df || N(0, 1)) = -h(t_df) + log(2 pi) / 2 + E[x^2] / 2, with E[x^2] = df / (df - 2)
    for df in (2.1, 2.5):
        p = D.StudentT(t64(df))
        exact = -float(p.entropy()) + 0.5 * math.log(2 * math.pi) + df / (df - 2) / 2
        res = info.kl_divergence_detail(p, q)
        assert abs(float(res.value) - exact) <= res.error_bound


def test_discrete_against_continuous_raises():
    with pytest.raises(ValueError, match="discrete.*continuous"):
        info.kl_divergence(poisson(2.0), normal(2.0, 1.0))
    with pytest.raises(ValueError, match="pmf and a density"):
        info.cross_entropy(normal(2.0, 1.0), poisson(2.0))


def test_bad_method_name():
    with pytest.raises(ValueError, match="method"):
        info.entropy_detail(normal(0.0, 1.0), method="magic")


def test_zero_probability_far_out_gives_inf_not_nan():
    # Geometric(1) puts all its mass on 0; where p underflows to 0, 0 * log 0 must stay 0
    res = info.kl_divergence_detail(poisson(2.0), D.Geometric(t64(1.0)))
    assert torch.isinf(res.value) and "x = 1" in res.reason
    assert not torch.isnan(info.cross_entropy(poisson(2.0), D.Geometric(t64(1.0))))


def test_gradient_flows_through_tensor_input():
    logits = torch.tensor([0.5, -1.0, 2.0], dtype=F64, requires_grad=True)
    p = t64([0.2, 0.3, 0.5])
    info.kl_divergence(p, torch.softmax(logits, -1)).backward()
    # d KL(p || softmax(z)) / dz = softmax(z) - p
    torch.testing.assert_close(logits.grad, torch.softmax(logits.detach(), -1) - p)


@st.composite
def family_pairs(draw):
    """Two members of families of the same kind, with parameters drawn from their ranges."""
    from probnn import families

    kind = draw(st.sampled_from(["discrete", "continuous"]))
    keys = [k for k in families.names() if families.get(k).kind == kind]
    out = []
    for _ in range(2):
        fam = families.get(draw(st.sampled_from(keys)))
        values = {
            s.name: s.cast(s.low + draw(st.floats(0.0, 1.0)) * (s.high - s.low))
            for s in fam.param_specs()
        }
        out.append(fam.build(**values))
    return out


@settings(max_examples=30, deadline=None)
@given(family_pairs())
def test_identities_hold_for_distributions_within_stated_bounds(pq):
    p, q = pq
    h = info.entropy_detail(p)
    kl = info.kl_divergence_detail(p, q)
    ce = info.cross_entropy_detail(p, q)
    assert not torch.isnan(kl.value) and not torch.isnan(ce.value)
    assert kl.value >= 0
    if torch.isinf(kl.value):
        assert torch.isinf(ce.value) and kl.reason and ce.reason
    else:
        tol = h.error_bound + kl.error_bound + ce.error_bound + 1e-9
        assert abs(float(ce.value - h.value - kl.value)) <= tol
    self_kl = info.kl_divergence_detail(p, p)
    assert float(self_kl.value) <= self_kl.error_bound + 1e-9
