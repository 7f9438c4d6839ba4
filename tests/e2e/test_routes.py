"""The app's own routes (ui/frames.py) on a real server, with Chromium: only the app's
page starts a run (with Streamlit's XSRF token; another origin gets 403), every path under
/_probnn/ is the routes' own (405 or 404, never the app's page), a token ends with its
session, and SIGTERM stops the server within seconds while streams are open."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib

import pytest

from tests.e2e.conftest import ROOT, _free_port, _healthy

pytestmark = pytest.mark.e2e

START = "/_probnn/start/"


def call(url: str, method: str = "GET", headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One request as a program makes it (no cookie, no Origin unless given)."""
    req = urllib.request.Request(url, method=method, headers=headers or {},
                                 data=b"" if method in ("POST", "PUT", "PATCH") else None)  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def train_and_get_token(tab, path: str) -> str:
    """Open ``path``, press the panel's Train button and return the stream's token (from
    the post to the start route, which must carry the XSRF header and succeed)."""
    tab.open(path, timeout_ms=120_000)
    posts = []
    tab.page.on("requestfinished", lambda r: posts.append(r) if START in r.url else None)
    tab.page.locator("button.probnn-train").click()
    deadline = time.monotonic() + 60
    while not posts and time.monotonic() < deadline:
        tab.page.wait_for_timeout(100)
    assert posts, "the Train button posted to the start route"
    post = posts[0]
    assert post.method == "POST"
    assert post.headers.get("x-xsrftoken"), post.headers  # as Streamlit's uploads send it
    assert post.response().status == 200
    return post.url.rsplit("/", 1)[-1]


def frame(base: str, token: str) -> tuple[int, dict]:
    status, _, body = call(f"{base}/_probnn/frame/{token}")
    return status, json.loads(body)


def test_wrong_methods_are_405_and_unknown_paths_404_never_the_app_page(server):
    for path, allowed, wrong in [
        ("/_probnn/start/x", "POST", ["GET", "PUT", "DELETE"]),
        ("/_probnn/frame/x", "GET, HEAD", ["POST", "PUT", "DELETE"]),
        ("/_probnn/stream/x", "GET, HEAD", ["POST", "PATCH"]),
        ("/_probnn/history/x", "GET, HEAD", ["POST", "DELETE"]),
    ]:
        for method in wrong:
            status, headers, body = call(server + path, method)
            assert (status, headers.get("allow")) == (405, allowed), (path, method)
            assert json.loads(body)["error"].startswith("method not allowed")
    for path in ["/_probnn", "/_probnn/", "/_probnn/xyz", "/_probnn/frame/a/b"]:
        for method in ["GET", "POST"]:
            status, headers, body = call(server + path, method)
            assert status == 404 and headers["content-type"] == "application/json", path
    status, headers, body = call(server + "/binary")  # the app's pages are still the page
    assert status == 200 and b"<html" in body.lower()


def test_only_the_apps_own_page_starts_a_run(tab, server):
    """The panel's Train posts with the ``_streamlit_xsrf`` cookie's token; the same post
    from a program without it, or from a page on another origin (here
    http://localhost:port against the app's http://127.0.0.1:port, with the browser's
    cookies), gets 403 and leaves the finished run as it was."""
    token = train_and_get_token(tab, "binary?steps=40&n=300&seed=5")
    tab.page.wait_for_function(
        "() => [...document.querySelectorAll('.probnn-status, [data-testid=stMarkdownContainer]')]"
        ".some(el => /^Step 40 \\/ 40 · finished/.test(el.innerText))",
        timeout=120_000,
    )
    status, before = frame(server, token)
    assert status == 200 and before["running"] is False

    status, _, body = call(server + START + token, "POST")
    assert status == 403 and "XSRF" in json.loads(body)["error"]
    status, _, body = call(server + START + token, "POST", {"Origin": "https://evil.example"})
    assert status == 403

    other = server.replace("127.0.0.1", "localhost")
    page = tab.page.context.new_page()
    page.goto(other + "/_stcore/health")  # any page of the other origin
    statuses = page.evaluate(
        """async (url) => {
            const out = [];
            // a simple post (no preflight), with the browser's cookies for the app
            const plain = await fetch(url, {method: "POST", mode: "no-cors", credentials: "include"});
            out.push(plain.type);
            try {  // with a made-up header: the browser asks first (OPTIONS), and stops
                await fetch(url, {method: "POST", credentials: "include",
                                  headers: {"X-Xsrftoken": "2|00|00|0"}});
                out.push("sent");
            } catch (e) { out.push("blocked"); }
            return out;
        }""",
        server + START + token,
    )
    page.close()
    assert statuses == ["opaque", "blocked"], statuses
    status, after = frame(server, token)
    assert status == 200 and after["version"] == before["version"] and not after["running"]
    assert tab.exceptions() == []


