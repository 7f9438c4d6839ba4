"""Training: a step-wise, seeded Run that minimises a likelihood's negative log-likelihood.

A :class:`Run` owns a model (an :class:`~probnn.models.MLP` whose output size comes from
the likelihood), an optimiser, the likelihood and the data. :meth:`Run.advance` takes up
to ``n`` optimiser steps and returns one :class:`Record` per step, so a page can draw the
loss while training goes on; the Run knows nothing about how it is drawn.

Every step records the training loss: the mean negative log-likelihood (nats) of the
batch at the parameters *before* that step's update. Every ``eval_every`` steps, and at
the last step, the Run also records, at those same parameters, the test loss, the
likelihood's metric on the training and test sets, and the norm of the gradient.

Guarantees:

- seeded: the same config, data and seed give the same history, bit for bit (on one
  machine and thread count); ``advance(300)`` then ``advance(700)`` equals ``advance(1000)``;
- it stops itself with a stated reason (``stop_reason``) at the step limit, when the loss
  diverges (NaN, inf, or a million times its initial value) or the gradient norm does,
  and when asked to; losses are checked every 50 steps (no per-step sync), and a diverged
  run ends at its first bad step;
- memory is flat: the history lives in arrays allocated once for the step limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from probnn import likelihoods
from probnn.models import ACTIVATIONS, MLP, MLPConfig

__all__ = [
    "DIVERGENCE_FACTOR",
    "FINAL_STATES",
    "MAX_STEPS",
    "OPTIMISERS",
    "STATUSES",
    "History",
    "Record",
    "Run",
    "TrainConfig",
]

MAX_STEPS = 20_000  # step limit of one run; the history is preallocated for it
OPTIMISERS = ("adam", "sgd")
STATUSES = ("ready", "running", "paused", "finished", "diverged", "stopped")
FINAL_STATES = ("finished", "diverged", "stopped")  # a run in one of these never moves again
DIVERGENCE_FACTOR = 1e6  # a loss this many times its initial value counts as divergence
_CHECK_EVERY = 50  # steps between divergence (and stop request) checks


@dataclass(frozen=True)
class TrainConfig:
    likelihood: str = "bernoulli"  # key of probnn.likelihoods.REGISTRY: the loss is its NLL
    likelihood_params: dict = field(default_factory=dict)  # e.g. {"sigma": 2.0}
    hidden: tuple[int, ...] = (32, 32)  # hidden layer widths; () = a linear model
    activation: str = "tanh"  # key of probnn.models.ACTIVATIONS
    optimiser: str = "adam"  # "adam" or "sgd" (with momentum)
    lr: float = 0.01  # learning rate (step size)
    momentum: float = 0.9  # SGD momentum (ignored by Adam)
    weight_decay: float = 0.0  # L2 penalty coefficient applied by the optimiser
    steps: int = 1000  # step limit, 1..MAX_STEPS
    batch_size: int | None = None  # examples per step; None = the whole training set
    eval_every: int = 10  # steps between evaluations (test loss, metrics, gradient norm)
    seed: int = 0  # seeds the initial weights and the mini-batch order

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "likelihood_params", dict(self.likelihood_params or {}))
        set_(self, "hidden", tuple(int(h) for h in self.hidden))
        if any(h < 1 for h in self.hidden):
            raise ValueError(f"every hidden layer needs at least 1 unit, got {self.hidden}.")
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}."
            )
        if self.optimiser not in OPTIMISERS:
            raise ValueError(
                f"unknown optimiser {self.optimiser!r}; choose one of {', '.join(OPTIMISERS)}."
            )
        for name in ("lr", "momentum", "weight_decay"):
            value = float(getattr(self, name))
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {getattr(self, name)!r}.")
            set_(self, name, value)
        if self.lr <= 0:
            raise ValueError(f"lr must be positive, got {self.lr:g}.")
        if not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum:g}.")
        if self.weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {self.weight_decay:g}.")
        if not 1 <= int(self.steps) <= MAX_STEPS:
            raise ValueError(f"steps must be between 1 and {MAX_STEPS:,}, got {self.steps}.")
        set_(self, "steps", int(self.steps))
        if self.batch_size is not None:
            if int(self.batch_size) < 1:
                raise ValueError(f"batch_size must be at least 1 (or None), got {self.batch_size}.")
            set_(self, "batch_size", int(self.batch_size))
        if int(self.eval_every) < 1:
            raise ValueError(f"eval_every must be at least 1, got {self.eval_every}.")
        set_(self, "eval_every", int(self.eval_every))
        set_(self, "seed", int(self.seed))


@dataclass(frozen=True, slots=True)
class Record:
    """What happened at one step. Evaluation fields are None between evaluations."""

    step: int  # 1-based index of the optimiser step
    train_loss: float  # mean NLL of the step's batch, nats, before the update
    test_loss: float | None = None  # mean NLL on the test set, nats
    train_metric: float | None = None  # likelihood.metric on the whole training set
    test_metric: float | None = None  # likelihood.metric on the test set
    grad_norm: float | None = None  # Euclidean norm of the gradient of the training loss


class History:
    """Compact record of a run: arrays allocated once for the step limit.

    ``train_loss[i]`` belongs to step ``i + 1``; the evaluation arrays are indexed by
    evaluation, with the step in ``eval_step``. Use the properties ``n_steps`` and
    ``n_evals`` (or the ``*_filled`` views) for the part written so far.
    """

    def __init__(self, steps: int, eval_every: int):
        n_evals = steps // eval_every + 1
        self.train_loss = np.full(steps, np.nan)  # (steps,) nats
        self.eval_step = np.zeros(n_evals, dtype=np.int64)  # (n_evals,)
        self.test_loss = np.full(n_evals, np.nan)  # (n_evals,) nats
        self.train_metric = np.full(n_evals, np.nan)  # (n_evals,)
        self.test_metric = np.full(n_evals, np.nan)  # (n_evals,)
        self.grad_norm = np.full(n_evals, np.nan)  # (n_evals,)
        self.n_steps = 0
        self.n_evals = 0

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (constant over the run)."""
        return sum(
            a.nbytes
            for a in (
                self.train_loss,
                self.eval_step,
                self.test_loss,
                self.train_metric,
                self.test_metric,
                self.grad_norm,
            )
        )

    def filled(self) -> dict[str, np.ndarray]:
        """Views of the written part: steps, train_loss, eval_step, test_loss, ..."""
        n, m = self.n_steps, self.n_evals
        return {
            "steps": np.arange(1, n + 1),
            "train_loss": self.train_loss[:n],
            "eval_step": self.eval_step[:m],
            "test_loss": self.test_loss[:m],
            "train_metric": self.train_metric[:m],
            "test_metric": self.test_metric[:m],
            "grad_norm": self.grad_norm[:m],
        }


