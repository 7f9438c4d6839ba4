"""The live training panel (ui/live_panel.js) as a Streamlit element.

Every frame is a fresh mount under a new key (a key may appear once per script run, and
the live loop draws many frames in one run); the script side keeps the canvas between
mounts, so a frame costs the browser one repaint.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import streamlit as st

__all__ = ["draw"]

_JS = (Path(__file__).with_name("live_panel.js")).read_text(encoding="utf-8")
_PANEL = st.components.v2.component("probnn_live_panel", js=_JS, isolate_styles=False)
_FRAMES = itertools.count()


def draw(slot, frame: dict) -> None:
    """Paint one frame (:func:`ui.charts.training.live_panel_data`) into ``slot``."""
    with slot:
        _PANEL(
            data=frame,
            key=f"{frame['id']}.{next(_FRAMES)}",
            height=int(frame["height"]),
            width="stretch",
        )
