"""Likelihoods: every common loss is the negative log-likelihood of a chosen distribution.

A likelihood names the distribution a network assumes for the target given the input,
p(y | x; theta), and the link that turns the network's raw output into that
distribution's parameters (a sigmoid for a probability, a softmax for class
probabilities, the identity for a mean, exp for a rate). Its negative log-likelihood,
averaged over the sample, is the loss the network minimises; it estimates the
cross-entropy between the data distribution and the model (``general_loss_latex``).

Each likelihood knows

- ``nll`` / ``nll_per_example``: the NLL in nats, computed stably from the raw output;
- ``builtin``: the PyTorch loss the derivation lands on, and ``relation``: the factor
  and constant linking the two (``nll == factor * builtin + constant``);
- ``distribution``, ``mean``, ``stddev``: the predictive distribution p(y | x);
- ``derivation``: the steps from p(y | x) to the named loss, as LaTeX plus one sentence;
- ``metric``, ``check_target``: a task metric and a target validator.

Likelihoods live in a registry filled by the ``register`` class decorator (in the
spirit of ``torch.distributions.kl.register_kl``); ``get(name, **params)`` builds one.

>>> from probnn import likelihoods
>>> lik = likelihoods.get("gaussian", sigma=2.0)
>>> lik.relation.factor  # nll == mse / (2 sigma^2) + log(sigma) + log(2 pi) / 2
0.125
"""

from __future__ import annotations

import abc
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor
from torch import distributions as D

from probnn.params import ParamSpec

__all__ = [
    "REGISTRY",
    "Bernoulli",
    "Categorical",
    "Gaussian",
    "GaussianLearnedVariance",
    "GaussianProbability",
    "Laplace",
    "Likelihood",
    "Poisson",
    "Relation",
    "Step",
    "StudentT",
    "general_loss_latex",
    "general_loss_text",
    "get",
    "names",
    "register",
]

HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)

general_loss_latex = (
    r"\mathcal{L}(\theta) = -\frac{1}{N}\sum_{i=1}^{N}\log p(y_i \mid x_i;\theta)"
    r"\;\approx\; H\big(p_{\text{data}},\, p_\theta\big)"
    r" = -\,\mathbb{E}_{(x,y)\sim p_{\text{data}}}\big[\log p(y \mid x;\theta)\big]"
)
general_loss_text = (
    "The average negative log-likelihood over the training sample is an estimate of the "
    "cross-entropy between the data distribution and the model's p(y | x); training a "
    "network means pushing this number down by gradient descent."
)


# ----------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Step:
    """One step of a derivation: a LaTeX line (for ``st.latex``/KaTeX) and a sentence."""

    latex: str  # KaTeX-compatible, no \begin{align}
    text: str  # one plain sentence


@dataclass(frozen=True)
class Relation:
    """How the NLL relates to the PyTorch built-in loss: ``nll == factor * builtin + constant``.

    ``constant`` is a float, or a callable ``constant(target) -> float`` when it depends on
    the targets (Poisson: the mean of log(y!) that ``poisson_nll_loss`` leaves out). Use
    ``constant_for(target)`` or ``apply(builtin_value, target)`` to handle both cases.
    When the likelihood has no built-in (``has_builtin`` is False) factor is 1 and
    constant 0 and ``text`` says there is nothing to compare with.
    """

    factor: float  # positive, so it does not move the minimum
    constant: float | Callable[[Tensor], float]  # does not depend on the network
    latex: str  # the relation as a formula
    text: str  # one plain sentence

    @property
    def target_dependent(self) -> bool:
        """True when the constant depends on the targets (it is a callable)."""
        return callable(self.constant)

    def constant_for(self, target=None) -> float:
        """The constant as a float; ``target`` is required when it depends on the targets."""
        if callable(self.constant):
            if target is None:
                raise ValueError("this relation's constant depends on the targets; pass target")
            return float(self.constant(torch.as_tensor(target)))
        return float(self.constant)

    def apply(self, builtin_value, target=None) -> Tensor:
        """``factor * builtin_value + constant``: the NLL recovered from the built-in loss."""
        return self.factor * torch.as_tensor(builtin_value) + self.constant_for(target)


# ----------------------------------------------------------------------------- registry

REGISTRY: dict[str, type[Likelihood]] = {}


def register(name: str):
    """Class decorator that files a Likelihood subclass under ``name`` in ``REGISTRY``.

    >>> @register("my_gaussian")          # doctest: +SKIP
    ... class MyGaussian(Likelihood): ...
    """

    def decorator(cls: type[Likelihood]) -> type[Likelihood]:
        if not (isinstance(cls, type) and issubclass(cls, Likelihood)):
            raise TypeError(f"register({name!r}) expects a Likelihood subclass, got {cls!r}")
        if name in REGISTRY and REGISTRY[name] is not cls:
            raise ValueError(f"likelihood name {name!r} is already registered")
        cls.name = name
        REGISTRY[name] = cls
        return cls

    return decorator


def names() -> list[str]:
    """Registered likelihood names, in registration order."""
    return list(REGISTRY)


def get(name: str, **params) -> Likelihood:
    """Build the likelihood registered as ``name`` with the given parameters.

    Raises ValueError for an unknown name (listing the valid ones), an unknown parameter,
    or a parameter value the distribution cannot take (e.g. sigma <= 0).
    """
    if name not in REGISTRY:
        raise ValueError(f"unknown likelihood {name!r}; choose one of: {', '.join(REGISTRY)}")
    return REGISTRY[name](**params)


# ----------------------------------------------------------------------------- helpers

