"""Models: a multilayer perceptron (discriminative, learns p(y|x)) and a Gaussian
class-conditional model (generative, learns p(x, y) = p(y) p(x|y)).

The MLP only produces raw outputs (logits, means, log-rates); which distribution those
outputs parameterise is the likelihood's business (``probnn.likelihoods``), and so is
the loss. With no hidden layers the MLP is a linear model: with a Bernoulli likelihood
that is logistic regression, with a Gaussian one linear regression.

The Gaussian class-conditional model fits in closed form (maximum likelihood: class
frequencies, class means, covariances) and classifies with Bayes' rule,

    p(y=c | x) = p(c) N(x; mu_c, Sigma_c) / sum_k p(k) N(x; mu_k, Sigma_k),

computed in log space with logsumexp. A shared covariance gives linear boundaries
(LDA), one covariance per class quadratic ones (QDA), diagonal covariances the Gaussian
naive Bayes model. It can also be trained by gradient descent on the same joint
negative log-likelihood, which converges to the closed form.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

__all__ = [
    "ACTIVATIONS",
    "COVARIANCES",
    "GaussianClassConditional",
    "GaussianClassConditionalModule",
    "MLP",
    "MLPConfig",
]

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
    "leaky_relu": nn.LeakyReLU,
    "identity": nn.Identity,
}

COVARIANCES = ("shared", "full", "diagonal")

_LOG_2PI = math.log(2.0 * math.pi)


# --------------------------------------------------------------------------- MLP


@dataclass(frozen=True)
class MLPConfig:
    in_features: int  # number of input features D
    out_features: int  # raw outputs per example, from likelihood.output_size(n_classes)
    hidden: tuple[int, ...] = (32, 32)  # width of each hidden layer; () = a linear model
    activation: str = "tanh"  # nonlinearity between layers, a key of ACTIVATIONS

    def __post_init__(self):
        if int(self.in_features) < 1 or int(self.out_features) < 1:
            raise ValueError(
                f"in_features and out_features must be at least 1, got "
                f"{self.in_features} and {self.out_features}."
            )
        hidden = tuple(int(h) for h in self.hidden)
        if any(h < 1 for h in hidden):
            raise ValueError(f"every hidden layer needs at least 1 unit, got {hidden}.")
        object.__setattr__(self, "hidden", hidden)
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}."
            )


class MLP(nn.Module):
    """A fully connected network: Linear -> activation -> ... -> Linear.

    Parameters
    ----------
    config : MLPConfig
    seed : int, default 0
        Seed of the initial weights (ignored when ``generator`` is given).
    generator : torch.Generator, optional
        Source of the initial weights. The global random state is never touched.

    The initialisation is PyTorch's default for ``nn.Linear`` (weights and biases
    uniform in +-1/sqrt(fan_in)), drawn from the given generator, in float32.
    """

    def __init__(
        self, config: MLPConfig, *, seed: int = 0, generator: torch.Generator | None = None
    ):
        super().__init__()
        self.config = config
        if generator is None:
            generator = torch.Generator().manual_seed(int(seed))
        sizes = (config.in_features, *config.hidden, config.out_features)
        layers: list[nn.Module] = []
        for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            # skip_init builds the layer without drawing from the global RNG
            linear = torch.nn.utils.skip_init(nn.Linear, fan_in, fan_out)
            bound = 1.0 / math.sqrt(fan_in)
            with torch.no_grad():
                nn.init.uniform_(linear.weight, -bound, bound, generator=generator)
                nn.init.uniform_(linear.bias, -bound, bound, generator=generator)
            layers.append(linear)
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[config.activation]())
        self.net = nn.Sequential(*layers)
        # the same layers as a plain tuple: forward calls each one's forward directly,
        # which skips nn.Module's per-call dispatch (hooks) and gives identical numbers
        self._layers = tuple(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (N, D) -> raw outputs (N, out_features).

        Equal, bit for bit, to ``self.net(x)``; module hooks on the layers are not run.
        """
        for layer in self._layers:
            x = layer.forward(x)
        return x

    def n_parameters(self) -> int:
        """Number of trainable numbers."""
        return sum(p.numel() for p in self.parameters())


