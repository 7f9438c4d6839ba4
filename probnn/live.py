"""Live training: a training Run advanced on a background thread and watched through
cheap snapshots.

A page that trains a network while the student watches has two jobs that compete for
one Python process: computing the steps and drawing the charts. :class:`LiveRun` splits
them. A daemon thread advances the wrapped :class:`probnn.training.Run` in chunks of
about ``chunk_seconds`` of compute (longer while a crowd waits for the compute slot);
every ``publish_every`` seconds it copies what a page needs (the downsampled history
and whatever ``observe(run)`` returns, e.g. the model's probabilities on a grid) into an
immutable :class:`Snapshot`. The drawing side calls :meth:`LiveRun.snapshot` as often as
it likes: it costs a lock and an attribute read, never a forward pass.

Shared infrastructure, not session data, lives at module level:

* a compute slot (:class:`probnn.fair.FairShare`), so that thirty runs started
  together take turns chunk by chunk instead of thrashing the interpreter lock, and
  every session (a run's ``owner``) gets its share of it however big or many its runs;
* a count of the runs computing right now, from which :func:`render_interval` derives
  how often each watcher should redraw so that drawing stays a small share of the CPU.

A run left alone pauses itself: when nobody asked for a snapshot for ``heartbeat``
seconds (the browser tab was closed), the thread stops after its current chunk.

The module also holds the two-parameter lab of the binary page: a 1-D binary data set
(:func:`line_dataset`), the negative log-likelihood surface of logistic regression over
a grid of (weight, bias) (:func:`loss_surface`) and the tracer of the optimiser's path
on it (:func:`weight_bias`).
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch

from probnn.fair import FairShare

__all__ = [
    "FINAL_STATES",
    "LiveRun",
    "Snapshot",
    "active_count",
    "calibration_table",
    "curves",
    "history_table",
    "likelihood_of",
    "line_dataset",
    "loss_surface",
    "plane",
    "predict",
    "render_interval",
    "residual_table",
    "surprise",
    "weight_bias",
    "yardstick",
]

FINAL_STATES = ("finished", "diverged", "stopped")  # a run in one of these never moves again
_EARLY = 0.003  # seconds: a snapshot this close to due is published now, not a chunk later
CROWD = 4  # chunks waiting for the compute slot from which a chunk is longer
CROWD_FACTOR = 2.0  # ... and how much longer
_PACE_NAP = 0.05  # seconds: the longest sleep of a paced run between two looks at pause


def _slots() -> int:
    """Chunks that may compute at the same time, in the whole process.

    ``PROBNN_COMPUTE_SLOTS`` when it holds a positive integer, else 1. Training a small
    network is mostly Python overhead between tiny tensor operations, all under the
    interpreter lock: two chunks computing at once do not finish sooner than one after
    the other, they only add lock hand-overs (measured: about 1.4x the CPU time for two
    runs in two threads against the same two runs in turn). One slot also leaves the
    other core(s) to drawing and to the web server.
    """
    raw = os.environ.get("PROBNN_COMPUTE_SLOTS", "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else 1


# Chunks from every session queue here instead of contending for the interpreter lock,
# and take turns by owner (session): see probnn.fair.
_SHARE = FairShare(_slots())
_ACTIVE_LOCK = threading.Lock()
_ACTIVE = [0]  # number of LiveRun threads computing right now, in every session


# Each owner's runs (an owner is a browser session): one of them trains at a time.
_OWNED_LOCK = threading.Lock()
_OWNED: dict[Hashable, weakref.WeakSet] = {}
OTHER_RUN = (
    "Paused: another of your runs started (one training at a time). Press Resume to continue."
)


def _claim(run: LiveRun) -> None:
    """``run`` is about to train: pause its owner's runs of other groups."""
    with _OWNED_LOCK:
        others = [r for r in _OWNED.get(run.owner, ()) if r.group != run.group]
    for other in others:
        other.pause(wait=False, note=OTHER_RUN)


def _own(run: LiveRun) -> None:
    """Count ``run`` among its owner's runs (held weakly: a dropped run leaves)."""
    with _OWNED_LOCK:
        for owner in [o for o, runs in _OWNED.items() if not runs]:
            del _OWNED[owner]  # owners whose runs are all gone
        _OWNED.setdefault(run.owner, weakref.WeakSet()).add(run)


