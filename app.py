"""probnn's server: ``streamlit run app.py``.

The app itself is main.py (page config and navigation). This file adds routes of the
app's own to Streamlit's server: the live panel fetches its frames from them while a
network trains (ui/frames.py). ``streamlit run main.py`` also works; the panel then
receives every frame as a page element, which costs the browser more.

When the server is told to stop (SIGTERM, Ctrl+C), the lifespan pauses every run and ends
the open frame streams at once, so that the server exits within moments instead of
waiting for them.
"""

import streamlit as st

from probnn import live
from ui import frames

app = st.App(
    "main.py",
    routes=frames.routes(),
    lifespan=frames.lifespan(on_stop=live.stop_all),
)
