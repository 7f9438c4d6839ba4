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

The rest (the options, the server's RSS, one row per student and the summary line, exit
1 if any student saw an exception element or never finished) is the shared tool's.
"""

from __future__ import annotations

import asyncio
import importlib.machinery
import importlib.util
import json
import os
import re
import time
import urllib.request
from pathlib import Path

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


def xsrf_token(origin: str) -> str:
    """The XSRF token a browser holds for ``origin``: the cookie that Streamlit's health
    endpoint (like its page) sets."""
    with urllib.request.urlopen(f"{origin}/_stcore/health", timeout=60) as response:
        cookies = response.headers.get_all("Set-Cookie") or []
    for cookie in cookies:
        name, _, rest = cookie.partition("=")
        if name.strip() == "_streamlit_xsrf":
            return rest.split(";", 1)[0]
    return ""


def post_start(url: str, origin: str) -> int:
    """POST to a stream's start route as the page does (from its own origin, with the
    XSRF token in a header and in its cookie); the version to read the stream from."""
    token = xsrf_token(origin)
    headers = {"Origin": origin, "X-Xsrftoken": token, "Cookie": f"_streamlit_xsrf={token}"}
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        return int(json.loads(response.read())["version"])


def read_stream(url: str) -> dict:
    """Read a frame stream (one JSON object per line) until a frame that is not running;
    that frame (or the last line, e.g. an error)."""
    last: dict = {}
    with urllib.request.urlopen(url, timeout=120) as response:
        for raw in response:
            line = json.loads(raw)
            if line:
                last = line
            if line.get("error") or (line and not line.get("running", True)):
                break
    return last


class Student(tool.Student):
    """A student whose run may be drawn from the panel's stream."""

    def __init__(self, i, args):
        super().__init__(i, args)
        self.stream: dict | None = None
        self.train: dict | None = None  # the panel's own Train button, when the page has it
        self.final: dict = {}

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
        version = await asyncio.to_thread(post_start, f"{origin}/{self.train['start']}", origin)
        self.stream = dict(self.train["stream"], after=version)
        return self.follow(origin)

    def follow(self, origin: str) -> asyncio.Task:
        """Read the stream (``self.stream``) in a thread, as the panel does."""
        link = f"{origin}/{self.stream['lines']}?after={self.stream['after']}"
        return asyncio.ensure_future(asyncio.to_thread(read_stream, link))

    async def run(self, url, deadline):
        t0 = time.perf_counter()
        origin = url.replace("ws://", "http://").split("/_stcore")[0]
        follower: asyncio.Task | None = None
        async with websockets.connect(
            url, subprotocols=["streamlit"], max_size=2**28, additional_headers={"Origin": origin}
        ) as ws:
            await self.send_rerun(ws)
            while time.perf_counter() < deadline and self.done is None:
                if follower is not None and follower.done():
                    self.final = follower.result()
                    self.done = time.perf_counter() - t0
                    break
                try:
                    raw = await asyncio.wait_for(ws.recv(), timeout=0.05)
                except TimeoutError:
                    continue
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
            if follower is not None and not follower.done():
                follower.cancel()
        if self.final.get("error"):
            self.exceptions.append(f"stream: {self.final['error']}"[:200])
        elif self.stream is not None and self.done is not None and not FINAL.search(
            self.final.get("status", "")
        ):
            self.exceptions.append(f"stream ended with {self.final.get('status')!r}"[:200])
        return self


if __name__ == "__main__":
    tool.Student = Student  # the shared tool's classroom, with these students
    asyncio.run(tool.main())
