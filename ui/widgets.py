"""Widgets built from ParamSpecs and option lists, every one keyed and bound to the URL.

A link therefore reproduces the exact view. Streamlit drops a URL value it cannot
use without a word; these helpers look at the raw value first, and when it is bad
they show a short message in place of a traceback and fall back to the default.

Each helper owns its session-state keys: the widget's own ``key`` and
``_urlmsg_<key>`` for a pending message about a bad URL value.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from probnn.params import ParamSpec

__all__ = ["slider", "select", "seed", "integer", "toggle", "url_value", "clear_url_message"]

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


def clear_url_message(key: str) -> None:
    st.session_state.pop(f"_urlmsg_{key}", None)


def _show_message(key: str, where) -> None:
    message = st.session_state.get(f"_urlmsg_{key}")
    if message:
        where.caption(f":orange[Link value ignored: {message}]")


def _check_spec(spec: ParamSpec, key: str, low: float, high: float) -> None:
    raw = url_value(key)
    if raw is None:
        return
    spec = dataclasses.replace(spec, name=key)  # messages name the key the link carries
    value, message = spec.coerce(raw)
    try:
        number = float(raw)
    except ValueError:
        number = float("nan")
    if spec.integer and low <= number <= high and number != int(number):
        # Streamlit keeps a fractional link value for a whole-number widget by truncating it.
        _remember(key, f"{spec.name}={raw!r} must be a whole number; using {int(number)}.")
        return
    if message is None and not (low <= value <= high):
        message = (
            f"{spec.name}={raw!r} is outside [{spec.fmt(low)}, {spec.fmt(high)}]; "
            f"using the default {spec.fmt(spec.default)}."
        )
    if message:
        _remember(key, message)
        del st.query_params[key]


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
    _check_spec(spec, key, low, high)
    text = label or (f"${spec.symbol}$ ({spec.name})" if spec.symbol else spec.name)
    value = where.slider(
        text,
        min_value=spec.cast(low),
        max_value=spec.cast(high),
        value=spec.cast(default),
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
        shown = ", ".join(labels[:12])
        _remember(key, f"{key}={raw!r} is not one of: {shown}; using {labels[index]}.")
        del st.query_params[key]
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
    _check_spec(spec, key, low, high)
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
        _remember(key, f"{key}={raw!r} must be true or false; using {str(default).lower()}.")
        del st.query_params[key]
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
