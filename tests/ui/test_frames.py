"""The live panel's frame routes (ui/frames.py), driven as an ASGI app: what they answer,
who may start a run (same origin, Streamlit's XSRF token), how long a token lives (its
stream and its session), and what a stopping server does to open streams."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from streamlit.testing.v1.util import patch_config_options
from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

from ui import frames


@pytest.fixture(autouse=True)
def _served_only_here(monkeypatch):
    """frames.routes() marks the route as served for the whole process; the pages'
    tests (AppTest, no route) must not see that. A test that stops the routes stops
    only its own."""
    monkeypatch.setattr(frames, "_SERVED", [False])
    monkeypatch.setattr(frames, "_STOPPING", [False])


class Counter:
    """A stream whose version the test moves by hand, with optional listeners."""

    def __init__(self):
        self.value = 0
        self.listeners = []

    def bump(self):
        self.value += 1
        for callback in list(self.listeners):
            callback()

    def listen(self, callback):
        self.listeners.append(callback)
        return lambda: self.listeners.remove(callback)


def get(path: str) -> tuple[int, dict, dict]:
    """One GET through the ASGI app; (status, headers, JSON body)."""
    status, headers, body = request(path)
    return status, headers, json.loads(body)


def stream(path: str, disconnect_after: float | None = None) -> tuple[int, dict, list[dict]]:
    """One GET of a stream; (status, headers, the JSON object of every line)."""
    status, headers, body = request(path, disconnect_after)
    text = body.decode()
    if status != 200:
        return status, headers, [json.loads(text)]
    assert text.endswith("\n"), text  # every line is complete
    return status, headers, [json.loads(line) for line in text.splitlines()]


async def _app_page(request):
    return PlainTextResponse("<html>the app's page</html>")


# Streamlit's router ends with a route that serves the app's page for any other GET path
# (a page's deep link): the frame routes come before it, as st.App puts them.
PAGE = Route("/{path:path}", _app_page, methods=["GET"])
HOST = "127.0.0.1:8501"


def request(
    path: str,
    disconnect_after: float | None = None,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    parts: list[bytes] | None = None,
) -> tuple[int, dict, bytes]:
    """One request (a GET unless ``method``; with the Host header ``HOST`` and
    ``headers``) through the ASGI app; (status, headers, body). The client stays until
    the response is complete, or leaves after ``disconnect_after`` seconds. ``parts``
    gets the body's pieces as they were sent."""
    app = Starlette(routes=[*frames.routes(), PAGE])
    headers = {"host": HOST, **{k.lower(): v for k, v in (headers or {}).items()}}
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict] = []
    asked = []

    async def receive():
        if not asked:
            asked.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        if disconnect_after is None:
            await asyncio.Event().wait()  # the client never leaves (the response ends first)
        await asyncio.sleep(disconnect_after)
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # on a thread of its own: another test (the browser's) may have a loop running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    pieces = [m.get("body", b"") for m in sent if m["type"] == "http.response.body"]
    if parts is not None:
        parts.extend(pieces)
    body = b"".join(pieces)
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body


def source(counter: Counter, **extra) -> frames.Source:
    return frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True, **extra},
        counter.listen,
    )


def test_routes_mark_the_route_as_served():
    assert [r.path for r in frames.routes()][:4] == [
        "/" + frames.PATH + "{token}",
        "/" + frames.STREAM_PATH + "{token}",
        "/" + frames.HISTORY_PATH + "{token}",
        "/" + frames.START_PATH + "{token}",
    ]
    assert frames.served()


def test_a_newer_frame_is_answered_at_once_and_never_cached():
    counter = Counter()
    counter.value = 5
    src = source(counter, label="step 5")
    status, headers, body = get(f"/{src.path}?after=4")
    assert status == 200 and body == {"version": 5, "running": True, "label": "step 5"}
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"].startswith("application/json")


