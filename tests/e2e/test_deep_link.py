"""A shared link into a page works on a freshly started server, for the very first visitor."""

import subprocess
import sys

import pytest

from tests.e2e.conftest import ARGS, CHROMIUM, READY, ROOT, _free_port, _healthy, _need_browser

pytestmark = pytest.mark.e2e


def test_first_visit_to_a_deep_link_on_a_fresh_server(tmp_path):
    _need_browser()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    with open(tmp_path / "server.log", "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port)], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        assert _healthy(port, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/cross-entropy?p_sigma=2")
            page.wait_for_selector(READY, timeout=120_000)
            page.wait_for_timeout(500)
            body = page.inner_text("body")
            browser.close()
        assert "Page not found" not in body
        assert "Cross-entropy and KL divergence" in body
        # The router's navigation (titles by section), not a list of file names.
        assert "Start here" in body and "1 · Information" in body
    finally:
        server.terminate()
        server.wait(10)
