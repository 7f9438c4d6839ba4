"""Simulated students for benchmarks/classroom.sh: each one a websocket session that
speaks Streamlit's protocol (``../shared/tools/classroom``, whose student this extends)
and, like the browser, reads its live panel's frames from the app's frame route.

A student opens the page, presses the button and is done when the run it started is
over: when the panel's stream (``/_probnn/stream/<token>``) brings a frame that is not
running, or, on a page without the route, when the status line says so. Train is
pressed as the browser presses it: where the page draws the panel's own Train button
(``kind: "train"``), by a POST to its start route and then reading the stream from the
version that answers; otherwise as a Streamlit button, whose script run names the stream
in the panel element it sends. The websocket stays open meanwhile, as
a browser tab's would (the session, and so its stream, lives as long as it does).

    python benchmarks/classroom.py --port 8501 --students 30 --page-like binary \\
        --click Train --server-pid 1234

Through a load balancer (deploy/local_cluster.py: HAProxy in front of replicas), each
student keeps cookies as a browser does, in a jar of its own: its first request (the
health check the page makes first) brings HAProxy's stickiness cookie and Streamlit's
XSRF cookie, and every later request, the websocket's handshake included, sends them,
so all of a student's requests reach one replica:

    python benchmarks/classroom.py --url http://127.0.0.1:8080 --students 60 \\
        --page-like binary --click Train --pids 1234,1235

``--url`` (the app's address; cookies on) and ``--cookies`` (a jar per student, also
straight to one server) and ``--pids`` (sample these processes' RSS: one line with each
one's peak) are this file's; the rest (the options, the server's RSS, one row per
student and the summary line, exit 1 if any student saw an exception element or never
finished) is the shared tool's.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import importlib.machinery
import importlib.util
import json
import os
import re
import resource
import sys
import threading
import time
import urllib.request
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import websockets
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent
TOOL = Path(os.environ.get("CLASSROOM", ROOT.parent / "shared" / "tools" / "classroom"))
FINAL = re.compile(r"·\s*(finished|diverged|stopped)")


def _load_tool():
    loader = importlib.machinery.SourceFileLoader("classroom_tool", str(TOOL))
    spec = importlib.util.spec_from_loader("classroom_tool", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


tool = _load_tool()


REPLICA_HEADER = "X-Probnn-Replica"  # which replica answered (deploy/haproxy/haproxy.cfg)
XSRF_COOKIE = "_streamlit_xsrf"


def _open(request, jar: http.cookiejar.CookieJar | None, timeout: float, seen: list | None,
          what: str):
    """urlopen, through ``jar`` when given (it sends the jar's cookies and keeps what the
    response sets); notes in ``seen`` which replica answered, when a balancer says so."""
    opener = urllib.request.build_opener(
        *([urllib.request.HTTPCookieProcessor(jar)] if jar is not None else []))
    response = opener.open(request, timeout=timeout)
    if seen is not None:
        seen.append((what, response.headers.get(REPLICA_HEADER)))
    return response


def cookie_header(jar: http.cookiejar.CookieJar) -> str:
    """The jar's cookies as one ``Cookie`` header (for the websocket's handshake)."""
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def xsrf_token(origin: str, jar: http.cookiejar.CookieJar | None = None,
               seen: list | None = None) -> str:
    """The XSRF token a browser holds for ``origin``: the cookie that Streamlit's health
    endpoint (like its page) sets. With ``jar``, the request sends the jar's cookies
    and the jar keeps what it sets (a load balancer's stickiness cookie among them)."""
    with _open(f"{origin}/_stcore/health", jar, 60, seen, "health") as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    for cookie in cookies:
        name, _, rest = cookie.partition("=")
        if name.strip() == XSRF_COOKIE:
            return rest.split(";", 1)[0]
    return next((c.value for c in jar or () if c.name == XSRF_COOKIE), "")


def post_start(url: str, origin: str, jar: http.cookiejar.CookieJar | None = None,
               seen: list | None = None) -> int:
    """POST to a stream's start route as the page does (from its own origin, with the
    XSRF token in a header and in its cookie); the version to read the stream from.
    With ``jar``, the cookies are the jar's (the token's own and the balancer's)."""
    token = xsrf_token(origin, jar, seen)
    headers = {"Origin": origin, "X-Xsrftoken": token}
    if jar is None:
        headers["Cookie"] = f"{XSRF_COOKIE}={token}"
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers)
    with _open(request, jar, 60, seen, "start") as response:
        return int(json.loads(response.read())["version"])


# what a browser's fetch() asks for: Streamlit's server then gzips the frame stream (a
# compressor per response, flushed after each line), work it does for every real student
ACCEPT_ENCODING = "gzip, deflate"


