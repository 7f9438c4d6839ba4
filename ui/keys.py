"""Keyboard shortcuts on a training page: Space = Train or Pause, Right arrow = Step,
R = Reset, shown under the buttons (ui/keys.js: one listener on the document, which
presses the page's own buttons and stays quiet while the user types or moves a
control that uses these keys)."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

__all__ = ["shortcuts"]

_JS = Path(__file__).with_name("keys.js").read_text(encoding="utf-8")
_KEYS = st.components.v2.component("probnn_keys", js=_JS, isolate_styles=False)


def css_key(key: str) -> str:
    """The class name Streamlit gives the element of widget key ``key`` (after
    ``st-key-``)."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip())


def shortcuts(page: str, usable: bool, step_label: str, row_key: str) -> None:
    """The shortcuts' line on page ``page``; the keys press the buttons in the row
    ``row_key`` (``step_label`` is the Step button's label)."""
    _KEYS(
        key=f"keys.{page}",
        data={"kind": "keys", "usable": bool(usable), "step": step_label, "row": css_key(row_key)},
        width="stretch",
        height="content",
    )
