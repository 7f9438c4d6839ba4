"""The Community Cloud entry point (deploy/cloud/): its requirements are the root's but for
the CPU build of torch, and it serves the same app, routes and all."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import urllib.error
import urllib.request

from tests.deploy.conftest import PYTHON, ROOT, free_port, stop, train_once, wait_healthy

CLOUD = ROOT / "deploy" / "cloud"


def _pins(path):
    """{name: spec} of a requirements file's requirement lines; and its option lines."""
    pins, options = {}, []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        name, spec = re.match(r"([A-Za-z0-9._-]+)\s*(.*)", line).groups()
        pins[name.lower()] = spec
    return pins, options


def test_cloud_requirements_are_the_root_pins_with_a_cpu_torch():
    root, root_options = _pins(ROOT / "requirements.txt")
    cloud, cloud_options = _pins(CLOUD / "requirements.txt")
    assert root_options == []  # the root file stays plain: nothing this machine cannot reach
    assert set(cloud) == set(root)
    for name, spec in root.items():
        if name == "torch":
            assert cloud[name] == spec + "+cpu", "the CPU build of the root's torch"
        else:
            assert cloud[name] == spec, f"{name}: {cloud[name]} here, {spec} in requirements.txt"
    # the CPU wheels come from PyTorch's page of torch's CPU builds, added to PyPI
    assert cloud_options == ["--find-links https://download.pytorch.org/whl/cpu/torch/"]


def _app_call(path):
    """The keyword arguments (as source) and the imports of a file's ``app = st.App(...)``."""
    tree = ast.parse(path.read_text())
    calls = [node.value for node in tree.body if isinstance(node, ast.Assign)
             and [getattr(t, "id", None) for t in node.targets] == ["app"]]
    assert len(calls) == 1, f"{path}: one 'app = st.App(...)' at the top level"
    call = calls[0]
    assert ast.unparse(call.func) == "st.App"
    imports = sorted(ast.unparse(n) for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom))
    return {k.arg: ast.unparse(k.value) for k in call.keywords}, call.args, imports


def test_the_cloud_entry_point_passes_what_app_py_passes():
    cloud, cloud_args, cloud_imports = _app_call(CLOUD / "streamlit_app.py")
    root, root_args, root_imports = _app_call(ROOT / "app.py")
    assert cloud == root  # routes, lifespan, ...: whatever app.py gives st.App
    assert [ast.unparse(a) for a in root_args] == ["'main.py'"]
    assert [ast.unparse(a) for a in cloud_args] == ["ROOT / 'main.py'"]
    assert set(root_imports) <= set(cloud_imports)


def test_the_cloud_entry_point_serves_the_app_and_its_routes(tmp_path):
    """Started as Cloud starts it (from the repository's root), it serves the pages, the
    app's own routes, and a run started by the panel's Train button to its end."""
    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [PYTHON, "-m", "streamlit", "run", "deploy/cloud/streamlit_app.py",
             "--server.headless", "true", "--server.port", str(port),
             "--browser.gatherUsageStats", "false"],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    origin = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(origin, proc, log)
        try:
            urllib.request.urlopen(f"{origin}/_probnn/stream/no-such-token", timeout=10)
            raise AssertionError("a stream route that does not exist answered")
        except urllib.error.HTTPError as err:  # the route's own 404, not the app's page
            assert err.code == 404
            assert "no such stream" in json.loads(err.read())["error"]
        student = train_once(origin)
        assert not student.exceptions, student.exceptions
        assert student.done is not None and student.train is not None, "trained by the panel"
        assert "finished" in student.final.get("status", ""), student.final.get("status")
    finally:
        stop(proc)