# ------------------------------------------------------ Gaussian class-conditional


def _as_float64(X, name: str = "X") -> torch.Tensor:
    X = torch.as_tensor(np.asarray(X, dtype=np.float64) if not torch.is_tensor(X) else X)
    X = X.detach().to(torch.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must be a (N, D) table of numbers, got shape {tuple(X.shape)}.")
    if not torch.isfinite(X).all():
        raise ValueError(f"{name} contains NaN or infinite values; remove or fill them first.")
    return X


def _as_labels(y, n: int) -> torch.Tensor:
    y_np = np.asarray(y.detach().cpu().numpy() if torch.is_tensor(y) else y)
    if y_np.ndim != 1 or y_np.shape[0] != n:
        raise ValueError(f"y must hold one class label per row of X ({n}), got shape {y_np.shape}.")
    if n == 0:
        raise ValueError("X and y are empty; at least one example per class is needed.")
    if not np.issubdtype(y_np.dtype, np.integer):
        if not np.issubdtype(y_np.dtype, np.number) or not np.all(np.isfinite(y_np)):
            raise ValueError("y must hold integer class labels 0..C-1.")
        if np.any(y_np != np.round(y_np)):
            raise ValueError("y must hold whole-number class labels 0..C-1, found fractions.")
    y_np = y_np.astype(np.int64)
    if y_np.min() < 0:
        raise ValueError(f"class labels must be 0..C-1, found {int(y_np.min())}.")
    return torch.from_numpy(y_np)


def _cholesky_with_jitter(
    cov: torch.Tensor, reg: float, what: str, notes: list[str]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (cov + r I, its Cholesky factor) with r >= reg the smallest of reg * 10^k
    that makes the matrix positive definite. Appends a note when the raw covariance was
    singular (or nearly so) or when r had to grow."""
    d = cov.shape[-1]
    eye = torch.eye(d, dtype=cov.dtype)
    eig = torch.linalg.eigvalsh(cov)
    scale = float(eig.abs().max()) if eig.numel() else 0.0
    singular = float(eig.min()) <= max(scale, 1.0) * 1e-12 * d
    r = float(reg)
    for _ in range(30):
        reg_cov = cov + r * eye
        chol, info = torch.linalg.cholesky_ex(reg_cov)
        if int(info) == 0:
            break
        r = max(r * 10.0, 1e-12)
    else:  # pragma: no cover - only for pathological input
        raise ValueError(f"the covariance of {what} could not be made positive definite.")
    if singular:
        notes.append(
            f"The covariance of {what} is singular (its points do not spread in every "
            f"direction, e.g. too few points or identical points); added {r:g} x identity "
            f"so that the Gaussian has a density."
        )
    elif r > reg:
        notes.append(f"The covariance of {what} was ill-conditioned; added {r:g} x identity.")
    return reg_cov, chol


class GaussianClassConditional:
    """Generative classifier p(x, y) = p(y) N(x; mu_y, Sigma_y), fitted by maximum likelihood.

    Parameters
    ----------
    covariance : {"shared", "full", "diagonal"}
        "shared": one covariance for all classes (linear discriminant analysis, linear
        boundaries); "full": one covariance per class (quadratic discriminant analysis);
        "diagonal": one diagonal covariance per class (Gaussian naive Bayes).
    reg : float, default 1e-6
        Added to the diagonal of every covariance (``reg * I``) so that it is invertible;
        raised by factors of 10 when that is not enough. Each raise is recorded in
        ``notes_``.

    Attributes (after ``fit``)
    --------------------------
    n_classes_ : int
    n_features_ : int
    priors_ : Tensor (C,)            p(y = c), the class frequencies
    means_ : Tensor (C, D)           mu_c, the class means
    covariances_ : Tensor (C, D, D)  Sigma_c (maximum likelihood, divided by n_c, plus reg I)
    cholesky_ : Tensor (C, D, D)     lower Cholesky factors L_c with L_c L_c^T = Sigma_c
    counts_ : Tensor (C,)            number of training points per class
    notes_ : list[str]               what was adjusted and why (empty when nothing was)

    All tensors are float64.
    """

    def __init__(self, covariance: str = "shared", reg: float = 1e-6):
        if covariance not in COVARIANCES:
            raise ValueError(
                f"unknown covariance {covariance!r}; choose one of {', '.join(COVARIANCES)}."
            )
        if not (math.isfinite(reg) and reg >= 0):
            raise ValueError(f"reg must be a finite number >= 0, got {reg!r}.")
        self.covariance = covariance
        self.reg = float(reg)
        self.notes_: list[str] = []

    def __repr__(self) -> str:
        return f"GaussianClassConditional(covariance={self.covariance!r}, reg={self.reg:g})"

    # ---- fitting

    def fit(self, X, y, n_classes: int | None = None) -> GaussianClassConditional:
        """Maximum-likelihood fit in closed form.

        Parameters
        ----------
        X : array-like (N, D)
        y : array-like (N,) integer classes 0..C-1
        n_classes : int, optional
            C; default ``max(y) + 1``.

        Returns self. Raises ValueError (with what to change) when a class has no points.
        """
        X = _as_float64(X)
        n, d = X.shape
        y = _as_labels(y, n)
        C = int(y.max()) + 1 if n_classes is None else int(n_classes)
        counts = torch.bincount(y, minlength=C).to(torch.float64)  # (C,)
        if counts.shape[0] > C:
            raise ValueError(f"labels go up to {int(y.max())} but n_classes is {C}.")
        empty = [c for c in range(C) if counts[c] == 0]
        if empty:
            raise ValueError(
                f"class {', '.join(map(str, empty))} has no points; every class 0..{C - 1} "
                f"needs at least one example (relabel the classes or add data)."
            )
        notes: list[str] = []
        onehot = torch.nn.functional.one_hot(y, C).to(torch.float64)  # (N, C)
        means = (onehot.T @ X) / counts[:, None]  # (C, D)
        centred = X - means[y]  # (N, D)
        if self.covariance == "shared":
            pooled = centred.T @ centred / n  # (D, D)
            cov, _ = _cholesky_with_jitter(pooled, self.reg, "the classes (shared)", notes)
            covs = cov.expand(C, d, d).clone()
        else:
            covs = torch.empty(C, d, d, dtype=torch.float64)
            for c in range(C):
                zc = centred[y == c]  # (n_c, D)
                raw = zc.T @ zc / counts[c]
                if self.covariance == "diagonal":
                    raw = torch.diag(torch.diagonal(raw))
                covs[c], _ = _cholesky_with_jitter(raw, self.reg, f"class {c}", notes)
        self._set_params(counts / n, means, covs, notes)
        self.counts_ = counts
        return self

    def _set_params(self, priors, means, covs, notes: list[str]) -> None:
        self.priors_ = priors.detach().to(torch.float64).clone()  # (C,)
        self.means_ = means.detach().to(torch.float64).clone()  # (C, D)
        self.covariances_ = covs.detach().to(torch.float64).clone()  # (C, D, D)
        self.cholesky_ = torch.linalg.cholesky(self.covariances_)  # (C, D, D)
        self.n_classes_, self.n_features_ = self.means_.shape
        self.notes_ = list(notes)

    def _check_fitted(self) -> None:
        if not hasattr(self, "means_"):
            raise ValueError("the model is not fitted yet; call fit(X, y) first.")

    def _check_X(self, X) -> torch.Tensor:
        self._check_fitted()
        X = _as_float64(X)
        if X.shape[1] != self.n_features_:
            raise ValueError(
                f"X has {X.shape[1]} features but the model was fitted on {self.n_features_}."
            )
        return X

    # ---- densities

    def _log_gauss(self, X: torch.Tensor) -> torch.Tensor:
        """log N(x; mu_c, Sigma_c) for every class: (N, C)."""
        diff = X[None, :, :] - self.means_[:, None, :]  # (C, N, D)
        z = torch.linalg.solve_triangular(
            self.cholesky_, diff.transpose(1, 2), upper=False
        )  # (C, D, N)
        maha = (z**2).sum(dim=1)  # (C, N)
        log_det = 2.0 * torch.log(torch.diagonal(self.cholesky_, dim1=1, dim2=2)).sum(-1)  # (C,)
        d = self.n_features_
        return (-0.5 * (maha + log_det[:, None] + d * _LOG_2PI)).T  # (N, C)

    def log_joint(self, X) -> torch.Tensor:
        """log p(x, y=c) = log p(c) + log N(x; mu_c, Sigma_c), shape (N, C)."""
        X = self._check_X(X)
        return torch.log(self.priors_)[None, :] + self._log_gauss(X)

    def log_marginal(self, X) -> torch.Tensor:
        """log p(x) = logsumexp_c log p(x, y=c), shape (N,)."""
        return torch.logsumexp(self.log_joint(X), dim=1)

    def predict_log_proba(self, X) -> torch.Tensor:
        """log p(y=c | x) by Bayes' rule in log space, shape (N, C)."""
        lj = self.log_joint(X)
        return lj - torch.logsumexp(lj, dim=1, keepdim=True)

    def predict_proba(self, X) -> torch.Tensor:
        """p(y=c | x) by Bayes' rule, shape (N, C); rows sum to 1."""
        return torch.exp(self.predict_log_proba(X))

    def predict(self, X) -> torch.Tensor:
        """Most probable class, shape (N,)."""
        return self.log_joint(X).argmax(dim=1)

    def log_density(self, X, c: int) -> torch.Tensor:
        """log p(x | y=c), shape (N,)."""
        self._check_fitted()
        if not 0 <= int(c) < self.n_classes_:
            raise ValueError(f"class {c} does not exist; classes are 0..{self.n_classes_ - 1}.")
        return self._log_gauss(self._check_X(X))[:, int(c)]

    def density(self, X, c: int) -> torch.Tensor:
        """p(x | y=c), the class-conditional density, shape (N,)."""
        return torch.exp(self.log_density(X, c))

    def nll(self, X, y) -> float:
        """Mean joint negative log-likelihood -1/N sum log p(x_i, y_i), in nats."""
        X = self._check_X(X)
        y = _as_labels(y, X.shape[0])
        return float(-(self.log_joint(X).gather(1, y[:, None])).mean())

    # ---- sampling

    def sample(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Draw n pairs (x, y): y ~ p(y), then x ~ N(mu_y, Sigma_y).

        Returns X (n, D) float64 and y (n,) int64. Uses ``generator`` (a fresh one
        seeded with 0 when None), never the global random state.
        """
        self._check_fitted()
        n = int(n)
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}.")
        g = generator if generator is not None else torch.Generator().manual_seed(0)
        if n == 0:
            return torch.empty(0, self.n_features_, dtype=torch.float64), torch.empty(
                0, dtype=torch.int64
            )
        y = torch.multinomial(self.priors_, n, replacement=True, generator=g)  # (n,)
        z = torch.randn(n, self.n_features_, generator=g, dtype=torch.float64)  # (n, D)
        X = self.means_[y] + (self.cholesky_[y] @ z[:, :, None])[:, :, 0]
        return X, y

    # ---- gradient descent on the same objective

    def fit_gd(
        self,
        X,
        y,
        *,
        steps: int = 500,
        lr: float = 0.1,
        generator: torch.Generator | None = None,
        n_classes: int | None = None,
    ) -> Iterator[float]:
        """Fit by gradient descent (Adam) on the mean joint NLL; yields the loss per step.

        The parameters are unconstrained (prior logits, means, Cholesky factors with a
        softplus diagonal, see ``GaussianClassConditionalModule``). Each loss is the
        mean joint NLL (nats) at the parameters before that step's update. The fitted
        attributes (``priors_``, ``means_``, ...) are set from the module when the
        iteration ends or is closed early.

        Example: ``losses = list(GaussianClassConditional("full").fit_gd(X, y))``.
        """
        X = _as_float64(X)
        y = _as_labels(y, X.shape[0])
        C = int(y.max()) + 1 if n_classes is None else int(n_classes)
        module = GaussianClassConditionalModule(
            C, X.shape[1], self.covariance, generator=generator, init_X=X
        )
        self.module_ = module
        opt = torch.optim.Adam(module.parameters(), lr=lr)
        try:
            for _ in range(int(steps)):
                loss = module.nll(X, y)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                yield float(loss.detach())
        finally:
            module.export_to(self)


class GaussianClassConditionalModule(nn.Module):
    """The Gaussian class-conditional model as an ``nn.Module`` trainable by gradient descent.

    Unconstrained parameters (float64):
      prior_logits (C,)          p(y) = softmax(prior_logits)
      means (C, D)
      chol_raw (K, D, D)         strictly-lower part = off-diagonal of L, softplus of the
                                 diagonal = diag(L) > 0; K = 1 for "shared", C otherwise;
                                 "diagonal" keeps only the diagonal.
    forward(X) gives log p(x, y=c), shape (N, C); ``nll(X, y)`` the mean joint NLL.
    """

    def __init__(
        self,
        n_classes: int,
        n_features: int,
        covariance: str = "full",
        *,
        generator: torch.Generator | None = None,
        init_X: torch.Tensor | None = None,
        reg: float = 1e-6,
    ):
        super().__init__()
        if covariance not in COVARIANCES:
            raise ValueError(
                f"unknown covariance {covariance!r}; choose one of {', '.join(COVARIANCES)}."
            )
        C, D = int(n_classes), int(n_features)
        self.covariance, self.reg = covariance, float(reg)
        g = generator if generator is not None else torch.Generator().manual_seed(0)
        if init_X is not None and len(init_X):
            init_X = _as_float64(init_X)
            centre, spread = init_X.mean(0), init_X.std(0, unbiased=False).clamp_min(1e-3)
        else:
            centre, spread = torch.zeros(D, dtype=torch.float64), torch.ones(D, dtype=torch.float64)
        means = centre + spread * torch.randn(C, D, generator=g, dtype=torch.float64)
        K = 1 if covariance == "shared" else C
        # start with L = diag(spread): softplus^{-1}(s) = s + log(1 - exp(-s))
        inv_sp = spread + torch.log(-torch.expm1(-spread))
        chol_raw = torch.diag_embed(inv_sp.expand(K, D)).clone()
        self.prior_logits = nn.Parameter(torch.zeros(C, dtype=torch.float64))
        self.means = nn.Parameter(means)
        self.chol_raw = nn.Parameter(chol_raw)

    def cholesky(self) -> torch.Tensor:
        """Lower Cholesky factors, (C, D, D) (shared: the same factor repeated)."""
        diag = torch.nn.functional.softplus(torch.diagonal(self.chol_raw, dim1=1, dim2=2))
        diag = diag + math.sqrt(self.reg)
        if self.covariance == "diagonal":
            L = torch.diag_embed(diag)
        else:
            L = torch.tril(self.chol_raw, diagonal=-1) + torch.diag_embed(diag)
        C = self.prior_logits.shape[0]
        return L.expand(C, *L.shape[1:])

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        """log p(x, y=c) for X (N, D): (N, C)."""
        L = self.cholesky()  # (C, D, D)
        diff = X[None, :, :] - self.means[:, None, :]  # (C, N, D)
        z = torch.linalg.solve_triangular(L, diff.transpose(1, 2), upper=False)  # (C, D, N)
        maha = (z**2).sum(dim=1)  # (C, N)
        log_det = 2.0 * torch.log(torch.diagonal(L, dim1=1, dim2=2)).sum(-1)  # (C,)
        log_gauss = -0.5 * (maha + log_det[:, None] + X.shape[1] * _LOG_2PI)  # (C, N)
        return torch.log_softmax(self.prior_logits, 0)[None, :] + log_gauss.T

    def nll(self, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Mean joint negative log-likelihood -1/N sum_i log p(x_i, y_i) (nats), 0-dim."""
        return -self(X).gather(1, y[:, None]).mean()

    @torch.no_grad()
    def export_to(self, model: GaussianClassConditional) -> GaussianClassConditional:
        """Copy the current parameters into a GaussianClassConditional (returned)."""
        L = self.cholesky()
        covs = L @ L.transpose(1, 2)
        model._set_params(torch.softmax(self.prior_logits, 0), self.means, covs, [])
        return model

    def to_model(self) -> GaussianClassConditional:
        """A fitted GaussianClassConditional holding the current parameters."""
        return self.export_to(GaussianClassConditional(self.covariance, self.reg))
