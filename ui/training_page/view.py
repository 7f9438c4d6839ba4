"""The live view of a page's run: the status line and the live panel (curves and the
p(y|x) map or the fit), drawn from snapshots, and where a run's frames go.

With the app's routes (``streamlit run app.py``), a running run's panel is mounted once
with its stream (:func:`stream_of`, :mod:`ui.frames`) and the browser reads every frame
itself; the last frame brings the results. Without them (``streamlit run main.py``,
AppTest) or once a stream has failed, :func:`draw` sends each frame as an element,
called by the script's loop (:mod:`ui.training_page.watch`)."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import streamlit as st

from probnn import live
from ui import frames, live_panel
from ui.charts import number
from ui.charts import training as charts
from ui.training_page.context import NO_CURVES, Context
from ui.training_page.controls import press
from ui.training_page.floor import floor_line, floor_of_frame
from ui.training_page.results import history_csv, history_name, results_block, show_results
from ui.training_page.spec import PageSpec, state_key

_STATUS_WORDS = {
    "ready": "ready: press **Train**",
    "running": "training…",
    "paused": "paused",
    "finished": "finished",
    "diverged": "diverged",
    "stopped": "stopped",
}
UNSTREAMED = "tp.unstreamed"  # session flag: the frame routes do not reach this browser


_HINT = (
    "The loss became infinite or not a number: the steps were too large. Lower the learning "
    "rate (or use Adam), then press **Train** again."
)


@dataclass
class Slots:
    """Placeholders the live loop redraws, and when their text last changed."""

    status: object  # status line: step, state, latest numbers (sent at most ~2 Hz; with
    # a stream, the panel updates it with every frame it fetches)
    chart: object | None  # the one live chart: loss, metric and p(y|x) or the fit
    after: object  # notes and reasons, filled when the run rests
    results: object  # calibration / residuals / download (one element), when the run rests
    stream: frames.Source | None = None  # the panel fetches running frames itself
    streaming: bool = False  # the panel has been mounted with the stream in this run
    text: str = ""
    text_at: float = 0.0


def _status_text(snap: live.Snapshot) -> str:
    word = _STATUS_WORDS.get(snap.status, snap.status)
    text = f"**Step {snap.step:,} / {snap.steps:,}** · {word}"
    if snap.status == "stopped" and snap.stop_reason:
        text += f" ({snap.stop_reason})"
    return text


def draw(ctx: Context, slots: Slots, snap: live.Snapshot) -> None:
    """Redraw the live placeholders from one snapshot: the status line and one chart.

    With a stream, the first frame of a running run is mounted with the stream's address
    and the panel fetches the rest: the status line's numbers too, and at the end the
    results, for which an empty block is mounted now (see :func:`training_area`).
    Without one, every frame is sent, and the status line at most twice a second.
    """
    running = snap.status == "running"
    panel_id = state_key(ctx.spec, "panel")
    streamed = slots.stream is not None and slots.chart is not None
    if running and streamed:
        if not slots.streaming:
            frame = _panel_frame(ctx, snap)
            frame["stream"] = slots.stream.links(snap.version)
            live_panel.status(slots.status, panel_id, frame["status"])
            live_panel.draw(slots.chart, frame, events=STREAM_EVENTS)
            results_placeholder(ctx, slots, snap)
            slots.streaming = True
        return
    now = time.monotonic()
    text = _status_text(snap)
    if (
        text.split(" · ")[1:] != slots.text.split(" · ")[1:]
        or now - slots.text_at >= 0.5
        or not running
    ):
        line = _status_line(ctx, snap)
        if streamed:
            live_panel.status(slots.status, panel_id, line)
        else:
            slots.status.markdown(line)
        slots.text, slots.text_at = text, now
    if slots.chart is not None:  # else another tab is open: the status line is all
        # with a stream, the panel may follow the next run from its Train button: the
        # events are the ones that the stream of a running run reports
        events = STREAM_EVENTS if streamed else None
        live_panel.draw(slots.chart, _panel_frame(ctx, snap), events=events)


def results_placeholder(ctx: Context, slots: Slots, snap: live.Snapshot) -> None:
    """The empty results block that the stream's last frame fills (a frame newer than
    ``snap``)."""
    live_panel.draw(
        slots.results,
        {
            "kind": "results",
            "id": state_key(ctx.spec, "results"),
            "follow": state_key(ctx.spec, "panel"),
            "after": snap.version,
        },
    )


def _status_line(ctx: Context, snap: live.Snapshot) -> str:
    """The status line under the buttons (markdown): step, state, the latest numbers and
    the floor with the gap above it (:func:`floor_line`)."""
    c = (snap.view or {}).get("curves", NO_CURVES)
    return (
        f"{_status_text(snap)}  \n"
        f"train loss **{num(c['train'])}** nats · test loss **{num(c['test'])}** nats · "
        f"test {ctx.metric_name} **{metric_text(ctx.metric_name, c['metric'])}**  \n"
        f"{floor_line(ctx, c['test'])}"
    )


def metric_text(name: str, value: float) -> str:
    """A test metric for display: accuracy as a percentage, anything else as a number."""
    if name == "accuracy" and value == value:
        return f"{number(100.0 * value)} %"
    return num(value)


def _panel_frame(ctx: Context, snap: live.Snapshot) -> dict:
    """One frame of the live panel, with its ``version``, whether the run is ``running``
    and the ``status`` line."""
    curves = (snap.view or {}).get("curves", NO_CURVES)
    frame = charts.live_panel_data(
        state_key(ctx.spec, "panel"),
        label=f"step {snap.step:,} / {snap.steps:,}",
        steps=snap.steps,
        curves=curves,
        metric_name=ctx.metric_name,
        metric_domain=None if ctx.metric_domain[0] is None else ctx.metric_domain,
        right=ctx.panel,
        view=snap.view,
        floor=floor_of_frame(ctx, curves["test"]),
        options=ctx.options,
    )
    frame["version"] = snap.version
    frame["running"] = snap.status == "running"
    frame["status"] = _status_line(ctx, snap)
    return frame


def streams() -> bool:
    """True when the panels of this session read their frames from the server's routes."""
    return frames.served() and not st.session_state.get(UNSTREAMED, False)


