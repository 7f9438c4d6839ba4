"""The live panel's frames over HTTP: a route of the app's own server.

While a run trains, the canvas panel (ui/live_panel.js) fetches its frames from
``/_probnn/frame/<token>`` instead of receiving each one as a Streamlit element. A
Streamlit element costs the browser a pass through the app's React tree; a fetched frame
only costs a JSON parse and a canvas repaint, which leaves the CPU to the training.

``app.py`` mounts :func:`routes` on the server (``st.App``); :func:`served` then says so to
the pages, and a page that is run without it (``streamlit run main.py``, AppTest) sends
every frame as an element, as before.

Each stream is a :class:`Source` owned by one session (kept in its ``st.session_state``);
the registry holds it weakly under a random token, so a closed session's stream goes away
with the session, and no session can read another's without its token. A request waits
(up to ``WAIT`` seconds) until the source has something newer than the version the panel
already shows, so the panel asks once per frame.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import weakref
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["PATH", "WAIT", "Source", "routes", "served"]

PATH = "_probnn/frame/"  # relative to the app's base URL
WAIT = 2.0  # seconds a request waits for a newer frame before answering with the current one

_SOURCES: weakref.WeakValueDictionary[str, Source] = weakref.WeakValueDictionary()
_SERVED = [False]


class Source:
    """A stream of frames: ``version()`` grows when there is something new to draw,
    ``frame()`` returns it as a JSON-ready dict (with ``version`` and ``running`` keys,
    and no NaN or infinity). ``listen(callback)`` calls ``callback()`` from any thread
    when the version grows and returns the unsubscriber, as
    :meth:`probnn.live.LiveRun.listen` does."""

    def __init__(
        self,
        version: Callable[[], int],
        frame: Callable[[], dict],
        listen: Callable[[Callable[[], None]], Callable[[], None]],
    ):
        self.version = version
        self.frame = frame
        self.listen = listen
        self.token = secrets.token_urlsafe(18)
        _SOURCES[self.token] = self

    @property
    def path(self) -> str:
        """Where the panel fetches this stream, relative to the app's base URL."""
        return PATH + self.token


def served() -> bool:
    """True when this server answers the frame route (the app was started by app.py)."""
    return _SERVED[0]


def routes() -> list[Route]:
    """The frame route, for ``st.App(routes=...)``; also marks the route as served."""
    _SERVED[0] = True
    return [Route("/" + PATH + "{token}", frame_endpoint, methods=["GET"])]


def _json(body: dict, status: int = 200) -> Response:
    return Response(
        json.dumps(body, allow_nan=False, separators=(",", ":")),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


async def _newer(source: Source, after: int) -> None:
    """Return once the source's version is past ``after``, or after ``WAIT`` seconds."""
    loop = asyncio.get_running_loop()
    news = asyncio.Event()
    # woken from the training thread: the event is set on this loop's own thread
    unlisten = source.listen(lambda: loop.call_soon_threadsafe(news.set))
    try:
        if source.version() <= after:  # nothing arrived between the check and listening
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(news.wait(), WAIT)
    finally:
        unlisten()


async def frame_endpoint(request: Request) -> Response:
    """The newest frame of a stream once it is newer than ``?after=<version>``."""
    source = _SOURCES.get(request.path_params.get("token", ""))
    if source is None:
        return _json({"error": "no such stream (the session ended or its settings changed)"}, 404)
    try:
        after = int(request.query_params.get("after", "-1"))
    except ValueError:
        after = -1
    try:
        if source.version() <= after:
            await _newer(source, after)
        return _json(source.frame())
    except Exception as err:  # noqa: BLE001 - the panel keeps its last frame and stops asking
        return _json({"error": f"{type(err).__name__}: {err}"}, 500)