_SIGMA = ParamSpec(
    "sigma", r"\sigma", 0.05, 10.0, 1.0, 0.05,
    help="Standard deviation of the noise the model assumes around its prediction.",
)  # fmt: skip
_B = ParamSpec(
    "b", "b", 0.05, 10.0, 1.0, 0.05,
    help="Scale of the Laplace noise; its standard deviation is b times the square root of 2.",
)  # fmt: skip
_DF = ParamSpec(
    "df", r"\nu", 0.5, 100.0, 3.0, 0.5,
    help="Degrees of freedom: small values mean heavy tails, large values approach a Gaussian.",
)  # fmt: skip
_SCALE = ParamSpec(
    "scale", "s", 0.05, 10.0, 1.0, 0.05,
    help="Scale of the Student-t noise around the prediction.",
)  # fmt: skip
_SMOOTHING = ParamSpec(
    "smoothing", r"\varepsilon", 0.0, 0.5, 0.0, 0.01,
    help="Share of each target's probability spread evenly over all classes.",
)  # fmt: skip


def _positive(v: float) -> bool:
    return v > 0


def _unit_interval_open(v: float) -> bool:
    return 0 <= v < 1


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else torch.as_tensor(x)


def _model_step(latex: str, text: str) -> Step:
    return Step(r"p(y \mid x;\theta) = " + latex, text)


def _common_steps() -> list[Step]:
    """Steps (2)-(4): maximum likelihood -> log -> average negative log-likelihood."""
    return [
        Step(
            r"\hat\theta = \arg\max_\theta \prod_{i=1}^{N} p(y_i \mid x_i;\theta)",
            "If the training pairs are drawn independently, the probability the model gives "
            "to the whole sample is the product of its per-example probabilities, and maximum "
            "likelihood picks the parameters that make this product as large as possible.",
        ),
        Step(
            r"\arg\max_\theta \prod_{i=1}^{N} p(y_i \mid x_i;\theta)"
            r" = \arg\max_\theta \sum_{i=1}^{N} \log p(y_i \mid x_i;\theta)",
            "The logarithm only ever increases, so it leaves the best parameters where they "
            "were, while turning a product of many tiny numbers into a sum that is safe to "
            "compute and easy to differentiate.",
        ),
        Step(
            general_loss_latex,
            "Putting a minus sign in front turns the search for a maximum into a search for a "
            "minimum, and dividing by N makes the loss an average: the sample estimate of the "
            "cross-entropy between the data and the model, which is the loss every network "
            "here minimises.",
        ),
    ]


# ----------------------------------------------------------------------------- base class


