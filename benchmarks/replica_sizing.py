"""What one server (one replica) costs: memory at rest, per open session, per training
student, and CPU seconds per default run; the figures behind the README's deploy
section and the Kubernetes requests and limits (deploy/kubernetes/).

    python benchmarks/replica_sizing.py [--sessions 20] [--trainers 20] [--repeats 3]

For each repeat, on a fresh server (``streamlit run app.py``, headless):
1. idle: its RSS once healthy, before any visitor;
2. warm: one visitor opens the binary page and keeps it open; RSS once torch is loaded
   (the page starts loading it after it is drawn);
3. sessions: ``--sessions`` more visitors open the binary page and keep it open (the
   simulated students of benchmarks/classroom.py, each a websocket session); the RSS
   they add, per session, and the server's CPU seconds per page opened;
4. training: ``--trainers`` more open the page and press Train at once (the default
   run) and keep their tab open; the peak RSS they add during their runs, per student
   less a session's share, and the server's CPU seconds while they train, per run less
   a page's opening, next to the bare compute of that run (``Run.advance`` alone, one
   torch thread).

Prints one line per repeat and the range over repeats of each figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from argparse import Namespace
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.classroom import PeakRss, Student, rss_mb  # noqa: E402
from benchmarks.cold_start import free_port, serve  # noqa: E402
from benchmarks.live_training import bare_compute  # noqa: E402
from deploy.local_cluster import healthy  # noqa: E402


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Tab(Student):
    """A student who keeps the tab open once done (until ``linger`` is set)."""


async def _visit(url: str, n: int, first: int, click: str | None, timeout: float):
    """``n`` students open the binary page (and press ``click``) at once; returns them
    once each is done (their tabs stay open)."""
    args = Namespace(page="binary", query="pace=fastest", click=click, until=None, timeout=timeout)
    students = [Tab(first + i, args) for i in range(n)]
    deadline = time.perf_counter() + timeout
    tasks = [asyncio.ensure_future(s.run(url, deadline)) for s in students]
    while not all(s.done is not None or s.exceptions for s in students):
        if time.perf_counter() > deadline:
            raise SystemExit("students did not finish in time")
        if any(t.done() and t.exception() for t in tasks):
            raise SystemExit(f"a student failed: {[t.exception() for t in tasks if t.done()]}")
        await asyncio.sleep(0.1)
    bad = [s.exceptions for s in students if s.exceptions]
    if bad:
        raise SystemExit(f"students saw errors: {bad[:3]}")
    return students, tasks


async def _measure(port: int, pid: int, sessions: int, trainers: int, timeout: float) -> dict:
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(trainers + 16))
    Tab.linger = asyncio.Event()
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    out = {"idle": rss_mb(pid)}
    _, t1 = await _visit(url, 1, 0, None, timeout)
    await asyncio.sleep(8)  # the page's background import of torch
    out["warm"] = rss_mb(pid)
    cpu0 = cpu_seconds(pid)
    _, t2 = await _visit(url, sessions, 1, None, timeout)
    out["cpu_per_open"] = (cpu_seconds(pid) - cpu0) / sessions
    await asyncio.sleep(3)
    out["sessions"] = rss_mb(pid)
    out["per_session"] = (out["sessions"] - out["warm"]) / sessions
    cpu0 = cpu_seconds(pid)
    with PeakRss([pid]) as peak:
        students, t3 = await _visit(url, trainers, 1 + sessions, "Train", timeout)
    out["cpu_per_run"] = (cpu_seconds(pid) - cpu0) / trainers - out["cpu_per_open"]
    out["peak"] = peak.peaks[pid]
    out["per_trainer"] = (out["peak"] - out["sessions"]) / trainers - out["per_session"]
    out["last_done"] = max(s.done - s.clicked for s in students)
    await asyncio.sleep(3)
    out["after"] = rss_mb(pid)
    Tab.linger.set()
    await asyncio.gather(*t1, *t2, *t3, return_exceptions=True)
    return out


def _once(sessions: int, trainers: int, timeout: float) -> dict:
    port = free_port()
    server = serve(port)
    try:
        for _ in range(480):
            if healthy(f"http://127.0.0.1:{port}"):
                break
            if server.poll() is not None:
                raise SystemExit("the server exited")
            time.sleep(0.25)
        time.sleep(1)
        return asyncio.run(_measure(port, server.pid, sessions, trainers, timeout))
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--trainers", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    args = ap.parse_args()
    bare_compute({"steps": "20"}, "binary")  # the first steps in a process pay one-off costs
    walls, cpus = [], []
    for _ in range(3):
        cpu0 = time.process_time()
        walls.append(bare_compute({}, "binary"))
        cpus.append(time.process_time() - cpu0)
    bare = min(cpus)  # CPU seconds: what other processes on the machine change least
    print(
        f"bare compute of the default run on the binary page: {bare:.2f} CPU s "
        f"(wall {min(walls):.2f} s)"
    )
    runs = []
    for r in range(args.repeats):
        m = _once(args.sessions, args.trainers, args.timeout)
        runs.append(m)
        print(
            f"run {r + 1}: idle {m['idle']:.0f} MB, warm {m['warm']:.0f} MB, "
            f"{args.sessions} open sessions {m['sessions']:.0f} MB "
            f"({m['per_session']:.1f} MB each), {args.trainers} training: peak "
            f"{m['peak']:.0f} MB ({m['per_trainer']:.1f} MB each beyond a session), "
            f"after {m['after']:.0f} MB; server CPU {m['cpu_per_open']:.2f} s per page "
            f"opened, {m['cpu_per_run']:.2f} s per run "
            f"({m['cpu_per_run'] / bare:.2f} x bare); last done {m['last_done']:.1f} s",
            flush=True,
        )

    def span(key: str, fmt: str = ".0f") -> str:
        values = [m[key] for m in runs]
        return f"{min(values):{fmt}}-{max(values):{fmt}}"

    print(
        f"sizing: idle {span('idle')} MB, warm {span('warm')} MB, per open session "
        f"{span('per_session', '.1f')} MB, per training student "
        f"{span('per_trainer', '.1f')} MB, peak with {1 + args.sessions} sessions and "
        f"{args.trainers} training {span('peak')} MB, server CPU per page opened "
        f"{span('cpu_per_open', '.2f')} s, per default run {span('cpu_per_run', '.2f')} s "
        f"(bare compute {bare:.2f} CPU s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
