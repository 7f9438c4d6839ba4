"""What a training page is made of: its caps, its :class:`PageSpec` (what distinguishes
the binary, multi-class and regression pages) and the :class:`Settings` a run is built
from (two equal Settings give the same curve, bit for bit), and the session-state keys
of a page (:func:`state_key`)."""

from __future__ import annotations

from dataclasses import dataclass

from probnn import data as pdata
from probnn import training
from ui.text import plain

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


STEP_SIZE = 10  # steps per press of Step


DATA_KEYS = {"n_classes": "classes", "outlier_fraction": "outliers"}  # short link keys
LABELS = {
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


def state_key(spec: PageSpec, name: str) -> str:
    return f"tp.{spec.key}.{name}"


def data_text(name: str, params: dict) -> str:
    """A data set in words (Markdown): its name, as text (a file's name is the
    uploader's), and generator parameters."""
    text = plain(name) if name else "your CSV"
    if params:
        text += " (" + ", ".join(f"{LABELS.get(k, k)} {v:g}" for k, v in params.items()) + ")"
    return text


def network_text(config: training.TrainConfig) -> str:
    if not config.hidden:
        return "no hidden layer (a linear model)"
    return f"{len(config.hidden)} hidden layer(s) of {config.hidden[0]} {config.activation} units"