class Likelihood(abc.ABC):
    """Base class: a conditional distribution p(y | x; theta) and its NLL loss.

    Subclasses set the class attributes below and implement ``distribution`` (and
    usually ``nll_per_example``, ``builtin``, ``relation``, ``derivation``). Parameters
    are validated on construction; ``params`` holds the cleaned values.
    """

    name: ClassVar[str] = ""  # registry key, set by @register
    title: ClassVar[str] = ""  # "Bernoulli"
    loss_name: ClassVar[str] = ""  # "binary cross-entropy"
    task: ClassVar[str] = ""  # "binary" | "multiclass" | "regression" | "count"
    link: ClassVar[str] = ""  # "sigmoid" | "softmax" | "identity" | "exp"
    output_description: ClassVar[str] = ""  # what the raw output means, in words
    param_specs: ClassVar[tuple[ParamSpec, ...]] = ()
    # param name -> (predicate, requirement wording) checked by the constructor
    _constraints: ClassVar[dict[str, tuple[Callable[[float], bool], str]]] = {}
    builtin_name: ClassVar[str | None] = None  # "torch.nn.functional.mse_loss"
    builtin_call: ClassVar[str | None] = None  # how the built-in is called, as code
    metric_name: ClassVar[str] = ""  # "accuracy" | "RMSE"
    metric_higher_is_better: ClassVar[bool] = False
    _output_width: ClassVar[int | None] = None  # None: output is (N,); k: output is (N, k)

    def __init__(self, **params):
        specs = {s.name: s for s in self.param_specs}
        unknown = sorted(set(params) - set(specs))
        if unknown:
            accepted = ", ".join(specs) if specs else "none"
            raise ValueError(
                f"{self.name}: unknown parameter(s) {', '.join(unknown)}; accepted: {accepted}"
            )
        clean: dict[str, float] = {}
        for key, spec in specs.items():
            raw = params.get(key, spec.default)
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{self.name}: {key}={raw!r} is not a number") from None
            if not math.isfinite(value):
                raise ValueError(f"{self.name}: {key}={raw!r} is not finite; give a finite number")
            check, wording = self._constraints.get(key, (None, ""))
            if check is not None and not check(value):
                raise ValueError(
                    f"{self.name}: {key}={value:g} is invalid; {key} must be {wording}"
                )
            clean[key] = value
        self.params: dict[str, float] = clean

    # -- identity
    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"likelihoods.get({self.name!r}{', ' if args else ''}{args})"

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.params == self.params

    def __hash__(self) -> int:
        return hash((self.name, tuple(sorted(self.params.items()))))

    # -- shapes
    def output_size(self, n_classes: int | None = None) -> int:
        """Number of raw outputs per example the network must produce."""
        return 1 if self._output_width is None else self._output_width

    def _output(self, output) -> Tensor:
        """The raw output as a tensor of the expected shape; (N, 1) is squeezed to (N,)."""
        out = _tensor(output)
        if not out.is_floating_point():
            out = out.to(torch.get_default_dtype())
        if self._output_width is None:
            if out.ndim == 2 and out.shape[1] == 1:
                out = out[:, 0]
            if out.ndim != 1:
                raise ValueError(
                    f"{self.name}: output must have shape (N,) or (N, 1), got {tuple(out.shape)}"
                )
        elif out.ndim != 2 or out.shape[1] != self._output_width:
            raise ValueError(
                f"{self.name}: output must have shape (N, {self._output_width}), "
                f"got {tuple(out.shape)}"
            )
        return out

    def _pair(self, output, target) -> tuple[Tensor, Tensor]:
        """Output and target as tensors; the target gets the output's float dtype."""
        out = self._output(output)
        y = _tensor(target)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != out.shape[0]:
            raise ValueError(
                f"{self.name}: target must have shape ({out.shape[0]},) to match the output, "
                f"got {tuple(y.shape)}"
            )
        return out, y.to(out.dtype)

    # -- the loss
    def nll_per_example(self, output, target) -> Tensor:
        """Negative log-likelihood of each example, in nats: shape (N,).

        The base version is ``-distribution(output).log_prob(target)``; subclasses write the
        same formula out directly from the raw output, which is stable and avoids building a
        distribution object on every training step (tests check both agree to 1e-9).
        """
        out, y = self._pair(output, target)
        return -self._distribution(out, validate=False).log_prob(y)

    def nll(self, output, target) -> Tensor:
        """Mean negative log-likelihood over the batch, in nats (a 0-dim tensor)."""
        return self.nll_per_example(output, target).mean()

    def builtin(self, output, target) -> Tensor | None:
        """The PyTorch built-in loss the derivation lands on, or None when there is none."""
        return None

    @property
    def has_builtin(self) -> bool:
        """True when PyTorch ships a built-in loss for this likelihood."""
        return self.builtin_name is not None

    @property
    @abc.abstractmethod
    def relation(self) -> Relation:
        """``nll == factor * builtin + constant``, with a formula and a sentence."""

    @property
    @abc.abstractmethod
    def derivation(self) -> list[Step]:
        """Steps from p(y | x) to the named loss: model, product, log, average, density, loss."""

    # -- the predictive distribution
    @abc.abstractmethod
    def _distribution(self, out: Tensor, validate: bool | None) -> D.Distribution:
        """The torch.distributions object for the checked output ``out``."""

    def distribution(self, output) -> D.Distribution:
        """The ``torch.distributions`` object of p(y | x) for each example (batch shape (N,))."""
        return self._distribution(self._output(output), validate=None)

    def mean(self, output) -> Tensor:
        """Predictive mean, shape (N,)."""
        return self.distribution(output).mean

    def stddev(self, output) -> Tensor | None:
        """Predictive standard deviation, shape (N,), or None (see ``stddev_reason``)."""
        return self.distribution(output).stddev

    @property
    def stddev_reason(self) -> str | None:
        """Why ``stddev`` returns None, or None when it returns a tensor."""
        return None

    # -- evaluation
    @torch.no_grad()
    def metric(self, output, target) -> float:
        """The task metric (``metric_name``): RMSE of the predictive mean by default."""
        out, y = self._pair(output, target)
        return float(torch.sqrt(torch.mean((self.mean(out) - y) ** 2)))

    def check_target(self, target, n_classes: int | None = None) -> str | None:
        """A message saying what is wrong with ``target`` for this likelihood, or None."""
        if isinstance(target, Tensor):
            y = target
        else:
            arr = np.array(target)  # a copy: pandas may hand out read-only arrays
            if arr.dtype.kind == "O":
                try:
                    arr = arr.astype(np.float64)  # None -> NaN, reported below
                except (TypeError, ValueError):
                    return "targets must be numbers, but some are text or other objects"
            if arr.dtype.kind in "US":
                return "targets must be numbers, but some are text"
            if arr.dtype.kind not in "biuf":
                return f"targets must be numbers, but they are {arr.dtype.name} values"
            y = torch.from_numpy(arr)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            return f"targets must be one value per example (shape (N,)), got shape {tuple(y.shape)}"
        if y.numel() == 0:
            return "there are no targets"
        if y.dtype == torch.bool:
            y = y.to(torch.int64)
        if not (y.is_floating_point() or y.dtype.is_signed or y.dtype == torch.uint8):
            return f"targets must be numbers, got dtype {y.dtype}"
        if y.is_floating_point():
            bad = ~torch.isfinite(y)
            if bad.any():
                return (
                    f"{int(bad.sum())} target(s) are missing or infinite (NaN or inf); "
                    "remove those rows or fill them in"
                )
        return self._check_values(y, n_classes)

    def _check_values(self, y: Tensor, n_classes: int | None) -> str | None:
        return None


def _check_binary(y: Tensor) -> str | None:
    bad = (y != 0) & (y != 1)
    if bad.any():
        examples = ", ".join(f"{v:g}" for v in torch.unique(y[bad])[:5].tolist())
        return (
            f"{int(bad.sum())} label(s) are not 0 or 1 (e.g. {examples}); a binary "
            "likelihood needs labels coded as 0 and 1"
        )
    return None


@torch.no_grad()
def _binary_accuracy(logit: Tensor, y: Tensor) -> float:
    return float(((logit > 0).to(y.dtype) == y).to(torch.float64).mean())


# ----------------------------------------------------------------------------- classifiers