def test_a_request_waits_for_the_next_version(monkeypatch):
    monkeypatch.setattr(frames, "WAIT", 10.0)
    counter = Counter()
    src = source(counter)
    timer = threading.Timer(0.2, counter.bump)  # the training thread publishes later
    timer.start()
    t0 = time.monotonic()
    status, _, body = get(f"/{src.path}?after=0")
    waited = time.monotonic() - t0
    timer.join()
    assert status == 200 and body["version"] == 1
    assert 0.15 < waited < 5.0
    assert counter.listeners == []  # the request unsubscribed


def test_with_nothing_new_the_current_frame_comes_after_the_wait(monkeypatch):
    monkeypatch.setattr(frames, "WAIT", 0.1)
    counter = Counter()
    counter.value = 3
    src = source(counter)
    status, _, body = get(f"/{src.path}?after=3")
    assert status == 200 and body["version"] == 3


@pytest.mark.parametrize("after", ["", "abc", "1e3", "-"])
def test_a_bad_after_parameter_counts_as_none(after):
    counter = Counter()
    src = source(counter)
    status, _, body = get(f"/{src.path}?after={after}")
    assert status == 200 and body["version"] == 0


def test_an_unknown_token_is_404_and_a_dropped_stream_is_freed():
    status, _, body = get(f"/{frames.PATH}not-a-token")
    assert status == 404 and "no such stream" in body["error"]
    counter = Counter()
    src = source(counter)
    path = src.path
    assert get(f"/{path}")[0] == 200
    del src  # the session state let go of it: the registry does not keep it
    gc.collect()
    assert get(f"/{path}")[0] == 404


def test_tokens_are_distinct_and_unguessable():
    counter = Counter()
    tokens = {source(counter).token for _ in range(50)}
    assert len(tokens) == 50 and min(len(t) for t in tokens) >= 24


def test_a_frame_that_is_not_strict_json_is_an_error_not_nan():
    counter = Counter()
    src = source(counter, loss=math.nan)
    status, _, body = get(f"/{src.path}")
    assert status == 500 and "ValueError" in body["error"]


# ------------------------------------------------------------------- the streamed route


def running_until(counter: Counter, last: int, **extra) -> frames.Source:
    """A source whose frames say ``running`` until the version reaches ``last``."""
    return frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": counter.value < last, **extra},
        counter.listen,
    )


def publish(counter: Counter, times: int, every: float) -> threading.Thread:
    """Bump the version ``times`` times, ``every`` seconds apart, from another thread (as
    the training thread publishes its snapshots)."""

    def work():
        for _ in range(times):
            time.sleep(every)
            counter.bump()

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_a_stream_sends_each_new_frame_as_a_line_and_ends_when_training_stops():
    counter = Counter()
    src = running_until(counter, last=5, label="x")
    thread = publish(counter, 5, 0.05)
    status, headers, lines = stream(f"/{src.stream_path}?after=0")
    thread.join()
    assert status == 200
    assert headers["cache-control"] == "no-store"
    assert headers["content-type"].startswith("application/x-ndjson")
    assert headers["x-accel-buffering"] == "no"
    frames_ = [line for line in lines if line]
    versions = [f["version"] for f in frames_]
    assert versions == sorted(set(versions)) and versions[-1] == 5  # in order, none twice
    assert len(versions) >= 3  # frame by frame, not only the last one
    assert frames_[-1]["running"] is False and all(f["running"] for f in frames_[:-1])
    assert all(f["label"] == "x" for f in frames_)
    assert counter.listeners == []  # the stream unsubscribed