def _crowd_factor() -> float:
    """How much longer a chunk is while a crowd waits for the compute slot: each turn
    costs a hand-over, a snapshot (``observe``) and a frame for every watcher, about a
    tenth of a 25 ms chunk; with ``CROWD`` or more chunks waiting, a turn is
    ``CROWD_FACTOR`` times as long, so those costs take that much less of the slot (each
    run's frames then come that much less often: with 100 runs on a core, one every
    5 s instead of 2.5 s; its share of the slot is the same)."""
    return CROWD_FACTOR if _SHARE.waiting() >= CROWD else 1.0


def active_count() -> int:
    """Number of live runs whose background thread is computing right now (all sessions)."""
    with _ACTIVE_LOCK:
        return _ACTIVE[0]


def render_interval(
    render_seconds: float, *, share: float = 0.2, floor: float = 0.065, ceiling: float = 2.0
) -> float:
    """Seconds a watcher should wait between redraws.

    With ``n`` runs computing and each redraw costing ``render_seconds`` of CPU, redrawing
    every ``n * render_seconds / share`` seconds keeps all the drawing together at about
    ``share`` of one core; never faster than ``floor`` (about 15 redraws a second: the
    live panel is a canvas repaint, and a faster stream would only queue up in the
    browser) and never slower than ``ceiling``.
    """
    n = max(1, active_count())
    return float(min(ceiling, max(floor, n * max(render_seconds, 0.0) / share)))


@dataclass(frozen=True)
class Snapshot:
    """What a page draws: copied under the lock, never mutated afterwards."""

    status: str  # "ready" | "running" | "paused" | "finished" | "diverged" | "stopped"
    step: int  # optimiser steps taken
    steps: int  # the run's step limit
    stop_reason: str | None  # why the run stopped (finished, diverged, stopped), else None
    note: str | None  # why a pause happened when the page did not ask for it, else None
    history: pd.DataFrame  # long form (step, series, value), downsampled
    view: Any  # latest ``observe(run)`` result (grid probabilities, fitted curve), or None
    view_step: int  # the step ``view`` was computed at (-1: never)
    probes: pd.DataFrame | None  # one row per probed step: "step" and the probe's keys
    compute_seconds: float  # time spent inside Run.advance so far
    version: int  # grows whenever anything above changed

    @property
    def over(self) -> bool:
        """True when the run can never move again (finished, diverged or stopped)."""
        return self.status in FINAL_STATES

    @property
    def progress(self) -> float:
        """Fraction of the step limit done, 0..1."""
        return 0.0 if self.steps <= 0 else min(1.0, self.step / self.steps)


_EMPTY = pd.DataFrame(
    {
        "step": pd.Series(dtype="int64"),
        "series": pd.Series(dtype="object"),
        "value": pd.Series(dtype="float64"),
    }
)


