"""Fit one Gaussian q to a two-mode mixture p by gradient descent on a KL divergence.

The two directions of KL ask different things of q:

* forward, KL(p || q) = E_p[log p - log q]: q is punished wherever p has mass and q
  has little, so q spreads to cover both modes. For a Gaussian q the minimiser is
  moment matching: q's mean and variance equal p's.
* reverse, KL(q || p) = E_q[log q - log p]: q is punished wherever q has mass and p
  has little, so q settles on one mode (which one depends on where it starts).

Both divergences are computed by quadrature on one fixed grid (composite Simpson rule),
which is differentiable in q's parameters, and minimised by gradient descent on
(mu, log sigma), each gradient scaled by q's Fisher information (a natural-gradient
step) so that one step size suits a narrow q and a wide one alike.
Everything is deterministic: the only randomness (an optional random start) comes
from an explicit seed.

``sweep`` draws the landscape such a fit walks on for any pair of families: H(p, q)
and KL(p || q) as one parameter of q moves.

    >>> p = Mixture()
    >>> records = list(fit(p, FitConfig(direction="forward")))
    >>> records[-1].mu, records[-1].sigma   # close to p.mean, p.std
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch.distributions import Categorical, Distribution, MixtureSameFamily, Normal

from probnn import info
from probnn.families import Family

__all__ = [
    "DIRECTIONS",
    "FitConfig",
    "Grid",
    "Mixture",
    "Record",
    "fit",
    "fit_both",
    "kl",
    "kl_error",
    "sweep",
]

DIRECTIONS = ("forward", "reverse")
SIGMA_MIN = 0.1  # q's spread is kept above this so the grid resolves it
SIGMA_MAX = 20.0


@dataclass(frozen=True)
class Mixture:
    """A two-component Gaussian mixture p(x) = w N(x; m1, s1^2) + (1 - w) N(x; m2, s2^2)."""

    weight: float = 0.5  # w, the weight of the first (left) component, in (0, 1)
    mean1: float = -2.0  # m1
    mean2: float = 2.0  # m2
    sigma1: float = 0.6  # s1 > 0
    sigma2: float = 0.6  # s2 > 0

    def __post_init__(self):
        if not (0.0 < self.weight < 1.0):
            raise ValueError(f"weight={self.weight} must lie strictly between 0 and 1.")
        if not (self.sigma1 > 0 and self.sigma2 > 0):
            raise ValueError(f"sigmas ({self.sigma1}, {self.sigma2}) must be positive.")

    def distribution(self) -> MixtureSameFamily:
        """The mixture as a ``torch.distributions`` object (float64)."""
        w = torch.tensor([self.weight, 1.0 - self.weight], dtype=torch.float64)
        loc = torch.tensor([self.mean1, self.mean2], dtype=torch.float64)
        scale = torch.tensor([self.sigma1, self.sigma2], dtype=torch.float64)
        return MixtureSameFamily(Categorical(probs=w), Normal(loc, scale))

    @property
    def mean(self) -> float:
        """E_p[x] = w m1 + (1 - w) m2."""
        return self.weight * self.mean1 + (1 - self.weight) * self.mean2

    @property
    def variance(self) -> float:
        """Var_p[x] = sum_k w_k (s_k^2 + m_k^2) - mean^2 (law of total variance)."""
        w = self.weight
        second = w * (self.sigma1**2 + self.mean1**2) + (1 - w) * (self.sigma2**2 + self.mean2**2)
        return second - self.mean**2

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x) by logsumexp over the components; x (n,) -> (n,)."""
        return self.distribution().log_prob(x)

    def pdf(self, x) -> np.ndarray:
        """p(x) at the points x (array-like (n,)) as a float64 numpy array (for plotting)."""
        t = torch.as_tensor(np.asarray(x, dtype=np.float64))
        return torch.exp(self.log_prob(t)).numpy()


