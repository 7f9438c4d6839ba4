"""The live-training page shared by the binary, multi-class and regression pages.

A page describes itself with a :class:`PageSpec` and calls :func:`render`. The package
owns every session-state key that starts with ``tp.<page>.`` (:func:`state_key`): the
page's :class:`probnn.live.LiveRun` (``live``), the settings it was built from
(``settings``) and what drawing needs from them (``ctx``), a pending message (``msg``),
the uploaded table (``csv``) and its widgets (``upload``, ``features``), the comparison
runs (``cmp``), the loss-surface run (``surf``), the after-training results (``after``),
the run's frame stream (``stream``) and the buttons (``b_*``). The URL-bound widgets use
short plain keys (``data``, ``n``, ``lr``, ``steps``, ``tab``...): a link reproduces the
settings, the seed and so the curve.

One concern a file:

========== ==========================================================================
spec       caps, :class:`PageSpec`, :class:`Settings`, the session-state keys
settings   the settings panel (URL-bound widgets) -> Settings and the data set
upload     the CSV panel: a user's table, its target and features
context    what drawing a run needs (:class:`Context`); ``observe`` for the thread
view       the status line and the live panel of the page's run; its frame stream
floor      the floor H(Y|X) of the data and the KL estimate above it: texts and lines
pace       how a run is watched: its pace, the loss axis' log scale, the surprise
results    the block shown when a run rests: calibration or residuals, history
controls   Train, Pause, Resume, Step, Reset
watch      the script's loop that redraws runs the browser does not stream
compare    several likelihoods trained side by side
surface    the loss surface of 1-D logistic regression and the path on it
page       :func:`render`: the page put together
========== ==========================================================================

Where a run's frames go. A background thread (:mod:`probnn.live`) computes and
publishes snapshots; ``Context.observe`` makes each one's pictures ready in that thread.
When the server is ``app.py`` (it serves :mod:`ui.frames`), the live panel in the
browser reads the frames itself: Train is the panel's own button, which starts the run
through the stream's start route and then reads the stream, one line per frame, the
status line and (in the last frame) the results included; no script runs meanwhile.
Where the page has more to change first (a reason, a message), Train is Streamlit's
button, whose script run mounts the panel with the stream and ends. Without the routes
(``streamlit run main.py``, AppTest) or once a stream has failed (a proxy in the way:
the session's flag ``tp.unstreamed``), the script's loop (:func:`watch.watch`) sends
every frame as an element instead, a few times a second. The comparison's frames take
the same two ways; the loss surface's always the second.
"""

from ui.training_page.page import render
from ui.training_page.results import DOWNLOAD_LABEL, history_csv
from ui.training_page.settings import settings_from_widgets
from ui.training_page.spec import CAPS, GRID, TABS, PageSpec, Settings, state_key
from ui.training_page.upload import accept_upload, load_upload

__all__ = [
    "CAPS",
    "DOWNLOAD_LABEL",
    "GRID",
    "TABS",
    "PageSpec",
    "Settings",
    "accept_upload",
    "history_csv",
    "load_upload",
    "render",
    "settings_from_widgets",
    "state_key",
]