def _lines(response) -> Iterator[bytes]:
    """The lines of a response body as they come, gunzipped when the server gzipped it."""
    if response.headers.get("Content-Encoding", "").lower() != "gzip":
        yield from response
        return
    unzip, pending = zlib.decompressobj(16 + zlib.MAX_WBITS), b""
    while chunk := response.read1(65536):
        pending += unzip.decompress(chunk)
        *lines, pending = pending.split(b"\n")
        yield from (line for line in lines if line)
    if pending:
        yield pending


def read_stream(url: str, jar: http.cookiejar.CookieJar | None = None,
                seen: list | None = None) -> dict:
    """Read a frame stream (one JSON object per line) until a frame that is not running;
    that frame (or the last line, e.g. an error). With ``jar``, it sends its cookies.

    A response ends after 60 s (ui/frames.py's STREAM_SECONDS) whether or not the run
    is over; like the panel, this then asks for the frames after the last one it got."""
    last: dict = {}
    while True:
        request = urllib.request.Request(url, headers={"Accept-Encoding": ACCEPT_ENCODING})
        with _open(request, jar, 120, seen, "stream") as response:
            for raw in _lines(response):
                line = json.loads(raw)
                if line:
                    last = line
                if line.get("error") or (line and not line.get("running", True)):
                    return last
        if "version" not in last:
            return last
        parts = urlsplit(url)
        query = [q for q in parts.query.split("&") if q and not q.startswith("after=")]
        url = parts._replace(query="&".join([*query, f"after={last['version']}"])).geturl()


class Student(tool.Student):
    """A student whose run may be drawn from the panel's stream.

    ``ws_url``: where to connect instead of the URL ``run`` is given (``--url``).
    ``cookies``: keep a cookie jar of its own, as a browser does (``--cookies``, and
    ``--url``): its first request is the health check the page makes, and all its
    requests, the websocket's handshake too, send the jar's cookies. ``replicas``: which
    replica answered each request, (what, name), when a load balancer says so.
    ``linger``: an event; once done, the student keeps its websocket (its session) open
    until the event is set, as a tab left open (benchmarks/replica_sizing.py)."""

    ws_url: str | None = None
    cookies = False
    linger: asyncio.Event | None = None  # when set: keep the tab open until it is set


    def __init__(self, i, args):
        super().__init__(i, args)
        self.stream: dict | None = None
        self.train: dict | None = None  # the panel's own Train button, when the page has it
        self.final: dict = {}
        self.jar = http.cookiejar.CookieJar() if self.cookies else None
        self.replicas: list[tuple[str, str | None]] = []

    def on_element(self, el):
        super().on_element(el)
        if el.WhichOneof("type") != "bidi_component":
            return
        try:
            data = json.loads(el.bidi_component.json or "{}")
        except ValueError:
            return
        if not isinstance(data, dict):
            return
        click = (self.args.click or "").lower()
        if click and data.get("kind") == "train" and click in str(data.get("label", "")).lower():
            self.train = data
        elif self.clicked is not None and isinstance(data.get("stream"), dict):
            self.stream = data["stream"]

    async def press(self, origin: str) -> asyncio.Task:
        """Press the panel's Train button: start the run, then read its stream."""
        version = await asyncio.to_thread(
            post_start, f"{origin}/{self.train['start']}", origin, self.jar, self.replicas)
        self.stream = dict(self.train["stream"], after=version)
        return self.follow(origin)

    def follow(self, origin: str) -> asyncio.Task:
        """Read the stream (``self.stream``) in a thread, as the panel does."""
        link = f"{origin}/{self.stream['lines']}?after={self.stream['after']}"
        return asyncio.ensure_future(asyncio.to_thread(read_stream, link, self.jar, self.replicas))

    async def run(self, url, deadline):
        t0 = time.perf_counter()
        url = self.ws_url or url
        origin = url.replace("ws://", "http://").split("/_stcore")[0]
        follower: asyncio.Task | None = None
        headers = {"Origin": origin}
        if self.jar is not None:  # the page's first request: the balancer picks a replica
            await asyncio.to_thread(xsrf_token, origin, self.jar, self.replicas)
            headers["Cookie"] = cookie_header(self.jar)
        async with websockets.connect(
            url, subprotocols=["streamlit"], max_size=2**28, additional_headers=headers
        ) as ws:
            self.replicas.append(("websocket", ws.response.headers.get(REPLICA_HEADER)))
            await self.send_rerun(ws)
            # waits for the next message or the end of the run's stream, whichever comes
            # first (no polling: with 200 students, waking each one 20 times a second to
            # look cost the two cores about a tenth of their time)
            message = asyncio.ensure_future(ws.recv())
            while time.perf_counter() < deadline and self.done is None:
                waits = {message} if follower is None else {message, follower}
                await asyncio.wait(waits, timeout=deadline - time.perf_counter(),
                                   return_when=asyncio.FIRST_COMPLETED)
                if follower is not None and follower.done():
                    self.final = follower.result()
                    self.done = time.perf_counter() - t0
                    break
                if not message.done():
                    continue
                raw = message.result()
                message = asyncio.ensure_future(ws.recv())
                self.bytes += len(raw)
                self.msgs += 1
                fm = ForwardMsg()
                fm.ParseFromString(raw)
                kind = fm.WhichOneof("type")
                if kind == "navigation" and fm.navigation.page_script_hash:
                    self.page_hash = fm.navigation.page_script_hash
                elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    self.on_element(fm.delta.new_element)
                elif kind == "script_finished":
                    self.runs += 1
                    now = time.perf_counter() - t0
                    if self.loaded is None:
                        self.loaded = now
                        if not self.args.click:  # only the page
                            self.done = now
                            break
                        if self.train is not None:  # no script run: the stream draws it
                            self.clicked = now
                            self.runs_at_click = self.runs
                            follower = await self.press(origin)
                            continue
                        ids = [v for k, v in self.buttons.items() if self.args.click.lower() in k.lower()]
                        if not ids:
                            self.exceptions.append(f"no button like {self.args.click!r}: {list(self.buttons)}")
                            break
                        self.clicked = now
                        self.runs_at_click = self.runs
                        await self.send_rerun(ws, [WidgetState(id=ids[0], trigger_value=True)])
                    elif self.stream is not None and follower is None:
                        follower = self.follow(origin)
                if self.clicked is not None and any(FINAL.search(t) for t in self.texts[-20:]):
                    self.done = time.perf_counter() - t0  # drawn by the script (no stream)
            if not message.cancel() and not message.cancelled():
                message.exception()  # retrieved: a socket closed meanwhile is no error here
            if follower is not None and not follower.done():
                follower.cancel()
            if self.linger is not None:
                await self.linger.wait()
        if self.final.get("error"):
            self.exceptions.append(f"stream: {self.final['error']}"[:200])
        elif self.stream is not None and self.done is not None and not FINAL.search(
            self.final.get("status", "")
        ):
            self.exceptions.append(f"stream ended with {self.final.get('status')!r}"[:200])
        return self


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) / 1024 for line in f if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return float("nan")


