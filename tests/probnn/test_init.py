"""probnn's process-level helpers: the thread cap and the background warm-up."""

import importlib.machinery
import os
import subprocess
import sys
import types

import torch

import probnn


def test_limit_threads_reads_the_environment(monkeypatch):
    before = torch.get_num_threads()
    try:
        monkeypatch.setenv("PROBNN_THREADS", "2")
        assert probnn.limit_threads() == 2
        assert torch.get_num_threads() == 2
        monkeypatch.setenv("PROBNN_THREADS", "zero")
        assert probnn.limit_threads(default=1) == 1
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_limit_threads_before_torch_loads_sets_the_cap_torch_reads():
    code = (
        "import os, sys, probnn\n"
        "os.environ['PROBNN_THREADS'] = '1'\n"
        "probnn.limit_threads()\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "print(torch.get_num_threads())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_warm_up_runs_once_and_finishes():
    first = probnn.warm_up()
    assert probnn.warm_up() is first
    first.join(timeout=120)
    assert not first.is_alive()


def test_warm_up_takes_what_is_loaded_out_of_the_collectors_view():
    """After the warm-up, the objects of the loaded modules (torch's among them) are in
    the collector's permanent generation: full collections no longer walk them."""
    code = (
        "import gc, probnn\n"
        "assert gc.get_freeze_count() == 0\n"
        "probnn.warm_up().join(120)\n"
        "print(gc.get_freeze_count())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) > 100_000


def test_limit_threads_leaves_a_half_imported_torch_alone(monkeypatch):
    """While warm_up's thread imports torch, sys.modules already holds it, half made
    (no get_num_threads yet): a page that starts then must not fail."""
    half = types.ModuleType("torch")
    half.__spec__ = importlib.machinery.ModuleSpec("torch", None)
    half.__spec__._initializing = True  # what the import system sets while it runs
    monkeypatch.setitem(sys.modules, "torch", half)
    monkeypatch.setenv("PROBNN_THREADS", "1")
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert probnn.limit_threads() == 1
    assert os.environ["OMP_NUM_THREADS"] == "1"  # torch reads it when it loads


def test_limit_threads_caps_numpys_blas_too():
    # OpenBLAS takes its thread count when numpy loads (a thread per core, spinning
    # after every matrix product): the cap must reach it afterwards
    from threadpoolctl import threadpool_info, threadpool_limits

    with threadpool_limits(2, user_api="blas"):
        probnn._blas_limit.clear()
        assert probnn.limit_threads(1) == 1
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(i["num_threads"] == 1 for i in blas)
