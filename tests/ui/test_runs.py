"""ui/runs.py: leaving a training page pauses its runs (one training at a time)."""

from __future__ import annotations

import time

import pytest

from probnn import data, live, training
from tests.probnn.conftest import one_thread  # noqa: F401  (the fixture)
from ui import runs


class Fake:
    def __init__(self, status: str):
        self.status = status
        self.notes: list[str | None] = []

    def pause(self, *, wait: bool = True, note: str | None = None):
        self.status = "paused"
        self.notes.append(note)


def test_runs_of_other_pages_that_train_are_paused_with_a_note():
    mine, other, done = Fake("running"), Fake("running"), Fake("finished")
    cmp_runs = [Fake("running"), Fake("paused")]
    surf = Fake("running")
    state = {
        "tp.binary.live": mine,
        "tp.multiclass.live": other,
        "tp.multiclass.cmp": {"live": cmp_runs},
        "tp.regression.live": done,
        "tp.regression.surf": {"live": surf},
        "tp.regression.cmp": "not a group",  # anything else is left alone
    }
    assert runs.pause_elsewhere("binary", state) == 3
    assert mine.status == "running" and not mine.notes  # the page being shown trains on
    assert other.notes == [runs.LEFT] and cmp_runs[0].notes == [runs.LEFT] and surf.notes
    assert not cmp_runs[1].notes and not done.notes  # nothing to pause
    assert runs.pause_elsewhere("", state) == 1  # the home page: every training page is left
    assert mine.notes == [runs.LEFT]
    assert runs.pause_elsewhere(None, {}) == 0


@pytest.mark.usefixtures("one_thread")
def test_a_real_run_stops_training():
    ds = data.make("moons", seed=0, n=200)
    lv = live.LiveRun.create(training.TrainConfig(hidden=(8,), steps=20_000), ds)
    lv.start()
    deadline = time.monotonic() + 30
    while lv.snapshot().step == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert runs.pause_elsewhere("entropy", {"tp.binary.live": lv}) == 1
    assert lv.wait(30)
    snap = lv.snapshot()
    assert snap.status == "paused" and snap.note == runs.LEFT and 0 < snap.step < 20_000