def test_the_stream_is_gzipped_once_through_the_servers_middleware(tab, server):
    """Asked for gzip as a browser asks, the frame stream comes gzipped by the route
    (Streamlit's own gzip middleware leaves it alone: one layer, which unzips to the
    stream's JSON lines); the browser's own read of it trained the panel to the end."""
    token = train_and_get_token(tab, "binary?steps=40&n=300&seed=6")
    tab.page.wait_for_function(
        "() => [...document.querySelectorAll('.probnn-status, [data-testid=stMarkdownContainer]')]"
        ".some(el => /^Step 40 \\/ 40 · finished/.test(el.innerText))",
        timeout=120_000,
    )
    status, headers, body = call(
        f"{server}/_probnn/stream/{token}?after=0", headers={"Accept-Encoding": "gzip, br"}
    )
    assert status == 200 and headers["content-encoding"] == "gzip"
    lines = [json.loads(line) for line in zlib.decompress(body, 16 + zlib.MAX_WBITS).splitlines()]
    assert lines[-1]["running"] is False and lines[-1]["label"].startswith("step 40 / 40")
    assert tab.exceptions() == []


def start_server(tmp_path, *extra: str) -> tuple[subprocess.Popen, str, object]:
    port = _free_port()
    log = open(tmp_path / f"server-{port}.log", "w")  # noqa: SIM115 - closed by the caller
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.fileWatcherType", "none",
         "--browser.gatherUsageStats", "false", *extra],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    if not _healthy(port, proc):
        proc.kill()
        log.close()
        pytest.fail(f"the app did not come up; log:\n{(tmp_path / log.name).read_text()[-3000:]}")
    return proc, f"http://127.0.0.1:{port}", log


def stop_server(proc: subprocess.Popen, log) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    log.close()


def test_a_token_ends_with_its_session(browser, tmp_path):
    """While the tab is open the token answers, longer than Streamlit keeps a closed
    tab's session; once the tab is closed and that time is up, it answers 404 (the
    session state, and so the stream, may still be in memory: the post-script garbage
    collection is off)."""
    from tests.e2e.conftest import Tab

    ttl = 2
    proc, base, log = start_server(tmp_path, "--server.disconnectedSessionTTL", str(ttl))
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = Tab(context.new_page(), base)
        token = train_and_get_token(tab, "binary?steps=40&n=300")
        time.sleep(ttl + 1.5)
        assert frame(base, token)[0] == 200  # the session is connected: the token lives
        closed = time.monotonic()
        context.close()
        gone = None
        while time.monotonic() - closed < ttl + 30:
            if frame(base, token)[0] == 404:
                gone = time.monotonic() - closed
                break
            time.sleep(0.25)
        assert gone is not None, "the token outlived its session"
        assert gone >= ttl - 0.5  # kept for a reconnect first, as Streamlit keeps the session
        assert call(f"{base}/_probnn/stream/{token}")[0] == 404
    finally:
        stop_server(proc, log)


def test_sigterm_stops_the_server_within_seconds_while_streams_are_open(browser, tmp_path):
    """A long run streams to the page and to a second reader; SIGTERM pauses the runs,
    ends the streams, and the server exits within 5 s (it used to wait for every open
    stream to end, up to a minute)."""
    from tests.e2e.conftest import Tab

    proc, base, log = start_server(tmp_path)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = Tab(context.new_page(), base)
        streams = []
        tab.page.on("response", lambda r: streams.append(r.url) if "/_probnn/stream/" in r.url else None)
        token = train_and_get_token(tab, "binary?steps=5000&layers=4&units=64&n=2000")
        deadline = time.monotonic() + 30
        while not streams and time.monotonic() < deadline:
            tab.page.wait_for_timeout(100)
        assert streams, "the page reads the run's stream"
        reader = http.client.HTTPConnection(base.removeprefix("http://"), timeout=30)
        reader.request("GET", f"/_probnn/stream/{token}?after=0")
        response = reader.getresponse()
        assert response.status == 200 and response.readline()  # a second stream is open
        status, body = frame(base, token)
        assert status == 200 and body["running"], "the run trains when the signal comes"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pytest.fail("the server was still running 5 s after SIGTERM")
        took = time.monotonic() - t0
        print(f"server exited {took:.2f} s after SIGTERM")
        response.read()  # the reader's stream has ended (not cut off mid-line)
        reader.close()
        context.close()
    finally:
        stop_server(proc, log)
