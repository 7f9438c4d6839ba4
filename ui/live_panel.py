"""The live training panel (ui/live_panel.js) as a Streamlit element.

Every frame is a fresh mount under a new key (a key may appear once per script run, and
the live loop draws many frames in one run); the script side keeps the canvas between
mounts, so a frame costs the browser one repaint. When the panel streams its frames
(:mod:`ui.frames`), the page's status line is drawn by the same component
(:func:`status`), so that the panel can keep its numbers current between mounts. After
training, the same component draws the whole results block as one element; while a run
streams, that element is mounted empty and the stream's last frame fills it. When the
page has more to say about the end (a divergence, a note), or when the stream fails,
the panel asks for a rerun.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from pathlib import Path

import streamlit as st

__all__ = ["draw", "status", "train"]

_JS = (Path(__file__).with_name("live_panel.js")).read_text(encoding="utf-8")
_PANEL = st.components.v2.component("probnn_live_panel", js=_JS, isolate_styles=False)
_FRAMES = itertools.count()
# Mounts are numbered in this server process; the panel keeps its canvas (and status
# line) in the newest mount it has seen, so a late call for an older mount, whose element
# the page is about to remove, cannot take them away. A restarted server numbers anew.
_BOOT = secrets.token_hex(4)


def _mount() -> list:
    return [_BOOT, next(_FRAMES)]


def draw(slot, frame: dict, events: dict[str, Callable[[], None]] | None = None) -> None:
    """Paint one frame (:func:`ui.charts.training.live_panel_data`,
    ``compare_panel_data``) into ``slot``, or a small after-training chart
    (``calibration_panel``, ``residual_panel``) on a canvas of its own (another ``id``),
    or the after-training block (``results_block``).

    ``events``: for a frame with a ``stream``, what to call in the rerun (of the fragment
    the panel is in) that the panel asks for when the stream's last frame says ``rerun``
    (``"ended"``) or when the stream fails before its last frame (``"lost"``)."""
    mount = _mount()
    events = events or {}
    data = dict(frame, mount=mount)
    if events:
        data["events"] = sorted(events)
    with slot:
        _PANEL(
            data=data,
            key=f"{frame['id']}.{mount[1]}",
            # without a height, the element takes its content's: the live panel's map and
            # the comparison's maps follow the page's width (the canvas grows taller with
            # them; below 600 px the panel stacks), the results block is laid out by the page
            height=int(frame["height"]) if frame.get("height") and "kind" in frame else "content",
            width="stretch",
            **{f"on_{name}_change": callback for name, callback in events.items()},
        )


def status(slot, panel_id: str, text: str) -> None:
    """Show the status line ``text`` (bold ``**...**`` and line breaks ``"  \\n"`` only)
    in ``slot``; frames of panel ``panel_id`` that carry a ``status`` update it."""
    mount = _mount()
    with slot:
        _PANEL(
            data={"kind": "status", "id": panel_id, "text": text, "mount": mount},
            key=f"{panel_id}.status.{mount[1]}",
            width="stretch",
        )


def train(
    slot,
    label: str,
    panel_id: str,
    results_id: str,
    start: str,
    stream: dict,
    on_train: Callable[[], None],
) -> None:
    """A Train button that starts the run without a script run: it posts to ``start``
    (:attr:`ui.frames.Source.start_path`), then the panel ``panel_id`` follows
    ``stream`` (:meth:`ui.frames.Source.links`) from the version the answer names, and the
    results block ``results_id`` makes way for the new run's. When the post fails, the
    button asks for a rerun instead, in which ``on_train`` is called (as a button's
    callback would be)."""
    with slot:
        _PANEL(
            data={
                "kind": "train",
                "id": panel_id,
                "label": label,
                "results": results_id,
                "start": start,
                "stream": stream,
                "mount": _mount(),
            },
            # one key for every run: the button stays the same element between runs
            key=f"{panel_id}.train",
            width="stretch",
            on_train_change=on_train,
        )
