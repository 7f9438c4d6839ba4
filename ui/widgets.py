"""Widgets built from ParamSpecs and option lists, every one keyed and bound to the URL.

A link reproduces the exact view: the link holds ``key=value`` for exactly the widgets
whose value differs from the default they are drawn with, and opening it shows those
values and the defaults everywhere else.

Streamlit's browser side writes a value into the link only when the user moves that
widget, and leaves it out when it equals the widget's default. Some defaults depend on
another widget (a data set's own noise, the likelihoods offered for count data, the
model family that starts as the data's): when that other widget changes, the link would
lose a value the session still shows. So before drawing a widget, :func:`_follow`
compares its default (and its range or options) with those of its last drawing. A value
that sat at the old default moves to the new one, a value the user chose stays
(clamped into a shrunk range, or the default when its option is gone), and the widget is
given that value through ``st.session_state``, which makes Streamlit write it into the
link or take it out. Every widget in this module goes through it, so a page needs to
declare nothing: whatever a default is computed from, the link follows.

Streamlit drops a URL value it cannot use without a word, and some values (``inf`` for a
whole number) stop the page; these helpers look at the raw value first, and when it is
bad they show a short message in place of a traceback, take it out of the link and fall
back to the default. A message repeats the raw value as plain text (:mod:`ui.text`),
shortened.

Each helper owns its session-state keys: the widget's own ``key``, ``_urlmsg_<key>``
for a pending message about a bad URL value and ``_default_<key>`` for the default the
widget was last drawn with.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.state.session_state_proxy import get_session_state

from probnn.params import ParamSpec, quoted
from ui.text import plain

__all__ = [
    "slider", "select", "seed", "integer", "toggle", "text", "url_value", "clear_url_message"
]  # fmt: skip

BIND = "query-params"
SEED_MAX = 2**31 - 1


def url_value(key: str) -> str | None:
    """The raw URL value for ``key`` on this session's first sight of the widget, else None."""
    if key in st.session_state:
        return None
    raw = st.query_params.get(key)
    return None if raw is None else str(raw)


def _remember(key: str, message: str | None) -> None:
    if message:
        st.session_state[f"_urlmsg_{key}"] = message


def _drop(key: str) -> None:
    """Take a bad value for ``key`` out of the link, and out of what Streamlit seeds the
    widget from on its first drawing (its copy of the link as the page was opened:
    ``inf`` would reach the whole-number input's ``int()`` and stop the page)."""
    try:
        del st.query_params[key]
    except (KeyError, StreamlitAPIException):
        pass
    try:
        with get_session_state().query_params() as params:
            params._initial_query_params.pop(key, None)
    except AttributeError:  # pragma: no cover - another Streamlit layout
        pass


def _follow(key: str, default: Any, fix: Callable[[Any], Any], shape: Any = None) -> None:
    """Before ``key`` is drawn with ``default``: keep the session's value and the link in
    step when the default moved since the last drawing (see the module's docstring).

    ``fix`` turns a value into an allowed one (clamped, or the default when its option is
    gone). Setting the widget's value through ``st.session_state`` makes Streamlit write
    it into the link, or take it out when it equals the default. ``shape`` is what makes
    Streamlit draw a new widget under the same key when it changes (a slider's range):
    that widget takes its first value from the link, so the value is written there.
    """
    seen, drawn = f"_default_{key}", f"_shape_{key}"
    first = seen not in st.session_state
    old, old_shape = st.session_state.get(seen), st.session_state.get(drawn)
    st.session_state[seen], st.session_state[drawn] = default, shape
    if first or key not in st.session_state:
        return
    value = st.session_state[key]
    moved = old != default
    new = default if moved and value == old else fix(value)
    if shape != old_shape:
        _relink(key, new, default)
    if moved or new != value or shape != old_shape:
        st.session_state[key] = new


def _relink(key: str, value: float, default: float) -> None:
    """Put a slider's ``value`` into the link (or take it out when it is the default) for
    a slider that Streamlit draws anew: it seeds the new one from the link, as a fresh
    browser tab opening that link would. (Streamlit offers no public call for this.)"""
    try:
        with get_session_state().query_params() as params:
            if value == default:
                params.remove_param(key)
                params._initial_query_params.pop(key, None)
            else:
                params.set_corrected_value(key, [value], "double_array_value")
                params._initial_query_params[key] = list(params.get_all(key))
    except AttributeError:  # pragma: no cover - another Streamlit layout
        pass


def clear_url_message(key: str) -> None:
    st.session_state.pop(f"_urlmsg_{key}", None)


def _show_message(key: str, where) -> None:
    message = st.session_state.get(f"_urlmsg_{key}")
    if message:  # the message quotes the link: plain text, never Markdown
        where.caption(f":orange[Link value ignored: {plain(message)}]")


def _check_spec(spec: ParamSpec, key: str, low: float, high: float, default: float) -> None:
    raw = url_value(key)
    if raw is None:
        return
    # messages name the key the link carries, and the default the widget is drawn with
    spec = dataclasses.replace(spec, name=key, low=low, high=high, default=default)
    value, message = spec.coerce(raw)
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if spec.integer and low <= number <= high and number != int(number):
        # Streamlit keeps a fractional link value for a whole-number widget by truncating it.
        _remember(key, f"{spec.name}={quoted(raw)} must be a whole number; using {int(number)}.")
        return
    if message is None and not (low <= value <= high):
        message = (
            f"{spec.name}={quoted(raw)} is outside [{spec.fmt(low)}, {spec.fmt(high)}]; "
            f"using the default {spec.fmt(default)}."
        )
    if message:
        _remember(key, message)
        _drop(key)


