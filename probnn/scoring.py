"""Scoring: check each derived loss against PyTorch, trace per-example losses, compare fits.

Three things a student wants to see after deriving a loss from a likelihood:

- **the identity holds**: on a seeded random batch, probnn's mean NLL equals
  ``factor * builtin + constant`` to float64 precision (:func:`random_batch`,
  :func:`prove`, :func:`proof_table`); Student-t has no PyTorch built-in loss, so it is
  compared with ``-mean(torch.distributions.StudentT(...).log_prob(y))``
  (:func:`student_t_reference`);
- **the shape of the loss for one example**: how it grows as a prediction goes wrong
  (:func:`bernoulli_curves`, :func:`categorical_curves`, :func:`regression_curves`,
  :func:`poisson_curves`), all long-form DataFrames ready for a chart;
- **choosing the distribution chooses the loss**: one small sample with an outlier, a
  line fitted by maximum likelihood under a Gaussian, a Laplace and a Student-t, each
  scored under all three (:func:`outlier_sample`, :func:`fit_line`, :func:`compare_fits`,
  :func:`location_estimates`).

Everything is computed in float64 with explicit seeds; no global random state is used.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import torch
from torch import Tensor

from probnn import likelihoods
from probnn.likelihoods import Likelihood

__all__ = [
    "FIT_KINDS",
    "MAX_TYPED_MAGNITUDE",
    "MAX_TYPED_TARGETS",
    "LineFit",
    "Proof",
    "bernoulli_curves",
    "categorical_curves",
    "compare_fits",
    "fit_line",
    "location_estimates",
    "outlier_sample",
    "parse_targets",
    "poisson_curves",
    "proof_table",
    "prove",
    "random_batch",
    "regression_curves",
    "score_line",
    "seed_sweep",
    "student_t_reference",
]

DTYPE = torch.float64
MAX_TYPED_TARGETS = 200  # a typed list of targets longer than this is refused
MAX_TYPED_MAGNITUDE = 1e6  # typed targets beyond +-1e6 are refused (squares would overflow)
FIT_KINDS = ("gaussian", "laplace", "student_t")  # the likelihoods compare_fits uses
_SCALE_FLOOR = 1e-9  # a fitted scale never reaches 0 (that would make the NLL -inf)


# ----------------------------------------------------------------------------- the proof


def random_batch(
    lik: Likelihood, n: int = 16, *, seed: int = 0, n_classes: int = 3
) -> tuple[Tensor, Tensor]:
    """A seeded batch of raw network outputs and targets that fit ``lik``.

    Parameters
    ----------
    lik : the likelihood; its ``name`` picks the output shape and the kind of target.
    n : batch size (>= 1).
    seed : seeds a private ``torch.Generator``; the same seed gives the same batch.
    n_classes : number of classes C, used by ``categorical`` only.

    Returns
    -------
    output : float64, (N,) or (N, C) logits for categorical or (N, 2) for learned variance.
    target : float64 (N,), or int64 (N,) class indices for categorical.
    """
    if n < 1:
        raise ValueError(f"batch size must be at least 1, got {n}")
    g = torch.Generator().manual_seed(int(seed))
    name = lik.name
    if name == "categorical":
        if n_classes < 2:
            raise ValueError(f"categorical needs at least 2 classes, got {n_classes}")
        z = 2.0 * torch.randn(n, n_classes, generator=g, dtype=DTYPE)  # (N, C)
        y = torch.multinomial(torch.softmax(z, dim=-1), 1, generator=g)[:, 0]  # (N,)
        return z, y
    if lik.task == "binary":  # bernoulli, gaussian_probability: logits and 0/1 labels
        z = 2.0 * torch.randn(n, generator=g, dtype=DTYPE)  # (N,)
        y = torch.bernoulli(torch.sigmoid(z), generator=g)  # (N,)
        return z, y
    if name == "poisson":
        eta = 0.5 + 0.8 * torch.randn(n, generator=g, dtype=DTYPE)  # (N,) log-rate
        y = torch.poisson(torch.exp(eta), generator=g)  # (N,) counts
        return eta, y
    if name == "gaussian_learned_variance":
        mu = 2.0 * torch.randn(n, generator=g, dtype=DTYPE)  # (N,)
        logvar = 4.0 * torch.rand(n, generator=g, dtype=DTYPE) - 2.0  # (N,) in [-2, 2]
        y = mu + torch.exp(0.5 * logvar) * torch.randn(n, generator=g, dtype=DTYPE)
        return torch.stack([mu, logvar], dim=1), y  # (N, 2), (N,)
    # gaussian, laplace, student_t and any other location family
    mu = 2.0 * torch.randn(n, generator=g, dtype=DTYPE)  # (N,)
    sd = lik.stddev(mu[:1])  # (1,) or None (Student-t with df <= 2 has no finite spread)
    spread = float(sd[0]) if sd is not None else 1.0
    y = mu + spread * torch.randn(n, generator=g, dtype=DTYPE)
    return mu, y


def student_t_reference(mu, y, df: float, scale: float = 1.0) -> Tensor:
    """Mean Student-t NLL in nats from ``torch.distributions.StudentT.log_prob`` (float64).

    probnn's own Student-t NLL is the density written out with ``lgamma`` and ``log1p``;
    this is the independent reference it is checked against, since PyTorch ships no
    Student-t loss.
    """
    mu = torch.as_tensor(mu, dtype=DTYPE)
    y = torch.as_tensor(y, dtype=DTYPE)
    dist = torch.distributions.StudentT(
        torch.full_like(mu, float(df)), mu, torch.full_like(mu, float(scale))
    )
    return -dist.log_prob(y).mean()


@dataclass(frozen=True)
class Proof:
    """probnn's NLL next to the PyTorch loss it should equal after the stated relation."""

    nll: float  # probnn's mean NLL, nats
    reference: float  # the built-in loss (or torch.distributions' NLL when there is no built-in)
    reference_name: str  # "torch.nn.functional.mse_loss"
    reference_call: str  # how it is called, as code
    has_builtin: bool  # False: reference is a written-out formula, not a torch loss
    factor: float  # nll == factor * reference + constant
    constant: float
    recovered: float  # factor * reference + constant
    difference: float  # nll - recovered (float64 rounding only)

    @property
    def holds(self) -> bool:
        """True when the relation holds to float64 rounding (|difference| < 1e-8)."""
        return math.isfinite(self.difference) and abs(self.difference) < 1e-8


