"""probnn's server: ``streamlit run app.py``.

The app itself is main.py (page config and navigation). This file adds one route of the
app's own to Streamlit's server: the live panel fetches its frames from it while a
network trains (ui/frames.py). ``streamlit run main.py`` also works; the panel then
receives every frame as a page element, which costs the browser more.
"""

import streamlit as st

from ui import frames

app = st.App("main.py", routes=frames.routes())
