"""Overhead of probnn's training Run against a bare, hand-written PyTorch loop.

    python benchmarks/training_overhead.py [--steps 2000] [--repeats 5] [--profile]

Both train the same 2-32-32-1 tanh network from the same initial weights on the same
1,000 training points (probnn.data "moons"; the Run also holds 250 test points), with
Adam (lr 0.01), 2,000 full-batch steps and one torch thread. The Run uses the Bernoulli
likelihood and its defaults (evaluation every 10 steps: test loss, metrics, gradient
norm); the bare loop calls binary_cross_entropy_with_logits and records nothing.

The two are timed alternately, ``--repeats`` times each, and compared by their medians.
Time is the thread's CPU time (time.thread_time): on a shared machine it is what the
process itself spent, not how long other processes held the cores (wall-clock medians
are printed as well). Prints the steps/s of each and, last,

    ratio X.XX

= probnn steps/s / bare steps/s (1.00 = no overhead). ``--profile`` adds a cProfile of
one Run (where the remaining time goes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from probnn import data, training  # noqa: E402


def make_config(steps: int) -> training.TrainConfig:
    return training.TrainConfig(
        likelihood="bernoulli", hidden=(32, 32), activation="tanh", optimiser="adam",
        lr=0.01, steps=steps, seed=0,
    )  # fmt: skip


def time_run(dataset, steps: int) -> tuple[float, float, training.Run]:
    run = training.Run(make_config(steps), dataset)
    w0, c0 = time.perf_counter(), time.thread_time()
    run.advance(steps)
    return time.thread_time() - c0, time.perf_counter() - w0, run


def time_bare(dataset, steps: int, init_state: dict) -> tuple[float, float, float]:
    """A plain loop: nn.Sequential, Adam, BCE with logits. Returns (cpu, wall, final loss)."""
    model = nn.Sequential(
        nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)
    )
    model.load_state_dict({k.removeprefix("net."): v for k, v in init_state.items()})
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    X, y = dataset.X_train, dataset.y_train.float()
    w0, c0 = time.perf_counter(), time.thread_time()
    for _ in range(steps):
        out = model(X).squeeze(-1)
        loss = F.binary_cross_entropy_with_logits(out, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return time.thread_time() - c0, time.perf_counter() - w0, float(loss.detach())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = data.make("moons", n=1250, test_fraction=0.2, seed=0)
    assert dataset.n_train == 1000, dataset.n_train
    init_state = training.Run(make_config(args.steps), dataset).initial_state()

    # warm-up (allocator, lazy imports), then alternate
    time_run(dataset, 200)
    time_bare(dataset, 200, init_state)
    cpu = {"probnn": [], "bare": []}
    wall = {"probnn": [], "bare": []}
    for i in range(args.repeats):
        order = ("probnn", "bare") if i % 2 == 0 else ("bare", "probnn")
        for who in order:
            if who == "probnn":
                c, w, run = time_run(dataset, args.steps)
                last_run_loss = float(run.history.train_loss[run.step - 1])
            else:
                c, w, last_bare_loss = time_bare(dataset, args.steps, init_state)
            cpu[who].append(c)
            wall[who].append(w)

    print(f"{args.steps:,} steps, {dataset.n_train:,} training points, 2-32-32-1 tanh, Adam, "
          f"1 thread, {args.repeats} alternating repeats (medians)")  # fmt: skip
    print(f"final training loss: probnn {last_run_loss:.6f}, bare {last_bare_loss:.6f} nats")
    sps = {}
    for who in ("probnn", "bare"):
        c, w = statistics.median(cpu[who]), statistics.median(wall[who])
        sps[who] = args.steps / c
        print(f"{who:>7}: {sps[who]:8.0f} steps/s CPU  ({args.steps / w:8.0f} steps/s wall)  "
              f"CPU s per repeat: {', '.join(f'{t:.3f}' for t in cpu[who])}")  # fmt: skip
    wall_ratio = statistics.median(wall["bare"]) / statistics.median(wall["probnn"])
    print(f"wall-clock ratio {wall_ratio:.2f}")

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        time_run(dataset, args.steps)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)

    print(f"ratio {sps['probnn'] / sps['bare']:.2f}")


if __name__ == "__main__":
    main()