def prove(lik: Likelihood, output, target) -> Proof:
    """Evaluate probnn's NLL, the built-in loss and the relation between them (float64)."""
    output = torch.as_tensor(output)
    output = output.to(DTYPE) if output.is_floating_point() else output.to(DTYPE)
    target = torch.as_tensor(target)
    if lik.name != "categorical":
        target = target.to(DTYPE)
    nll = float(lik.nll(output, target))
    if lik.has_builtin:
        reference = float(lik.builtin(output, target))
        relation = lik.relation
        factor, constant = float(relation.factor), relation.constant_for(target)
        name, call = lik.builtin_name, lik.builtin_call
    else:  # Student-t: no built-in loss; compare with torch.distributions
        scale = lik.params.get("scale", 1.0)
        reference = float(student_t_reference(output, target, lik.params["df"], scale))
        factor, constant = 1.0, 0.0
        name = "torch.distributions.StudentT"
        call = "-StudentT(ν, μ, s).log_prob(y).mean()"
    recovered = factor * reference + constant
    return Proof(nll, reference, name, call, lik.has_builtin, factor, constant, recovered,
                 nll - recovered)  # fmt: skip


def proof_table(proof: Proof) -> pd.DataFrame:
    """The proof as rows (quantity, how it is computed, value in nats), ready to display."""
    ref_label = "PyTorch built-in loss" if proof.has_builtin else "reference (no PyTorch built-in)"
    rows = [
        ("probnn NLL (mean, nats)", "likelihood.nll(output, target)", proof.nll),
        (ref_label, proof.reference_call, proof.reference),
        ("factor", "positive: does not move the minimum", proof.factor),
        ("constant (nats)", "independent of the network", proof.constant),
        ("factor × reference + constant", "the stated relation", proof.recovered),
        ("difference (nats)", "NLL − relation", proof.difference),
    ]
    return pd.DataFrame(rows, columns=["quantity", "computed as", "value"])


