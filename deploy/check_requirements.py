"""What a clean Linux machine installs from a requirements file: no CUDA, a CPU torch?

    python deploy/check_requirements.py deploy/cloud/requirements.txt
    python deploy/check_requirements.py requirements.txt          # fails: PyPI's CUDA torch
    python deploy/check_requirements.py deploy/cloud/requirements.txt --torch-wheels /opt/wheels

Resolves the file as a fresh machine would, with this machine's pip configuration
ignored (``PIP_CONFIG_FILE=/dev/null pip install --isolated --dry-run --report``: no
local wheels, no local index, no constraints), and, with ``--uv``, as uv does too
(Community Cloud installs a requirements file with uv first, pip if uv fails). Prints
what would be installed and fails (exit 1) if that holds a CUDA package (``nvidia-*``,
``cuda-*``, ``triton``) or a torch that is not the CPU build (``+cpu``); exit 2 if the
file does not resolve at all.

``--torch-wheels DIR`` is for a machine that cannot reach PyTorch's download site: each
``--find-links`` page of that site in the file is served from 127.0.0.1 instead, at the
same path, listing the wheels in DIR as the real page lists them (on this machine
/opt/wheels holds torch 2.13.0+cpu for Python 3.11). Everything else still comes from
PyPI. What that checks is the file's declaration (a page of CPU wheels added to PyPI
and the ``+cpu`` pin); not that the real page holds the wheel.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

PYTORCH = "https://download.pytorch.org"
CUDA = re.compile(r"^(nvidia-|cuda-|cupy|triton$)", re.I)


def verdict(packages: dict[str, str]) -> list[str]:
    """The problems in a resolution ({name: version}): CUDA packages, a non-CPU torch."""
    problems = [f"CUDA package {n}=={v}" for n, v in sorted(packages.items()) if CUDA.match(n)]
    torch = packages.get("torch")
    if torch is not None and not torch.endswith("+cpu"):
        problems.append(f"torch=={torch} is not the CPU build (+cpu)")
    return problems


class _WheelPage(http.server.BaseHTTPRequestHandler):
    """Serves PyTorch's find-links pages from local wheels: a page path lists every wheel
    in ``wheels`` as a link to ``<page's parent>/<file>``, as the real pages do."""

    wheels: Path
    pages: set[str]

    def do_HEAD(self):  # noqa: N802 - http.server's name (uv asks before it downloads)
        self.do_GET(body=False)

    def do_GET(self, body: bool = True):  # noqa: N802 - http.server's name
        path = urlsplit(self.path).path
        if path in self.pages:
            parent = path.rstrip("/").rsplit("/", 1)[0]
            links = "".join(
                f'<a href="{parent}/{quote(w.name)}">{w.name}</a><br/>\n'
                for w in sorted(self.wheels.glob("*.whl"))
            )
            page = f"<!DOCTYPE html><html><body>\n{links}</body></html>\n".encode()
            self._send(page, "text/html", body=body)
            return
        wheel = self.wheels / unquote(path.rsplit("/", 1)[-1])
        if path.endswith(".whl") and wheel.is_file():
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(wheel.stat().st_size))
            self.end_headers()
            if body:
                with open(wheel, "rb") as f:
                    shutil.copyfileobj(f, self.wfile)
            return
        self._send(b"not found", "text/plain", 404, body=body)

    def _send(self, data: bytes, kind: str, status: int = 200, body: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@contextlib.contextmanager
def standing_in(requirements: Path, wheels: Path | None):
    """The requirements file to resolve: as it is, or (``wheels``) a copy whose PyTorch
    find-links pages point at a local server that lists ``wheels`` at the same paths."""
    if wheels is None:
        yield requirements
        return
    lines = requirements.read_text().splitlines()
    pages = {
        urlsplit(line.split(None, 1)[1]).path
        for line in lines
        if line.startswith(("--find-links", "-f ")) and PYTORCH in line
    }
    handler = type("Page", (_WheelPage,), {"wheels": wheels, "pages": pages})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    local = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "requirements.txt"
            copy.write_text("\n".join(line.replace(PYTORCH, local) for line in lines) + "\n")
            yield copy
    finally:
        server.shutdown()
        server.server_close()


def _clean_env() -> dict[str, str]:
    """This process's environment without pip's and uv's settings: a fresh machine's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def resolve_pip(requirements: Path) -> dict[str, str]:
    """{name: version} that pip would install on a clean machine (this interpreter)."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        cmd = [sys.executable, "-m", "pip", "install", "--isolated", "--dry-run",
               "--ignore-installed", "--quiet", "--report", str(report), "-r", str(requirements)]
        done = subprocess.run(cmd, env=_clean_env(), capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"pip could not resolve it:\n{done.stderr[-3000:]}")
        items = json.loads(report.read_text())["install"]
    return {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}


def uv_command() -> list[str] | None:
    """How to run uv here (the ``uv`` package of requirements-dev.txt), or None."""
    with contextlib.suppress(ImportError):
        from uv import find_uv_bin

        return [find_uv_bin()]
    found = shutil.which("uv")
    return [found] if found else None


def resolve_uv(requirements: Path, python: str) -> dict[str, str]:
    """{name: version} that uv resolves for ``python`` on x86_64 Linux, no config files."""
    uv = uv_command()
    if uv is None:
        raise RuntimeError("uv is not installed (pip install -r requirements-dev.txt)")
    with tempfile.TemporaryDirectory() as tmp:
        env = _clean_env() | {"UV_CACHE_DIR": str(Path(tmp) / "cache")}
        cmd = [*uv, "pip", "compile", "--no-config", "--quiet", "--no-header",
               "--python-version", python, "--python-platform", "x86_64-manylinux_2_28",
               str(requirements)]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tmp)
    if done.returncode != 0:
        raise RuntimeError(f"uv could not resolve it:\n{done.stderr[-3000:]}")
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", done.stdout, re.M)
    return {name.lower(): version for name, version in pins}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("requirements", type=Path, nargs="?", default=Path("requirements.txt"))
    ap.add_argument("--torch-wheels", type=Path, metavar="DIR",
                    help="serve PyTorch's find-links pages from the wheels in DIR")
    ap.add_argument("--uv", action="store_true", help="resolve with uv as well as pip")
    ap.add_argument("--python", default="3.11", help="the Python version uv resolves for")
    args = ap.parse_args(argv)
    failed = False
    with standing_in(args.requirements, args.torch_wheels) as requirements:
        resolvers = [("pip", lambda: resolve_pip(requirements))]
        if args.uv:
            resolvers.append(("uv", lambda: resolve_uv(requirements, args.python)))
        for name, resolve in resolvers:
            try:
                packages = resolve()
            except RuntimeError as err:
                print(f"{name}: {err}")
                return 2
            print(f"{name}: {len(packages)} packages: "
                  + ", ".join(f"{n}=={v}" for n, v in sorted(packages.items())))
            problems = verdict(packages)
            for problem in problems:
                print(f"{name}: {problem}")
            print(f"{name}: {'FAIL' if problems else 'ok'}: {args.requirements}"
                  + (f" (PyTorch's pages served from {args.torch_wheels})" if args.torch_wheels else ""))
            failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
