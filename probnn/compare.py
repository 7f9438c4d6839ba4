"""Generative against discriminative classifiers, fitted on the same 2-D binary data.

The generative side is :class:`probnn.models.GaussianClassConditional`: it learns the
joint p(x, y) = p(y) p(x | y) with one Gaussian per class (closed form, maximum
likelihood) and classifies with Bayes' rule. The discriminative side is logistic
regression or a small MLP that learns p(y = 1 | x) = sigmoid(f(x)) directly by
minimising the Bernoulli negative log-likelihood (binary cross-entropy).

Everything here returns plain numbers, numpy arrays and DataFrames, so results can be
cached and charted without holding a live network:

* :func:`rebalance` sets the share of class 1 by subsampling;
* :func:`fit_generative`, :func:`fit_discriminative` and :func:`compare` fit the two
  models on the same data and score them on the same test set;
* :func:`grid_axes`, :func:`posterior_frame`, :func:`density_ellipses`,
  :func:`sample_frame` build the long-form tables the charts draw;
* :func:`probe` gives every term of the page's formulas at one point;
* :func:`learning_curve` (and :func:`curve_point`) scores both models as the training
  set grows, on nested subsets of one seeded pool per seed.

Training choices (documented because the learning curve must stay cheap): full-batch
Adam, learning rate 0.05, 300 steps, no weight decay; the fixed number of steps is the
only brake on over-confidence, as in a quick lab run. Logistic regression is the MLP
with no hidden layer; the "small MLP" has one hidden layer of 16 tanh units. A single
fit is a ``probnn.training.Run`` with the Bernoulli likelihood; the learning curve trains
the networks of all its seeds side by side as one stacked model (same paths, far less
per-step overhead), about 2100 optimiser steps for 7 sizes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import torch

from probnn import data as pdata
from probnn import likelihoods, training
from probnn.models import ACTIVATIONS, COVARIANCES, MLP, GaussianClassConditional, MLPConfig

__all__ = [
    "COVARIANCE_TITLES",
    "DISCRIMINATIVE_MODELS",
    "CURVE_SIZES",
    "CompareError",
    "GenerativeConfig",
    "DiscriminativeConfig",
    "DiscriminativeFit",
    "Scores",
    "Comparison",
    "Probe",
    "CurveConfig",
    "check_classes",
    "rebalance",
    "fit_generative",
    "fit_discriminative",
    "score_generative",
    "score_discriminative",
    "compare",
    "grid_axes",
    "posterior_frame",
    "density_ellipses",
    "sample_frame",
    "probe",
    "curve_point",
    "learning_curve",
    "summarise_curve",
]

COVARIANCE_TITLES = {
    "shared": "shared (LDA)",
    "full": "one per class (QDA)",
    "diagonal": "diagonal (naive Bayes)",
}
DISCRIMINATIVE_MODELS = {
    "logistic": "logistic regression",
    "mlp": "small MLP (16 tanh units)",
}
CURVE_SIZES = (10, 20, 50, 100, 200, 500, 1000)  # training-set sizes of the learning curve

_BERNOULLI = likelihoods.get("bernoulli")


class CompareError(ValueError):
    """The comparison cannot be made; the message says what to change."""


# --------------------------------------------------------------------------- configs


@dataclass(frozen=True)
class GenerativeConfig:
    covariance: str = "shared"  # "shared" (LDA), "full" (QDA) or "diagonal" (naive Bayes)
    reg: float = 1e-6  # added to every covariance's diagonal (keeps it invertible)
    singular_reg: float = 0.05  # used instead when a covariance is singular (e.g. one point)

    def __post_init__(self):
        if self.covariance not in COVARIANCES:
            raise CompareError(
                f"unknown covariance {self.covariance!r}; choose one of {', '.join(COVARIANCES)}."
            )


@dataclass(frozen=True)
class DiscriminativeConfig:
    model: str = "logistic"  # "logistic" (no hidden layer) or "mlp" (one hidden layer)
    hidden: int = 16  # units in the MLP's hidden layer
    activation: str = "tanh"  # the MLP's nonlinearity
    steps: int = 300  # full-batch Adam steps
    lr: float = 0.05  # Adam learning rate
    seed: int = 0  # seed of the initial weights

    def __post_init__(self):
        if self.model not in DISCRIMINATIVE_MODELS:
            raise CompareError(
                f"unknown model {self.model!r}; choose one of {', '.join(DISCRIMINATIVE_MODELS)}."
            )

    @property
    def hidden_layers(self) -> tuple[int, ...]:
        return () if self.model == "logistic" else (int(self.hidden),)


# --------------------------------------------------------------------------- data


def _np(a) -> np.ndarray:
    return a.detach().cpu().numpy() if torch.is_tensor(a) else np.asarray(a)


def check_classes(y) -> str | None:
    """A message when the binary labels ``y`` leave a class empty, else None."""
    y = _np(y)
    counts = [int((y == c).sum()) for c in (0, 1)]
    missing = [c for c in (0, 1) if counts[c] == 0]
    if not missing:
        return None
    if len(missing) == 2:
        return "There are no training points at all; raise the number of points."
    c = missing[0]
    return (
        f"Class {c} has no training points, so neither p(x | y={c}) nor a boundary can be "
        f"learned. Move the class-1 share away from {1 - c} or add points."
    )


def rebalance(X, y, share: float, *, seed: int = 0) -> tuple[np.ndarray, np.ndarray, str | None]:
    """Subsample so that a fraction ``share`` of the points are class 1.

    Keeps as many points as possible: the largest total m whose split into
    round(share * m) points of class 1 and the rest of class 0 is available; the
    points dropped are chosen at random (seeded). Returns (X, y, note) with
    X (M, D) float64, y (M,) int64 and a sentence saying what was dropped (None when
    nothing was). ``share`` = 0 or 1 empties a class on purpose (see check_classes).
    """
    X, y = np.asarray(_np(X), dtype=np.float64), np.asarray(_np(y), dtype=np.int64)
    if not (0.0 <= share <= 1.0):
        raise CompareError(f"the class-1 share must be between 0 and 1, got {share!r}.")
    idx0, idx1 = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    n0, n1 = len(idx0), len(idx1)
    # the largest total m whose rounded split (m - k1, k1 = round(share * m)) fits
    k0, k1 = 0, 0
    for m in range(n0 + n1, 0, -1):
        k1 = int(math.floor(share * m + 0.5))
        k0 = m - k1
        if k0 <= n0 and k1 <= n1:
            break
    rng = np.random.default_rng(seed)
    keep = np.sort(np.concatenate([rng.permutation(idx0)[:k0], rng.permutation(idx1)[:k1]]))
    note = None
    if k0 < n0 or k1 < n1:
        actual = k1 / (k0 + k1) if k0 + k1 else 0.0
        note = (
            f"Kept {k0 + k1} of {n0 + n1} points ({k0} of class 0, {k1} of class 1): "
            f"class 1 is {actual:.0%} of them, the closest whole-point split to {share:.0%}."
        )
    return X[keep], y[keep], note


# --------------------------------------------------------------------------- fitting


def fit_generative(X, y, config: GenerativeConfig = GenerativeConfig()) -> GaussianClassConditional:
    """Fit the Gaussian class-conditional model on binary data (maximum likelihood).

    When a covariance is singular (a class with one point, or points on a line) the
    fit is repeated with ``config.singular_reg`` x identity added to every covariance
    and ``notes_`` says so. Raises CompareError when a class is empty.
    """
    message = check_classes(y)
    if message:
        raise CompareError(message)
    X = np.asarray(_np(X), dtype=np.float64)
    y = np.asarray(_np(y), dtype=np.int64)
    model = GaussianClassConditional(config.covariance, reg=config.reg).fit(X, y, n_classes=2)
    if model.notes_:
        counts = np.bincount(y, minlength=2)
        which = [c for c in (0, 1) if counts[c] < 2]
        cause = (
            f"class {' and '.join(map(str, which))} has a single point"
            if which
            else "the points of a class lie on a line"
        )
        model = GaussianClassConditional(config.covariance, reg=config.singular_reg)
        model.fit(X, y, n_classes=2)
        model.notes_ = [
            f"A covariance is singular ({cause}), so its Gaussian has no density. "
            f"Regularised: added {config.singular_reg:g} × identity to every covariance."
        ]
    return model


@dataclass
class DiscriminativeFit:
    """A trained logistic regression / MLP as plain arrays.

    ``layers`` holds (W (out, in), b (out,)) per linear layer; ``activation`` sits
    between layers; the last layer gives the logit z, and p(y=1 | x) = sigmoid(z).
    ``losses`` is the training mean NLL (nats) before each step (steps,).
    """

    config: DiscriminativeConfig
    layers: list[tuple[np.ndarray, np.ndarray]]
    losses: np.ndarray  # (steps,)
    final_loss: float  # training mean NLL after the last step, nats

    def logits(self, X) -> np.ndarray:
        """The logit z(x) for X (N, D): (N,)."""
        h = np.asarray(_np(X), dtype=np.float64)
        for i, (W, b) in enumerate(self.layers):
            h = h @ W.T + b
            if i < len(self.layers) - 1:
                h = _ACT_NP[self.config.activation](h)
        return h[:, 0]

    def proba(self, X) -> np.ndarray:
        """p(y = 1 | x): (N,)."""
        return _sigmoid(self.logits(X))

    @property
    def n_parameters(self) -> int:
        return int(sum(W.size + b.size for W, b in self.layers))


_ACT_NP: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "tanh": np.tanh,
    "relu": lambda h: np.maximum(h, 0.0),
    "identity": lambda h: h,
    "sigmoid": lambda h: 0.5 * (1.0 + np.tanh(0.5 * h)),
}


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # stable for any z


def _train_stack(
    Xs: torch.Tensor, ys: torch.Tensor, config: DiscriminativeConfig, seeds: Sequence[int]
) -> list[DiscriminativeFit]:
    """Train S independent networks at once, one per seed, on S data sets of equal size.

    Xs (S, N, D) float32, ys (S, N) float32. The weights of network s start as
    ``MLP(..., seed=seeds[s])`` would. The summed loss has disjoint parameters per
    network and Adam works element by element, so each network follows exactly the
    path it would follow alone; stacking only saves per-step overhead.
    """
    S, _, D = Xs.shape
    cfg = MLPConfig(D, 1, hidden=config.hidden_layers, activation=config.activation)
    nets = [MLP(cfg, seed=int(s)) for s in seeds]
    linears = [[m for m in net.net if isinstance(m, torch.nn.Linear)] for net in nets]
    Ws = [
        torch.stack([ls[k].weight.detach() for ls in linears]).requires_grad_()
        for k in range(len(linears[0]))
    ]  # each (S, out, in)
    bs = [
        torch.stack([ls[k].bias.detach() for ls in linears]).requires_grad_()
        for k in range(len(linears[0]))
    ]  # each (S, out)
    act = ACTIVATIONS[config.activation]()

    def logits() -> torch.Tensor:
        h = Xs  # (S, N, D)
        for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
            h = torch.baddbmm(b[:, None, :], h, W.transpose(1, 2))  # (S, N, out)
            if k < len(Ws) - 1:
                h = act(h)
        return h[:, :, 0]  # (S, N)

    def per_net_loss() -> torch.Tensor:
        nll = _BERNOULLI.nll_per_example(logits().reshape(-1), ys.reshape(-1))
        return nll.reshape(ys.shape).mean(dim=1)  # (S,)

    opt = torch.optim.Adam([*Ws, *bs], lr=config.lr)
    losses = np.empty((S, int(config.steps)))
    for step in range(int(config.steps)):
        loss = per_net_loss()
        opt.zero_grad(set_to_none=True)
        loss.sum().backward()
        opt.step()
        losses[:, step] = loss.detach().numpy()
    with torch.no_grad():
        final = per_net_loss().numpy()
    fits = []
    for s in range(S):
        layers = [
            (W[s].detach().double().numpy().copy(), b[s].detach().double().numpy().copy())
            for W, b in zip(Ws, bs, strict=True)
        ]
        fits.append(
            DiscriminativeFit(
                replace(config, seed=int(seeds[s])), layers, losses[s], float(final[s])
            )
        )
    return fits


def fit_discriminative(
    X, y, config: DiscriminativeConfig = DiscriminativeConfig(), *, X_test=None, y_test=None
) -> DiscriminativeFit:
    """Train p(y=1 | x) = sigmoid(f(x)) with ``probnn.training.Run`` (Bernoulli likelihood).

    Full-batch Adam on the Bernoulli negative log-likelihood (binary cross-entropy on
    logits); f is ``probnn.models.MLP`` with ``config.hidden_layers`` (none: logistic
    regression), initial weights from ``config.seed``. Reproducible bit for bit. The
    optional test set only feeds the run's evaluations. Raises CompareError when a class
    is empty or the run diverges.
    """
    message = check_classes(y)
    if message:
        raise CompareError(message)
    if config.activation not in _ACT_NP:
        raise CompareError(
            f"activation {config.activation!r} is not available here; use one of "
            f"{', '.join(_ACT_NP)}."
        )
    Xt = torch.as_tensor(np.asarray(_np(X), dtype=np.float32))  # (N, D)
    yt = torch.as_tensor(np.asarray(_np(y), dtype=np.int64))  # (N,)
    if X_test is None:
        Xv, yv = Xt[:0], yt[:0]
    else:
        Xv = torch.as_tensor(np.asarray(_np(X_test), dtype=np.float32))
        yv = torch.as_tensor(np.asarray(_np(y_test), dtype=np.int64))
    dataset = pdata.Dataset("compare", "binary", Xt, yt, Xv, yv, n_classes=2)
    steps = int(config.steps)
    run = training.Run(
        training.TrainConfig(
            likelihood="bernoulli",
            hidden=config.hidden_layers,
            activation=config.activation,
            optimiser="adam",
            lr=config.lr,
            steps=steps,
            eval_every=steps,
            seed=config.seed,
        ),
        dataset,
    )
    run.advance(steps)
    if run.status == "diverged":
        raise CompareError(f"The discriminative model's training {run.stop_reason}")
    with torch.no_grad():
        final = float(_BERNOULLI.nll(run.model(Xt)[:, 0], yt.to(torch.float32)))
    linears = [m for m in run.model.net if isinstance(m, torch.nn.Linear)]
    layers = [
        (m.weight.detach().double().numpy().copy(), m.bias.detach().double().numpy().copy())
        for m in linears
    ]
    losses = run.history.train_loss[:steps].astype(np.float64).copy()
    return DiscriminativeFit(config, layers, losses, final)


# --------------------------------------------------------------------------- scoring


@dataclass(frozen=True)
class Scores:
    log_loss: float  # mean -log p(y | x) over the points, nats
    accuracy: float  # share of points whose most probable class is the label


def _log_loss_from_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Mean Bernoulli NLL from logits (nats), computed with logsigmoid."""
    zt = torch.as_tensor(z, dtype=torch.float64)
    yt = torch.as_tensor(y, dtype=torch.float64)
    return float(_BERNOULLI.nll(zt, yt))


