"""Live training in a real browser: how much of the wall time is training, and how often
the charts update.

    python benchmarks/live_training.py                      # binary page, 1,000 points, 1,000 steps
    python benchmarks/live_training.py --page regression --query "n=1000&steps=1000"

It serves the app headless, opens the page in Chromium (playwright, /usr/bin/chromium)
with fixed settings from the URL, presses Train and waits until the script is idle
again with the run finished. A MutationObserver in the page records every change of the
"Step k / N" status line, which is redrawn together with the charts, so the number of
distinct step values seen is the number of chart updates the browser received.

Before the server starts, the same run is timed alone (``probnn.training.Run`` with one
torch thread, the app's setting): that is the bare compute. Prints the wall time, the
bare compute, the number of updates, and last

    efficiency X.XX updates/s Y.Y

where efficiency = bare compute / wall (1.0 = the page costs nothing on top of training).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
STATUS = re.compile(r"^Step ([\d,]+) / ([\d,]+)")

# The live chart is drawn on a canvas (Vega's canvas renderer), which Vega clears before
# each redraw: counting clearRect calls on canvases wider than 600 px counts the redraws of
# the one chart that holds the loss curves and the p(y|x) map. Installed before the
# page's own scripts run.
CANVAS_COUNTER = r"""
(() => {
  window.__draws = [];
  const clear = CanvasRenderingContext2D.prototype.clearRect;
  CanvasRenderingContext2D.prototype.clearRect = function (...args) {
    if (this.canvas && this.canvas.clientWidth >= 600) window.__draws.push(performance.now());
    return clear.apply(this, args);
  };
})();
"""

OBSERVER = r"""
() => {
  window.__updates = [];
  window.__last = null;
  window.__svg = [];
  window.__chart = null;
  const read = () => {
    for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
      const t = el.innerText.trim();
      if (/^Step [\d,]+ \/ [\d,]+/.test(t)) return t;
    }
    return null;
  };
  // (if the live chart is drawn as SVG instead, its text mark "step k / N" is in the DOM:
  // each change of it is one redraw)
  const chart = () => {
    for (const el of document.querySelectorAll('svg text')) {
      const t = el.textContent.trim();
      if (/^step [\d,]+ \/ [\d,]+$/.test(t)) return t;
    }
    return null;
  };
  const seen = () => {
    const t = read();
    if (t !== null && t !== window.__last) {
      window.__last = t;
      window.__updates.push([performance.now(), t]);
    }
    const c = chart();
    if (c !== null && c !== window.__chart) {
      window.__chart = c;
      window.__svg.push(performance.now());
    }
  };
  new MutationObserver(seen).observe(document.body,
      {subtree: true, childList: true, characterData: true});
  seen();
}
"""


def bare_compute(query: dict, page: str) -> float:
    """Seconds of ``Run.advance`` for the run the page trains with these URL settings."""
    import torch

    import probnn
    from probnn import data, training

    probnn.limit_threads()
    torch.set_num_threads(1)
    name = query.get(
        "data", {"binary": "moons", "multiclass": "multi_blobs", "regression": "sine"}[page]
    )
    gen = data.GENERATORS[name]
    params = {p.name: p.cast(p.default) for p in gen.params}
    for key, value in query.items():
        if key in params:
            params[key] = gen.spec(key).cast(float(value))
    seed = int(query.get("seed", 0))
    ds = data.make(name, seed=seed, **params)
    lik = query.get(
        "lik", {"binary": "bernoulli", "multiclass": "categorical", "regression": "gaussian"}[page]
    )
    layers, units = int(query.get("layers", 2)), int(query.get("units", 32))
    config = training.TrainConfig(
        likelihood=lik,
        hidden=tuple([units] * layers),
        activation=query.get("act", "tanh"),
        optimiser=query.get("opt", "adam"),
        lr=float(query.get("lr", 0.01)),
        steps=int(query.get("steps", 500)),
        batch_size=None,
        eval_every=10,
        seed=seed,
    )
    run = training.Run(config, ds)
    t0 = time.perf_counter()
    run.advance(config.steps)
    return time.perf_counter() - t0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads), from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the browser's renderer, GPU and utility processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def cpu_of(pids: list[int]) -> float:
    return sum(_cpu_seconds(p) for p in pids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port: int, proc: subprocess.Popen, seconds: float = 90) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the app exited before it was healthy")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the app did not become healthy")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default="binary")
    ap.add_argument("--query", default="n=1000&steps=1000")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--shot", help="save a screenshot of the finished page here")
    args = ap.parse_args()
    query = dict(p.split("=", 1) for p in args.query.split("&") if "=" in p)

    compute = bare_compute(query, args.page)
    print(f"bare compute (Run.advance alone, 1 torch thread): {compute:.2f} s")

    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, prefix="live-bench-")
    print(f"server log: {log.name}")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            os.environ.get("PROBNN_APP", "app.py"),
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(port, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.add_init_script(CANVAS_COUNTER)
            # A fresh server that first sees a deep link runs the page file alone (Streamlit's
            # pages/ folder discovery), without app.py; open the app's root first.
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_selector(READY, timeout=120_000)
            page.goto(f"http://127.0.0.1:{port}/{args.page}?{args.query}")
            page.wait_for_selector(READY, timeout=120_000)
            page.wait_for_timeout(1500)
            page.wait_for_selector(READY, timeout=120_000)
            page.evaluate(OBSERVER)
            button = page.get_by_role("button", name="Train", exact=True)
            browser_pids = [p for p in _descendants(os.getpid()) if p != server.pid]
            cpu0 = cpu_of([server.pid]), cpu_of(browser_pids)
            t_click = page.evaluate("performance.now()")
            button.click()
            page.wait_for_function(
                "() => window.__last && /finished|diverged|stopped/.test(window.__last)",
                timeout=args.timeout * 1000,
            )
            t_done = page.evaluate("performance.now()")
            page.wait_for_selector(READY, timeout=args.timeout * 1000)
            t_idle = page.evaluate("performance.now()")
            cpu1 = cpu_of([server.pid]), cpu_of(browser_pids)
            updates = page.evaluate("window.__updates")
            draws = page.evaluate("window.__draws") + page.evaluate("window.__svg")
            errors = page.locator("[data-testid='stException']").count()
            if args.shot:
                page.screenshot(path=args.shot, full_page=True)
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    during = [(t, text) for t, text in updates if t >= t_click]
    steps = [
        int(STATUS.match(text).group(1).replace(",", ""))
        for _, text in during
        if STATUS.match(text)
    ]
    wall = (t_idle - t_click) / 1000
    to_done = (t_done - t_click) / 1000
    n_texts = len(set(steps))
    n_updates = sum(1 for t in draws if t_click <= t <= t_done)
    print(
        f"CPU during the run: server {cpu1[0] - cpu0[0]:.2f} s, browser {cpu1[1] - cpu0[1]:.2f} s;"
        f" load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    first = next(((t - t_click) / 1000 for t, text in during if "training" in text), float("nan"))
    first_draw = next(((t - t_click) / 1000 for t in sorted(draws) if t >= t_click), float("nan"))
    print(
        f"timeline after the click: first 'training' status {first:.2f} s, first chart redraw "
        f"{first_draw:.2f} s, finished shown {to_done:.2f} s, page idle {wall:.2f} s"
    )
    print(
        f"chart redraws in the browser (the live chart's canvas): {n_updates}; "
        f"status-line changes: {n_texts}"
    )
    if during:
        print(f"last status: {during[-1][1]!r}")
    if errors:
        print(f"exceptions on the page: {errors}")
    print(f"efficiency {compute / wall:.2f} updates/s {n_updates / to_done:.1f}")


if __name__ == "__main__":
    main()
