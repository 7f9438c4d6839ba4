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
    app = Starlette(routes=frames.routes())
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
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

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    # on a thread of its own: another test (the browser's) may have a loop running here
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, json.loads(body)


def source(counter: Counter, **extra) -> frames.Source:
    return frames.Source(
        lambda: counter.value,
        lambda: {"version": counter.value, "running": True, **extra},
        counter.listen,
    )


def test_routes_mark_the_route_as_served():
    assert [r.path for r in frames.routes()] == ["/" + frames.PATH + "{token}"]
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