def stream_of(spec: PageSpec, ctx: Context, lv: live.LiveRun) -> frames.Source | None:
    """This session's frame stream of this page's run (None when the route is not served,
    or when a stream of this session has failed: see :func:`_stream_lost`).

    Kept in the session state; its token ends with the session (the routes check that
    the session still exists) and with the run: a new run (new settings) gets a new
    stream and token, and the old token answers 404.
    """
    if not streams():
        return None
    source = st.session_state.get(state_key(spec, "stream"))
    if source is None or source.owner is not lv:

        def frame() -> dict:
            snap = lv.snapshot()
            out = _panel_frame(ctx, snap)
            if snap.status != "running":
                after = (snap.view or {}).get("after")
                if after is not None:
                    out["results"] = results_block(spec, ctx, snap, after, source)
                # a reason or a note is drawn by the page: the panel asks for a rerun
                out["rerun"] = bool(notes_of(snap))
            return out

        source = frames.Source(
            lambda: lv.version,
            frame,
            lv.listen,
            owner=lv,
            history=functools.partial(history_csv, lv),
            history_name=history_name(spec, ctx),
            start=lambda: press(lv, "train"),
            key=state_key(spec, "stream"),  # closes the stream of the run this one replaces
            watched=lv.watched,
        )
        st.session_state[state_key(spec, "stream")] = source
    return source


def num(value: float) -> str:
    """A live number; "–" before there is one (NaN here only means "not yet")."""
    return "–" if value != value else number(value)


def show_rest(
    spec: PageSpec, ctx: Context, lv: live.LiveRun, snap: live.Snapshot, slots: Slots
) -> None:
    """What the page shows when the run is not training: reasons, notes, the results."""
    with slots.after:
        for kind, text in notes_of(snap):
            getattr(st, kind)(text)
    show_results(spec, ctx, lv, snap, slots.results, slots.stream)


def notes_of(snap: live.Snapshot) -> list[tuple[str, str]]:
    """What the page says about a run that rests: ``(kind, text)``, kind being the
    Streamlit call (``error``, ``warning``, ``info``)."""
    notes = []
    if snap.status == "diverged":
        reason = snap.stop_reason or "the loss is not finite."
        hint = "" if "learning rate" in reason else " " + _HINT
        notes.append(("error", f"The run diverged. {reason[0].upper()}{reason[1:]}{hint}"))
    elif snap.status == "stopped" and snap.stop_reason:
        notes.append(("warning", f"The run stopped: {snap.stop_reason}."))
    if snap.note:
        notes.append(("info", snap.note))
    return notes


def _ended() -> None:
    """A streamed run ended with something to say (:func:`notes_of`): the panel has asked
    for this rerun of the training area, which draws it."""


def _stream_lost() -> None:
    """The panel's stream failed before the run's last frame (a proxy in the way, a
    server error): from now on this session's training pages send every frame as an
    element, and this rerun of the training area goes on that way."""
    st.session_state[UNSTREAMED] = True


# what the panel of a streamed run reports (ui/live_panel.draw's ``events``)
STREAM_EVENTS = {"ended": _ended, "lost": _stream_lost}
