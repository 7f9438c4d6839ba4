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
app's React tree, both of which would compete with the first steps of training. It is
guarded as Streamlit guards its own upload route: it takes a request from the app's own
origin (or one that ``server.enableCORS`` / ``server.corsAllowedOrigins`` allow) that
carries the session's XSRF token (the ``_streamlit_xsrf`` cookie, repeated in the
``X-Xsrftoken`` header) when ``server.enableXsrfProtection`` is on; anything else gets 403.
The read-only routes need only the token: they send no CORS headers, so a page on another
origin cannot read what they answer, whatever ``server.enableCORS`` says.

Every path under ``/_probnn/`` is the app's own: a method a route does not take gets 405
(with ``Allow``), an unknown path 404, never the app's page.

``app.py`` mounts :func:`routes` on the server (``st.App``); :func:`served` then says so to
the pages, and a page that is run without it (``streamlit run main.py``, AppTest) sends
every frame as an element, as before.

Each stream is a :class:`Source` owned by one session (kept in its ``st.session_state``)
under a random token, so no session can read another's without its token. A token lives
as long as its stream and its session: a stream that a newer one of the same ``key``
replaces (new settings, a new run) is closed, and a stream whose Streamlit session has
ended (closed and no longer kept for a reconnect: ``server.disconnectedSessionTTL``)
answers 404, whether or not the garbage collector has freed it yet. (A response already
under way when its stream is replaced goes on until its run stops, as it would have: the
panel that reads it is about to make way for the new stream's, and should not take the
end of its stream for a failure. One whose session has ended stops.) A request waits
(up to ``WAIT`` seconds) until the source has something newer than the version the panel
already shows, so the panel asks once per frame; a stream sends a frame whenever there is
a newer one, and an empty line ``{}`` after ``WAIT`` seconds without one.

Within one streamed response, a line leaves out what has not changed since the line
before (see :func:`_elide`): the data points under the model, for instance, never move
while a run trains, so the first line of a response carries them and the next ones
only name them in ``same``. That halves what a frame costs to encode, compress and send.

When the server is told to stop (SIGTERM, Ctrl+C), open streams end at once instead of
holding the server up to ``STREAM_SECONDS``: :func:`lifespan`, given to ``st.App``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import signal
import threading
import weakref
import zlib
from collections.abc import AsyncIterator, Callable, Hashable
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Match, Route
from streamlit.runtime import Runtime
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.web.server.server_util import (
    allow_all_cross_origin_requests,
    is_allowed_origin,
    is_xsrf_enabled,
)
from streamlit.web.server.starlette.starlette_app_utils import validate_xsrf_token
from streamlit.web.server.starlette.starlette_server_config import XSRF_COOKIE_NAME
from streamlit.web.server.starlette.starlette_websocket import is_host_allowed

__all__ = [
    "HISTORY_PATH",
    "PATH",
    "STREAM_PATH",
    "STREAM_SECONDS",
    "WAIT",
    "Source",
    "lifespan",
    "routes",
    "served",
    "stop",
]

PATH = "_probnn/frame/"  # relative to the app's base URL
STREAM_PATH = "_probnn/stream/"
HISTORY_PATH = "_probnn/history/"
START_PATH = "_probnn/start/"
WAIT = 2.0  # seconds a request waits for a newer frame before answering with the current one
STREAM_SECONDS = 60.0  # a stream ends after this long; the panel then opens the next one

