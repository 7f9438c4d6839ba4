"""live.stop_all: what the server calls when it shuts down (app.py)."""

from __future__ import annotations

import pytest

from probnn import data, live, training

pytestmark = pytest.mark.usefixtures("one_thread")


def test_stop_all_pauses_every_run_of_every_owner_without_waiting():
    moons = data.make("moons", seed=1, n=120)
    cfg = training.TrainConfig(hidden=(8,), steps=training.MAX_STEPS, eval_every=10, seed=3)
    runs = [
        live.LiveRun.create(cfg, moons, chunk_seconds=0.01, owner=owner).start()
        for owner in ("session-a", "session-b")
    ]
    idle = live.LiveRun.create(cfg, moons, owner="session-c")  # never started
    try:
        assert all(r.status == "running" for r in runs)
        live.stop_all()
        assert all(r.status != "running" for r in runs)  # at once, not after the chunk
        assert all(r.wait(30) for r in runs)  # and their threads end after it
        for r in runs:  # paused; or, stopped before its first step (a busy machine), ready
            step = r.snapshot().step
            assert r.status == ("paused" if step else "ready") and step < cfg.steps
        assert idle.status == "ready"
    finally:
        for r in runs:
            r.pause(wait=True)