@register("bernoulli")
class Bernoulli(Likelihood):
    """Bernoulli label with probability sigmoid(z): binary cross-entropy.

    Output: the logit z, shape (N,). Target: 0/1 labels, shape (N,).
    """

    title = "Bernoulli"
    loss_name = "binary cross-entropy"
    task = "binary"
    link = "sigmoid"
    output_description = "the logit $z$; the probability of class 1 is $\\sigma(z)$"
    builtin_name = "torch.nn.functional.binary_cross_entropy_with_logits"
    builtin_call = "F.binary_cross_entropy_with_logits(z, y)"
    metric_name = "accuracy"
    metric_higher_is_better = True

    def _distribution(self, out, validate):
        return D.Bernoulli(logits=out, validate_args=validate)

    def nll_per_example(self, output, target):
        z, y = self._pair(output, target)
        # what Bernoulli(logits=z).log_prob(y) computes: -[y log s(z) + (1-y) log s(-z)]
        return F.binary_cross_entropy_with_logits(z, y, reduction="none")

    def builtin(self, output, target):
        z, y = self._pair(output, target)
        return F.binary_cross_entropy_with_logits(z, y)

    @property
    def relation(self):
        return Relation(
            1.0,
            0.0,
            r"\mathcal{L}_{\text{NLL}} = \mathrm{BCE}(z, y)",
            "Binary cross-entropy on the logits is exactly the Bernoulli negative "
            "log-likelihood: factor 1, nothing added.",
        )

    def mean(self, output):
        return torch.sigmoid(self._output(output))  # (N,) P(y = 1 | x)

    def stddev(self, output):
        return None

    @property
    def stddev_reason(self):
        return "a class label has no spread to show; the predicted probability says it all"

    def metric(self, output, target):
        z, y = self._pair(output, target)
        return _binary_accuracy(z, y)

    def _check_values(self, y, n_classes):
        return _check_binary(y)

    @property
    def derivation(self):
        return [
            _model_step(
                r"\sigma(z)^{y}\,\big(1-\sigma(z)\big)^{1-y},"
                r"\quad z = f_\theta(x),\quad \sigma(z) = \frac{1}{1+e^{-z}}",
                "The network outputs one number z, the logit, and the sigmoid squeezes it into "
                "the probability that the label is 1; a label of 0 or 1 then has a Bernoulli "
                "distribution with that probability.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = -\Big[y_i \log\sigma(z_i)"
                r" + (1-y_i)\log\big(1-\sigma(z_i)\big)\Big]",
                "Taking the log of the Bernoulli probability leaves one log-probability per "
                "example: the one for class 1 when the label is 1, the one for class 0 when "
                "it is 0.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \frac{1}{N}\sum_{i=1}^{N}"
                r"\Big[\log\big(1+e^{z_i}\big) - y_i z_i\Big] = \mathrm{BCE}(z, y)",
                "This is binary cross-entropy, with nothing dropped; written in terms of the "
                "logit it stays finite even when the sigmoid would round to exactly 0 or 1, "
                "which is why PyTorch's binary_cross_entropy_with_logits takes z rather than "
                "the probability.",
            ),
        ]


def _scaled(factor: float, loss: str) -> str:
    """LaTeX of ``factor`` times the named loss, the factor left out when it is 1."""
    name = rf"\mathrm{{{loss}}}"
    return name if factor == 1 else rf"{factor:.4g}\,{name}"


@register("categorical")
class Categorical(Likelihood):
    """Categorical label with probabilities softmax(z): cross-entropy.

    Output: logits z, shape (N, C). Target: class indices 0..C-1, shape (N,).
    ``smoothing`` = epsilon > 0 gives label smoothing: the loss becomes the cross-entropy
    against the target (1 - epsilon) * onehot(y) + epsilon / C, as in
    ``torch.nn.functional.cross_entropy(..., label_smoothing=epsilon)``.
    """

    title = "Categorical"
    loss_name = "cross-entropy"
    task = "multiclass"
    link = "softmax"
    output_description = "$C$ logits $z$; the class probabilities are $\\operatorname{softmax}(z)$"
    param_specs = (_SMOOTHING,)
    _constraints = {"smoothing": (_unit_interval_open, "in [0, 1)")}
    builtin_name = "torch.nn.functional.cross_entropy"
    metric_name = "accuracy"
    metric_higher_is_better = True

    @property
    def smoothing(self) -> float:
        return self.params["smoothing"]

    @property
    def builtin_call(self) -> str:  # type: ignore[override]
        if self.smoothing:
            return f"F.cross_entropy(z, y, label_smoothing={self.smoothing:g})"
        return "F.cross_entropy(z, y)"

    def output_size(self, n_classes=None):
        if n_classes is None or int(n_classes) < 2:
            raise ValueError(f"categorical: n_classes must be an integer >= 2, got {n_classes!r}")
        return int(n_classes)

    def _output(self, output):
        out = _tensor(output)
        if not out.is_floating_point():
            out = out.to(torch.get_default_dtype())
        if out.ndim != 2 or out.shape[1] < 2:
            raise ValueError(
                f"categorical: output must have shape (N, C) with C >= 2 logits, "
                f"got {tuple(out.shape)}"
            )
        return out

    def _pair(self, output, target):
        out = self._output(output)
        y = _tensor(target)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1 or y.shape[0] != out.shape[0]:
            raise ValueError(
                f"categorical: target must have shape ({out.shape[0]},) to match the output, "
                f"got {tuple(y.shape)}"
            )
        return out, y.long()

    def _distribution(self, out, validate):
        return D.Categorical(logits=out, validate_args=validate)

    def nll_per_example(self, output, target):
        z, y = self._pair(output, target)
        logp = F.log_softmax(z, dim=-1)  # (N, C)
        nll = -logp.gather(1, y[:, None])[:, 0]  # (N,) = -Categorical(logits=z).log_prob(y)
        eps = self.smoothing
        if eps == 0:
            return nll
        return (1.0 - eps) * nll - eps * logp.mean(dim=-1)  # cross-entropy vs smoothed target

    def builtin(self, output, target):
        z, y = self._pair(output, target)
        return F.cross_entropy(z, y, label_smoothing=self.smoothing)

    @property
    def relation(self):
        if self.smoothing:
            return Relation(
                1.0,
                0.0,
                r"\mathcal{L} = \mathrm{CE}_{\varepsilon}(z, y)",
                "With label smoothing the loss is the cross-entropy against the smoothed "
                "target, which is exactly what PyTorch's cross_entropy computes with "
                "label_smoothing set: factor 1, nothing added.",
            )
        return Relation(
            1.0,
            0.0,
            r"\mathcal{L}_{\text{NLL}} = \mathrm{CE}(z, y)",
            "PyTorch's cross_entropy on the logits is exactly the categorical negative "
            "log-likelihood: factor 1, nothing added.",
        )

    def mean(self, output):
        return torch.softmax(self._output(output), dim=-1)  # (N, C) class probabilities

    def stddev(self, output):
        return None

    @property
    def stddev_reason(self):
        return "a class label has no spread to show; the predicted probabilities say it all"

    @torch.no_grad()
    def metric(self, output, target):
        z, y = self._pair(output, target)
        return float((z.argmax(dim=-1) == y).to(torch.float64).mean())

    def _check_values(self, y, n_classes):
        if y.is_floating_point() and (y != torch.round(y)).any():
            return "class labels must be whole numbers 0, 1, ..., C-1"
        if (y < 0).any():
            return "class labels must not be negative; number the classes 0, 1, ..., C-1"
        if n_classes is not None and (y >= n_classes).any():
            return (
                f"labels go up to {int(y.max())}, but there are only {n_classes} classes; "
                f"labels must lie in 0..{n_classes - 1}"
            )
        return None

    @property
    def derivation(self):
        steps = [
            _model_step(
                r"\operatorname{softmax}(z)_{y} = \frac{e^{z_{y}}}{\sum_{k=1}^{C} e^{z_k}},"
                r"\quad z = f_\theta(x) \in \mathbb{R}^{C}",
                "The network outputs one logit per class, and the softmax turns these C "
                "numbers into probabilities that are positive and add up to one; the label is "
                "then a draw from that categorical distribution. The formulas number the "
                "classes $1, \\dots, C$; PyTorch's labels count from 0, so class $k$ has the "
                "label $k - 1$.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = -\log\operatorname{softmax}(z_i)_{y_i}"
                r" = -z_{i,y_i} + \log\sum_{k=1}^{C} e^{z_{i,k}}",
                "The log of a softmax probability is the logit of the true class minus the "
                "log-sum-exp of all logits, which can be computed without ever forming a "
                "probability that underflows.",
            ),
            Step(
                r"\mathcal{L}(\theta) = -\frac{1}{N}\sum_{i=1}^{N}\sum_{k=1}^{C}"
                r"[y_i = k]\,\log\operatorname{softmax}(z_i)_k = \mathrm{CE}(z, y)",
                "Averaging gives the cross-entropy between the one-hot label and the predicted "
                "probabilities, nothing dropped: this is PyTorch's CrossEntropyLoss, which "
                "takes the raw logits for the same numerical reason.",
            ),
        ]
        if self.smoothing:
            steps.append(
                Step(
                    r"q_{i,k} = (1-\varepsilon)\,[y_i = k] + \frac{\varepsilon}{C},\quad"
                    r"\mathcal{L}_{\varepsilon}(\theta) = -\frac{1}{N}\sum_{i=1}^{N}"
                    r"\sum_{k=1}^{C} q_{i,k}\log\operatorname{softmax}(z_i)_k",
                    "Label smoothing swaps the one-hot target for one that keeps a small share "
                    "$\\varepsilon$ spread over all classes, so the loss is still a "
                    "cross-entropy but its minimum no longer asks for infinitely confident "
                    "logits.",
                )
            )
        return steps


