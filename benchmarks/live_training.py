"""Live training in a real browser: how much of the wall time is training, and how often
the charts update.

    python benchmarks/live_training.py                      # binary page, 1,000 points, 1,000 steps
    python benchmarks/live_training.py --page regression --query "n=1000&steps=1000&pace=fastest"

The pages train at a watchable pace by default (``pace``, steps per second); the
benchmark measures the page's overhead on top of training, so its default query asks
for the fastest pace.

It serves the app headless (``streamlit run app.py``), opens the page in Chromium
(playwright, /usr/bin/chromium) with fixed settings from the URL, presses Train and waits
until the script is idle again with the run finished and its results shown (the
calibration or residuals and the history download; wall = click -> page idle). The
times are taken inside the page: the click by a capturing ``click`` listener, the end by
a MutationObserver on the app's script state; the harness itself only polls a few times
a second (playwright's default, a check on every animation frame, kept the browser
drawing at 60 frames a second and billed that to the page). The live panel (loss
curves, metric and the p(y|x) map on one canvas, ui/live_panel.js) paints its own label
"step k / N"; a hook on ``fillText`` counts the distinct labels painted, i.e. the chart
updates the browser actually drew. A MutationObserver also follows the status line (by
``textContent``: reading ``innerText`` would force a layout on every DOM change and
bill the measurement's own cost to the page).

The same run is also timed alone (``probnn.training.Run`` with one torch thread, the
app's setting) right before the click and right after the page is idle, with the page
open and the server idle: the machine's speed drifts (the same bare run measured 1.2 s
and 2.0 s minutes apart here, and 1.0 to 1.7 ms a step within seconds), so each browser
run is compared with the bare compute of its own moment, timed as close to it as can
be. The browser part runs ``--repeat`` times (fresh tab each time). Prints each run's
timeline and efficiency, and last the medians

    efficiency X.XX updates/s Y.Y

where efficiency = bare compute / wall (1.0 = the page costs nothing on top of training).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
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
FINAL = "finished|diverged|stopped"

# The live panel (loss curves, metric and p(y|x) map) is drawn on a canvas, and it
# draws its own label "step k / N" with fillText: every new label the canvas paints is
# one chart update the browser drew (a repaint with the same label, e.g. when the map's
# picture has loaded, is not counted). Installed before the page's own scripts run.
CANVAS_COUNTER = r"""
(() => {
  window.__draws = [];
  let last = null;
  const fill = CanvasRenderingContext2D.prototype.fillText;
  CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
    const t = String(text);
    if (t !== last && /^step [\d,]+ \/ [\d,]+$/.test(t)) {
      last = t;
      window.__draws.push(performance.now());
    }
    return fill.call(this, text, ...rest);
  };
})();
"""

OBSERVER = r"""
() => {
  window.__updates = [];
  window.__last = null;
  window.__idle = null;  // when the page went idle with the run over (after the click)
  window.__clickAt = null;
  document.addEventListener("click", () => { window.__clickAt = performance.now(); },
      {capture: true, once: true});
  const app = document.querySelector("[data-testid='stApp']");
  const over = () => window.__last && /finished|diverged|stopped/.test(window.__last);
  // a finished run's results are shown: the after-training block (calibration or
  // residuals, the last evaluations) with its history download link, drawn by the live
  // panel; or Streamlit's download button, where the page has no history route
  const results = () => !/finished/.test(window.__last) || document.querySelector(
      '.probnn-results a.probnn-download, [data-testid="stDownloadButton"]') !== null;
  const idle = () => {
    if (window.__clickAt !== null && window.__idle === null && over() && results() &&
        app.getAttribute("data-test-script-state") === "notRunning") {
      window.__idle = performance.now();
    }
  };
  new MutationObserver(idle).observe(app,
      {attributes: true, attributeFilter: ["data-test-script-state"]});
  const read = () => {
    // the status line: Streamlit markdown, or the live panel's own line while it streams
    for (const el of document.querySelectorAll(
        '[data-testid="stMarkdownContainer"], .probnn-status')) {
      const t = el.textContent.trim();
      if (/^Step [\d,]+ \/ [\d,]+/.test(t)) return t;
    }
    return null;
  };
  const seen = () => {
    const t = read();
    if (t !== null && t !== window.__last) {
      window.__last = t;
      window.__updates.push([performance.now(), t]);
    }
    idle();
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
        "data",
        {"binary": "moons", "multiclass": "multi_blobs", "regression": "heteroscedastic"}[page],
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


def one_run(browser, port: int, args, server_pid: int, bare: Callable[[], float]) -> dict:
    """Open the page in a fresh tab, press Train, wait for the end; the measured times.
    ``bare()`` (the same run's bare compute) is timed right before the click and right
    after the end, while the page is idle, and ``bare`` is their mean."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.add_init_script(CANVAS_COUNTER)
    # Open the app's root first, as a student following the learning path would.
    page.goto(f"http://127.0.0.1:{port}/")
    page.wait_for_selector(READY, timeout=120_000)
    page.goto(f"http://127.0.0.1:{port}/{args.page}?{args.query}")
    page.wait_for_selector(READY, timeout=120_000)
    page.wait_for_timeout(1500)
    page.wait_for_selector(READY, timeout=120_000)
    page.evaluate(OBSERVER)
    button = page.get_by_role("button", name="Train", exact=True)
    button.wait_for(timeout=60_000)
    browser_pids = [p for p in _descendants(os.getpid()) if p != server_pid]
    before = bare()
    cpu0 = cpu_of([server_pid]), cpu_of(browser_pids)
    button.click()
    # The times come from the page's own observers (above), so how often this waits
    # and asks does not change them; it asks rarely, as polling on every animation
    # frame (the default) would keep the browser drawing 60 frames a second.
    page.wait_for_function("() => window.__idle !== null", polling=250, timeout=args.timeout * 1000)
    cpu1 = cpu_of([server_pid]), cpu_of(browser_pids)
    after = bare()
    t_click, t_idle = page.evaluate("[window.__clickAt, window.__idle]")
    t_done = next(t for t, x in page.evaluate("window.__updates") if re.search(FINAL, x))
    updates = page.evaluate("window.__updates")
    draws = page.evaluate("window.__draws")
    errors = page.locator("[data-testid='stException']").count()
    if args.shot:
        page.screenshot(path=args.shot)
    page.close()
    during = [(t, text) for t, text in updates if t >= t_click]
    return {
        "wall": (t_idle - t_click) / 1000,
        "to_done": (t_done - t_click) / 1000,
        "first": next(((t - t_click) / 1000 for t, x in during if "training" in x), math.nan),
        "first_draw": next(((t - t_click) / 1000 for t in sorted(draws) if t >= t_click), math.nan),
        "updates": sum(1 for t in draws if t_click <= t <= t_done),
        "texts": len({STATUS.match(x).group(1) for _, x in during if STATUS.match(x)}),
        "cpu_server": cpu1[0] - cpu0[0],
        "cpu_browser": cpu1[1] - cpu0[1],
        "last": during[-1][1] if during else "",
        "errors": errors,
        "bare": (before + after) / 2,
        "bare_before": before,
        "bare_after": after,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--page", default="binary")
    ap.add_argument("--query", default="n=1000&steps=1000&pace=fastest")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--repeat", type=int, default=5, help="runs in the browser (median reported)")
    ap.add_argument("--shot", help="save a screenshot of the finished page here")
    ap.add_argument(
        "--server-arg",
        action="append",
        default=[],
        help="extra option for streamlit run, e.g. --server-arg=--runner.postScriptGC=false",
    )
    args = ap.parse_args()
    query = dict(p.split("=", 1) for p in args.query.split("&") if "=" in p)

    bare_compute(dict(query, steps="20"), args.page)  # one-off costs of the first steps

    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, prefix="live-bench-")
    command = [
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
        *args.server_arg,
    ]
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    runs = []
    try:
        wait_healthy(port, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for i in range(args.repeat):
                r = one_run(browser, port, args, server.pid, lambda: bare_compute(query, args.page))
                r["efficiency"] = r["bare"] / r["wall"]
                runs.append(r)
                print(
                    f"run {i + 1}: click -> first 'training' status {r['first']:.2f} s, first "
                    f"chart redraw {r['first_draw']:.2f} s, finished shown {r['to_done']:.2f} s, "
                    f"page idle {r['wall']:.2f} s; {r['updates']} chart redraws, "
                    f"{r['texts']} status lines; CPU server {r['cpu_server']:.2f} s, "
                    f"browser {r['cpu_browser']:.2f} s; bare compute {r['bare']:.2f} s "
                    f"({r['bare_before']:.2f} before, {r['bare_after']:.2f} after), "
                    f"efficiency {r['efficiency']:.2f}"
                    + (f"; {r['errors']} EXCEPTIONS" if r["errors"] else "")
                )
            browser.close()
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
    print(f"server log: {log.name}; last status: {runs[-1]['last']!r}")
    bare = [r["bare"] for r in runs]
    print(
        f"bare compute (probnn Run.advance alone, 1 torch thread) around each run: "
        f"{', '.join(f'{c:.2f}' for c in bare)} s; "
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    wall = statistics.median(r["wall"] for r in runs)
    rate = statistics.median(r["updates"] / r["to_done"] for r in runs)
    efficiency = statistics.median(r["efficiency"] for r in runs)
    print(f"median wall (click -> page idle) {wall:.2f} s over {len(runs)} runs")
    each = [r["efficiency"] for r in runs]
    print(
        f"efficiency per run: {', '.join(f'{e:.2f}' for e in each)} "
        f"(range {min(each):.2f}-{max(each):.2f}; {sum(e >= 0.8 for e in each)} of {len(each)} "
        "at 0.8 or more)"
    )
    print(f"efficiency {efficiency:.2f} updates/s {rate:.1f}")


if __name__ == "__main__":
    main()
