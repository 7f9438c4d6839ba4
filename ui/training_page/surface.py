"""The loss surface (binary page): 1-D logistic regression has two parameters, so its
whole loss can be drawn over (w, b) and the optimiser's path walked on it."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pyarrow as pa
import streamlit as st

from probnn import data as pdata
from probnn import likelihoods, live, training
from probnn.params import ParamSpec
from ui import widgets
from ui.charts import number
from ui.charts import training as charts
from ui.training_page.context import owner
from ui.training_page.spec import LEARNING_RATES, PageSpec, state_key
from ui.training_page.view import num
from ui.training_page.watch import Job


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


def surface_tab(spec: PageSpec) -> list[Job]:
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
    key = state_key(spec, "surf")
    state = st.session_state.get(key)
    sig = (int(n), float(noise), seed, config)
    b1, b2, info_col = st.columns([1, 1, 4], vertical_alignment="center")
    descend = b1.button(
        "Descend",
        key=state_key(spec, "b_surf"),
        type="primary",
    )
    back = b2.button("Back to start", key=state_key(spec, "b_surf_reset"))
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
            owner=owner(),
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
                f"b = {last['b']:.3f}, training loss {num(snap.view)} nats."
            )
        else:
            text.markdown("Press **Descend** to start at the initial weights and walk downhill.")

    if state is None:
        draw(None)
        return []
    lvs = state["live"]
    snap = lvs.snapshot()
    draw(snap)
    return [Job(lvs, draw, snap.version)]
