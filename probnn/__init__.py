"""probnn: neural networks learn by minimising cross-entropy; every common loss is the
negative log-likelihood of a chosen distribution.

Modules: ``info`` (entropy, cross-entropy, KL), ``families`` (distribution families),
``likelihoods`` (losses derived from likelihoods), ``data``, ``models``, ``training``.
"""

from __future__ import annotations

import os

__all__ = ["limit_threads"]
__version__ = "0.1.0"


def limit_threads(default: int = 1) -> int:
    """Cap torch's intra-op threads so one user's work does not starve others.

    The number comes from the environment variable ``PROBNN_THREADS`` when it holds a
    positive integer, else ``default``. Returns the number set.
    """
    import torch

    raw = os.environ.get("PROBNN_THREADS", "")
    n = int(raw) if raw.strip().isdigit() and int(raw) > 0 else default
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n
