"""The truth behind the synthetic data sets: the lowest loss any model can reach.

Every generator of :mod:`probnn.data` is a known distribution p(x, y). For such data the
expected negative log-likelihood of any model q splits in two::

    E[-log q(y|x)] = H(Y|X) + E_x[ KL(p(.|x) || q(.|x)) ]
    H(Y|X)         = E_x[ H(p(.|x)) ] = -E_{x,y}[ log p(y|x) ]

The first term does not depend on the model: it is the **floor**, the expected test
loss of the Bayes-optimal predictor p(y|x) itself. Training can only remove the second
term, the KL divergence of the model from the truth, which is never negative. So
``test loss - floor`` estimates how far a trained model still is from the truth.

The floor is in nats and uses the kind of likelihood the data really has: a probability
of a class (classification), a density of y (regression: a differential entropy, which
may be negative, and is -inf when y is an exact function of x) or a probability of a
count. Each value comes with a numerical error, one standard error combining the
quadrature error (the difference from a run at half the resolution) and, where the
average over x is taken over a Monte-Carlo sample of the generator, that sample's
standard error.

How each floor is computed (raw coordinates: the generator's points before the common
rescale of the 2-D sets, which is a bijection of x and leaves H(Y|X) unchanged):

* ``blobs``: two Gaussian classes with one spread. Bayes' rule gives a logistic p(y|x)
  of the projection on the line through the centres; the projection is a 1-D Gaussian
  mixture, integrated by the trapezoid rule.
* ``multi_blobs``: C Gaussian classes on a ring: p(y|x) is a softmax in closed form; the
  average over x uses 32,768 draws of the generator.
* ``circles``: a point on a circle of radius r at a uniform angle plus Gaussian noise has
  the Rice density, in closed form with the Bessel function I0; p(y|x) depends on |x|
  only, and the 1-D average over |x| is done by Gauss-Legendre quadrature.
* ``xor``: uniform squares blurred by Gaussian noise have a closed-form density (a
  product of normal CDF differences); the average over x uses 32,768 draws.
* ``moons``, ``spiral``, ``multi_spirals``: a curve c(t) with t uniform plus Gaussian
  noise, so p(x|y) = E_t[N(x; c_y(t), s^2 I)], a 1-D integral done by composite
  Gauss-Legendre quadrature along the curve (panels of a few noise standard deviations,
  shorter where the curve bends and towards its ends; only nodes whose Gaussian is not
  negligible at x are summed, or all at once as a matrix product where the noise is wide
  against the curves). p(x|y) is accurate to about 1e-4 relative, which moves
  p(y|x) by less than 1e-5 and a floor by less than 1e-7. The average over x uses 4,096
  draws of the generator.
* ``linear``, ``sine``: Gaussian noise of fixed spread: H = log(2 pi e s^2) / 2 exactly.
* ``heteroscedastic``: the spread grows linearly in x, x is uniform: closed form.
* ``outliers``: y minus the line is a mixture of Gaussian noise and outliers displaced by
  a uniform amount; that density does not depend on x, and its entropy is a 1-D
  integral done by the trapezoid rule.
* ``counts``: Poisson with a rate that depends on x (a series sum per x, Gauss-Legendre
  over x) and, with over-dispersion, a Poisson-lognormal mixture whose probabilities are
  integrals over the log-rate (trapezoid rule).

A user's CSV has no known truth: :func:`conditional_entropy` returns None for it.
"""

from __future__ import annotations

import abc
import functools
import math
from dataclasses import dataclass

import numpy as np
import torch

from probnn import data
from probnn.data import DataError, Dataset

__all__ = [
    "Floor",
    "bayes_grid",
    "conditional_entropy",
    "floor",
    "kl_gap",
    "log_prob",
    "posterior",
]

_SEED = 271_828  # seeds the Monte-Carlo draws behind a floor: a floor is a pure function
_CURVE_DRAWS = 4_096  # draws of x for the curve sets (moons, spirals)
_CLOSED_DRAWS = 32_768  # draws of x where p(y|x) is in closed form (multi_blobs, xor)
_CUT = 40.0  # nats: Gaussian terms this far below the largest are left out (e^-40 ~ 4e-18)
_GL = np.polynomial.legendre.leggauss(4)  # Gauss-Legendre nodes and weights on [-1, 1]
_LOG_2PI = math.log(2 * math.pi)
_SQRT3 = math.sqrt(3.0)  # 1-D inputs are uniform on [-sqrt 3, sqrt 3]
_DENSE = 0.3  # share of (point, group) pairs kept above which all nodes are summed at once
_TINY_SD = 1e-150  # a blob spread or circles' noise below this (its square underflows) is 0


@dataclass(frozen=True)
class Floor:
    """The conditional entropy H(Y|X) of a synthetic data set's generator, in nats.

    It is the lowest expected test loss (mean negative log-likelihood) any model can
    reach on that data, reached only by the true p(y|x).

    Attributes
    ----------
    value : H(Y|X) in nats. ``-inf`` for regression with noise 0 (y is then an exact
        function of x, and a model can push its loss down without bound).
    error : one standard error of ``value`` (nats): the quadrature error estimate and
        the Monte-Carlo standard error combined as sqrt(a^2 + b^2); 0 for exact values.
    method : how it was computed, with the parts of the error, in one or two sentences.
    """

    value: float
    error: float
    method: str

    def __str__(self) -> str:
        if not math.isfinite(self.value):
            return f"{self.value} nats"
        return f"{self.value:.4f} ± {self.error:.1g} nats"


# --------------------------------------------------------------------------- small maths


def _t(a) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))


def _log_ndtr(z: np.ndarray) -> np.ndarray:
    """log Phi(z), stable far into both tails."""
    return torch.special.log_ndtr(_t(z)).numpy()


