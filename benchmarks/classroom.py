"""Simulated students for benchmarks/classroom.sh: each one a websocket session that
speaks Streamlit's protocol (``../shared/tools/classroom``, whose student this extends)
and, like the browser, reads its live panel's frames from the app's frame route.

A student opens the page, presses the button and is done when the run it started is
over: when the panel's stream (``/_probnn/stream/<token>``, named by the panel element
that the click's script run sends) brings a frame that is not running, or, on a page
without the route, when the status line says so. The websocket stays open meanwhile, as
a browser tab's would (the session, and so its stream, lives as long as it does).

    python benchmarks/classroom.py --port 8501 --students 30 --page-like binary \\
        --click Train --server-pid 1234

Prints one row per student and the summary line of the shared tool; exit 1 if any
student saw an exception element or never finished.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.machinery
import importlib.util
import json
import os
import re
import statistics
import sys
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
        self.final: dict = {}

    def on_element(self, el):
        super().on_element(el)
        if el.WhichOneof("type") == "bidi_component" and self.clicked is not None:
            try:
                data = json.loads(el.bidi_component.json or "{}")
            except ValueError:
                return
            if isinstance(data, dict) and isinstance(data.get("stream"), dict):
                self.stream = data["stream"]

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
                        ids = [v for k, v in self.buttons.items() if self.args.click.lower() in k.lower()]
                        if not ids:
                            self.exceptions.append(f"no button like {self.args.click!r}: {list(self.buttons)}")
                            break
                        self.clicked = now
                        self.runs_at_click = self.runs
                        await self.send_rerun(ws, [WidgetState(id=ids[0], trigger_value=True)])
                    elif self.stream is not None and follower is None:
                        link = f"{origin}/{self.stream['lines']}?after={self.stream['after']}"
                        follower = asyncio.ensure_future(asyncio.to_thread(read_stream, link))
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


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=8501)
    ap.add_argument("--students", type=int, default=10)
    ap.add_argument("--page-like", default="binary")
    ap.add_argument("--query", default="")
    ap.add_argument("--click", default="Train")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--stagger", type=float, default=0.05)
    ap.add_argument("--server-pid", type=int)
    args = ap.parse_args()
    url = f"ws://127.0.0.1:{args.port}/_stcore/stream"
    pages = await tool.list_pages(url)
    hits = [p for p, title in pages if re.search(args.page_like, p + " " + title, re.I)]
    if not hits:
        sys.exit(f"classroom: no page like {args.page_like!r} among {pages}")
    args.page, args.until = hits[0], None
    rss: list[float] = []
    stop = asyncio.Event()

    async def sample():
        while not stop.is_set() and args.server_pid:
            rss.append(tool.rss_mb(args.server_pid))
            await asyncio.sleep(0.25)

    rss0 = tool.rss_mb(args.server_pid) if args.server_pid else float("nan")
    sampler = asyncio.ensure_future(sample())
    t0 = time.perf_counter()
    deadline = t0 + args.timeout
    students = [Student(i, args) for i in range(args.students)]

    async def join(s):
        await asyncio.sleep(s.i * args.stagger)
        try:
            await s.run(url, deadline)
        except Exception as e:  # noqa: BLE001
            s.exceptions.append(f"{type(e).__name__}: {e}"[:200])
        return s

    await asyncio.gather(*(join(s) for s in students))
    wall = time.perf_counter() - t0
    stop.set()
    await sampler
    rss1 = tool.rss_mb(args.server_pid) if args.server_pid else float("nan")
    bad = 0
    for s in students:
        ok = s.done is not None and not s.exceptions
        bad += not ok
        how = "stream" if s.stream is not None else "page"
        print(
            f"student {s.i:3d}: {'ok  ' if ok else 'FAIL'} loaded {s.loaded and round(s.loaded, 2)} s, "
            f"done {s.done and round(s.done, 2)} s ({how}), runs {s.runs}, msgs {s.msgs}, "
            f"{s.bytes / 1e6:.2f} MB" + (f"  {s.exceptions[:2]}" if s.exceptions else "")
        )
    dones = [s.done - (s.clicked or 0) for s in students if s.done is not None]
    peak = max(rss) if rss else float("nan")
    print(
        f"classroom: {args.students - bad}/{args.students} students finished clean in {wall:.1f} s; "
        f"click-to-done median {statistics.median(dones) if dones else float('nan'):.2f} s "
        f"max {max(dones) if dones else float('nan'):.2f} s; server RSS {rss0:.0f} -> peak "
        f"{peak:.0f} -> end {rss1:.0f} MB; {sum(s.bytes for s in students) / 1e6:.1f} MB sent "
        "(websocket)"
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    asyncio.run(main())