def _generative_logit(model: GaussianClassConditional, X) -> np.ndarray:
    """log p(y=1 | x) - log p(y=0 | x) = log p(x, 1) - log p(x, 0): (N,)."""
    lj = model.log_joint(np.asarray(_np(X), dtype=np.float64))  # (N, 2)
    return _np(lj[:, 1] - lj[:, 0])


def score_generative(model: GaussianClassConditional, X, y) -> Scores:
    """Conditional log-loss and accuracy of the generative model's Bayes-rule posterior."""
    y = np.asarray(_np(y), dtype=np.int64)
    if len(y) == 0:
        return Scores(math.nan, math.nan)
    z = _generative_logit(model, X)
    return Scores(_log_loss_from_logits(z, y), float(((z > 0).astype(np.int64) == y).mean()))


def score_discriminative(fit: DiscriminativeFit, X, y) -> Scores:
    """Log-loss and accuracy of the trained discriminative model."""
    y = np.asarray(_np(y), dtype=np.int64)
    if len(y) == 0:
        return Scores(math.nan, math.nan)
    z = fit.logits(X)
    return Scores(_log_loss_from_logits(z, y), float(((z > 0).astype(np.int64) == y).mean()))


@dataclass
class Comparison:
    """Both models fitted on the same training points and scored on the same test points."""

    generative: GaussianClassConditional
    discriminative: DiscriminativeFit
    train: dict[str, Scores]  # "generative"/"discriminative" -> Scores on the training points
    test: dict[str, Scores]  # the same on the test points
    joint_nll: float  # generative model's mean -log p(x, y) on the training points, nats
    n_train: tuple[int, int]  # training points per class
    notes: list[str] = field(default_factory=list)  # what was regularised and why