@pytest.mark.parametrize(
    ("accept", "zipped"),
    [("gzip, deflate, br, zstd", True), ("br;q=1.0, gzip;q=0.5", True),
     ("gzip;q=0", False), ("deflate", False), ("", False), ("gzip;q=x", False)],
)
def test_a_stream_is_gzipped_when_asked_and_each_piece_brings_whole_lines(accept, zipped):
    """A browser asks for gzip: the stream comes gzipped (here, at a cheap level, so the
    server's own level-9 middleware leaves it alone), flushed after each line, so every
    piece sent unzips to whole lines as it arrives; the lines are those of a plain
    stream. Without gzip in Accept-Encoding (or with q=0), it comes plain."""
    counter = Counter()
    src = running_until(counter, last=4, label="x" * 2000)
    thread = publish(counter, 4, 0.05)
    parts: list[bytes] = []
    status, headers, body = request(
        f"/{src.stream_path}?after=0", headers={"Accept-Encoding": accept}, parts=parts
    )
    thread.join()
    assert status == 200 and "Accept-Encoding" in headers["vary"]
    if not zipped:
        assert "content-encoding" not in headers
        plain = [json.loads(line) for line in body.splitlines()]
        assert [f["version"] for f in plain if f][-1] == 4
        return
    assert headers["content-encoding"] == "gzip"
    unzip = zlib.decompressobj(16 + zlib.MAX_WBITS)
    lines = []
    for piece in parts:
        text = unzip.decompress(piece).decode()
        assert text == "" or text.endswith("\n")  # whole lines, as they come
        lines += [json.loads(line) for line in text.splitlines()]
    assert unzip.eof  # the gzip body ends properly
    assert [f["version"] for f in lines if f][-1] == 4 and lines[-1]["running"] is False
    assert len(body) < len(zlib.decompress(body, 16 + zlib.MAX_WBITS)) / 10  # it is compressed


def unelide(lines: list[dict]) -> list[dict]:
    """The frames of a stream's lines as the panel rebuilds them (live_panel.js,
    ``unelide``): what a line names in ``same`` comes from the frame before."""
    out, before = [], None
    for line in lines:
        frame = json.loads(json.dumps(line))
        for path in frame.pop("same", []):
            to, source = frame, before
            for key in path[:-1]:
                to, source = to[key], source[key]
            to[path[-1]] = source[path[-1]]
        if "version" in frame:
            before = frame
        out.append(frame)
    return out


def test_a_stream_leaves_out_what_the_line_before_carried():
    """The data under the model never move while a run trains: the first line of a
    response carries them, the next ones name them in ``same``, and the panel's copy
    rebuilds every frame whole. A request for one frame always gets it whole."""
    counter = Counter()
    points = {"x": [0.5] * 300, "y": [0.25] * 300, "c": [0, 1] * 150}
    steps = [[1, 2], [3, 4], [5, 6]]  # a top-level list that does not change either

    def frame():
        k = counter.value
        return {
            "version": k,
            "running": k < 4,
            "label": f"step {k}",
            "steps": list(steps),
            "series": [{"y": [0.7, 0.6 - k / 100]}],  # changes every frame
            "right": {"kind": "map", "points": dict(points), "picture": {"rgb": str(k)}},
        }

    src = frames.Source(lambda: counter.value, frame, counter.listen)
    thread = publish(counter, 4, 0.05)
    status, _, lines = stream(f"/{src.stream_path}?after=0")
    thread.join()
    sent = [line for line in lines if line]
    assert status == 200 and len(sent) >= 3
    assert "same" not in sent[0] and sent[0]["right"]["points"] == points
    for line in sent[1:]:
        assert sorted(line["same"]) == [["right", "points"], ["steps"]]
        assert "points" not in line["right"] and "steps" not in line
        assert line["right"]["picture"] == {"rgb": str(line["version"])}
    whole = unelide(sent)
    for got in whole:
        expect = dict(frame(), version=got["version"], running=got["version"] < 4)
        expect["label"] = f"step {got['version']}"
        expect["series"] = [{"y": [0.7, 0.6 - got["version"] / 100]}]
        expect["right"] = dict(expect["right"], picture={"rgb": str(got["version"])})
        assert got == expect
    assert len(json.dumps(sent[1])) < len(json.dumps(sent[0])) / 3
    status, _, one = get(f"/{src.path}?after=0")
    assert status == 200 and "same" not in one and one["right"]["points"] == points


