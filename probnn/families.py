"""Distribution families whose parameters drive sliders.

Each ``Family`` names a ``torch.distributions`` family, lists its parameters as
``ParamSpec``s (name, LaTeX symbol, range, default, step), builds a float64
distribution from parameter values, and gives the points and the table that the
charts draw (x, p(x) and the entropy integrand -p(x) log p(x)).

The ranges keep every member finite and plottable: no zero widths, no vanishing
scales, counts small enough to enumerate.

Usage::

    from probnn import families
    fam = families.get("normal")
    dist = fam.build(mu=0.0, sigma=2.0)        # torch.distributions.Normal, float64
    frame = fam.table(mu=0.0, sigma=2.0)       # DataFrame[x, p, contribution]

Categorical: ``K`` outcomes (2..10) with probabilities either given directly as
``probs=[...]`` (a list of K numbers summing to 1) or, by default, from logits
``l1..lK`` (see ``categorical_logit_specs(K)``) and a temperature ``T``:
``pi_k = exp(l_k / T) / sum_j exp(l_j / T)``. The formulas number the outcomes k = 1..K;
torch (and ``support``/``table``) number them 0..K-1.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import distributions as D

from probnn.params import ParamSpec

__all__ = [
    "FAMILIES",
    "Family",
    "categorical_logit_specs",
    "get",
    "names",
]

_F64 = torch.float64
_MAX_DISCRETE_POINTS = 200  # cap on the x values shown for a pmf
_N_CONTINUOUS = 400  # points of a density curve
_MASS = 0.9999  # a pmf's plotted x values cover at least this much mass

_LOGIT_DEFAULTS = (1.5, 0.5, -0.5, 1.0, -1.0, 0.0, 2.0, -1.5, 0.8, -0.3)
_MAX_K = 10


def _t(v: float) -> torch.Tensor:
    return torch.tensor(float(v), dtype=_F64)


def categorical_logit_specs(k: int) -> tuple[ParamSpec, ...]:
    """ParamSpecs of the logits l1..lK of a categorical family with K outcomes."""
    k = int(k)
    if not 2 <= k <= _MAX_K:
        raise ValueError(f"K={k} is outside 2..{_MAX_K}; choose between 2 and {_MAX_K} outcomes.")
    return tuple(
        ParamSpec(
            f"l{i + 1}",
            rf"\ell_{{{i + 1}}}",
            -5.0,
            5.0,
            _LOGIT_DEFAULTS[i],
            0.1,
            help=f"Logit (unnormalised log-probability) of outcome {i + 1}.",
        )
        for i in range(k)
    )


def _fmt(v: float) -> str:
    return f"{v:g}"


@dataclass(frozen=True)
class Family:
    key: str  # registry key, e.g. "normal"
    title: str  # display name, e.g. "Normal (Gaussian)"
    kind: str  # "discrete" (a pmf) or "continuous" (a density)
    params: tuple[ParamSpec, ...]  # the sliders, in display order
    latex: str  # the pmf or pdf
    entropy_latex: str | None  # closed-form entropy, None where there is none
    description: str  # one plain sentence
    _make: Callable[[dict], D.Distribution] = field(repr=False, compare=False)
    _range: Callable[[dict, D.Distribution], tuple[float, float]] | None = field(
        default=None, repr=False, compare=False
    )

    # ----------------------------------------------------------------- values

    def defaults(self) -> dict[str, float | int]:
        """Parameter name -> default value (for categorical, includes l1..lK)."""
        out = {s.name: s.cast(s.default) for s in self.params}
        if self.key == "categorical":
            out.update({s.name: s.default for s in categorical_logit_specs(out["K"])})
        return out

    def param_specs(self, **values) -> tuple[ParamSpec, ...]:
        """All ParamSpecs for these values: ``params`` plus, for categorical, l1..lK."""
        if self.key != "categorical":
            return self.params
        k = values.get("K", self.defaults()["K"])
        return self.params + categorical_logit_specs(_check(self.params[0], k))

    def values(self, **values) -> dict:
        """Validated values with defaults filled in; ValueError says what to change."""
        if self.key == "categorical" and values.get("probs") is not None and "K" not in values:
            values = {**values, "K": len(values["probs"])}
        specs = {s.name: s for s in self.param_specs(**values)}
        allowed = set(specs)
        if self.key == "categorical":
            # logits of outcomes beyond K (left over from a larger K) are ignored
            allowed |= {"probs"} | {f"l{i}" for i in range(1, _MAX_K + 1)}
        extra = set(values) - allowed
        if extra:
            raise ValueError(
                f"{self.key} has no parameter(s) {sorted(extra)}; its parameters are "
                f"{sorted(specs)}."
            )
        out = {}
        for name, spec in specs.items():
            out[name] = _check(spec, values[name]) if name in values else spec.cast(spec.default)
        if "probs" in values and values["probs"] is not None:
            out["probs"] = values["probs"]
        return out

    def build(self, **values) -> D.Distribution:
        """The float64 distribution with these parameter values (defaults for the rest).

        Raises ValueError with a clear message for unknown names or invalid values.
        """
        return self._make(self.values(**values))

    # --------------------------------------------------------------- plotting

    def support(self, **values) -> torch.Tensor:
        """x points for plotting (n,) float64.

        Discrete: consecutive integers covering at least 99.99% of the mass (capped at
        200 points). Continuous: 400 evenly spaced points over a range holding nearly
        all the mass (the whole support plus a margin for the uniform).
        """
        vals = self.values(**values)
        dist = self._make(vals)
        if self.kind == "discrete":
            return _discrete_points(dist)
        lo, hi = self._range(vals, dist)
        return torch.linspace(lo, hi, _N_CONTINUOUS, dtype=_F64)

    grid = support

    def table(self, **values) -> pd.DataFrame:
        """DataFrame with columns x, p (pmf or pdf) and contribution = -p log p.

        For a pmf the contributions sum to the entropy; for a density they are the
        integrand of the differential entropy (nats).
        """
        vals = self.values(**values)
        dist = self._make(vals)
        x = self.support(**values)
        lp = _log_p(dist, x)
        p = torch.exp(lp)
        contribution = torch.where(p > 0, -p * lp, torch.zeros_like(p))
        return pd.DataFrame({"x": x.numpy(), "p": p.numpy(), "contribution": contribution.numpy()})


def _check(spec: ParamSpec, raw) -> float | int:
    """Validate one value strictly (no fallback to the default)."""
    value, message = spec.coerce(raw)
    if message is not None:
        # coerce's message ends with the default it would use; build() uses none
        text = message.split(";")[0]
        raise ValueError(
            f"{text}; choose a value in [{spec.fmt(spec.low)}, {spec.fmt(spec.high)}]"
            + (" (whole numbers)" if spec.integer else "")
            + "."
        )
    return value


def _log_p(dist: D.Distribution, x: torch.Tensor) -> torch.Tensor:
    """log pmf/pdf at x (n,), -inf outside the support (no validation error)."""
    ok = dist.support.check(x)
    lo = float(x[ok][0]) if ok.any() else 0.0
    safe = torch.where(ok, x, torch.full_like(x, lo))
    return torch.where(ok, dist.log_prob(safe).to(_F64), -math.inf)


def _discrete_points(dist: D.Distribution) -> torch.Tensor:
    s = dist.support
    if isinstance(s, D.constraints._Boolean):
        return torch.tensor([0.0, 1.0], dtype=_F64)
    hi = getattr(s, "upper_bound", None)
    if hi is not None and float(hi) < _MAX_DISCRETE_POINTS:
        return torch.arange(0, int(hi) + 1, dtype=_F64)
    # unbounded: enumerate far enough, then keep the central 99.99%
    n = 64
    while True:
        x = torch.arange(0, n, dtype=_F64)
        cum = torch.cumsum(torch.exp(dist.log_prob(x)), 0)
        if float(cum[-1]) >= 1 - (1 - _MASS) / 2 or n >= 1 << 16:
            break
        n *= 2
    tail = (1 - _MASS) / 2
    first = int(torch.searchsorted(cum, torch.tensor(tail, dtype=_F64)))
    last = int(torch.searchsorted(cum, torch.tensor(1 - tail, dtype=_F64)))
    last = min(last, n - 1, first + _MAX_DISCRETE_POINTS - 1)
    return torch.arange(first, last + 1, dtype=_F64)


# ------------------------------------------------------------------- builders


def _bernoulli(v):
    return D.Bernoulli(probs=_t(v["pi"]))


def _categorical(v):
    k = v["K"]
    probs = v.get("probs")
    if probs is not None:
        pr = torch.as_tensor(probs, dtype=_F64).flatten()
        if pr.numel() != k:
            raise ValueError(f"probs has {pr.numel()} entries but K={k}; give exactly K numbers.")
        if torch.isnan(pr).any() or (pr < 0).any():
            raise ValueError("probs must be numbers >= 0.")
        if abs(float(pr.sum()) - 1) > 1e-6:
            raise ValueError(f"probs sum to {float(pr.sum()):.10g} (should be 1).")
        return D.Categorical(probs=pr)
    logits = torch.tensor([v[f"l{i + 1}"] for i in range(k)], dtype=_F64)
    return D.Categorical(logits=logits / v["T"])


def _binomial(v):
    return D.Binomial(total_count=_t(v["n"]), probs=_t(v["pi"]))


def _poisson(v):
    return D.Poisson(_t(v["rate"]))


def _geometric(v):
    return D.Geometric(probs=_t(v["p"]))


def _normal(v):
    return D.Normal(_t(v["mu"]), _t(v["sigma"]))


def _laplace(v):
    return D.Laplace(_t(v["mu"]), _t(v["b"]))


def _uniform(v):
    return D.Uniform(_t(v["a"]), _t(v["a"] + v["width"]))


def _student_t(v):
    return D.StudentT(_t(v["df"]), _t(v["mu"]), _t(v["scale"]))


def _mixture(v):
    w = float(v["w"])
    mix = D.Categorical(probs=torch.tensor([w, 1 - w], dtype=_F64))
    comp = D.Normal(
        torch.tensor([v["mu1"], v["mu2"]], dtype=_F64),
        torch.tensor([v["sigma1"], v["sigma2"]], dtype=_F64),
    )
    return D.MixtureSameFamily(mix, comp)


# ------------------------------------------------------------ plotting ranges


def _normal_range(v, d):
    return v["mu"] - 5 * v["sigma"], v["mu"] + 5 * v["sigma"]


def _laplace_range(v, d):
    half = v["b"] * math.log(1e5)  # mass outside is 1e-5
    return v["mu"] - half, v["mu"] + half


def _uniform_range(v, d):
    margin = 0.15 * v["width"]
    return v["a"] - margin, v["a"] + v["width"] + margin


def _student_t_range(v, d):
    # heavy tails: a wider window for small df (df = 1 keeps about 96% of the mass)
    half = v["scale"] * (4 + 12 / v["df"])
    return v["mu"] - half, v["mu"] + half


def _mixture_range(v, d):
    lo = min(v["mu1"] - 5 * v["sigma1"], v["mu2"] - 5 * v["sigma2"])
    hi = max(v["mu1"] + 5 * v["sigma1"], v["mu2"] + 5 * v["sigma2"])
    return lo, hi


# ------------------------------------------------------------------ registry

_PI = ParamSpec("pi", r"\pi", 0.0, 1.0, 0.3, 0.01, help="Probability of outcome 1.")
_MU = ParamSpec("mu", r"\mu", -5.0, 5.0, 0.0, 0.1, help="Location (centre).")

FAMILIES: dict[str, Family] = {
    f.key: f
    for f in (
        Family(
            "bernoulli",
            "Bernoulli",
            "discrete",
            (_PI,),
            r"p(x) = \pi^{x} (1 - \pi)^{1 - x}, \quad x \in \{0, 1\}",
            r"H = -\pi \log \pi - (1 - \pi) \log (1 - \pi)",
            "One yes/no outcome that is 1 with probability $\\pi$.",
            _bernoulli,
        ),
        Family(
            "categorical",
            "Categorical",
            "discrete",
            (
                ParamSpec("K", "K", 2, _MAX_K, 4, 1, integer=True, help="Number of outcomes."),
                ParamSpec(
                    "T",
                    "T",
                    0.1,
                    5.0,
                    1.0,
                    0.1,
                    help="Temperature: large T flattens the probabilities, small T sharpens them.",
                ),
            ),
            r"p(x = k) = \pi_k = \frac{e^{\ell_k / T}}{\sum_{j=1}^{K} e^{\ell_j / T}},"
            r" \quad k = 1, \dots, K",
            r"H = -\sum_{k=1}^{K} \pi_k \log \pi_k \;\le\; \log K",
            "One of $K$ outcomes, with probabilities from a softmax of logits.",
            _categorical,
        ),
        Family(
            "binomial",
            "Binomial",
            "discrete",
            (
                ParamSpec("n", "n", 1, 50, 10, 1, integer=True, help="Number of trials."),
                _PI,
            ),
            r"p(x) = \binom{n}{x} \pi^{x} (1 - \pi)^{n - x}, \quad x = 0, \dots, n",
            None,
            "Number of successes in $n$ independent trials with success probability $\\pi$.",
            _binomial,
        ),
        Family(
            "poisson",
            "Poisson",
            "discrete",
            (ParamSpec("rate", r"\lambda", 0.1, 30.0, 3.0, 0.1, help="Mean count."),),
            r"p(x) = \frac{\lambda^{x} e^{-\lambda}}{x!}, \quad x = 0, 1, 2, \dots",
            None,
            "Counts of events that happen independently at a constant rate.",
            _poisson,
        ),
        Family(
            "geometric",
            "Geometric",
            "discrete",
            (ParamSpec("p", "p", 0.05, 0.95, 0.3, 0.01, help="Success probability per trial."),),
            r"p(x) = (1 - p)^{x} p, \quad x = 0, 1, 2, \dots"
            r"\ \text{(failures before the first success)}",
            r"H = \frac{-(1 - p) \log (1 - p) - p \log p}{p}",
            "Number of failures before the first success.",
            _geometric,
        ),
        Family(
            "normal",
            "Normal (Gaussian)",
            "continuous",
            (_MU, ParamSpec("sigma", r"\sigma", 0.1, 5.0, 1.0, 0.1, help="Standard deviation.")),
            r"p(x) = \frac{1}{\sqrt{2 \pi} \sigma} e^{-\frac{(x - \mu)^2}{2 \sigma^2}}",
            r"h = \tfrac{1}{2} \log (2 \pi e \sigma^2)",
            "The bell curve: mean $\\mu$, standard deviation $\\sigma$.",
            _normal,
            _normal_range,
        ),
        Family(
            "laplace",
            "Laplace",
            "continuous",
            (_MU, ParamSpec("b", "b", 0.1, 5.0, 1.0, 0.1, help="Scale (mean absolute deviation).")),
            r"p(x) = \frac{1}{2 b} e^{-\frac{|x - \mu|}{b}}",
            r"h = 1 + \log (2 b)",
            "A sharp peak with exponential tails; its negative log-density is the absolute error.",
            _laplace,
            _laplace_range,
        ),
        Family(
            "uniform",
            "Uniform",
            "continuous",
            (
                ParamSpec("a", "a", -5.0, 5.0, -1.0, 0.1, help="Left end."),
                ParamSpec("width", "w", 0.1, 10.0, 2.0, 0.1, help="Length of the interval."),
            ),
            r"p(x) = \frac{1}{w} \ \text{for}\ a \le x < a + w, \ 0 \ \text{otherwise}",
            r"h = \log w",
            "Every value in $[a, a + w)$ equally likely.",
            _uniform,
            _uniform_range,
        ),
        Family(
            "student_t",
            "Student-t",
            "continuous",
            (
                ParamSpec(
                    "df",
                    r"\nu",
                    1.0,
                    30.0,
                    3.0,
                    0.5,
                    help="Degrees of freedom: small means heavy tails.",
                ),
                _MU,
                ParamSpec("scale", "s", 0.1, 5.0, 1.0, 0.1, help="Scale."),
            ),
            r"p(x) = \frac{\Gamma(\frac{\nu + 1}{2})}{\Gamma(\frac{\nu}{2}) \sqrt{\nu \pi}\, s}"
            r" \left(1 + \frac{1}{\nu} \left(\frac{x - \mu}{s}\right)^2\right)^{-\frac{\nu + 1}{2}}",
            r"h = \frac{\nu + 1}{2} \left[\psi\left(\frac{\nu + 1}{2}\right) - "
            r"\psi\left(\frac{\nu}{2}\right)\right] + \log\left(\sqrt{\nu}\, "
            r"B\left(\frac{\nu}{2}, \frac{1}{2}\right)\right) + \log s",
            "A bell curve with heavier tails; $\\nu = 1$ is the Cauchy distribution.",
            _student_t,
            _student_t_range,
        ),
        Family(
            "mixture",
            "Gaussian mixture (2 components)",
            "continuous",
            (
                ParamSpec("w", "w", 0.0, 1.0, 0.3, 0.01, help="Weight of component 1."),
                ParamSpec("mu1", r"\mu_1", -5.0, 5.0, -2.0, 0.1, help="Mean of component 1."),
                ParamSpec("sigma1", r"\sigma_1", 0.1, 3.0, 0.7, 0.1, help="Spread of component 1."),
                ParamSpec("mu2", r"\mu_2", -5.0, 5.0, 2.0, 0.1, help="Mean of component 2."),
                ParamSpec("sigma2", r"\sigma_2", 0.1, 3.0, 1.0, 0.1, help="Spread of component 2."),
            ),
            r"p(x) = w\, \mathcal{N}(x; \mu_1, \sigma_1^2) + (1 - w)\, \mathcal{N}(x; \mu_2, \sigma_2^2)",
            None,
            "Two bell curves blended with weights $w$ and $1 - w$: a two-humped density.",
            _mixture,
            _mixture_range,
        ),
    )
}


def names() -> list[str]:
    """Registry keys, in display order."""
    return list(FAMILIES)


def get(key: str) -> Family:
    """The Family registered under ``key``; ValueError listing the valid keys otherwise."""
    try:
        return FAMILIES[key]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown distribution family {key!r}; choose one of: {', '.join(FAMILIES)}."
        ) from None