def seed_sweep(lik: Likelihood, n: int, seeds, *, n_classes: int = 3) -> pd.DataFrame:
    """The proof's difference for several seeds: DataFrame[seed, nll, reference, difference]."""
    rows = []
    for s in seeds:
        out, y = random_batch(lik, n, seed=int(s), n_classes=n_classes)
        p = prove(lik, out, y)
        rows.append((int(s), p.nll, p.reference, p.difference))
    return pd.DataFrame(rows, columns=["seed", "nll", "reference", "difference"])


_SPLIT = re.compile(r"[\s,;]+")


def parse_targets(text: str, lik: Likelihood, n_classes: int | None = None):
    """Targets typed by a person ("0, 1, 1" or "2.5 -1 3") as a tensor, or a message.

    Returns ``(target, None)`` when the text is usable, ``(None, message)`` otherwise; an
    empty text gives ``(None, None)`` (use random targets). Labels outside the classes,
    negative or fractional counts and non-numbers all get a message saying what to change.
    """
    parts = [p for p in _SPLIT.split(text.strip()) if p]
    if not parts:
        return None, None
    if len(parts) > MAX_TYPED_TARGETS:
        return None, f"{len(parts)} values typed; give at most {MAX_TYPED_TARGETS}."
    values = []
    for p in parts:
        try:
            values.append(float(p))
        except ValueError:
            return None, f"{p!r} is not a number; type numbers separated by commas or spaces."
    y = torch.tensor(values, dtype=DTYPE)
    message = lik.check_target(y, n_classes)
    if message is None and not torch.isfinite(y).all():
        message = "targets must be finite numbers"
    if message is None and (y.abs() > MAX_TYPED_MAGNITUDE).any():
        message = f"targets must lie between -{MAX_TYPED_MAGNITUDE:g} and {MAX_TYPED_MAGNITUDE:g}"
    if message is None and lik.name == "categorical" and (y >= (n_classes or 0)).any():
        message = f"labels must lie in 0..{(n_classes or 1) - 1}"
    if message:
        return None, message[:1].upper() + message[1:] + "."
    return (y.long() if lik.name == "categorical" else y), None


# ----------------------------------------------------------------------------- per-example losses


def _softplus(x: Tensor) -> Tensor:
    return torch.nn.functional.softplus(x)


