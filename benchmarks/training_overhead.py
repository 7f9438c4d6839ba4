"""Overhead of probnn's training Run against a bare, hand-written PyTorch loop.

    python benchmarks/training_overhead.py [--steps 2000] [--repeats 5] [--chunk 50] [--profile]

Both train the same 2-32-32-1 tanh network from the same initial weights on the same
1,000 training points (probnn.data "moons"; the Run also holds 250 test points), with
Adam (lr 0.01), 2,000 full-batch steps and one torch thread. The Run uses the Bernoulli
likelihood and its defaults (evaluation every 10 steps: test loss, metrics, gradient
norm); the bare loop calls binary_cross_entropy_with_logits and records nothing.

Each repeat trains both side by side, alternating every ``--chunk`` steps (the Run is
advanced in chunks as the live pages do), so both see the same load on the machine; the
repeats are compared by their medians. Time is the thread's CPU time (time.thread_time): on a shared machine it is what the
process itself spent, not how long other processes held the cores (wall-clock medians
are printed as well). Prints the median steps/s of each and, last,

    ratio X.XX

= probnn steps/s / bare steps/s (1.00 = no overhead), the median over the repeats of
the ratio within each repeat: the two halves of a repeat share the machine's load, so
this is steadier than the ratio of the two medians (also printed) when the load drifts. ``--profile`` adds a cProfile of
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


class Bare:
    """A plain loop: nn.Sequential, Adam, BCE with logits, nothing recorded."""

    def __init__(self, dataset, init_state: dict):
        self.model = nn.Sequential(
            nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1)
        )
        self.model.load_state_dict({k.removeprefix("net."): v for k, v in init_state.items()})
        self.opt = torch.optim.Adam(self.model.parameters(), lr=0.01)
        self.X, self.y = dataset.X_train, dataset.y_train.float()
        self.loss = None

    def advance(self, n: int) -> None:
        model, opt, X, y = self.model, self.opt, self.X, self.y
        for _ in range(n):
            out = model(X).squeeze(-1)
            loss = F.binary_cross_entropy_with_logits(out, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        self.loss = loss


def one_repeat(dataset, init_state: dict, steps: int, chunk: int, flip: bool) -> dict:
    """Train both for ``steps`` steps, alternating chunk by chunk (so both see the same
    machine load); returns each one's total CPU and wall seconds and final loss."""
    run = training.Run(make_config(steps), dataset, init_state=init_state)
    bare = Bare(dataset, init_state)
    cpu = {"probnn": 0.0, "bare": 0.0}
    wall = {"probnn": 0.0, "bare": 0.0}
    order = (("bare", bare), ("probnn", run)) if flip else (("probnn", run), ("bare", bare))
    done = 0
    while done < steps:
        n = min(chunk, steps - done)
        for who, trainer in order:
            w0, c0 = time.perf_counter(), time.thread_time()
            trainer.advance(n)
            cpu[who] += time.thread_time() - c0
            wall[who] += time.perf_counter() - w0
        done += n
        order = order[::-1]
    assert run.status == "finished", run.stop_reason
    final = {"probnn": float(run.history.train_loss[steps - 1]), "bare": float(bare.loss.detach())}
    return {"cpu": cpu, "wall": wall, "final": final, "run": run}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--chunk", type=int, default=50, help="steps per alternation")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    dataset = data.make("moons", n=1250, test_fraction=0.2, seed=0)
    assert dataset.n_train == 1000, dataset.n_train
    init_state = training.Run(make_config(args.steps), dataset).initial_state()

    one_repeat(dataset, init_state, 200, args.chunk, False)  # warm-up
    cpu = {"probnn": [], "bare": []}
    wall = {"probnn": [], "bare": []}
    for i in range(args.repeats):
        res = one_repeat(dataset, init_state, args.steps, args.chunk, flip=bool(i % 2))
        for who in cpu:
            cpu[who].append(res["cpu"][who])
            wall[who].append(res["wall"][who])

    print(f"{args.steps:,} steps in chunks of {args.chunk}, {dataset.n_train:,} training points, "
          f"2-32-32-1 tanh, Adam, 1 thread, {args.repeats} repeats (medians)")  # fmt: skip
    final = res["final"]
    print(f"final training loss: probnn {final['probnn']:.6f}, bare {final['bare']:.6f} nats")
    sps = {}
    for who in ("probnn", "bare"):
        c, w = statistics.median(cpu[who]), statistics.median(wall[who])
        sps[who] = args.steps / c
        print(f"{who:>7}: {sps[who]:8.0f} steps/s CPU  ({args.steps / w:8.0f} steps/s wall)  "
              f"CPU s per repeat: {', '.join(f'{t:.3f}' for t in cpu[who])}")  # fmt: skip
    ratios = [b / p for b, p in zip(cpu["bare"], cpu["probnn"], strict=True)]
    wall_ratios = [b / p for b, p in zip(wall["bare"], wall["probnn"], strict=True)]
    print(f"per-repeat CPU ratios: {', '.join(f'{r:.3f}' for r in ratios)}")
    print(f"ratio of the median steps/s: {sps['probnn'] / sps['bare']:.3f} (CPU)")
    print(f"median wall-clock ratio: {statistics.median(wall_ratios):.3f}")

    if args.profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        run = training.Run(make_config(args.steps), dataset)
        run.advance(args.steps)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(15)

    print(f"ratio {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
