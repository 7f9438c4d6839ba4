"""The settings panel: the URL-bound widgets of the data, the model, the likelihood and
the optimiser (``ui.widgets``: a link reproduces them), turned into :class:`Settings` and
the data set a run trains on."""

from __future__ import annotations

import functools

import streamlit as st

from probnn import data as pdata
from probnn import likelihoods, training
from probnn.models import ACTIVATIONS
from probnn.params import ParamSpec
from ui import thumbnails, widgets
from ui.training_page.spec import (
    BATCHES,
    CAPS,
    CSV,
    DATA_KEYS,
    LABELS,
    LEARNING_RATES,
    MAX_LAYERS,
    MAX_STEPS,
    MAX_UNITS,
    PageSpec,
    Settings,
    data_text,
    network_text,
)
from ui.training_page.upload import csv_panel


@functools.lru_cache(maxsize=64)
def synthetic(name: str, seed: int, params: tuple) -> pdata.Dataset:
    """A generated data set, shared read-only (neither a Run nor a page mutates a Dataset)."""
    return pdata.make(name, seed=seed, **dict(params))


def _lik_label(name: str) -> str:
    cls = likelihoods.REGISTRY[name]
    return f"{cls.title} ({cls.loss_name})"


def _specs_of(name: str) -> tuple[ParamSpec, ...]:
    return tuple(likelihoods.REGISTRY[name].param_specs)


def settings_from_widgets(
    spec: PageSpec, slots: dict | None = None
) -> tuple[Settings | None, pdata.Dataset | None]:
    """Draw the settings panel; return the settings and the data set (None when unusable).

    ``slots``: when given, ``slots["status"]`` becomes an empty slot under the settings
    that matter (for the run's status line) and ``slots["options"]`` a container under
    it, both above the folded settings."""
    # What a lesson turns on stays in sight (the data set, the likelihood, the learning
    # rate); the rest is folded. The data set is also a row of pictures (ui/thumbnails).
    options = list(spec.datasets) + [CSV]
    thumbnails.picker(spec.datasets, "data", options)
    name = widgets.select(
        "Data set",
        options,
        "data",
        help=_data_label(thumbnails.current("data", options)),
        label_visibility="collapsed",
    )
    is_count = name == "counts" or (name == CSV and st.session_state.get("lik") == "poisson")
    options = list(spec.count_likelihoods if name == "counts" else spec.likelihoods)
    if name == CSV and spec.count_likelihoods:
        options += [o for o in spec.count_likelihoods if o not in options]
    col_lik, col_lr = st.columns([1.35, 1], gap="small")
    lik_name = widgets.select(
        "Likelihood (loss)",
        options,
        "lik",
        default=options[0],
        where=col_lik,
        help=_lik_label(thumbnails.current("lik", options)),
    )
    lik_params = {}
    for p in _specs_of(lik_name):
        lik_params[p.name] = widgets.slider(p, p.name)
    lr = widgets.select("Learning rate", list(LEARNING_RATES), "lr", default=0.01, where=col_lr)
    params: dict = {}
    if name != CSV:
        for p in pdata.GENERATORS[name].params:
            params[p.name] = widgets.slider(
                p, DATA_KEYS.get(p.name, p.name), label=LABELS.get(p.name, p.name)
            )
    if slots is not None:
        slots["status"] = st.empty()
        slots["options"] = st.container()  # how the run is shown: pace, scales (page.py)
    # keyed: the folded panel stays open when the widgets above it come and go
    more = st.expander("Settings: model, optimiser, steps, seed", key=f"tp.{spec.key}.more")
    with more:
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
        optimiser = widgets.select(
            "Optimiser", ["adam", "sgd"], "opt", radio=True, help="sgd = SGD with momentum 0.9."
        )
        steps = widgets.integer(
            "Steps", "steps", low=10, high=MAX_STEPS, default=spec.default_steps
        )
        batch = widgets.select(
            "Batch size", list(BATCHES), "batch", default="full", help="full = every point."
        )
        seed = widgets.seed("seed")
    csv_bits: dict = {}
    params_t = tuple(sorted(params.items()))
    if name == CSV:
        task = "count" if is_count and spec.count_likelihoods else spec.task
        csv_bits = csv_panel(spec, task=task, seed=int(seed))
        dataset = csv_bits.get("dataset")
        label = csv_bits.get("name", "")
    else:
        label = name
        try:
            dataset = synthetic(name, int(seed), params_t)
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
    more.caption(_summary(label, params, config) + "  \n" + CAPS)
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


def _summary(name: str, params: dict, config: training.TrainConfig) -> str:
    """The settings in one line, shown under the (folded) settings panel."""
    data = data_text(name, params)
    specs = {s.name: s for s in likelihoods.REGISTRY[config.likelihood].param_specs}
    lik = config.likelihood + "".join(
        f", ${specs[k].symbol}$ = {v:g}" if k in specs and specs[k].symbol else f", {k} {v:g}"
        for k, v in config.likelihood_params.items()
    )
    batch = "all points" if config.batch_size is None else f"batches of {config.batch_size}"
    return (
        f"Data: {data} · network: {network_text(config)} · likelihood: {lik} · "
        f"{config.optimiser}, learning rate {config.lr:g}, {config.steps:,} steps, {batch} · "
        f"seed {config.seed}"
    )


def _data_label(key: str) -> str:
    if key == CSV:
        return "Your own table: upload it below."
    gen = pdata.GENERATORS[key]
    return f"{gen.title}: {gen.description}"