def test_a_stream_with_a_least_gap_sends_the_newest_frame_at_that_pace():
    """Several runs watched as one publish many versions a second: a stream with
    ``every`` sends the newest at most that often, and still ends with the last."""
    counter = Counter()
    src = running_until(counter, last=40)
    src.every = 0.25
    thread = publish(counter, 40, 0.02)  # 50 versions a second for 0.8 s
    status, _, lines = stream(f"/{src.stream_path}?after=0")
    thread.join()
    versions = [f["version"] for f in lines if f]
    assert status == 200 and versions[-1] == 40 and versions == sorted(set(versions))
    assert 2 <= len(versions) <= 6, versions  # about one per 0.25 s, not one per version
    counter2 = Counter()  # without a gap (the default): every version as it comes
    plain = running_until(counter2, last=20)
    thread = publish(counter2, 20, 0.04)
    lines = stream(f"/{plain.stream_path}?after=0")[2]
    thread.join()
    assert len([f for f in lines if f]) >= 10


def test_a_stream_starts_with_the_newer_frame_or_an_empty_line():
    counter = Counter()
    counter.value = 3
    src = running_until(counter, last=3)  # not running: the first frame is the last
    assert stream(f"/{src.stream_path}?after=2")[2] == [{"version": 3, "running": False}]
    counter2 = Counter()
    src2 = running_until(counter2, last=1)
    thread = publish(counter2, 1, 0.2)
    lines = stream(f"/{src2.stream_path}?after=0")[2]
    thread.join()
    assert lines[0] == {}  # at once, so that the panel knows the stream gets through
    assert lines[-1] == {"version": 1, "running": False}


def test_a_quiet_stream_sends_empty_lines_and_ends_after_its_time(monkeypatch):
    monkeypatch.setattr(frames, "WAIT", 0.05)
    monkeypatch.setattr(frames, "STREAM_SECONDS", 0.4)
    counter = Counter()
    src = running_until(counter, last=10)
    t0 = time.monotonic()
    status, _, lines = stream(f"/{src.stream_path}?after=0")
    took = time.monotonic() - t0
    assert status == 200 and 0.35 < took < 5.0
    assert set(map(json.dumps, lines)) == {"{}"} and len(lines) >= 3
    assert counter.listeners == []


def test_every_line_sent_and_every_frame_answered_tells_the_source_it_is_watched(monkeypatch):
    monkeypatch.setattr(frames, "WAIT", 0.05)
    monkeypatch.setattr(frames, "STREAM_SECONDS", 0.3)
    counter = Counter()
    seen = []
    src = frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True},
        counter.listen,
        watched=lambda: seen.append(1),
    )
    _, _, lines = stream(f"/{src.stream_path}?after=0")  # nothing new: empty lines only
    assert len(seen) == len(lines) >= 3
    get(f"/{src.path}?after=0")
    assert len(seen) == len(lines) + 1


def test_a_stream_stops_when_the_client_leaves(monkeypatch):
    monkeypatch.setattr(frames, "STREAM_SECONDS", 30.0)
    counter = Counter()
    src = running_until(counter, last=10**9)
    stop = threading.Event()

    def work():
        while not stop.wait(0.02):
            counter.bump()

    thread = threading.Thread(target=work)
    thread.start()
    t0 = time.monotonic()
    try:
        status, _, body = request(f"/{src.stream_path}?after=0", disconnect_after=0.3)
    finally:
        stop.set()
        thread.join()
    assert status == 200 and time.monotonic() - t0 < 10.0
    assert body.count(b"\n") >= 3
    assert counter.listeners == []


def test_a_stream_of_an_unknown_token_is_404_and_a_bad_frame_ends_it_with_an_error():
    status, _, lines = stream(f"/{frames.STREAM_PATH}not-a-token")
    assert status == 404 and "no such stream" in lines[0]["error"]
    counter = Counter()
    counter.value = 1
    src = running_until(counter, last=5, loss=math.nan)
    status, _, lines = stream(f"/{src.stream_path}?after=0")
    assert status == 200 and len(lines) == 1 and "ValueError" in lines[0]["error"]


