"""Time probnn.truth.floor for every generator at several noise levels, cold.

Each case is computed with the caches cleared first (``floor`` is cached: a page that
asks twice pays once), three passes over all cases; a case prints its three times in
milliseconds. The last line is ``floor worst N ms``: the slowest case of a pass, the
median over the three passes, with the range. The target is 200 ms.

    python benchmarks/floor.py [--runs 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def cases(data) -> list[tuple[str, dict]]:
    out = []
    for name, g in data.GENERATORS.items():
        spec = g.spec("noise")  # the smallest step, then fractions of the slider's range
        tops = (0.1 * spec.high, spec.default, 0.5 * spec.high, spec.high)
        for noise in sorted({0.0, 0.01, *(round(v, 4) for v in tops)}):
            if "n_classes" in g.defaults():
                out += [(name, {"noise": noise, "n_classes": c}) for c in (3, 8)]
            else:
                out.append((name, {"noise": noise}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads")
    args = parser.parse_args()
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))

    import torch

    from probnn import data, truth

    torch.set_num_threads(args.threads)
    todo = cases(data)
    truth.floor("moons", noise=0.3)  # imports and first calls out of the way
    times: dict[int, list[float]] = {i: [] for i in range(len(todo))}
    values: dict[int, truth.Floor] = {}
    for _ in range(args.runs):
        for i, (name, params) in enumerate(todo):
            truth._truth.cache_clear()
            truth._floor.cache_clear()
            truth._scaling.cache_clear()
            t0 = time.perf_counter()
            values[i] = truth.floor(name, **params)
            times[i].append(1e3 * (time.perf_counter() - t0))
    for i, (name, params) in enumerate(todo):
        what = ", ".join(f"{k}={v:g}" for k, v in params.items())
        ms = " ".join(f"{t:6.1f}" for t in times[i])
        f = values[i]
        print(f"{name:16s} {what:24s} {ms} ms   floor {f.value:9.5f} ± {f.error:.1g}")
    worst = [max(times[i][r] for i in times) for r in range(args.runs)]
    print(
        f"floor worst {statistics.median(worst):.0f} ms "
        f"(passes: {', '.join(f'{w:.0f}' for w in worst)})"
    )


if __name__ == "__main__":
    main()