class PeakRss:
    """Samples the RSS of some processes every 0.25 s in a thread; ``peaks`` {pid: MB}."""

    def __init__(self, pids: list[int]):
        self.peaks = dict.fromkeys(pids, 0.0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for pid in self.peaks:
                self.peaks[pid] = max(self.peaks[pid], rss_mb(pid))
            self._stop.wait(0.25)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def _own_options(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--url", help="the app's address, e.g. a load balancer's (cookies on)")
    ap.add_argument("--cookies", action="store_true", help="a cookie jar per student")
    ap.add_argument("--pids", default="", help="comma-separated pids whose peak RSS to print")
    own, rest = ap.parse_known_args(argv)
    students = argparse.ArgumentParser(add_help=False)
    students.add_argument("--students", type=int, default=10)  # the tool's, read here too
    own.students = students.parse_known_args(rest)[0].students
    return own, rest


async def _class(students: int) -> None:
    """The tool's main, with a thread for each student's requests: a student's stream is
    read in a thread for as long as its run trains, and asyncio's default pool (a few
    threads) would make the others wait for one, their presses of Train too, where
    each browser tab has connections of its own."""
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(2 * students + 8))
    await tool.main()


def main() -> None:
    """The shared tool's classroom, with these students (and this file's options)."""
    own, rest = _own_options(sys.argv[1:])
    if own.url:
        parts = urlsplit(own.url)
        Student.ws_url = f"ws://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        list_pages = tool.list_pages
        tool.list_pages = lambda _url: list_pages(Student.ws_url)
        rest += ["--port", str(parts.port or 80)]  # the tool wants one; ws_url is used
    Student.cookies = own.cookies or bool(own.url)
    tool.Student = Student
    sys.argv = [sys.argv[0], *rest]
    pids = [int(p) for p in own.pids.split(",") if p.strip()]
    with PeakRss(pids) as rss:
        try:
            asyncio.run(_class(own.students))
        finally:
            if pids:
                print("peak RSS per process: " + ", ".join(
                    f"{pid} {mb:.0f} MB" for pid, mb in rss.peaks.items()), flush=True)
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(f"the simulated students' own CPU: {usage.ru_utime + usage.ru_stime:.1f} s "
                  "(on the same machine as the servers)", flush=True)


if __name__ == "__main__":
    main()