_LOG = logging.getLogger(__name__)
# Registered streams by token, and by (session, key) to find the one a new stream replaces.
# Weak: a dropped stream's memory goes when the collector frees it; its token is closed
# before that (Source.close, or its session's end: Source.alive).
_SOURCES: weakref.WeakValueDictionary[str, Source] = weakref.WeakValueDictionary()
_KEYED: weakref.WeakValueDictionary[tuple, Source] = weakref.WeakValueDictionary()
_LOCK = threading.Lock()
_SERVED = [False]
_STOPPING = [False]  # the server is shutting down: streams end, no run starts
# The wake-up of every request that waits for a newer frame (callables safe from any
# thread): a stopping server ends the waits at once.
_WAITING: set[Callable[[], None]] = set()


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
    newest one at most this often).

    ``session``: the Streamlit session the stream belongs to; by default that of the
    script run that creates it (None outside one: then no session is checked). The
    routes answer 404 once that session has ended. ``key``: what the session keeps the
    stream under (e.g. its ``st.session_state`` key); a newer stream of the same session
    and key closes this one. :meth:`close` ends the token at once.

    ``watched``: called whenever a stream sends a line or the one-frame route answers,
    so that the run knows its page is open even while it waits for its turn and has no
    new frame (``probnn.live.LiveRun.watched``: a run nobody watches pauses itself)."""

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
        session: str | None = None,
        key: Hashable | None = None,
        watched: Callable[[], None] | None = None,
    ):
        self.version = version
        self.watched = watched
        self.frame = frame
        self.listen = listen
        self.owner = owner
        self.history = history
        self.history_name = history_name
        self.every = every
        self.start = start
        self.session = session if session is not None else _this_session()
        self.key = key
        self.closed = False
        self.token = secrets.token_urlsafe(18)
        with _LOCK:
            replaced = None if key is None else _KEYED.get((self.session, key))
            _SOURCES[self.token] = self
            if key is not None:
                _KEYED[(self.session, key)] = self
        if replaced is not None:
            replaced.close()

    def close(self) -> None:
        """End this stream's token: a request for it answers 404 from now on. Safe from
        any thread; closing twice does nothing."""
        with _LOCK:
            self.closed = True
            if _SOURCES.get(self.token) is self:
                del _SOURCES[self.token]
            if self.key is not None and _KEYED.get((self.session, self.key)) is self:
                del _KEYED[(self.session, self.key)]

    def session_alive(self) -> bool:
        """True while the stream's session (if it has one) exists in Streamlit's runtime.
        Call on the server's event loop (the session lookup)."""
        return self.session is None or _session_exists(self.session)

    def alive(self) -> bool:
        """True while the routes take requests for this stream: not closed, and its
        session still exists."""
        return not self.closed and self.session_alive()

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


def _this_session() -> str | None:
    """The id of the Streamlit session whose script run calls this (None outside one)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.session_id


def _session_exists(session_id: str) -> bool:
    """True while Streamlit's runtime has the session: connected, or disconnected and still
    kept for a reconnect (``server.disconnectedSessionTTL``). Call on the event loop, as
    Streamlit's own routes do (the stored sessions are read there)."""
    if not Runtime.exists():
        return False
    runtime = Runtime.instance()
    if runtime.is_active_session(session_id):
        return True
    # A disconnected session waits in the session manager's storage until it is resumed
    # or its time is up; the runtime has no public call for that, so this reads the
    # manager's (a Streamlit without it: only connected sessions count).
    manager = getattr(runtime, "_session_mgr", None)
    get_info = getattr(manager, "get_session_info", None)
    return get_info is not None and get_info(session_id) is not None


def served() -> bool:
    """True when this server answers the frame routes (the app was started by app.py)."""
    return _SERVED[0]


class _Route(Route):
    """A route under ``/_probnn/`` that answers any method: one it does not take gets 405
    with ``Allow`` instead of falling through to the app's page (Streamlit's router
    serves the page for a path that no route takes fully). ``methods=None``: any method
    (the catch-all for unknown paths)."""

    def __init__(self, path: str, endpoint, methods: list[str] | None):
        super().__init__(path, endpoint, methods=methods or ["GET"])
        if methods is None:
            self.methods = None

    def matches(self, scope):
        match, child = super().matches(scope)
        return (Match.FULL if match is Match.PARTIAL else match), child

    async def handle(self, scope, receive, send) -> None:
        if self.methods and scope["method"] not in self.methods:
            allow = ", ".join(sorted(self.methods))
            response = _json({"error": f"method not allowed (allowed: {allow})"}, 405)
            response.headers["Allow"] = allow
            await response(scope, receive, send)
        else:
            await super().handle(scope, receive, send)


def routes() -> list[Route]:
    """The frame routes, for ``st.App(routes=...)``; also marks them as served."""
    _SERVED[0] = True
    return [
        _Route("/" + PATH + "{token}", frame_endpoint, ["GET"]),
        _Route("/" + STREAM_PATH + "{token}", stream_endpoint, ["GET"]),
        _Route("/" + HISTORY_PATH + "{token}", history_endpoint, ["GET"]),
        _Route("/" + START_PATH + "{token}", start_endpoint, ["POST"]),
        _Route("/_probnn", _unknown_endpoint, None),
        _Route("/_probnn/{rest:path}", _unknown_endpoint, None),
    ]


def _dumps(body: dict) -> str:
    return json.dumps(body, allow_nan=False, separators=(",", ":"))


# Every answer: never cached, never sniffed as another type (a page elsewhere cannot
# load a frame as a script or a style sheet).
_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _json(body: dict, status: int = 200) -> Response:
    return Response(
        _dumps(body), status_code=status, media_type="application/json", headers=_HEADERS
    )


