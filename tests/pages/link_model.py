"""What a browser's address bar holds for a page, modelled for AppTest (which has no
browser): Streamlit's rule for URL-bound widgets, and random walks of widget changes.

The browser side of Streamlit (``WidgetStateManager.maybeSyncValueToUrl`` in its
frontend) writes a bound widget's value into the link when the *user* changes that
widget, as ``key=<value as text>``, and removes the key instead when the new value
equals the widget's default as drawn. Everything else in the link comes from the
server, which sends the whole query string when it changes it (a bad value cleared, a
value set through ``st.session_state``, a widget that went away); AppTest shows that
string in ``at.query_params`` after a run. :class:`Browser` applies the first rule
itself and takes the second from AppTest, as a browser tab would.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field

from streamlit.testing.v1 import AppTest

from tests.pages.training_helpers import ROOT

KINDS = ("slider", "selectbox", "radio", "number_input", "button_group", "toggle",
         "checkbox", "text_input")  # fmt: skip


def bound(at: AppTest) -> dict[str, object]:
    """The page's URL-bound widgets by link key, in page order."""
    out = {}
    for kind in KINDS:
        for w in at.get(kind):
            key = getattr(w.proto, "query_param_key", "")
            if key:
                out[key] = w
    return out


def number_text(x) -> str:
    """A number as the browser writes it (JavaScript's ``String``): 5, 0.3, 1e-7."""
    x = float(x)
    if math.isfinite(x) and x == int(x) and abs(x) < 1e21:
        return str(int(x))
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", repr(x))


def text_of(w, value=None) -> str | tuple[str, ...]:
    """The link form of widget ``w``'s value (its current one by default)."""
    kind = w.type if hasattr(w, "type") else type(w).__name__.lower()
    value = w.value if value is None else value
    if kind == "slider":
        values = value if isinstance(value, list | tuple) else [value]
        return tuple(number_text(v) for v in values)
    if kind == "number_input":
        return number_text(value)
    if kind in ("selectbox", "radio"):
        return str(w.format_func(value))
    if kind == "button_group":
        values = value if isinstance(value, list | tuple) else [value]
        return tuple(str(w.format_func(v)) for v in values if v is not None)
    if kind in ("toggle", "checkbox"):
        return "true" if value else "false"
    return str(value)


def default_text(w) -> str | tuple[str, ...]:
    """The link form of the default ``w`` is drawn with (what the browser compares to)."""
    kind = w.type
    p = w.proto
    if kind == "slider":
        return tuple(number_text(v) for v in p.default)
    if kind == "number_input":
        return number_text(p.default)
    if kind in ("selectbox", "radio"):
        return list(p.options)[p.default] if p.HasField("default") else ""
    if kind == "button_group":
        return tuple(p.options[i].content for i in p.default)
    if kind in ("toggle", "checkbox"):
        return "true" if p.default else "false"
    return p.default


def as_param(text: str | tuple[str, ...]) -> str | list[str]:
    """A link form as AppTest's ``query_params`` holds it."""
    if isinstance(text, tuple):
        return text[0] if len(text) == 1 else list(text)
    return text


def pure_link(at: AppTest) -> dict:
    """The link as a function of the view alone: every bound widget whose value differs
    from the default it is drawn with, and nothing else."""
    return {
        key: as_param(text_of(w))
        for key, w in bound(at).items()
        if text_of(w) != default_text(w)
    }


def view(at: AppTest) -> dict:
    """Every bound widget's value, by link key (what a person sees on the page)."""
    return {key: text_of(w) for key, w in bound(at).items()}


@dataclass
class Browser:
    """One browser tab on one page: an AppTest session and the link its address bar shows."""

    path: str  # the page file, e.g. "lessons/binary.py"
    link: dict = field(default_factory=dict)
    timeout: float = 60

    def __post_init__(self):
        self.at = AppTest.from_file(str(ROOT / self.path), default_timeout=self.timeout)
        self.at.query_params.update(self.link)
        self.at.run()
        self.link = dict(self.at.query_params)

    def change(self, key: str, value) -> None:
        """The user sets widget ``key`` to ``value`` (a link form: a label, a number)."""
        w = bound(self.at)[key]
        new = text_of(w, value) if w.type not in ("selectbox", "radio", "button_group") else (
            value if w.type != "button_group" else (value,)
        )
        link = dict(self.link)
        if new == default_text(w):
            link.pop(key, None)
        else:
            link[key] = as_param(new)
        w.set_value(value)
        self.at.query_params.clear()
        self.at.query_params.update(link)
        self.at.run()
        self.link = dict(self.at.query_params)


def choices(w, rng: random.Random):
    """A new value for widget ``w`` that a person could pick, other than its current one."""
    kind = w.type
    p = w.proto
    if kind == "slider":
        steps = round((p.max - p.min) / p.step)
        for _ in range(10):
            k = rng.choice([0, steps, rng.randint(0, steps), rng.randint(0, min(steps, 20))])
            v = p.min + k * p.step
            v = int(round(v)) if p.data_type == p.INT else round(v, 10)
            if text_of(w, v) != text_of(w):
                return v
        return None
    if kind == "number_input":
        lo, hi = int(p.min), int(p.max)
        picks = [lo, hi, rng.randint(lo, min(hi, lo + 50)), rng.randint(lo, hi)]
        for _ in range(10):
            v = rng.choice(picks)
            if v != w.value:
                return v
        return None
    if kind in ("selectbox", "radio", "button_group"):
        options = list(p.options) if kind != "button_group" else [o.content for o in p.options]
        current = text_of(w)
        current = current[0] if isinstance(current, tuple) and current else current
        others = [o for o in options if o != current]
        return rng.choice(others) if others else None
    if kind in ("toggle", "checkbox"):
        return not w.value
    if kind == "text_input":
        others = [t for t in ("", "0, 1, 1", "2, 0, 1", "1.5, -2, 3") if t != w.value]
        return rng.choice(others)
    return None