# ----------------------------------------------------------------------------- regression


@register("gaussian")
class Gaussian(Likelihood):
    """Gaussian target around the output with fixed standard deviation sigma: squared error.

    Output: the mean mu, shape (N,). Target: real numbers, shape (N,).
    """

    title = "Gaussian"
    loss_name = "mean squared error"
    task = "regression"
    link = "identity"
    output_description = "the mean $\\mu$ of the target"
    param_specs = (_SIGMA,)
    _constraints = {"sigma": (_positive, "> 0")}
    builtin_name = "torch.nn.functional.mse_loss"
    builtin_call = "F.mse_loss(mu, y)"
    metric_name = "RMSE"
    metric_higher_is_better = False

    @property
    def sigma(self) -> float:
        return self.params["sigma"]

    def _distribution(self, out, validate):
        return D.Normal(out, torch.full_like(out, self.sigma), validate_args=validate)

    def nll_per_example(self, output, target):
        mu, y = self._pair(output, target)
        s = self.sigma
        return 0.5 * ((y - mu) / s) ** 2 + (math.log(s) + HALF_LOG_2PI)

    def builtin(self, output, target):
        mu, y = self._pair(output, target)
        return F.mse_loss(mu, y)

    @property
    def relation(self):
        s = self.sigma
        factor = 1.0 / (2.0 * s * s)
        constant = math.log(s) + HALF_LOG_2PI
        return Relation(
            factor,
            constant,
            r"\mathcal{L}_{\text{NLL}} = \frac{1}{2\sigma^2}\,\mathrm{MSE}"
            r" + \log\sigma + \tfrac{1}{2}\log(2\pi)"
            rf" = {_scaled(factor, 'MSE')} {constant:+.4g}",
            f"With $\\sigma = {s:g}$ the NLL is the mean squared error times {factor:.4g} plus "
            f"{constant:.4g}; neither depends on the network, so both have the same minimum.",
        )

    def mean(self, output):
        return self._output(output)

    def stddev(self, output):
        return torch.full_like(self._output(output), self.sigma)

    @property
    def derivation(self):
        return [
            _model_step(
                r"\mathcal{N}\big(y;\ \mu,\ \sigma^2\big)"
                r" = \frac{1}{\sigma\sqrt{2\pi}}\exp\!\Big(-\frac{(y-\mu)^2}{2\sigma^2}\Big),"
                r"\quad \mu = f_\theta(x)",
                "The network predicts the mean of the target directly, with no link needed, "
                "and the model assumes bell-shaped noise of a fixed width $\\sigma$ around it.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = \frac{(y_i - \mu_i)^2}{2\sigma^2}"
                r" + \log\sigma + \tfrac{1}{2}\log(2\pi)",
                "The log turns the exponential into a squared distance, scaled by the noise "
                "variance, and leaves two terms that come from the normalising constant.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \frac{1}{2\sigma^2}\,\underbrace{\frac{1}{N}"
                r"\sum_{i=1}^{N}(y_i-\mu_i)^2}_{\mathrm{MSE}} + \log\sigma"
                r" + \tfrac{1}{2}\log(2\pi),\quad"
                r"\arg\min_\theta \mathcal{L} = \arg\min_\theta \mathrm{MSE}",
                "The terms $\\log\\sigma$ and $\\tfrac{1}{2}\\log(2\\pi)$ do not involve the "
                "network, and the factor $1/(2\\sigma^2)$ is positive, so they shift and stretch "
                "the loss without moving its lowest point: minimising this NLL is minimising "
                "mean squared error.",
            ),
        ]