def bernoulli_curves(n: int = 121, squared: bool = False) -> pd.DataFrame:
    """Loss of one example against the predicted probability pi and the logit z.

    Columns: z, pi, label ("y = 1" / "y = 0"), loss (nats), series. With ``squared`` the
    squared error on probabilities (1/2 (y - pi)^2, the Gaussian-on-probabilities NLL up to
    its constant) is added as extra series, to contrast a bounded loss with an unbounded one.
    Computed from the logit: -log sigma(z) = softplus(-z), -log(1 - sigma(z)) = softplus(z).
    """
    z = torch.linspace(-8.0, 8.0, n, dtype=DTYPE)  # (n,)
    pi = torch.sigmoid(z)
    parts = [
        pd.DataFrame({"z": z, "pi": pi, "label": "y = 1", "loss": _softplus(-z),
                      "series": "y = 1:  −log π"}),
        pd.DataFrame({"z": z, "pi": pi, "label": "y = 0", "loss": _softplus(z),
                      "series": "y = 0:  −log(1 − π)"}),
    ]  # fmt: skip
    if squared:
        parts += [
            pd.DataFrame({"z": z, "pi": pi, "label": "y = 1", "loss": 0.5 * (1 - pi) ** 2,
                          "series": "y = 1:  ½(1 − π)²"}),
            pd.DataFrame({"z": z, "pi": pi, "label": "y = 0", "loss": 0.5 * pi**2,
                          "series": "y = 0:  ½π²"}),
        ]  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def categorical_curves(n_classes: int = 3, smoothing: float = 0.0, n: int = 121) -> pd.DataFrame:
    """Loss of one example against the true class's probability and its logit margin.

    The other C - 1 classes share the remaining probability equally, so the true class's
    logit sits ``margin`` above all the others. Columns: margin, p_true, loss (nats),
    series. With label smoothing epsilon > 0 a second series shows the smoothed loss,
    whose minimum sits at p_true = 1 - epsilon + epsilon / C instead of p_true -> 1.
    Series names: "−log p_y" and "smoothed, ε = <epsilon>".
    """
    c = int(n_classes)
    m = torch.linspace(-6.0, 12.0, n, dtype=DTYPE)  # (n,) margin
    log_z = torch.logaddexp(m, torch.full_like(m, math.log(c - 1)))  # log(e^m + C - 1)
    log_p_true, log_p_other = m - log_z, -log_z  # (n,), (n,)
    p_true = torch.exp(log_p_true)
    parts = [pd.DataFrame({"margin": m, "p_true": p_true, "loss": -log_p_true,
                           "series": "−log p_y"})]  # fmt: skip
    if smoothing > 0:
        eps = float(smoothing)
        mean_log_p = (log_p_true + (c - 1) * log_p_other) / c  # mean over classes of log p_k
        smooth = -(1 - eps) * log_p_true - eps * mean_log_p
        parts.append(pd.DataFrame({"margin": m, "p_true": p_true, "loss": smooth,
                                   "series": f"smoothed, ε = {eps:g}"}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


def regression_curves(
    sigma: float = 1.0, df: float = 3.0, scale: float = 1.0, r_max: float = 6.0, n: int = 121
) -> pd.DataFrame:
    """Loss and pull of one example against its residual r = y - mu for four regression losses.

    Columns: residual, series, family ("gaussian" | "laplace" | "student_t"), loss, pull.
    ``loss`` is each loss minus its value at r = 0, so the curves start together and only
    their shapes differ (for the NLLs this removes the normalising constant, in nats).
    ``pull`` is d loss / d r: how hard the example drags the prediction towards itself.
    Squared error's pull grows without limit, absolute error's is constant, and the
    Student-t's rises and then falls back towards 0: far outliers are nearly ignored.
    """
    if sigma <= 0 or df <= 0 or scale <= 0:
        raise ValueError("sigma, df and scale must all be > 0")
    r = torch.linspace(-r_max, r_max, n, dtype=DTYPE)  # (n,)
    s2, nu = sigma * sigma, float(df)
    curves = [
        ("MSE  r²", "gaussian", r**2, 2 * r),
        ("L1  |r|", "laplace", r.abs(), torch.sign(r)),
        (f"Gaussian NLL  σ = {sigma:g}", "gaussian", r**2 / (2 * s2), r / s2),
        (
            f"Student-t NLL  ν = {df:g}" + (f", s = {scale:g}" if scale != 1 else ""),
            "student_t",
            0.5 * (nu + 1) * torch.log1p(r**2 / (nu * scale**2)),
            (nu + 1) * r / (nu * scale**2 + r**2),
        ),
    ]
    return pd.concat(
        [pd.DataFrame({"residual": r, "series": name, "family": fam, "loss": loss, "pull": pull})
         for name, fam, loss, pull in curves],
        ignore_index=True,
    )  # fmt: skip


def poisson_curves(counts=(0, 1, 3, 8), rate_max: float = 14.0, n: int = 140) -> pd.DataFrame:
    """Poisson NLL of one observed count against the predicted rate lambda = exp(eta).

    Columns: rate, count, series, loss (nats). For y >= 1 each curve is lowest at
    lambda = y; for y = 0 it falls towards 0 as lambda -> 0. Computed from eta = log lambda:
    exp(eta) - y eta + log(y!).
    """
    rate = torch.linspace(rate_max / n, rate_max, n, dtype=DTYPE)  # (n,) step rate_max / n
    eta = torch.log(rate)
    parts = []
    for y in counts:
        loss = torch.exp(eta) - y * eta + math.lgamma(y + 1.0)
        parts.append(pd.DataFrame({"rate": rate, "count": int(y), "series": f"y = {int(y)}",
                                   "loss": loss}))  # fmt: skip
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------- one dataset, three likelihoods


def outlier_sample(
    outlier: float = 8.0, n: int = 12, seed: int = 3, trend: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """A small sample y = 1 + trend * x + noise whose last point is pushed up by ``outlier``.

    Returns x (n,) evenly spaced on [0, 10] and y (n,), float64. The outlier is the point
    at x = 10, so it has the most leverage on a least-squares line. ``trend=0`` gives
    repeated measurements of one quantity (for :func:`location_estimates`).
    """
    g = torch.Generator().manual_seed(int(seed))
    x = torch.linspace(0.0, 10.0, n, dtype=DTYPE)
    y = 1.0 + trend * x + 0.4 * torch.randn(n, generator=g, dtype=DTYPE)
    y[-1] += float(outlier)
    return x.numpy(), y.numpy()


@dataclass(frozen=True)
class LineFit:
    """A line y = intercept + slope x and its noise scale, fitted by maximum likelihood."""

    kind: str  # "gaussian" | "laplace" | "student_t"
    intercept: float
    slope: float
    scale: float  # sigma, b or the Student-t scale s at their maximum-likelihood values
    df: float | None = None  # Student-t degrees of freedom (fixed, not fitted)

    def predict(self, x) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(x, dtype=float)


def _t_scale(r: np.ndarray, df: float, s: float | None = None, iters: int = 200) -> float:
    """Maximum-likelihood Student-t scale for fixed residuals (EM fixed point, monotone)."""
    s2 = float(np.mean(r**2)) if s is None else s * s
    s2 = max(s2, _SCALE_FLOOR**2)
    for _ in range(iters):
        w = (df + 1) / (df + r**2 / s2)
        new = max(float(np.mean(w * r**2)), _SCALE_FLOOR**2)
        if abs(new - s2) <= 1e-14 * s2:
            break
        s2 = new
    return math.sqrt(s2)


def _design(x: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones_like(x), x])  # (N, 2)


def fit_line(kind: str, x, y, *, df: float = 3.0, slope: bool = True) -> LineFit:
    """Fit a line (or, with ``slope=False``, a constant) by maximum likelihood under ``kind``.

    gaussian: least squares (the mean for a constant), sigma^2 = mean squared residual.
    laplace: least absolute deviations, found exactly by trying every line through two
    points (the median for a constant), b = mean absolute residual.
    student_t: iteratively reweighted least squares (the EM algorithm) from the Laplace
    fit, with ``df`` fixed and the scale s fitted; each step cannot lower the likelihood.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    X = _design(x) if slope else np.ones((len(x), 1))  # (N, P)
    if kind == "gaussian":
        beta = np.linalg.lstsq(X, y, rcond=None)[0]
        r = y - X @ beta
        scale = max(math.sqrt(float(np.mean(r**2))), _SCALE_FLOOR)
    elif kind == "laplace":
        beta = _lad(x, y, slope)
        r = y - X @ beta
        scale = max(float(np.mean(np.abs(r))), _SCALE_FLOOR)
    elif kind == "student_t":
        if df <= 0:
            raise ValueError(f"df must be > 0, got {df:g}")
        beta = _lad(x, y, slope)
        r = y - X @ beta
        s2 = max(float(np.mean(r**2)), _SCALE_FLOOR**2)
        for _ in range(500):
            w = (df + 1) / (df + r**2 / s2)  # (N,) small for far points
            sw = np.sqrt(w)
            beta_new = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]
            r = y - X @ beta_new
            s2 = max(float(np.mean(w * r**2)), _SCALE_FLOOR**2)
            converged = np.max(np.abs(beta_new - beta)) < 1e-12
            beta = beta_new
            if converged:
                break
        scale = _t_scale(r, df, math.sqrt(s2))
    else:
        raise ValueError(f"unknown fit kind {kind!r}; choose one of: {', '.join(FIT_KINDS)}")
    b0, b1 = float(beta[0]), float(beta[1]) if slope else 0.0
    return LineFit(kind, b0, b1, scale, df if kind == "student_t" else None)


def _lad(x: np.ndarray, y: np.ndarray, slope: bool) -> np.ndarray:
    """Least absolute deviations: a minimiser passes through two data points (one for a constant)."""
    if not slope:
        return np.array([float(np.median(y))])
    best, best_cost = None, math.inf
    for i, j in combinations(range(len(x)), 2):
        if x[i] == x[j]:
            continue
        b1 = (y[j] - y[i]) / (x[j] - x[i])
        b0 = y[i] - b1 * x[i]
        cost = float(np.sum(np.abs(y - b0 - b1 * x)))
        if cost < best_cost - 1e-12:
            best, best_cost = np.array([b0, b1]), cost
    if best is None:  # all x equal: the best line is flat at the median
        best = np.array([float(np.median(y)), 0.0])
    return best


def score_line(kind: str, fit: LineFit, x, y, *, df: float = 3.0) -> float:
    """Mean NLL (nats) of the sample under ``kind`` around ``fit``'s line, scale at its MLE.

    The scale (sigma, b or s) is refitted by maximum likelihood for this line, so every
    line gets its fairest score; the NLL itself comes from ``probnn.likelihoods``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mu = fit.predict(x)
    r = y - mu
    if kind == "gaussian":
        lik = likelihoods.get("gaussian", sigma=max(math.sqrt(float(np.mean(r**2))), _SCALE_FLOOR))
    elif kind == "laplace":
        lik = likelihoods.get("laplace", b=max(float(np.mean(np.abs(r))), _SCALE_FLOOR))
    elif kind == "student_t":
        lik = likelihoods.get("student_t", df=df, scale=_t_scale(r, df))
    else:
        raise ValueError(f"unknown likelihood {kind!r}; choose one of: {', '.join(FIT_KINDS)}")
    return float(lik.nll(torch.as_tensor(mu, dtype=DTYPE), torch.as_tensor(y, dtype=DTYPE)))


def compare_fits(
    x, y, *, df: float = 3.0, kinds=FIT_KINDS, slope: bool = True
) -> tuple[list[LineFit], pd.DataFrame]:
    """Fit a line under each likelihood in ``kinds`` and score every line under every one.

    With ``slope=False`` each "line" is a constant: the mean, the median and a robust centre.

    Returns the fits and a DataFrame with one row per fit: fit, intercept, slope, scale and
    one column ``nll_<kind>`` per scoring likelihood (mean NLL, nats). In each ``nll_``
    column the line fitted under that likelihood scores lowest: the distribution you
    choose decides which line is best.
    """
    fits = [fit_line(k, x, y, df=df, slope=slope) for k in kinds]
    rows = []
    for f in fits:
        row = {"fit": f.kind, "intercept": f.intercept, "slope": f.slope, "scale": f.scale}
        for k in kinds:
            row[f"nll_{k}"] = score_line(k, f, x, y, df=df)
        rows.append(row)
    return fits, pd.DataFrame(rows)


def location_estimates(y, *, df: float = 3.0) -> dict[str, float]:
    """The single number each likelihood predicts for a sample with no inputs.

    gaussian -> the mean, laplace -> the median, student_t -> a robust centre that
    down-weights far points (its maximum-likelihood location for the given df).
    """
    y = np.asarray(y, dtype=float)
    x = np.zeros_like(y)
    return {k: fit_line(k, x, y, df=df, slope=False).intercept for k in FIT_KINDS}