def test_the_history_route_answers_a_csv_file_built_on_request():
    counter, built = Counter(), []

    def history():
        built.append(counter.value)
        return f"step,loss\n{counter.value},0.5\n"

    src = frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value},
        counter.listen,
        history=history,
        history_name="probnn-binary-seed3.csv",
    )
    assert built == []  # nothing is built until the link is followed
    counter.bump()
    status, headers, body = request("/" + src.history_path)
    assert status == 200 and built == [1]
    assert body.decode() == "step,loss\n1,0.5\n"
    assert headers["content-type"].startswith("text/csv")
    assert headers["content-disposition"] == 'attachment; filename="probnn-binary-seed3.csv"'
    assert headers["cache-control"] == "no-store"
    counter.bump()  # each download is built anew: it has the run's latest steps
    assert request("/" + src.history_path)[2].decode().startswith("step,loss\n2,")


def test_the_history_route_of_an_unknown_or_historyless_stream_is_404_and_errors_are_said():
    counter = Counter()
    assert get("/" + frames.HISTORY_PATH + "nope")[0] == 404
    plain = source(counter)  # a stream without a history
    status, _, body = get("/" + plain.history_path)
    assert status == 404 and "no such stream" in body["error"]

    def broken():
        raise ValueError("the history is gone")

    bad = frames.Source(lambda: 0, dict, counter.listen, history=broken)
    status, headers, body = get("/" + bad.history_path)
    assert status == 500 and body == {"error": "ValueError: the history is gone"}
    assert headers["content-type"] == "application/json"


def xsrf(token: str | None = None, cookie: str | None = None) -> dict[str, str]:
    """What the panel's post carries from the app's own page: its origin, the
    ``_streamlit_xsrf`` cookie and the same token in ``X-Xsrftoken`` (``token`` or
    ``cookie`` given: another value there)."""
    value = generate_xsrf_token_string()
    return {
        "Origin": f"http://{HOST}",
        "Cookie": f"_streamlit_xsrf={cookie or value}",
        "X-Xsrftoken": token or value,
    }


def post(path: str, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """A POST as the panel sends it (``xsrf()``), unless ``headers`` says otherwise."""
    status, _, body = request(path, method="POST", headers=xsrf() if headers is None else headers)
    return status, json.loads(body)


def test_the_start_route_starts_the_run_and_answers_the_version_to_follow_from():
    counter = Counter()
    src = frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True},
        counter.listen,
        start=counter.bump,  # a run that starts publishes a new version
    )
    assert src.start_path == frames.START_PATH + src.token
    assert post("/" + src.start_path) == (200, {"version": 1})
    assert counter.value == 1
    assert post("/" + src.start_path) == (200, {"version": 2})  # Train again: afresh


def test_the_start_route_refuses_what_it_cannot_start():
    counter = Counter()
    no_start = source(counter)  # a stream that is only read (e.g. a comparison's)
    assert post("/" + frames.START_PATH + no_start.token)[0] == 404
    assert post("/" + frames.START_PATH + "not-a-token")[0] == 404
    status, _, _ = request("/" + frames.START_PATH + no_start.token)  # a GET starts nothing
    assert status == 405
    assert counter.value == 0

    def broken():
        raise RuntimeError("the run is gone")

    bad = frames.Source(lambda: 0, lambda: {}, counter.listen, start=broken)
    status, body = post("/" + bad.start_path)
    assert status == 500 and body == {"error": "RuntimeError: the run is gone"}


# ------------------------------------------------------------- who may start a run


def startable(counter: Counter) -> frames.Source:
    return frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True},
        counter.listen,
        start=counter.bump,
    )


def test_the_start_route_takes_only_the_apps_own_pages_with_the_xsrf_token():
    """As Streamlit's upload route: the token of the ``_streamlit_xsrf`` cookie, repeated
    in ``X-Xsrftoken``; a page on another site can neither read nor set that cookie. A
    refused post says why in a short JSON error and starts nothing."""
    counter = Counter()
    src = startable(counter)
    path = "/" + src.start_path
    own = xsrf()
    refused = {
        "no token at all": {"Origin": own["Origin"]},
        "a cookie but no header": {k: v for k, v in own.items() if k != "X-Xsrftoken"},
        "a header but no cookie": {k: v for k, v in own.items() if k != "Cookie"},
        "a header that is not the cookie's token": xsrf(token=generate_xsrf_token_string()),
        "a header that is no token": xsrf(token="2|nothex|x|1"),
        "another site's page, even with a token": {**xsrf(), "Origin": "https://evil.example"},
        "another port of the same host": {**xsrf(), "Origin": "http://127.0.0.1:9999"},
    }
    for what, headers in refused.items():
        status, body = post(path, headers)
        assert status == 403, what
        assert set(body) == {"error"} and len(body["error"]) < 80, what
        assert ("XSRF" in body["error"]) or ("cross-origin" in body["error"]), what
    assert counter.value == 0  # nothing started
    assert post(path, own) == (200, {"version": 1})
    program = {k: v for k, v in xsrf().items() if k != "Origin"}  # not a page: no Origin
    assert post(path, program) == (200, {"version": 2})


