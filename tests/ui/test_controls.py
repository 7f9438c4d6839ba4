"""ui/training_page/controls.py: what Train does to the page's run."""

from __future__ import annotations

import torch

from probnn import data, live, training
from tests.probnn.conftest import one_thread  # noqa: F401  (the fixture)
from ui.training_page.controls import press


def _run() -> live.LiveRun:
    ds = data.make("moons", seed=0, n=200)
    return live.LiveRun.create(training.TrainConfig(hidden=(8,), steps=60, seed=3), ds)


def _weights(lv: live.LiveRun) -> list[torch.Tensor]:
    return [p.detach().clone() for p in lv.run.model.parameters()]


def test_train_on_a_run_never_moved_keeps_it_and_trains_as_a_fresh_one():
    """A run at step 0 that never moved is what a reset would build: Train keeps it
    (no second model built per press) and ends exactly where a reset run ends."""
    kept, reset = _run(), _run()
    built = kept.run
    press(kept, "train")
    reset.reset().start()
    assert kept.wait(60) and reset.wait(60)
    assert kept.run is built
    assert kept.snapshot().status == reset.snapshot().status == "finished"
    assert all(torch.equal(a, b) for a, b in zip(_weights(kept), _weights(reset), strict=True))


def test_train_after_steps_starts_again_from_step_0():
    lv = _run()
    lv.step(10)
    assert lv.wait(60) and lv.snapshot().step == 10
    stepped = lv.run
    press(lv, "train")
    assert lv.run is not stepped  # a fresh run, from step 0
    assert lv.wait(60) and lv.snapshot().status == "finished" and lv.snapshot().step == 60
