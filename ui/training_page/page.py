"""A training page put together: the settings, the formula of the loss, the buttons and
the open view (live training, comparison or loss surface), and the run they act on."""

from __future__ import annotations

import streamlit as st

import probnn
from probnn import likelihoods, live
from ui import formula, layout, questions
from ui.training_page.compare import compare_tab
from ui.training_page.context import Context
from ui.training_page.controls import BUTTONS_HELP, controls, train_button
from ui.training_page.floor import floor_note
from ui.training_page.pace import view_options
from ui.training_page.settings import settings_from_widgets
from ui.training_page.spec import TABS, PageSpec, state_key
from ui.training_page.surface import surface_tab
from ui.training_page.view import Slots, draw, notes_of, results_placeholder, show_rest, stream_of
from ui.training_page.watch import STOPPED, Job, watch


def _loss_latex(lik) -> str:
    try:
        return lik.derivation[-1].latex
    except Exception:  # noqa: BLE001
        return likelihoods.general_loss_latex


def render(spec: PageSpec) -> None:
    """Draw the whole training area of a page and stream the run while it trains."""
    probnn.limit_threads()  # main.py does this too, but a page file can run without it
    layout.training_style()
    training_area(spec)


def _set_up(spec: PageSpec, settings, dataset) -> tuple[live.LiveRun | None, Context | None]:
    """The page's run and its drawing context for ``settings`` (a new run when they
    changed), or (None, None) when the settings are unusable."""
    lv: live.LiveRun | None = st.session_state.get(state_key(spec, "live"))
    if settings is None:
        if lv is not None:
            lv.pause(wait=False)
        return None, None
    old = st.session_state.get(state_key(spec, "settings"))
    if lv is None or old != settings:
        before = lv.snapshot() if lv is not None else None
        if before is not None and (before.status == "running" or before.note == STOPPED):
            # still training, or stopped a moment ago by this very change (a new
            # script run stops the one that was streaming the training)
            st.session_state[state_key(spec, "msg")] = (
                f"The settings changed while training, so that run stopped at step "
                f"{before.step:,} and a new one was set up with the new settings. "
                "Press **Train** to train it."
            )
        if lv is not None:
            lv.pause(wait=True)
        ctx = Context(spec, settings, dataset)
        lv = ctx.new_live(results=True)
        st.session_state[state_key(spec, "live")] = lv
        st.session_state[state_key(spec, "settings")] = settings
        st.session_state[state_key(spec, "ctx")] = ctx
    return lv, st.session_state[state_key(spec, "ctx")]


@st.fragment
def training_area(spec: PageSpec) -> None:
    """The whole training area, on one screen: on the left the buttons, the status line
    and the settings that matter (data set, likelihood, learning rate; the rest folded),
    on the right the open view (live training, comparison or loss surface), then the
    loss formula, the floor and the page's question.

    A fragment: a button, a setting or the view switcher reruns this part alone, never
    the lesson's introduction above it. The run and its drawing context live in the
    session state (:func:`_set_up`).
    """
    controls_col, view_col = st.columns(layout.columns(), gap="medium")
    with controls_col:
        buttons = st.container()
        slots: dict = {}
        settings, dataset = settings_from_widgets(spec, slots)
    lv, ctx = _set_up(spec, settings, dataset)
    status_slot = slots.get("status") or controls_col.empty()
    with slots.get("options") or controls_col:
        view_options(spec, lv, ctx)  # pace, log scale, surprise: ui/training_page/pace.py
    with buttons:
        train_col = controls(spec, lv is not None)
        message = st.session_state.get(state_key(spec, "msg"))
        if message:
            st.info(message)
    # Only the open view is computed and drawn; it is part of the link.
    names = list(TABS) if spec.loss_surface else list(TABS[:2])
    with controls_col:
        open_tab = (
            st.segmented_control(
                "View",
                names,
                default=names[0],
                required=True,
                key="tab",
                bind="query-params",
            )
            or names[0]
        )
        if not layout.presenting():
            st.caption(BUTTONS_HELP)
    with view_col:
        view_box = st.container()  # filled last: while a run trains, its loop stays there
        if ctx is not None:
            formula.latex(_loss_latex(ctx.lik) + r"\quad\text{(nats)}", _loss_words(ctx.lik))
            floor_note(ctx)
        questions.render(spec.key)
    with view_box:
        _view(spec, lv, ctx, open_tab, train_col, status_slot, message)


def _loss_words(lik) -> str:
    """The loss formula in words, for a screen reader."""
    return (
        f"The loss L of theta, in nats: the average over the N training points of the "
        f"negative log-likelihood of {lik.title}, which is {lik.loss_name}."
    )


def _view(spec, lv, ctx, open_tab, train_col, status_slot, message) -> None:
    """The open view of the page's run, and the loop that follows it while it trains."""
    jobs: list[Job] = []
    slots = None
    start = None  # the stream whose run the Train button starts without a script run
    if lv is None:
        status_slot.markdown("Fix the settings to train.")
    else:
        chart = st.empty() if open_tab == TABS[0] else None
        slots = Slots(
            status_slot, chart, st.container(), st.empty(), stream=stream_of(spec, ctx, lv)
        )
        snap = lv.snapshot()
        draw(ctx, slots, snap)
        jobs.append(
            Job(
                lv,
                lambda s, c=ctx, sl=slots: draw(c, sl, s),
                snap.version,
                streamed=lambda sl=slots: sl.streaming,
            )
        )
        if snap.status != "running" and open_tab == TABS[0]:
            show_rest(spec, ctx, lv, snap, slots)
            if slots.stream is not None and not message and not notes_of(snap):
                start = slots.stream
                if snap.step == 0:  # no results yet: an empty block for the run's last frame
                    results_placeholder(ctx, slots, snap)
    train_button(spec, train_col, lv is not None, start)
    if ctx is not None and open_tab == TABS[1]:
        jobs += compare_tab(spec, ctx)
    if spec.loss_surface and open_tab == TABS[2]:
        jobs += surface_tab(spec)
    if slots is not None and slots.streaming:
        # The panel follows the run by itself: its stream brings every frame, the status
        # line and, at the end, the results; when the page has more to say (a divergence,
        # a note), the panel asks for a rerun. So this run ends now, and a click on a
        # button is a rerun like any other.
        return
    was_running = lv is not None and lv.snapshot().status == "running"
    watch(jobs)
    if was_running and slots is not None and slots.chart is not None:
        snap = lv.snapshot()
        if snap.status != "running":
            if snap.version != jobs[0].last:  # the loop has not drawn this state yet
                draw(ctx, slots, snap)
            show_rest(spec, ctx, lv, snap, slots)