def test_a_refused_post_does_not_say_whether_the_token_exists():
    status, body = post("/" + frames.START_PATH + "not-a-token", {})
    assert status == 403 and "XSRF" in body["error"]


def test_with_xsrf_protection_off_the_origin_still_counts():
    """``server.enableXsrfProtection = false``: as Streamlit's own routes then, no token is
    asked for (Streamlit sets no cookie then); a page on another origin is still refused,
    unless ``server.corsAllowedOrigins`` lists it or ``server.enableCORS`` is off."""
    counter = Counter()
    src = startable(counter)
    path = "/" + src.start_path
    own = {"Origin": f"http://{HOST}"}
    other = {"Origin": "https://class.example"}
    with patch_config_options({"server.enableXsrfProtection": False}):
        assert post(path, own) == (200, {"version": 1})
        assert post(path, {}) == (200, {"version": 2})
        assert post(path, other)[0] == 403
        with patch_config_options({"server.corsAllowedOrigins": ["https://class.example"]}):
            assert post(path, other) == (200, {"version": 3})
        with patch_config_options({"server.enableCORS": False}):
            assert post(path, other) == (200, {"version": 4})
    with patch_config_options({"server.enableCORS": False}):
        # any origin, but the XSRF token is still asked for while protection is on
        assert post(path, other)[0] == 403
        assert post(path, {**xsrf(), **other}) == (200, {"version": 5})


def test_a_host_outside_the_allowed_hosts_is_refused_on_every_route():
    """``server.allowedHosts`` (Streamlit's check of its WebSocket's Host) holds for the
    frame routes too."""
    counter = Counter()
    src = startable(counter)
    with patch_config_options({"server.allowedHosts": ["app.example"]}):
        for path in (src.path, src.stream_path, src.history_path):
            status, _, body = request("/" + path)
            assert status == 403 and "allowedHosts" in json.loads(body)["error"], path
        assert post("/" + src.start_path)[0] == 403
        status, _, _ = request(
            "/" + src.path, headers={"Host": "app.example"}
        )
        assert status == 200
    assert counter.value == 0


# ------------------------------------------------- methods and paths under /_probnn


@pytest.mark.parametrize(
    ("route", "allowed"),
    [
        (frames.PATH, "GET, HEAD"),
        (frames.STREAM_PATH, "GET, HEAD"),
        (frames.HISTORY_PATH, "GET, HEAD"),
        (frames.START_PATH, "POST"),
    ],
)
def test_a_method_a_route_does_not_take_is_405_with_allow(route, allowed):
    """Not the app's page (Streamlit's last route serves it for any GET path that no route
    takes fully), and nothing started or read."""
    counter = Counter()
    src = startable(counter)
    methods = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} - set(allowed.split(", "))
    for method in sorted(methods):
        status, headers, body = request(f"/{route}{src.token}", method=method, headers=xsrf())
        assert status == 405, method
        assert headers["allow"] == allowed
        assert json.loads(body)["error"].startswith("method not allowed")
    assert counter.value == 0


@pytest.mark.parametrize("path", ["/_probnn", "/_probnn/", "/_probnn/xyz", "/_probnn/frame/",
                                  "/_probnn/frame/a/b", "/_probnn/start"])  # fmt: skip
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unknown_path_under_probnn_is_404_not_the_apps_page(path, method):
    status, headers, body = request(path, method=method)
    assert status == 404 and headers["content-type"] == "application/json"
    assert "error" in json.loads(body)
    assert request("/binary")[2] == b"<html>the app's page</html>"  # the rest is the page's


