"""The script's loop over live runs (:func:`watch`): it redraws their placeholders from
snapshots while they train, as long as the browser does not read their frames itself,
and hands the script back at once when a button is pressed meanwhile."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from probnn import live

try:  # raised inside a running script when its session stops (tab closed, Stop pressed)
    from streamlit.runtime.scriptrunner_utils.exceptions import StopException
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
except ImportError:  # pragma: no cover - another Streamlit layout
    StopException = ()  # type: ignore[assignment]


WATCH_LIMIT: float | None = None  # seconds a script keeps redrawing; None = until the run ends
STREAMED_CHECK = 0.2  # seconds between two looks of the script at a run the panel streams


@dataclass
class Job:
    """One live run (or a Group of them) and the function that draws its snapshot."""

    live: live.LiveRun | Group
    draw: Callable[[live.Snapshot], None]
    last: int = -1
    # True while the browser draws this job's frames from its stream by itself
    streamed: Callable[[], bool] = lambda: False


@dataclass(frozen=True)
class GroupSnapshot:
    status: str
    version: int


class Group:
    """Several runs watched as one: running while any runs; a new version when any moves."""

    def __init__(self, runs: list[live.LiveRun]):
        self.runs = runs

    def snapshot(self) -> GroupSnapshot:
        snaps = [r.snapshot() for r in self.runs]
        running = any(s.status == "running" for s in snaps)
        return GroupSnapshot("running" if running else "paused", sum(s.version for s in snaps))

    @property
    def version(self) -> int:
        """Grows whenever any run's version grows."""
        return sum(r.version for r in self.runs)

    def listen(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` whenever any run changes; returns the unsubscriber."""
        stops = [r.listen(callback) for r in self.runs]

        def unlisten() -> None:
            for stop in stops:
                stop()

        return unlisten

    def watched(self) -> None:
        for r in self.runs:
            r.watched()

    def pause(self, *, wait: bool = False, note: str | None = None) -> None:
        for r in self.runs:
            r.pause(wait=wait, note=note)


def _take_pending_request() -> None:
    """End this script run at once when a rerun or a stop is waiting for it.

    A button in the training area asks for a rerun of its fragment, and Streamlit queues
    that behind the fragment run in progress, which here is the live loop: it would
    wait until the training ends. So the loop ends its own run: ``st.rerun`` of the
    fragment (of the app during a full-app run) folds into the waiting request, keeps the
    click, and preempts now; a stop is raised by the same call. Reads Streamlit's request
    state (there is no public call for it); does nothing when that cannot be read.
    """
    try:
        ctx = get_script_run_ctx(suppress_warning=True)
        waiting = ctx.script_requests._state.name != "CONTINUE"  # noqa: SLF001
    except Exception:  # noqa: BLE001 - no context (bare mode) or another Streamlit
        return
    if waiting:
        st.rerun(scope="fragment" if ctx.fragment_ids_this_run else "app")


STOPPED = "Paused: the page stopped (closed or Stop was pressed). Press Resume to continue."


def watch(jobs: list[Job]) -> bool:
    """Redraw every job's placeholders while any of them trains; True when one was running.

    The redraw interval follows :func:`probnn.live.render_interval`: about 12 per second
    alone, fewer when many runs train at once, so drawing stays a small share of the CPU.
    """
    was_running = False
    cost = 0.005
    started = time.monotonic()
    try:
        while True:
            _take_pending_request()
            t0, c0 = time.perf_counter(), time.thread_time()
            running = False
            drew = False
            streamed = True  # every job that trains draws from its stream
            for job in jobs:
                snap = job.live.snapshot()
                if snap.version != job.last:
                    job.draw(snap)
                    job.last = snap.version
                    drew = True
                running |= snap.status == "running"
                streamed &= snap.status != "running" or job.streamed()
            if drew:
                # CPU time, not wall time: waiting for the interpreter lock while a run
                # computes is not a cost of drawing
                cost = 0.7 * cost + 0.3 * (time.thread_time() - c0)
            was_running |= running
            if not running:
                return was_running
            if WATCH_LIMIT is not None and time.monotonic() - started > WATCH_LIMIT:
                return False
            if streamed:
                # the panel draws from its stream: the loop only waits for the end of
                # the run (the wait below returns as soon as its thread ends) and looks
                # for a click waiting for this run, a few times a second; each wake takes
                # the interpreter lock from the training thread
                pause = STREAMED_CHECK
            else:
                pause = max(0.005, live.render_interval(cost) - (time.perf_counter() - t0))
            # wait for the next frame, but wake as soon as a run's thread ends (its final
            # frame and the results then show without waiting out the interval)
            if len(jobs) == 1 and isinstance(jobs[0].live, live.LiveRun):
                jobs[0].live.wait(pause)
            else:
                time.sleep(pause)
    except StopException:
        for job in jobs:
            job.live.pause(
                wait=False,
                note=STOPPED,
            )
        raise
