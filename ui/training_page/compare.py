"""The comparison: the page's data, seed and initial weights trained under several
likelihoods side by side, scored by one yardstick."""

from __future__ import annotations

import functools
import math
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from probnn import live
from ui import frames, live_panel, widgets
from ui.charts import number
from ui.charts import training as charts
from ui.training_page.context import Context
from ui.training_page.floor import FLOOR_UNKNOWN, kl_words, num, truth_on_test
from ui.training_page.settings import synthetic
from ui.training_page.spec import (
    LEARNING_RATES,
    MAX_STEPS,
    PageSpec,
    data_text,
    network_text,
    state_key,
)
from ui.training_page.view import metric_text, streams
from ui.training_page.watch import Group, Job


def _compare_label(item: tuple) -> str:
    return item[2]


NLL = "test loss under its own likelihood"  # nats; regression's comparison only
KL = "KL from the truth ≈"  # test loss - the truth's own loss on the same test points


def _probe(run, dataset) -> dict[str, float]:
    """The comparison's numbers at one step (:func:`probnn.live.yardstick`); for a
    regression also the test loss under the run's own likelihood, in nats (a density of
    y whatever the likelihood: its gap to the floor is a KL)."""
    out = live.yardstick(run, dataset)
    if not dataset.is_classification:
        out[NLL] = float(live.surprise(run, dataset.X_test, dataset.y_test.numpy()).mean())
    return out


def _kl_of(row: dict, truth_own: float, classification: bool) -> str:
    """The KL divergence of a network's p(y|x) from the truth, estimated on the test set
    as the live view does (test loss - the truth's own loss on the same points, the paired
    estimate), in words (0 within sampling error when the estimate is below 0): the test
    loss of the predicted class probabilities (classifiers), of the run's own likelihood,
    a density of y (regression)."""
    key = "test cross-entropy" if classification else NLL
    return kl_words(float(row.get(key, float("nan"))) - truth_own)[1]


def compare_tab(spec: PageSpec, ctx: Context) -> list[Job]:
    """The same data, seed and initial weights trained under several likelihoods."""
    st.markdown(spec.compare_text)
    items = list(spec.compare)
    labels = [_compare_label(i) for i in items]
    key = state_key(spec, "cmp")
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
        key=state_key(spec, "b_cmp"),
        type="primary",
    )
    what = data_text(data.dataset, dict(data.data_params))
    if own:
        where = (
            f"**Data: {what}**, seed {seed}: the comparison's own, not this page's "
            f"{data_text(page.dataset, dict(page.data_params))}, because it needs "
            f"{spec.compare_needs}."
        )
    else:
        where = f"**Data: {what}**, seed {seed}, as set above."
    st.markdown(
        f"{where} Network: {network_text(config)}, as set above. The button trains one "
        "network per likelihood, all from the same initial weights."
    )
    if go:
        if own:
            ds = synthetic(data.dataset, seed, data.data_params)
        else:
            ds = ctx.dataset
        cctx = Context(spec, replace(data, config=config), ds)
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
                probe=functools.partial(_probe, dataset=ds),
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
    st.caption(compare_floor_text(cctx))
    group = Group(lives)

    def frame_of(snaps: list[live.Snapshot]) -> dict:
        curves = []
        for s in snaps:
            p = s.probes
            if p is not None and len(p) and yard in p:
                curves.append((p["step"].to_numpy(), p[yard].to_numpy()))
            else:
                curves.append((np.zeros(0, np.int64), np.zeros(0)))
        floor = None
        if cctx.floor is not None and cctx.classification:
            floor = {
                "value": float(cctx.floor.value),
                "label": f"floor H(Y|X) = {number(cctx.floor.value)} nats",
            }
        frame = charts.compare_panel_data(
            state_key(spec, "cmp_panel"),
            floor=floor,
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
    if source is None and streams() and cctx.panel is not None:
        # the panel reads the runs' frames from the server while they train
        source = frames.Source(
            lambda: group.version,
            lambda: frame_of([lvr.snapshot() for lvr in lives]),
            group.listen,
            owner=lives,
            every=1 / 12,  # each run publishes about 12 frames a second: one for all
            key=key,  # closes the stream of the comparison this one replaces
            watched=group.watched,
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
                truth_own = truth_on_test(cctx)[1] if cctx.floor is not None else math.nan
                if truth_own == truth_own:
                    row[KL] = _kl_of(row, truth_own, cctx.classification)
                last.append(row)
        if last:
            rows = pd.DataFrame(last)
            for c in rows.columns[1:]:
                if c == KL:
                    continue  # already in words
                rows[c] = [
                    metric_text("accuracy", v) if "accuracy" in c else num(v) for v in rows[c]
                ]
            table.dataframe(rows, hide_index=True, width="stretch")

    draw()
    return [Job(group, draw, group.snapshot().version, streamed=lambda: shown["streaming"])]


def compare_floor_text(cctx: Context) -> str:
    """What the comparison says of the floor: the truth's, whatever likelihood is fitted."""
    if cctx.floor is None:
        return FLOOR_UNKNOWN[:1].upper() + FLOOR_UNKNOWN[1:] + ": no gap to show."
    what = (
        "the test cross-entropy of its predicted class probabilities"
        if cctx.classification
        else "its test loss under its own likelihood (a density of y in each case)"
    )
    line = " (the green line)" if cctx.classification else ""
    own = truth_on_test(cctx)[1]
    test_set = (
        f" The truth's own loss on these test points is {number(own)} nats." if own == own else ""
    )
    return (
        f"**Floor H(Y|X) = {number(cctx.floor.value)} nats**{line}: the truth's, whatever "
        f"likelihood a network is fitted with.{test_set} Each network's *{KL}* is {what} "
        "minus the truth's own loss on the same test points: an estimate of the KL "
        "divergence of its p(y|x) from the truth, so the smaller the better. A KL is never "
        "below 0: an estimate a little below 0 (the test set is a sample) reads 0 within "
        "sampling error."
    )