_NO_SUCH_STREAM = {"error": "no such stream (the session ended or its settings changed)"}
_STOPPING_ERROR = {"error": "the server is shutting down"}


def _refusal(request: Request) -> Response | None:
    """403 (or 503) for a request that the routes do not serve whatever its token: its
    Host is not in ``server.allowedHosts`` (the check Streamlit's WebSocket makes), or
    the server is shutting down."""
    if not is_host_allowed(request.headers.get("Host")):
        return _json({"error": "this host is not in server.allowedHosts"}, 403)
    if _STOPPING[0]:
        return _json(_STOPPING_ERROR, 503)
    return None


def _request(request: Request) -> tuple[Source | None, int]:
    """The stream a request names (None when there is no such stream, or no longer one)
    and its ``after``."""
    source = _SOURCES.get(request.path_params.get("token", ""))
    if source is not None and not source.alive():
        source = None
    try:
        after = int(request.query_params.get("after", "-1"))
    except ValueError:
        after = -1
    return source, after


def _cross_site(request: Request) -> str | None:
    """Why a request that changes something (the start route) is refused, or None.

    As Streamlit guards its upload route: with ``server.enableXsrfProtection`` on, the
    request carries the ``_streamlit_xsrf`` cookie's token in its ``X-Xsrftoken``
    header (a page on another site can neither read the cookie nor set it). And as its
    WebSocket checks the ``Origin``: a request from a page (browsers send ``Origin``
    with every POST) comes from the app's own origin, or one that
    ``server.corsAllowedOrigins`` lists, or any when ``server.enableCORS`` is off. A
    program sends no ``Origin``; it still needs the XSRF token when that is on."""
    origin = request.headers.get("Origin")
    if origin is not None and not (
        urlsplit(origin).netloc == request.headers.get("Host")
        or allow_all_cross_origin_requests()
        or is_allowed_origin(origin)
    ):
        return "cross-origin request refused"
    if is_xsrf_enabled() and not validate_xsrf_token(
        request.headers.get("X-Xsrftoken"), request.cookies.get(XSRF_COOKIE_NAME)
    ):
        return "XSRF token missing or invalid"
    return None


def _subscribe(source: Source) -> tuple[asyncio.Event, Callable[[], None]]:
    """An event set (on this loop's own thread) whenever the source's version grows, from
    the training thread, or when the server stops; and its unsubscriber."""
    loop = asyncio.get_running_loop()
    news = asyncio.Event()

    def wake() -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits
            loop.call_soon_threadsafe(news.set)

    unlisten = source.listen(wake)
    with _LOCK:
        _WAITING.add(wake)

    def unsubscribe() -> None:
        with _LOCK:
            _WAITING.discard(wake)
        unlisten()

    return news, unsubscribe


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
    if (refused := _refusal(request)) is not None:
        return refused
    source, after = _request(request)
    if source is None:
        return _json(_NO_SUCH_STREAM, 404)
    try:
        if source.version() <= after:
            await _newer(source, after)
        if not source.session_alive():  # the session ended while the request waited
            return _json(_NO_SUCH_STREAM, 404)
        if source.watched is not None:
            source.watched()
        return _json(source.frame())
    except Exception as err:  # noqa: BLE001 - the panel keeps its last frame and stops asking
        return _json({"error": f"{type(err).__name__}: {err}"}, 500)


async def history_endpoint(request: Request) -> Response:
    """The run's history as a CSV file (built in a worker thread: the server's loop goes
    on serving the other sessions meanwhile)."""
    if (refused := _refusal(request)) is not None:
        return refused
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
        headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
    )