def compare(
    X_train,
    y_train,
    X_test,
    y_test,
    generative: GenerativeConfig = GenerativeConfig(),
    discriminative: DiscriminativeConfig = DiscriminativeConfig(),
) -> Comparison:
    """Fit both models on (X_train, y_train) and score them on both sets."""
    gen = fit_generative(X_train, y_train, generative)
    disc = fit_discriminative(X_train, y_train, discriminative)
    y_tr = np.asarray(_np(y_train), dtype=np.int64)
    train = {
        "generative": score_generative(gen, X_train, y_train),
        "discriminative": score_discriminative(disc, X_train, y_train),
    }
    test = {
        "generative": score_generative(gen, X_test, y_test),
        "discriminative": score_discriminative(disc, X_test, y_test),
    }
    counts = np.bincount(y_tr, minlength=2)
    return Comparison(
        generative=gen,
        discriminative=disc,
        train=train,
        test=test,
        joint_nll=gen.nll(np.asarray(_np(X_train), dtype=np.float64), y_tr),
        n_train=(int(counts[0]), int(counts[1])),
        notes=list(gen.notes_),
    )


# --------------------------------------------------------------------------- chart tables


def grid_axes(bounds, n: int = 50) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres along x1 and x2 for a heatmap over ``bounds`` ((lo, hi), (lo, hi))."""
    (x_lo, x_hi), (y_lo, y_hi) = bounds[0], bounds[1]
    return np.linspace(x_lo, x_hi, n), np.linspace(y_lo, y_hi, n)


def posterior_frame(comparison: Comparison, xs: np.ndarray, ys: np.ndarray) -> pd.DataFrame:
    """p(y=1 | x) of both models on the grid: long-form (x1, x2, x1_end, x2_end, model, p1).

    Each row is a rectangle from (x1, x2) to (x1_end, x2_end) centred on a grid point.
    ``model`` is "generative" or "discriminative".
    """
    gx, gy = np.meshgrid(xs, ys)  # (ny, nx)
    pts = np.column_stack([gx.ravel(), gy.ravel()])  # (ny * nx, 2)
    dx = (xs[1] - xs[0]) / 2 if len(xs) > 1 else 0.5
    dy = (ys[1] - ys[0]) / 2 if len(ys) > 1 else 0.5
    frames = []
    probs = {
        "generative": _sigmoid(_generative_logit(comparison.generative, pts)),
        "discriminative": comparison.discriminative.proba(pts),
    }
    for name, p1 in probs.items():
        frames.append(
            pd.DataFrame(
                {
                    "x1": pts[:, 0] - dx,
                    "x2": pts[:, 1] - dy,
                    "x1_end": pts[:, 0] + dx,
                    "x2_end": pts[:, 1] + dy,
                    "model": name,
                    "p1": p1,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


# Squared Mahalanobis radii whose ellipses hold 50%, 90% and 99% of a 2-D Gaussian's mass:
# P(r^2 <= k) = 1 - exp(-k / 2) in two dimensions.
MASS_LEVELS = (0.5, 0.9, 0.99)


def density_ellipses(
    model: GaussianClassConditional, levels: Sequence[float] = MASS_LEVELS, n_points: int = 72
) -> pd.DataFrame:
    """Contours of each class density p(x | y=c) (2-D only).

    A Gaussian's contours are ellipses {mu + r L u : |u| = 1} with L the Cholesky factor;
    the radius r for a level m holds a mass m: r^2 = -2 log(1 - m).
    Returns long-form (x1, x2, cls, level, order, density) where ``density`` is the
    value p(x | y=c) on that contour.
    """
    if model.n_features_ != 2:
        raise CompareError("density contours are drawn for 2-D inputs only.")
    t = np.linspace(0.0, 2.0 * math.pi, n_points)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, n_points)
    means, chol = _np(model.means_), _np(model.cholesky_)
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)  # (C,)
    rows = []
    for c in range(model.n_classes_):
        for m in levels:
            r2 = -2.0 * math.log(1.0 - m)
            pts = means[c][:, None] + math.sqrt(r2) * chol[c] @ circle  # (2, n_points)
            dens = math.exp(-0.5 * (r2 + log_det[c]) - math.log(2 * math.pi))
            rows.append(
                pd.DataFrame(
                    {
                        "x1": pts[0],
                        "x2": pts[1],
                        "cls": str(c),
                        "level": f"{m:.0%}",
                        "order": np.arange(n_points),
                        "density": dens,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def sample_frame(model: GaussianClassConditional, n: int, *, seed: int) -> pd.DataFrame:
    """n new pairs (x, y) drawn from the fitted p(x, y), seeded: (x1, x2, cls)."""
    X, y = model.sample(int(n), generator=torch.Generator().manual_seed(int(seed)))
    X = _np(X)
    return pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "cls": _np(y).astype(str)})


@dataclass(frozen=True)
class Probe:
    """Every term of the formulas at one point x (2-D), for both models."""

    x: tuple[float, float]
    prior: tuple[float, float]  # p(y=0), p(y=1)
    density: tuple[float, float]  # p(x | y=0), p(x | y=1)
    log_density: tuple[float, float]  # log p(x | y=c), nats
    joint: tuple[float, float]  # p(x, y=c) = p(c) p(x | c)
    evidence: float  # p(x) = sum_c p(x, y=c)
    generative_p1: float  # p(y=1 | x) by Bayes' rule
    discriminative_logit: float  # z(x)
    discriminative_p1: float  # sigmoid(z(x))


def probe(
    generative: GaussianClassConditional, discriminative: DiscriminativeFit, x: Sequence[float]
) -> Probe:
    """The generative and discriminative quantities at the point ``x`` (D,)."""
    gen = generative
    pt = np.asarray(x, dtype=np.float64).reshape(1, -1)
    # log N(x; mu_c, Sigma_c) in numpy from the fitted Cholesky factors (one point: torch's
    # per-call overhead would dominate); checked against scipy in the tests
    means, chol = _np(gen.means_), _np(gen.cholesky_)  # (C, D), (C, D, D)
    z = np.linalg.solve(chol, (pt[0] - means)[:, :, None])[:, :, 0]  # (C, D) = L^-1 (x - mu)
    log_det = 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)  # (C,)
    d = pt.shape[1]
    log_dens = -0.5 * ((z**2).sum(axis=1) + log_det + d * math.log(2 * math.pi))  # (C,)
    log_prior = np.log(_np(gen.priors_))
    log_joint = log_prior + log_dens  # (C,) log p(x, y=c)
    log_evidence = float(np.logaddexp(log_joint[0], log_joint[1]))
    z = float(discriminative.logits(pt)[0])
    return Probe(
        x=(float(pt[0, 0]), float(pt[0, 1])),
        prior=tuple(float(v) for v in np.exp(log_prior)),
        density=tuple(float(v) for v in np.exp(log_dens)),
        log_density=tuple(float(v) for v in log_dens),
        joint=tuple(float(v) for v in np.exp(log_joint)),
        evidence=math.exp(log_evidence),
        generative_p1=math.exp(float(log_joint[1]) - log_evidence),
        discriminative_logit=z,
        discriminative_p1=float(_sigmoid(np.array(z))),
    )


# --------------------------------------------------------------------------- learning curve


@dataclass(frozen=True)
class CurveConfig:
    dataset: str = "moons"  # a binary generator of probnn.data
    noise: float = 0.3  # the generator's noise
    share: float = 0.5  # fraction of class 1 in training and test sets
    sizes: tuple[int, ...] = CURVE_SIZES  # training-set sizes
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)  # one pool and one test set per seed
    n_test: int = 2000  # points drawn for each seed's test set (before rebalancing)
    generative: GenerativeConfig = GenerativeConfig()
    discriminative: DiscriminativeConfig = DiscriminativeConfig()

    def __post_init__(self):
        if not 0.05 <= self.share <= 0.95:
            raise CompareError(
                f"the learning curve needs both classes: use a class-1 share between 0.05 "
                f"and 0.95, got {self.share:g}."
            )
        if not self.sizes or min(self.sizes) < 2 or max(self.sizes) > 1000:
            raise CompareError("training-set sizes must lie between 2 and 1000.")
        if not self.seeds:
            raise CompareError("the learning curve needs at least one seed.")


_POOL = 2000  # points drawn per seed for the nested training sets
_TEST_OFFSET = 1_000_003  # test sets use seed + this, so they never equal a training pool


def _pool(config: CurveConfig, seed: int, n: int, offset: int = 0):
    ds = pdata.make(
        config.dataset, n=n, noise=config.noise, seed=int(seed) + offset, test_fraction=0.0
    )
    return _np(ds.X_train).astype(np.float64), _np(ds.y_train).astype(np.int64)


def _nested_order(y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(int(seed))
    return rng.permutation(np.flatnonzero(y == 0)), rng.permutation(np.flatnonzero(y == 1))


def curve_point(config: CurveConfig, size: int) -> list[dict]:
    """Fit both models on ``size`` training points for every seed; score on test sets.

    For each seed the training points are the first ``size`` of a seeded, stratified
    order of a pool of 2000 points, so the sets are nested (a larger set contains the
    smaller). Class 1 gets round(share * size) of them, at least one of each class.
    The discriminative networks of all seeds train together (see ``_train_stack``).
    Returns 2 rows per seed: size, seed, model, log_loss (nats), accuracy.
    """
    size = int(size)
    k1 = min(max(int(round(config.share * size)), 1), size - 1)
    k0 = size - k1
    train, tests = [], []
    for seed in config.seeds:
        X, y = _pool(config, seed, _POOL)
        order0, order1 = _nested_order(y, seed)
        if k0 > len(order0) or k1 > len(order1):
            raise CompareError(f"the pool has too few points of a class for {size} points.")
        idx = np.concatenate([order0[:k0], order1[:k1]])
        train.append((X[idx], y[idx]))
        Xt, yt = _pool(config, seed, config.n_test, _TEST_OFFSET)
        Xt, yt, _ = rebalance(Xt, yt, config.share, seed=int(seed))
        tests.append((Xt, yt))
    Xs = torch.as_tensor(np.stack([X for X, _ in train]), dtype=torch.float32)  # (S, size, D)
    ys = torch.as_tensor(np.stack([y for _, y in train]), dtype=torch.float32)  # (S, size)
    fits = _train_stack(Xs, ys, config.discriminative, config.seeds)
    rows = []
    for seed, (X, y), (Xt, yt), disc in zip(config.seeds, train, tests, fits, strict=True):
        gen = fit_generative(X, y, config.generative)
        for name, scores in (
            ("generative", score_generative(gen, Xt, yt)),
            ("discriminative", score_discriminative(disc, Xt, yt)),
        ):
            rows.append(
                {
                    "size": size,
                    "seed": int(seed),
                    "model": name,
                    "log_loss": scores.log_loss,
                    "accuracy": scores.accuracy,
                }
            )
    return rows


def learning_curve(
    config: CurveConfig, progress: Callable[[float], None] | None = None
) -> pd.DataFrame:
    """Test log-loss (nats) and accuracy of both models for every size and seed.

    Returns long-form DataFrame(size, seed, model, log_loss, accuracy) with
    2 * len(sizes) * len(seeds) rows. ``progress(fraction)`` is called after each size.
    """
    rows: list[dict] = []
    for i, size in enumerate(config.sizes):
        rows.extend(curve_point(config, size))
        if progress is not None:
            progress((i + 1) / len(config.sizes))
    return pd.DataFrame(rows, columns=["size", "seed", "model", "log_loss", "accuracy"])


def summarise_curve(frame: pd.DataFrame) -> pd.DataFrame:
    """Mean, min and max over seeds: long-form (size, model, metric, mean, lo, hi)."""
    long = frame.melt(
        id_vars=["size", "seed", "model"],
        value_vars=["log_loss", "accuracy"],
        var_name="metric",
        value_name="value",
    )
    out = (
        long.groupby(["size", "model", "metric"], sort=True)["value"]
        .agg(mean="mean", lo="min", hi="max")
        .reset_index()
    )
    return out