def test_every_answer_is_never_cached_nor_sniffed():
    counter = Counter()
    src = startable(counter)
    for path in (src.path, src.stream_path + "?after=0", "_probnn/x", frames.PATH + "nope"):
        headers = request("/" + path, disconnect_after=0.2)[1]
        assert headers["cache-control"] == "no-store", path
        assert headers["x-content-type-options"] == "nosniff", path


# ------------------------------------------------------------ how long a token lives


def test_a_closed_stream_is_404_on_every_route_and_its_open_response_goes_on():
    """Closed (e.g. the page's settings changed and made a new run): every request for it
    answers 404. A response already under way ends as it would have, with the run's last
    frame: the panel reading it is about to make way for the new stream's, and must not
    take an abrupt end for a failure."""
    counter = Counter()
    src = frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": counter.value < 2},
        counter.listen,
        history=lambda: "step\n",
        start=counter.bump,
    )

    def replaced():
        src.close()
        counter.bump()  # the page pauses the old run: its last frame
        counter.bump()

    timer = threading.Timer(0.3, replaced)
    timer.start()
    status, _, lines = stream(f"/{src.stream_path}?after=0")
    timer.join()
    assert status == 200 and lines[-1] == {"version": 2, "running": False}, lines
    assert counter.listeners == []
    for path in (src.path, src.stream_path, src.history_path):
        assert get("/" + path)[0] == 404, path
    assert post("/" + src.start_path)[0] == 404
    assert counter.value == 2
    src.close()  # twice: nothing more


def test_a_stream_replaced_by_a_newer_one_of_the_same_key_is_404(monkeypatch):
    """New settings make a new run and a new stream under the same key of the session:
    the old token ends then, not when the collector frees the old stream."""
    monkeypatch.setattr(frames, "_session_exists", lambda session: True)
    counter = Counter()
    old = frames.Source(lambda: 0, dict, counter.listen, session="s1", key="binary.stream")
    other = frames.Source(lambda: 0, dict, counter.listen, session="s1", key="binary.cmp")
    elsewhere = frames.Source(lambda: 0, dict, counter.listen, session="s2", key="binary.stream")
    keep = [old, other, elsewhere]  # held, as a reference cycle would hold them
    assert get("/" + old.path)[0] == 200
    new = frames.Source(lambda: 0, dict, counter.listen, session="s1", key="binary.stream")
    assert old.closed and get("/" + old.path)[0] == 404
    assert get("/" + new.path)[0] == 200
    # another key of the session, and the same key of another session, live on
    assert get("/" + other.path)[0] == 200 and get("/" + elsewhere.path)[0] == 200
    assert len(keep) == 3


def test_a_stream_whose_session_has_ended_is_404_even_while_still_referenced(monkeypatch):
    """Streamlit's post-script garbage collection is off here, and a reference cycle (the
    session state, the closures over the run) can keep a stream for minutes after its
    session: the routes ask Streamlit's runtime whether the session still exists."""
    monkeypatch.setattr(frames, "STREAM_SECONDS", 30.0)
    sessions = {"s1"}
    asked = []

    def exists(session):
        asked.append(session)
        return session in sessions

    monkeypatch.setattr(frames, "_session_exists", exists)
    counter = Counter()
    src = frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True},
        counter.listen,
        start=counter.bump,
        session="s1",
    )
    cycle = {"source": src}
    src.owner = cycle  # a cycle: only the collector could free it
    assert get("/" + src.path)[0] == 200 and "s1" in asked
    assert post("/" + src.start_path)[0] == 200

    # the session ends while a stream is open: the stream ends within a wait
    monkeypatch.setattr(frames, "WAIT", 0.1)
    timer = threading.Timer(0.3, sessions.clear)
    timer.start()
    t0 = time.monotonic()
    status, _, _ = stream(f"/{src.stream_path}?after=1")
    timer.join()
    assert status == 200 and time.monotonic() - t0 < 5.0
    for path in (src.path, src.stream_path):
        assert get("/" + path)[0] == 404, path
    assert post("/" + src.start_path)[0] == 404
    assert counter.value == 1
    assert cycle["source"] is src