def _log1mexp(x: np.ndarray) -> np.ndarray:
    """log(1 - e^x) for x <= 0 (-inf at x = 0), stable at both ends."""
    x = np.minimum(x, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(x > -math.log(2), np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def _log_ndtr_diff(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """log(Phi(b) - Phi(a)) for a <= b, accurate when both sit in the same tail."""
    a, b = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64))
    flip = a > 0  # upper tail: Phi(b) - Phi(a) = Phi(-a) - Phi(-b)
    lo, hi = np.where(flip, -b, a), np.where(flip, -a, b)
    la, lb = _log_ndtr(lo), _log_ndtr(hi)
    return lb + _log1mexp(la - lb)


def _logsumexp(a: np.ndarray, axis: int = -1) -> np.ndarray:
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.log(np.sum(np.exp(a - m), axis=axis)) + np.squeeze(m, axis=axis)


def _log_normalise(log_joint: np.ndarray) -> np.ndarray:
    """log p(y|x) (N, C) from log p(x, y) (N, C): Bayes' rule in log space."""
    return log_joint - _logsumexp(log_joint)[:, None]


def _entropy_rows(log_p: np.ndarray) -> np.ndarray:
    """-sum_c p_c log p_c of each row of log-probabilities (N, C) -> (N,); 0 log 0 = 0."""
    p = np.exp(log_p)
    return -(p * np.where(p > 0, log_p, 0.0)).sum(axis=-1)


def _trapezoid(lo: float, hi: float, h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trapezoid nodes on [lo, hi] with spacing at most h and an even number of
    intervals; returns (nodes, weights, weights of the same rule on every other node)."""
    m = 2 * max(2, math.ceil((hi - lo) / (2 * h)))
    z = np.linspace(lo, hi, m + 1)
    step = (hi - lo) / m
    w = np.full(m + 1, step)
    w[[0, -1]] = step / 2
    w2 = np.zeros(m + 1)
    w2[::2] = 2 * step
    w2[[0, -1]] = step
    return z, w, w2


def _gauss_legendre(lo: float, hi: float, width: float) -> tuple[np.ndarray, np.ndarray]:
    """Composite 4-point Gauss-Legendre nodes and weights on [lo, hi], panels of at most
    ``width``: high order up to the ends, where the trapezoid rule is only O(h^2)."""
    m = max(1, math.ceil((hi - lo) / width))
    edges = np.linspace(lo, hi, m + 1)
    x, w = _GL
    half = np.diff(edges)[:, None] / 2
    return (edges[:-1, None] + half * (x + 1)).ravel(), (half * w).ravel()


def _combine(*errors: float) -> float:
    return float(math.sqrt(sum(e * e for e in errors)))


def _stratified_mean(values: np.ndarray, labels: np.ndarray, priors: np.ndarray):
    """sum_k prior_k * mean(values | label k) and its standard error."""
    mean = se2 = 0.0
    for k, prior in enumerate(priors):
        v = values[labels == k]
        mean += prior * float(v.mean())
        se2 += prior**2 * float(v.var(ddof=1)) / len(v)
    return mean, math.sqrt(se2)


# --------------------------------------------------------------------------- curves


@dataclass(frozen=True)
class _Nodes:
    """Quadrature nodes along each class's curve, in groups of r consecutive nodes.

    p(x | k) = sum over class k's nodes j of w_j N(x; c_j, s^2 I). A group's centre is
    one of its nodes and its radius the farthest of its nodes from that centre, so a
    whole group can be skipped for a point it cannot matter to.
    """

    x: np.ndarray  # (G, r) first coordinate of the nodes
    y: np.ndarray  # (G, r) second coordinate
    log_w: np.ndarray  # (G, r) log weights, -inf for padding
    centre: np.ndarray  # (G, 2)
    radius: np.ndarray  # (G,)
    label: np.ndarray  # (G,) class of each group
    n_classes: int


def _curve_rule(
    curve, lo: float, hi: float, sigma: float, reach: float, scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Composite 4-point Gauss-Legendre rule in t for E_t[f(c(t))], t ~ U(lo, hi), where
    f is a Gaussian of sd ``sigma`` around points up to ``reach`` away from the curve.

    Seen from a point at distance D, the Gaussian along a curve bending with curvature
    k has a width of sigma / sqrt(1 + D k) in arc length, and where the curve ends it
    can fall off over sigma^2 / D. So a panel spans at most 3 sigma / sqrt(1 + reach k)
    of arc length and 0.6 radians of the curve's turning, and the panels halve towards
    both ends down to sigma^2 / (2 reach); ``scale`` multiplies every one of these
    lengths (2: the coarser rule of the error estimate). Returns the nodes c(t_j)
    (T, 2) and their weights (T,), summing to 1.
    """
    t = np.linspace(lo, hi, 4097)
    p = curve(t)
    step = np.diff(p, axis=0)  # (4096, 2)
    arc = np.hypot(step[:, 0], step[:, 1])
    bend = np.abs(np.diff(np.unwrap(np.arctan2(step[:, 1], step[:, 0]))))
    bend = np.r_[bend, bend[-1:]]  # radians turned over each step
    size = np.sqrt(arc * (arc + reach * bend)) / (3 * sigma) + bend / 0.6
    cum = np.concatenate([[0.0], np.cumsum(size / scale)])
    m = max(1, math.ceil(cum[-1]))
    edges = np.interp(np.linspace(0.0, cum[-1], m + 1), cum, t)  # panel ends in t
    # towards each end, panels of half the length down to sigma^2 / (2 reach)
    length = np.concatenate([[0.0], np.cumsum(arc)])  # arc length at each t
    smallest = scale * sigma * sigma / (2 * reach) if reach > 0 else math.inf
    ends = []
    for a, b in ((edges[0], edges[1]), (edges[-1], edges[-2])) if m > 1 else ():
        span = abs(np.interp(b, t, length) - np.interp(a, t, length))
        halvings = max(0, math.ceil(math.log2(max(span / smallest, 1.0))))
        ends.append(a + (b - a) * 0.5 ** np.arange(1, halvings + 1))
    edges = np.unique(np.concatenate([edges, *ends]))
    x, w = _GL
    half = np.diff(edges)[:, None] / 2  # (m, 1)
    nodes = (edges[:-1, None] + half * (x + 1)).reshape(-1)
    weights = (half * w).reshape(-1) / (hi - lo)
    return curve(nodes), weights


def _group(per_class: list[tuple[np.ndarray, np.ndarray]]) -> _Nodes:
    """Nodes of every class in groups of r = sqrt(T / 4) consecutive nodes of one class
    (T nodes in all): a point then looks at about sqrt(T) group centres, and at the
    nodes of the few groups near it."""
    total = sum(len(w) for _, w in per_class)
    r = int(min(512, max(4, round(math.sqrt(total / 4)))))
    points, log_w, label = [], [], []
    for k, (pts, w) in enumerate(per_class):
        g = math.ceil(len(w) / r)
        pad = g * r - len(w)
        points.append(np.concatenate([pts, np.repeat(pts[-1:], pad, axis=0)]).reshape(g, r, 2))
        with np.errstate(divide="ignore"):
            log_w.append(np.log(np.concatenate([w, np.zeros(pad)])).reshape(g, r))
        label.append(np.full(g, k))
    points = np.concatenate(points)
    centre = points[:, (r - 1) // 2]
    radius = np.sqrt(((points - centre[:, None]) ** 2).sum(-1).max(axis=1))
    return _Nodes(
        np.ascontiguousarray(points[..., 0]),
        np.ascontiguousarray(points[..., 1]),
        np.concatenate(log_w),
        centre,
        radius,
        np.concatenate(label),
        len(per_class),
    )


def _keep(X: np.ndarray, nodes: _Nodes, slack2: float) -> np.ndarray:
    """(N, G) whether group g may hold a node within sqrt(d_min^2 + slack2) of point n,
    d_min being the distance to the point's nearest group centre (itself a node): the
    group's centre is then within that distance plus the group's radius."""
    d2c = (X * X).sum(1)[:, None] + (nodes.centre**2).sum(1)[None] - 2.0 * X @ nodes.centre.T
    within = np.sqrt(np.maximum(d2c.min(axis=1), 0.0) + slack2)  # (N,)
    return d2c <= (within[:, None] + nodes.radius[None]) ** 2


def _near_blocks(X: np.ndarray, nodes: _Nodes, slack2: float, keep: np.ndarray | None = None):
    """Squared distances from points to the nodes of the groups that can matter to them.

    Groups are kept as :func:`_keep` says (or ``keep``, its answer if already known).
    Returns the blocks [(group, point indices, (n_g, r) squared distances)] and each
    point's smallest squared distance to a kept node (N,).
    """
    if keep is None:
        keep = _keep(X, nodes, slack2)
    x2 = (X * X).sum(1)  # (N,)
    nearest = np.full(len(X), np.inf)
    blocks = []
    n2 = nodes.x**2 + nodes.y**2  # (G, r)
    for g in np.flatnonzero(keep.any(axis=0)):
        at = np.flatnonzero(keep[:, g])
        xs = X[at]
        # |x|^2 + |c|^2 - 2 x.c: its rounding error, about 1e-16 |x|^2, stays far below
        # the noise variance for any spread the generators use
        d2 = x2[at, None] + n2[g] - 2.0 * (xs[:, :1] * nodes.x[g] + xs[:, 1:] * nodes.y[g])
        nearest[at] = np.minimum(nearest[at], d2.min(axis=1))
        blocks.append((g, at, d2))
    return blocks, nearest


def _dense_sums(X: np.ndarray, nodes: _Nodes, two_s2: float) -> tuple[np.ndarray, np.ndarray]:
    """For points X (n, 2): each point's smallest squared distance to a node (n,) and,
    per class, sum_j w_j exp(-(d_j^2 - that smallest) / 2s^2) over every node of the class
    (n, K), as matrix products (where most groups are near most points, this is faster
    than group by group, and it leaves out no term)."""
    px, py = nodes.x.ravel(), nodes.y.ravel()  # (T,)
    p2, p = px * px + py * py, -2.0 * np.stack([px, py])  # (T,), (2, T)
    log_w = nodes.log_w.ravel()  # padding: -inf, a term of 0
    classes = np.repeat(nodes.label, nodes.x.shape[1])[:, None] == np.arange(nodes.n_classes)
    classes = classes.astype(np.float64)  # (T, K)
    ref, acc = np.empty(len(X)), np.empty((len(X), nodes.n_classes))
    rows = max(64, (1 << 18) // len(px))  # blocks of about 2 MB, which stay in cache
    for a in range(0, len(X), rows):
        x = X[a : a + rows]
        d2 = x @ p  # (rows, T): |x|^2 + |c|^2 - 2 x.c, as in _near_blocks
        d2 += p2[None]
        d2 += (x * x).sum(1)[:, None]
        ref[a : a + rows] = d2.min(axis=1)
        d2 -= ref[a : a + rows, None]
        d2 *= -1.0 / two_s2
        d2 += log_w[None]
        np.exp(d2, out=d2)
        acc[a : a + rows] = d2 @ classes
    return ref, acc


def _chunks(n: int, nodes: _Nodes):
    step = max(256, (1 << 22) // max(1, len(nodes.radius)))
    return [(a, min(n, a + step)) for a in range(0, n, step)]


def _curve_log_lik(X: np.ndarray, nodes: _Nodes, sigma: float) -> np.ndarray:
    """log p(x | k) (N, K) for curve + isotropic Gaussian noise of sd ``sigma`` > 0.

    Terms more than _CUT nats below a point's largest are skipped, so a class whose
    share of p(x) is below about e^-25 may get a lower bound (-inf when no term is left):
    its probability p(y|x) is then off by less than e^-25 (~1e-11)."""
    out = np.zeros((len(X), nodes.n_classes))
    two_s2 = 2.0 * sigma * sigma
    for a, b in _chunks(len(X), nodes):
        keep = _keep(X[a:b], nodes, two_s2 * _CUT)
        if keep.mean() > _DENSE:  # most groups matter to most points: all nodes at once
            ref, acc = _dense_sums(X[a:b], nodes, two_s2)
        else:
            blocks, ref = _near_blocks(X[a:b], nodes, two_s2 * _CUT, keep)
            acc = np.zeros((b - a, nodes.n_classes))
            for g, at, d2 in blocks:
                terms = np.exp(nodes.log_w[g] - (d2 - ref[at, None]) / two_s2).sum(axis=1)
                acc[at, nodes.label[g]] += terms
        with np.errstate(divide="ignore"):
            out[a:b] = np.log(acc) - (ref / two_s2)[:, None]
    return out - math.log(math.pi * two_s2)


def _curve_distance2(X: np.ndarray, nodes: _Nodes) -> np.ndarray:
    """Squared distance (N, K) from each point to the nearest node of each class."""
    out = np.full((len(X), nodes.n_classes), np.inf)
    for a, b in _chunks(len(X), nodes):
        blocks, _ = _near_blocks(X[a:b], nodes, 0.0)
        part = out[a:b]
        for g, at, d2 in blocks:
            k = nodes.label[g]
            part[at, k] = np.minimum(part[at, k], d2.min(axis=1))
    return out


# --------------------------------------------------------------------------- the truths


class _Truth(abc.ABC):
    """One generator at one setting of its parameters: p(y|x) and H(Y|X)."""

    task = ""

    def __init__(self, name: str, values: dict):
        self.name = name
        self.values = values
        self.noise = float(values["noise"])
        self.generator = data.GENERATORS[name]

    @abc.abstractmethod
    def floor(self) -> Floor:
        """H(Y|X) of this generator (each data set's own way)."""

    def _draws(self, m: int) -> tuple[np.ndarray, np.ndarray]:
        """m fresh draws (raw X (m, D), y (m,)) from the generator itself, seeded."""
        gen = torch.Generator().manual_seed(_SEED)
        params = {k: v for k, v in self.values.items() if k != "n"}
        draw = self.generator.raw or self.generator.fn
        X, y = draw(m, gen, **params)
        return X.numpy(), y.numpy()


class _Classes(_Truth):
    """Classification: subclasses give log p(x | k) in raw coordinates."""

    def __init__(self, name: str, values: dict):
        super().__init__(name, values)
        self.n_classes = int(values.get("n_classes", 2))
        self.task = self.generator.task
        sizes = data._class_sizes(int(values["n"]), self.n_classes)  # the generator's split
        self.priors = np.asarray(sizes, dtype=np.float64) / float(values["n"])  # (C,)

    @abc.abstractmethod
    def log_lik(self, X: np.ndarray) -> np.ndarray:
        """log p(x | y = k) for raw X (N, 2): (N, C)."""

    def log_posterior(self, X: np.ndarray) -> np.ndarray:
        """log p(y = k | x) for raw X (N, 2): (N, C), by Bayes' rule."""
        return _log_normalise(self.log_lik(X) + np.log(self.priors))

    def _floor_by_draws(self, m: int, what: str) -> Floor:
        X, y = self._draws(m)
        H = _entropy_rows(self.log_posterior(X))
        value, se = _stratified_mean(H, y, self.priors)
        return Floor(
            value,
            se,
            f"{what}; the average of H(p(y|x)) over x uses {m:,} draws of the generator "
            f"(Monte-Carlo standard error {se:.1g} nats).",
        )


class _Blobs(_Classes):
    """Isotropic Gaussian classes with a common spread."""

    def __init__(self, name: str, values: dict):
        super().__init__(name, values)
        if name == "blobs":  # data._draw_blobs
            self.centres = np.array([[-0.75, -0.75], [0.75, 0.75]])
        else:  # data._draw_multi_blobs
            c = self.n_classes
            angle = 2 * np.pi * np.arange(c) / c + np.pi / 2
            self.centres = 2.0 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
        self.sd = data._noise_sd(self.noise)  # a blob's spread is the noise

    def log_lik(self, X):
        d2 = ((X[:, None, :] - self.centres[None]) ** 2).sum(-1)  # (N, C)
        if self.sd < _TINY_SD:  # the limit: the nearest centre takes all the probability
            return _one_hot_log(-d2)
        return -d2 / (2 * self.sd**2) - _LOG_2PI - 2 * math.log(self.sd)

    def floor(self) -> Floor:
        if self.sd < _TINY_SD:
            return Floor(0.0, 0.0, "Exact: at noise 0 every point sits on its class's centre.")
        if self.n_classes > 2:
            return self._floor_by_draws(
                _CLOSED_DRAWS, "Closed form: p(y|x) is a softmax of the Gaussian log-densities"
            )
        # Along the line through the centres the classes are N(-d/2, s^2) and N(d/2, s^2);
        # across it x does not depend on y, so H(Y|X) = H(Y|z) for the projection z.
        s = self.sd
        d = float(np.linalg.norm(self.centres[1] - self.centres[0]))
        if d > 80 * s:  # misclassified mass below Phi(-40) ~ e^-800: 0 in double precision
            return Floor(
                0.0,
                0.0,
                "Exact to double precision: the centres are more than 80 spreads apart, so "
                "p(y|x) is 0 or 1 wherever x has any density.",
            )
        # H(p(y|z)) is below 1e-24 where the log-odds d (z - z0) / s^2 exceed 60 in size:
        # only that window around the boundary z0 is integrated
        z0 = s * s * math.log(self.priors[0] / self.priors[1]) / d
        reach = 60 * s * s / d
        lo, hi = max(-d / 2 - 12 * s, z0 - reach), min(d / 2 + 12 * s, z0 + reach)
        z, w, w2 = _trapezoid(lo, hi, min(s, s * s / d) / 4)
        lj = np.stack([-((z + d / 2) ** 2), -((z - d / 2) ** 2)], 1) / (2 * s * s)
        lj += np.log(self.priors) - 0.5 * _LOG_2PI - math.log(s)
        integrand = np.exp(_logsumexp(lj)) * _entropy_rows(_log_normalise(lj))
        value, coarse = float(w @ integrand), float(w2 @ integrand)
        err = abs(value - coarse)
        return Floor(
            value,
            err,
            "Closed form: Bayes' rule for two Gaussian classes gives a logistic p(y|x) of "
            f"the projection on the line through the centres; the trapezoid rule over that "
            f"line ({len(z):,} nodes) has error {err:.1g} nats (against half the nodes).",
        )


class _Circles(_Classes):
    """Two circles (radius 1: class 0, radius 0.5: class 1) at uniform angles plus
    Gaussian noise (data._draw_circles): each class has the Rice density of |x|."""

    radii = np.array([1.0, 0.5])

    def __init__(self, name, values):
        super().__init__(name, values)
        self.sigma = data._noise_sd(self.noise)

    def _log_lik_radius(self, rho: np.ndarray) -> np.ndarray:
        """log p(x | k) as a function of rho = |x| (N,) -> (N, 2).

        Averaging N(x; r (cos a, sin a), s^2 I) over a uniform angle a gives
        exp(-(rho^2 + r^2) / 2s^2) I0(rho r / s^2) / (2 pi s^2); with the scaled Bessel
        function i0e(z) = exp(-z) I0(z) this is exp(-(rho - r)^2 / 2s^2) i0e(rho r / s^2)
        / (2 pi s^2), finite for every rho.
        """
        s2 = self.sigma**2
        rho = rho[:, None]
        i0e = torch.special.i0e(_t(rho * self.radii / s2)).numpy()
        return -((rho - self.radii) ** 2) / (2 * s2) + np.log(i0e) - math.log(2 * math.pi * s2)

    def log_lik(self, X):
        rho = np.hypot(X[:, 0], X[:, 1])
        if self.sigma < _TINY_SD:
            return _one_hot_log(-np.abs(rho[:, None] - self.radii))
        return self._log_lik_radius(rho)

    def floor(self) -> Floor:
        if self.sigma == 0:
            return Floor(0.0, 0.0, "Exact: at noise 0 the two circles do not touch.")
        gap = float(self.radii[0] - self.radii[1])
        if gap > 80 * self.sigma:  # a point nearer the other circle: below Phi(-40) ~ e^-800
            return Floor(
                0.0,
                0.0,
                "Exact to double precision: the circles are more than 80 noise standard "
                "deviations apart, so p(y|x) is 0 or 1 wherever x has any density.",
            )
        s = self.sigma
        width = max(min(s, 2 * s * s), s / 10)  # the densities' and the posterior's scales
        values = []
        for f in (1.0, 2.0):
            rho, w = _gauss_legendre(0.0, 1.0 + 12 * s, f * width)
            lj = self._log_lik_radius(rho) + np.log(self.priors)
            density = np.exp(_logsumexp(lj)) * 2 * np.pi * rho  # density of |x|
            values.append(float(w @ (density * _entropy_rows(_log_normalise(lj)))))
        err = abs(values[0] - values[1])
        return Floor(
            values[0],
            err,
            "Closed form: p(y|x) depends on |x| only, through the Rice densities of the two "
            f"circles; Gauss-Legendre quadrature over |x| has error {err:.1g} nats "
            "(against panels twice as long).",
        )


class _Xor(_Classes):
    """Uniform squares [0.1, 1]^2 in the four quadrants plus Gaussian noise
    (data._draw_xor): class 1 in quadrants I and III, class 0 in II and IV."""

    def __init__(self, name, values):
        super().__init__(name, values)
        self.sigma = data._noise_sd(self.noise)

    def _log_side(self, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """log densities of one coordinate on the positive side (uniform on [0.1, 1]
        blurred by N(0, s^2)) and on the negative side."""
        s = self.sigma
        pos = _log_ndtr_diff((0.1 - u) / s, (1.0 - u) / s) - math.log(0.9)
        neg = _log_ndtr_diff((0.1 + u) / s, (1.0 + u) / s) - math.log(0.9)
        return pos, neg

    def log_lik(self, X):
        if self.sigma == 0:  # the limit: the nearer class's squares take everything
            return _one_hot_log(-np.stack([_square_gap(X, s=-1.0), _square_gap(X, s=1.0)], 1))
        p1, n1 = self._log_side(X[:, 0])
        p2, n2 = self._log_side(X[:, 1])
        same = np.logaddexp(p1 + p2, n1 + n2)  # quadrants I and III: class 1
        other = np.logaddexp(p1 + n2, n1 + p2)  # quadrants II and IV: class 0
        return np.stack([other, same], axis=1) + math.log(0.5)

    def floor(self) -> Floor:
        if self.sigma == 0:
            return Floor(0.0, 0.0, "Exact: at noise 0 the four squares do not touch.")
        return self._floor_by_draws(
            _CLOSED_DRAWS,
            "Closed form: each class is two uniform squares blurred by Gaussian noise, whose "
            "density is a product of normal CDF differences",
        )


def _square_gap(X: np.ndarray, *, s: float) -> np.ndarray:
    """Distance from raw X (N, 2) to the nearer of the squares [0.1, 1]^2 in the
    quadrants with x2 / x1 of sign ``s`` (1: class 1's, -1: class 0's)."""
    out = np.full(len(X), np.inf)
    for s1 in (-1.0, 1.0):
        corner = np.array([s1, s * s1])
        lo, hi = np.minimum(0.1 * corner, corner), np.maximum(0.1 * corner, corner)
        gap = np.maximum(np.maximum(lo - X, X - hi), 0.0)
        out = np.minimum(out, np.hypot(gap[:, 0], gap[:, 1]))
    return out


def _one_hot_log(score: np.ndarray) -> np.ndarray:
    """The noise -> 0 limit of log p(x | k) off the support: all mass on the best score
    (ties shared), as log-values (N, C) with -inf elsewhere."""
    best = score == score.max(axis=1, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.log(best.astype(np.float64))


class _Curves(_Classes):
    """A curve per class, c_k(t) with t uniform, plus isotropic Gaussian noise."""

    def __init__(self, name, values):
        super().__init__(name, values)
        if name == "moons":  # data._draw_moons
            self.curves = [
                lambda t: np.stack([np.cos(t), np.sin(t)], -1),
                lambda t: np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], -1),
            ]
            self.t_range = (0.0, math.pi)
        else:  # data._draw_spiral_arms
            c = self.n_classes
            turns = 1.75 if name == "spiral" else 1.0
            self.curves = [_spiral_arm(k, c, turns) for k in range(c)]
            self.t_range = (0.0, 1.0)
        self.sigma = data._noise_sd(self.noise)
        self._node_cache: dict[tuple[float, float], _Nodes] = {}

    def _nodes(self, reach: float, scale: float = 1.0) -> _Nodes:
        """Quadrature nodes (see :func:`_curve_rule`) exact enough for points up to
        ``reach`` from the curves; kept for the next call."""
        key = (reach, scale)
        if key not in self._node_cache:
            if self.sigma == 0:  # only distances are needed: nodes 0.01 apart
                rules = [_curve_rule(c, *self.t_range, 0.01 / 3, 0.0) for c in self.curves]
            else:
                rules = [
                    _curve_rule(c, *self.t_range, self.sigma, reach, scale) for c in self.curves
                ]
            self._node_cache[key] = _group(rules)
        return self._node_cache[key]

    def log_lik(self, X):
        if self.sigma == 0:  # the limit: the nearest curve takes all the probability
            return _one_hot_log(-_curve_distance2(X, self._nodes(0.0)))
        # Nodes exact for the farthest point, at least 16 and at most 64 noise sd away
        # (in steps of 2, so they are reused). Farther out, p(y|x) is 0 or 1 to within
        # e^-1000 but on a band about sd^2 / distance wide around the boundary, and an
        # error of the order of a nat in log p(x|y) moves that band by a fraction of
        # its width.
        t = np.linspace(*self.t_range, 257)
        coarse = np.concatenate([c(t) for c in self.curves])  # (257 C, 2)
        far = 0.0
        for a in range(0, len(X), 4096):
            x = X[a : a + 4096]
            d2 = (x * x).sum(1)[:, None] + (coarse**2).sum(1) - 2.0 * x @ coarse.T
            far = max(far, float(np.sqrt(max(d2.min(axis=1).max(), 0.0))))
        steps = math.ceil(math.log2(min(max(far / self.sigma, 16.0), 64.0)))
        return _curve_log_lik(X, self._nodes(2.0**steps * self.sigma), self.sigma)

    def _entropies(self, X: np.ndarray, nodes: _Nodes) -> np.ndarray:
        """H(p(y|x)) at raw X (N, 2). A point near one class's curve only (every other
        class's nearest node more than _CUT nats further away in the Gaussian's
        exponent) has H = 0 to within about 1e-11; only the others are computed."""
        contested = np.zeros(len(X), dtype=bool)
        for a, b in _chunks(len(X), nodes):
            keep = _keep(X[a:b], nodes, 2.0 * self.sigma**2 * _CUT)
            first = nodes.label[np.argmax(keep, axis=1)]  # (n,) class of a kept group
            contested[a:b] = (keep & (nodes.label[None] != first[:, None])).any(axis=1)
        H = np.zeros(len(X))
        if contested.any():
            lj = _curve_log_lik(X[contested], nodes, self.sigma) + np.log(self.priors)
            H[contested] = _entropy_rows(_log_normalise(lj))
        return H

    def floor(self) -> Floor:
        if self.sigma == 0:
            return Floor(0.0, 0.0, "Exact: at noise 0 the curves do not touch.")
        X, y = self._draws(_CURVE_DRAWS)
        # H matters where the classes meet, a few noise sd from the curves (nodes for
        # points up to 2 sd away move no floor by more than 1e-7 against 40 sd)
        rules = [self._nodes(2 * self.sigma, scale) for scale in (1.0, 2.0)]
        H = [self._entropies(X, nodes) for nodes in rules]
        value, se = _stratified_mean(H[0], y, self.priors)
        quad = abs(value - _stratified_mean(H[1], y, self.priors)[0])
        n_nodes = int(np.isfinite(rules[0].log_w).sum())
        return Floor(
            value,
            _combine(quad, se),
            "Numerical: p(x|y) is the average over the curve's parameter of a Gaussian "
            f"around the curve, done by Gauss-Legendre quadrature ({n_nodes:,} nodes; error "
            f"{quad:.1g} nats against panels twice as long); the average of H(p(y|x)) over "
            f"x uses {_CURVE_DRAWS:,} draws of the generator (Monte-Carlo standard error "
            f"{se:.1g} nats).",
        )


def _spiral_arm(k: int, c: int, turns: float):
    def arm(t):
        r = 0.05 + 0.95 * t
        theta = 2 * np.pi * (turns * t + k / c)
        return np.stack([r * np.cos(theta), r * np.sin(theta)], -1)

    return arm


class _Targets(_Truth):
    """Regression and counts: the conditional density (or probability) of y given x,
    with x uniform on [-sqrt 3, sqrt 3]; the generator's ``truth`` gives its mean and
    spread on any x."""

    def __init__(self, name, values):
        super().__init__(name, values)
        self.task = self.generator.task
        self.params = {k: v for k, v in values.items() if k != "n"}

    def _curve(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The generator's mean and spread of y at x (N,) -> ((N,), (N,))."""
        frame = self.generator.truth(_t(x), **self.params)
        return frame["mean"].to_numpy(), frame["sd"].to_numpy()

    @abc.abstractmethod
    def log_prob(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """log p(y | x) for x (N,), y (N,) -> (N,)."""


def _gauss_log(r: np.ndarray, sd) -> np.ndarray:
    """log N(r; 0, sd^2); at sd = 0 the limit: +inf at r = 0, -inf elsewhere."""
    sd = np.broadcast_to(np.asarray(sd, np.float64), r.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = -0.5 * (r / sd) ** 2 - np.log(sd) - 0.5 * _LOG_2PI
    return np.where(sd > 0, z, np.where(r == 0, np.inf, -np.inf))


class _Gaussian(_Targets):
    """y = mean(x) + sd(x) * N(0, 1): linear, sine, heteroscedastic."""

    def log_prob(self, x, y):
        mean, sd = self._curve(x)
        return _gauss_log(y - mean, sd)

    def floor(self) -> Floor:
        if self.noise == 0:
            return _DETERMINISTIC
        a, b = self._curve(np.array([-_SQRT3, _SQRT3]))[1]  # sd at both ends of x
        if math.isclose(a, b, rel_tol=1e-12):
            return Floor(
                0.5 * math.log(2 * math.pi * math.e * a * a),
                0.0,
                "Closed form: Gaussian noise of standard deviation s has entropy "
                "log(2 pi e s^2) / 2 whatever x is.",
            )
        # sd grows linearly from a to b over x uniform: E[log sd] = (b ln b - a ln a)/(b - a) - 1
        mean_log_sd = (b * math.log(b) - a * math.log(a)) / (b - a) - 1.0
        return Floor(
            0.5 * math.log(2 * math.pi * math.e) + mean_log_sd,
            0.0,
            "Closed form: Gaussian noise whose standard deviation s(x) grows linearly in x; "
            "the average of log(2 pi e s(x)^2) / 2 over the uniform x is exact.",
        )


_DETERMINISTIC = Floor(
    -math.inf,
    0.0,
    "Exact: at noise 0 every y lies on the curve (an outlier aside), so y has no density "
    "around it: a model can push its loss down without bound.",
)


class _Outliers(_Targets):
    """y = 0.8 x + 0.3 + noise * N(0, 1), and k = round(fraction * n) points moved down by
    U(3, 6) (data._gen_outliers): the residual's density is the same for every x."""

    low, high = 3.0, 6.0  # the displacement of an outlier

    def __init__(self, name, values):
        super().__init__(name, values)
        n = int(values["n"])
        self.share = math.floor(float(values["outlier_fraction"]) * n + 0.5) / n  # k / n

    def _log_residual(self, r: np.ndarray) -> np.ndarray:
        """log density of r = y - line(x): (1 - rho) N(r; 0, s^2) + rho U(-6, -3) * N."""
        s, rho, width = self.noise, self.share, self.high - self.low
        if s == 0:
            inside = (r >= -self.high) & (r <= -self.low)
            with np.errstate(divide="ignore"):
                box = np.where(inside, math.log(rho / width) if rho else -np.inf, -np.inf)
            return np.where(r == 0, np.inf, box)
        with np.errstate(divide="ignore"):
            ordinary = math.log1p(-rho) + _gauss_log(r, s)
            moved = math.log(rho / width) if rho else -np.inf
        moved = moved + _log_ndtr_diff((r + self.low) / s, (r + self.high) / s)
        return np.logaddexp(ordinary, moved)

    def log_prob(self, x, y):
        mean, _ = self._curve(x)
        return self._log_residual(y - mean)

    def floor(self) -> Floor:
        s = self.noise
        if s == 0:
            return _DETERMINISTIC
        if self.share == 0:
            return Floor(
                0.5 * math.log(2 * math.pi * math.e * s * s),
                0.0,
                "Closed form: no outliers at this size, so the noise is Gaussian.",
            )
        r, w, w2 = _trapezoid(-self.high - 12 * s, 12 * s, s / 8)
        log_p = self._log_residual(r)
        integrand = -np.exp(log_p) * log_p
        value, coarse = float(w @ integrand), float(w2 @ integrand)
        err = abs(value - coarse)
        return Floor(
            value,
            err,
            f"Numerical: the residual y - line(x) is a mixture of Gaussian noise ({1 - self.share:.3g}) "
            f"and outliers moved down by a uniform amount ({self.share:.3g}), the same for "
            f"every x; its entropy by the trapezoid rule ({len(r):,} nodes) has error "
            f"{err:.1g} nats (against half the nodes).",
        )


class _Counts(_Targets):
    """y ~ Poisson(rate(x)); with noise s > 0 the rate is multiplied by
    exp(s z - s^2 / 2), z ~ N(0, 1) (data._gen_counts): a Poisson-lognormal mixture."""

    def _log_rate(self, x: np.ndarray) -> np.ndarray:
        # the generator's truth gives the mean count, which is the Poisson rate exp(eta(x))
        frame = self.generator.truth(_t(x), noise=0.0)
        return np.log(frame["mean"].to_numpy())

    def log_prob(self, x, y):
        y = np.asarray(y, np.float64)
        eta = self._log_rate(x)
        s = self.noise
        lg = torch.lgamma(_t(y + 1.0)).numpy()
        if s == 0:
            return y * eta - np.exp(eta) - lg
        out = np.empty(len(y))
        mu = eta - 0.5 * s * s  # (N,) mean of the log-rate
        for k in np.unique(y):
            at = np.flatnonzero(y == k)
            # z-grid fine enough for Poisson(k; e^u), whose width in z is 1 / (s sqrt k)
            h = min(1.0, 1.0 / (s * math.sqrt(k + 1.0))) / 4
            lo = min(-9.0, (math.log(k + 0.5) - mu[at].max()) / s - 1.0)
            hi = max(9.0, (math.log(k + 0.5) - mu[at].min()) / s + 1.0)
            z, w, _ = _trapezoid(lo, hi, h)
            u = mu[at, None] + s * z[None]  # (n_k, Z) log-rates
            terms = k * u - np.exp(u) - 0.5 * z * z + np.log(w)  # log Poisson * N(z) dz
            out[at] = _logsumexp(terms) - 0.5 * _LOG_2PI - lg[at]
        return out

    def _entropies(self, eta: np.ndarray, h_scale: float) -> tuple[np.ndarray, float]:
        """H(p(y|x)) at x with log-rates eta (M,), and the largest probability mass the
        truncated sum over counts misses (``h_scale`` multiplies the grid's step)."""
        s = self.noise
        top = float(eta.max()) + 6.5 * s  # rate quantile: P(z > 6.5) ~ 4e-11
        K = int(math.ceil(math.exp(top) + 12 * math.exp(top / 2) + 25))
        k = np.arange(K + 1, dtype=np.float64)
        lg = torch.lgamma(_t(k + 1.0)).numpy()
        if s == 0:
            log_p = eta[:, None] * k - np.exp(eta)[:, None] - lg  # (M, K+1)
        else:
            # p(k|x) = E_z[Poisson(k; e^u)], u = eta - s^2/2 + s z: the trapezoid rule over
            # u, with a step that resolves Poisson(k; e^u) (width 1/sqrt(k) in u) for the
            # counts that carry the mass
            mu = eta - 0.5 * s * s
            bulk = math.exp(float(mu.max()) + 5 * s)
            h = h_scale * min(s, 1.0 / math.sqrt(bulk + 1.0)) / 2
            u, w, _ = _trapezoid(float(mu.min()) - 8 * s, float(mu.max()) + 8 * s, h)
            dens = np.exp(-0.5 * ((u[None] - mu[:, None]) / s) ** 2) * (
                w / (s * math.sqrt(2 * math.pi))
            )
            p = np.zeros((len(eta), K + 1))
            for a in range(0, len(u), 64):  # a band of counts per block of log-rates
                ub = u[a : a + 64]
                lo_rate, hi_rate = math.exp(ub[0]), math.exp(ub[-1])
                k0 = max(0, int(lo_rate - 12 * math.sqrt(lo_rate) - 25))
                k1 = min(K + 1, int(hi_rate + 12 * math.sqrt(hi_rate) + 26))
                log_pois = ub[:, None] * k[k0:k1] - np.exp(ub)[:, None] - lg[k0:k1]
                p[:, k0:k1] += dens[:, a : a + 64] @ np.exp(log_pois)
            with np.errstate(divide="ignore"):
                log_p = np.log(p)
        missed = float(np.max(np.abs(1.0 - np.exp(_logsumexp(log_p)))))
        return _entropy_rows(log_p), missed

    def floor(self) -> Floor:
        values, missed = [], 0.0
        for m, h_scale in ((48, 1.0), (24, 2.0)):
            x, w = np.polynomial.legendre.leggauss(m)
            H, miss = self._entropies(self._log_rate(_SQRT3 * x), h_scale)
            values.append(float(w @ H) / 2)
            missed = max(missed, miss)
        err = _combine(abs(values[0] - values[1]), missed)
        what = (
            "Numerical: the entropy of a Poisson distribution is a series summed over the counts"
            if self.noise == 0
            else "Numerical: the counts are a Poisson-lognormal mixture whose probabilities "
            "are integrals over the log-rate (trapezoid rule), then summed into an entropy"
        )
        return Floor(
            values[0],
            err,
            f"{what}; the average over x uses 48 Gauss-Legendre nodes, with error "
            f"{err:.1g} nats (against 24 nodes and a coarser grid, plus the truncated mass).",
        )


# --------------------------------------------------------------------------- the API

_KINDS = {
    "blobs": _Blobs,
    "multi_blobs": _Blobs,
    "circles": _Circles,
    "xor": _Xor,
    "moons": _Curves,
    "spiral": _Curves,
    "multi_spirals": _Curves,
    "linear": _Gaussian,
    "sine": _Gaussian,
    "heteroscedastic": _Gaussian,
    "outliers": _Outliers,
    "counts": _Counts,
}


@functools.lru_cache(maxsize=16)
def _truth(name: str, key: tuple) -> _Truth:
    return _KINDS[name](name, dict(key))


def _key(name, params: dict) -> tuple[str, tuple]:
    """The generator's name and its checked parameter values as a hashable key."""
    _, values = data._generator_values(name, params)
    return name, tuple(sorted(values.items()))


def floor(name: str, **params) -> Floor:
    """The floor of a synthetic data set: H(Y|X) of its generator, in nats.

    Parameters
    ----------
    name : a key of :data:`probnn.data.GENERATORS`.
    **params : the generator's parameters as :func:`probnn.data.make` takes them (``n``,
        ``noise``, ...); missing ones take their default. The seed does not matter: the
        floor belongs to the distribution, not to one draw from it. ``n`` matters a
        little: it fixes the class shares (n split as evenly as possible) and the number
        of outliers.

    Returns
    -------
    Floor
        ``value`` = H(Y|X) = E_x[H(p(y|x))], the lowest expected test loss (mean NLL,
        nats) any model can reach with the likelihood the data really has; ``error``,
        one standard error; ``method``, how. Cached: a pure function of its arguments.

    Raises
    ------
    probnn.data.DataError : unknown name or an invalid parameter (the message says which).
    """
    return _floor(*_key(name, params))


@functools.lru_cache(maxsize=512)
def _floor(name: str, key: tuple) -> Floor:
    return _truth(name, key).floor()


def conditional_entropy(dataset: Dataset) -> Floor | None:
    """:func:`floor` of the generator ``dataset`` was drawn from, or None when it has no
    known generator (a user's CSV, or a data set built outside :func:`probnn.data.make`)."""
    resolved = _resolve_dataset(dataset, strict=False)
    return None if resolved is None else _floor(resolved[0], resolved[1])


def _resolve_dataset(dataset, *, strict: bool = True):
    """(name, key, seed) of a data set drawn by probnn.data.make, else None or DataError."""
    name = getattr(dataset, "name", None)
    known = (
        isinstance(dataset, Dataset)
        and dataset.source == "synthetic"
        and name in data.GENERATORS
        and set(dataset.params) == {p.name for p in data.GENERATORS[name].params}
    )
    if not known:
        if not strict:
            return None
        raise DataError(
            f"The data set {str(name)[:40]!r} was not drawn by one of probnn's generators, "
            "so its true distribution is unknown; choose a synthetic data set."
        )
    return (*_key(name, dataset.params), int(dataset.seed))


def _resolve(source, seed, params) -> tuple[str, tuple, int]:
    if isinstance(source, str):
        name, key = _key(source, params)
        return name, key, data._check_seed(seed)
    if params:
        raise TypeError("give the parameters only with a generator's name, not with a Dataset")
    return _resolve_dataset(source)


@functools.lru_cache(maxsize=64)
def _scaling(name: str, key: tuple, seed: int) -> tuple[np.ndarray, float] | None:
    """(mean (2,), scale) of the common rescale the generator applied to the sample drawn
    with ``seed`` (stored = (raw - mean) / scale), found by replaying the draw; None for
    the 1-D sets, which are not rescaled."""
    g = data.GENERATORS[name]
    if g.raw is None:
        return None
    values = dict(key)
    params = {k: v for k, v in values.items() if k != "n"}
    X, _ = g.raw(int(values["n"]), torch.Generator().manual_seed(seed), **params)
    mean = X.mean(dim=0)  # exactly as data._unit_scale
    scale = X.var(dim=0).mean().sqrt().clamp_min(1e-12)
    return mean.numpy(), float(scale)


def _raw(name: str, key: tuple, seed: int, X) -> np.ndarray:
    X = np.asarray(X.detach().cpu() if isinstance(X, torch.Tensor) else X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    scaling = _scaling(name, key, seed)
    return X if scaling is None else X * scaling[1] + scaling[0]


def posterior(source, X, *, seed: int = 0, **params) -> np.ndarray:
    """The true (Bayes-optimal) p(y = k | x) of a synthetic classification set.

    Parameters
    ----------
    source : a Dataset from :func:`probnn.data.make`, or a generator's name (then
        ``seed`` and ``**params`` as :func:`probnn.data.make` takes them).
    X : (N, 2) inputs in the data set's own (rescaled) coordinates, as ``X_train``.

    Returns
    -------
    (N, C) float64 probabilities, rows summing to 1: Bayes' rule,
    p(k | x) = pi_k p(x | k) / sum_j pi_j p(x | j), with the class shares pi and the same
    p(x | k) as :func:`floor`. At noise 0 (curves, circles, squares that do not touch)
    p(x | k) is 0 off the pattern; there the limit of small noise is used: the nearest
    class's pattern takes all the probability.
    """
    name, key, seed = _resolve(source, seed, params)
    truth = _truth(name, key)
    if not isinstance(truth, _Classes):
        raise DataError(
            f"{name} is a {truth.task} data set: its truth is the curve of the mean and the "
            "spread of y (Dataset.truth), not class probabilities."
        )
    return np.exp(truth.log_posterior(_raw(name, key, seed, X)))


def log_prob(source, X, y, *, seed: int = 0, **params) -> np.ndarray:
    """log p(y | x) under the true distribution, nats, for each point: (N,).

    A class's log-probability for classification, the log-density of y for regression,
    the log-probability of the count for counts. ``-log_prob(...).mean()`` over a test
    set is the Bayes-optimal model's test loss, whose expectation is the floor. Arguments
    as :func:`posterior`; X is (N, D) (or (N,) for the 1-D sets), y (N,).
    """
    name, key, seed = _resolve(source, seed, params)
    truth = _truth(name, key)
    Xr = _raw(name, key, seed, X)
    y = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y).reshape(-1)
    if isinstance(truth, _Classes):
        return truth.log_posterior(Xr)[np.arange(len(y)), y.astype(np.int64)]
    return truth.log_prob(Xr[:, 0], y.astype(np.float64))


def bayes_grid(source, xs, ys, *, seed: int = 0, **params) -> np.ndarray:
    """The true p(y | x) on a grid, for a map next to a model's ``Run.predict_grid``.

    Parameters
    ----------
    source : a Dataset from :func:`probnn.data.make`, or a generator's name (then
        ``seed`` and ``**params`` as :func:`probnn.data.make` takes them).
    xs : (W,) values of the first feature; ys : (H,) values of the second, in the data
        set's coordinates (e.g. from :func:`probnn.live.plane`).

    Returns
    -------
    (H, W) probabilities of class 1 for a binary set, (H, W, C) class probabilities for
    a multiclass one; entry [i, j] is at (xs[j], ys[i]). Computed as :func:`posterior`.
    """
    xs = np.asarray(xs, dtype=np.float64).reshape(-1)
    ys = np.asarray(ys, dtype=np.float64).reshape(-1)
    gy, gx = np.meshgrid(ys, xs, indexing="ij")  # (H, W) each
    p = posterior(source, np.stack([gx.ravel(), gy.ravel()], 1), seed=seed, **params)
    p = p.reshape(len(ys), len(xs), p.shape[1])
    return p[..., 1] if p.shape[2] == 2 else p


def kl_gap(test_loss: float, floor: Floor) -> float:
    """``test_loss - floor.value``: the KL divergence of the model from the truth, in nats.

    The test loss (mean NLL over the test set) estimates the cross-entropy
    E[-log q(y|x)] = H(Y|X) + E_x[KL(p(.|x) || q(.|x))]; taking the floor away leaves the
    KL term, which is never negative. This is a sampling estimate: on a small test set
    the test loss scatters around its expectation by about its standard error, so the
    gap can dip below 0 for a model close to the truth. It measures a KL only when the
    model's likelihood describes y of the same kind (class probabilities for classes, a
    density for continuous y, probabilities of counts); +inf when the floor is -inf.
    """
    return float(test_loss) - float(floor.value)
