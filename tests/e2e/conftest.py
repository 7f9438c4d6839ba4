"""Real-browser fixtures: a headless Streamlit server and Debian's Chromium via playwright.

The browser is never downloaded: it is /usr/bin/chromium (``apt-get install -y chromium``).
Without it these tests are skipped, unless PROBNN_REQUIRE_BROWSER=1 (as in CI), where
a missing browser is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def _need_browser():
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "playwright is not installed (pip install -r requirements-dev.txt)"
    else:
        missing = None if os.path.exists(CHROMIUM) else f"no Chromium at {CHROMIUM}"
    if missing:
        if os.environ.get("PROBNN_REQUIRE_BROWSER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(port: int, proc: subprocess.Popen, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return True
        except OSError:
            time.sleep(0.2)
    return False


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """Base URL of the app served headless for the whole test session."""
    _need_browser()
    port = _free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.fileWatcherType", "none",
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        if not _healthy(port, proc):
            pytest.fail(f"the app did not come up; log:\n{log.read_text()[-3000:]}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    """Folder for screenshots (kept by pytest under its temporary root)."""
    folder = Path(os.environ.get("PROBNN_SHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Tab:
    """One browser tab on the app, collecting page errors and console errors."""

    def __init__(self, page, base: str):
        self.page, self.base = page, base
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", self._console)
        page.on("response", self._response)

    # Opened at a deep link such as /entropy, Streamlit's frontend first probes
    # /entropy/_stcore/health and /entropy/_stcore/host-config to find its base path, gets
    # 404 and falls back to /. Those two probes are expected; any other failed response
    # is an error. Chromium's console line for a failed resource does not name the URL,
    # so failed responses are judged here by URL and the console line is skipped.
    PROBE = ("/_stcore/health", "/_stcore/host-config")

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith(self.PROBE):
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def _console(self, msg):
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {msg.text}")

    def open(self, url_path: str = "", timeout_ms: int = 60_000):
        self.page.goto(f"{self.base}/{url_path.lstrip('/')}")
        self.settle(timeout_ms)
        return self

    def settle(self, timeout_ms: int = 60_000):
        self.page.wait_for_selector(READY, timeout=timeout_ms)
        self.page.wait_for_timeout(250)
        self.page.wait_for_selector(READY, timeout=timeout_ms)

    def exceptions(self) -> list[str]:
        return self.page.locator("[data-testid='stException']").all_inner_texts()

    def shot(self, folder: Path, name: str) -> Path:
        path = folder / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def tab(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield Tab(page, server)
    context.close()
