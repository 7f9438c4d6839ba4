"""probnn: neural networks learn by minimising cross-entropy; every common loss is the
negative log-likelihood of a chosen distribution.

Modules: ``info`` (entropy, cross-entropy, KL), ``families`` (distribution families),
``likelihoods`` (losses derived from likelihoods), ``data``, ``models``, ``training``,
``live`` (training on a background thread).
"""

from __future__ import annotations

import gc
import os
import sys
import threading

__all__ = ["limit_threads", "warm_up"]
__version__ = "0.1.0"

_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None


def _thread_count(default: int) -> int:
    raw = os.environ.get("PROBNN_THREADS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else default


def limit_threads(default: int = 1) -> int:
    """Cap torch's intra-op threads so one user's work does not starve others.

    The number comes from the environment variable ``PROBNN_THREADS`` when it holds a
    positive integer, else ``default``. Returns the number set. When torch is not
    imported yet, it is not imported here (that takes seconds); the cap is set through
    ``OMP_NUM_THREADS``, which torch reads when it loads, and again by ``warm_up``. So
    it is while another thread is still importing torch: a half-imported module is
    never touched (a fresh server's first pages run while ``warm_up`` imports it).
    """
    n = _thread_count(default)
    torch = _loaded("torch")
    if torch is None:
        os.environ["OMP_NUM_THREADS"] = str(n)
    elif torch.get_num_threads() != n:
        torch.set_num_threads(n)
    _limit_blas(n)
    return n


_blas_limit: list[int] = []  # the cap set on numpy's BLAS, once numpy is loaded


def _limit_blas(n: int) -> None:
    """Cap numpy's BLAS threads too (the truth's densities are matrix products).

    OpenBLAS reads its thread count from the environment when numpy loads, which in a
    server is before any page runs: it then keeps a thread per core spinning after every
    product, so a slider's rerun cost twice its wall time in CPU. Set once per process
    (threadpoolctl scans the loaded libraries), and only for a numpy fully loaded.
    """
    if _blas_limit == [n] or _loaded("numpy") is None:
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional speed-up: numpy works without it
        return
    threadpool_limits(n, user_api="blas")
    _blas_limit[:] = [n]


def _loaded(name: str):
    """The module ``name`` once its import has finished, else None.

    ``sys.modules`` holds a module from the moment its import starts: while another
    thread (``warm_up``) is still importing torch, it is there half-made, without
    ``get_num_threads``. Python marks a module whose import is under way with
    ``__spec__._initializing``.
    """
    module = sys.modules.get(name)
    spec = getattr(module, "__spec__", None)
    if module is None or getattr(spec, "_initializing", False):
        return None
    return module


def _warm(default: int) -> None:
    import torch

    limit_threads(default)
    # The first optimiser step in a process loads torch's compiler stack (seconds);
    # pay it here, once, rather than in the first student's first training step.
    layer = torch.nn.Linear(2, 1)
    optimiser = torch.optim.Adam(layer.parameters(), lr=1e-3)
    layer(torch.zeros(1, 2)).sum().backward()
    optimiser.step()
    # What is loaded by now (torch, numpy, pandas, the server's modules: hundreds of
    # thousands of objects) stays for the life of the process: taken out of the garbage
    # collector's view, they are no longer walked at each full collection (0.3 s of CPU
    # each, a few times in a class of 100 on one server).
    gc.collect()
    gc.freeze()


def warm_up(default: int = 1) -> threading.Thread:
    """Load torch and take one optimiser step on a background thread, once per process.

    A server calls this at start so that the first page that trains does not stall
    for the seconds torch needs to load; pages that need no torch render meanwhile.
    Then it moves every object alive to the collector's permanent generation
    (``gc.freeze``), so full collections later walk only what came after.
    Returns the (possibly finished) thread; ``join()`` it to wait.
    """
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(
                target=_warm, args=(default,), name="probnn-warm-up", daemon=True
            )
            _warm_thread.start()
        return _warm_thread