@register("gaussian_learned_variance")
class GaussianLearnedVariance(Likelihood):
    """Gaussian whose mean and log-variance are both predicted: Gaussian NLL loss.

    Output: shape (N, 2) = (mean mu, log-variance s). Target: real numbers, shape (N,).
    ``nll`` is computed from the log-variance directly, so it stays finite where
    exp(s) would overflow or underflow.
    """

    title = "Gaussian with learned variance"
    loss_name = "Gaussian negative log-likelihood"
    task = "regression"
    link = "identity (mean), exp (variance)"
    output_description = (
        "two numbers: the mean $\\mu$ and the log-variance $s$; the variance is $e^{s}$"
    )
    builtin_name = "torch.nn.functional.gaussian_nll_loss"
    builtin_call = "F.gaussian_nll_loss(mu, y, torch.exp(s), full=True)"
    metric_name = "RMSE"
    metric_higher_is_better = False
    _output_width = 2

    def _distribution(self, out, validate):
        mu, logvar = out[:, 0], out[:, 1]
        return D.Normal(mu, torch.exp(0.5 * logvar), validate_args=validate)

    def nll_per_example(self, output, target):
        out, y = self._pair(output, target)
        mu, logvar = out[:, 0], out[:, 1]  # (N,), (N,)
        return 0.5 * (logvar + (y - mu) ** 2 * torch.exp(-logvar)) + HALF_LOG_2PI

    def builtin(self, output, target):
        out, y = self._pair(output, target)
        return F.gaussian_nll_loss(out[:, 0], y, torch.exp(out[:, 1]), full=True)

    @property
    def relation(self):
        return Relation(
            1.0,
            0.0,
            r"\mathcal{L}_{\text{NLL}} = \mathrm{GaussianNLL}_{\text{full}}\big(\mu, y, e^{s}\big)",
            "With full=True PyTorch's gaussian_nll_loss is exactly this NLL (factor 1, nothing "
            "added), as long as the variance stays above the 1e-6 floor it clamps to.",
        )

    def mean(self, output):
        return self._output(output)[:, 0]

    def stddev(self, output):
        return torch.exp(0.5 * self._output(output)[:, 1])

    @property
    def derivation(self):
        return [
            _model_step(
                r"\mathcal{N}\big(y;\ \mu,\ e^{s}\big),\quad (\mu, s) = f_\theta(x)",
                "The network gives two numbers per input, a mean and a log-variance; the "
                "exponential keeps the variance positive, so the model can say how unsure it "
                "is about each example.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = \tfrac{1}{2}\Big[s_i"
                r" + (y_i-\mu_i)^2 e^{-s_i}\Big] + \tfrac{1}{2}\log(2\pi)",
                "The squared error is now divided by a variance the network chooses, and the "
                "log-variance term charges it for claiming a wide spread.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \frac{1}{N}\sum_{i=1}^{N}\tfrac{1}{2}\Big[s_i"
                r" + \frac{(y_i-\mu_i)^2}{e^{s_i}}\Big] + \tfrac{1}{2}\log(2\pi)",
                "Only the constant $\\tfrac{1}{2}\\log(2\\pi)$ could be dropped, and PyTorch's "
                "gaussian_nll_loss with full=True keeps it; the network can soften the penalty "
                "on a hard example by raising its variance, but pays half the log-variance for "
                "it, so the two terms balance where the variance matches the squared error.",
            ),
        ]


@register("laplace")
class Laplace(Likelihood):
    """Laplace target around the output with scale b: absolute error (L1).

    Output: the location mu (the median), shape (N,). Target: real numbers, shape (N,).
    """

    title = "Laplace"
    loss_name = "mean absolute error (L1)"
    task = "regression"
    link = "identity"
    output_description = "the location $\\mu$ (median) of the target"
    param_specs = (_B,)
    _constraints = {"b": (_positive, "> 0")}
    builtin_name = "torch.nn.functional.l1_loss"
    builtin_call = "F.l1_loss(mu, y)"
    metric_name = "RMSE"
    metric_higher_is_better = False

    @property
    def b(self) -> float:
        return self.params["b"]

    def _distribution(self, out, validate):
        return D.Laplace(out, torch.full_like(out, self.b), validate_args=validate)

    def nll_per_example(self, output, target):
        mu, y = self._pair(output, target)
        return torch.abs(y - mu) / self.b + math.log(2.0 * self.b)

    def builtin(self, output, target):
        mu, y = self._pair(output, target)
        return F.l1_loss(mu, y)

    @property
    def relation(self):
        b = self.b
        factor, constant = 1.0 / b, math.log(2.0 * b)
        return Relation(
            factor,
            constant,
            r"\mathcal{L}_{\text{NLL}} = \frac{1}{b}\,\mathrm{L1} + \log(2b)"
            rf" = {_scaled(factor, 'L1')} {constant:+.4g}",
            f"With $b = {b:g}$ the NLL is the mean absolute error times {factor:.4g} plus "
            f"{constant:.4g}; neither depends on the network, so both have the same minimum.",
        )

    def mean(self, output):
        return self._output(output)

    def stddev(self, output):
        return torch.full_like(self._output(output), math.sqrt(2.0) * self.b)

    @property
    def derivation(self):
        return [
            _model_step(
                r"\frac{1}{2b}\exp\!\Big(-\frac{\lvert y-\mu\rvert}{b}\Big),"
                r"\quad \mu = f_\theta(x)",
                "The network predicts the centre of the target, and the noise around it has "
                "a sharp peak and heavier tails than a Gaussian, with scale b.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = \frac{\lvert y_i-\mu_i\rvert}{b} + \log(2b)",
                "The log of the Laplace density is an absolute distance scaled by b plus the "
                "log of its normalising constant.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \frac{1}{b}\,\underbrace{\frac{1}{N}\sum_{i=1}^{N}"
                r"\lvert y_i-\mu_i\rvert}_{\mathrm{L1}} + \log(2b),\quad"
                r"\arg\min_\theta \mathcal{L} = \arg\min_\theta \mathrm{L1}",
                "The factor 1/b is positive and log(2b) does not involve the network, so "
                "neither moves the minimum: this is mean absolute error, whose best constant "
                "prediction is the median, which makes it less sensitive to outliers than "
                "squared error.",
            ),
        ]


