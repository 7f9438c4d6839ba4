"""Fixtures for the deployment checks (deploy/): servers on free ports of 127.0.0.1.

A tool a test needs (haproxy, uv, kubernetes-validate, PyPI) that is missing skips the
test, unless PROBNN_REQUIRE_DEPLOY=1 (as in CI, whose .ci/run installs them), where it is
a failure.
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


def need(missing: str | None) -> None:
    """Skip (fail in CI) with ``missing``, the reason a test cannot run, if there is one."""
    if missing:
        if os.environ.get("PROBNN_REQUIRE_DEPLOY") == "1":
            pytest.fail(missing)
        pytest.skip(missing)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().strip() == b"ok"
    except OSError:
        return False


def wait_healthy(url: str, proc: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not healthy(url):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the app did not come up at {url}; log:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen, grace: float = 15) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def train_once(origin: str, query: str = "pace=fastest", cookies: bool = False):
    """One simulated student (benchmarks/classroom.py) opens the binary page at ``origin``
    and presses Train as the browser does; the student, once its run is over."""
    import asyncio
    from argparse import Namespace

    from benchmarks.classroom import Student

    class One(Student):
        pass

    One.cookies = cookies
    args = Namespace(page="binary", query=query, click="Train", until=None, timeout=120)
    student = One(0, args)
    url = origin.replace("http://", "ws://") + "/_stcore/stream"
    return asyncio.run(student.run(url, time.perf_counter() + 120))


PYTHON = sys.executable
