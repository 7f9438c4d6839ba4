"""Keyboard shortcuts on a training page: Space = Train or Pause, Right arrow = Step,
R = Reset. The listener (ui/keys.js) is installed once per browser tab with the
page-wide fixes (ui/a11y.py, mounted by main.py): it presses the buttons of the row
whose key ends in ``buttons`` (ui/training_page/controls.py) and stays quiet while the
user types or moves a control that uses these keys. A page shows the keys with
:func:`shortcuts`."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

__all__ = ["HINT", "JS", "shortcuts"]

JS = Path(__file__).with_name("keys.js").read_text(encoding="utf-8")
HINT = (
    '<p class="probnn-keys">Keys: <kbd>Space</kbd> train/pause · '
    '<kbd aria-label="right arrow">→</kbd> step · <kbd>R</kbd> reset</p>'
)


def shortcuts() -> None:
    """The keys, shown on the page (they work where main.py's fixes are mounted)."""
    st.html(HINT)
