"""Page-wide accessibility fixes for what Streamlit draws (ui/a11y.js): one tab stop per
chart toolbar, labels written in LaTeX spoken as words, formulas that scroll reachable
by the keyboard, and the navigation's lists read as lists. Mounted once per script run
by main.py; it draws nothing. The training pages' keyboard shortcuts (ui/keys.js) come
with it."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import keys

__all__ = ["fixes"]

# the code travels with every script run: without its comment lines
# the code travels with every script run: without its comment lines; the keyboard
# shortcuts of the training pages (ui/keys.js) are installed with it
_JS = "\n".join(
    line
    for line in (
        keys.JS + "\n" + Path(__file__).with_name("a11y.js").read_text(encoding="utf-8")
    ).splitlines()
    if not line.lstrip().startswith("//")
)
_FIXES = st.components.v2.component("probnn_a11y", js=_JS, isolate_styles=False)


def fixes() -> None:
    """Mount the fixes (they stay for the life of the browser tab)."""
    _FIXES(key="probnn_a11y", width="content", height="content")
