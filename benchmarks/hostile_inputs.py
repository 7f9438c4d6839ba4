"""What a hostile upload or link costs the server: peak memory growth and CPU seconds.

    python benchmarks/hostile_inputs.py                    # every file and link, once
    python benchmarks/hostile_inputs.py --only long_cell,wide --repeat 3
    python benchmarks/hostile_inputs.py --files-only

It serves the app headless (``streamlit run app.py``) and drives Chromium (playwright,
/usr/bin/chromium). Each hostile CSV of ``tests/hostile/files.py`` is uploaded the way a
browser does, through the CSV panel of ``/binary?data=csv`` in a fresh tab (after a
good file has been uploaded once, so that one-off imports are not billed to the first
input); each hostile link is opened in a fresh tab (eight loss-surface links in eight
tabs at once). An input is over when the page has drawn its outcome (the upload's
message or "Training on ..."; for a link, the page's title), the script is idle and the
server has spent less than 0.05 s of CPU in the last half second.

While an input is measured, a thread samples the server's resident memory
(``/proc/<pid>/status`` VmRSS) every 20 ms; the row reports the peak over the value at
the start, and the server's CPU seconds (``/proc/<pid>/stat`` utime + stime) from start
to settled. It also counts the links and images to ``example.invalid`` that the page
drew (Markdown from a file or a link that became active: should be 0).

Prints one row per input (with ``--repeat``, the worst of the repeats; for the eight
links opened together, their memory together and each one's share of the CPU), then the
worst of the files and of the links, and last

    worst rss +N MB cpu S s

over every input measured. Goal: at most +200 MB and 2 s for any file up to the 5 MB cap.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.live_training import ARGS, CHROMIUM, free_port, wait_healthy  # noqa: E402
from tests.hostile.files import FILES, IMAGE, LINK  # noqa: E402

READY = "[data-testid='stApp'][data-test-script-state='notRunning']"
GOOD = "x1,x2,label\n" + "".join(
    f"{i % 7 - 3},{(i * 3) % 5 - 2},{'ab'[i % 2]}\n" for i in range(60)
)
LINKS = {
    "seed_inf": "binary?seed=inf",
    "seed_1e309": "binary?seed=1e309",
    "seed_400_nines": "binary?seed=" + "9" * 400,
    "layers_inf": "binary?layers=inf",
    "steps_minus_inf": "binary?steps=-inf",
    "lr_markdown": "binary?lr="
    + urllib.parse.quote("[Session expired](https://example.invalid/login)"),
    "query_50kb": "binary?seed=1&junk=" + "a" * 50_000,
    "spiral_noise_1e-7": "binary?data=spiral&noise=1e-7",  # the floor's quadrature: 108 s
    "moons_noise_1e-300": "binary?noise=1e-300",
}
NAMES = {"markdown_names": f"{LINK}.csv", "markdown_values": f"{IMAGE}.csv"}  # file names
SURFACES = [f"binary?tab=Loss+surface&s_n=1000&seed={k}" for k in range(1, 9)]  # at once
# the outcome of an upload: a message or the caption of the table taken, which name the
# file; or the uploader's own refusal of a file over Streamlit's upload cap (the server
# never sees it)
OUTCOME = """(name) => [...document.querySelectorAll(
    "[data-testid='stAlert'], [data-testid='stCaptionContainer'], [data-testid='stFileUploader']")]
    .some((e) => e.textContent.replaceAll("\\u2060", "").includes(name)
        && (e.dataset.testid !== "stFileUploader" || e.textContent.includes("or smaller")))"""
ACTIVE = """() => document.querySelectorAll(
    "[data-testid='stMain'] a[href*='example.invalid'],"
    + " [data-testid='stMain'] img[src*='example.invalid']").length"""
MESSAGE = """(name) => {
    const text = (sel) => [...document.querySelectorAll(sel)]
        .map((e) => e.textContent.replaceAll("\\u2060", "")).filter((t) => t.includes(name));
    const said = text("[data-testid='stAlert'], [data-testid='stCaptionContainer']");
    const refused = text("[data-testid='stFileUploader']").map((t) => t.match(/File must be .*? or smaller\\./))
        .filter((m) => m).map((m) => "refused by the uploader: " + m[0]);
    return [...said, ...refused, ""][0]; }"""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Sampler(threading.Thread):
    """The server's peak resident memory since the last :meth:`reset`, sampled every 20 ms."""

    def __init__(self, pid: int, every: float = 0.02):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.lock = threading.Lock()
        self.base = self.peak = rss_mb(pid)
        self.done = False

    def run(self) -> None:
        while not self.done:
            try:
                now = rss_mb(self.pid)
            except OSError:
                return
            with self.lock:
                self.peak = max(self.peak, now)
            time.sleep(self.every)

    def reset(self) -> None:
        with self.lock:
            self.base = self.peak = rss_mb(self.pid)

    def growth(self) -> float:
        with self.lock:
            return self.peak - self.base