async def start_endpoint(request: Request) -> Response:
    """Start the stream's run afresh; answers the stream's ``version`` once it trains, so
    that the panel reads the frames newer than that. Only for the app's own pages (see
    :func:`_cross_site`): 403 otherwise, before the token is even looked up."""
    if (refused := _refusal(request)) is not None:
        return refused
    if (why := _cross_site(request)) is not None:
        return _json({"error": why}, 403)
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
    per line, until a frame is not ``running`` (or ``STREAM_SECONDS`` have passed, the
    stream's session ends or the server stops)."""
    if (refused := _refusal(request)) is not None:
        return refused
    source, after = _request(request)
    if source is None:
        return _json(_NO_SUCH_STREAM, 404)
    lines, headers = _lines(source, after), {**_HEADERS, "Vary": "Accept-Encoding"}
    if _takes_gzip(request):
        lines, headers["Content-Encoding"] = _gzipped(lines), "gzip"
    return StreamingResponse(
        lines,
        media_type="application/x-ndjson",
        # "X-Accel-Buffering": a proxy (nginx) passes each line on as it comes
        headers={**headers, "X-Accel-Buffering": "no"},
    )


# A stream is gzipped here, quickly, rather than by the server's middleware: that one
# compresses at level 9, which cost the server about 0.5 ms a line for a map frame of
# 15 kB against 0.14 ms at level 1, for 4.9 kB sent instead of 5.5 kB.
GZIP_LEVEL = 1


def _takes_gzip(request: Request) -> bool:
    """True when the request's Accept-Encoding takes gzip (not with q=0)."""
    for coding in request.headers.get("accept-encoding", "").split(","):
        name, *params = (part.strip().lower() for part in coding.split(";"))
        if name != "gzip":
            continue
        weight = next((p.partition("=")[2] for p in params if p.startswith("q=")), "1")
        try:
            return float(weight) > 0
        except ValueError:
            return False
    return False


async def _gzipped(lines: AsyncIterator[str]) -> AsyncIterator[bytes]:
    """``lines`` gzipped as one body, flushed after each line so that it arrives whole
    as it comes (a server's middleware leaves a body that says its encoding alone)."""
    packer = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    async with contextlib.aclosing(lines):
        async for line in lines:
            yield packer.compress(line.encode()) + packer.flush(zlib.Z_SYNC_FLUSH)
    yield packer.flush()


async def _unknown_endpoint(request: Request) -> Response:
    """Any other path under ``/_probnn``: 404, not the app's page."""
    return _json({"error": "no such route"}, 404)


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
            if _STOPPING[0] or not source.session_alive():
                return  # a next request learns why (503 or 404)
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
            if source.watched is not None:
                source.watched()
            if (frame is not None and not frame.get("running", False)) or loop.time() >= end:
                return
            if frame is not None and source.every > 0:
                await asyncio.sleep(source.every)  # what comes meanwhile makes one frame
            await _until_newer(source, after, news, min(WAIT, max(0.0, end - loop.time())))
    finally:
        unlisten()


# ------------------------------------------------------------------ shutting down


def stop(on_stop: Callable[[], None] | None = None) -> None:
    """The server is shutting down: open streams and waits end now (their connections then
    close, which the server waits for before it exits), new requests get 503, and
    ``on_stop()`` is called (e.g. to pause every run). Call on the server's event loop;
    only the first call does anything."""
    with _LOCK:
        if _STOPPING[0]:
            return
        _STOPPING[0] = True
        wakes = list(_WAITING)
    for wake in wakes:
        wake()
    if on_stop is not None:
        try:
            on_stop()
        except Exception:  # noqa: BLE001 - the server stops all the same
            _LOG.exception("stopping the runs failed")


_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def lifespan(on_stop: Callable[[], None] | None = None):
    """A lifespan for ``st.App(lifespan=...)`` that calls :func:`stop` as soon as the
    server is told to stop (SIGTERM or SIGINT), not only once it has stopped.

    The server (uvicorn) stops on those signals by waiting for every open response to
    end before the app's lifespan ends: a stream would hold it up to ``STREAM_SECONDS``.
    So this chains a handler in front of the server's own for the lifespan's duration
    (then puts the server's back): it hands :func:`stop` to the event loop, where it is
    safe to run, and passes the signal on. Where signals cannot be caught (not the main
    thread), the streams end when the lifespan does."""

    @contextlib.asynccontextmanager
    async def span(_app):
        loop = asyncio.get_running_loop()

        def on_signal() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(stop, on_stop)

        restore = _chain_signals(on_signal)
        try:
            yield None
        finally:
            restore()
            stop(on_stop)

    return span


def _chain_signals(callback: Callable[[], None]) -> Callable[[], None]:
    """Call ``callback()`` first on SIGTERM and SIGINT, then the handler there was; returns
    what puts that handler back. Does nothing off the main thread."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    before = {}
    for sig in _SIGNALS:
        previous = signal.getsignal(sig)

        def handler(signum, frame, previous=previous):
            callback()  # only hands the work to the loop: a handler may run anywhere
            if callable(previous):
                previous(signum, frame)
            elif previous == signal.SIG_DFL:
                signal.signal(signum, signal.SIG_DFL)
                signal.raise_signal(signum)

        before[sig] = (previous, handler)
        signal.signal(sig, handler)

    def restore() -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for sig, (previous, handler) in before.items():
            if signal.getsignal(sig) is handler and previous is not None:
                signal.signal(sig, previous)

    return restore
