"""The data sets as pictures: a row of small thumbnails to click, as in TensorFlow
Playground.

Each thumbnail is drawn from the data set's own generator (seed 0, its default
parameters; cached for the life of the server) as a small SVG: the points of each class
in the class's colour, or y against x for regression. The picker is a companion of the
data-set select box, which stays the one widget bound to the link (``data``): a click on
a thumbnail sets that widget's value before it is drawn, so the link changes exactly as
if the select box had been used.
"""

from __future__ import annotations

import functools

import numpy as np
import streamlit as st

from probnn import data as pdata
from ui.charts import PALETTE

__all__ = ["current", "picker", "svg"]

POINTS = 70  # points drawn in a thumbnail (its SVG travels with every script run: small)
SIZE = 56  # the thumbnail's drawing box, in SVG units (and about in pixels)
CSV = "csv"
SHORT = {  # a word under each thumbnail (the full title is its name for a screen reader)
    "moons": "Moons", "blobs": "Blobs", "circles": "Circles", "xor": "XOR",
    "spiral": "Spiral", "multi_blobs": "Blobs", "multi_spirals": "Spirals",
    "linear": "Line", "sine": "Sine", "heteroscedastic": "Growing", "outliers": "Outliers",
    "counts": "Counts",
}  # fmt: skip

_JS = r"""
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let row = parentElement.querySelector(".probnn-thumbs");
  if (!row) {
    row = document.createElement("div");
    row.className = "probnn-thumbs";
    row.setAttribute("role", "group");
    parentElement.appendChild(row);
  }
  row.setAttribute("aria-label", data.label);
  if (row.dataset.names !== data.names.join(",")) {
    row.innerHTML = "";
    data.items.forEach((item) => {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "probnn-thumb";
      b.dataset.name = item.name;
      b.title = item.title;
      b.setAttribute("aria-label", item.title);
      b.innerHTML = item.svg + `<span aria-hidden="true">${item.short}</span>`;
      b.addEventListener("click", () => {
        if (b.getAttribute("aria-pressed") !== "true") setTriggerValue("pick", item.name);
      });
      row.appendChild(b);
    });
    row.dataset.names = data.names.join(",");
  }
  for (const b of row.children) {
    b.setAttribute("aria-pressed", b.dataset.name === data.selected ? "true" : "false");
  }
}
"""

_CSS = """
.probnn-thumbs { display: flex; gap: 0.3rem; }
.probnn-thumb { flex: 1 1 0; min-width: 0; max-width: 4rem; display: flex;
  flex-direction: column; align-items: stretch; gap: 0.05rem; padding: 0.15rem 0.15rem 0.05rem;
  border: 2px solid #d5d9e0; border-radius: 0.45rem; background: #ffffff; color: #111111;
  font: inherit; font-size: 0.7rem; line-height: 1.15; cursor: pointer; }
.probnn-thumb svg { width: 100%; height: auto; aspect-ratio: 1; display: block; }
.probnn-thumb span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  text-align: center; }
/* a thumbnail too narrow for its word ("Outliers" needs about 46 px) shows the picture
   alone: the select box below names the chosen set, and each button keeps its name for a
   screen reader and as its tooltip */
.probnn-thumb { container-type: inline-size; }
@container (max-width: 46px) { .probnn-thumb span { display: none; } }
.probnn-thumb:hover { border-color: #1f5fbf; }
.probnn-thumb[aria-pressed="true"] { border-color: #1f5fbf; background: #e3ebf8;
  box-shadow: inset 0 0 0 1px #1f5fbf; font-weight: 600; }
.probnn-thumb:focus-visible { outline: 3px solid #1f5fbf; outline-offset: 2px; }
"""


def _scaled(values: np.ndarray, low: float, high: float) -> np.ndarray:
    lo, hi = float(np.min(values)), float(np.max(values))
    span = hi - lo if hi > lo else 1.0
    return low + (values - lo) / span * (high - low)


@functools.lru_cache(maxsize=64)
def svg(name: str) -> str:
    """The thumbnail of generator ``name`` (default parameters, seed 0) as SVG markup:
    one path of small squares per class, or of the (x, y) points for regression."""
    if name == CSV:
        rows = "".join(
            f'<rect x="8" y="{12 + 9 * i}" width="40" height="7" rx="1" '
            f'fill="{"#1f5fbf" if i == 0 else "#c9d3e3"}"/>'
            for i in range(4)
        )
        return f'<svg viewBox="0 0 {SIZE} {SIZE}" aria-hidden="true">{rows}</svg>'
    ds = pdata.make(name, seed=0)
    X = ds.X_train.numpy()[:POINTS]
    y = ds.y_train.numpy()[:POINTS]
    pad, r = 4.0, 1.5
    if X.shape[1] >= 2:
        xs, ys = _scaled(X[:, 0], pad, SIZE - pad), _scaled(X[:, 1], SIZE - pad, pad)
        groups = [(PALETTE[int(c) % len(PALETTE)], y == c) for c in np.unique(y)]
    else:
        xs, ys = _scaled(X[:, 0], pad, SIZE - pad), _scaled(y.astype(float), SIZE - pad, pad)
        groups = [(PALETTE[7], np.ones(len(xs), dtype=bool))]
    paths = []
    for colour, mask in groups:
        d = "".join(
            f"M{a - r:.0f} {b - r:.0f}h3v3h-3z" for a, b in zip(xs[mask], ys[mask], strict=True)
        )
        paths.append(f'<path d="{d}" fill="{colour}"/>')
    return (
        f'<svg viewBox="0 0 {SIZE} {SIZE}" aria-hidden="true">'
        f'<rect width="{SIZE}" height="{SIZE}" rx="4" fill="#f6f7f9"/>{"".join(paths)}</svg>'
    )


_PICKER = st.components.v2.component(
    "probnn_thumbnails",
    js=_JS,
    css=_CSS,
    isolate_styles=False,
)


@functools.lru_cache(maxsize=16)
def _items(names: tuple[str, ...]) -> tuple[dict, ...]:
    out = []
    for name in names:
        if name == CSV:
            title, short = "Your own table (CSV)", "CSV"
        else:
            title = pdata.GENERATORS[name].title
            short = SHORT.get(name, title)
        out.append({"name": name, "title": title, "short": short, "svg": svg(name)})
    return tuple(out)


def picker(datasets: tuple[str, ...], key: str, options: list[str]) -> None:
    """The thumbnails of ``datasets`` (and of an uploaded CSV when ``options`` holds it)
    above the select box ``key``; a click sets that select box's value."""
    names = tuple(o for o in options if o in datasets or o == CSV)
    _PICKER(
        key=f"{key}.thumbs",
        data={
            "kind": "thumbnails",
            "label": "Data set",
            "names": list(names),
            "items": list(_items(names)),
            "selected": current(key, options),
        },
        on_pick_change=functools.partial(_picked, key, tuple(options)),
        width="stretch",
        height="content",
    )


def _picked(key: str, options: tuple[str, ...]) -> None:
    """A thumbnail was clicked: the select box takes its value (a callback runs before
    the script, so the select box, the link and the thumbnails all show it at once)."""
    state = st.session_state.get(f"{key}.thumbs")
    pick = state.get("pick") if hasattr(state, "get") else getattr(state, "pick", None)
    if isinstance(pick, str) and pick in options:
        st.session_state[key] = pick


def current(key: str, options: list[str]) -> str:
    """The value the select box ``key`` will show (drawn later in this run)."""
    value = st.session_state.get(key)
    if value in options:
        return value
    raw = st.query_params.get(key)
    return raw if raw in options else options[0]
