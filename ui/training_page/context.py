"""What drawing a page's run needs besides its snapshots (:class:`Context`): the data
under the model, the grid of the p(y|x) map or the regression curve, and ``observe``,
which the training thread calls between chunks to make a frame's pictures ready."""

from __future__ import annotations

import functools
from dataclasses import replace

try:  # another Streamlit layout: every run is an owner of its own (see owner())
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
except ImportError:  # pragma: no cover
    get_script_run_ctx = None

import numpy as np
import pandas as pd

from probnn import data as pdata
from probnn import likelihoods, live, truth
from ui.charts import training as charts
from ui.training_page.results import last_table, recent
from ui.training_page.spec import CURVE, GRID, MAX_DRAWN, PageSpec, Settings, state_key

RESULTS_STATES = ("finished", "stopped")


def _subsample(n: int, k: int, seed: int) -> np.ndarray:
    """Sorted indices of at most k of n items, the same for the same seed."""
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


class Context:
    """What the drawing functions of one page need besides the snapshot."""

    def __init__(self, spec: PageSpec, settings: Settings, dataset: pdata.Dataset):
        self.spec, self.settings, self.dataset = spec, settings, dataset
        self.lik = likelihoods.get(settings.config.likelihood, **settings.config.likelihood_params)
        self.classification = dataset.is_classification
        self.names = class_names(dataset, settings)
        self.d = dataset.n_features
        self.metric_name = self.lik.metric_name or "metric"
        self.metric_domain = (0.0, 1.0) if self.metric_name == "accuracy" else (None, None)
        self.points = self._points()
        self.floor = floor_of(dataset)
        self.gap_is_kl = gap_is_kl(dataset, self.lik)
        # how the run is shown, set by the page (ui/training_page/pace.py): the loss axis
        # on a log scale, the points sized by their surprise
        self.options = {"log": False, "surprise": False}
        self.panel: dict | None = None  # the static part of the live panel's right side
        if self.classification and self.d == 2:
            self.xs, self.ys = live.plane(dataset, GRID)
            self.extent = {k: [v] for k, v in charts.image_extent(self.xs, self.ys).items()}
            self.panel = charts.panel_map(
                self.extent,
                self.points,
                class_names=self.names,
                features=dataset.feature_names[:2],
            )
        elif not self.classification and self.d == 1:
            (lo, hi), (ylo, yhi) = dataset.bounds(0.05)[:2]
            self.curve_x = np.linspace(lo, hi, CURVE)
            self.y_domain = (ylo, yhi)
            self.panel = charts.panel_fit(
                self.points,
                x_title=dataset.feature_names[0],
                y_title=dataset.target_name,
                y_domain=self.y_domain,
            )
        # the true p(y|x) on the map, computed when first shown (:meth:`show_truth`): it
        # costs more than the rest of a context, and a slider's rerun makes a new one
        self.truth_known = bool(self.panel) and self.classification and self.floor is not None

    def show_truth(self) -> bool:
        """Put the true p(y|x) in the map's panel (``panel["truth"]``, once per context);
        False when there is none to show."""
        if not self.truth_known:
            return False
        if "truth" not in self.panel:
            self.panel["truth"] = self._truth_picture()
        return self.panel["truth"] is not None

    def _truth_picture(self) -> dict | None:
        """The true (Bayes-optimal) p(y|x) on the map's grid, as the live panel's picture,
        on the model's colour scale; None without a known truth."""
        if self.floor is None:
            return None
        try:
            probs = truth.bayes_grid(self.dataset, self.xs, self.ys)
        except (pdata.DataError, ValueError, ArithmeticError):
            return None
        return charts.picture(charts.probability_colours(probs))

    def _points(self) -> pd.DataFrame:
        """The data drawn under the model: at most MAX_DRAWN points (a seeded subsample)."""
        ds = self.dataset
        X, y = ds.X_train.numpy(), ds.y_train.numpy()
        self.keep, self.keep_test = np.zeros(0, np.int64), np.zeros(0, np.int64)
        if self.classification:
            if self.d != 2:
                return pd.DataFrame({"x": [], "y": [], "label": []})
            keep = _subsample(len(X), MAX_DRAWN, self.settings.seed)
            self.keep = keep
            labels = np.asarray(self.names, dtype=object)[y[keep]]
            return pd.DataFrame({"x": X[keep, 0], "y": X[keep, 1], "label": labels})
        if self.d != 1:
            return pd.DataFrame({"x": [], "y": [], "label": []})
        Xt, yt = ds.X_test.numpy(), ds.y_test.numpy()
        keep, keep_t = (
            _subsample(len(X), MAX_DRAWN * 3 // 4, self.settings.seed),
            _subsample(len(Xt), MAX_DRAWN // 4, self.settings.seed),
        )
        self.keep, self.keep_test = keep, keep_t
        return pd.DataFrame(
            {
                "x": np.concatenate([X[keep, 0], Xt[keep_t, 0]]),
                "y": np.concatenate([y[keep], yt[keep_t]]),
                "label": ["train"] * len(keep) + ["test"] * len(keep_t),
            }
        )

    # -- computed in the training thread, between chunks
    def observe(self, run, results: bool = False) -> dict:
        """What a frame draws, made ready here (curves as arrays, the map as colours);
        with ``results``, once the run is over, also what the page shows after training
        (:meth:`results_of`), so that the stream's last frame can bring it."""
        out: dict = {"curves": live.curves(run)}
        if results and getattr(run, "status", None) in RESULTS_STATES:
            out["after"] = self.results_of(run)
        if self.panel is not None:
            out.update(self.surprise_of(run))
        if self.classification and self.d == 2:
            probs = np.asarray(run.predict_grid(self.xs, self.ys), dtype=np.float64)
            # (ny, nx) or (ny, nx, C): turned into one picture's colours here, in the
            # training thread (the live panel gets their bytes, a Vega chart a PNG)
            out["rgb"] = charts.probability_colours(probs)
            out["multi"] = probs.ndim == 3
        elif not self.classification and self.d == 1:
            frame = run.predict_curve(self.curve_x)
            for c in ("x", "mean", "lo", "hi"):
                out[c] = frame[c].to_numpy(dtype=np.float32)
        return out

    def surprise_of(self, run) -> dict:
        """The surprise -log q(y|x) (nats) of each drawn point under the run's current
        model (``surprise``, in the order of the drawn points) and its mean over all the
        training points (``surprise_mean``): with full batches, the training loss the
        run records for its next step (:func:`probnn.live.surprise`)."""
        ds = self.dataset
        try:
            train = live.surprise(run, ds.X_train.numpy(), ds.y_train.numpy())
            drawn = train[self.keep]
            if len(self.keep_test):
                Xt, yt = ds.X_test.numpy()[self.keep_test], ds.y_test.numpy()[self.keep_test]
                drawn = np.concatenate([drawn, live.surprise(run, Xt, yt)])
        except (RuntimeError, ValueError):  # a model that cannot say (shapes): no sizes
            return {}
        return {"surprise": drawn.astype(np.float32), "surprise_mean": float(train.mean())}

    def results_of(self, run) -> dict:
        """The after-training chart (calibration or residuals on the test set), the number
        of recorded steps and a table of the last evaluations."""
        ds = self.dataset
        chart_id = state_key(self.spec, "after_chart")
        if self.classification:
            probs, _ = live.predict(run, ds.X_test)
            what = f"p({self.names[-1]} | x)" if probs.ndim == 1 else "top-class probability"
            table = live.calibration_table(probs, ds.y_test.numpy())
            chart = charts.calibration_panel(chart_id, table, what=what)
        else:
            table = live.residual_table(run, ds.X_test, ds.y_test.numpy())
            chart = charts.residual_panel(chart_id, table)
        return {
            "chart": chart,  # drawn by the live panel's canvas (ui/live_panel.js)
            "rows": int(run.history.n_steps),
            "table": last_table(recent(run)),
        }

    def new_live(
        self,
        init_state=None,
        likelihood: str | None = None,
        params: dict | None = None,
        results: bool = False,
        **kwargs,
    ) -> live.LiveRun:
        """A run of this page's settings (another ``likelihood`` when given); with
        ``results``, its last snapshot carries the after-training results."""
        config = self.settings.config
        if likelihood is not None:
            config = replace(config, likelihood=likelihood, likelihood_params=params or {})
        kwargs.setdefault("history", False)  # the curves come with observe()
        kwargs.setdefault("owner", owner())
        observe = functools.partial(self.observe, results=True) if results else self.observe
        return live.LiveRun.create(
            config, self.dataset, init_state=init_state, observe=observe, **kwargs
        )


def class_names(dataset: pdata.Dataset, settings: Settings) -> list[str]:
    """The classes' names in the legend and the hover: a CSV's own labels; for generated
    data with more than two classes "class 1" .. "class C", as the formulas number them
    (label k - 1 in PyTorch); a binary label stays "class 0" / "class 1", the values of
    y in the Bernoulli's formula."""
    n = dataset.n_classes or 2
    names = list(dataset.class_names or [f"class {k}" for k in range(n)])
    if settings.source == "synthetic" and n > 2 and names == [f"class {k}" for k in range(n)]:
        return [f"class {k + 1}" for k in range(n)]
    return names


def floor_of(dataset: pdata.Dataset) -> truth.Floor | None:
    """The floor H(Y|X) of the generator ``dataset`` was drawn from (cached by probnn),
    or None: a user's CSV has no known truth, and a floor of -inf (a noiseless curve) is
    no line to draw."""
    try:
        floor = truth.conditional_entropy(dataset)
    except (pdata.DataError, ValueError, ArithmeticError):
        return None
    if floor is None or not np.isfinite(floor.value):
        return None
    return floor


def gap_is_kl(dataset: pdata.Dataset, lik) -> bool:
    """True when the model's loss is a negative log-probability of the same kind as the
    truth's (class probabilities for classes, a density for real y, probabilities of
    counts): then test loss - floor estimates the KL divergence of the model from the
    truth. Squared error on probabilities, or a Gaussian density on counts, is not."""
    task = dataset.task
    if dataset.is_classification:
        return lik.name in ("bernoulli", "categorical")
    if task == "count":
        return lik.task == "count"
    return lik.task == "regression"


NO_CURVES = {
    "train_step": np.zeros(0, np.int64),
    "train_loss": np.zeros(0),
    "eval_step": np.zeros(0, np.int64),
    "test_loss": np.zeros(0),
    "test_metric": np.zeros(0),
    "train": float("nan"),
    "test": float("nan"),
    "metric": float("nan"),
}


def owner() -> str | None:
    """This browser session's id: the owner of the runs it starts, which share one turn
    at the compute slot and train one at a time (:mod:`probnn.live`)."""
    try:
        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # noqa: BLE001 - another Streamlit: every run is an owner of its own
        return None
    return None if ctx is None else ctx.session_id
