"""The live panel's frames over HTTP: a route of the app's own server.

While a run trains, the canvas panel (ui/live_panel.js) reads its frames from the
server itself instead of receiving each one as a Streamlit element. A Streamlit element
costs the browser a pass through the app's React tree; a frame read here only costs a
JSON parse and a canvas repaint, which leaves the CPU to the training.

Two routes serve the same frames:

- ``/_probnn/stream/<token>`` answers with one response that carries frame after frame
  (one JSON object per line) until the run stops training. One request for the whole run:
  the browser and the server do not set up a request for every frame.
- ``/_probnn/frame/<token>`` answers one frame per request (a long poll). The panel falls
  back to it when the stream brings nothing, e.g. behind a proxy that holds a response
  back until it is complete.

A third route, ``/_probnn/history/<token>``, answers with the run's whole history as a
CSV file, built when the link is followed (the after-training block links to it).

``POST /_probnn/start/<token>`` starts the stream's run afresh, as the Train button does
(the button of a page that streams calls it, then reads the stream): pressing Train then
costs no script run, neither the server's Python nor the browser's pass through the
app's React tree, both of which would compete with the first steps of training.

``app.py`` mounts :func:`routes` on the server (``st.App``); :func:`served` then says so to
the pages, and a page that is run without it (``streamlit run main.py``, AppTest) sends
every frame as an element, as before.

Each stream is a :class:`Source` owned by one session (kept in its ``st.session_state``);
the registry holds it weakly under a random token, so a closed session's stream goes away
with the session, and no session can read another's without its token. A request waits
(up to ``WAIT`` seconds) until the source has something newer than the version the panel
already shows, so the panel asks once per frame; a stream sends a frame whenever there is
a newer one, and an empty line ``{}`` after ``WAIT`` seconds without one.

Within one streamed response, a line leaves out what has not changed since the line
before (see :func:`_elide`): the data points under the model, for instance, never move
while a run trains, so the first line of a response carries them and the next ones
only name them in ``same``. That halves what a frame costs to encode, compress and send.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import weakref
from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

__all__ = [
    "HISTORY_PATH",
    "PATH",
    "STREAM_PATH",
    "STREAM_SECONDS",
    "WAIT",
    "Source",
    "routes",
    "served",
]

PATH = "_probnn/frame/"  # relative to the app's base URL
STREAM_PATH = "_probnn/stream/"
HISTORY_PATH = "_probnn/history/"
START_PATH = "_probnn/start/"
WAIT = 2.0  # seconds a request waits for a newer frame before answering with the current one
STREAM_SECONDS = 60.0  # a stream ends after this long; the panel then opens the next one

_SOURCES: weakref.WeakValueDictionary[str, Source] = weakref.WeakValueDictionary()
_SERVED = [False]


class Source:
    """A stream of frames: ``version()`` grows when there is something new to draw,
    ``frame()`` returns it as a JSON-ready dict (with ``version`` and ``running`` keys,
    and no NaN or infinity). ``listen(callback)`` calls ``callback()`` from any thread
    when the version grows and returns the unsubscriber, as
    :meth:`probnn.live.LiveRun.listen` does. ``owner``: what the frames are drawn from
    (the page's run), so that the page can tell whether a kept stream is still its own.
    ``history``: the run's history as CSV text, built on request, saved as
    ``history_name`` (None: the history route has nothing for this stream). ``start``:
    what the start route calls (None: this stream's run is not started that way).
    ``every``: the least time between two frames of a stream, in seconds (the frames of
    several runs watched as one come as fast as all of them publish; a stream sends the
    newest one at most this often)."""

    def __init__(
        self,
        version: Callable[[], int],
        frame: Callable[[], dict],
        listen: Callable[[Callable[[], None]], Callable[[], None]],
        owner: object = None,
        history: Callable[[], str] | None = None,
        history_name: str = "history.csv",
        every: float = 0.0,
        start: Callable[[], None] | None = None,
    ):
        self.version = version
        self.frame = frame
        self.listen = listen
        self.owner = owner
        self.history = history
        self.history_name = history_name
        self.every = every
        self.start = start
        self.token = secrets.token_urlsafe(18)
        _SOURCES[self.token] = self

    @property
    def path(self) -> str:
        """Where the panel fetches this stream's frames one at a time, relative to the
        app's base URL."""
        return PATH + self.token

    @property
    def stream_path(self) -> str:
        """Where the panel reads this stream's frames as one response, relative to the
        app's base URL."""
        return STREAM_PATH + self.token

    def links(self, after: int) -> dict:
        """What a panel mount carries to follow this stream from version ``after``."""
        return {"lines": self.stream_path, "path": self.path, "after": after}

    @property
    def start_path(self) -> str:
        """Where the Train button posts to start this stream's run, relative to the app's
        base URL."""
        return START_PATH + self.token

    @property
    def history_path(self) -> str:
        """Where the run's history is downloaded as CSV, relative to the app's base URL."""
        return HISTORY_PATH + self.token


def served() -> bool:
    """True when this server answers the frame routes (the app was started by app.py)."""
    return _SERVED[0]


def routes() -> list[Route]:
    """The frame routes, for ``st.App(routes=...)``; also marks them as served."""
    _SERVED[0] = True
    return [
        Route("/" + PATH + "{token}", frame_endpoint, methods=["GET"]),
        Route("/" + STREAM_PATH + "{token}", stream_endpoint, methods=["GET"]),
        Route("/" + HISTORY_PATH + "{token}", history_endpoint, methods=["GET"]),
        Route("/" + START_PATH + "{token}", start_endpoint, methods=["POST"]),
    ]


def _dumps(body: dict) -> str:
    return json.dumps(body, allow_nan=False, separators=(",", ":"))


def _json(body: dict, status: int = 200) -> Response:
    return Response(
        _dumps(body),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def _request(request: Request) -> tuple[Source | None, int]:
    """The stream a request names (None when there is no such stream) and its ``after``."""
    source = _SOURCES.get(request.path_params.get("token", ""))
    try:
        after = int(request.query_params.get("after", "-1"))
    except ValueError:
        after = -1
    return source, after


_NO_SUCH_STREAM = {"error": "no such stream (the session ended or its settings changed)"}


def _subscribe(source: Source) -> tuple[asyncio.Event, Callable[[], None]]:
    """An event set (on this loop's own thread) whenever the source's version grows, from
    the training thread; and its unsubscriber."""
    loop = asyncio.get_running_loop()
    news = asyncio.Event()
    return news, source.listen(lambda: loop.call_soon_threadsafe(news.set))


async def _until_newer(source: Source, after: int, news: asyncio.Event, wait: float) -> None:
    """Return once the source's version is past ``after`` (``news`` says when it may be),
    or after ``wait`` seconds. Waits without a task of its own (``asyncio.timeout``, not
    ``wait_for``): a frame then costs the server's loop few turns, and so few hand-overs
    of the interpreter lock to and from the training thread."""
    if source.version() <= after:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await news.wait()


async def _newer(source: Source, after: int) -> None:
    """Return once the source's version is past ``after``, or after ``WAIT`` seconds."""
    news, unlisten = _subscribe(source)
    try:
        await _until_newer(source, after, news, WAIT)
    finally:
        unlisten()


async def frame_endpoint(request: Request) -> Response:
    """The newest frame of a stream once it is newer than ``?after=<version>``."""
    source, after = _request(request)
    if source is None:
        return _json(_NO_SUCH_STREAM, 404)
    try:
        if source.version() <= after:
            await _newer(source, after)
        return _json(source.frame())
    except Exception as err:  # noqa: BLE001 - the panel keeps its last frame and stops asking
        return _json({"error": f"{type(err).__name__}: {err}"}, 500)


async def history_endpoint(request: Request) -> Response:
    """The run's history as a CSV file (built in a worker thread: the server's loop goes
    on serving the other sessions meanwhile)."""
    source, _ = _request(request)
    if source is None or source.history is None:
        return _json(_NO_SUCH_STREAM, 404)
    try:
        text = await run_in_threadpool(source.history)
    except Exception as err:  # noqa: BLE001 - a message, not a traceback
        return _json({"error": f"{type(err).__name__}: {err}"}, 500)
    name = source.history_name.replace('"', "")
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
        },
    )


async def start_endpoint(request: Request) -> Response:
    """Start the stream's run afresh; answers the stream's ``version`` once it trains, so
    that the panel reads the frames newer than that."""
    source, _ = _request(request)
    if source is None or source.start is None:
        return _json(_NO_SUCH_STREAM, 404)
    try:
        # in a worker thread: starting may first wait for the run's previous chunk
        await run_in_threadpool(source.start)
        return _json({"version": source.version()})
    except Exception as err:  # noqa: BLE001 - the button falls back to a script run
        return _json({"error": f"{type(err).__name__}: {err}"}, 500)


async def stream_endpoint(request: Request) -> Response:
    """Every frame of a stream newer than ``?after=<version>`` as it comes, one JSON object
    per line, until a frame is not ``running`` (or ``STREAM_SECONDS`` have passed)."""
    source, after = _request(request)
    if source is None:
        return _json(_NO_SUCH_STREAM, 404)
    return StreamingResponse(
        _lines(source, after),
        media_type="application/x-ndjson",
        # "X-Accel-Buffering": a proxy (nginx) passes each line on as it comes
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


_ELIDE_LEN = 3  # shorter lists and dicts are sent again: naming them would cost as much


def _unchanged(value, before) -> bool:
    """True when ``value`` (a list or dict of a few items or more) equals ``before``."""
    return (
        isinstance(value, list | dict)
        and len(value) >= _ELIDE_LEN
        and type(value) is type(before)
        and (value is before or value == before)
    )


def _elide(frame: dict, before: dict | None) -> dict:
    """``frame`` as the next line of a stream whose previous line carried ``before``:
    lists and dicts equal to the previous line's, at the top level or one level down,
    are left out and their paths listed in ``same`` (e.g. ``[["right", "points"]]``);
    the panel copies them from the line before. The first line (no ``before``) is the
    frame itself."""
    if not before:
        return frame
    same: list[list[str]] = []
    out = dict(frame)
    for key, value in frame.items():
        old = before.get(key)
        if _unchanged(value, old):
            same.append([key])
            del out[key]
        elif isinstance(value, dict) and isinstance(old, dict):
            inner = {k: v for k, v in value.items() if not _unchanged(v, old.get(k))}
            if len(inner) < len(value):
                same.extend([key, k] for k in value if k not in inner)
                out[key] = inner
    if same:
        out["same"] = same
    return out


async def _lines(source: Source, after: int):
    """The stream's lines: at once a frame newer than ``after`` (or ``{}``), then a frame
    whenever the version grows, ``{}`` after ``WAIT`` seconds without one; ends after a
    frame that is not running, an error line, or ``STREAM_SECONDS``."""
    loop = asyncio.get_running_loop()
    end = loop.time() + STREAM_SECONDS
    sent = None  # the last frame of this response, for :func:`_elide`
    news, unlisten = _subscribe(source)  # one subscription for the whole response
    try:
        while True:
            news.clear()  # before the version is read: a newer one sets it again
            try:
                frame = source.frame() if source.version() > after else None
                line = "{}" if frame is None else _dumps(_elide(frame, sent))
            except Exception as err:  # noqa: BLE001 - the panel keeps its last frame
                yield _dumps({"error": f"{type(err).__name__}: {err}"}) + "\n"
                return
            if frame is not None:
                after = int(frame.get("version", after))
                sent = frame
            yield line + "\n"
            if (frame is not None and not frame.get("running", False)) or loop.time() >= end:
                return
            if frame is not None and source.every > 0:
                await asyncio.sleep(source.every)  # what comes meanwhile makes one frame
            await _until_newer(source, after, news, min(WAIT, max(0.0, end - loop.time())))
    finally:
        unlisten()
