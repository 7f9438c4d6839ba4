"""Data sets: seeded synthetic generators and validated CSV loading.

Every data set ends up as a :class:`Dataset`: float32 inputs ``X`` of shape (N, D) and
targets ``y`` of shape (N,), split into a training and a test part. Targets are int64
class labels 0..C-1 for ``"binary"`` and ``"multiclass"`` tasks and float32 for
``"regression"`` and ``"count"`` (counts hold whole numbers >= 0).

Synthetic sets come from :data:`GENERATORS` through :func:`make`. Each generator draws
from its own ``torch.Generator`` seeded explicitly, so the same seed gives identical
tensors and torch's global random state is never touched. Their knobs are
:class:`~probnn.params.ParamSpec` objects, which the app turns into sliders.

A user's own table comes in through :func:`read_csv` (bytes -> DataFrame, checked) and
:func:`load_csv` (DataFrame -> Dataset, checked for the chosen task). Every problem is
reported as a :class:`DataError` whose message says what to change.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from probnn.params import ParamSpec

__all__ = [
    "TASKS",
    "MIN_ROWS",
    "MIN_PER_CLASS",
    "MAX_CLASSES",
    "SEED",
    "TEST_FRACTION",
    "DataError",
    "FeatureScaling",
    "Dataset",
    "Generator",
    "GENERATORS",
    "make",
    "conditional_entropy",
    "generators_for",
    "MAX_COLUMNS",
    "MAX_CELL",
    "read_csv",
    "load_csv",
]

TASKS = ("binary", "multiclass", "regression", "count")
MIN_ROWS = 10  # complete rows a CSV must keep after cleaning
MIN_PER_CLASS = 2  # rows each class needs in a CSV
MAX_CLASSES = 10  # distinct labels a CSV multiclass target may have
SPLIT_COLUMN = "split"  # name of the train/test column in Dataset.frame
_SQRT3 = math.sqrt(3.0)  # 1-D inputs are uniform on [-sqrt 3, sqrt 3]: mean 0, sd 1


class DataError(ValueError):
    """A data set could not be built; the message says what to change."""


# --------------------------------------------------------------------------- Dataset


@dataclass(frozen=True)
class FeatureScaling:
    """The affine map from raw feature values to the stored ones:
    ``stored = (raw - mean) / std``, one entry per feature."""

    mean: tuple[float, ...]  # (D,)
    std: tuple[float, ...]  # (D,)

    def transform(self, X) -> torch.Tensor:
        """Raw values (N, D) -> standardised float32 (N, D)."""
        X = torch.as_tensor(X, dtype=torch.float32)
        return (X - torch.tensor(self.mean)) / torch.tensor(self.std)

    def inverse(self, X) -> torch.Tensor:
        """Standardised values (N, D) -> raw float32 (N, D)."""
        X = torch.as_tensor(X, dtype=torch.float32)
        return X * torch.tensor(self.std) + torch.tensor(self.mean)


@dataclass(eq=False)
class Dataset:
    """A data set split into training and test parts.

    Attributes
    ----------
    name : key of the generator (``"moons"``) or the CSV's name.
    task : one of :data:`TASKS`.
    X_train, X_test : float32 (N, D) inputs, standardised to roughly unit scale.
    y_train, y_test : (N,) targets; int64 labels 0..C-1 for binary/multiclass,
        float32 for regression and count.
    n_classes : number of classes for binary (2) and multiclass, else None.
    feature_names : one name per input column (``["x1", "x2"]``).
    target_name : name of the target column (``"y"``).
    notes : plain sentences about what was done to the data (rows dropped,
        labels mapped, features standardised).
    feature_scaling : how raw features were standardised (None if they were not).
    class_names : display name of each class 0..C-1 (the original CSV labels).
    params : the generator's parameter values (empty for a CSV).
    seed : the seed used for generation and the split.
    source : ``"synthetic"`` or ``"csv"``.
    truth : for synthetic regression/count sets, the data-generating mean and
        standard deviation of y on a grid of x: DataFrame(x, mean, sd); else None.
    """

    name: str
    task: str
    X_train: torch.Tensor  # (N_train, D) float32
    y_train: torch.Tensor  # (N_train,)
    X_test: torch.Tensor  # (N_test, D) float32
    y_test: torch.Tensor  # (N_test,)
    n_classes: int | None = None
    feature_names: list[str] = field(default_factory=list)
    target_name: str = "y"
    notes: list[str] = field(default_factory=list)
    feature_scaling: FeatureScaling | None = None
    class_names: list[str] | None = None
    params: dict = field(default_factory=dict)
    seed: int = 0
    source: str = "synthetic"
    truth: pd.DataFrame | None = None

    def __post_init__(self):
        if not self.feature_names:
            d = self.n_features
            self.feature_names = ["x"] if d == 1 else [f"x{i + 1}" for i in range(d)]

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_test(self) -> int:
        return int(self.X_test.shape[0])

    @property
    def is_classification(self) -> bool:
        return self.task in ("binary", "multiclass")

    def frame(self, split: str = "train") -> pd.DataFrame:
        """Long table for charts: one row per point, the feature columns, the target
        column and a ``split`` column ("train"/"test").

        ``split`` is "train", "test" or "all" (training rows first).
        """
        parts = {
            "train": [("train", self.X_train, self.y_train)],
            "test": [("test", self.X_test, self.y_test)],
        }
        parts["all"] = parts["train"] + parts["test"]
        if split not in parts:
            raise ValueError(f"split={split!r}; use 'train', 'test' or 'all'.")
        frames = []
        for label, X, y in parts[split]:
            df = pd.DataFrame(
                X.detach().cpu().numpy().astype(np.float64), columns=list(self.feature_names)
            )
            df[self.target_name] = y.detach().cpu().numpy()
            df[SPLIT_COLUMN] = label
            frames.append(df)
        return pd.concat(frames, ignore_index=True)

    def bounds(self, margin: float = 0.1) -> tuple[tuple[float, float], ...]:
        """Plot ranges with a margin: one (low, high) per plotted axis.

        The axes are the features in order, followed by the target for regression and
        count (so a 2-D classifier gives ((x1_lo, x1_hi), (x2_lo, x2_hi)) and a 1-D
        regression gives ((x_lo, x_hi), (y_lo, y_hi))). ``margin`` is a fraction of
        each range added on both sides; a zero-width range is widened to +-0.5.
        """
        X = torch.cat([self.X_train, self.X_test]).double()  # (N, D)
        columns = [X[:, j] for j in range(X.shape[1])]
        if not self.is_classification:
            columns.append(torch.cat([self.y_train, self.y_test]).double())
        out = []
        for col in columns:
            if col.numel() == 0:
                out.append((-1.0, 1.0))
                continue
            lo, hi = float(col.min()), float(col.max())
            pad = (hi - lo) * margin if hi > lo else 0.5
            out.append((lo - pad, hi + pad))
        return tuple(out)


# --------------------------------------------------------------------------- generators


@dataclass(frozen=True)
class Generator:
    """A synthetic data set: its knobs and the function that draws it.

    ``fn(n, gen, **params)`` returns ``(X, y)``: X (n, D) float64 already at unit
    scale, y (n,) int64 labels or float64 targets, drawing only from ``gen``.
    """

    key: str
    title: str
    task: str
    params: tuple[ParamSpec, ...]
    fn: Callable[..., tuple[torch.Tensor, torch.Tensor]]
    description: str = ""
    truth: Callable[..., pd.DataFrame] | None = None  # (x grid, **params) -> frame
    # 2-D sets: the same draw before the common rescale, ``fn == _unit_scale o raw``
    # (probnn.truth reads the generator's distribution in these raw coordinates)
    raw: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None

    def defaults(self) -> dict:
        """The default value of every parameter."""
        return {p.name: p.cast(p.default) for p in self.params}

    def spec(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


def _n_spec(default: int = 400) -> ParamSpec:
    return ParamSpec(
        "n",
        "N",
        20,
        2000,
        default,
        10,
        integer=True,
        help="Number of points, between 20 and 2000, before the train/test split.",
    )


NOISE_LEAST = 0.001  # the smallest noise above 0 (a tenth of the slider's step)


def _noise_spec(default: float, high: float = 1.0, help: str = "") -> ParamSpec:
    return ParamSpec(
        "noise",
        r"\varepsilon",
        0.0,
        high,
        default,
        0.01,
        least_positive=NOISE_LEAST,
        help=help
        or "How far points scatter around the pattern: 0 is clean, "
        "the top of the range overlaps heavily.",
    )


def _noise_help(shape: str) -> str:
    """The noise slider's help for a 2-D set: its number is a standard deviation, in the
    units of ``shape`` (the sizes of the set's pattern)."""
    return (
        "Standard deviation of the Gaussian noise added to each coordinate of a point "
        f"({shape}; the data are then centred and rescaled together). 0 is clean; more "
        "noise makes the classes overlap and the floor H(Y|X) rises."
    )


def _classes_spec(what: str) -> ParamSpec:
    return ParamSpec(
        "n_classes",
        "C",
        3,
        8,
        3,
        1,
        integer=True,
        help=f"Number of classes ({what}), between 3 and 8.",
    )


def _class_sizes(n: int, c: int) -> list[int]:
    """Split n into c sizes as equal as possible (the first n % c get one more)."""
    return [n // c + (1 if k < n % c else 0) for k in range(c)]


def _labels(sizes: list[int]) -> torch.Tensor:
    return torch.cat([torch.full((m,), k, dtype=torch.int64) for k, m in enumerate(sizes)])


def _normal(shape, gen) -> torch.Tensor:
    return torch.randn(shape, generator=gen, dtype=torch.float64)


def _uniform(shape, gen, low=0.0, high=1.0) -> torch.Tensor:
    return low + (high - low) * torch.rand(shape, generator=gen, dtype=torch.float64)


def _noise_sd(noise: float) -> float:
    """The standard deviation of the isotropic Gaussian a 2-D generator adds to each
    coordinate of a point, in the generator's own units (before the common rescale), for
    the setting ``noise``: the setting itself, so the slider's number means exactly that.
    A blob's spread is this standard deviation. :mod:`probnn.truth` reads it here."""
    return float(noise)


def _unit_scale(X: torch.Tensor) -> torch.Tensor:
    """Centre each axis and divide by one common scale (the root mean variance), so a
    2-D pattern keeps its shape (circles stay round) at unit spread."""
    X = X - X.mean(dim=0)
    return X / X.var(dim=0).mean().sqrt().clamp_min(1e-12)


def _draw_blobs(n, gen, *, noise):
    sizes = _class_sizes(n, 2)
    centres = torch.tensor([[-0.75, -0.75], [0.75, 0.75]], dtype=torch.float64)  # (2, 2)
    sd = _noise_sd(noise)
    X = torch.cat([centres[k] + sd * _normal((m, 2), gen) for k, m in enumerate(sizes)])
    return X, _labels(sizes)


def _draw_moons(n, gen, *, noise):
    sizes = _class_sizes(n, 2)
    t0, t1 = (_uniform((m,), gen, 0.0, math.pi) for m in sizes)
    upper = torch.stack([t0.cos(), t0.sin()], dim=1)  # (n0, 2)
    lower = torch.stack([1.0 - t1.cos(), 0.5 - t1.sin()], dim=1)  # (n1, 2)
    X = torch.cat([upper, lower]) + _noise_sd(noise) * _normal((n, 2), gen)
    return X, _labels(sizes)


def _draw_circles(n, gen, *, noise):
    sizes = _class_sizes(n, 2)  # class 0: outer circle (radius 1), class 1: inner (0.5)
    parts = []
    for radius, m in zip((1.0, 0.5), sizes, strict=True):
        angle = _uniform((m,), gen, 0.0, 2 * math.pi)
        parts.append(radius * torch.stack([angle.cos(), angle.sin()], dim=1))
    X = torch.cat(parts) + _noise_sd(noise) * _normal((n, 2), gen)
    return X, _labels(sizes)


def _draw_xor(n, gen, *, noise):
    sizes = _class_sizes(n, 2)  # class 1: quadrants where x1 and x2 share a sign
    parts = []
    for k, m in enumerate(sizes):
        mag = 0.1 + 0.9 * _uniform((m, 2), gen)  # keep a small gap around the axes
        s1 = torch.where(_uniform((m,), gen) < 0.5, -1.0, 1.0).double()
        s2 = s1 if k == 1 else -s1
        parts.append(mag * torch.stack([s1, s2], dim=1))
    X = torch.cat(parts) + _noise_sd(noise) * _normal((n, 2), gen)
    return X, _labels(sizes)


def _draw_spiral_arms(n, gen, c, turns, noise):
    sizes = _class_sizes(n, c)
    parts = []
    for k, m in enumerate(sizes):
        t = _uniform((m,), gen)
        r = 0.05 + 0.95 * t
        theta = 2 * math.pi * (turns * t + k / c)
        parts.append(r[:, None] * torch.stack([theta.cos(), theta.sin()], dim=1))
    X = torch.cat(parts) + _noise_sd(noise) * _normal((n, 2), gen)
    return X, _labels(sizes)


def _draw_spiral(n, gen, *, noise):
    return _draw_spiral_arms(n, gen, 2, 1.75, noise)


def _draw_multi_blobs(n, gen, *, noise, n_classes):
    sizes = _class_sizes(n, n_classes)
    angle = 2 * math.pi * torch.arange(n_classes, dtype=torch.float64) / n_classes + math.pi / 2
    centres = 2.0 * torch.stack([angle.cos(), angle.sin()], dim=1)  # (C, 2)
    sd = _noise_sd(noise)
    X = torch.cat([centres[k] + sd * _normal((m, 2), gen) for k, m in enumerate(sizes)])
    return X, _labels(sizes)


def _draw_multi_spirals(n, gen, *, noise, n_classes):
    return _draw_spiral_arms(n, gen, n_classes, 1.0, noise)


def _scaled(draw: Callable[..., tuple[torch.Tensor, torch.Tensor]]):
    """The generator that rescales what ``draw`` returns with :func:`_unit_scale`."""

    def fn(n, gen, **params):
        X, y = draw(n, gen, **params)
        return _unit_scale(X), y

    fn.__name__ = fn.__qualname__ = draw.__name__.replace("_draw_", "_gen_")
    return fn


_gen_blobs = _scaled(_draw_blobs)
_gen_moons = _scaled(_draw_moons)
_gen_circles = _scaled(_draw_circles)
_gen_xor = _scaled(_draw_xor)
_gen_spiral = _scaled(_draw_spiral)
_gen_multi_blobs = _scaled(_draw_multi_blobs)
_gen_multi_spirals = _scaled(_draw_multi_spirals)


# 1-D sets: x is uniform on [-sqrt 3, sqrt 3] (mean 0, sd 1), y has O(1) scale.


def _x_1d(n, gen):
    return _uniform((n, 1), gen, -_SQRT3, _SQRT3)  # (n, 1)


def _linear_mean(x):
    return 0.8 * x + 0.3


def _sine_mean(x):
    return torch.sin(2.0 * x)


def _hetero_mean(x):
    return 0.5 * x + 0.5 * torch.sin(2.0 * x)


def _hetero_sd(x, noise):
    return noise * (0.15 + 1.35 * (x + _SQRT3) / (2 * _SQRT3))


def _log_rate(x):
    return 1.0 + 0.8 * torch.sin(1.5 * x)


def _gen_linear(n, gen, *, noise):
    x = _x_1d(n, gen)
    return x, _linear_mean(x[:, 0]) + noise * _normal((n,), gen)


def _gen_sine(n, gen, *, noise):
    x = _x_1d(n, gen)
    return x, _sine_mean(x[:, 0]) + noise * _normal((n,), gen)


def _gen_hetero(n, gen, *, noise):
    x = _x_1d(n, gen)
    return x, _hetero_mean(x[:, 0]) + _hetero_sd(x[:, 0], noise) * _normal((n,), gen)


def _gen_outliers(n, gen, *, noise, outlier_fraction):
    x = _x_1d(n, gen)
    y = _linear_mean(x[:, 0]) + noise * _normal((n,), gen)
    k = int(math.floor(outlier_fraction * n + 0.5))
    idx = torch.randperm(n, generator=gen)[:k]
    y[idx] -= _uniform((k,), gen, 3.0, 6.0)  # displaced far below the line
    return x, y


def _gen_counts(n, gen, *, noise):
    x = _x_1d(n, gen)
    rate = _log_rate(x[:, 0]).exp()  # (n,)
    if noise > 0:  # log-normal mixing keeps the mean and widens the spread
        rate = rate * (noise * _normal((n,), gen) - 0.5 * noise**2).exp()
    return x, torch.poisson(rate, generator=gen)


def _truth_frame(x, mean, sd) -> pd.DataFrame:
    return pd.DataFrame({"x": x.numpy(), "mean": mean.numpy(), "sd": sd.numpy()})


def _truth_linear(x, *, noise, **_):
    return _truth_frame(x, _linear_mean(x), torch.full_like(x, noise))


def _truth_sine(x, *, noise, **_):
    return _truth_frame(x, _sine_mean(x), torch.full_like(x, noise))


def _truth_hetero(x, *, noise, **_):
    return _truth_frame(x, _hetero_mean(x), _hetero_sd(x, noise))


def _truth_counts(x, *, noise, **_):
    rate = _log_rate(x).exp()
    var = rate + rate**2 * (math.exp(noise**2) - 1.0)
    return _truth_frame(x, rate, var.sqrt())


_BIN = "binary"
_MULTI = "multiclass"
_REG = "regression"
_COUNT = "count"

GENERATORS: dict[str, Generator] = {
    g.key: g
    for g in [
        Generator(
            "blobs",
            "Two blobs",
            _BIN,
            (
                _n_spec(),
                _noise_spec(
                    0.75,
                    1.1,
                    _noise_help("a blob's spread; the centres are 2.1 apart"),
                ),
            ),
            _gen_blobs,
            "Two round Gaussian clouds; a straight line separates them.",
            raw=_draw_blobs,
        ),
        Generator(
            "moons",
            "Two moons",
            _BIN,
            (
                _n_spec(),
                _noise_spec(0.3, 0.5, _noise_help("the half circles have radius 1")),
            ),
            _gen_moons,
            "Two interleaved half circles; the boundary has to bend.",
            raw=_draw_moons,
        ),
        Generator(
            "circles",
            "Circles",
            _BIN,
            (
                _n_spec(),
                _noise_spec(0.18, 0.3, _noise_help("the circles have radii 1 and 0.5")),
            ),
            _gen_circles,
            "A small circle inside a large one; no straight line separates them.",
            raw=_draw_circles,
        ),
        Generator(
            "xor",
            "XOR",
            _BIN,
            (
                _n_spec(),
                _noise_spec(0.2, 0.5, _noise_help("the squares have side 0.9")),
            ),
            _gen_xor,
            "Opposite quadrants share a class; needs a hidden layer.",
            raw=_draw_xor,
        ),
        Generator(
            "spiral",
            "Spiral",
            _BIN,
            (
                _n_spec(),
                _noise_spec(
                    0.07,
                    0.15,
                    _noise_help("the spiral has radius 1 and its arms are 0.27 apart"),
                ),
            ),
            _gen_spiral,
            "Two interleaved spiral arms; the hardest of the binary sets.",
            raw=_draw_spiral,
        ),
        Generator(
            "multi_blobs",
            "Blobs (several classes)",
            _MULTI,
            (
                _n_spec(),
                _noise_spec(
                    1.0,
                    1.2,
                    _noise_help("a blob's spread; the centres sit on a circle of radius 2"),
                ),
                _classes_spec("blobs"),
            ),
            _gen_multi_blobs,
            "Gaussian clouds on a ring, one per class.",
            raw=_draw_multi_blobs,
        ),
        Generator(
            "multi_spirals",
            "Spirals (several classes)",
            _MULTI,
            (
                _n_spec(),
                _noise_spec(
                    0.08,
                    0.16,
                    _noise_help("the spiral has radius 1 and neighbouring arms are 0.95 / C apart"),
                ),
                _classes_spec("spiral arms"),
            ),
            _gen_multi_spirals,
            "One spiral arm per class.",
            raw=_draw_multi_spirals,
        ),
        Generator(
            "linear",
            "Straight line",
            _REG,
            (_n_spec(), _noise_spec(0.3, help="Standard deviation of the Gaussian noise on y.")),
            _gen_linear,
            "y = 0.8 x + 0.3 plus Gaussian noise.",
            _truth_linear,
        ),
        Generator(
            "sine",
            "Sine wave",
            _REG,
            (_n_spec(), _noise_spec(0.2, help="Standard deviation of the Gaussian noise on y.")),
            _gen_sine,
            "y = sin(2x) plus Gaussian noise.",
            _truth_sine,
        ),
        Generator(
            "heteroscedastic",
            "Growing noise",
            _REG,
            (
                _n_spec(),
                _noise_spec(
                    0.5,
                    help="The standard deviation of the Gaussian added to y grows linearly "
                    "in x, tenfold: from 0.15 × noise at the left end of x to 1.5 × noise "
                    "at the right.",
                ),
            ),
            _gen_hetero,
            "A wavy trend whose noise grows with x: a case for learning the variance.",
            _truth_hetero,
        ),
        Generator(
            "outliers",
            "Line with outliers",
            _REG,
            (
                _n_spec(),
                _noise_spec(0.2, help="Standard deviation of the noise on the ordinary points."),
                ParamSpec(
                    "outlier_fraction",
                    r"\rho",
                    0.0,
                    0.3,
                    0.1,
                    0.01,
                    help="Share of points moved far below the line (0 to 0.3).",
                ),
            ),
            _gen_outliers,
            "A straight line where some points are displaced far "
            "off: squared error chases them, robust losses do not.",
            _truth_linear,
        ),
        Generator(
            "counts",
            "Counts",
            _COUNT,
            (
                _n_spec(),
                _noise_spec(
                    0.0,
                    help="Extra spread beyond Poisson: 0 gives "
                    "exact Poisson counts, 1 strongly over-dispersed "
                    "ones.",
                ),
            ),
            _gen_counts,
            "Whole-number counts whose log-rate is a smooth wave in x.",
            _truth_counts,
        ),
    ]
}


def generators_for(task: str) -> list[str]:
    """Keys of the generators for one task, in display order."""
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; valid tasks: {', '.join(TASKS)}.")
    return [k for k, g in GENERATORS.items() if g.task == task]


SEED = ParamSpec(
    "seed",
    "s",
    0,
    2**31 - 1,
    0,
    1,
    integer=True,
    help="Seed of the random draw: the same seed gives the same points and split.",
)
TEST_FRACTION = ParamSpec(
    "test_fraction",
    r"\rho_{\text{test}}",
    0.0,
    0.9,
    0.25,
    0.05,
    help="Share of the points held out to test the model (0 to 0.9).",
)


def _check(spec: ParamSpec, raw, prefix: str = ""):
    """The value of ``raw`` under ``spec``, or DataError saying which values are valid."""
    if isinstance(raw, bool):
        raw = "True" if raw else "False"  # not a number, even though bool is an int
    value, message = spec.coerce(raw)
    if message is not None:
        raise DataError(
            f"{prefix}{message.split(';')[0]}; use a value from "
            f"{spec.fmt(spec.low)} to {spec.fmt(spec.high)}."
        )
    return value


def _check_seed(seed) -> int:
    return int(_check(SEED, seed))


def _check_test_fraction(test_fraction) -> float:
    return float(_check(TEST_FRACTION, test_fraction))


def _split_indices(
    n: int, labels: torch.Tensor | None, test_fraction: float, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded train/test indices; stratified by class when labels are given.

    Every class (or the whole set) keeps at least one training row.
    """
    groups = (
        [torch.arange(n)]
        if labels is None
        else [(labels == c).nonzero().flatten() for c in range(int(labels.max()) + 1)]
    )
    train, test = [], []
    for idx in groups:
        idx = idx[torch.randperm(idx.numel(), generator=gen)]
        k = min(int(math.floor(test_fraction * idx.numel() + 0.5)), max(idx.numel() - 1, 0))
        test.append(idx[:k])
        train.append(idx[k:])
    train_idx, test_idx = torch.cat(train), torch.cat(test)
    train_idx = train_idx[torch.randperm(train_idx.numel(), generator=gen)]
    test_idx = test_idx[torch.randperm(test_idx.numel(), generator=gen)]
    return train_idx, test_idx


def _generator_values(name, params: dict) -> tuple[Generator, dict]:
    """The generator ``name`` and the value of each of its parameters (checked, missing
    ones at their default), or DataError saying what to change."""
    if not isinstance(name, str) or name not in GENERATORS:
        raise DataError(f"Unknown data set {name!r}; valid names: {', '.join(GENERATORS)}.")
    g = GENERATORS[name]
    known = {p.name for p in g.params}
    unknown = sorted(set(params) - known)
    if unknown:
        raise DataError(
            f"{name} has no parameter {', '.join(unknown)}; "
            f"its parameters are {', '.join(p.name for p in g.params)}."
        )
    values = {}
    for p in g.params:
        if p.name in params:
            value = _check(p, params[p.name], prefix=f"{name}: ")
        else:
            value = p.cast(p.default)
        values[p.name] = value
    return g, values


def make(name: str, *, seed: int = 0, test_fraction: float = 0.25, **params) -> Dataset:
    """Draw a synthetic data set.

    Parameters
    ----------
    name : a key of :data:`GENERATORS` (otherwise DataError, a ValueError, listing them).
    seed : seeds a private ``torch.Generator``; the same seed gives identical tensors.
    test_fraction : share of points held out for testing, 0..0.9 (stratified by class).
    **params : the generator's knobs (see ``GENERATORS[name].params``); missing ones take
        their default. An invalid value raises :class:`DataError` with the ParamSpec's
        message.
    """
    g, values = _generator_values(name, params)
    seed = _check_seed(seed)
    tf = _check_test_fraction(test_fraction)

    gen = torch.Generator().manual_seed(seed)
    fn_params = {k: v for k, v in values.items() if k != "n"}
    X, y = g.fn(values["n"], gen, **fn_params)  # (n, D) float64, (n,)
    classification = g.task in (_BIN, _MULTI)
    train_idx, test_idx = _split_indices(len(y), y if classification else None, tf, gen)
    X = X.to(torch.float32)
    y = y.to(torch.int64) if classification else y.to(torch.float32)
    n_classes = int(values.get("n_classes", 2)) if classification else None
    d = X.shape[1]
    truth = None
    if g.truth is not None:
        grid = torch.linspace(-_SQRT3, _SQRT3, 201, dtype=torch.float64)
        truth = g.truth(grid, **fn_params)
    return Dataset(
        name=name,
        task=g.task,
        X_train=X[train_idx].contiguous(),
        y_train=y[train_idx].contiguous(),
        X_test=X[test_idx].contiguous(),
        y_test=y[test_idx].contiguous(),
        n_classes=n_classes,
        feature_names=["x"] if d == 1 else [f"x{i + 1}" for i in range(d)],
        target_name="y",
        notes=[],
        feature_scaling=None,
        class_names=[f"class {k}" for k in range(n_classes)] if n_classes else None,
        params=values,
        seed=seed,
        source="synthetic",
        truth=truth,
    )


def conditional_entropy(dataset: Dataset):
    """The floor of a synthetic data set: H(Y|X) of its generator in nats, as a
    :class:`probnn.truth.Floor` (value, error, method); None for a CSV. The lowest
    expected test loss any model can reach; see :mod:`probnn.truth`."""
    from probnn import truth  # truth builds on this module

    return truth.conditional_entropy(dataset)


# --------------------------------------------------------------------------- CSV

# Every cap is checked while the file is scanned, before a table is built: whatever a
# file holds, reading it costs at most a few times its size in memory and time.
MAX_COLUMNS = 200  # columns a CSV may have (the app trains on a handful of features)
MAX_CELL = 200  # characters in one CSV value (a number or a label never needs more)
# bytes in one line of a file that keeps both caps (4 bytes a character in UTF-8, quotes
# and a separator around each value): a longer line is refused before it is split
_MAX_LINE = MAX_COLUMNS * (4 * MAX_CELL + 3)
_CHUNK = 1 << 20  # bytes looked at at once when the lines are measured

# Cells read as missing (pandas' default markers, compared after stripping spaces).
_MISSING = frozenset(
    [
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    ]
)
_MISSING_LIST = sorted(_MISSING)
_ROW_INDEX = "row"  # read_csv's index: the spreadsheet row number (header = row 1)
_EMPTY = f"The file is empty: upload a CSV with a header row and at least {MIN_ROWS} data rows."
_QUOTE_HINT = (
    " (A double quote that opens a value and is never closed makes the rest of the file "
    "one value: check the quotes.)"
)


def _fmt_int(k: int) -> str:
    return f"{k:,}"


def _fmt_bytes(k: int) -> str:
    if k >= 1_000_000:
        return f"{k / 1_000_000:g} MB"
    if k >= 1_000:
        return f"{k / 1_000:g} kB"
    return f"{k} bytes"


def _quote(text: str, limit: int = 30) -> str:
    """A value from the file, shortened, in quotes (for a message)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _source_bytes(source, max_bytes: int) -> bytes:
    """Read at most max_bytes + 1 bytes from a path, bytes or a file-like object."""
    too_big = (
        f"The file is larger than the {_fmt_bytes(max_bytes)} limit; upload a smaller "
        "file (for example a sample of its rows)."
    )
    if isinstance(source, (bytes, bytearray, memoryview)):
        if len(source) > max_bytes:
            raise DataError(too_big)
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if not os.path.isfile(path):
            hint = " (to pass CSV text, give it as bytes)" if "\n" in str(path) else ""
            raise DataError(f"No file found at {str(path)[:80]!r}{hint}; check the path.")
        if os.path.getsize(path) > max_bytes:
            raise DataError(too_big)
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            try:
                source.seek(0)
            except (OSError, ValueError):
                pass
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            if len(data) > max_bytes:  # characters: at least as many bytes
                raise DataError(too_big)
            data = data.encode("utf-8")
        if not isinstance(data, (bytes, bytearray)):
            raise DataError("Could not read the upload; upload a CSV file.")
        data = bytes(data)
    else:
        raise DataError(
            f"Cannot read a CSV from a {type(source).__name__}; give a file path, "
            "bytes or an uploaded file."
        )
    if len(data) > max_bytes:
        raise DataError(too_big)
    return data


def _check_lines(data: bytes, sep: str) -> None:
    """Refuse a line longer than any row within the caps could be (``_MAX_LINE`` bytes),
    before the file is split into values: one line of a million short values would
    otherwise be a million objects. Runs at the speed of memory, a megabyte at a time."""
    if len(data) <= _MAX_LINE:
        return
    codes = np.frombuffer(data, dtype=np.uint8)
    start = 0  # where the current line starts
    for lo in range(0, len(codes), _CHUNK):
        chunk = codes[lo : lo + _CHUNK]
        ends = np.flatnonzero((chunk == 10) | (chunk == 13)) + lo
        if len(ends):
            starts = np.concatenate(([start], ends[:-1] + 1))
            k = int(np.argmax(ends - starts))
            if ends[k] - starts[k] > _MAX_LINE:
                _line_too_long(data, sep, int(starts[k]), int(ends[k]))
            start = int(ends[-1]) + 1
        elif lo + len(chunk) - start > _MAX_LINE:
            break
    if len(data) - start > _MAX_LINE:
        ends = [e for e in (data.find(b"\n", start), data.find(b"\r", start)) if e >= 0]
        _line_too_long(data, sep, start, min(ends, default=len(data)))


def _line_too_long(data: bytes, sep: str, start: int, end: int) -> None:
    line = _fmt_int(data.count(b"\n", 0, start) + 1)
    values = data.count(sep.encode(), start, end) + 1
    if values > MAX_COLUMNS:
        raise DataError(
            f"Line {line} of the file holds {_fmt_int(values)} values, more than the limit of "
            f"{MAX_COLUMNS} columns. Keep the columns you need (at most {MAX_COLUMNS}) and "
            "upload that."
        )
    raise DataError(
        f"Line {line} of the file is {_fmt_int(end - start)} bytes long, so it holds a value "
        f"longer than {MAX_CELL} characters, the limit for one value (a number or a label "
        "never needs more). Shorten or delete it."
    )


def _decode(data: bytes, notes: list[str]) -> str:
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise DataError(
            "This looks like an Excel workbook, not a CSV; in your spreadsheet "
            "program use 'Save as' -> 'CSV (comma separated)' and upload that."
        )
    if b"\x00" in data[:4096]:
        raise DataError(
            "Could not parse the file as CSV: it contains binary data. Upload a "
            "plain-text CSV file."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        notes.append("The file is not UTF-8; read it as Latin-1 (Windows) text.")
        return data.decode("cp1252", errors="replace")


_FIRST_LINE = re.compile(r"[^\r\n]+")


def _separator(text: str) -> str:
    """Comma, unless the header line has no comma but semicolons or tabs."""
    m = _FIRST_LINE.search(text)
    first = m.group(0) if m else ""
    if "," not in first:
        for sep in (";", "\t"):
            if sep in first:
                return sep
    return ","


def _looks_numeric(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _too_long(
    row: int, column: int | None, header: list[str] | None, value: str | None
) -> DataError:
    """The message for a value over MAX_CELL characters (``value`` None: longer than the
    csv module's own limit, so neither read nor placed in a column)."""
    where = f"row {_fmt_int(row)}"
    if column is not None:
        where += f", column {column}"
        if header is not None and column <= len(header):
            where += f" ({_quote(header[column - 1].strip())})"
    size = "" if value is None else f" ({_fmt_int(len(value))} characters)"
    hint = _QUOTE_HINT if value is None or "\n" in value or "\r" in value else ""
    return DataError(
        f"The value in {where} is longer than {MAX_CELL} characters{size}, the limit for "
        f"one value (a number or a label never needs more). Shorten or delete it.{hint}"
    )


def _scan(
    text: str, sep: str, max_rows: int, max_columns: int
) -> tuple[list[list[str]], list[int], int]:
    """Split ``text`` into rows, checking the caps row by row as it goes.

    Returns the non-blank rows up to the header and ``max_rows`` data rows (lists of
    unstripped values), the spreadsheet row number of each, and the number of non-blank
    data rows in the whole file (which may be over ``max_rows``; the rows past it are
    counted, not kept). Blank rows (nothing but separators and spaces) are skipped but
    numbered. The csv module splits; a row is never longer than ``_MAX_LINE`` bytes
    (:func:`_check_lines`) unless quoted values span lines, and no value is longer than
    the module's own limit, so one row stays small whatever the file.
    """
    rows: list[list[str]] = []
    numbers: list[int] = []
    width = 0
    n_body = 0
    record = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        for values in reader:
            record += 1
            if not values:
                continue
            joined = "".join(values)
            if len(joined) > MAX_CELL and max(map(len, values)) > MAX_CELL:
                j = next(j for j, v in enumerate(values) if len(v) > MAX_CELL)
                raise _too_long(record, j + 1, rows[0] if rows else None, values[j])
            if not joined.strip():
                continue
            n = len(values)
            if not rows:
                if n > max_columns:
                    raise DataError(
                        f"The file has {_fmt_int(n)} columns, more than the limit of "
                        f"{max_columns}. Keep the columns you need (at most {max_columns}) "
                        "and upload that."
                    )
                width = n
            elif n > width:
                raise DataError(
                    f"Could not parse the file as CSV: row {_fmt_int(record)} has "
                    f"{_fmt_int(n)} fields but the header has {width}. Make every row have "
                    "one value per column (a comma inside a value needs double quotes "
                    "around it)."
                )
            else:
                n_body += 1
                if n_body > max_rows:
                    # over the cap: what is left is only counted, for the message (rows
                    # of separators alone count too), at the csv module's own speed
                    try:
                        n_body += sum(map(bool, reader))
                    except csv.Error:  # a broken row: counted up to it, over the cap anyway
                        pass
                    break
            rows.append(values)
            numbers.append(record)
    except csv.Error as err:
        if "field limit" in str(err):
            raise _too_long(record + 1, None, None, None) from None
        raise DataError(
            f"Could not parse the file as CSV (line {_fmt_int(reader.line_num)}: "
            f"{str(err)[:100]}). Check that it is a comma-separated text file with one "
            "header row."
        ) from None
    return rows, numbers, n_body


def read_csv(
    source,
    *,
    max_rows: int = 10_000,
    max_bytes: int = 5_000_000,
    max_columns: int = MAX_COLUMNS,
) -> pd.DataFrame:
    """Read a user's CSV into a checked DataFrame.

    Parameters
    ----------
    source : a path (str or PathLike), ``bytes``, or a binary/text file-like object
        (Streamlit's ``UploadedFile`` works; it is rewound first).
    max_rows : largest number of data rows accepted.
    max_bytes : largest file size accepted.
    max_columns : largest number of columns accepted.

    Returns
    -------
    DataFrame with the header's column names (stripped of spaces). Columns whose
    cells are all numbers (or missing) are numeric; others keep their text. Missing
    cells (empty, "NA", "NaN", ...) are NaN. The index, named ``row``, is the
    spreadsheet row number (the header is row 1). Blank lines are skipped.
    ``df.attrs["notes"]`` lists what was adjusted (separator, encoding).

    The caps (bytes, rows, columns and :data:`MAX_CELL` characters a value) are checked
    while the file is scanned, before any table is built, so a hostile file costs no
    more than a few times its size in memory and time.

    Raises
    ------
    DataError : empty file, not CSV, over a cap, header missing or with empty /
        duplicate names; never another exception (running out of memory included).
    """
    try:
        return _read_csv(source, int(max_rows), int(max_bytes), int(max_columns))
    except DataError:
        raise
    except MemoryError:
        raise DataError(
            "The server ran out of memory reading this file; upload a smaller file "
            "(fewer rows or columns)."
        ) from None
    except Exception as err:  # a last guard: the app shows a message, never a traceback
        raise DataError(
            f"Could not read the file ({type(err).__name__}). Check that it is a "
            "comma-separated text file with one header row."
        ) from None


def _read_csv(source, max_rows: int, max_bytes: int, max_columns: int) -> pd.DataFrame:
    notes: list[str] = []
    data = _source_bytes(source, max_bytes)
    if not data.strip():
        raise DataError(_EMPTY)
    text = _decode(data, notes)
    if not text.strip():
        raise DataError(_EMPTY)
    sep = _separator(text)
    _check_lines(data, sep)
    del data
    if sep != ",":
        label = "semicolons" if sep == ";" else "tabs"
        notes.append(f"Columns are separated by {label}; read them that way.")
    rows, row_number, n_body = _scan(text, sep, max_rows, max_columns)
    del text
    if not rows:
        raise DataError(_EMPTY)
    if n_body > max_rows:
        raise DataError(
            f"The file has {_fmt_int(n_body)} data rows, more than the limit of "
            f"{_fmt_int(max_rows)}; upload a sample of at most "
            f"{_fmt_int(max_rows)} rows."
        )
    width = len(rows[0])
    names = [str(h) for h in np.strings.strip(np.array(rows[0], dtype=str))]
    body = [r if len(r) == width else r + [""] * (width - len(r)) for r in rows[1:]]
    del rows
    # one column at a time: numpy's fixed-width arrays are never wider than one
    # column's longest value (at most MAX_CELL characters)
    parsed = [_read_column(col, sep) for col in (zip(*body, strict=True) if body else [()] * width)]
    del body
    # columns with neither a name nor any value (trailing commas) are dropped quietly
    keep = [j for j in range(width) if names[j] != "" or not parsed[j].empty]
    if len(keep) < width:
        dropped = width - len(keep)
        notes.append(f"Ignored {dropped} empty column{'s' if dropped > 1 else ''} without a name.")
    if not keep:
        raise DataError(_EMPTY)
    header = [names[j] for j in keep]
    parsed = [parsed[j] for j in keep]

    if all(_looks_numeric(h) for h in header):
        shown = ", ".join(_quote(h, 20)[1:-1] for h in header[:4])
        shown += ", ..." if len(header) > 4 else ""
        raise DataError(
            f"The first row ({shown}) holds numbers, not column names: the file "
            "has no header. Add a first row naming each column, e.g. x1,x2,y."
        )
    empty = [i + 1 for i, h in enumerate(header) if h == ""]
    if empty:
        which = ", ".join(str(i) for i in empty[:5])
        raise DataError(
            f"Column {which} has no name in the header row; give every column a "
            "name (or delete empty columns)."
        )
    seen: dict[str, int] = {}
    dupes = []
    for h in header:
        seen[h] = seen.get(h, 0) + 1
        if seen[h] == 2:
            dupes.append(h)
    if dupes:
        shown = ", ".join(_quote(d) for d in dupes[:5]) + (", ..." if len(dupes) > 5 else "")
        raise DataError(
            f"Duplicate column names: {shown}. Rename the columns so that every name appears once."
        )

    decimal_comma = [h for h, col in zip(header, parsed, strict=True) if col.decimal_comma]
    if decimal_comma:
        notes.append(f"Read decimal commas as points in {', '.join(decimal_comma)}.")
    df = pd.DataFrame({h: col.series for h, col in zip(header, parsed, strict=True)})
    df.index = pd.Index(row_number[1:], name=_ROW_INDEX)
    df.attrs["notes"] = notes
    return df


@dataclass
class _Column:
    series: pd.Series  # numbers (int64 or float64 with NaN) or text (object with NaN)
    empty: bool  # every value is empty
    decimal_comma: bool  # read with decimal commas


def _read_column(values: tuple[str, ...], sep: str) -> _Column:
    """One column's values, as the csv module split them, typed: numbers when every
    value that is not missing is one (whole numbers without a gap as int64), else text
    stripped of spaces; missing values are NaN."""
    try:  # a column of numbers and nothing else (float() ignores surrounding spaces)
        v = np.fromiter(map(float, values), dtype=np.float64, count=len(values))
    except ValueError:
        pass
    else:
        return _Column(_number_series(v, gaps=False), not values, False)
    raw = np.array(values, dtype=str)
    col = np.strings.strip(raw)
    miss = np.isin(col, _MISSING_LIST)
    empty = bool((col == "").all())
    v = _parse_floats(np.where(miss, "nan", col))
    comma = False
    if v is None and sep == ";":  # "1,5" in a semicolon file: a decimal comma
        v = _parse_floats(np.strings.replace(np.where(miss, "nan", col), ",", "."))
        comma = v is not None
    if v is None:  # text: the csv module's strings themselves, stripped where needed
        text = np.array(values, dtype=object)
        padded = np.strings.str_len(raw) != np.strings.str_len(col)
        text[padded] = col[padded].astype(object)
        text[miss] = np.nan
        return _Column(pd.Series(text, dtype=object), empty, comma)
    return _Column(_number_series(v, gaps=bool(miss.any())), empty, comma)


def _number_series(v: np.ndarray, gaps: bool) -> pd.Series:
    """int64 when every value is a whole number (and none is missing), else float64."""
    whole = np.isfinite(v) & (np.abs(v) < 2**53)
    whole[whole] = np.mod(v[whole], 1) == 0
    return pd.Series(v if gaps or not whole.all() else v.astype(np.int64))


def _parse_floats(text: np.ndarray) -> np.ndarray | None:
    """Strings -> float64 array, or None if any string is not a number."""
    try:
        return text.astype(np.float64)
    except (ValueError, OverflowError):
        return None


def _cell_float(value) -> float:
    """One cell as a float; NaN when missing or not a number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.nan
    if isinstance(value, (int, float, np.integer, np.floating, bool, np.bool_)):
        try:
            return float(value)
        except OverflowError:  # an int beyond float's range
            return math.inf if value > 0 else -math.inf
    text = str(value).strip()
    if text in _MISSING:
        return math.nan
    try:
        return float(text)
    except (ValueError, OverflowError):
        return math.nan


def _is_missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (float, np.floating)):
        return bool(np.isnan(value))
    return isinstance(value, str) and value.strip() in _MISSING


@dataclass
class _Numbers:
    """One column read as numbers: float64 values (NaN where missing or not a number),
    which cells are missing and which hold something that is not a number."""

    values: np.ndarray  # (N,) float64
    missing: np.ndarray  # (N,) bool
    bad: np.ndarray  # (N,) bool


def _numbers(col: pd.Series) -> _Numbers:
    """Read a column as numbers. A numeric column costs nothing; a text column is read
    one distinct value at a time (see :func:`_distinct_numbers`)."""
    if pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(values)
        return _Numbers(values, missing, np.zeros(len(values), dtype=bool))
    cells = col.to_numpy(dtype=object)
    try:
        codes, distinct = pd.factorize(cells, use_na_sentinel=True)  # None, NaN: -1
    except TypeError:  # unhashable cells (lists...): each on its own
        codes, distinct = np.arange(len(cells)), cells
    values, missing = _distinct_numbers(np.asarray(distinct, dtype=object))
    values, missing = np.append(values, np.nan)[codes], np.append(missing, True)[codes]
    return _Numbers(values, missing, ~missing & np.isnan(values))


# characters that can appear in a number as float() reads it ("-1.5e3", " inf", "nan");
# 0 pads numpy's fixed-width strings, and 128 stands for every non-ASCII character (a
# digit or a space of another script may be one)
_NUMBER_CHARS = np.zeros(129, dtype=bool)
_NUMBER_CHARS[
    [0, 128, *map(ord, "0123456789+-._eEinfatyINFATY \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f")]
] = True
_CHUNK_CELLS = 10_000  # strings turned into one fixed-width array at once


def _distinct_numbers(items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each item as a number (NaN where missing or not a number), and whether it is
    missing. Strings of at most MAX_CELL characters are sorted out in numpy, a chunk at a
    time: missing markers, and strings with a character no number has (every word, every
    label); only the rest (number-like strings) and other objects go one by one."""
    n = len(items)
    values = np.full(n, np.nan)
    missing = np.zeros(n, dtype=bool)
    lengths = np.fromiter((len(v) if type(v) is str else -1 for v in items), np.int64, n)
    short = np.flatnonzero((lengths >= 0) & (lengths <= MAX_CELL))
    for i in np.flatnonzero((lengths < 0) | (lengths > MAX_CELL)):
        values[i], missing[i] = _cell_float(items[i]), _is_missing(items[i])
    for lo in range(0, len(short), _CHUNK_CELLS):
        at = short[lo : lo + _CHUNK_CELLS]
        text = np.strings.strip(items[at].astype(str))
        miss = np.isin(text, _MISSING_LIST)
        codes = text.view(np.uint32).reshape(len(text), -1)
        maybe = ~miss & _NUMBER_CHARS[np.minimum(codes, 128)].all(axis=1)
        values[at[maybe]] = [_float_or_nan(t) for t in text[maybe].tolist()]
        missing[at] = miss
    return values, missing


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def _bad_cells(
    df: pd.DataFrame, columns: list[str], numbers: dict[str, _Numbers]
) -> tuple[list[tuple[int, str, str]], int]:
    """The first five non-numeric, non-missing cells (row, column, text) in row order
    (then by column name), and how many there are in all."""
    index = df.index.to_numpy()
    found: list[tuple[int, str, int]] = []  # (row, column, position): each column's first five
    total = 0
    for name in columns:
        pos = np.flatnonzero(numbers[name].bad)
        total += len(pos)
        rows = index[pos]
        if len(pos) > 5:
            first = np.argpartition(rows, 4)[:5]
            pos, rows = pos[first], rows[first]
        found += [(int(r), name, int(p)) for r, p in zip(rows, pos, strict=True)]
    found.sort()
    return [(r, name, str(df[name].iloc[p])) for r, name, p in found[:5]], total


def _fmt_rows(rows, limit: int = 5) -> str:
    """'row 4' or 'rows 4, 9, 12 and 3 more' (spreadsheet row numbers)."""
    n = len(rows)
    s = ", ".join(str(int(r)) for r in rows[:limit])
    more = f" and {n - limit} more" if n > limit else ""
    return ("row " if n == 1 else "rows ") + s + more


def _label_text(v) -> str:
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return f"{float(v):g}"
    return str(v)


def _sort_labels(values) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _class_targets(
    y: pd.Series, task: str, target: str, notes: list[str]
) -> tuple[np.ndarray, list[str]]:
    """Map class labels to 0..C-1 (int64 array) and return display names."""
    numeric = pd.api.types.is_numeric_dtype(y)
    values = _sort_labels(pd.unique(y))
    k = len(values)
    listed = ", ".join(_label_text(v) for v in values[:6]) + (", ..." if k > 6 else "")
    if k < 2:
        raise DataError(
            f"The target '{target}' has only one value ({listed}); a classifier "
            "needs at least two classes. Choose another target column."
        )
    if task == "binary" and k != 2:
        raise DataError(
            f"The target '{target}' has {k} distinct values ({listed}); binary "
            "classification needs exactly two. Choose the multiclass task or "
            "another target column."
        )
    if task == "multiclass" and k > MAX_CLASSES:
        hint = " For a numeric quantity choose regression." if numeric else ""
        raise DataError(
            f"The target '{target}' has {k} distinct values ({listed}); multiclass "
            f"supports 2 to {MAX_CLASSES} classes.{hint}"
        )
    names = [_label_text(v) for v in values]
    if numeric and all(float(v) == i for i, v in enumerate(values)):
        return y.to_numpy().astype(np.int64), names
    mapping = {v: i for i, v in enumerate(values)}
    mapped = ", ".join(f"'{_label_text(v)}' -> {i}" for v, i in mapping.items())
    notes.append(f"Mapped the labels of '{target}' to classes: {mapped}.")
    return y.map(mapping).to_numpy().astype(np.int64), names


def load_csv(
    source,
    *,
    features: list[str] | None,
    target: str,
    task: str,
    max_rows: int = 10_000,
    max_bytes: int = 5_000_000,
    seed: int = 0,
    test_fraction: float = 0.25,
    name: str | None = None,
) -> Dataset:
    """Load a user's CSV as a :class:`Dataset` for one task.

    Parameters
    ----------
    source : path, bytes, file-like object, or a DataFrame returned by :func:`read_csv`.
    features : input columns; None means every column except the target.
    target : the column to predict.
    task : "binary", "multiclass", "regression" or "count".
    max_rows, max_bytes : caps passed to :func:`read_csv`.
    seed, test_fraction : seeded train/test split (stratified for classes).
    name : display name; defaults to the file's name.

    Rows with a missing value in a chosen column are dropped (and counted in
    ``notes``). Class labels are mapped to 0..C-1 (noted). Features are standardised
    with the training rows' mean and standard deviation (kept in ``feature_scaling``).

    Raises
    ------
    DataError : with a message saying what to change; never another exception.
    """
    try:
        return _load_csv(
            source,
            features=features,
            target=target,
            task=task,
            max_rows=max_rows,
            max_bytes=max_bytes,
            seed=seed,
            test_fraction=test_fraction,
            name=name,
        )
    except DataError:
        raise
    except MemoryError:
        raise DataError(
            "The server ran out of memory loading this table; use fewer rows or columns."
        ) from None
    except Exception as err:  # a last guard: the app shows a message, never a traceback
        raise DataError(
            f"Could not load the data ({type(err).__name__}: {str(err)[:200]}). Check the "
            "file and the chosen columns."
        ) from err


def _source_name(source, name) -> str:
    if name:
        return str(name)
    if isinstance(source, (str, os.PathLike)):
        return os.path.basename(os.fspath(source))
    return str(getattr(source, "name", "") or "uploaded CSV")


def _load_csv(
    source, *, features, target, task, max_rows, max_bytes, seed, test_fraction, name
) -> Dataset:
    if task not in TASKS:
        raise DataError(f"Unknown task {task!r}; choose one of {', '.join(TASKS)}.")
    seed = _check_seed(seed)
    tf = _check_test_fraction(test_fraction)
    if isinstance(source, pd.DataFrame):
        df = source
    else:
        df = read_csv(source, max_rows=max_rows, max_bytes=max_bytes)
    notes = list(df.attrs.get("notes", []))
    columns = [str(c) for c in df.columns]
    listed = ", ".join(columns[:20]) + (", ..." if len(columns) > 20 else "")

    if not isinstance(target, str) or target not in columns:
        close = [c for c in columns if isinstance(target, str) and c.lower() == target.lower()]
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise DataError(f"Target column '{target}' not found.{hint} Columns in the file: {listed}.")
    if features is None:
        features = [c for c in columns if c != target]
    elif isinstance(features, str):
        features = [features]
    features = list(dict.fromkeys(str(f) for f in features))  # drop repeats, keep order
    if target in features:
        raise DataError(
            f"The target '{target}' is also listed as a feature; remove it from "
            "the features (the model would be handed the answer)."
        )
    if not features:
        raise DataError("No feature columns: choose at least one input column besides the target.")
    missing_cols = [f for f in features if f not in columns]
    if missing_cols:
        which = ", ".join(f"'{f}'" for f in missing_cols)
        raise DataError(f"Feature column {which} not found. Columns in the file: {listed}.")
    if SPLIT_COLUMN in features + [target]:
        raise DataError(
            f"A column named '{SPLIT_COLUMN}' is reserved for the train/test "
            "split; rename it in the file."
        )

    # only the chosen columns are looked at (a wide table costs no more than a narrow one)
    position: dict[str, int] = {}
    for i, c in enumerate(columns):
        position.setdefault(c, i)
    chosen = features + [target]
    table = df.iloc[:, [position[c] for c in chosen]].set_axis(chosen, axis=1)
    if df.index.name != _ROW_INDEX:
        table = table.set_axis(pd.RangeIndex(2, len(table) + 2, name=_ROW_INDEX), axis=0)

    numeric_cols = features + ([target] if task in ("regression", "count") else [])
    numbers = {c: _numbers(table[c]) for c in chosen}
    bad, n_bad = _bad_cells(table, numeric_cols, numbers)
    if bad:
        shown = "; ".join(f"row {r}, column '{c}': {_quote(t)}" for r, c, t in bad)
        more = f" (and {n_bad - 5} more)" if n_bad > 5 else ""
        what = "Features" if task in ("binary", "multiclass") else "Features and the target"
        raise DataError(
            f"Non-numeric values: {shown}{more}. {what} must be numbers (with a "
            "point as the decimal mark): fix or delete these cells."
        )

    incomplete = np.zeros(len(table), dtype=bool)
    for c in chosen:
        incomplete |= numbers[c].missing
    n_dropped = int(incomplete.sum())
    if n_dropped:
        rows = _fmt_rows(table.index[incomplete])
        notes.append(
            f"Dropped {n_dropped} row{'s' if n_dropped != 1 else ''} with missing values ({rows})."
        )
        table = table[~incomplete]
    if len(table) < MIN_ROWS:
        after = f" after dropping {n_dropped} with missing values" if n_dropped else ""
        raise DataError(
            f"Only {len(table)} complete rows{after}; at least {MIN_ROWS} are needed. "
            + ("Fill in the missing values or add rows." if n_dropped else "Add rows.")
        )

    numeric = list(numeric_cols)
    values = pd.DataFrame({c: numbers[c].values[~incomplete] for c in numeric}, index=table.index)
    inf_mask = ~np.isfinite(values.to_numpy())
    if inf_mask.any():
        r, c = np.nonzero(inf_mask)
        cells = sorted(zip(values.index[r], (numeric[j] for j in c), strict=True))
        shown = "; ".join(f"row {row}, column '{col}'" for row, col in cells[:5])
        more = f" (and {len(cells) - 5} more)" if len(cells) > 5 else ""
        raise DataError(
            f"Infinite values: {shown}{more}. Replace them with finite numbers or "
            "delete those rows."
        )

    class_names = None
    n_classes = None
    if task in ("binary", "multiclass"):
        y, class_names = _class_targets(table[target], task, target, notes)
        n_classes = len(class_names)
        counts = np.bincount(y, minlength=n_classes)
        small = [class_names[k] for k in range(n_classes) if counts[k] < MIN_PER_CLASS]
        if small:
            which = ", ".join(f"'{s}'" for s in small)
            raise DataError(
                f"Class {which} has fewer than {MIN_PER_CLASS} rows; every class "
                f"needs at least {MIN_PER_CLASS}. Add rows or remove that class."
            )
        y_t = torch.as_tensor(y, dtype=torch.int64)
    else:
        y_np = values[target].to_numpy(copy=True)
        if task == "count":
            neg = values.index[y_np < 0]
            if len(neg):
                raise DataError(
                    f"Counts must be 0 or more, but '{target}' is negative in "
                    f"{_fmt_rows(neg)}. Fix those rows or choose regression."
                )
            frac = values.index[np.mod(y_np, 1) != 0]
            if len(frac):
                raise DataError(
                    f"Counts must be whole numbers, but '{target}' has fractions in "
                    f"{_fmt_rows(frac)}. For a continuous target choose "
                    "regression."
                )
        y_t = torch.as_tensor(y_np, dtype=torch.float32)

    X_raw = torch.as_tensor(values[features].to_numpy(copy=True), dtype=torch.float64)  # (N, D)
    gen = torch.Generator().manual_seed(seed)
    train_idx, test_idx = _split_indices(len(y_t), y_t if n_classes else None, tf, gen)

    mean = X_raw[train_idx].mean(dim=0)  # (D,)
    std = X_raw[train_idx].std(dim=0, correction=0) if len(train_idx) > 1 else None
    if std is None:
        std = torch.ones_like(mean)
    constant = [f for f, s in zip(features, std.tolist(), strict=True) if not s > 0]
    std = torch.where(std > 0, std, torch.ones_like(std))
    scaling = FeatureScaling(tuple(mean.tolist()), tuple(std.tolist()))
    X = ((X_raw - mean) / std).to(torch.float32)
    if constant:
        notes.append(
            f"Feature {', '.join(repr(c) for c in constant)} has the same value in "
            "every training row, so it cannot help; consider removing it."
        )
    notes.append(
        "Standardised the features to mean 0 and standard deviation 1 using the "
        "training rows: "
        + ", ".join(
            f"{f} (mean {m:.4g}, sd {s:.4g})"
            for f, m, s in list(zip(features, scaling.mean, scaling.std, strict=True))[:6]
        )
        + (f" and {len(features) - 6} more" if len(features) > 6 else "")
        + "."
    )

    return Dataset(
        name=_source_name(source, name),
        task=task,
        X_train=X[train_idx].contiguous(),
        y_train=y_t[train_idx].contiguous(),
        X_test=X[test_idx].contiguous(),
        y_test=y_t[test_idx].contiguous(),
        n_classes=n_classes,
        feature_names=list(features),
        target_name=target,
        notes=notes,
        feature_scaling=scaling,
        class_names=class_names,
        params={},
        seed=seed,
        source="csv",
        truth=None,
    )
