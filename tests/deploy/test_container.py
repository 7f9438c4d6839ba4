"""The container (deploy/Dockerfile). No image can be built here (no Docker engine), so
the Dockerfile's steps are scripts and these tests run them as the image would: the
build script into a fresh virtual environment, the command, the health check, and the
stop signal, while a student's run trains."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.deploy.conftest import PYTHON, ROOT, free_port, need, stop, train_once, wait_healthy

DOCKERFILE = ROOT / "deploy" / "Dockerfile"
CONTAINER = ROOT / "deploy" / "container"
WHEELS = Path(os.environ.get("PROBNN_TORCH_WHEELS", "/opt/wheels"))


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), " ".join(rest.split())))
    return out


def test_the_dockerfile_runs_the_scripts_the_tests_run():
    steps = _instructions()
    kinds = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and re.fullmatch(r"python:3\.11-slim\S*", steps[0][1])
    assert ("RUN", 'deploy/container/install.sh "$VENV"') in steps
    assert ("CMD", '["deploy/container/serve.sh"]') in steps
    assert ("STOPSIGNAL", "SIGTERM") in steps
    health = next(a for k, a in steps if k == "HEALTHCHECK")
    assert health.endswith('CMD ["/opt/venv/bin/python", "deploy/container/healthcheck.py"]')
    env = " ".join(a for k, a in steps if k == "ENV")
    assert "VENV=/opt/venv" in env and "PORT=8501" in env
    # the app runs as a user of its own, set after everything that needs root
    user = kinds.index("USER")
    assert dict(steps)["USER"] not in ("root", "0")
    assert "RUN" not in kinds[user + 1:]
    # every file a step copies exists
    for kind, args in steps:
        if kind == "COPY":
            for source in shlex.split(args)[:-1]:
                assert (ROOT / source).exists(), source
    for script in ("install.sh", "serve.sh"):
        assert os.access(CONTAINER / script, os.X_OK), f"{script} is not executable"


def test_the_health_check_fails_without_a_server():
    done = subprocess.run([PYTHON, str(CONTAINER / "healthcheck.py"), str(free_port())])
    assert done.returncode == 1


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A fresh virtual environment built by the image's build script. Its torch comes from
    this machine's CPU wheel (PyTorch's site cannot be reached from here); bytecode is
    not compiled (3/4 of the time here, and nothing the tests look at)."""
    local = any(WHEELS.glob("torch-*+cpu-*.whl"))
    need(None if local or os.environ.get("PROBNN_TORCH_WHEELS") == "" else
         f"no CPU wheel of torch in {WHEELS} (PROBNN_TORCH_WHEELS='' takes PyTorch's own page)")
    path = tmp_path_factory.mktemp("container") / "venv"
    env = dict(os.environ, PROBNN_COMPILE="0")
    if local:
        env["PROBNN_TORCH_WHEELS"] = str(WHEELS)
    done = subprocess.run([str(CONTAINER / "install.sh"), str(path)], env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "(CPU)" in done.stdout
    return path


def test_the_build_script_gives_the_cpu_build_and_the_pins(venv):
    code = ("import importlib.metadata as m, torch; "
            "print(torch.__version__, m.version('streamlit'), m.version('pandas'))")
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["2.13.0+cpu", "1.67.0", "3.1.1"]


def test_the_command_serves_the_app_and_a_stop_ends_it_within_seconds(venv, tmp_path):
    """serve.sh in the fresh environment: the health check passes, a student trains a run
    to its end; then, while another long run trains, SIGTERM (what `docker stop` sends)
    ends the server within docker's 10 s grace (a stream would otherwise hold it up to its
    60 s), with no traceback."""
    port = free_port()
    log = tmp_path / "server.log"
    env = dict(os.environ, VENV=str(venv), PORT=str(port), PROBNN_ADDRESS="127.0.0.1")
    with open(log, "w") as out:
        proc = subprocess.Popen([str(CONTAINER / "serve.sh")], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(origin, proc, log)
        check = [str(venv / "bin" / "python"), str(CONTAINER / "healthcheck.py")]
        assert subprocess.run(check, env=env).returncode == 0
        student = train_once(origin)
        assert not student.exceptions and "finished" in student.final.get("status", "")
        # a long run, left training: its stream is open when the signal comes
        def a_long_run():
            with contextlib.suppress(Exception):  # its server is about to stop under it
                train_once(origin, "steps=5000")

        long_run = threading.Thread(target=a_long_run, daemon=True)
        long_run.start()
        time.sleep(4)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running 10 s after SIGTERM; log:\n{log.read_text()[-2000:]}")
        took = time.monotonic() - t0
        assert "Traceback" not in log.read_text(), log.read_text()[-3000:]
        assert subprocess.run(check, env=env).returncode == 1
        print(f"exited {took:.2f} s after SIGTERM with code {proc.returncode}")
    finally:
        stop(proc)
