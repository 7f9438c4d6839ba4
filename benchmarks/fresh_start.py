"""A class opens a shared link on a server that has just woken up.

    python benchmarks/fresh_start.py [--students 30] [--within 3] [--repeats 3] [--seed 0]

Each repeat starts a fresh ``streamlit run app.py`` and, as soon as it answers its
health check, lets the students in (spread over the first ``--within`` seconds). Every
student is a websocket session speaking Streamlit's protocol (the student of
``../shared/tools/classroom``): it opens a random page, and as soon as that page is
drawn it clicks through to another random page, as a student following the learning
path does. A student is fine when both pages finish their script run with their title
drawn and no exception element.

Prints one line per repeat and last ``fresh_start ok N/M errors E`` over all repeats.
Goal: every student sees both pages, 0 errors.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.cold_start import ROOT, free_port  # noqa: E402
from ui import nav  # noqa: E402

PAGES = ["", *(p.url for p in nav.built())]  # "" is the home page


async def _visit(ws, path: str, page_hash: str) -> tuple[str, list[str], list[str]]:
    """Ask for the page at ``path``; (its script hash, its headings, its exceptions)."""
    msg = BackMsg(rerun_script=ClientState(page_name=path, page_script_hash=page_hash))
    await ws.send(msg.SerializeToString())
    titles: list[str] = []
    errors: list[str] = []
    shown = page_hash
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
        kind = fm.WhichOneof("type")
        if kind == "navigation" and fm.navigation.page_script_hash:
            shown = fm.navigation.page_script_hash
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            if el.WhichOneof("type") == "heading":
                titles.append(el.heading.body)
            elif el.WhichOneof("type") == "exception":
                errors.append(f"{el.exception.type}: {el.exception.message}"[:200])
        elif kind == "script_finished":
            if fm.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                errors.append(f"script ended with {fm.script_finished}")
            return shown, titles, errors


async def student(port: int, delay: float, rng: random.Random) -> tuple[bool, str]:
    await asyncio.sleep(delay)
    first, then = rng.sample(PAGES, 2)
    origin = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/_stcore/stream"
    try:
        async with websockets.connect(
            url, subprotocols=["streamlit"], max_size=2**28, additional_headers={"Origin": origin}
        ) as ws:
            page_hash, titles, errors = await _visit(ws, first, "")
            if errors or not titles:
                return False, f"/{first}: {errors or 'no title'}"
            _, titles, errors = await _visit(ws, then, "")
            if errors or not titles:
                return False, f"/{first} -> /{then}: {errors or 'no title'}"
    except Exception as err:  # noqa: BLE001 - a failed student is counted, not raised
        return False, f"{type(err).__name__}: {err}"[:200]
    return True, ""


def _healthy(port: int, proc: subprocess.Popen) -> float:
    t0 = time.perf_counter()
    while proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return time.perf_counter() - t0
        except OSError:
            time.sleep(0.02)
    raise SystemExit("the server exited before it answered its health check")


async def _class(port: int, students: int, within: float, rng: random.Random):
    delays = sorted(rng.uniform(0, within) for _ in range(students))
    return await asyncio.gather(*(student(port, d, rng) for d in delays))


def storm(students: int, within: float, rng: random.Random) -> tuple[float, list, str]:
    """One fresh server and its class: the seconds until it was healthy, each student's
    (fine, why), and the errors in the server's log when a student saw one."""
    port = free_port()
    log = tempfile.TemporaryFile()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
    )
    try:
        up = _healthy(port, server)
        results = asyncio.run(_class(port, students, within, rng))
    finally:
        server.terminate()
        server.wait(30)
    errors = ""
    if not all(fine for fine, _ in results):  # the server's account of what went wrong
        log.seek(0)
        lines = log.read().decode(errors="replace").splitlines()
        errors = " | ".join([ln for ln in lines if "rror" in ln][-3:])
    log.close()
    return up, results, errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--within", type=float, default=3.0, help="seconds over which students join")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    ok = total = 0
    for r in range(args.repeats):
        up, results, errors = storm(args.students, args.within, rng)
        good = sum(1 for fine, _ in results if fine)
        ok, total = ok + good, total + len(results)
        print(f"repeat {r + 1}: healthy after {up:.1f} s; {good}/{len(results)} students saw "
              "both pages")
        for fine, why in results:
            if not fine:
                print(f"  {why}")
        if errors:
            print(f"  server log: {errors}")
    print(f"fresh_start ok {ok}/{total} errors {total - ok}")
    return 0 if ok == total else 1


if __name__ == "__main__":
    sys.exit(main())
