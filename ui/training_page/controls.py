"""The run's buttons: Train, Pause, Resume, Step and Reset, and what each does to the
page's run."""

from __future__ import annotations

import functools

import streamlit as st

from probnn import live
from ui import frames, keys, live_panel
from ui.training_page.spec import STEP_SIZE, PageSpec, state_key

BUTTONS_HELP = (
    "**Train** starts again from the initial weights and trains to the step limit · "
    "**Pause** stops after the current chunk of steps · **Resume** goes on from there · "
    f"**Step ×{STEP_SIZE}** pauses, then takes {STEP_SIZE} steps · "
    "**Reset** goes back to step 0 with the same initial weights."
)


def controls(spec: PageSpec, usable: bool):
    """The Train / Pause / Resume / Step / Reset row and the keys that press them;
    returns the Train button's slot (see :func:`train_button`). What each button does is
    :data:`BUTTONS_HELP` (shown by the page under its settings).

    The buttons act in callbacks, which Streamlit runs before the script: Train starts
    the background thread at once, so training overlaps the redraw of the page, and
    Pause stops the run before anything else happens.

    What the buttons do is written under them, not in hover tooltips: after a click the
    pointer rests on the button, and its tooltip would cover the loss formula for the
    whole run (and make the browser place it again on every change of the page).
    """
    row = st.container(horizontal=True, gap="small", key=state_key(spec, "buttons"))
    train_slot = row.empty()
    buttons = [
        ("pause", "Pause"),
        ("resume", "Resume"),
        ("step", f"Step ×{STEP_SIZE}"),
        ("reset", "Reset"),
    ]
    for name, label in buttons:
        row.button(
            label,
            key=state_key(spec, f"b_{name}"),
            disabled=not usable,
            width="content",
            on_click=on_button,
            args=(spec.key, name),
        )
    keys.shortcuts()
    return train_slot


def train_button(spec: PageSpec, col, usable: bool, start: frames.Source | None) -> None:
    """The Train button in ``col``: Streamlit's, whose click reruns the training area
    after its callback has started the run; or, with a ``start`` stream (the panel of a
    resting run is on the page and nothing about the last run would have to go), the
    panel's own, which starts the run without a script run
    (:func:`ui.live_panel.train`)."""
    if start is None:
        col.button(
            "Train",
            key=state_key(spec, "b_train"),
            disabled=not usable,
            type="primary",
            width="content",
            on_click=on_button,
            args=(spec.key, "train"),
        )
        return
    live_panel.train(
        col,
        "Train",
        state_key(spec, "panel"),
        state_key(spec, "results"),
        start.start_path,
        start.links(-1),
        functools.partial(on_button, spec.key, "train"),
    )


def on_button(page: str, pressed: str) -> None:
    lv = st.session_state.get(f"tp.{page}.live")
    if isinstance(lv, live.LiveRun):
        st.session_state.pop(f"tp.{page}.msg", None)
        press(lv, pressed)


def press(lv: live.LiveRun, pressed: str) -> None:
    """Apply a button to the run; a button that has nothing to do says so."""
    snap = lv.snapshot()
    status = snap.status
    if pressed == "train":
        if status != "ready" or snap.step:  # a run never moved is already a fresh one
            lv.reset()
        lv.start()
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
