"""Cost of the generative page's learning curve on one core (the "Run learning curve" button).

    python benchmarks/learning_curve.py                       # the page's default settings
    python benchmarks/learning_curve.py --data xor --cov full --model mlp --seeds 5

Prints wall and CPU seconds for the full curve (sizes 10..1000, every seed), the share
spent per size, and the ratio of stacked training (all seeds as one model, what the
page does) to one training.Run per seed. The goal for the button is under ~10 s.
The first fit of a process pays a one-off import inside torch.optim; it is done
before timing and reported separately.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import probnn  # noqa: E402
from probnn import compare  # noqa: E402
from probnn import data as pdata  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="moons")
    ap.add_argument("--cov", default="shared", choices=compare.COVARIANCE_TITLES)
    ap.add_argument("--model", default="mlp", choices=compare.DISCRIMINATIVE_MODELS)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    probnn.limit_threads(1)
    noise = pdata.GENERATORS[args.data].spec("noise").default
    config = compare.CurveConfig(
        args.data,
        noise,
        seeds=tuple(range(args.seeds)),
        generative=compare.GenerativeConfig(args.cov),
        discriminative=compare.DiscriminativeConfig(args.model),
    )
    t = time.perf_counter()
    compare.curve_point(replace(config, seeds=(0,)), 10)  # warm-up: torch.optim's lazy imports
    print(f"warm-up (first fit in the process): {time.perf_counter() - t:.2f} s")

    per_size = {}
    wall, cpu = time.perf_counter(), time.process_time()
    for size in config.sizes:
        s = time.perf_counter()
        compare.curve_point(config, size)
        per_size[size] = time.perf_counter() - s
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for size, sec in per_size.items():
        print(f"size {size:5d}: {sec:6.2f} s")
    print(
        f"{args.data}/{args.cov}/{args.model}, {len(config.sizes)} sizes x {args.seeds} seeds: "
        f"wall {wall:.2f} s, cpu {cpu:.2f} s"
    )

    # stacked training against one training.Run per seed, at the largest size
    X = np.random.default_rng(0).normal(size=(1000, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    s = time.perf_counter()
    for seed in config.seeds:
        compare.fit_discriminative(X, y, replace(config.discriminative, seed=seed))
    one_by_one = time.perf_counter() - s
    import torch

    Xs = torch.as_tensor(np.stack([X] * len(config.seeds)), dtype=torch.float32)
    ys = torch.as_tensor(np.stack([y] * len(config.seeds)), dtype=torch.float32)
    s = time.perf_counter()
    compare._train_stack(Xs, ys, config.discriminative, config.seeds)
    stacked = time.perf_counter() - s
    print(
        f"1000 points, {len(config.seeds)} seeds: one Run per seed {one_by_one:.2f} s, "
        f"stacked {stacked:.2f} s, ratio {one_by_one / stacked:.1f}x"
    )
    print(f"seconds {wall:.2f}")


if __name__ == "__main__":
    main()