@register("student_t")
class StudentT(Likelihood):
    """Student-t target around the output (df, scale): a robust loss with no torch built-in.

    Output: the location mu, shape (N,). Target: real numbers, shape (N,).
    """

    title = "Student-t"
    loss_name = "Student-t negative log-likelihood"
    task = "regression"
    link = "identity"
    output_description = "the location $\\mu$ (centre) of the target"
    param_specs = (_DF, _SCALE)
    _constraints = {"df": (_positive, "> 0"), "scale": (_positive, "> 0")}
    builtin_name = None
    builtin_call = None
    metric_name = "RMSE"
    metric_higher_is_better = False

    @property
    def df(self) -> float:
        return self.params["df"]

    @property
    def scale(self) -> float:
        return self.params["scale"]

    def _distribution(self, out, validate):
        return D.StudentT(
            torch.full_like(out, self.df),
            out,
            torch.full_like(out, self.scale),
            validate_args=validate,
        )

    def nll_per_example(self, output, target):
        mu, y = self._pair(output, target)
        df, s = self.df, self.scale
        const = (
            math.log(s)
            + 0.5 * math.log(df * math.pi)
            + math.lgamma(0.5 * df)
            - math.lgamma(0.5 * (df + 1.0))
        )
        return 0.5 * (df + 1.0) * torch.log1p(((y - mu) / s) ** 2 / df) + const

    @property
    def relation(self):
        return Relation(
            1.0,
            0.0,
            r"\mathcal{L}_{\text{NLL}} = \frac{\nu+1}{2}\cdot\frac{1}{N}\sum_{i=1}^{N}"
            r"\log\!\Big(1+\frac{(y_i-\mu_i)^2}{\nu s^2}\Big) + \text{const}(\nu, s)",
            "PyTorch has no built-in Student-t loss, so there is nothing to compare with; "
            "the NLL itself is the loss.",
        )

    def mean(self, output):
        """The location mu: the centre, median and mode; it equals the mean when df > 1."""
        return self._output(output)

    def stddev(self, output):
        if self.df <= 2:
            return None
        return torch.full_like(
            self._output(output), self.scale * math.sqrt(self.df / (self.df - 2.0))
        )

    @property
    def stddev_reason(self):
        if self.df <= 1:
            return f"with df = {self.df:g} <= 1 the Student-t has no mean and no variance"
        if self.df <= 2:
            return f"with df = {self.df:g} <= 2 the Student-t's variance is infinite"
        return None

    @property
    def derivation(self):
        return [
            _model_step(
                r"\frac{\Gamma\big(\frac{\nu+1}{2}\big)}{\Gamma\big(\frac{\nu}{2}\big)"
                r"\sqrt{\nu\pi}\,s}\Big(1+\frac{(y-\mu)^2}{\nu s^2}\Big)^{-\frac{\nu+1}{2}},"
                r"\quad \mu = f_\theta(x)",
                "The network predicts the centre of the target, and the noise follows a "
                "Student-t with $\\nu$ degrees of freedom and scale $s$, whose tails get heavier "
                "as $\\nu$ gets smaller.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = \frac{\nu+1}{2}\log\!\Big(1"
                r"+\frac{(y_i-\mu_i)^2}{\nu s^2}\Big) + \log s"
                r" + \log\frac{\Gamma\big(\frac{\nu}{2}\big)\sqrt{\nu\pi}}"
                r"{\Gamma\big(\frac{\nu+1}{2}\big)}",
                "The power becomes a factor in front of a logarithm of the scaled squared "
                "residual, and the $\\Gamma$ functions collect into a term that depends only on "
                "$\\nu$ and $s$.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \frac{\nu+1}{2}\cdot\frac{1}{N}\sum_{i=1}^{N}"
                r"\log\!\Big(1+\frac{(y_i-\mu_i)^2}{\nu s^2}\Big) + \text{const}(\nu, s)",
                "The constant does not involve the network and the factor is positive, so "
                "neither moves the minimum; the remaining loss grows only like the log of a "
                "large residual, so outliers pull far less than under squared error, and "
                "PyTorch has no built-in for it.",
            ),
        ]


# ----------------------------------------------------------------------------- counts


def _mean_log_factorial(target: Tensor) -> float:
    """Mean of log(y!) = lgamma(y + 1): the target-only term poisson_nll_loss leaves out."""
    y = torch.as_tensor(target, dtype=torch.float64)
    return float(torch.lgamma(y + 1.0).mean())