@dataclass(frozen=True)
class Grid:
    """The fixed quadrature grid: ``n`` points (odd, for Simpson's rule) on [low, high]."""

    low: float
    high: float
    n: int = 1001

    @classmethod
    def for_mixture(cls, p: Mixture, n: int = 1001) -> Grid:
        """A grid reaching 10 component sigmas past either mode (p's mass outside < 1e-20)
        and 10 of p's standard deviations either side of its mean, so that a q no wider
        than p stays well inside. ``n`` is rounded up to 4k + 1 points (Simpson's rule on
        this grid and on every other point of it, for the error estimate)."""
        lo = min(p.mean1 - 10 * p.sigma1, p.mean2 - 10 * p.sigma2, p.mean - 10 * p.std)
        hi = max(p.mean1 + 10 * p.sigma1, p.mean2 + 10 * p.sigma2, p.mean + 10 * p.std)
        return cls(lo, hi, n + (1 - n) % 4)

    def coarse(self) -> Grid:
        """Every other point of this grid (step 2h), for Richardson's error estimate."""
        if (self.n - 1) % 4:
            raise ValueError(f"a grid of {self.n} points has no Simpson half-grid; use 4k + 1.")
        return Grid(self.low, self.high, (self.n - 1) // 2 + 1)

    def points(self) -> torch.Tensor:
        return torch.linspace(self.low, self.high, self.n, dtype=torch.float64)  # (n,)

    def weights(self) -> torch.Tensor:
        """Composite Simpson weights h/3 (1, 4, 2, 4, ..., 2, 4, 1)."""
        h = (self.high - self.low) / (self.n - 1)
        w = torch.full((self.n,), 2.0, dtype=torch.float64)
        w[1::2] = 4.0
        w[0] = w[-1] = 1.0
        return w * (h / 3)  # (n,)

    @property
    def spacing(self) -> float:
        return (self.high - self.low) / (self.n - 1)


@dataclass(frozen=True)
class FitConfig:
    """How to fit q = N(mu, sigma^2) to p."""

    direction: str = "forward"  # "forward": KL(p || q); "reverse": KL(q || p)
    steps: int = 150  # gradient steps
    lr: float = 0.08  # step size of the natural-gradient step
    max_move: float = 0.5  # largest change of mu or log sigma in one step
    init_mu: float | None = None  # starting mean; None draws one from N(mean_p, var_p)
    init_sigma: float = 1.0  # starting standard deviation
    seed: int = 0  # seeds the random start when init_mu is None
    grid_points: int = 1001  # quadrature points (odd)

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction={self.direction!r}; use 'forward' or 'reverse'.")
        if self.steps < 0:
            raise ValueError(f"steps={self.steps} must be >= 0.")
        if not (SIGMA_MIN <= self.init_sigma <= SIGMA_MAX):
            raise ValueError(
                f"init_sigma={self.init_sigma} must lie in [{SIGMA_MIN}, {SIGMA_MAX}]."
            )


@dataclass(frozen=True)
class Record:
    """One point of a fit: q's parameters after ``step`` updates and the KL there (nats)."""

    step: int
    mu: float
    sigma: float
    kl: float


def _kl_on_grid(
    direction: str,
    log_p: torch.Tensor,
    x: torch.Tensor,
    w: torch.Tensor,
    mu: torch.Tensor,
    log_sigma: torch.Tensor,
) -> torch.Tensor:
    """KL in nats by Simpson quadrature; differentiable in mu and log_sigma.

    log_p, x, w: (n,) log-density of p, grid points, quadrature weights.
    """
    sigma = log_sigma.exp()
    log_q = -0.5 * ((x - mu) / sigma) ** 2 - log_sigma - 0.5 * math.log(2 * math.pi)  # (n,)
    if direction == "forward":
        integrand = log_p.exp() * (log_p - log_q)
    else:
        integrand = log_q.exp() * (log_q - log_p)
    return (w * integrand).sum()


def kl(
    p: Mixture, mu: float, sigma: float, direction: str = "forward", grid: Grid | None = None
) -> float:
    """KL(p || q) ("forward") or KL(q || p) ("reverse") in nats for q = N(mu, sigma^2),
    by the same Simpson quadrature the fit uses."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction={direction!r}; use 'forward' or 'reverse'.")
    grid = grid or Grid.for_mixture(p)
    x = grid.points()
    value = _kl_on_grid(
        direction,
        p.log_prob(x),
        x,
        grid.weights(),
        torch.tensor(float(mu), dtype=torch.float64),
        torch.tensor(math.log(sigma), dtype=torch.float64),
    )
    return max(float(value), 0.0)


def kl_error(
    p: Mixture, mu: float, sigma: float, direction: str = "forward", grid: Grid | None = None
) -> float:
    """An estimate of the quadrature error of ``kl`` (nats): Simpson's rule with step h
    against step 2h, |S_h - S_2h| / 15 (Richardson), times 10 for safety."""
    grid = grid or Grid.for_mixture(p)
    fine = kl(p, mu, sigma, direction, grid)
    coarse = kl(p, mu, sigma, direction, grid.coarse())
    return 10 * abs(fine - coarse) / 15


def _start(p: Mixture, config: FitConfig) -> float:
    if config.init_mu is not None:
        return float(config.init_mu)
    g = torch.Generator().manual_seed(int(config.seed))
    return p.mean + p.std * float(torch.randn((), generator=g, dtype=torch.float64))


def fit(p: Mixture, config: FitConfig = FitConfig()) -> Iterator[Record]:
    """Gradient descent on KL from ``config.direction``; yields ``steps + 1`` records
    (step 0 is the start), each with q's (mu, sigma) and the KL in nats at those values.

    Each step is a natural-gradient step: the gradient with respect to (mu, log sigma)
    is divided by q's Fisher information diag(1 / sigma^2, 2), so a step moves mu by
    ``lr * sigma^2 * dKL/dmu`` whatever q's width, and each coordinate's move is clipped
    to ``max_move``. Deterministic: the same ``p`` and ``config`` give the same records.
    """
    grid = Grid.for_mixture(p, config.grid_points)
    x, w = grid.points(), grid.weights()  # (n,), (n,)
    log_p = p.log_prob(x)  # (n,)
    mu = torch.tensor(_start(p, config), dtype=torch.float64, requires_grad=True)
    log_sigma = torch.tensor(math.log(config.init_sigma), dtype=torch.float64, requires_grad=True)
    lo, hi = math.log(SIGMA_MIN), math.log(SIGMA_MAX)
    for step in range(config.steps + 1):
        value = _kl_on_grid(config.direction, log_p, x, w, mu, log_sigma)
        yield Record(
            step,
            float(mu.detach()),
            math.exp(float(log_sigma.detach())),
            max(float(value.detach()), 0.0),
        )
        if step == config.steps:
            break
        g_mu, g_ls = torch.autograd.grad(value, (mu, log_sigma))
        with torch.no_grad():
            sigma2 = torch.exp(2 * log_sigma)
            move_mu = (config.lr * sigma2 * g_mu).clamp(-config.max_move, config.max_move)
            move_ls = (config.lr * g_ls / 2).clamp(-config.max_move, config.max_move)
            mu.sub_(move_mu).clamp_(grid.low, grid.high)
            log_sigma.sub_(move_ls).clamp_(lo, hi)


def fit_both(
    p: Mixture,
    *,
    steps: int = 150,
    init_mu: float | None = None,
    init_sigma: float = 1.0,
    seed: int = 0,
    lr: float = 0.08,
) -> dict[str, list[Record]]:
    """Both fits from the same start: {"forward": [...], "reverse": [...]}."""
    return {
        d: list(
            fit(
                p,
                FitConfig(
                    direction=d,
                    steps=steps,
                    lr=lr,
                    init_mu=init_mu,
                    init_sigma=init_sigma,
                    seed=seed,
                ),
            )
        )
        for d in DIRECTIONS
    }


def sweep(
    p: Distribution,
    q_family: Family,
    q_values: dict,
    param: str,
    grid: Sequence[float],
    *,
    base: float = math.e,
) -> pd.DataFrame:
    """H(p, q) and KL(p || q) as one parameter of q moves over ``grid``: the 1-D landscape
    that fitting q to p descends.

    Parameters
    ----------
    p : the data distribution (a ``torch.distributions`` object).
    q_family, q_values : the model's family and its other parameter values.
    param : the name of the parameter of q that moves.
    grid : the values it takes (within the parameter's range).
    base : logarithm base of the result (2: bits, e: nats).

    Returns
    -------
    DataFrame with columns value, cross_entropy, kl, method, error_bound, reason (one row
    per grid value; infinite values stay inf and carry the reason, finite ones None).
    Because H(p) does not depend on q, the two curves differ by the constant H(p) and
    have the same minimiser: H(p) is computed once and H(p, q) = H(p) + KL(p || q) at
    each point (as ``info.cross_entropy`` does for distributions), except for a bounded
    discrete p, where H(p, q) is its own exact sum.
    """
    h = info.entropy_detail(p, base=base)
    rows = []
    for v in grid:
        q = q_family.build(**{**q_values, param: v})
        kl_res = info.kl_divergence_detail(p, q, base=base)
        if kl_res.method == "exact sum":
            ce = info.cross_entropy_detail(p, q, base=base)
            ce_value, bound = float(ce.value), ce.error_bound + kl_res.error_bound
        else:
            ce_value = float(h.value) + float(kl_res.value)
            bound = h.error_bound + kl_res.error_bound
        rows.append(
            {
                "value": float(v),
                "cross_entropy": ce_value,
                "kl": float(kl_res.value),
                "method": kl_res.method,
                "error_bound": bound,
                "reason": kl_res.reason if math.isinf(float(kl_res.value)) else None,
            }
        )
    return pd.DataFrame(rows)
