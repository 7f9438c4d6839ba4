"""Entropy, cross-entropy and KL divergence, for probability vectors and distributions.

Two kinds of input are accepted wherever ``p`` or ``q`` appears:

* **probability vectors** along the last dimension: lists, numpy arrays or tensors,
  batched and broadcast like any tensor operation. They are checked, never
  renormalised: an entry outside [0, 1], a NaN, or a vector whose sum is not 1
  (within a small tolerance) raises ``ValueError`` saying what is wrong.
* **``torch.distributions`` objects**. Closed forms come from ``Distribution.entropy``
  and torch's KL registry; where torch has none the value is computed numerically
  (an exact sum, a truncated sum or a quadrature) and the error is stated in the
  ``*_detail`` result.

Conventions follow SciPy: ``0 log 0 = 0``; the cross-entropy and the KL divergence are
``inf`` wherever ``q(x) = 0 < p(x)`` (the ``*_detail`` result says where); the base of
the logarithm picks the unit (2: bits, e: nats, 10: hartleys).

Formulas (natural log; divide by ``log(base)`` for another unit)::

    H(p)       = -sum_x p(x) log p(x)
    H(p, q)    = -sum_x p(x) log q(x)
    KL(p || q) =  sum_x p(x) log(p(x) / q(x)) = H(p, q) - H(p) >= 0

Sums become integrals for densities.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch.distributions import Distribution, constraints

__all__ = [
    "UNITS",
    "InfoResult",
    "cross_entropy",
    "cross_entropy_detail",
    "entropy",
    "entropy_detail",
    "kl_divergence",
    "kl_divergence_detail",
    "unit_name",
]

UNITS: dict[float, str] = {2: "bits", math.e: "nats", 10: "hartleys (bans)"}

# How far a probability vector's sum may be from 1 before it is rejected.
SUM_TOLERANCE = 1e-6

# Methods, from most to least exact; a combined result reports the least exact one.
_METHOD_RANK = {"exact": 0, "closed form": 0, "exact sum": 1, "truncated sum": 2, "quadrature": 3}

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class InfoResult:
    """A value together with how it was obtained.

    value: the entropy / cross-entropy / KL (a tensor; 0-dim for one distribution).
    method: "exact" (probability vectors), "closed form", "exact sum", "truncated sum"
        or "quadrature".
    error_bound: a bound on the absolute error of ``value`` in the requested unit
        (0.0 for exact and closed-form results, which are exact up to rounding).
    reason: when ``value`` is inf, one line saying why; otherwise None.
    """

    value: torch.Tensor
    method: str
    error_bound: float
    reason: str | None = None


# --------------------------------------------------------------------------- units


def _log_base(base: float) -> float:
    try:
        b = float(base)
    except (TypeError, ValueError):
        raise ValueError(f"base={base!r} is not a number; use 2 (bits), e (nats) or 10.") from None
    if not math.isfinite(b) or b <= 0 or b == 1:
        raise ValueError(
            f"base={base!r} is not a valid logarithm base; use a positive number other than 1 "
            "(2 for bits, e for nats, 10 for hartleys)."
        )
    return math.log(b)


def unit_name(base: float = math.e) -> str:
    """Name of the information unit for a logarithm base: "bits", "nats", ...

    Raises ValueError for a base that is not positive or equals 1.
    """
    _log_base(base)
    for b, name in UNITS.items():
        if math.isclose(float(base), b, rel_tol=1e-12):
            return name
    return f"log-base-{float(base):g} units"


# --------------------------------------------------------------- probability vectors


def _as_tensor(x, name: str) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        t = x  # not detached: the result stays differentiable with respect to a tensor input
        if not t.is_floating_point():
            t = t.to(torch.float64)
    else:
        try:
            t = torch.as_tensor(np.asarray(x, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be an array of numbers ({exc}).") from None
    if t.dim() == 0:
        raise ValueError(f"{name} is a single number; give a probability vector (e.g. [0.2, 0.8]).")
    if t.shape[-1] == 0:
        raise ValueError(f"{name} is empty; give at least one probability.")
    return t


def _fmt_index(idx: tuple[int, ...]) -> str:
    return str(idx[0]) if len(idx) == 1 else str(tuple(idx))


def _check_probs(t: torch.Tensor, name: str) -> None:
    """Raise ValueError unless every vector along the last dimension is a distribution."""
    bad = torch.isnan(t)
    if bad.any():
        idx = tuple(int(i) for i in bad.nonzero()[0])
        raise ValueError(f"{name} contains NaN at index {_fmt_index(idx)}.")
    k = t.shape[-1]
    tol = max(SUM_TOLERANCE, 16 * math.sqrt(k) * float(torch.finfo(t.dtype).eps))
    neg = t < 0
    if neg.any():
        idx = tuple(int(i) for i in neg.nonzero()[0])
        raise ValueError(
            f"{name} has a negative entry {float(t[idx]):.6g} at index {_fmt_index(idx)}; "
            "probabilities lie in [0, 1]."
        )
    big = t > 1 + tol
    if big.any():
        idx = tuple(int(i) for i in big.nonzero()[0])
        raise ValueError(
            f"{name} has an entry {float(t[idx]):.6g} > 1 at index {_fmt_index(idx)}; "
            "probabilities lie in [0, 1]."
        )
    sums = t.to(torch.float64).sum(-1)
    off = (sums - 1).abs() > tol
    if off.any():
        where = tuple(int(i) for i in off.nonzero()[0]) if sums.dim() else ()
        label = f"{name}[{_fmt_index(where)}]" if where else name
        raise ValueError(
            f"{label} sums to {float(sums[where]):.10g} (should be 1); probabilities are not "
            "renormalised here: divide by the sum, or fix the entries."
        )


def _vectors(p, q=None):
    """Convert and check p (and q); return tensors of a common dtype, broadcast."""
    pt = _as_tensor(p, "p")
    _check_probs(pt, "p")
    if q is None:
        return pt, None
    qt = _as_tensor(q, "q")
    _check_probs(qt, "q")
    try:
        shape = torch.broadcast_shapes(pt.shape, qt.shape)
    except RuntimeError:
        raise ValueError(
            f"p has shape {tuple(pt.shape)} and q has shape {tuple(qt.shape)}, which do not "
            "broadcast; they need the same number of outcomes in the last dimension."
        ) from None
    dtype = torch.promote_types(pt.dtype, qt.dtype)
    return pt.to(dtype).expand(shape), qt.to(dtype).expand(shape)


def _inf_reason(p: torch.Tensor, q: torch.Tensor, x_values=None) -> str | None:
    """One line naming the first outcome where q(x) = 0 < p(x), or None."""
    hit = (q == 0) & (p > 0)
    if not hit.any():
        return None
    idx = tuple(int(i) for i in hit.nonzero()[0])
    k = idx[-1]
    x = k if x_values is None else x_values[k]
    where = f" (in distribution {_fmt_index(idx[:-1])} of the batch)" if len(idx) > 1 else ""
    return f"q(x) = 0 at x = {x}{where} where p(x) = {float(p[idx]):.3g} > 0, so log q(x) = -inf"


def _vec_entropy(p: torch.Tensor) -> torch.Tensor:
    return -torch.xlogy(p, p).sum(-1)


def _vec_cross(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    return -torch.xlogy(p, q).sum(-1)


def _vec_kl(p: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    # p log(p/q) where p > 0; 0 where p = 0 (even if q = 0); +inf where q = 0 < p.
    terms = torch.where(p > 0, p * (torch.log(p) - torch.log(q)), torch.zeros_like(p))
    return terms.sum(-1).clamp_min(0.0)  # KL >= 0; clamp removes rounding below zero


# -------------------------------------------------------------------- distributions


def _is_dist(x) -> bool:
    return isinstance(x, Distribution)


def _name(d: Distribution) -> str:
    return type(d).__name__


def _is_discrete(d: Distribution) -> bool:
    try:
        return bool(d.support.is_discrete)
    except NotImplementedError:
        return False


def _discrete_bounds(d: Distribution) -> tuple[int, float]:
    """(lowest, highest) integer in the support; highest may be inf."""
    s = d.support
    if isinstance(s, constraints._Boolean):
        return 0, 1
    if isinstance(s, constraints._IntegerInterval):
        return int(torch.as_tensor(s.lower_bound).min()), float(
            torch.as_tensor(s.upper_bound).max()
        )
    if isinstance(s, constraints._IntegerGreaterThan):
        return int(torch.as_tensor(s.lower_bound).min()), math.inf
    raise ValueError(f"cannot enumerate the support of {_name(d)} ({s}).")


def _continuous_bounds(d: Distribution) -> tuple[float, float]:
    """(lower, upper) end of the support of a scalar continuous distribution."""
    s = d.support
    while hasattr(s, "base_constraint"):  # independent / mixture wrappers
        s = s.base_constraint
    lo = getattr(s, "lower_bound", -math.inf)
    hi = getattr(s, "upper_bound", math.inf)
    return float(torch.as_tensor(lo).min()), float(torch.as_tensor(hi).max())


def _log_pmf(d: Distribution, x: torch.Tensor) -> torch.Tensor:
    """Exact log-pmf at integer points x (n,), shape (*batch, n); -inf off the support.

    Written from probabilities with xlogy so that probabilities of exactly 0 or 1 give
    exact 0 and -inf (torch's own log_prob clamps them away from 0 and 1).
    """
    D = torch.distributions
    x = x.to(torch.float64)
    if isinstance(d, D.Bernoulli):
        pi = d.probs.to(torch.float64)[..., None]
        lp = torch.xlogy(x, pi) + torch.xlogy(1 - x, 1 - pi)
        return torch.where((x == 0) | (x == 1), lp, -math.inf)
    if isinstance(d, D.Binomial):
        n = d.total_count.to(torch.float64)[..., None]
        pi = d.probs.to(torch.float64)[..., None]
        ok = (x >= 0) & (x <= n)
        xs = torch.where(ok, x, torch.zeros_like(x))
        lp = (
            torch.lgamma(n + 1)
            - torch.lgamma(xs + 1)
            - torch.lgamma(n - xs + 1)
            + torch.xlogy(xs, pi)
            + torch.xlogy(n - xs, 1 - pi)
        )
        return torch.where(ok, lp, -math.inf)
    if isinstance(d, D.Categorical):
        probs = d.probs.to(torch.float64)  # (*batch, K)
        k = probs.shape[-1]
        ok = (x >= 0) & (x <= k - 1)
        idx = torch.where(ok, x, torch.zeros_like(x)).long()
        lp = torch.log(probs[..., idx])
        return torch.where(ok, lp, -math.inf)
    if isinstance(d, D.Poisson):
        rate = d.rate.to(torch.float64)[..., None]
        lp = torch.xlogy(x, rate) - rate - torch.lgamma(x + 1)
        return torch.where(x >= 0, lp, -math.inf)
    if isinstance(d, D.Geometric):
        pr = d.probs.to(torch.float64)[..., None]
        lp = torch.xlogy(x, 1 - pr) + torch.log(pr)
        return torch.where(x >= 0, lp, -math.inf)
    # Any other discrete distribution: torch's log_prob, masked to its support.
    xb = x.reshape((-1,) + (1,) * len(d.batch_shape))
    ok = d.support.check(xb)
    lo, hi = _discrete_bounds(d)
    safe = torch.where(ok, xb, torch.full_like(xb, float(lo)))
    lp = torch.where(ok, d.log_prob(safe).to(torch.float64), -math.inf)
    return lp.movedim(0, -1)


def _log_density(d: Distribution, x: torch.Tensor) -> torch.Tensor:
    """log density at points x (n,) of a scalar continuous distribution; -inf off support."""
    ok = d.support.check(x)
    if ok.dim() > 1:
        ok = ok.all(-1)
    lo, hi = _continuous_bounds(d)
    inside = min(max(0.0, lo), hi) if math.isfinite(lo) or math.isfinite(hi) else 0.0
    safe = torch.where(ok, x, torch.full_like(x, inside))
    return torch.where(ok, d.log_prob(safe).to(torch.float64), -math.inf)


def _require_scalar(*ds: Distribution) -> None:
    for d in ds:
        if d.batch_shape != torch.Size() or d.event_shape != torch.Size():
            raise ValueError(
                f"{_name(d)} has batch shape {tuple(d.batch_shape)} and event shape "
                f"{tuple(d.event_shape)}; numerical estimates need one univariate distribution."
            )


def _kind_check(p: Distribution, q: Distribution) -> bool:
    """Return True for a discrete pair; raise for a discrete/continuous mix."""
    dp, dq = _is_discrete(p), _is_discrete(q)
    if dp != dq:
        kinds = {True: "discrete (a pmf)", False: "continuous (a density)"}
        raise ValueError(
            f"p = {_name(p)} is {kinds[dp]} and q = {_name(q)} is {kinds[dq]}; a pmf and a "
            "density cannot be compared with cross-entropy or KL. Use two discrete or two "
            "continuous distributions."
        )
    return dp


# ----------------------------------------------------------------- numerical: sums


def _rounding_bound(magnitude: float, n: int) -> float:
    # generous bound on floating-point error of summing n terms with total magnitude
    return 64.0 * _EPS * (magnitude + 1.0) * max(1.0, math.log2(max(n, 2)))


def _terms(what: str, lp: torch.Tensor, lq: torch.Tensor | None) -> torch.Tensor:
    """Per-point integrand: -p log p, -p log q or p (log p - log q); 0 where p = 0."""
    pmass = torch.exp(lp)
    if what == "entropy":
        g = -lp
    elif what == "cross":
        g = -lq
    else:
        g = lp - lq
    # 0 where p underflows to 0, even if g is infinite there (0 log 0 = 0, no NaN)
    return torch.where(pmass == 0, torch.zeros_like(lp), pmass * g)


def _support_text(d: Distribution) -> str:
    if _is_discrete(d):
        lo, hi = _discrete_bounds(d)
        return f"{lo}, {lo + 1}, ..." if math.isinf(hi) else f"{lo}..{int(hi)}"
    lo, hi = _continuous_bounds(d)
    return (
        f"[{lo:.4g}, {hi:.4g}]"
        if math.isfinite(lo) and math.isfinite(hi)
        else (f"({lo:.4g}, {hi:.4g})")
    )


def _exact_sum(what: str, p: Distribution, q: Distribution | None) -> InfoResult:
    """Exact sum over p's bounded support (Bernoulli, Binomial, Categorical, ...)."""
    lo, hi = _discrete_bounds(p)
    x = torch.arange(lo, int(hi) + 1, dtype=torch.float64)  # (n,)
    lp = _log_pmf(p, x)  # (*bp, n)
    lq = _log_pmf(q, x) if q is not None else None
    if lq is not None:
        lp, lq = torch.broadcast_tensors(lp, lq)
    terms = _terms(what, lp, lq)
    value = terms.sum(-1)
    reason = None
    if lq is not None:
        reason = _inf_reason(torch.exp(lp), torch.exp(lq), [int(v) for v in x.tolist()])
    if what == "kl":
        value = value.clamp_min(0.0)
    mag = float(torch.nan_to_num(terms.abs(), posinf=0.0).sum(-1).max())
    return InfoResult(value, "exact sum", _rounding_bound(mag, x.numel()), reason)


def _truncated_sum(what: str, p: Distribution, q: Distribution | None) -> InfoResult:
    """Sum over an unbounded discrete support, truncated far in the tail of p.

    The sum runs over x = lo..M, where M is past p's mean and log p(M) < -700 (the
    remaining terms are below double precision). The tail beyond M is bounded with the
    geometric bound of a log-concave pmf: p(M + k) <= p(M) r^k, r = p(M) / p(M - 1) < 1,
    and the tail contribution by that mass times |g(M)| plus twice g's local slope per
    step (g = -log p, -log q or log p/q), which covers the families here.
    """
    _require_scalar(p, *([q] if q is not None else []))
    lo, _ = _discrete_bounds(p)
    try:
        mean = float(p.mean)
    except NotImplementedError:
        mean = 0.0
    if not math.isfinite(mean):
        mean = 0.0
    n = max(64, int(2 * (mean - lo)) + 64)
    cap = 1 << 21
    while True:
        x = torch.arange(lo, lo + n, dtype=torch.float64)
        lp = _log_pmf(p, x)
        last = float(lp[-1])
        if (x[-1] > mean and last < -700 and last <= float(lp[-2])) or n >= cap:
            break
        n *= 2
    lq = _log_pmf(q, x) if q is not None else None
    terms = _terms(what, lp, lq)
    value = terms.sum()
    reason = None
    if lq is not None:
        reason = _inf_reason(torch.exp(lp), torch.exp(lq), [int(v) for v in x.tolist()])
    # tail bound beyond M = x[-1]
    lpm, lpm1 = float(lp[-1]), float(lp[-2])
    tail = 0.0
    if lpm > -math.inf:
        r = math.exp(lpm - lpm1) if lpm1 > -math.inf else 1.0
        if r >= 1:
            tail = math.inf
        else:
            if what == "entropy":
                g = torch.stack([-lp[-2], -lp[-1]])
            elif what == "cross":
                g = torch.stack([-lq[-2], -lq[-1]])
            else:
                g = torch.stack([lp[-2] - lq[-2], lp[-1] - lq[-1]])
            gm, slope = abs(float(g[1])), abs(float(g[1] - g[0]))
            pm = math.exp(lpm)
            tail = pm * (r / (1 - r) * (gm + 1.0) + 2 * slope * r / (1 - r) ** 2)
    if what == "kl":
        value = value.clamp_min(0.0)
    if torch.isinf(value):
        return InfoResult(value, "truncated sum", 0.0, reason)
    mag = float(torch.nan_to_num(terms.abs(), posinf=0.0).sum())
    return InfoResult(value, "truncated sum", tail + _rounding_bound(mag, x.numel()), reason)


# ------------------------------------------------------------ numerical: quadrature


def _center_scale(d: Distribution) -> tuple[float, float]:
    """A location and a small length scale of a continuous distribution."""
    D = torch.distributions
    if isinstance(d, D.MixtureSameFamily):
        comp = d.component_distribution
        c = float(d.mean)
        try:
            s = float(comp.stddev.min())
        except (NotImplementedError, AttributeError):
            s = 1.0
        return c, s if math.isfinite(s) and s > 0 else 1.0
    c = float(getattr(d, "loc", torch.tensor(math.nan)))
    s = float(getattr(d, "scale", torch.tensor(math.nan)))
    if not math.isfinite(c):
        try:
            c = float(d.mean)
        except NotImplementedError:
            c = 0.0
    if not (math.isfinite(s) and s > 0):
        try:
            s = float(d.stddev)
        except NotImplementedError:
            s = 1.0
    c = c if math.isfinite(c) else 0.0
    s = s if math.isfinite(s) and s > 0 else 1.0
    return c, s


def _quadrature(what: str, p: Distribution, q: Distribution | None) -> InfoResult:
    """Integral of the integrand over p's support, by the trapezoid rule after a change
    of variables that maps the support onto the whole u axis.

    Real line: x = c + s sinh(u), u in [-40, 40] (x reaches about 1e17 s, so even a
    Cauchy p leaves mass below 1e-16 outside). Interval [a, b]: x = m + r tanh(u),
    u in [-20, 20]. A coarse scout first trims the u range to where p(x) dx/du is
    above e^-800. The integrand decays quickly in u, so the trapezoid rule converges
    fast; the error is estimated by comparing step h with step 2h (the difference
    bounds the error of the finer sum), plus the tails beyond +-U estimated from the
    decay rate at the ends (f(U) / rate, added to the value; its whole size goes into
    the bound), plus rounding. If the integrand does not
    decay at the ends (rate <= 1e-3 per unit of u) the integral diverges (in x it falls
    no faster than 1/|x|) and the result is inf with that reason.
    """
    _require_scalar(p, *([q] if q is not None else []))
    lo, hi = _continuous_bounds(p)
    h = 1.0 / 128
    if math.isfinite(lo) and math.isfinite(hi):
        big_u = 20.0
        m, r = (lo + hi) / 2, (hi - lo) / 2

        def mapping(u):
            a = u.abs()
            log_jac = math.log(r) + 2 * (math.log(2) - a - torch.log1p(torch.exp(-2 * a)))
            return m + r * torch.tanh(u), log_jac

    else:
        if math.isfinite(lo) or math.isfinite(hi):
            raise ValueError(
                f"quadrature for {_name(p)} on a half-line support is not implemented."
            )
        c, s = _center_scale(p)
        big_u = 40.0

        def mapping(u):
            return c + s * torch.sinh(u), math.log(s) + torch.log(torch.cosh(u))

    # scout on a coarse grid: keep the u range where p(x) dx/du is above e^-800
    scout = torch.arange(-big_u, big_u + 0.25, 0.5, dtype=torch.float64)
    xs, lj = mapping(scout)
    keep = (_log_density(p, xs) + lj > -800).nonzero()
    u_lo = max(-big_u, float(scout[int(keep[0])]) - 1.0) if keep.numel() else -1.0
    u_hi = min(big_u, float(scout[int(keep[-1])]) + 1.0) if keep.numel() else 1.0
    n = int(round((u_hi - u_lo) / h))
    n += -n % 4  # a multiple of 4, so that every 2nd and every 4th point form coarser grids
    u = u_lo + h * torch.arange(n + 1, dtype=torch.float64)
    x, log_jac = mapping(u)
    lp = _log_density(p, x)
    lq = _log_density(q, x) if q is not None else None
    # integrand in u: p(x) g(x) dx/du, with g = -log p, -log q or log p - log q
    g = {"entropy": lambda: -lp, "cross": lambda: -lq, "kl": lambda: lp - lq}[what]()
    weight = torch.exp(lp + log_jac)  # p(x) dx/du
    terms = torch.where(weight == 0, torch.zeros_like(lp), weight * g)
    reason = None
    if lq is not None:
        hit = (lq == -math.inf) & (lp > -math.inf)
        if hit.any():
            k = int(hit.nonzero()[0])
            reason = (
                f"q(x) = 0 at x = {float(x[k]):.4g} where p(x) = {math.exp(float(lp[k])):.3g} > 0, "
                "so log q(x) = -inf"
            )
            return InfoResult(
                torch.tensor(math.inf, dtype=torch.float64), "quadrature", 0.0, reason
            )
    s1 = float(h * terms.sum())  # step h
    s2 = float(2 * h * terms[::2].sum())  # step 2h
    s4 = float(4 * h * terms[::4].sum())  # step 4h
    d1, d2 = abs(s1 - s2), abs(s2 - s4)
    if 3.5 * d1 < d2 < 4.5 * d1:
        # clean O(h^2) convergence (a kink, e.g. a Laplace peak, on a grid node):
        # Richardson extrapolation, with its own difference across steps as the bound
        r1, r2 = s1 + (s1 - s2) / 3, s2 + (s2 - s4) / 3
        fine, quad_err = r1, max(abs(r1 - r2), 1e-3 * d1)
    else:
        # smooth integrand: the trapezoid rule converges faster than any power of h, and
        # the difference between steps h and 2h bounds the error of the finer sum
        fine, quad_err = s1, d1
    # tails beyond +-U: integrand ~ f(U) e^{-rate (u - U)}, rate from the last unit of u;
    # the estimate f(U) / rate is added to the value and its full size to the bound
    step = int(round(1 / h))
    tail, tail_bound = 0.0, 0.0
    for end, prev in ((terms[-1], terms[-1 - step]), (terms[0], terms[step])):
        fe, fp = abs(float(end)), abs(float(prev))
        if fe == 0:
            continue
        rate = math.log(fp / fe) if fp > 0 else 0.0
        if rate <= 1e-3:
            other = f" for log q (q = {_name(q)})" if q is not None else ""
            reason = (
                f"the integrand of {_what_text(what)} does not decay in the tails of "
                f"p = {_name(p)}: its tails are too heavy{other}, so the integral diverges"
            )
            return InfoResult(
                torch.tensor(math.inf, dtype=torch.float64), "quadrature", 0.0, reason
            )
        tail += float(end) / rate
        tail_bound += fe / rate
    fine += tail
    mag = float(h * terms.abs().sum())
    bound = quad_err + tail_bound + _rounding_bound(mag, u.numel())
    value = torch.tensor(max(fine, 0.0) if what == "kl" else fine, dtype=torch.float64)
    return InfoResult(value, "quadrature", bound, None)


def _what_text(what: str) -> str:
    return {"entropy": "H(p)", "cross": "H(p, q)", "kl": "KL(p || q)"}[what]


def _numerical(what: str, p: Distribution, q: Distribution | None) -> InfoResult:
    if _is_discrete(p):
        _, hi = _discrete_bounds(p)
        if math.isfinite(hi):
            return _exact_sum(what, p, q)
        if q is not None:
            _, hi_q = _discrete_bounds(q)
            if math.isfinite(hi_q):
                _require_scalar(p)
                beyond = float(_log_pmf(p, torch.tensor([hi_q + 1.0]))[..., 0].max())
                if beyond > -math.inf:
                    return InfoResult(
                        torch.tensor(math.inf, dtype=torch.float64),
                        "exact",
                        0.0,
                        f"p = {_name(p)} gives x = {int(hi_q) + 1} probability "
                        f"{math.exp(beyond):.3g} > 0 but q = {_name(q)} is 0 above "
                        f"x = {int(hi_q)}, so log q(x) = -inf there",
                    )
        return _truncated_sum(what, p, q)
    if q is not None:
        reason = _continuous_support_reason(p, q)
        if reason is not None:
            return InfoResult(torch.tensor(math.inf, dtype=torch.float64), "exact", 0.0, reason)
    return _quadrature(what, p, q)


def _continuous_support_reason(p: Distribution, q: Distribution) -> str | None:
    plo, phi = _continuous_bounds(p)
    qlo, qhi = _continuous_bounds(q)
    if plo < qlo or phi > qhi:
        return (
            f"p = {_name(p)} has density on {_support_text(p)} but q = {_name(q)} is 0 outside "
            f"{_support_text(q)}, so log q(x) = -inf where p(x) > 0"
        )
    return None


def _support_reason(p: Distribution, q: Distribution) -> str:
    """Why a closed form came out inf (support mismatch), as well as it can be told."""
    if _is_discrete(p):
        res = _numerical("cross", p, q) if _is_scalar(p, q) else None
        if res is not None and res.reason:
            return res.reason
        return (
            f"q = {_name(q)} gives probability 0 to an outcome that p = {_name(p)} can take "
            f"(p's support {_support_text(p)}, q's {_support_text(q)}), so log q(x) = -inf there"
        )
    if _is_scalar(p, q):
        r = _continuous_support_reason(p, q)
        if r:
            return r
    return (
        f"q = {_name(q)} has zero density where p = {_name(p)} has positive density, "
        "so log q(x) = -inf there"
    )


def _is_scalar(*ds: Distribution) -> bool:
    return all(d.batch_shape == torch.Size() and d.event_shape == torch.Size() for d in ds)


def _bounded_discrete(d: Distribution) -> bool:
    return _is_discrete(d) and math.isfinite(_discrete_bounds(d)[1])


def _dist_entropy(p: Distribution, method: str) -> InfoResult:
    if method != "numerical":
        if _bounded_discrete(p):
            return _exact_sum("entropy", p, None)
        try:
            v = p.entropy()
            if not torch.isnan(v).any():
                return InfoResult(v, "closed form", 0.0, None)
        except NotImplementedError:
            pass
    return _numerical("entropy", p, None)


def _dist_kl(p: Distribution, q: Distribution, method: str) -> InfoResult:
    _kind_check(p, q)
    if method != "numerical":
        if _bounded_discrete(p):
            return _exact_sum("kl", p, q)
        try:
            v = torch.distributions.kl_divergence(p, q)
        except NotImplementedError:
            v = None
        if v is not None and not torch.isnan(v).any():
            reason = _support_reason(p, q) if torch.isinf(v).any() else None
            return InfoResult(v.clamp_min(0.0), "closed form", 0.0, reason)
    return _numerical("kl", p, q)


def _dist_cross(p: Distribution, q: Distribution, method: str) -> InfoResult:
    _kind_check(p, q)
    if method == "numerical" or _bounded_discrete(p):
        return _numerical("cross", p, q)
    k = _dist_kl(p, q, method)
    if torch.isinf(k.value).all():
        return InfoResult(k.value, k.method, 0.0, k.reason)
    h = _dist_entropy(p, method)
    m = max((h.method, k.method), key=_METHOD_RANK.__getitem__)
    return InfoResult(h.value + k.value, m, h.error_bound + k.error_bound, k.reason)


# ---------------------------------------------------------------------- public API


def _scaled(res: InfoResult, log_b: float) -> InfoResult:
    if log_b == 1.0:
        return res
    return InfoResult(res.value / log_b, res.method, res.error_bound / log_b, res.reason)


def _check_method(method: str) -> None:
    if method not in ("auto", "numerical"):
        raise ValueError(f"method={method!r}; use 'auto' or 'numerical'.")


def _pair_kind(p, q) -> bool:
    """True for two distributions, False for two arrays; raise for a mix."""
    dp, dq = _is_dist(p), _is_dist(q)
    if dp != dq:
        raise ValueError(
            "p and q must both be probability vectors or both be torch.distributions objects; "
            f"got {type(p).__name__} and {type(q).__name__}."
        )
    return dp


def entropy_detail(p, *, base: float = math.e, method: str = "auto") -> InfoResult:
    """Entropy H(p) = -sum p log p with how it was computed.

    Parameters
    ----------
    p : array-like (..., K) of probabilities, or a torch.distributions object.
    base : logarithm base (2: bits, e: nats, 10: hartleys).
    method : "auto" uses closed forms where they exist; "numerical" forces the numerical
        route for a distribution (useful to check it against the closed form).

    Returns
    -------
    InfoResult with value of shape (...) (the batch shape).
    """
    log_b = _log_base(base)
    _check_method(method)
    if _is_dist(p):
        return _scaled(_dist_entropy(p, method), log_b)
    pt, _ = _vectors(p)
    return _scaled(InfoResult(_vec_entropy(pt), "exact", 0.0, None), log_b)


def cross_entropy_detail(p, q, *, base: float = math.e, method: str = "auto") -> InfoResult:
    """Cross-entropy H(p, q) = -sum p log q with how it was computed; inf where q = 0 < p.

    For distributions, H(p, q) = H(p) + KL(p || q) from closed forms where torch has
    them, else numerically (see ``kl_divergence_detail``).
    """
    log_b = _log_base(base)
    _check_method(method)
    if _pair_kind(p, q):
        return _scaled(_dist_cross(p, q, method), log_b)
    pt, qt = _vectors(p, q)
    value = _vec_cross(pt, qt)
    return _scaled(InfoResult(value, "exact", 0.0, _inf_reason(pt, qt)), log_b)


def kl_divergence_detail(p, q, *, base: float = math.e, method: str = "auto") -> InfoResult:
    """KL divergence KL(p || q) = sum p log(p / q) >= 0 with how it was computed.

    For distributions: bounded discrete supports (Bernoulli, Binomial, Categorical) are
    summed exactly; otherwise torch's KL registry gives a closed form where one is
    registered; failing that, unbounded discrete supports (Poisson, Geometric) use a
    truncated sum with a tail bound and 1-D continuous ones a quadrature with an error
    estimate. Supports that do not nest (q = 0 where p > 0) give inf with a reason. A
    discrete p with a continuous q (or the reverse) raises ValueError.
    """
    log_b = _log_base(base)
    _check_method(method)
    if _pair_kind(p, q):
        return _scaled(_dist_kl(p, q, method), log_b)
    pt, qt = _vectors(p, q)
    return _scaled(InfoResult(_vec_kl(pt, qt), "exact", 0.0, _inf_reason(pt, qt)), log_b)


def entropy(p, *, base: float = math.e) -> torch.Tensor:
    """Entropy H(p) in the unit of ``base``; see ``entropy_detail``."""
    return entropy_detail(p, base=base).value


def cross_entropy(p, q, *, base: float = math.e) -> torch.Tensor:
    """Cross-entropy H(p, q) in the unit of ``base``; see ``cross_entropy_detail``."""
    return cross_entropy_detail(p, q, base=base).value


def kl_divergence(p, q, *, base: float = math.e) -> torch.Tensor:
    """KL divergence KL(p || q) in the unit of ``base``; see ``kl_divergence_detail``."""
    return kl_divergence_detail(p, q, base=base).value
