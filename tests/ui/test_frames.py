"""The live panel's frame route (ui/frames.py), driven as an ASGI app."""

from __future__ import annotations

import asyncio
import gc
import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.applications import Starlette

from ui import frames


@pytest.fixture(autouse=True)
def _served_only_here(monkeypatch):
    """frames.routes() marks the route as served for the whole process; the pages'
    tests (AppTest, no route) must not see that."""
    monkeypatch.setattr(frames, "_SERVED", [False])


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


def request(
    path: str, disconnect_after: float | None = None, method: str = "GET"
) -> tuple[int, dict, bytes]:
    """One request (a GET unless ``method``) through the ASGI app; (status, headers,
    body). The client stays until the response is complete, or leaves after
    ``disconnect_after`` seconds."""
    app = Starlette(routes=frames.routes())
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
        "headers": [],
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
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, body


def source(counter: Counter, **extra) -> frames.Source:
    return frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True, **extra},
        counter.listen,
    )


def test_routes_mark_the_route_as_served():
    assert [r.path for r in frames.routes()] == [
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


def test_an_unknown_token_is_404_and_streams_end_with_their_session():
    status, _, body = get(f"/{frames.PATH}not-a-token")
    assert status == 404 and "no such stream" in body["error"]
    counter = Counter()
    src = source(counter)
    path = src.path
    assert get(f"/{path}")[0] == 200
    del src  # the session state let go of it
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


def post(path: str) -> tuple[int, dict]:
    status, _, body = request(path, method="POST")
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
