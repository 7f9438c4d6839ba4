"""probnn on Streamlit Community Cloud: the entry point to give Cloud ("Main file path").

The same server as the repository's app.py (main.py plus the app's own routes and the
lifespan that ends runs and streams on SIGTERM), from a folder of its own so that Cloud
installs the requirements.txt next to this file (the CPU build of torch) and not the
root one. Cloud runs ``streamlit run deploy/cloud/streamlit_app.py`` from the
repository's root, so the root's .streamlit/config.toml applies as it does locally:

    streamlit run deploy/cloud/streamlit_app.py

``streamlit run`` finds ``app`` below by reading this file, so the call has to be here,
spelled out: tests/deploy/test_cloud.py checks that it passes what app.py passes.
"""

import sys
from pathlib import Path

import streamlit as st

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `streamlit run` puts this file's folder on the path, not the root
    sys.path.insert(0, str(ROOT))

from probnn import live  # noqa: E402
from ui import frames  # noqa: E402

app = st.App(
    ROOT / "main.py",  # absolute: a relative path would be taken from this file's folder
    routes=frames.routes(),
    lifespan=frames.lifespan(on_stop=live.stop_all),
)
