"""Cold start: from launching the server to the first rendered page in Chromium.

    python benchmarks/cold_start.py [--page entropy] [--repeats 3] [--baseline]

Each repeat starts a fresh `streamlit run app.py`, waits for /_stcore/health, opens the
page in Debian's Chromium and waits until the script has finished and the title is
drawn. Prints the time to healthy, the time from opening the page to the rendered
page, and last `cold_start_s X.XX` (the median of launch -> rendered page).

With ``--baseline`` it first measures a two-line Streamlit app (a title) the same way,
the floor that Streamlit and Chromium set on this machine, and prints
``baseline_s X.XX`` before the app's figure.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning'] h1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(port: int, core: int | None = None) -> subprocess.Popen:
    """The app (``streamlit run app.py``) served headless on ``port``, its output dropped:
    the server the benchmarks measure; with ``core``, held to that core (``taskset``), as
    deploy/local_cluster.py holds each replica."""
    pin = [] if core is None else ["taskset", "-c", str(core)]
    return subprocess.Popen(
        [*pin, sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def one(browser, page_path: str, root: Path = ROOT) -> tuple[float, float]:
    port = free_port()
    t0 = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port)], cwd=root, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                    break
            except OSError:
                if time.perf_counter() - t0 > 120:
                    raise SystemExit("the server did not come up") from None
                time.sleep(0.05)
        healthy = time.perf_counter() - t0
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/{page_path}")
        page.wait_for_selector(READY, timeout=120_000)
        rendered = time.perf_counter() - t0
        page.close()
        return healthy, rendered
    finally:
        server.terminate()
        server.wait(10)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default="", help="URL path of the page (default: home)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--baseline", action="store_true", help="also time a two-line app")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    totals = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        if args.baseline:
            with tempfile.TemporaryDirectory() as tmp:
                Path(tmp, "app.py").write_text('import streamlit as st\nst.title("Hello")\n')
                base = [one(browser, "", Path(tmp))[1] for _ in range(args.repeats)]
            print(f"baseline_s {statistics.median(base):.2f} (a two-line Streamlit app)")
        for i in range(args.repeats):
            healthy, rendered = one(browser, args.page)
            totals.append(rendered)
            print(f"run {i}: healthy after {healthy:.2f} s, first page rendered after "
                  f"{rendered:.2f} s (page itself {rendered - healthy:.2f} s)")
        browser.close()
    print(f"cold_start_s {statistics.median(totals):.2f}")


if __name__ == "__main__":
    main()
