"""Does one student's run get its share while others train the biggest runs there are?

    python benchmarks/fairness.py [--others 4 12] [--repeats 3] [--pin]

Serves the app headless. For each number of others ``k``: ``k`` simulated students
(websocket sessions speaking Streamlit's protocol, reading their live panel's stream as
the browser does: ``benchmarks/classroom.py``) open the binary page with the largest
settings a link allows and press Train; once their runs train, one more student opens
the page with its defaults and presses Train. Its wall time from click to the end of its
run is divided by its fair share: the bare compute of the same run (``Run.advance`` alone,
one torch thread) times ``k + 1``, the number of sessions sharing the compute slot. 1.0 is
a perfectly fair share with no overhead at all. The bare run is timed 5 times right before
and 5 times right after each measurement, and the median of the 10 taken: the same run
took 0.18-0.41 s within minutes on the development machine, so a baseline taken once (or
the fastest of a few) says more about the moment it was taken than about the run; the
ratio against the fastest of the 10 is printed too.

Prints one line per run, then per ``k`` the median ratio, and last
``fairness X.XX``: the worst of those medians. Goal: at most 1.5. ``--pin`` holds the
server to one core, as deploy/local_cluster.py holds each replica (a server whose threads
move between cores spends more CPU on the same work: README, Deploy).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
import urllib.request
from argparse import Namespace
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.classroom import Student  # noqa: E402
from benchmarks.cold_start import free_port, serve  # noqa: E402
from benchmarks.live_training import bare_compute  # noqa: E402

# the largest run a link can ask for on the binary page (ui/training_page/spec.py's caps)
BIGGEST = "n=2000&layers=4&units=64&steps=5000&batch=full&act=relu&pace=fastest"
# every run as fast as its share allows: the pages train at a watchable pace by default
FASTEST = "pace=fastest"
SETTLE = 3.0  # seconds the others train before the student presses Train


def _student(i: int, query: str, timeout: float) -> Student:
    args = Namespace(page="binary", query=query, click="Train", until=None, timeout=timeout)
    return Student(i, args)


async def _measure(port: int, others: int, timeout: float) -> float:
    """Click-to-done seconds of a default run while ``others`` sessions train big runs."""
    # every student reads its stream in a thread of its own, as a browser tab would; the
    # default pool (a few threads) would queue the student behind the others' streams
    asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(max_workers=others + 8))
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    deadline = time.perf_counter() + timeout
    hogs = [_student(i, BIGGEST, timeout) for i in range(others)]
    tasks = [asyncio.ensure_future(h.run(url, deadline)) for h in hogs]
    await asyncio.sleep(SETTLE)
    started = [h for h in hogs if h.clicked is not None]
    if len(started) < others:
        print(f"  only {len(started)} of {others} others had pressed Train after {SETTLE} s")
    me = await _student(others, FASTEST, timeout).run(url, deadline)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    if me.done is None or me.exceptions:
        raise SystemExit(f"the student's run did not finish: {me.exceptions}")
    return me.done - me.clicked


def _healthy(port: int, server: subprocess.Popen) -> None:
    for _ in range(240):
        if server.poll() is not None:
            raise SystemExit("the server exited")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return
        except OSError:
            time.sleep(0.25)
    raise SystemExit("the server did not come up")


def _on_a_fresh_server(others: int, timeout: float, core: int | None = None) -> float:
    """:func:`_measure` on a server of its own (the others' runs of one measurement
    must not train on into the next)."""
    port = free_port()
    server = serve(port, core)
    try:
        _healthy(port, server)
        asyncio.run(_measure(port, 0, timeout))  # imports and chart specs, once
        return asyncio.run(_measure(port, others, timeout))
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--others", type=int, nargs="+", default=[4, 12])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--pin", action="store_true",
                    help="hold the server to core 0, as a replica on a core of its own")
    args = ap.parse_args()
    bare_compute({"steps": "20"}, "binary")  # the first steps in a process pay one-off costs
    medians = {}
    for k in args.others:
        ratios = []
        for r in range(args.repeats):
            times = [bare_compute({}, "binary") for _ in range(5)]
            wall = _on_a_fresh_server(k, args.timeout, 0 if args.pin else None)
            times += [bare_compute({}, "binary") for _ in range(5)]
            bare = statistics.median(times)
            share = bare * (k + 1)
            ratios.append(wall / share)
            print(
                f"{k:2d} others, run {r + 1}: {wall:.2f} s, bare run {bare:.3f} s "
                f"({min(times):.3f}-{max(times):.3f}), fair share {share:.2f} s, "
                f"ratio {ratios[-1]:.2f} (against the fastest {wall / (min(times) * (k + 1)):.2f})"
            )
        medians[k] = statistics.median(ratios)
        print(
            f"{k:2d} others: median ratio {medians[k]:.2f} "
            f"(range {min(ratios):.2f}-{max(ratios):.2f})"
        )
    worst = max(medians.values())
    print(f"fairness {worst:.2f}")
    return 0 if worst <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