class LiveRun:
    """A training run advanced on a daemon thread in time-sized chunks.

    Parameters
    ----------
    factory : callable returning a fresh ``probnn.training.Run`` (called now and on
        :meth:`reset`); see :meth:`create` for the usual way to build one.
    observe : ``observe(run)``, called between chunks at most every ``publish_every``
        seconds and at the end; its result is the snapshot's ``view``.
    probe : ``probe(run)`` -> dict of floats, recorded at step 0 and after every
        ``probe_every`` steps (chunks are cut at those steps, so the records do not depend
        on timing); used for the optimiser's path and for yardsticks shared by runs
        under different likelihoods.
    probe_every : steps between probes.
    chunk_seconds : target compute time of one chunk.
    publish_every : shortest wall time between two published snapshots.
    heartbeat : the thread pauses itself when no snapshot was requested (nor
        :meth:`watched` called) for this long.
    max_points : points per series in the snapshot's history.
    history : publish ``Run.history_frame`` in each snapshot (a page that reads the
        curves through ``observe``, e.g. with :func:`curves`, can skip it).
    owner : whose turn a chunk takes at the compute slot (a browser session's id): the
        slot is shared fairly between owners, and an owner's runs share its turns
        (:class:`probnn.fair.FairShare`). An owner trains one thing at a time: starting
        (or stepping) a run pauses the owner's runs of other groups, with a note.
        None: the run is an owner of its own.
    group : runs of one owner that train together (the runs of a comparison share a
        group); None: a group of its own.
    pace : steps per second the thread keeps to (at most; a slow machine or a busy
        compute slot makes it slower), so that a run lasts long enough to watch; None:
        as fast as it can. Between paced chunks the thread sleeps *outside* the compute
        slot, which other runs use meanwhile. :meth:`set_pace` changes it mid-run.

    All public methods are safe to call from any thread. The Run itself is only ever
    touched while holding the run lock, so it is advanced by one thread at a time and
    gives exactly the steps a plain ``Run.advance`` would (bit for bit).
    """

    def __init__(
        self,
        factory: Callable[[], Any],
        *,
        observe: Callable[[Any], Any] | None = None,
        probe: Callable[[Any], dict[str, float]] | None = None,
        probe_every: int = 1,
        chunk_seconds: float = 0.025,
        publish_every: float = 0.08,
        heartbeat: float = 20.0,
        max_points: int = 300,
        history: bool = True,
        owner: Hashable | None = None,
        group: Hashable | None = None,
        pace: float | None = None,
    ):
        self._factory = factory
        self._pace = _pace_value(pace)
        self._pace_from = (time.monotonic(), 0)  # (when, step) the pace counts from
        self.owner = owner if owner is not None else object()
        self.group = group if group is not None else object()
        self._observe = observe
        self._probe = probe
        self.probe_every = max(1, int(probe_every))
        self.chunk_seconds = float(chunk_seconds)
        self.publish_every = float(publish_every)
        self.heartbeat = float(heartbeat)
        self.max_points = int(max_points)
        self.publish_history = bool(history)
        self._run_lock = threading.Lock()  # guards the Run (advance, predict, history)
        self._state = threading.Lock()  # guards the fields below; never held while computing
        self._thread: threading.Thread | None = None
        self._want_running = False
        self._last_seen = time.monotonic()
        self._note: str | None = None
        self._error: str | None = None
        self._version = 0
        self._listeners: list[Callable[[], None]] = []
        self._published_at = 0.0
        self._seconds_per_step: float | None = None
        self._new_run()
        _own(self)

    @classmethod
    def create(cls, config, dataset, *, init_state=None, **kwargs) -> LiveRun:
        """A LiveRun over ``probnn.training.Run(config, dataset, init_state=init_state)``."""
        from probnn import training

        return cls(lambda: training.Run(config, dataset, init_state=init_state), **kwargs)

    # ------------------------------------------------------------------ state
    def _new_run(self) -> None:
        self.run = self._factory()
        self._compute = 0.0
        self._probed: list[dict[str, float]] = []
        try:
            self._record_probe()
        except Exception as err:  # noqa: BLE001 - reported like any training failure
            self._error = f"could not read the model: {err}"
        self._history = _EMPTY
        self._view = None
        self._view_step = -1
        self._error = None
        self._note = None
        self._publish_locked()

    @property
    def steps(self) -> int:
        return int(getattr(getattr(self.run, "config", None), "steps", 0) or 0)

    @property
    def status(self) -> str:
        """Current state, derived from the Run and the thread."""
        if self._error is not None:
            return "stopped"
        run_status = getattr(self.run, "status", "ready")
        if run_status in FINAL_STATES:
            return run_status
        if self._want_running:
            return "running"
        return "ready" if int(self.run.step) == 0 else "paused"

    @property
    def stop_reason(self) -> str | None:
        if self._error is not None:
            return self._error
        return getattr(self.run, "stop_reason", None) if self.status in FINAL_STATES else None

    @property
    def version(self) -> int:
        """Grows whenever the next snapshot would differ; cheap (no lock, no copy)."""
        return self._version

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` whenever :attr:`version` grows; returns the unsubscriber.

        The callback runs on whichever thread changed the run (often the training
        thread), with an internal lock held: it must only hand the news on (set an
        event, schedule a call on an event loop), never read the run or block.
        """
        with self._state:
            self._listeners.append(callback)

        def unlisten() -> None:
            with self._state:
                if callback in self._listeners:
                    self._listeners.remove(callback)

        return unlisten

    def _changed(self) -> None:
        """A new version (caller holds the state lock): tell the listeners."""
        self._version += 1
        for callback in tuple(self._listeners):
            try:
                callback()
            except Exception:  # noqa: BLE001 - a listener that went away (closed loop)
                self._listeners.remove(callback)

    @property
    def compute_seconds(self) -> float:
        """Seconds spent inside ``Run.advance`` (the bare compute) since the last reset."""
        return self._compute

    # ------------------------------------------------------------------ controls
    def start(self) -> LiveRun:
        """Advance in the background until the run finishes, diverges or is paused (or
        another run of its owner starts)."""
        if self.status in FINAL_STATES:
            return self
        _claim(self)
        with self._state:
            if self.status in FINAL_STATES:
                return self
            self._want_running = True
            self._note = None
            self._last_seen = time.monotonic()
            self._pace_from = (self._last_seen, int(self.run.step))
            self._changed()
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="probnn-live", daemon=True)
                self._thread.start()
        return self

    resume = start

    @property
    def pace(self) -> float | None:
        """Steps per second the thread keeps to; None: as fast as it can."""
        return self._pace

    def set_pace(self, pace: float | None) -> LiveRun:
        """Train at most ``pace`` steps per second from now on (None, 0 or a value that is
        not a positive finite number: as fast as possible)."""
        value = _pace_value(pace)
        if value != self._pace:
            with self._state:
                self._pace = value
                self._pace_from = (time.monotonic(), int(self.run.step))
        return self

    def _paced(self) -> tuple[int | None, float]:
        """(steps due now, seconds until the next one is due) under the pace; (None, 0)
        when the run is not paced. Never more than half a second behind: a run held up
        (by the compute slot, a slow machine) goes on at the pace, without a burst."""
        pace = self._pace
        if pace is None:
            return None, 0.0
        now = time.monotonic()
        t0, s0 = self._pace_from
        step = int(self.run.step)
        due = math.floor(s0 + 1 + pace * (now - t0)) - step
        if due > max(1.0, 0.5 * pace):
            self._pace_from = (now, step)
            due = 1
        if due >= 1:
            return int(due), 0.0
        return 0, t0 + (step - s0) / pace - now + 1e-4

    def pause(self, *, wait: bool = True, note: str | None = None) -> LiveRun:
        """Stop advancing after the current chunk (and, with ``wait``, until it is done)."""
        with self._state:
            if self._want_running:
                self._want_running = False
                self._note = note
                self._changed()
            thread = self._thread
        if wait and thread is not None and thread is not threading.current_thread():
            thread.join()
        return self

    def step(self, n: int = 1) -> LiveRun:
        """Pause, then take ``n`` steps now, in the calling thread (in the owner's turn at
        the compute slot, like a chunk of the background thread)."""
        self.pause(wait=True)
        _claim(self)
        with _SHARE.turn(self.owner), self._run_lock:
            if self.status not in FINAL_STATES:
                self._advance(max(0, int(n)))
            self._publish_locked()
        return self

    def stop(self) -> LiveRun:
        """End the run for good (status "stopped", unless it had already ended)."""
        self.pause(wait=True)
        with self._run_lock:
            if self.status not in FINAL_STATES:
                self.run.request_stop()
                self._advance(1)  # lets the Run record why it stopped
                if self.status not in FINAL_STATES:
                    self._error = "stopped on request"
            self._publish_locked()
        return self

    def reset(self) -> LiveRun:
        """Pause and replace the run by a fresh one from the factory (same seed, step 0)."""
        self.pause(wait=True)
        with self._run_lock:
            self._new_run()
        return self

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background thread is idle; True when it is."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    # ------------------------------------------------------------------ reading
    def snapshot(self) -> Snapshot:
        """The latest published state (cheap; also tells the thread someone is watching)."""
        with self._state:
            self._last_seen = time.monotonic()
            status = self.status
            if status in FINAL_STATES and not self._pub_final:
                # the run has just ended and its last steps are not published yet: a page
                # that stops redrawing on "finished" must see the final data with it
                status = "running"
            return Snapshot(
                status=status,
                step=int(self._pub_step),
                steps=self.steps,
                stop_reason=self.stop_reason,
                note=self._note,
                history=self._history,
                view=self._view,
                view_step=self._view_step,
                probes=self._probes_frame,
                compute_seconds=self._compute,
                version=self._version,
            )

    def watched(self) -> None:
        """Someone is watching (a stream read by an open page), though they need no new
        snapshot: the run does not pause itself as unwatched (see ``heartbeat``)."""
        with self._state:
            self._last_seen = time.monotonic()

    def full_history(self) -> pd.DataFrame:
        """Every recorded value as a wide table: one row per step, one column per series."""
        with self._run_lock:
            frame = self.run.history_frame(max_points=10**9)
        return history_table(frame)

    # ------------------------------------------------------------------ the thread
    def _chunk(self) -> int:
        """Steps in the next chunk: about ``chunk_seconds`` of compute, cut short so that
        the chunk ends when the next snapshot is due (frames then come every
        ``publish_every`` seconds, not at the next multiple of the chunk time)."""
        remaining = max(1, self.steps - int(self.run.step)) if self.steps else 1
        if self._seconds_per_step is None:
            return 1
        n = round(self.chunk_seconds * _crowd_factor() / self._seconds_per_step)
        due_in = self.publish_every - (time.monotonic() - self._published_at)
        if 0.0 < due_in < self.chunk_seconds:
            n = math.ceil(due_in / self._seconds_per_step)  # just past the due time
        return int(max(1, min(remaining, n)))

    def _advance(self, n: int) -> None:
        """Take up to ``n`` steps (caller holds the run lock); never raises."""
        if n <= 0:
            return
        t0 = time.perf_counter()
        try:
            if self._probe is None:
                self.run.advance(n)
            else:
                left = n
                while left > 0:
                    before = int(self.run.step)
                    k = min(left, self.probe_every - before % self.probe_every)
                    self.run.advance(k)
                    done = int(self.run.step) - before
                    left -= k
                    if done <= 0:
                        break
                    over = getattr(self.run, "status", "") in FINAL_STATES
                    if int(self.run.step) % self.probe_every == 0 or done < k or over:
                        self._record_probe()
        except Exception as err:  # a bug or bad data must not kill the page
            self._error = f"training stopped: {type(err).__name__}: {err}"
            with self._state:
                self._want_running = False
        dt = time.perf_counter() - t0
        self._compute += dt
        per_step = dt / n
        self._seconds_per_step = (
            per_step
            if self._seconds_per_step is None
            else 0.7 * self._seconds_per_step + 0.3 * per_step
        )

    def _record_probe(self) -> None:
        """Append the probe's values at the current step (caller holds the run lock)."""
        if self._probe is None:
            return
        step = int(self.run.step)
        if self._probed and self._probed[-1]["step"] == step:
            return
        values = {"step": step}
        values.update({str(k): float(v) for k, v in self._probe(self.run).items()})
        self._probed.append(values)

    def _publish_locked(self) -> None:
        """Copy what pages draw into the published fields (caller holds the run lock)."""
        history = _EMPTY
        if self.publish_history:
            try:
                history = self.run.history_frame(max_points=self.max_points)
            except Exception:  # noqa: BLE001 - an empty history is drawn as such
                history = _EMPTY
        view, view_step = self._view, self._view_step
        if self._observe is not None and int(self.run.step) != view_step:
            try:
                view, view_step = self._observe(self.run), int(self.run.step)
            except Exception as err:  # noqa: BLE001
                self._error = self._error or f"could not draw the model: {err}"
        probes = pd.DataFrame(self._probed) if self._probe is not None else None
        with self._state:
            self._history = history
            self._view, self._view_step = view, view_step
            self._probes_frame = probes
            self._pub_step = int(self.run.step)
            self._pub_final = self.status in FINAL_STATES
            self._changed()
            self._published_at = time.monotonic()

    def _should_stop(self) -> bool:
        """Decide (holding the state lock) whether the thread stops before its next chunk."""
        idle = time.monotonic() - self._last_seen
        if self._want_running and idle > self.heartbeat:
            self._want_running = False
            self._changed()
            self._note = (
                f"Paused: nobody watched for {idle:.0f} s (was the page closed?). "
                "Press Resume to continue."
            )
        if self.status in FINAL_STATES:
            self._want_running = False
        return not self._want_running

    def _loop(self) -> None:
        with _ACTIVE_LOCK:
            _ACTIVE[0] += 1
        try:
            while True:
                with self._state:
                    stopping = self._should_stop()
                if stopping:
                    with self._run_lock:
                        # paused after a chunk that was not published: publish it (a
                        # final chunk is published already; a new version would only
                        # make pages draw the same state again)
                        if self._pub_step != int(self.run.step) or self._pub_final != (
                            self.status in FINAL_STATES
                        ):
                            self._publish_locked()
                    with self._state:
                        if self._should_stop():
                            self._thread = None
                            return
                    continue
                due, wait = self._paced()
                if due == 0:
                    # paced: sleep until the next step is due, without the compute slot
                    # (other runs compute meanwhile), looking at pause requests often
                    time.sleep(min(max(wait, 0.001), _PACE_NAP))
                    continue
                with _SHARE.turn(self.owner), self._run_lock:
                    # sized once the slot is ours: time spent waiting for it (other runs'
                    # chunks) may already have made the next frame due
                    n = self._chunk()
                    if due is not None:
                        n = min(n, max(1, self._paced()[0] or 1))
                    self._advance(n)
                    # (a chunk cut to end at the due time may end a hair early)
                    due = time.monotonic() - self._published_at >= self.publish_every - _EARLY
                    if due or self.status in FINAL_STATES:
                        self._publish_locked()
                    if self.status in FINAL_STATES:
                        _log_run(self.run)
        finally:
            with _ACTIVE_LOCK:
                _ACTIVE[0] -= 1
            with self._state:
                if self._thread is threading.current_thread():
                    self._thread = None


RUN_LOG = "PROBNN_RUN_LOG"  # environment variable: a file to note each ended run in
_RUN_LOG_LOCK = threading.Lock()


def _log_run(run) -> None:
    """With ``PROBNN_RUN_LOG`` set to a file's path, append a line for a run that has
    ended: its status, steps, and the CPU and wall seconds of its training alone
    (``Run.cpu_compute``, ``Run.time_compute``), once per run. For sizing a server: the
    compute of a class's runs as they ran, beside what the server spent in all
    (benchmarks/classroom.sh). A file that cannot be written is left alone."""
    path = os.environ.get(RUN_LOG)
    if not path or getattr(run, "_logged", False):
        return
    run._logged = True
    line = (
        f"{run.status} {int(run.step)} {getattr(run, 'cpu_compute', math.nan):.6f} "
        f"{getattr(run, 'time_compute', math.nan):.6f}\n"
    )
    with _RUN_LOG_LOCK, contextlib.suppress(OSError), open(path, "a") as log:
        log.write(line)


def _pace_value(pace) -> float | None:
    """A pace in steps per second, or None (as fast as possible) for None, 0 or anything
    that is not a positive finite number."""
    try:
        value = float(pace) if pace is not None else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and math.isfinite(value) and value > 0 else None


def _spread(n: int, max_points: int) -> np.ndarray:
    """At most ``max_points`` evenly spaced indices of range(n), the last one included."""
    if n <= max_points:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, max_points)).astype(np.int64))


def curves(run, max_points: int = 300) -> dict:
    """The loss and metric curves of ``run`` as plain arrays, downsampled, for drawing.

    Returns ``train_step``, ``train_loss`` (every step), ``eval_step``, ``test_loss``,
    ``test_metric`` (every evaluation), each at most ``max_points`` long with the last
    point kept and non-finite losses left out, and the latest ``train``, ``test`` and
    ``metric`` values (NaN before the first). Reads the Run's compact history directly:
    no DataFrame is built, so it is cheap enough to call several times a second.
    """
    h = run.history.filled()
    steps, train = h["steps"], h["train_loss"]
    i = _spread(len(train), max_points)
    j = _spread(len(h["eval_step"]), max_points)
    keep = np.isfinite(train[i])
    keep_eval = np.isfinite(h["test_loss"][j])
    return {
        "train_step": steps[i][keep],
        "train_loss": train[i][keep],
        "eval_step": h["eval_step"][j][keep_eval],
        "test_loss": h["test_loss"][j][keep_eval],
        "test_metric": h["test_metric"][j][keep_eval],
        "train": float(train[-1]) if len(train) else math.nan,
        "test": float(h["test_loss"][-1]) if len(h["test_loss"]) else math.nan,
        "metric": float(h["test_metric"][-1]) if len(h["test_metric"]) else math.nan,
    }


def history_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Long-form history (step, series, value) -> one row per step, one column per series."""
    if frame is None or frame.empty:
        return pd.DataFrame({"step": pd.Series(dtype="int64")})
    wide = frame.pivot_table(
        index="step", columns="series", values="value", aggfunc="last", sort=True
    )
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


# ---------------------------------------------------------------------- the loss surface


def line_dataset(n: int = 200, *, noise: float = 0.5, seed: int = 0, test_fraction: float = 0.25):
    """A 1-D binary data set for the two-parameter lab: x ~ N(+-1, noise^2) by class.

    Returns a ``probnn.data.Dataset`` (task "binary", one feature ``x``), seeded by a
    private ``torch.Generator``.
    """
    from probnn import data

    n = int(n)
    if n < 4:
        raise data.DataError(f"n={n} is too small for a train/test split; use at least 4.")
    noise = float(noise)
    if not (math.isfinite(noise) and noise > 0):
        raise data.DataError(f"noise={noise!r} must be a positive number, e.g. 0.5.")
    gen = torch.Generator().manual_seed(int(seed))
    y = (torch.arange(n) % 2).to(torch.int64)  # (n,) alternating labels: balanced classes
    x = (2.0 * y.to(torch.float32) - 1.0) + noise * torch.randn(n, generator=gen)  # (n,)
    order = torch.randperm(n, generator=gen)
    x, y = x[order], y[order]
    k = max(1, min(n - 2, int(round(test_fraction * n))))
    return data.Dataset(
        name="line",
        task="binary",
        X_train=x[k:, None].contiguous(),
        y_train=y[k:].contiguous(),
        X_test=x[:k, None].contiguous(),
        y_test=y[:k].contiguous(),
        n_classes=2,
        feature_names=["x"],
        target_name="y",
        class_names=["class 0", "class 1"],
        params={"n": n, "noise": noise},
        seed=int(seed),
    )


SURFACE_CELLS = 250_000  # (bias, weight, point) triples the loss surface holds at once


@torch.no_grad()
def loss_surface(likelihood, X, y, weights, biases) -> np.ndarray:
    """Mean NLL (nats) of the one-input linear model ``z = w x + b`` on a grid.

    Parameters
    ----------
    likelihood : a ``probnn.likelihoods`` object whose output is one number per example.
    X : (N, 1) or (N,) inputs; y : (N,) targets.
    weights : (W,) values of w; biases : (B,) values of b.

    Returns
    -------
    (B, W) array: entry [i, j] is the loss at w = weights[j], b = biases[i].

    Computed a few rows of biases at a time, so that the memory it takes stays near
    ``SURFACE_CELLS`` numbers whatever the grid's size and the number of points.
    """
    x = torch.tensor(np.asarray(X, dtype=np.float64)).reshape(-1)  # (N,)
    t = torch.tensor(np.asarray(y, dtype=np.float64)).reshape(-1)  # (N,)
    w = torch.tensor(np.asarray(weights, dtype=np.float64))  # (W,)
    b = torch.tensor(np.asarray(biases, dtype=np.float64))  # (B,)
    out = np.empty((len(b), len(w)))
    rows = max(1, SURFACE_CELLS // max(1, len(w) * len(x)))
    for i in range(0, len(b), rows):
        part = b[i : i + rows]  # (R,)
        z = w[None, :, None] * x[None, None, :] + part[:, None, None]  # (R, W, N)
        per = likelihood.nll_per_example(z.reshape(-1), t.repeat(len(part) * len(w)))
        out[i : i + rows] = per.reshape(len(part), len(w), len(x)).mean(dim=2).numpy()
    return out


def weight_bias(run) -> dict[str, float]:
    """{"w": ..., "b": ...} of a one-input, one-output linear model (no hidden layer)."""
    weight, bias = list(run.model.parameters())[:2]
    return {"w": float(weight.detach().reshape(-1)[0]), "b": float(bias.detach().reshape(-1)[0])}


# ---------------------------------------------------------------------- reading a model


def likelihood_of(run):
    """The likelihood object a run trains with."""
    lik = getattr(run, "likelihood", None)
    if lik is not None and hasattr(lik, "nll"):
        return lik
    from probnn import likelihoods

    config = run.config
    return likelihoods.get(config.likelihood, **dict(config.likelihood_params or {}))


@torch.no_grad()
def predict(run, X) -> tuple[np.ndarray, np.ndarray | None]:
    """Predictive mean and standard deviation of ``run``'s model at inputs X (N, D).

    The mean is (N,) (for a binary classifier: the probability of class 1) or (N, C)
    (class probabilities); the standard deviation is (N,) or None when the likelihood
    has no spread.
    """
    lik = likelihood_of(run)
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    if X.ndim == 1:
        X = X[:, None]
    out = run.model(X)  # (N, K)
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    mean = lik.mean(out)
    sd = lik.stddev(out)
    return mean.double().numpy(), (None if sd is None else sd.double().numpy())


@torch.no_grad()
def surprise(run, X, y) -> np.ndarray:
    """The surprise of the run's current model at each point: -log q(y | x), nats, (N,).

    Computed as the run computes its loss: the model's raw output on X (N, D) and the
    likelihood's ``nll_per_example`` with targets y (N,), in float32. So with the whole
    training set as one batch (``batch_size=None``), after k optimiser steps
    ``surprise(run, X_train, y_train).mean()`` is the ``train_loss`` recorded for step
    k + 1 (a step records the loss at the parameters before its update), and at an
    evaluation step s, ``test_loss`` is ``surprise(...X_test, y_test).mean()`` after
    s - 1 steps. With label smoothing the surprise stays -log q(y | x) (what the test
    loss of a model would be without smoothing), while the training loss is the
    cross-entropy against the smoothed targets, so the two differ.

    Averaged over a test set, the surprise estimates the cross-entropy of the data
    with the model; ``probnn.truth.kl_gap`` subtracts the data's own entropy.
    """
    lik = likelihood_of(run)
    if lik.params.get("smoothing"):
        from probnn import likelihoods

        lik = likelihoods.get(lik.name, **{**lik.params, "smoothing": 0.0})
    X = torch.as_tensor(np.asarray(X, dtype=np.float32))
    if X.ndim == 1:
        X = X[:, None]
    out = run.model(X)  # (N, K)
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    target = torch.as_tensor(np.asarray(y))
    target = target.to(torch.int64 if lik.task == "multiclass" else torch.float32)
    return lik.nll_per_example(out, target).double().numpy()


def plane(dataset, size: int = 40, margin: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Grid centres (xs, ys) spanning the first two features of ``dataset`` with a margin."""
    (x_lo, x_hi), (y_lo, y_hi) = dataset.bounds(margin)[:2]
    return np.linspace(x_lo, x_hi, size), np.linspace(y_lo, y_hi, size)


def calibration_table(probs, labels, bins: int = 10) -> pd.DataFrame:
    """Reliability table of a classifier.

    ``probs`` (N,) is the predicted probability of class 1 (binary) or (N, C) the class
    probabilities (then the top class's probability is binned against whether the top
    class was right). Returns one row per non-empty bin of [0, 1]: ``predicted`` (mean
    predicted probability), ``observed`` (frequency of the event), ``count``.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels)
    if p.ndim == 2:
        hit = (p.argmax(axis=1) == y).astype(np.float64)
        p = p.max(axis=1)
    else:
        hit = (y == 1).astype(np.float64)
    index = np.clip((p * bins).astype(int), 0, bins - 1)
    rows = []
    for k in range(bins):
        mask = index == k
        if mask.any():
            rows.append((float(p[mask].mean()), float(hit[mask].mean()), int(mask.sum())))
    return pd.DataFrame(rows, columns=["predicted", "observed", "count"])


def residual_table(run, X, y) -> pd.DataFrame:
    """``fitted, residual`` (and ``x`` for one feature) of a regression model on (X, y)."""
    mean, _ = predict(run, X)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    frame = pd.DataFrame({"fitted": mean, "residual": y - mean})
    X = np.asarray(X)
    if X.ndim == 2 and X.shape[1] == 1:
        frame.insert(0, "x", X[:, 0].astype(np.float64))
    return frame


@torch.no_grad()
def yardstick(run, dataset) -> dict[str, float]:
    """Numbers that compare runs trained under *different* likelihoods on one data set.

    Classifiers: the test cross-entropy of the predicted class probabilities (nats; the
    Bernoulli or categorical NLL whatever loss trained the model) and the test accuracy.
    Regression: test RMSE and MAE of the predicted mean and, for synthetic data with a
    known truth, the RMSE between the fitted mean and the true mean curve.
    """
    mean, _ = predict(run, dataset.X_test)
    y = dataset.y_test.numpy()
    if dataset.is_classification:
        tiny = 1e-12
        if mean.ndim == 2:
            p_true = mean[np.arange(len(y)), y]
            correct = mean.argmax(axis=1) == y
        else:
            p_true = np.where(y == 1, mean, 1.0 - mean)
            correct = (mean > 0.5) == (y == 1)
        return {
            "test cross-entropy": float(-np.log(np.clip(p_true, tiny, 1.0)).mean()),
            "test accuracy": float(correct.mean()),
        }
    err = y.astype(np.float64) - mean
    out = {"test RMSE": float(np.sqrt(np.mean(err**2))), "test MAE": float(np.mean(np.abs(err)))}
    truth = getattr(dataset, "truth", None)
    if truth is not None and dataset.n_features == 1:
        fitted, _ = predict(run, truth["x"].to_numpy()[:, None])
        out["distance to the true mean"] = float(
            np.sqrt(np.mean((fitted - truth["mean"].to_numpy()) ** 2))
        )
    return out


def stop_all() -> None:
    """Pause every live run of the process after its current chunk, without waiting for
    it (the server calls this when it shuts down)."""
    with _OWNED_LOCK:
        runs = [run for owned in _OWNED.values() for run in owned]
    for run in runs:
        run.pause(wait=False)
