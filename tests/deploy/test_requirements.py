"""deploy/check_requirements.py: what a clean machine installs from the Cloud's (and the
container's) requirements file is the CPU build of torch and no CUDA package, for pip
and for uv, as both resolve it. PyTorch's download site cannot be reached from here: its
page of CPU wheels is stood in for by one at the same path on 127.0.0.1 listing the CPU
wheel this machine holds (/opt/wheels); everything else comes from PyPI."""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path

from deploy import check_requirements as check
from tests.deploy.conftest import ROOT, need

WHEELS = Path(os.environ.get("PROBNN_TORCH_WHEELS", "/opt/wheels"))


def test_the_verdict_names_cuda_packages_and_a_torch_that_is_not_the_cpu_build():
    assert check.verdict({"torch": "2.13.0+cpu", "numpy": "2.4.6"}) == []
    assert check.verdict({"torch": "2.13.0", "nvidia-cublas": "13.1", "triton": "3.7.1",
                          "cuda-bindings": "13.5.0"}) == [
        "CUDA package cuda-bindings==13.5.0", "CUDA package nvidia-cublas==13.1",
        "CUDA package triton==3.7.1", "torch==2.13.0 is not the CPU build (+cpu)"]


def test_the_stand_in_serves_pytorchs_page_at_its_path(tmp_path):
    wheel = tmp_path / "torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    wheel.write_bytes(b"not really a wheel")
    with check.standing_in(ROOT / "deploy" / "cloud" / "requirements.txt", tmp_path) as copy:
        line = next(x for x in copy.read_text().splitlines() if x.startswith("--find-links"))
        page = line.split()[1]
        assert page.startswith("http://127.0.0.1:") and page.endswith("/whl/cpu/torch/")
        html = urllib.request.urlopen(page, timeout=5).read().decode()
        assert 'href="/whl/cpu/torch-2.13.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl"' in html
        origin = page.split("/whl/")[0]
        with urllib.request.urlopen(f"{origin}/whl/cpu/{wheel.name.replace('+', '%2B')}") as r:
            assert r.read() == b"not really a wheel"


def _pypi_reachable() -> bool:
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=10).close()
        return True
    except OSError:
        return False


def test_a_clean_machine_gets_the_cpu_torch_from_the_cloud_requirements(capsys):
    need(None if any(WHEELS.glob("torch-*+cpu-*.whl")) else f"no CPU wheel of torch in {WHEELS}")
    need(None if check.uv_command() else "uv is not installed (requirements-dev.txt)")
    need(None if _pypi_reachable() else "PyPI cannot be reached")
    code = check.main([str(ROOT / "deploy" / "cloud" / "requirements.txt"),
                       "--torch-wheels", str(WHEELS), "--uv"])
    out = capsys.readouterr().out
    assert code == 0, out
    for resolver in ("pip", "uv"):
        assert f"{resolver}: ok:" in out, out
    assert "torch==2.13.0+cpu" in out