def _downsample(n: int, max_points: int) -> np.ndarray:
    """At most ``max_points`` evenly spaced indices of range(n), always the first and last."""
    if n <= max_points:
        return np.arange(n)
    if max_points <= 1:
        return np.array([n - 1])
    return np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))


class Run:
    """One training run, advanced in chunks.

    Parameters
    ----------
    config : TrainConfig
    dataset : probnn.data.Dataset
        ``X_train`` (N, D) float32, ``y_train`` (N,), ``X_test``, ``y_test``, ``n_classes``.
    init_state : dict, optional
        A state_dict from another run's :meth:`initial_state`, so two runs (e.g. under
        two likelihoods) start from the same weights. Tensors whose name and shape do not
        fit this network (an output layer of another size) keep their own seeded values;
        ``notes`` says so.

    Attributes
    ----------
    model, likelihood, optimizer, config, dataset
    status : one of STATUSES; stop_reason : why it ended (None while it can go on)
    step : optimiser steps taken; history : History; notes : list of plain sentences
    time_compute : seconds spent inside :meth:`advance`; cpu_compute : the CPU seconds of
        the threads that ran it, over the same calls (the run's own compute, whatever
        else the machine does meanwhile)

    Raises ValueError (saying what to change) when the likelihood does not fit the targets.
    """

    def __init__(self, config: TrainConfig, dataset, *, init_state: dict | None = None):
        self.config = config
        self.dataset = dataset
        self.likelihood = likelihoods.get(config.likelihood, **config.likelihood_params)
        lik = self.likelihood
        problem = lik.check_target(dataset.y_train, dataset.n_classes)
        if problem is None and dataset.y_test.numel():
            problem = lik.check_target(dataset.y_test, dataset.n_classes)
        if problem is not None:
            raise ValueError(f"The {lik.title} likelihood does not fit this data: {problem}.")
        X = dataset.X_train
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X_train must be a non-empty (N, D) table, got {tuple(X.shape)}.")
        self.notes: list[str] = []
        out_size = lik.output_size(dataset.n_classes)
        self.model = MLP(
            MLPConfig(X.shape[1], out_size, config.hidden, config.activation), seed=config.seed
        )
        if init_state is not None:
            self._load_init(init_state)
        self._initial = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        # targets in the dtype the likelihood computes with, converted once
        y_dtype = torch.int64 if lik.task == "multiclass" else torch.float32
        self._X = X.to(torch.float32).contiguous()  # (N, D)
        self._y = dataset.y_train.to(y_dtype).contiguous()  # (N,)
        self._X_test = dataset.X_test.to(torch.float32).contiguous()  # (M, D)
        self._y_test = dataset.y_test.to(y_dtype).contiguous()  # (M,)
        self._squeeze = out_size == 1
        params = self._params = list(self.model.parameters())
        # fused: one kernel updates every parameter, instead of about ten small tensor
        # operations per parameter tensor from Python (a quarter of a small MLP's step)
        if config.optimiser == "adam":
            self.optimizer = torch.optim.Adam(
                params, lr=config.lr, weight_decay=config.weight_decay, fused=True
            )
        else:
            self.optimizer = torch.optim.SGD(
                params,
                lr=config.lr,
                momentum=config.momentum,
                weight_decay=config.weight_decay,
                fused=True,
            )
        n = self._X.shape[0]
        bs = config.batch_size
        self._batch = bs if bs is not None and bs < n else None
        self._batch_gen = torch.Generator().manual_seed((config.seed * 1_000_003 + 7) % 2**63)
        self._perm: torch.Tensor | None = None
        self._perm_pos = 0
        self.history = History(config.steps, config.eval_every)
        self.step = 0
        self.status = "ready"
        self.stop_reason: str | None = None
        self.time_compute = 0.0
        self.cpu_compute = 0.0
        self._stop_requested = False
        self._initial_loss: float | None = None

    # ------------------------------------------------------------------ setup helpers
    def _load_init(self, init_state: dict) -> None:
        own = self.model.state_dict()
        fits = {k: v for k, v in init_state.items() if k in own and tuple(v.shape) == own[k].shape}
        if not fits:
            raise ValueError(
                "init_state does not fit this network (no weight has a matching name and "
                "shape); use initial_state() of a run with the same hidden layers."
            )
        kept = [k for k in own if k not in fits]
        own.update({k: v.detach().clone().to(own[k].dtype) for k, v in fits.items()})
        self.model.load_state_dict(own)
        if kept:
            self.notes.append(
                f"Started from the shared initial weights except {', '.join(kept)}, whose "
                f"shape differs here (this likelihood needs {self.model.config.out_features} "
                f"output(s)); those keep this run's own seeded values."
            )

    def initial_state(self) -> dict[str, torch.Tensor]:
        """A copy of the weights the run started from (pass as ``init_state=`` to another Run)."""
        return {k: v.clone() for k, v in self._initial.items()}

    # ------------------------------------------------------------------ control
    def request_stop(self) -> None:
        """Ask the run to stop: between chunks at once, during a chunk within a few steps."""
        self._stop_requested = True
        if self.status not in FINAL_STATES and self.status != "running":
            self._end("stopped", f"stopped on request at step {self.step:,}")

    def _end(self, status: str, reason: str) -> None:
        self.status = status
        self.stop_reason = reason

    @property
    def over(self) -> bool:
        """True when the run can never move again (finished, diverged or stopped)."""
        return self.status in FINAL_STATES

    # ------------------------------------------------------------------ training
    def _next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        bs = self._batch
        n = self._X.shape[0]
        if self._perm is None or self._perm_pos + bs > n:
            self._perm = torch.randperm(n, generator=self._batch_gen)
            self._perm_pos = 0
        idx = self._perm[self._perm_pos : self._perm_pos + bs]
        self._perm_pos += bs
        return self._X.index_select(0, idx), self._y.index_select(0, idx)

    def _forward(self, X: torch.Tensor) -> torch.Tensor:
        out = self.model.forward(X)
        return out.squeeze(-1) if self._squeeze else out

    def advance(self, n: int) -> list[Record]:
        """Take up to ``n`` optimiser steps; returns one Record per step taken.

        Stops early at the step limit, on divergence and on request (see ``status`` and
        ``stop_reason``). After the run has ended it returns [] and does nothing.
        """
        if self.status in FINAL_STATES:
            return []
        if self._stop_requested:
            self._end("stopped", f"stopped on request at step {self.step:,}")
            return []
        n = min(int(n), self.config.steps - self.step)
        if n <= 0:
            return []
        t0, c0 = time.perf_counter(), time.thread_time()
        self.status = "running"
        first = self.step + 1
        try:
            self._train(first, first + n)
        finally:
            if self.status == "running":
                if self.step >= self.config.steps:
                    self._end("finished", f"finished: reached {self.config.steps:,} steps")
                elif self._stop_requested:
                    self._end("stopped", f"stopped on request at step {self.step:,}")
                else:
                    self.status = "paused"
            self.time_compute += time.perf_counter() - t0
            self.cpu_compute += time.thread_time() - c0
        return self._records(first, self.step + 1)

    def _train(self, first: int, end: int) -> None:
        """Steps first..end-1, checked for divergence every _CHECK_EVERY steps."""
        cfg = self.config
        every, last = cfg.eval_every, cfg.steps
        forward, nll = self.model.forward, self.likelihood.nll
        params, opt_step = self._params, self.optimizer.step
        squeeze, batched = self._squeeze, self._batch is not None
        X, y = self._X, self._y
        s = first
        while s < end:
            seg_first, seg_end = s, min(end, s + _CHECK_EVERY)
            evals_before = self.history.n_evals
            losses: list[torch.Tensor] = []  # 0-dim loss tensors: no sync per step
            append = losses.append
            while s < seg_end:
                next_eval = min(((s - 1) // every + 1) * every, last)  # first eval step >= s
                plain_end = min(next_eval, seg_end)
                for _ in range(s, plain_end):
                    if batched:
                        X, y = self._next_batch()
                    out = forward(X)
                    if squeeze:
                        out = out.squeeze(-1)
                    loss = nll(out, y)
                    # what optimizer.zero_grad(set_to_none=True) does, minus its profiler hook
                    for p in params:
                        p.grad = None
                    loss.backward()
                    opt_step()
                    append(loss.detach())
                s = plain_end
                if s < seg_end:  # s is an evaluation step
                    append(self._eval_step(s))
                    s += 1
            if not self._store(seg_first, losses, evals_before):
                return
            if self._stop_requested:
                return

    def _eval_step(self, step: int) -> torch.Tensor:
        """One training step that also evaluates, at the parameters before its update."""
        lik, h = self.likelihood, self.history
        X, y = self._next_batch() if self._batch is not None else (self._X, self._y)
        out = self._forward(X)
        loss = lik.nll(out, y)
        for p in self._params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            grads = [p.grad for p in self._params if p.grad is not None]
            grad_norm = float(torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads))))
            if self._batch is None:
                train_metric = lik.metric(out.detach(), y)
            else:
                train_metric = lik.metric(self._forward(self._X), self._y)
            if self._X_test.shape[0]:
                out_test = self._forward(self._X_test)
                test_loss = float(lik.nll(out_test, self._y_test))
                test_metric = lik.metric(out_test, self._y_test)
            else:
                test_loss = test_metric = math.nan
        self.optimizer.step()
        i = h.n_evals
        h.eval_step[i] = step
        h.test_loss[i] = test_loss
        h.train_metric[i] = train_metric
        h.test_metric[i] = test_metric
        h.grad_norm[i] = grad_norm
        h.n_evals = i + 1
        return loss.detach()

    def _store(self, first: int, losses: list[torch.Tensor], evals_before: int) -> bool:
        """Write the losses of steps first.. into the history and check them (and the
        gradient norms of the evaluations from index ``evals_before``); False when the
        run diverged."""
        if not losses:
            return True
        values = torch.stack(losses).to(torch.float64).numpy()  # (k,)
        h = self.history
        k = len(values)
        h.train_loss[first - 1 : first - 1 + k] = values
        if self._initial_loss is None:
            self._initial_loss = float(values[0])
        limit = DIVERGENCE_FACTOR * max(abs(self._initial_loss), 1.0)
        bad_loss = ~np.isfinite(values) | (values > limit)
        grad_bad = ~np.isfinite(h.grad_norm[evals_before : h.n_evals])
        if not bad_loss.any() and not grad_bad.any():
            h.n_steps = self.step = first - 1 + k
            return True
        j_grad = (
            int(h.eval_step[evals_before + int(np.argmax(grad_bad))]) - first
            if grad_bad.any()
            else k
        )
        if bad_loss.any() and int(np.argmax(bad_loss)) <= j_grad:
            j = int(np.argmax(bad_loss))
            v = values[j]
            what = (
                f"the training loss became {'nan (not a number)' if np.isnan(v) else v}"
                if not np.isfinite(v)
                else f"the training loss grew to {v:.3g} nats, more than "
                f"{DIVERGENCE_FACTOR:.0e} times its first value ({self._initial_loss:.3g})"
            )
        else:
            j = j_grad
            g = h.grad_norm[evals_before + int(np.argmax(grad_bad))]
            what = f"the gradient norm became {'nan' if np.isnan(g) else 'inf'} (it exploded)"
        bad_step = first + j
        h.n_steps = self.step = bad_step
        h.train_loss[bad_step:] = np.nan
        keep = int(np.searchsorted(h.eval_step[: h.n_evals], bad_step, side="right"))
        h.n_evals = keep
        opt = self.config.optimiser
        self._end(
            "diverged",
            f"diverged at step {bad_step:,}: {what}. Lower the learning rate "
            f"(now {self.config.lr:g}{', or lower the momentum' if opt == 'sgd' else ''}) "
            f"and train again.",
        )
        return False

    def _records(self, first: int, end: int) -> list[Record]:
        """Records for steps first..end-1 from the history."""
        h = self.history
        loss = h.train_loss[first - 1 : end - 1].tolist()
        records = [Record(s, v) for s, v in zip(range(first, end), loss, strict=True)]
        m = h.n_evals
        lo = int(np.searchsorted(h.eval_step[:m], first, side="left"))
        for i in range(lo, m):
            s = int(h.eval_step[i])
            records[s - first] = Record(
                s,
                loss[s - first],
                float(h.test_loss[i]),
                float(h.train_metric[i]),
                float(h.test_metric[i]),
                float(h.grad_norm[i]),
            )
        return records

    # ------------------------------------------------------------------ reading
    def series_names(self) -> dict[str, str]:
        """Series key -> the name used in history_frame (the metric's name is spelled out)."""
        metric = self.likelihood.metric_name
        return {
            "train_loss": "train loss",
            "test_loss": "test loss",
            "train_metric": f"train {metric}",
            "test_metric": f"test {metric}",
            "grad_norm": "gradient norm",
        }

    def history_frame(self, max_points: int = 300) -> pd.DataFrame:
        """Long-form history for charts: columns step, series, value.

        Series: "train loss", "test loss" (nats), "train <metric>", "test <metric>",
        "gradient norm". Each series holds at most ``max_points`` evenly spaced points
        (always including its last one).
        """
        h = self.history.filled()
        names = self.series_names()
        parts = []
        idx = _downsample(len(h["train_loss"]), max_points)
        parts.append((h["steps"][idx], names["train_loss"], h["train_loss"][idx]))
        idx = _downsample(len(h["eval_step"]), max_points)
        steps = h["eval_step"][idx]
        for key in ("test_loss", "train_metric", "test_metric", "grad_norm"):
            parts.append((steps, names[key], h[key][idx]))
        return pd.DataFrame(
            {
                "step": np.concatenate([p[0] for p in parts]).astype(np.int64),
                "series": np.concatenate([np.full(len(p[0]), p[1], dtype=object) for p in parts]),
                "value": np.concatenate([p[2] for p in parts]).astype(np.float64),
            }
        )

    def history_table(self) -> pd.DataFrame:
        """Every evaluation as one row (for CSV download): step, train_loss_nats,
        test_loss_nats, train_<metric>, test_<metric>, grad_norm."""
        h = self.history.filled()
        metric = self.likelihood.metric_name.replace(" ", "_")
        steps = h["eval_step"]
        return pd.DataFrame(
            {
                "step": steps,
                "train_loss_nats": self.history.train_loss[steps - 1],
                "test_loss_nats": h["test_loss"],
                f"train_{metric}": h["train_metric"],
                f"test_{metric}": h["test_metric"],
                "grad_norm": h["grad_norm"],
            }
        )

    @torch.no_grad()
    def predict_grid(self, xs, ys) -> np.ndarray:
        """The model's predictive mean on a grid over two input features.

        Parameters
        ----------
        xs : (W,) values of the first feature; ys : (H,) values of the second.

        Returns
        -------
        (H, W) array (binary: p(y=1 | x); regression: the mean), or (H, W, C) class
        probabilities for a multiclass likelihood. Entry [i, j] is at (xs[j], ys[i]).
        """
        d = self._X.shape[1]
        if d != 2:
            raise ValueError(f"predict_grid needs a data set with 2 features; this one has {d}.")
        xs = torch.as_tensor(np.asarray(xs, dtype=np.float32)).reshape(-1)  # (W,)
        ys = torch.as_tensor(np.asarray(ys, dtype=np.float32)).reshape(-1)  # (H,)
        gy, gx = torch.meshgrid(ys, xs, indexing="ij")  # (H, W) each
        pts = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)  # (H*W, 2)
        mean = self.likelihood.mean(self._forward(pts))  # (H*W,) or (H*W, C)
        return mean.reshape(len(ys), len(xs), *mean.shape[1:]).double().numpy()

    @torch.no_grad()
    def predict_curve(self, x) -> pd.DataFrame:
        """Predictive mean and a band of +-2 standard deviations along one input feature.

        Returns DataFrame(x, mean, lo, hi); lo and hi are NaN when the likelihood has no
        spread (a class label; see ``likelihood.stddev_reason``).
        """
        d = self._X.shape[1]
        if d != 1:
            raise ValueError(f"predict_curve needs a data set with 1 feature; this one has {d}.")
        xt = torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(-1, 1)  # (M, 1)
        out = self._forward(xt)
        mean = self.likelihood.mean(out)
        if mean.ndim != 1:
            raise ValueError("predict_curve draws one mean per x; a multiclass model has several.")
        sd = self.likelihood.stddev(out)
        mean = mean.double().numpy()
        if sd is None:
            lo = hi = np.full_like(mean, np.nan)
        else:
            sd = sd.double().numpy()
            lo, hi = mean - 2 * sd, mean + 2 * sd
        return pd.DataFrame({"x": xt[:, 0].double().numpy(), "mean": mean, "lo": lo, "hi": hi})