def settle(page, pid: int, timeout: float) -> None:
    """Wait until the script is idle and the server nearly so (< 0.05 s CPU in 0.5 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_selector(READY, timeout=timeout * 1000)
        before = cpu_seconds(pid)
        time.sleep(0.5)
        if cpu_seconds(pid) - before < 0.05:
            return
    raise TimeoutError("the server did not settle")


def open_tab(browser, port: int, path: str, pid: int, timeout: float):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"http://127.0.0.1:{port}/{path}", timeout=timeout * 1000)
    page.wait_for_selector("h1", timeout=timeout * 1000)
    settle(page, pid, timeout)
    return page


def upload(page, name: str, content: bytes, timeout: float) -> None:
    chooser = page.locator("[data-testid='stFileUploader'] input[type='file']")
    chooser.set_input_files(files=[{"name": name, "mimeType": "text/csv", "buffer": content}])
    page.wait_for_function(OUTCOME, arg=name, polling=50, timeout=timeout * 1000)


def measure_file(browser, port, pid, sampler, key: str, timeout: float) -> dict:
    content = FILES[key]()
    name = NAMES.get(key, f"{key}.csv")
    page = open_tab(browser, port, "binary?data=csv", pid, timeout)
    sampler.reset()
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    upload(page, name, content, timeout)
    settle(page, pid, timeout)
    cpu = cpu_seconds(pid) - cpu0
    row = {
        "rss": sampler.growth(),
        "cpu": cpu,
        "wall": time.monotonic() - t0,
        "size": len(content),
        "active": page.evaluate(ACTIVE),
        "message": " ".join(page.evaluate(MESSAGE, name).split()),
    }
    page.close()
    return row


def measure_links(browser, port, pid, sampler, paths: list[str], timeout: float) -> dict:
    """Open ``paths`` in as many tabs at once; measured until every tab has settled."""
    sampler.reset()
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    pages = []
    for path in paths:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"http://127.0.0.1:{port}/{path}", wait_until="commit", timeout=timeout * 1000)
        pages.append(page)
    for page in pages:
        page.wait_for_selector("h1", timeout=timeout * 1000)
    for page in pages:
        settle(page, pid, timeout)
    row = {
        "rss": sampler.growth(),
        "cpu": cpu_seconds(pid) - cpu0,
        "wall": time.monotonic() - t0,
        "size": sum(len(p) for p in paths),
        "active": sum(page.evaluate(ACTIVE) for page in pages),
        "message": " ".join(
            pages[0]
            .evaluate(
                """() => [...document.querySelectorAll("[data-testid='stAlert'],"
                + " [data-testid='stCaptionContainer']")]
                .map((e) => e.textContent.replaceAll("\\u2060", ""))
                .filter((t) => /ignored|Link|link/.test(t)).join(" | ")"""
            )
            .split()
        ),
    }
    for page in pages:
        page.close()
    return row


def _size(n: int) -> str:
    return f"{n / 1e6:.2f} MB" if n >= 100_000 else f"{n / 1e3:.1f} kB"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="comma-separated parts of input names to measure")
    ap.add_argument("--repeat", type=int, default=1, help="measure each input this many times")
    ap.add_argument("--files-only", action="store_true", help="skip the links")
    ap.add_argument("--links-only", action="store_true", help="skip the files")
    ap.add_argument("--timeout", type=float, default=90, help="seconds an input may take")
    args = ap.parse_args()
    wanted = [w for w in (args.only or "").split(",") if w]

    def chosen(key: str) -> bool:
        return not wanted or any(w in key for w in wanted)

    inputs = []
    if not args.links_only:
        inputs += [("file", k) for k in FILES if chosen(k)]
    if not args.files_only:
        inputs += [("link", k) for k in LINKS if chosen(k)]
        if chosen("surface_x8"):
            inputs.append(("links", "surface_x8"))

    from playwright.sync_api import sync_playwright

    port = free_port()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False, prefix="hostile-")
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.port", str(port), "--browser.gatherUsageStats", "false"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    worst: dict[str, tuple[float, float]] = {}
    try:
        wait_healthy(port, server)
        sampler = Sampler(server.pid)
        sampler.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            warm = open_tab(browser, port, "binary?data=csv", server.pid, args.timeout)
            upload(warm, "warm-up.csv", GOOD.encode(), args.timeout)
            settle(warm, server.pid, args.timeout)
            warm.close()
            print(f"server pid {server.pid}, {rss_mb(server.pid):.0f} MB after warm-up")
            for kind, key in inputs:
                rows = []
                for _ in range(args.repeat):
                    if kind == "file":
                        rows.append(
                            measure_file(browser, port, server.pid, sampler, key, args.timeout)
                        )
                    else:
                        paths = SURFACES if kind == "links" else [LINKS[key]]
                        rows.append(
                            measure_links(browser, port, server.pid, sampler, paths, args.timeout)
                        )
                rss, cpu = max(r["rss"] for r in rows), max(r["cpu"] for r in rows)
                wall = max(r["wall"] for r in rows)
                spread = ""
                if args.repeat > 1:
                    spread = (f" (rss {min(r['rss'] for r in rows):.0f}-{rss:.0f},"
                              f" cpu {min(r['cpu'] for r in rows):.2f}-{cpu:.2f})")  # fmt: skip
                group = "files" if kind == "file" else "links"
                w = worst.get(group, (0.0, 0.0))
                # links opened together: the memory is all of theirs at once, the CPU
                # each one's share (an input is one link)
                each = len(SURFACES) if kind == "links" else 1
                worst[group] = (max(w[0], rss), max(w[1], cpu / each))
                per = f" ({cpu / each:.2f} s each)" if each > 1 else ""
                print(
                    f"{kind:5s} {key:22s} {_size(rows[0]['size']):>9s}  rss +{rss:4.0f} MB  "
                    f"cpu {cpu:5.2f} s{per}  wall {wall:5.1f} s{spread}  "
                    f"active {rows[0]['active']}  {rows[0]['message'][:110]}",
                    flush=True,
                )
            browser.close()
        sampler.done = True
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    for group, (rss, cpu) in worst.items():
        print(f"{group} worst rss +{rss:.0f} MB cpu {cpu:.2f} s")
    rss = max((r for r, _ in worst.values()), default=0.0)
    cpu = max((c for _, c in worst.values()), default=0.0)
    print(f"worst rss +{rss:.0f} MB cpu {cpu:.2f} s")


if __name__ == "__main__":
    main()
