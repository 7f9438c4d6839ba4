"""The page's layout on a projector, a laptop and a phone, and the presenter switch.

Streamlit lays a page out for a tall desktop window; a class sees it on a projector at
1280 x 800 or 1920 x 1080, a student on a 390 px phone. The style sheet here (one
``<style>`` element, which takes no room on the page):

- a smaller top margin, so that a training page's buttons, settings and charts fit on
  the first screen;
- below 600 px: no element wider than the screen; a long formula scrolls inside its own
  box, with a visible scroll bar, instead of being cut off;
- the presenter view (``?present=true``, :func:`presenting`): larger text, secondary
  captions hidden, the sidebar folded (main.py), a large QR code (ui/share.py);
- text for screen readers only (:data:`ui.formula.SR_CLASS`);
- one tab stop per chart: the buttons of a chart's toolbar are reachable from the chart
  (ui/keys.js), not each on its own.
"""

from __future__ import annotations

import streamlit as st

from ui.formula import SR_CLASS

__all__ = [
    "PRESENT_COLUMNS",
    "PRESENT_KEY",
    "TRAINING_COLUMNS",
    "columns",
    "presenting",
    "style",
    "training_style",
]

PRESENT_KEY = "present"  # the presenter switch's widget key and link parameter
TRAINING_COLUMNS = [1, 2.2]  # a training page: controls | the open view
# in the presenter view the sidebar is folded: a wider view would make the panel (whose
# map grows with its width) taller than the projector's screen
PRESENT_COLUMNS = [1, 1.7]

_CSS = f"""
<style>
.stMainBlockContainer {{ padding-top: 3.25rem; padding-bottom: 3rem; }}
@media (min-width: 1000px) {{
  .stMainBlockContainer {{ padding-left: 1.5rem; padding-right: 1.5rem; }}
}}
.st-key-probnn_a11y {{ display: none !important; }}
.{SR_CLASS} {{ position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
[data-testid="stElementContainer"]:has(> .stHtml .{SR_CLASS}),
[data-testid="stElementContainer"]:has(.stHtml > .{SR_CLASS}) {{
  position: absolute; width: 1px; height: 1px; overflow: hidden; }}
.katex-display {{ overflow-x: auto; overflow-y: hidden; max-width: 100%;
  padding: 0.15rem 0 0.35rem; scrollbar-width: thin; }}
@media (max-width: 600px) {{
  .stMainBlockContainer {{ padding-left: 0.9rem; padding-right: 0.9rem; }}
  .katex-display > .katex {{ font-size: 1.05em; }}
  [data-testid="stVegaLiteChart"], .stElementContainer {{ max-width: 100%; }}
  h1 {{ font-size: 2rem !important; }}
}}
</style>
"""

_TRAINING_CSS = """
<style>
.stMainBlockContainer h1 { padding-top: 0; padding-bottom: 0.4rem; font-size: 2.3rem; }
.stMainBlockContainer .katex-display { margin: 0.4em 0; }
.probnn-keys { font-size: 0.85rem; color: #4a4a4a; margin: 0; }
.probnn-keys kbd { font: inherit; font-weight: 600; border: 1px solid #9aa0a6;
  border-radius: 4px; padding: 0 0.3em; background: #f6f7f9; color: #111; }
</style>
"""

_PRESENT_CSS = """
<style>
html { font-size: 19px !important; }
.stMainBlockContainer [data-testid="stCaptionContainer"] { display: none; }
.stMainBlockContainer [data-testid="stElementContainer"]:has([data-testid="stCaptionContainer"]) {
  display: none; }
.stMainBlockContainer h1 { font-size: 2.1rem; }
</style>
"""


def presenting() -> bool:
    """True when the presenter view is on (the switch, or ``?present=true`` in the link
    before the switch is drawn)."""
    if PRESENT_KEY in st.session_state:
        return bool(st.session_state[PRESENT_KEY])
    return str(st.query_params.get(PRESENT_KEY, "")).lower() == "true"


def style() -> None:
    """The app's style sheet (every page; main.py), with the presenter view's when on."""
    st.html(_CSS + (_PRESENT_CSS if presenting() else ""))


def training_style() -> None:
    """What a training page adds to the style sheet."""
    st.html(_TRAINING_CSS)


def columns() -> list[float]:
    """A training page's column widths: controls | the open view."""
    return PRESENT_COLUMNS if presenting() else TRAINING_COLUMNS