@register("poisson")
class Poisson(Likelihood):
    """Poisson count with rate exp(eta): Poisson NLL.

    Output: the log-rate eta, shape (N,). Target: counts 0, 1, 2, ..., shape (N,).
    ``nll`` is ``exp(eta) - y * eta + lgamma(y + 1)`` computed from eta directly, which
    stays finite where exp(eta) underflows.
    """

    title = "Poisson"
    loss_name = "Poisson negative log-likelihood"
    task = "count"
    link = "exp"
    output_description = "the log-rate $\\eta$; the expected count is $e^{\\eta}$"
    builtin_name = "torch.nn.functional.poisson_nll_loss"
    builtin_call = "F.poisson_nll_loss(eta, y, log_input=True, full=False)"
    metric_name = "RMSE"
    metric_higher_is_better = False

    def _distribution(self, out, validate):
        return D.Poisson(rate=torch.exp(out), validate_args=validate)

    def nll_per_example(self, output, target):
        eta, y = self._pair(output, target)
        return torch.exp(eta) - y * eta + torch.lgamma(y + 1.0)

    def builtin(self, output, target):
        eta, y = self._pair(output, target)
        return F.poisson_nll_loss(eta, y, log_input=True, full=False)

    @property
    def relation(self):
        return Relation(
            1.0,
            _mean_log_factorial,
            r"\mathcal{L}_{\text{NLL}} = \mathrm{PoissonNLL}(\eta, y)"
            r" + \frac{1}{N}\sum_{i=1}^{N}\log(y_i!)",
            "PyTorch's poisson_nll_loss leaves out the log(y!) term; it depends only on the "
            "counts, not on the network, so the constant here is the mean of log(y!) over the "
            "targets.",
        )

    def mean(self, output):
        return torch.exp(self._output(output))

    def stddev(self, output):
        return torch.exp(0.5 * self._output(output))  # sqrt(rate)

    def _check_values(self, y, n_classes):
        if (y < 0).any():
            return f"{int((y < 0).sum())} count(s) are negative; counts must be 0, 1, 2, ..."
        if y.is_floating_point() and (y != torch.round(y)).any():
            n = int((y != torch.round(y)).sum())
            return f"{n} count(s) are not whole numbers; counts must be 0, 1, 2, ..."
        return None

    @property
    def derivation(self):
        return [
            _model_step(
                r"\frac{\lambda^{y} e^{-\lambda}}{y!},\quad \lambda = e^{\eta},"
                r"\quad \eta = f_\theta(x)",
                "The network outputs a log-rate, and the exponential turns it into a positive "
                "expected count; the observed count is then Poisson with that rate.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = e^{\eta_i} - y_i\,\eta_i + \log(y_i!)",
                "The log of the Poisson probability splits into the rate, the count times the "
                "log-rate, and the log of the count's factorial.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \frac{1}{N}\sum_{i=1}^{N}\big(e^{\eta_i}"
                r" - y_i\,\eta_i\big) + \frac{1}{N}\sum_{i=1}^{N}\log(y_i!)",
                "The log-factorial term depends on the counts only, not on the network, so it "
                "does not move the minimum and PyTorch's poisson_nll_loss drops it; for a model "
                "that predicts one rate for everything, what remains is smallest when that "
                "rate equals the average count.",
            ),
        ]


# ----------------------------------------------------------------------------- the wrong likelihood


@register("gaussian_probability")
class GaussianProbability(Likelihood):
    """A unit-variance Gaussian around sigmoid(z) for 0/1 labels: squared error on probabilities.

    This is the "wrong likelihood" for classification that TensorFlow Playground trains its
    classifiers with. Output: the logit z, shape (N,). Target: 0/1 labels, shape (N,).
    """

    title = "Gaussian on probabilities"
    loss_name = "mean squared error on probabilities"
    task = "binary"
    link = "sigmoid"
    output_description = (
        "the logit $z$; the predicted probability $\\sigma(z)$ is the Gaussian mean"
    )
    builtin_name = "torch.nn.functional.mse_loss"
    builtin_call = "F.mse_loss(torch.sigmoid(z), y)"
    metric_name = "accuracy"
    metric_higher_is_better = True

    def _distribution(self, out, validate):
        return D.Normal(torch.sigmoid(out), torch.ones_like(out), validate_args=validate)

    def nll_per_example(self, output, target):
        z, y = self._pair(output, target)
        return 0.5 * (y - torch.sigmoid(z)) ** 2 + HALF_LOG_2PI

    def builtin(self, output, target):
        z, y = self._pair(output, target)
        return F.mse_loss(torch.sigmoid(z), y)

    @property
    def relation(self):
        return Relation(
            0.5,
            HALF_LOG_2PI,
            r"\mathcal{L}_{\text{NLL}} = \tfrac{1}{2}\,\mathrm{MSE}\big(\sigma(z), y\big)"
            r" + \tfrac{1}{2}\log(2\pi)",
            "The NLL is half the squared error between the predicted probability and the "
            "label, plus the constant $\\tfrac{1}{2}\\log(2\\pi)$.",
        )

    def mean(self, output):
        return torch.sigmoid(self._output(output))  # (N,) predicted probability

    def stddev(self, output):
        return None

    @property
    def stddev_reason(self):
        return (
            "the model assumes unit Gaussian noise on a 0/1 label, which is not a real spread "
            "of the label; only the predicted probability is meaningful"
        )

    def metric(self, output, target):
        z, y = self._pair(output, target)
        return _binary_accuracy(z, y)

    def _check_values(self, y, n_classes):
        return _check_binary(y)

    @property
    def derivation(self):
        return [
            _model_step(
                r"\mathcal{N}\big(y;\ \sigma(z),\ 1\big),\quad z = f_\theta(x)",
                "Here the 0/1 label is treated as if it were a real number scattered with unit "
                "variance around the predicted probability sigmoid(z), which is the assumption "
                "hidden in training a classifier with squared error.",
            ),
            *_common_steps(),
            Step(
                r"-\log p(y_i \mid x_i;\theta) = \tfrac{1}{2}\big(y_i - \sigma(z_i)\big)^2"
                r" + \tfrac{1}{2}\log(2\pi)",
                "The Gaussian log density is a squared distance plus a normalising constant.",
            ),
            Step(
                r"\mathcal{L}(\theta) = \tfrac{1}{2}\,\mathrm{MSE}\big(\sigma(z), y\big)"
                r" + \tfrac{1}{2}\log(2\pi)",
                "Dropping the constant and the positive factor one half does not move the "
                "minimum, leaving squared error on probabilities; unlike binary cross-entropy, "
                "whose penalty grows without bound, a confidently wrong prediction has a "
                "squared error of at most 1 and a gradient that fades as the sigmoid "
                "saturates, so such mistakes are corrected slowly.",
            ),
        ]
