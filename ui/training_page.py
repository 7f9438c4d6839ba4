"""The live-training page shared by the binary, multi-class and regression pages.

A page describes itself with a :class:`PageSpec` and calls :func:`render`. This module
owns every session-state key that starts with ``tp.<page>.``: the page's
:class:`probnn.live.LiveRun` (``live``), the settings it was built from (``settings``)
and what drawing needs from them (``ctx``), a pending message (``msg``), the uploaded
table (``csv``) and its widgets (``upload``, ``features``), the comparison runs
(``cmp``), the loss-surface run (``surf``), the after-training results (``after``) and
the buttons (``b_*``). The URL-bound widgets use short plain keys (``data``, ``n``,
``lr``, ``steps``, ``tab``...): a link reproduces the settings, the seed and so the curve.

How a run is shown while it trains: a background thread (``probnn.live``) computes.
When the app was started by ``app.py``, the live panel reads the run's frames itself
from the server's frame routes (:mod:`ui.frames`, the ``stream`` key: one streamed
response for the run), with the status line's numbers and, in the last frame, the
results. Train itself is then the panel's own button, which starts the run through the
stream's start route and follows it, with no script run at all; where the page has more
to change first (a reason, a message), Train is Streamlit's button, and the script run
it starts ends as soon as the panel is mounted. When the page has more to say at the
end (why the run diverged, a note), the panel asks for a rerun; when its stream fails
(a proxy in the way), it asks too, and the session's pages send every frame as an
element from then on (``tp.unstreamed``). Without a stream, the script loops over
:func:`_watch`, which reads the latest snapshot and redraws only placeholders
(``st.empty``) a few times a second; so do the comparison and the loss surface, whose
runs end with results drawn by the script. The buttons, the status line and the open
view are a fragment (:func:`_training_area`), so a button reruns that part alone. A
button pressed while the loop runs ends the loop's script run at once
(:func:`_take_pending_request`), so Pause works mid-run; the run itself lives on in
``st.session_state``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

import probnn
from probnn import data as pdata
from probnn import likelihoods, live, training
from probnn.models import ACTIVATIONS
from probnn.params import ParamSpec
from ui import frames, live_panel, widgets
from ui.charts import number
from ui.charts import training as charts
from ui.text import plain

try:  # raised inside a running script when its session stops (tab closed, Stop pressed)
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
except ImportError:  # pragma: no cover - another Streamlit layout
    StopException = ()  # type: ignore[assignment]

__all__ = [
    "CAPS",
    "PageSpec",
    "Settings",
    "WATCH_LIMIT",
    "accept_upload",
    "load_upload",
    "render",
    "settings_from_widgets",
]

# ----------------------------------------------------------------------------- caps
MAX_STEPS = 5000
MAX_LAYERS = 4
MAX_UNITS = 64
MAX_POINTS = 2000  # the generators' own cap on n
GRID = 40  # the p(y|x) map is GRID x GRID cells
CURVE = 200  # points on a fitted regression curve
CSV = "csv"  # the data-set choice that means "the uploaded file"
MAX_DRAWN = 300  # data points drawn under the model (all of them are trained on)
TABS = ("Live training", "Compare likelihoods", "Loss surface")  # the views (and ?tab=)
LEARNING_RATES = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)
BATCHES = ("full", "16", "32", "64", "128", "256")
CSV_ROWS = 10_000  # data rows of an uploaded CSV (and 5 MB, Streamlit's upload cap too)
CSV_BYTES = 5_000_000
CSV_CAPS = (
    f"CSV files up to {CSV_ROWS:,} rows, {pdata.MAX_COLUMNS} columns and "
    f"{CSV_BYTES // 1_000_000} MB, values of at most {pdata.MAX_CELL} characters"
)
CAPS = (
    f"Caps: at most {MAX_STEPS:,} steps, {MAX_POINTS:,} points, {MAX_LAYERS} hidden layers "
    f"of at most {MAX_UNITS} units; {CSV_CAPS}."
)
WATCH_LIMIT: float | None = None  # seconds a script keeps redrawing; None = until the run ends
STREAMED_CHECK = 0.2  # seconds between two looks of the script at a run the panel streams
STEP_SIZE = 10  # steps per press of Step
DOWNLOAD_LABEL = "Download the history (CSV)"
BUTTONS_HELP = (
    "**Train** starts again from the initial weights and trains to the step limit · "
    "**Pause** stops after the current chunk of steps · **Resume** goes on from there · "
    f"**Step ×{STEP_SIZE}** pauses, then takes {STEP_SIZE} steps · "
    "**Reset** goes back to step 0 with the same initial weights."
)

_STATUS_WORDS = {
    "ready": "ready: press **Train**",
    "running": "training…",
    "paused": "paused",
    "finished": "finished",
    "diverged": "diverged",
    "stopped": "stopped",
}
_UNSTREAMED = "tp.unstreamed"  # session flag: the frame routes do not reach this browser
# Run states after which the page shows the results (a diverged run has none to show).
_RESULTS_STATES = ("finished", "stopped")
_HINT = (
    "The loss became infinite or not a number: the steps were too large. Lower the learning "
    "rate (or use Adam), then press **Train** again."
)
_DATA_KEYS = {"n_classes": "classes", "outlier_fraction": "outliers"}  # short link keys
_LABELS = {
    "n": "points",
    "noise": "noise",
    "n_classes": "classes",
    "outlier_fraction": "outlier share",
}


@dataclass(frozen=True)
class PageSpec:
    """What distinguishes one training page from another."""

    key: str  # URL path and session-state prefix: "binary"
    task: str  # "binary" | "multiclass" | "regression"
    datasets: tuple[str, ...]  # generator keys offered, first = default
    likelihoods: tuple[str, ...]  # likelihood names offered, first = the article's
    compare: tuple  # (likelihood, ((param, value), ...), short label) trained side by side
    # The comparison trains on the page's data set when it is one of ``compare_on``
    # (None: any, an uploaded CSV too); otherwise on ``compare_dataset``, which it names,
    # saying why with ``compare_needs``.
    compare_dataset: str = ""  # the comparison's own data set
    compare_params: tuple = ()  # its generator parameters, as (name, value) pairs
    compare_on: tuple[str, ...] | None = None
    compare_needs: str = ""  # what the comparison needs from its data, in a few words
    compare_text: str = ""  # what the comparison shows, in a sentence or two
    compare_training: tuple = ("adam", 0.01, 500)  # optimiser, learning rate, steps
    default_steps: int = 500
    count_likelihoods: tuple[str, ...] = ()  # for count data (regression page)
    loss_surface: bool = False  # show the two-parameter lab (binary page)


@dataclass(frozen=True)
class Settings:
    """Everything a run depends on; two equal Settings give the same curve."""

    source: str  # "synthetic" | "csv"
    dataset: str  # generator key, or the CSV's name
    data_params: tuple  # generator parameters as sorted (name, value) pairs
    config: training.TrainConfig
    csv_token: int = 0  # which upload (csv only)
    features: tuple[str, ...] = ()  # chosen CSV columns (csv only)
    target: str = ""  # CSV target column (csv only)

    @property
    def seed(self) -> int:
        return int(self.config.seed)


def _k(spec: PageSpec, name: str) -> str:
    return f"tp.{spec.key}.{name}"


def _subsample(n: int, k: int, seed: int) -> np.ndarray:
    """Sorted indices of at most k of n items, the same for the same seed."""
    if n <= k:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=k, replace=False))


# ----------------------------------------------------------------------------- cached pieces


@functools.lru_cache(maxsize=64)
def _surface_spec(levels: tuple) -> dict:
    """The loss surface's chart spec without data, built once per set of contour levels
    (Altair is slow to build specs)."""
    return charts.spec(charts.surface_chart("surface", "path", levels=levels))


def _arrow(frame: pd.DataFrame | dict) -> pa.Table:
    """A pyarrow table (cheap to serialise) from a frame or a dict of arrays."""
    if isinstance(frame, pd.DataFrame):
        return pa.Table.from_pandas(frame, preserve_index=False)
    return pa.table(frame)


@functools.lru_cache(maxsize=64)
def _synthetic(name: str, seed: int, params: tuple) -> pdata.Dataset:
    """A generated data set, shared read-only (neither a Run nor a page mutates a Dataset)."""
    return pdata.make(name, seed=seed, **dict(params))


@functools.lru_cache(maxsize=16)
def _line(n: int, noise: float, seed: int) -> pdata.Dataset:
    """The 1-D data of the loss-surface lab (shared read-only: nothing mutates a Dataset)."""
    return live.line_dataset(n, noise=noise, seed=seed)


@functools.lru_cache(maxsize=16)
def _surface(n: int, noise: float, seed: int, size: int = 120) -> dict:
    """The loss surface of 1-D logistic regression as a banded picture, and its minimum.

    Cached for everyone (pure function of its arguments; callers only read the result).
    """
    ds = _line(n, noise, seed)
    ws = np.linspace(-3.0, 9.0, size)
    bs = np.linspace(-6.0, 6.0, size)
    loss = live.loss_surface(likelihoods.get("bernoulli"), ds.X_train, ds.y_train, ws, bs)
    finite = loss[np.isfinite(loss)]
    lo, hi = float(finite.min()), float(np.quantile(finite, 0.98))
    levels = tuple(float(v) for v in np.geomspace(lo * 1.02 + 1e-3, hi, 11).round(3))
    image = {k: [v] for k, v in charts.image_extent(ws, bs).items()}
    image["url"] = [charts.image_url(charts.surface_colours(loss, levels))]
    i, j = np.unravel_index(np.nanargmin(loss), loss.shape)
    return {
        "image": pa.table(image),
        "levels": levels,
        "best": (float(ws[j]), float(bs[i]), lo),
        "n_train": ds.n_train,
    }


# ----------------------------------------------------------------------------- widgets


def _lik_label(name: str) -> str:
    cls = likelihoods.REGISTRY[name]
    return f"{cls.title} ({cls.loss_name})"


def _specs_of(name: str) -> tuple[ParamSpec, ...]:
    return tuple(likelihoods.REGISTRY[name].param_specs)


def settings_from_widgets(spec: PageSpec) -> tuple[Settings | None, pdata.Dataset | None]:
    """Draw the settings panel; return the settings and the data set (None when unusable)."""
    panel = st.expander("**Settings**: data, model, likelihood (the loss), optimiser")
    col_data, col_model, col_lik, col_opt = panel.columns(4, gap="medium")
    with col_data:
        st.markdown("**Data**")
        name = widgets.select("Data set", list(spec.datasets) + [CSV], "data")
        st.caption(_data_label(name))
        params: dict = {}
        if name != CSV:
            for p in pdata.GENERATORS[name].params:
                params[p.name] = widgets.slider(
                    p, _DATA_KEYS.get(p.name, p.name), label=_LABELS.get(p.name, p.name)
                )
    with col_model:
        st.markdown("**Model**")
        layers = widgets.integer(
            "Hidden layers",
            "layers",
            low=0,
            high=MAX_LAYERS,
            default=2,
            help="0 hidden layers is a linear model (logistic or linear regression).",
        )
        units = widgets.slider(
            ParamSpec(
                "units", "", 1, MAX_UNITS, 32, 1, integer=True, help="Units in each hidden layer."
            ),
            "units",
            label="Units per layer",
        )
        activation = widgets.select("Activation", list(ACTIVATIONS), "act", default="tanh")
        seed = widgets.seed("seed")
    is_count = name == "counts" or (name == CSV and st.session_state.get("lik") == "poisson")
    with col_lik:
        st.markdown("**Likelihood (the loss)**")
        options = list(spec.count_likelihoods if name == "counts" else spec.likelihoods)
        if name == CSV and spec.count_likelihoods:
            options += [o for o in spec.count_likelihoods if o not in options]
        lik_name = widgets.select("p(y | x)", options, "lik", default=options[0])
        st.caption(_lik_label(lik_name))
        lik_params = {}
        for p in _specs_of(lik_name):
            lik_params[p.name] = widgets.slider(p, p.name)
    with col_opt:
        st.markdown("**Optimiser**")
        optimiser = widgets.select(
            "Optimiser", ["adam", "sgd"], "opt", radio=True, help="sgd = SGD with momentum 0.9."
        )
        lr = widgets.select("Learning rate", list(LEARNING_RATES), "lr", default=0.01)
        steps = widgets.integer(
            "Steps", "steps", low=10, high=MAX_STEPS, default=spec.default_steps
        )
        batch = widgets.select(
            "Batch size", list(BATCHES), "batch", default="full", help="full = every point."
        )
    csv_bits: dict = {}
    params_t = tuple(sorted(params.items()))
    if name == CSV:
        task = "count" if is_count and spec.count_likelihoods else spec.task
        csv_bits = _csv_panel(spec, task=task, seed=int(seed))
        dataset = csv_bits.get("dataset")
        label = csv_bits.get("name", "")
    else:
        label = name
        try:
            dataset = _synthetic(name, int(seed), params_t)
        except (pdata.DataError, ValueError) as err:
            st.error(str(err))
            dataset = None
    if dataset is None:
        return None, None
    lik = likelihoods.get(lik_name, **lik_params)
    problem = lik.check_target(dataset.y_train, dataset.n_classes)
    if problem:
        st.warning(
            f"{_lik_label(lik_name)} does not fit this data: {problem}. "
            "Choose another likelihood or data set."
        )
        return None, None
    config = training.TrainConfig(
        likelihood=lik_name,
        likelihood_params=lik_params,
        hidden=tuple([int(units)] * int(layers)),
        activation=activation,
        optimiser=optimiser,
        lr=float(lr),
        steps=int(steps),
        batch_size=None if batch == "full" else int(batch),
        eval_every=10,
        seed=int(seed),
    )
    st.caption(_summary(label, params, config) + "  \n" + CAPS)
    settings = Settings(
        source="csv" if name == CSV else "synthetic",
        dataset=label,
        data_params=params_t,
        config=config,
        csv_token=csv_bits.get("token", 0),
        features=tuple(csv_bits.get("features", ())),
        target=csv_bits.get("target", ""),
    )
    return settings, dataset


def _data_text(name: str, params: dict) -> str:
    """A data set in words (Markdown): its name, as text (a file's name is the
    uploader's), and generator parameters."""
    text = plain(name) if name else "your CSV"
    if params:
        text += " (" + ", ".join(f"{_LABELS.get(k, k)} {v:g}" for k, v in params.items()) + ")"
    return text


def _summary(name: str, params: dict, config: training.TrainConfig) -> str:
    """The settings in one line, shown under the (folded) settings panel."""
    data_text = _data_text(name, params)
    lik = config.likelihood + "".join(f", {k} {v:g}" for k, v in config.likelihood_params.items())
    batch = "all points" if config.batch_size is None else f"batches of {config.batch_size}"
    return (
        f"Data: {data_text} · network: {_network_text(config)} · likelihood: {lik} · "
        f"{config.optimiser}, learning rate {config.lr:g}, {config.steps:,} steps, {batch} · "
        f"seed {config.seed}"
    )


def _data_label(key: str) -> str:
    if key == CSV:
        return "Your own table: upload it below."
    gen = pdata.GENERATORS[key]
    return f"{gen.title}: {gen.description}"


# ----------------------------------------------------------------------------- CSV upload


def load_upload(
    raw: bytes | pd.DataFrame,
    name: str,
    *,
    task: str,
    target: str | None,
    features: list[str] | None,
    seed: int = 0,
) -> dict:
    """Validate an uploaded CSV for ``task``; never raises. ``raw`` is the file's bytes or
    the table :func:`probnn.data.read_csv` made of them (then nothing is read again).

    Returns ``{"ok": True, "dataset", "columns", "target", "features", "notes"}`` or
    ``{"ok": False, "error": message, "columns": [...]}``. The messages and names are
    the file's own text: show them with :func:`ui.text.plain`.
    """
    if isinstance(raw, pd.DataFrame):
        table = raw
    else:
        try:
            table = pdata.read_csv(raw, max_rows=CSV_ROWS, max_bytes=CSV_BYTES)
        except pdata.DataError as err:
            return {"ok": False, "error": str(err), "columns": []}
    columns = [str(c) for c in table.columns]
    if not columns:
        return {"ok": False, "error": "The file has no columns.", "columns": []}
    target = target if target in columns else columns[-1]
    chosen = [f for f in (features or []) if f in columns and f != target]
    try:
        ds = pdata.load_csv(
            table, features=chosen or None, target=target, task=task, seed=seed, name=name
        )
    except pdata.DataError as err:
        return {"ok": False, "error": str(err), "columns": columns, "target": target}
    return {
        "ok": True,
        "dataset": ds,
        "columns": columns,
        "target": target,
        "features": list(ds.feature_names),
        "notes": list(ds.notes),
    }


_KEPT_RESULTS = 4  # data sets a session keeps built from its table (target, features...)


def _stored_result(store: dict, *, task: str, target: str, features: list[str], seed: int) -> dict:
    """:func:`load_upload` on the session's table, kept for the next rerun: the table is
    read once per upload, and each choice of columns is built once."""
    results = store.setdefault("results", {})
    key = (task, target, tuple(features), seed)
    if key not in results:
        while len(results) >= _KEPT_RESULTS:
            results.pop(next(iter(results)))
        results[key] = load_upload(
            store["table"], store["name"], task=task, target=target, features=features, seed=seed
        )
    return results[key]


def _csv_panel(spec: PageSpec, *, task: str, seed: int) -> dict:
    """Uploader, target and feature choice. A bad file is reported and the last good
    table stays loaded; a table that does not fit the task says why. Whatever comes from
    the file (its name, columns, values, and the messages that quote them) is shown as
    text (:func:`ui.text.plain`); the column choices are plain option labels."""
    store = st.session_state.setdefault(_k(spec, "csv"), {})
    box = st.container(border=True)
    box.markdown(
        f"**Your data** · a CSV with a header row: {CSV_CAPS}. "
        f"The target column must suit a {task} task. A file is not part of a link."
    )
    upload = box.file_uploader(
        "CSV file", type=["csv", "txt"], key=_k(spec, "upload"), label_visibility="collapsed"
    )
    if upload is not None and upload.file_id != store.get("seen"):
        store["seen"] = upload.file_id
        _, message = accept_upload(store, upload.getvalue(), upload.name, task=task, seed=seed)
        store["message"] = message
    if store.get("message"):
        box.error(plain(store["message"]))
    if store.get("table") is None:
        box.info("Upload a CSV file to train on your own data.")
        return {}
    columns = store["columns"]
    c1, c2 = box.columns([1, 2])
    target = widgets.select(
        "Target column (y)", columns, "target", default=store.get("target"), where=c1
    )
    features = c2.multiselect(
        "Feature columns (x)",
        [c for c in columns if c != target],
        key=_k(spec, "features"),
        placeholder="all other columns",
        help="Two features give a map of p(y | x); one gives a fitted curve.",
    )
    result = _stored_result(store, task=task, target=target, features=features, seed=seed)
    if not result["ok"]:
        box.warning(plain(f"{store['name']}: {result['error']}"))
        return {}
    ds = result["dataset"]
    box.caption(
        f"Training on {plain(store['name'])}: {ds.n_train:,} training and {ds.n_test:,} "
        f"test rows, {ds.n_features} feature(s). " + plain(" ".join(result["notes"]))
    )
    return {
        "dataset": ds,
        "name": store["name"],
        "token": store["token"],
        "features": result["features"],
        "target": target,
    }


def accept_upload(
    store: dict, raw: bytes, name: str, *, task: str, seed: int = 0
) -> tuple[bool, str | None]:
    """Take a newly uploaded file into ``store`` if some column of it can be the target
    of a ``task`` data set (the last column is tried first, then the others, at most 12).

    The file is read once; the targets are tried on its table. After the first, a target
    is only tried when it can work: every other column (a feature) must hold numbers, and
    so must the target of a regression or count task, and a class target needs a number
    of distinct values that the task allows (or rows with missing values whose dropping
    may change it). So a table with text in two columns costs one try, and the message
    is the first target's.

    A file that cannot be read, or has no usable target, leaves ``store`` as it was (the
    previous table stays in use) and returns (False, message). Returns (True, None)
    when the file was taken; ``store["target"]`` is then the column that worked. The
    message quotes the file (its name, columns, values): show it as text.
    """
    kept = f" Still using {store['name']}." if store.get("table") is not None else ""
    try:
        table = pdata.read_csv(raw, max_rows=CSV_ROWS, max_bytes=CSV_BYTES)
    except pdata.DataError as err:
        return False, f"{name}: {err}{kept}"
    columns = [str(c) for c in table.columns]
    text = {c for c in columns if not pd.api.types.is_numeric_dtype(table[c])}
    classes = task in ("binary", "multiclass")
    complete = classes and not table.isna().to_numpy().any()  # no row will be dropped
    first_error = None
    for target in [columns[-1], *columns[:-1]][:12]:
        hopeless = bool(text - {target}) or (target in text and not classes)
        if classes and not hopeless:  # a class count that no choice of rows can mend
            k = table[target].nunique()
            hopeless = k < 2 or (
                complete and (k != 2 if task == "binary" else k > pdata.MAX_CLASSES)
            )
        if hopeless and first_error is not None:
            continue  # fails with a message like the first one's
        result = load_upload(table, name, task=task, target=target, features=None, seed=seed)
        if result["ok"]:
            store.update(table=table, name=name, columns=columns, target=target,
                         token=store.get("token", 0) + 1,
                         results={(task, target, (), seed): result})  # fmt: skip
            return True, None
        first_error = first_error or result["error"]
    return False, f"{name}: {first_error}{kept}"


# ----------------------------------------------------------------------------- drawing


@dataclass
class _Slots:
    """Placeholders the live loop redraws, and when their text last changed."""

    status: object  # status line: step, state, latest numbers (sent at most ~2 Hz; with
    # a stream, the panel updates it with every frame it fetches)
    chart: object | None  # the one live chart: loss, metric and p(y|x) or the fit
    after: object  # notes and reasons, filled when the run rests
    results: object  # calibration / residuals / download (one element), when the run rests
    stream: frames.Source | None = None  # the panel fetches running frames itself
    streaming: bool = False  # the panel has been mounted with the stream in this run
    text: str = ""
    text_at: float = 0.0


@dataclass
class _Job:
    """One live run (or a _Group of them) and the function that draws its snapshot."""

    live: live.LiveRun | _Group
    draw: Callable[[live.Snapshot], None]
    last: int = -1
    # True while the browser draws this job's frames from its stream by itself
    streamed: Callable[[], bool] = lambda: False


@dataclass(frozen=True)
class _GroupSnapshot:
    status: str
    version: int


class _Group:
    """Several runs watched as one: running while any runs; a new version when any moves."""

    def __init__(self, runs: list[live.LiveRun]):
        self.runs = runs

    def snapshot(self) -> _GroupSnapshot:
        snaps = [r.snapshot() for r in self.runs]
        running = any(s.status == "running" for s in snaps)
        return _GroupSnapshot("running" if running else "paused", sum(s.version for s in snaps))

    @property
    def version(self) -> int:
        """Grows whenever any run's version grows."""
        return sum(r.version for r in self.runs)

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` whenever any run changes; returns the unsubscriber."""
        stops = [r.listen(callback) for r in self.runs]

        def unlisten() -> None:
            for stop in stops:
                stop()

        return unlisten

    def pause(self, *, wait: bool = False, note: str | None = None) -> None:
        for r in self.runs:
            r.pause(wait=wait, note=note)


def _status_text(snap: live.Snapshot) -> str:
    word = _STATUS_WORDS.get(snap.status, snap.status)
    text = f"**Step {snap.step:,} / {snap.steps:,}** · {word}"
    if snap.status == "stopped" and snap.stop_reason:
        text += f" ({snap.stop_reason})"
    return text


class _Context:
    """What the drawing functions of one page need besides the snapshot."""

    def __init__(self, spec: PageSpec, settings: Settings, dataset: pdata.Dataset):
        self.spec, self.settings, self.dataset = spec, settings, dataset
        self.lik = likelihoods.get(settings.config.likelihood, **settings.config.likelihood_params)
        self.classification = dataset.is_classification
        self.names = list(
            dataset.class_names or [f"class {k}" for k in range(dataset.n_classes or 2)]
        )
        self.d = dataset.n_features
        self.metric_name = self.lik.metric_name or "metric"
        self.metric_domain = (0.0, 1.0) if self.metric_name == "accuracy" else (None, None)
        self.points = self._points()
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

    def _points(self) -> pd.DataFrame:
        """The data drawn under the model: at most MAX_DRAWN points (a seeded subsample)."""
        ds = self.dataset
        X, y = ds.X_train.numpy(), ds.y_train.numpy()
        if self.classification:
            if self.d != 2:
                return pd.DataFrame({"x": [], "y": [], "label": []})
            keep = _subsample(len(X), MAX_DRAWN, self.settings.seed)
            labels = np.asarray(self.names, dtype=object)[y[keep]]
            return pd.DataFrame({"x": X[keep, 0], "y": X[keep, 1], "label": labels})
        if self.d != 1:
            return pd.DataFrame({"x": [], "y": [], "label": []})
        Xt, yt = ds.X_test.numpy(), ds.y_test.numpy()
        keep, keep_t = (
            _subsample(len(X), MAX_DRAWN * 3 // 4, self.settings.seed),
            _subsample(len(Xt), MAX_DRAWN // 4, self.settings.seed),
        )
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
        if results and getattr(run, "status", None) in _RESULTS_STATES:
            out["after"] = self.results_of(run)
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

    def results_of(self, run) -> dict:
        """The after-training chart (calibration or residuals on the test set), the number
        of recorded steps and a table of the last evaluations."""
        ds = self.dataset
        chart_id = _k(self.spec, "after_chart")
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
            "table": _table(_recent(run)),
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
        kwargs.setdefault("owner", _owner())
        observe = functools.partial(self.observe, results=True) if results else self.observe
        return live.LiveRun.create(
            config, self.dataset, init_state=init_state, observe=observe, **kwargs
        )


_NO_CURVES = {
    "train_step": np.zeros(0, np.int64),
    "train_loss": np.zeros(0),
    "eval_step": np.zeros(0, np.int64),
    "test_loss": np.zeros(0),
    "test_metric": np.zeros(0),
    "train": float("nan"),
    "test": float("nan"),
    "metric": float("nan"),
}


def _draw(ctx: _Context, slots: _Slots, snap: live.Snapshot) -> None:
    """Redraw the live placeholders from one snapshot: the status line and one chart.

    With a stream, the first frame of a running run is mounted with the stream's address
    and the panel fetches the rest: the status line's numbers too, and at the end the
    results, for which an empty block is mounted now (see :func:`_training_area`).
    Without one, every frame is sent, and the status line at most twice a second.
    """
    running = snap.status == "running"
    panel_id = _k(ctx.spec, "panel")
    streamed = slots.stream is not None and slots.chart is not None
    if running and streamed:
        if not slots.streaming:
            frame = _panel_frame(ctx, snap)
            frame["stream"] = slots.stream.links(snap.version)
            live_panel.status(slots.status, panel_id, frame["status"])
            live_panel.draw(slots.chart, frame, events=_STREAM_EVENTS)
            _results_placeholder(ctx, slots, snap)
            slots.streaming = True
        return
    now = time.monotonic()
    text = _status_text(snap)
    if (
        text.split(" · ")[1:] != slots.text.split(" · ")[1:]
        or now - slots.text_at >= 0.5
        or not running
    ):
        line = _status_line(ctx, snap)
        if streamed:
            live_panel.status(slots.status, panel_id, line)
        else:
            slots.status.markdown(line)
        slots.text, slots.text_at = text, now
    if slots.chart is not None:  # else another tab is open: the status line is all
        # with a stream, the panel may follow the next run from its Train button: the
        # events are the ones that the stream of a running run reports
        events = _STREAM_EVENTS if streamed else None
        live_panel.draw(slots.chart, _panel_frame(ctx, snap), events=events)


def _results_placeholder(ctx: _Context, slots: _Slots, snap: live.Snapshot) -> None:
    """The empty results block that the stream's last frame fills (a frame newer than
    ``snap``)."""
    live_panel.draw(
        slots.results,
        {
            "kind": "results",
            "id": _k(ctx.spec, "results"),
            "follow": _k(ctx.spec, "panel"),
            "after": snap.version,
        },
    )


def _status_line(ctx: _Context, snap: live.Snapshot) -> str:
    """The status line under the buttons (markdown): step, state and the latest numbers."""
    c = (snap.view or {}).get("curves", _NO_CURVES)
    return (
        f"{_status_text(snap)}  \n"
        f"train loss **{_num(c['train'])}** nats · test loss **{_num(c['test'])}** nats · "
        f"test {ctx.metric_name} **{_num(c['metric'])}**"
    )


def _panel_frame(ctx: _Context, snap: live.Snapshot) -> dict:
    """One frame of the live panel, with its ``version``, whether the run is ``running``
    and the ``status`` line."""
    frame = charts.live_panel_data(
        _k(ctx.spec, "panel"),
        label=f"step {snap.step:,} / {snap.steps:,}",
        steps=snap.steps,
        curves=(snap.view or {}).get("curves", _NO_CURVES),
        metric_name=ctx.metric_name,
        metric_domain=None if ctx.metric_domain[0] is None else ctx.metric_domain,
        right=ctx.panel,
        view=snap.view,
    )
    frame["version"] = snap.version
    frame["running"] = snap.status == "running"
    frame["status"] = _status_line(ctx, snap)
    return frame


def _streams() -> bool:
    """True when the panels of this session read their frames from the server's routes."""
    return frames.served() and not st.session_state.get(_UNSTREAMED, False)


def _stream(spec: PageSpec, ctx: _Context, lv: live.LiveRun) -> frames.Source | None:
    """This session's frame stream of this page's run (None when the route is not served,
    or when a stream of this session has failed: see :func:`_stream_lost`).

    Kept in the session state; its token ends with the session (the routes check that
    the session still exists) and with the run: a new run (new settings) gets a new
    stream and token, and the old token answers 404.
    """
    if not _streams():
        return None
    source = st.session_state.get(_k(spec, "stream"))
    if source is None or source.owner is not lv:

        def frame() -> dict:
            snap = lv.snapshot()
            out = _panel_frame(ctx, snap)
            if snap.status != "running":
                after = (snap.view or {}).get("after")
                if after is not None:
                    out["results"] = _results_block(spec, ctx, snap, after, source)
                # a reason or a note is drawn by the page: the panel asks for a rerun
                out["rerun"] = bool(_notes(snap))
            return out

        source = frames.Source(
            lambda: lv.version,
            frame,
            lv.listen,
            owner=lv,
            history=functools.partial(history_csv, lv),
            history_name=_history_name(spec, ctx),
            start=lambda: _press(lv, "train"),
            key=_k(spec, "stream"),  # closes the stream of the run this one replaces
        )
        st.session_state[_k(spec, "stream")] = source
    return source


def _owner() -> str | None:
    """This browser session's id: the owner of the runs it starts, which share one turn
    at the compute slot and train one at a time (:mod:`probnn.live`)."""
    try:
        ctx = get_script_run_ctx(suppress_warning=True)
    except Exception:  # noqa: BLE001 - another Streamlit: every run is an owner of its own
        return None
    return None if ctx is None else ctx.session_id


def _take_pending_request() -> None:
    """End this script run at once when a rerun or a stop is waiting for it.

    A button in the training area asks for a rerun of its fragment, and Streamlit queues
    that behind the fragment run in progress, which here is the live loop: it would
    wait until the training ends. So the loop ends its own run: ``st.rerun`` of the
    fragment (of the app during a full-app run) folds into the waiting request, keeps the
    click, and preempts now; a stop is raised by the same call. Reads Streamlit's request
    state (there is no public call for it); does nothing when that cannot be read.
    """
    try:
        ctx = get_script_run_ctx(suppress_warning=True)
        waiting = ctx.script_requests._state.name != "CONTINUE"  # noqa: SLF001
    except Exception:  # noqa: BLE001 - no context (bare mode) or another Streamlit
        return
    if waiting:
        st.rerun(scope="fragment" if ctx.fragment_ids_this_run else "app")


def _num(value: float) -> str:
    """A live number; "–" before there is one (NaN here only means "not yet")."""
    return "–" if value != value else number(value)


def _loss_latex(lik) -> str:
    try:
        return lik.derivation[-1].latex
    except Exception:  # noqa: BLE001
        return likelihoods.general_loss_latex


# ----------------------------------------------------------------------------- the loop


# A run's note when its page's script was stopped while it trained: the Stop button, a
# closed tab, or a change of settings (Streamlit stops a running script to start the
# new run; render() then says what became of the run).
_STOPPED = "Paused: the page stopped (closed or Stop was pressed). Press Resume to continue."


def _watch(jobs: list[_Job]) -> bool:
    """Redraw every job's placeholders while any of them trains; True when one was running.

    The redraw interval follows :func:`probnn.live.render_interval`: about 12 per second
    alone, fewer when many runs train at once, so drawing stays a small share of the CPU.
    """
    was_running = False
    cost = 0.005
    started = time.monotonic()
    try:
        while True:
            _take_pending_request()
            t0, c0 = time.perf_counter(), time.thread_time()
            running = False
            drew = False
            streamed = True  # every job that trains draws from its stream
            for job in jobs:
                snap = job.live.snapshot()
                if snap.version != job.last:
                    job.draw(snap)
                    job.last = snap.version
                    drew = True
                running |= snap.status == "running"
                streamed &= snap.status != "running" or job.streamed()
            if drew:
                # CPU time, not wall time: waiting for the interpreter lock while a run
                # computes is not a cost of drawing
                cost = 0.7 * cost + 0.3 * (time.thread_time() - c0)
            was_running |= running
            if not running:
                return was_running
            if WATCH_LIMIT is not None and time.monotonic() - started > WATCH_LIMIT:
                return False
            if streamed:
                # the panel draws from its stream: the loop only waits for the end of
                # the run (the wait below returns as soon as its thread ends) and looks
                # for a click waiting for this run, a few times a second; each wake takes
                # the interpreter lock from the training thread
                pause = STREAMED_CHECK
            else:
                pause = max(0.005, live.render_interval(cost) - (time.perf_counter() - t0))
            # wait for the next frame, but wake as soon as a run's thread ends (its final
            # frame and the results then show without waiting out the interval)
            if len(jobs) == 1 and isinstance(jobs[0].live, live.LiveRun):
                jobs[0].live.wait(pause)
            else:
                time.sleep(pause)
    except StopException:
        for job in jobs:
            job.live.pause(
                wait=False,
                note=_STOPPED,
            )
        raise


# ----------------------------------------------------------------------------- the page


def _controls(spec: PageSpec, usable: bool):
    """The Train / Pause / Resume / Step / Reset row and what each button does; returns
    the Train button's column (see :func:`_train_button`) and the status slot.

    The buttons act in callbacks, which Streamlit runs before the script: Train starts
    the background thread at once, so training overlaps the redraw of the page, and
    Pause stops the run before anything else happens.

    What the buttons do is written under them, not in hover tooltips: after a click the
    pointer rests on the button, and its tooltip would cover the loss formula for the
    whole run (and make the browser place it again on every change of the page).
    """
    cols = st.columns([1.1, 1, 1.1, 1.1, 1, 3.6], vertical_alignment="center")
    buttons = [
        ("pause", "Pause"),
        ("resume", "Resume"),
        ("step", f"Step ×{STEP_SIZE}"),
        ("reset", "Reset"),
    ]
    for col, (name, label) in zip(cols[1:], buttons, strict=False):
        col.button(
            label,
            key=_k(spec, f"b_{name}"),
            disabled=not usable,
            width="stretch",
            on_click=_on_button,
            args=(spec.key, name),
        )
    st.caption(BUTTONS_HELP)
    return cols[0], cols[5].empty()


def _train_button(spec: PageSpec, col, usable: bool, start: frames.Source | None) -> None:
    """The Train button in ``col``: Streamlit's, whose click reruns the training area
    after its callback has started the run; or, with a ``start`` stream (the panel of a
    resting run is on the page and nothing about the last run would have to go), the
    panel's own, which starts the run without a script run
    (:func:`ui.live_panel.train`)."""
    if start is None:
        col.button(
            "Train",
            key=_k(spec, "b_train"),
            disabled=not usable,
            type="primary",
            width="stretch",
            on_click=_on_button,
            args=(spec.key, "train"),
        )
        return
    live_panel.train(
        col,
        "Train",
        _k(spec, "panel"),
        _k(spec, "results"),
        start.start_path,
        start.links(-1),
        functools.partial(_on_button, spec.key, "train"),
    )


def _on_button(page: str, pressed: str) -> None:
    lv = st.session_state.get(f"tp.{page}.live")
    if isinstance(lv, live.LiveRun):
        st.session_state.pop(f"tp.{page}.msg", None)
        _press(lv, pressed)


def _press(lv: live.LiveRun, pressed: str) -> None:
    """Apply a button to the run; a button that has nothing to do says so."""
    status = lv.snapshot().status
    if pressed == "train":
        lv.reset().start()
    elif pressed == "pause":
        if status == "running":
            lv.pause(wait=True)
        else:
            st.toast("Nothing to pause: the run is not training.")
    elif pressed == "resume":
        if status in ("ready", "paused"):
            lv.start()
        else:
            st.toast("Nothing to resume: the run is over. Press Train or Reset.")
    elif pressed == "step":
        if status in live.FINAL_STATES:
            st.toast("The run is over; press Reset or Train to start again.")
        else:
            lv.step(STEP_SIZE)
    elif pressed == "reset":
        lv.reset()


def render(spec: PageSpec) -> None:
    """Draw the whole training area of a page and stream the run while it trains."""
    probnn.limit_threads()  # main.py does this too, but a page file can run without it
    settings, dataset = settings_from_widgets(spec)
    lv: live.LiveRun | None = st.session_state.get(_k(spec, "live"))
    ctx: _Context | None = None
    if settings is not None:
        old = st.session_state.get(_k(spec, "settings"))
        if lv is None or old != settings:
            before = lv.snapshot() if lv is not None else None
            if before is not None and (before.status == "running" or before.note == _STOPPED):
                # still training, or stopped a moment ago by this very change (a new
                # script run stops the one that was streaming the training)
                st.session_state[_k(spec, "msg")] = (
                    f"The settings changed while training, so that run stopped at step "
                    f"{before.step:,} and a new one was set up with the new settings. "
                    "Press **Train** to train it."
                )
            if lv is not None:
                lv.pause(wait=True)
            ctx = _Context(spec, settings, dataset)
            lv = ctx.new_live(results=True)
            st.session_state[_k(spec, "live")] = lv
            st.session_state[_k(spec, "settings")] = settings
            st.session_state[_k(spec, "ctx")] = ctx
        ctx = st.session_state[_k(spec, "ctx")]
    elif lv is not None:
        lv.pause(wait=False)
        lv = None

    if ctx is not None:
        st.latex(_loss_latex(ctx.lik) + r"\quad\text{(nats)}")
    _training_area(spec, lv is not None)


@st.fragment
def _training_area(spec: PageSpec, usable: bool) -> None:
    """The buttons, the status line and the open view, streamed while a run trains.

    A fragment: a button or the view switcher reruns this part alone, so pressing Train
    costs neither the server nor the browser a redraw of the settings above, and leaves
    more of the CPU to the training that the button's callback has already started.
    The run and its drawing context come from the session state, where :func:`render`
    keeps them (a change of settings reruns the whole page).
    """
    lv: live.LiveRun | None = st.session_state.get(_k(spec, "live")) if usable else None
    ctx: _Context | None = st.session_state.get(_k(spec, "ctx")) if usable else None
    train_col, status_slot = _controls(spec, lv is not None)
    message = st.session_state.get(_k(spec, "msg"))
    if message:
        st.info(message)

    jobs: list[_Job] = []
    # Only the open view is computed and drawn; it is part of the link.
    names = list(TABS) if spec.loss_surface else list(TABS[:2])
    open_tab = (
        st.segmented_control(
            "View",
            names,
            default=names[0],
            required=True,
            key="tab",
            bind="query-params",
            label_visibility="collapsed",
        )
        or names[0]
    )
    slots = None
    start = None  # the stream whose run the Train button starts without a script run
    if lv is None:
        status_slot.markdown("Fix the settings above to train.")
    else:
        chart = st.empty() if open_tab == TABS[0] else None
        slots = _Slots(
            status_slot, chart, st.container(), st.empty(), stream=_stream(spec, ctx, lv)
        )
        snap = lv.snapshot()
        _draw(ctx, slots, snap)
        jobs.append(
            _Job(
                lv,
                lambda s, c=ctx, sl=slots: _draw(c, sl, s),
                snap.version,
                streamed=lambda sl=slots: sl.streaming,
            )
        )
        if snap.status != "running" and open_tab == TABS[0]:
            _rest(spec, ctx, lv, snap, slots)
            if slots.stream is not None and not message and not _notes(snap):
                start = slots.stream
                if snap.step == 0:  # no results yet: an empty block for the run's last frame
                    _results_placeholder(ctx, slots, snap)
    _train_button(spec, train_col, lv is not None, start)
    if ctx is not None and open_tab == TABS[1]:
        jobs += _compare_tab(spec, ctx)
    if spec.loss_surface and open_tab == TABS[2]:
        jobs += _surface_tab(spec)
    if slots is not None and slots.streaming:
        # The panel follows the run by itself: its stream brings every frame, the status
        # line and, at the end, the results; when the page has more to say (a divergence,
        # a note), the panel asks for a rerun. So this run ends now, and a click on a
        # button is a rerun like any other.
        return
    was_running = lv is not None and lv.snapshot().status == "running"
    _watch(jobs)
    if was_running and slots is not None and slots.chart is not None:
        snap = lv.snapshot()
        if snap.status != "running":
            if snap.version != jobs[0].last:  # the loop has not drawn this state yet
                _draw(ctx, slots, snap)
            _rest(spec, ctx, lv, snap, slots)


def _rest(
    spec: PageSpec, ctx: _Context, lv: live.LiveRun, snap: live.Snapshot, slots: _Slots
) -> None:
    """What the page shows when the run is not training: reasons, notes, the results."""
    with slots.after:
        for kind, text in _notes(snap):
            getattr(st, kind)(text)
    _after(spec, ctx, lv, snap, slots.results, slots.stream)


def _notes(snap: live.Snapshot) -> list[tuple[str, str]]:
    """What the page says about a run that rests: ``(kind, text)``, kind being the
    Streamlit call (``error``, ``warning``, ``info``)."""
    notes = []
    if snap.status == "diverged":
        reason = snap.stop_reason or "the loss is not finite."
        hint = "" if "learning rate" in reason else " " + _HINT
        notes.append(("error", f"The run diverged. {reason[0].upper()}{reason[1:]}{hint}"))
    elif snap.status == "stopped" and snap.stop_reason:
        notes.append(("warning", f"The run stopped: {snap.stop_reason}."))
    if snap.note:
        notes.append(("info", snap.note))
    return notes


def _ended() -> None:
    """A streamed run ended with something to say (:func:`_notes`): the panel has asked
    for this rerun of the training area, which draws it."""


def _stream_lost() -> None:
    """The panel's stream failed before the run's last frame (a proxy in the way, a
    server error): from now on this session's training pages send every frame as an
    element, and this rerun of the training area goes on that way."""
    st.session_state[_UNSTREAMED] = True


# what the panel of a streamed run reports (ui/live_panel.draw's ``events``)
_STREAM_EVENTS = {"ended": _ended, "lost": _stream_lost}


def _after(
    spec: PageSpec,
    ctx: _Context,
    lv: live.LiveRun,
    snap: live.Snapshot,
    where,
    stream: frames.Source | None = None,
) -> None:
    """Calibration (classifiers) or residuals (regression), the last evaluations and the
    history download: one block of the live panel, under a heading, in the slot
    ``where``.

    The download is a link to the ``stream``'s history route when the server has one;
    otherwise a download button of Streamlit's follows the block.
    """
    if snap.step == 0 or snap.status == "diverged":
        return
    results = (snap.view or {}).get("after") or _results(spec, ctx, lv, snap)
    block = _results_block(spec, ctx, snap, results, stream)
    if block["download"] is not None:
        live_panel.draw(where, block)
        return
    box = where.container()
    live_panel.draw(box, block)
    box.download_button(
        DOWNLOAD_LABEL,
        functools.partial(history_csv, lv),
        file_name=_history_name(spec, ctx),
        mime="text/csv",
        key=_k(spec, "download"),
    )


def _results_block(
    spec: PageSpec,
    ctx: _Context,
    snap: live.Snapshot,
    results: dict,
    stream: frames.Source | None,
) -> dict:
    """The after-training block of ``results`` (:meth:`_Context.results_of`) at this
    snapshot, with a link to the ``stream``'s history route when it has one (the
    download is None otherwise)."""
    if ctx.classification:
        left = (
            "**Calibration on the test set.** When the model says 70 %, does it happen "
            "70 % of the time? Points on the dashed diagonal mean yes; below it, the "
            "model is over-confident."
        )
    else:
        left = (
            "**Residuals on the test set.** What the mean misses: a good fit leaves a "
            "shapeless cloud around zero; a pattern is structure the model has not caught."
        )
    right = (
        f"**The run's history** ({results['rows']:,} steps): every recorded loss (nats) "
        "and metric, one row per step."
    )
    if not results["table"]["rows"]:
        right += "  \nNo evaluation recorded yet."
    download = None
    if stream is not None and stream.history is not None:
        download = {
            "href": stream.history_path,
            "name": stream.history_name,
            "label": DOWNLOAD_LABEL,
        }
    return charts.results_block(
        _k(spec, "results"),
        results["chart"],
        heading="After training" if snap.over else f"At step {snap.step:,}",
        left=left,
        right=right,
        table=results["table"],
        download=download,
    )


def _history_name(spec: PageSpec, ctx: _Context) -> str:
    return f"probnn-{spec.key}-seed{ctx.settings.seed}.csv"


def _results(spec: PageSpec, ctx: _Context, lv: live.LiveRun, snap: live.Snapshot) -> dict:
    """The after-training results of a run that rests before its end (paused), computed
    once per step and kept."""
    key = (id(lv.run), snap.step, snap.status)
    cached = st.session_state.get(_k(spec, "after"))
    if cached is None or cached[0] != key:
        cached = (key, ctx.results_of(lv.run))
        st.session_state[_k(spec, "after")] = cached
    return cached[1]


def _loss_units(frame: pd.DataFrame) -> pd.DataFrame:
    frame.columns = [f"{c} (nats)" if c.endswith("loss") else c for c in frame.columns.astype(str)]
    return frame


def history_csv(lv: live.LiveRun) -> str:
    """The run's history as CSV: one row per step, one column per series (losses in nats).

    Read under the run's lock: the download may be asked for while the run trains."""
    return _loss_units(lv.full_history()).to_csv(index=False)


def _recent(run: training.Run, k: int = 2) -> pd.DataFrame:
    """The last ``k`` evaluations with every series recorded, one row each."""
    h, names = run.history.filled(), run.series_names()
    steps = h["eval_step"]
    frame = pd.DataFrame(
        {
            "step": steps,
            names["train_loss"]: h["train_loss"][steps - 1],
            **{names[key]: h[key] for key in ("test_loss", "train_metric", "test_metric")},
            names["grad_norm"]: h["grad_norm"],
        }
    )
    return _loss_units(frame.dropna().tail(k))


def _table(frame: pd.DataFrame) -> dict:
    """The last recorded steps as a small table, one row per quantity: ``head`` (column
    titles) and ``rows`` (a quantity, then its formatted value at each step).

    Minus signs are typographic (U+2212): a narrow cell never breaks ``1.39e-04`` after
    its hyphen.
    """
    if frame.empty or "step" not in frame:
        return {"head": [], "rows": []}
    head = ["", *(f"step {int(v):,}" for v in frame["step"])]
    rows = [
        [str(c).replace("_", " "), *(number(v).replace("-", "\u2212") for v in frame[c])]
        for c in frame.columns
        if c != "step"
    ]
    return {"head": head, "rows": rows}


# ----------------------------------------------------------------------------- comparison


def _compare_label(item: tuple) -> str:
    return item[2]


def _network_text(config: training.TrainConfig) -> str:
    if not config.hidden:
        return "no hidden layer (a linear model)"
    return f"{len(config.hidden)} hidden layer(s) of {config.hidden[0]} {config.activation} units"


def _compare_tab(spec: PageSpec, ctx: _Context) -> list[_Job]:
    """The same data, seed and initial weights trained under several likelihoods."""
    st.markdown(spec.compare_text)
    items = list(spec.compare)
    labels = [_compare_label(i) for i in items]
    key = _k(spec, "cmp")
    runs: dict | None = st.session_state.get(key)
    seed = ctx.settings.seed
    opt0, lr0, steps0 = spec.compare_training
    c1, c2, c3, c4 = st.columns([1.2, 1, 1, 1.3], vertical_alignment="bottom")
    opt = widgets.select(
        "Optimiser",
        ["adam", "sgd"],
        "c_opt",
        default=opt0,
        where=c1,
        radio=True,
    )
    lr = widgets.select(
        "Learning rate",
        list(LEARNING_RATES),
        "c_lr",
        default=lr0,
        where=c2,
    )
    steps = widgets.integer("Steps", "c_steps", low=10, high=MAX_STEPS, default=steps0, where=c3)
    config = replace(ctx.settings.config, optimiser=opt, lr=float(lr), steps=int(steps))
    page = ctx.settings
    own = spec.compare_on is not None and not (
        page.source == "synthetic" and page.dataset in spec.compare_on
    )
    if own:
        params = tuple(sorted(spec.compare_params))
        data = replace(page, source="synthetic", dataset=spec.compare_dataset,
                       data_params=params, csv_token=0, features=(), target="")  # fmt: skip
    else:
        data = page
    cmp_settings = (replace(data, config=config), seed)
    go = c4.button(
        "Run the comparison",
        key=_k(spec, "b_cmp"),
        type="primary",
    )
    what = _data_text(data.dataset, dict(data.data_params))
    if own:
        where = (
            f"**Data: {what}**, seed {seed}: the comparison's own, not this page's "
            f"{_data_text(page.dataset, dict(page.data_params))}, because it needs "
            f"{spec.compare_needs}."
        )
    else:
        where = f"**Data: {what}**, seed {seed}, as set above."
    st.markdown(
        f"{where} Network: {_network_text(config)}, as set above. The button trains one "
        "network per likelihood, all from the same initial weights."
    )
    if go:
        if own:
            ds = _synthetic(data.dataset, seed, data.data_params)
        else:
            ds = ctx.dataset
        cctx = _Context(spec, replace(data, config=config), ds)
        if runs:
            for lvr in runs["live"]:
                lvr.pause(wait=False)
        lives = []
        init = None
        for name, params, _label in items:
            lvr = cctx.new_live(
                init_state=init,
                likelihood=name,
                params=dict(params),
                probe=lambda r, d=ds: live.yardstick(r, d),
                probe_every=10,
                group=key,  # the comparison's runs train together
            )
            init = init if init is not None else lvr.run.initial_state()
            lives.append(lvr)
        for lvr in lives:
            lvr.start()
        runs = {"live": lives, "ctx": cctx, "settings": cmp_settings}
        st.session_state[key] = runs
    if not runs:
        st.info("Press **Run the comparison** to train them side by side.")
        return []
    cctx, lives = runs["ctx"], runs["live"]
    if runs["settings"] != cmp_settings:
        st.caption(
            ":orange[These results are from earlier settings; press the button to "
            "compare with the current ones.]"
        )
    status = st.empty()
    yard = "test cross-entropy" if cctx.classification else "distance to the true mean"
    yard_title = charts.unit_title(yard, charts.NATS if cctx.classification else None)
    panel = st.empty()  # the runs' maps or fits and their yardstick: one canvas
    table = st.empty()
    if cctx.classification:
        st.caption(
            "Test cross-entropy: the Bernoulli (or categorical) negative "
            "log-likelihood of each network's predicted probabilities on the test "
            "set, whatever loss it was trained with: one yardstick for all."
        )
    else:
        st.caption(
            "Distance to the true mean: the root mean square gap between each "
            "fitted curve and the curve the data was generated from. The outliers "
            "pull the squared error; the heavy-tailed likelihoods shrug them off."
        )
    group = _Group(lives)

    def frame_of(snaps: list[live.Snapshot]) -> dict:
        curves = []
        for s in snaps:
            p = s.probes
            if p is not None and len(p) and yard in p:
                curves.append((p["step"].to_numpy(), p[yard].to_numpy()))
            else:
                curves.append((np.zeros(0, np.int64), np.zeros(0)))
        frame = charts.compare_panel_data(
            _k(spec, "cmp_panel"),
            runs=labels,
            titles=[
                f"{lab} · step {s.step:,}" if s.step < s.steps else lab
                for lab, s in zip(labels, snaps, strict=True)
            ],
            steps=max(s.steps for s in snaps),
            yardstick=yard_title,
            curves=curves,
            right=cctx.panel,
            views=[s.view for s in snaps],
        )
        frame["version"] = sum(s.version for s in snaps)
        frame["running"] = any(s.status == "running" for s in snaps)
        return frame

    source = runs.get("stream")
    if source is None and _streams() and cctx.panel is not None:
        # the panel reads the runs' frames from the server while they train
        source = frames.Source(
            lambda: group.version,
            lambda: frame_of([lvr.snapshot() for lvr in lives]),
            group.listen,
            owner=lives,
            every=1 / 12,  # each run publishes about 12 frames a second: one for all
            key=key,  # closes the stream of the comparison this one replaces
        )
        runs["stream"] = source
    shown = {"text": None, "at": -1.0, "streaming": False}

    def draw(_snap=None) -> None:
        snaps = [lvr.snapshot() for lvr in lives]
        running = any(s.status == "running" for s in snaps)
        if cctx.panel is not None and not (running and shown["streaming"]):
            frame = frame_of(snaps)
            if running and source is not None:
                frame["stream"] = source.links(frame["version"])
                shown["streaming"] = True
            live_panel.draw(panel, frame)
        # the canvas shows every frame; the status line and the table, Streamlit
        # elements (a pass through the page's element tree each), change at most twice
        # a second while the runs train
        now = time.monotonic()
        if running and now - shown["at"] < 0.5:
            return
        shown["at"] = now
        text = "**Steps:** " + " · ".join(
            f"{lab.split(' (')[0]} {s.step:,}/{s.steps:,}"
            for lab, s in zip(labels, snaps, strict=True)
        )
        if text != shown["text"]:
            status.markdown(text)
            shown["text"] = text
        last = []
        for label, s in zip(labels, snaps, strict=True):
            p = s.probes
            if p is not None and len(p) and yard in p:
                row = {"likelihood": label, yard: float(p[yard].iloc[-1])}
                row.update({c: float(p[c].iloc[-1]) for c in p.columns if c not in ("step", yard)})
                last.append(row)
        if last:
            table.dataframe(pd.DataFrame(last).round(4), hide_index=True, width="stretch")

    draw()
    return [_Job(group, draw, group.snapshot().version, streamed=lambda: shown["streaming"])]


# ----------------------------------------------------------------------------- loss surface


def _surface_tab(spec: PageSpec) -> list[_Job]:
    st.markdown(
        "With one input and no hidden layer the network is logistic regression, "
        "$p(y=1\\mid x) = \\sigma(w x + b)$: two numbers. So the whole loss can be drawn as "
        "a landscape over $(w, b)$, and training becomes a walk downhill on it."
    )
    st.latex(
        r"\mathcal{L}(w, b) = -\frac{1}{N}\sum_{i=1}^{N}\Big[y_i \log \sigma(w x_i + b)"
        r" + (1 - y_i)\log\big(1 - \sigma(w x_i + b)\big)\Big]"
    )
    c1, c2, c3, c4 = st.columns(4)
    n = widgets.slider(
        ParamSpec("s_n", "", 20, 1000, 200, 10, integer=True), "s_n", label="points", where=c1
    )
    noise = widgets.slider(
        ParamSpec(
            "s_noise", "", 0.1, 2.0, 0.8, 0.05, help="How much the two classes overlap along x."
        ),
        "s_noise",
        label="overlap (noise)",
        where=c2,
    )
    opt = widgets.select(
        "Optimiser",
        ["sgd", "adam"],
        "s_opt",
        where=c3,
    )
    lr = widgets.select(
        "Learning rate",
        list(LEARNING_RATES),
        "s_lr",
        default=0.3,
        where=c4,
    )
    seed = int(st.session_state.get("seed", 0) or 0)
    surf = _surface(int(n), float(noise), seed)
    config = training.TrainConfig(
        likelihood="bernoulli",
        hidden=(),
        activation="identity",
        optimiser=opt,
        lr=float(lr),
        steps=300,
        eval_every=10,
        seed=seed,
    )
    key = _k(spec, "surf")
    state = st.session_state.get(key)
    sig = (int(n), float(noise), seed, config)
    b1, b2, info_col = st.columns([1, 1, 4], vertical_alignment="center")
    descend = b1.button(
        "Descend",
        key=_k(spec, "b_surf"),
        type="primary",
    )
    back = b2.button("Back to start", key=_k(spec, "b_surf_reset"))
    if state is not None and state["sig"] != sig:
        state["live"].pause(wait=False)
        state = None
    if state is None and (descend or back):
        ds = _line(int(n), float(noise), seed)
        lvs = live.LiveRun.create(
            config,
            ds,
            probe=live.weight_bias,
            probe_every=1,
            observe=lambda r: live.curves(r, 2)["train"],
            history=False,
            owner=_owner(),
        )
        state = {"sig": sig, "live": lvs}
        st.session_state[key] = state
    if state is not None and descend:
        state["live"].reset().start()
    elif state is not None and back:
        state["live"].reset()
    w_best, b_best, loss_best = surf["best"]
    info_col.caption(
        "**Descend** starts at the initial weights and takes 300 steps downhill. "
        f"Lowest loss on the drawn grid: {number(loss_best)} nats at "
        f"w = {w_best:.2f}, b = {b_best:.2f}. Points: {surf['n_train']} for training."
    )
    chart_slot = st.empty()
    text = st.empty()
    base = _surface_spec(surf["levels"])
    cells = surf["image"]

    def draw(snap: live.Snapshot | None) -> None:
        path = snap.probes if snap is not None and snap.probes is not None else None
        if path is None or not len(path):
            path = pd.DataFrame({"step": [0], "w": [np.nan], "b": [np.nan]}).iloc[:0]
        chart_slot.vega_lite_chart(
            charts.with_data(base, surface=cells, path=_arrow(path)), width="stretch"
        )
        if len(path):
            last = path.iloc[-1]
            text.markdown(
                f"Step **{int(last['step'])}** of {snap.steps}: w = {last['w']:.3f}, "
                f"b = {last['b']:.3f}, training loss {_num(snap.view)} nats."
            )
        else:
            text.markdown("Press **Descend** to start at the initial weights and walk downhill.")

    if state is None:
        draw(None)
        return []
    lvs = state["live"]
    snap = lvs.snapshot()
    draw(snap)
    return [_Job(lvs, draw, snap.version)]