def slider(
    spec: ParamSpec,
    key: str,
    *,
    label: str | None = None,
    where=None,
    low: float | None = None,
    high: float | None = None,
    default: float | None = None,
    help: str | None = None,
    **kwargs: Any,
) -> float | int:
    """A slider for ``spec`` (optionally narrowed to [low, high]) bound to the URL as ``key``."""
    where = where or st
    low = spec.low if low is None else low
    high = spec.high if high is None else high
    default = spec.default if default is None else min(max(default, low), high)
    default = spec.cast(default)
    _check_spec(spec, key, low, high, default)
    _follow(key, default, lambda v: spec.cast(min(max(v, low), high)), (low, high, spec.step))
    from ui.info_pages import meaning  # imports this module: at call time

    # the symbol in LaTeX and what it means ("$\sigma$ (standard deviation)")
    shown = label or (f"${spec.symbol}$ ({meaning(spec)})" if spec.symbol else spec.name)
    value = where.slider(
        shown,
        min_value=spec.cast(low),
        max_value=spec.cast(high),
        value=default,
        step=spec.cast(spec.step) if spec.integer else float(spec.step),
        key=key,
        help=help or spec.help or None,
        bind=BIND,
        on_change=clear_url_message,
        args=(key,),
        **kwargs,
    )
    _show_message(key, where)
    return value


def select(
    label: str,
    options: Sequence[Any],
    key: str,
    *,
    default: Any = None,
    format_func: Callable[[Any], str] = str,
    where=None,
    radio: bool = False,
    help: str | None = None,
    **kwargs: Any,
) -> Any:
    """A selectbox (or horizontal radio) bound to the URL; an unknown URL option gets a message."""
    where = where or st
    options = list(options)
    index = options.index(default) if default in options else 0
    raw = url_value(key)
    # A bound selectbox or radio stores the option's label (format_func's text) in the link.
    labels = [format_func(o) for o in options]
    if raw is not None and raw not in labels:
        shown = ", ".join(labels[:12]) + (", …" if len(labels) > 12 else "")
        _remember(key, f"{key}={quoted(raw)} is not one of: {shown}; using {labels[index]}.")
        _drop(key)
    _follow(key, options[index], lambda v: v if v in options else options[index])
    widget = where.radio if radio else where.selectbox
    extra = {"horizontal": True} if radio else {}
    value = widget(
        label,
        options,
        index=index,
        key=key,
        format_func=format_func,
        help=help,
        bind=BIND,
        on_change=clear_url_message,
        args=(key,),
        **extra,
        **kwargs,
    )
    _show_message(key, where)
    return value


def integer(
    label: str,
    key: str,
    *,
    low: int,
    high: int,
    default: int,
    where=None,
    help: str | None = None,
    **kwargs: Any,
) -> int:
    """A whole-number input bound to the URL, with the range checked for URL values."""
    where = where or st
    spec = ParamSpec(key, "", low, high, default, 1, integer=True)
    _check_spec(spec, key, low, high, default)
    _follow(key, default, lambda v: int(min(max(v, low), high)))
    value = where.number_input(
        label,
        min_value=low,
        max_value=high,
        value=default,
        step=1,
        key=key,
        help=help,
        bind=BIND,
        on_change=clear_url_message,
        args=(key,),
        **kwargs,
    )
    _show_message(key, where)
    return int(value)


def seed(key: str = "seed", *, label: str = "Seed", default: int = 0, where=None, **kwargs) -> int:
    """A seed is a widget too: the same seed gives the same data, weights and curve."""
    return integer(
        label,
        key,
        low=0,
        high=SEED_MAX,
        default=default,
        where=where,
        help="The same seed reproduces the same random draws, bit for bit.",
        **kwargs,
    )


def toggle(label: str, key: str, *, default: bool = False, where=None, **kwargs) -> bool:
    """A checkbox-style toggle bound to the URL."""
    where = where or st
    raw = url_value(key)
    if raw is not None and raw.lower() not in {"true", "false"}:
        _remember(key, f"{key}={quoted(raw)} must be true or false; using {str(default).lower()}.")
        _drop(key)
    _follow(key, default, bool)
    value = where.toggle(
        label,
        value=default,
        key=key,
        bind=BIND,
        on_change=clear_url_message,
        args=(key,),
        **kwargs,
    )
    _show_message(key, where)
    return bool(value)


def text(
    label: str,
    key: str,
    *,
    default: str = "",
    max_chars: int,
    where=None,
    **kwargs: Any,
) -> str:
    """A one-line text input bound to the URL; a link value longer than ``max_chars``
    gets a message and the default."""
    where = where or st
    raw = url_value(key)
    if raw is not None and len(raw) > max_chars:
        _remember(
            key,
            f"{key}={quoted(raw)} is {len(raw):,} characters long, more than {max_chars:,}; "
            f"using {default!r}.",
        )
        _drop(key)
    _follow(key, default, lambda v: str(v)[:max_chars])
    value = where.text_input(
        label,
        value=default,
        key=key,
        max_chars=max_chars,
        bind=BIND,
        on_change=clear_url_message,
        args=(key,),
        **kwargs,
    )
    _show_message(key, where)
    return value or ""