def test_a_stream_made_in_a_script_run_belongs_to_that_session(monkeypatch):
    class Ctx:
        session_id = "the-session"

    monkeypatch.setattr(frames, "get_script_run_ctx", lambda suppress_warning=False: Ctx())
    assert frames.Source(lambda: 0, dict, Counter().listen).session == "the-session"
    monkeypatch.setattr(frames, "get_script_run_ctx", lambda suppress_warning=False: None)
    assert frames.Source(lambda: 0, dict, Counter().listen).session is None


def test_a_session_exists_while_connected_or_kept_for_a_reconnect(monkeypatch):
    """Streamlit keeps a disconnected session for ``server.disconnectedSessionTTL``
    seconds in case its browser comes back; a stream lives as long."""

    class Manager:
        stored = {"away"}

        def get_session_info(self, session_id):
            return object() if session_id in self.stored else None

    class FakeRuntime:
        _session_mgr = Manager()
        made = True

        @classmethod
        def exists(cls):
            return cls.made

        @classmethod
        def instance(cls):
            return cls

        @staticmethod
        def is_active_session(session_id):
            return session_id == "here"

    monkeypatch.setattr(frames, "Runtime", FakeRuntime)
    assert frames._session_exists("here") and frames._session_exists("away")
    assert not frames._session_exists("gone")
    FakeRuntime.made = False  # no Streamlit runtime in this process: no session at all
    assert not frames._session_exists("here")


# ------------------------------------------------------------------ shutting down


def test_stopping_ends_open_streams_at_once_and_refuses_new_requests(monkeypatch):
    monkeypatch.setattr(frames, "STREAM_SECONDS", 30.0)
    monkeypatch.setattr(frames, "WAIT", 10.0)
    counter = Counter()
    src = startable(counter)
    stopped = []
    loop_box = {}

    # frames.stop runs on the server's loop: the stream's own loop here
    real_subscribe = frames._subscribe

    def subscribe(source):
        loop_box["loop"] = asyncio.get_running_loop()
        return real_subscribe(source)

    monkeypatch.setattr(frames, "_subscribe", subscribe)

    def stop_later():
        time.sleep(0.3)
        loop_box["loop"].call_soon_threadsafe(frames.stop, lambda: stopped.append(True))

    thread = threading.Thread(target=stop_later)
    thread.start()
    t0 = time.monotonic()
    status, _, lines = stream(f"/{src.stream_path}?after=0")
    thread.join()
    assert status == 200 and time.monotonic() - t0 < 5.0  # not WAIT, not STREAM_SECONDS
    assert stopped == [True] and counter.listeners == []
    status, body = post("/" + src.start_path)
    assert status == 503 and "shutting down" in body["error"]
    assert get("/" + src.path)[0] == 503
    frames.stop(lambda: stopped.append(True))  # only the first call does anything
    assert stopped == [True] and counter.value == 0


LIFESPAN = """
import asyncio, signal
from ui import frames

seen = []
servers = lambda signum, frame: seen.append("server")
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, servers)

async def main():
    async with frames.lifespan(on_stop=lambda: seen.append("runs"))(None):
        assert signal.getsignal(signal.SIGTERM) is not servers
        signal.raise_signal(signal.SIGTERM)
        await asyncio.sleep(0.05)  # the loop runs frames.stop
        assert frames._STOPPING[0]
    assert signal.getsignal(signal.SIGTERM) is servers
    assert signal.getsignal(signal.SIGINT) is servers

asyncio.run(main())
print(seen)
"""


def test_the_lifespan_chains_the_servers_signal_handler_and_puts_it_back():
    """SIGTERM first ends the streams (on the loop), then reaches the server's handler
    (which starts its shutdown); after the lifespan the server's handler is back. In a
    process of its own: signals are caught on the main thread only, where the browser
    tests' loop may run."""
    done = subprocess.run(
        [sys.executable, "-c", LIFESPAN],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "['server', 'runs']"
