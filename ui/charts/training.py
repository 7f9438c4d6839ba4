"""Charts for the training pages: the live panel's frames (loss curves, the model's
p(y|x) over the plane or the fitted mean with its band), the after-training block
(calibration, residuals), the comparison of likelihoods and the loss surface.

Pure builders, no Streamlit. The live panel's builders return plain JSON for the canvas
of ui/live_panel.js. The loss surface is a Vega-Lite chart that takes its data as the
*name* of a dataset (a string): its spec does not depend on the data, so a page turns
it into a dict once (:func:`spec`) and sends the same spec with fresh data on every
update (:func:`with_data`); the browser then updates the drawn chart in place.

Column contracts (all numbers float):

* image: one row, ``x0, x1, y0, y1`` (the picture's edges) and ``url`` (a PNG data URL
  from :func:`image_url`): the loss surface is a picture, one datum per update instead
  of one rectangle per grid cell;
* points (live panel): ``x, y, label`` (label = class name; for regression, the split);
* calibration: ``predicted, observed, count``; residuals: ``fitted, residual``;
* path: ``step, w, b`` (the optimiser's path on the loss surface).
"""

from __future__ import annotations

import base64
import struct
import zlib
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from ui.charts import PALETTE, unit_title, with_data
from ui.charts import spec as _spec

__all__ = [
    "calibration_panel",
    "compare_panel_data",
    "image_extent",
    "image_url",
    "live_panel_data",
    "panel_fit",
    "panel_map",
    "picture",
    "probability_colours",
    "residual_panel",
    "results_block",
    "spec",
    "surface_chart",
    "surface_colours",
    "with_data",
]


def spec(chart: alt.TopLevelMixin) -> dict:
    """The chart as a Vega-Lite dict, checked against the schema. Build once, reuse."""
    return _spec(chart, validate=True)


NATS = "nats"
_BLUE, _ORANGE = PALETTE[0], PALETTE[1]
_MIDDLE = "#f4f4f4"  # p = 0.5: neither class
_SHAPES = [
    "circle",
    "triangle-up",
    "square",
    "diamond",
    "cross",
    "triangle-down",
    "circle",
    "square",
]

Data = pd.DataFrame | str


def _source(data: Data):
    """A DataFrame as inline data, a string as a named dataset filled in later."""
    return alt.NamedData(name=data) if isinstance(data, str) else data


def _legend(title: str | None = None, orient: str = "bottom", **kwargs) -> alt.Legend:
    return alt.Legend(
        orient=orient, title=title, labelFontSize=14, titleFontSize=14, labelLimit=320, **kwargs
    )


# ----------------------------------------------------------------------------- live panel
#
# While a run trains, the page paints the panel of ui/live_panel.js (one canvas) instead
# of a Vega chart: a canvas repaint costs the browser a fraction of a Vega update. These
# builders make its data: plain JSON (lists; NaN and inf become null).


# Significant digits of the numbers that change from frame to frame (curves, fits): the
# panel and its hover show 4, and a shorter number is cheaper to encode, send and parse.
LIVE_DIGITS = 5


def _floats(values, digits: int | None = None, *, significant: int | None = None) -> list:
    """Plain floats (NaN and inf as None), rounded to ``digits`` decimals or to
    ``significant`` digits when given."""
    a = np.asarray(values, dtype=np.float64).ravel()
    if digits is not None:
        a = np.round(a, digits)
    elif significant is not None:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            size = np.floor(np.log10(np.abs(a)))
            k = significant - 1 - np.where(np.isfinite(size), size, 0)
            # an integer times or over an exact power of ten: the closest float to the
            # rounded decimal, whose repr is short
            up, down = 10.0 ** np.maximum(k, 0), 10.0 ** np.maximum(-k, 0)
            rounded = np.round(a * up / down) * down / up
        a = np.where(np.isfinite(rounded), rounded, a)
    out = a.astype(object)
    out[~np.isfinite(a)] = None
    return out.tolist()


def _live(values) -> list:
    return _floats(values, significant=LIVE_DIGITS)


def panel_map(
    extent: dict[str, Sequence[float]] | dict[str, float],
    points: pd.DataFrame,
    *,
    class_names: Sequence[str],
    features: Sequence[str],
) -> dict:
    """The static part of the p(y|x) map panel: extent, axes, the data, the legend.

    ``points`` has columns ``x, y, label`` (label = class name). The picture itself
    (``picture``) is added per frame by :func:`live_panel_data`, which also keeps the
    colour-scale legend only for a picture of p(last class | x) (not for the
    most-probable-class picture of a categorical model).
    """
    names = [str(n) for n in class_names]
    index = {n: i for i, n in enumerate(names)}
    styles = [
        {"fill": PALETTE[i % len(PALETTE)], "stroke": "#111111", "shape": _SHAPES[i % len(_SHAPES)]}
        for i in range(len(names))
    ]
    edge = {k: float(np.ravel(v)[0]) for k, v in extent.items()}
    gradient = {
        "title": f"p({names[-1]} | x)",
        "stops": [[0.0, _BLUE], [0.5, _MIDDLE], [1.0, _ORANGE]],
    }
    return {
        "kind": "map",
        "extent": [edge["x0"], edge["x1"], edge["y0"], edge["y1"]],
        "x_title": str(features[0]),
        "y_title": str(features[1]),
        "names": names,
        "styles": styles,
        "gradient": gradient,
        "points": {
            "x": _floats(points["x"], 4),
            "y": _floats(points["y"], 4),
            "c": [index.get(str(v), 0) for v in points["label"]],
        },
    }


def panel_fit(
    points: pd.DataFrame, *, x_title: str, y_title: str, y_domain: tuple[float, float]
) -> dict:
    """The static part of the regression panel: the data (train and test) and the axes."""
    split = {"train": 0, "test": 1}
    return {
        "kind": "fit",
        "x_title": str(x_title),
        "y_title": str(y_title),
        "y_domain": [float(y_domain[0]), float(y_domain[1])],
        "colour": _BLUE,
        "names": ["train", "test"],
        "styles": [
            {"fill": "#5f6368", "shape": "circle", "alpha": 0.6},
            {"fill": "#b0b4ba", "shape": "circle", "alpha": 0.8},
        ],
        "points": {
            "x": _floats(points["x"], 4),
            "y": _floats(points["y"], 4),
            "c": [split.get(str(v), 0) for v in points["label"]],
        },
    }


def live_panel_data(
    panel_id: str,
    *,
    label: str,
    steps: int,
    curves: dict,
    metric_name: str,
    metric_domain: tuple[float, float] | None = None,
    right: dict | None = None,
    view: dict | None = None,
    floor: dict | None = None,
    options: dict | None = None,
    height: int = 470,
) -> dict:
    """One frame of the live panel.

    ``curves``: ``train_step, train_loss, eval_step, test_loss, test_metric`` arrays (as
    :func:`probnn.live.curves` returns them). ``right``: :func:`panel_map` or
    :func:`panel_fit` (or None: curves only), completed from ``view`` (the observed
    picture ``url``, or the fitted ``x, mean, lo, hi``). ``floor``: the data's floor
    H(Y|X) drawn as a labelled line on the loss chart, ``value`` (nats), ``label`` and
    ``gap`` (the text of the gap, None before the first evaluation), optionally ``own``
    (the truth's own loss on the test points, a second line that the gap is measured to)
    with ``own_label``, and shorter texts for a narrow chart (``label_short``,
    ``gap_short``, ``own_short``); None: no line (a user's CSV has no known floor). ``options``: ``log`` (the loss axis on a
    log scale, drawn so when every loss is above 0) and ``surprise`` (the points sized by
    their surprise -log q(y|x) under the current model: ``view["surprise"]``, one per
    point, which the hover shows in any case, with ``view["surprise_mean"]``, its mean
    over the training points) and ``truth`` (the map shows the true p(y|x), the picture
    ``right["truth"]``, in place of the model's; the frame's ``right["truth"]`` then
    says True).
    """
    options = options or {}
    frame = {
        "id": panel_id,
        "label": label,
        "steps": int(steps),
        "height": int(height),
        "loss_title": unit_title("loss", NATS),
        "series": [
            {
                "name": "train",
                "colour": PALETTE[0],
                "x": np.asarray(curves["train_step"]).tolist(),
                "y": _live(curves["train_loss"]),
            },
            {
                "name": "test",
                "colour": PALETTE[1],
                "x": np.asarray(curves["eval_step"]).tolist(),
                "y": _live(curves["test_loss"]),
            },
        ],
        "metric": {
            "title": metric_name,
            "colour": PALETTE[2],
            "domain": list(metric_domain) if metric_domain else None,
            "x": np.asarray(curves["eval_step"]).tolist(),
            "y": _live(curves["test_metric"]),
        },
        "right": None,
        "floor": None,
        "log": bool(options.get("log")),
    }
    if floor is not None and np.isfinite(floor["value"]):
        frame["floor"] = {
            "value": float(floor["value"]),
            "label": str(floor["label"]),
            "gap": None if floor.get("gap") is None else str(floor["gap"]),
        }
        for key in ("label_short", "gap_short", "own_label", "own_short"):
            if floor.get(key) is not None:
                frame["floor"][key] = str(floor[key])
        own = floor.get("own")
        if own is not None and np.isfinite(own):
            frame["floor"]["own"] = float(own)
    if right is not None and view is not None:
        if right["kind"] == "map" and "rgb" in view:
            gradient = None if view.get("multi") else right["gradient"]
            shown = picture(view["rgb"])
            truth = bool(options.get("truth")) and right.get("truth") is not None
            if truth:  # the true p(y|x) in place of the model's
                shown = right["truth"]
                gradient = gradient and dict(gradient, title="true " + gradient["title"])
            frame["right"] = dict(right, picture=shown, gradient=gradient, truth=truth)
        elif right["kind"] == "fit" and "mean" in view:
            band = "lo" in view and bool(np.isfinite(view["lo"]).any())
            frame["right"] = dict(
                right,
                x=_live(view["x"]),
                mean=_live(view["mean"]),
                lo=_live(view["lo"]) if band else None,
                hi=_live(view["hi"]) if band else None,
            )
        if frame["right"] is not None:
            if frame["right"]["kind"] == "map":
                frame["right"]["truth"] = bool(frame["right"].get("truth") is True)
            surprise = view.get("surprise")
            count = len(right["points"]["x"])
            ok = surprise is not None and len(surprise) == count
            frame["right"]["surprise"] = _live(surprise) if ok else None
            frame["right"]["surprise_mean"] = (
                _live([view["surprise_mean"]])[0] if ok and "surprise_mean" in view else None
            )
            frame["right"]["size_by_surprise"] = bool(options.get("surprise")) and ok
    return frame


# ----------------------------------------------------------------------------- p(y|x) map


def _rgb(colour: str) -> np.ndarray:
    return np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


def _png(rgba: np.ndarray) -> bytes:
    """A minimal PNG encoder: (H, W, 4) uint8, row 0 at the top."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )


def picture(rgb: np.ndarray) -> dict:
    """The live panel's map picture: ``w``, ``h`` and ``rgb``, the base64 of its colour
    bytes row by row from the top.

    ``rgb`` (H, W, 3) in 0..255 with row 0 at the *lowest* y, as for :func:`image_url`.
    The panel copies the bytes straight onto a canvas: no image file to encode here or
    to decode in the browser, several times a second.
    """
    h, w, _ = rgb.shape
    data = np.clip(np.round(rgb[::-1]), 0, 255).astype(np.uint8)
    return {"w": int(w), "h": int(h), "rgb": base64.b64encode(data.tobytes()).decode("ascii")}


def image_url(rgb: np.ndarray, alpha: np.ndarray | None = None) -> str:
    """A PNG data URL from (H, W, 3) colours in 0..255 whose row 0 is the *lowest* y."""
    h, w, _ = rgb.shape
    rgba = np.empty((h, w, 4), dtype=np.uint8)
    rgba[..., :3] = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    rgba[..., 3] = 255 if alpha is None else np.clip(np.round(alpha * 255), 0, 255)
    return "data:image/png;base64," + base64.b64encode(_png(rgba[::-1])).decode("ascii")


def probability_colours(probs: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Colours (H, W, 3) of the p(y|x) map, on the scale its legend shows.

    ``probs`` (H, W): p(class 1 | x), mapped linearly (in RGB) from blue (0) through
    near-white (0.5) to orange (1). ``probs`` (H, W, C): each cell gets its most probable
    class's colour, mixed with white by how sure the model is (white at 1/C, 85 %
    colour at certainty).
    """
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 2:
        p = np.clip(np.nan_to_num(p, nan=0.5), 0.0, 1.0)[..., None]  # (H, W, 1)
        low, mid, high = _rgb(_BLUE), _rgb(_MIDDLE), _rgb(_ORANGE)
        below = mid + (low - mid) * (1 - 2 * p)  # p <= 0.5
        above = mid + (high - mid) * (2 * p - 1)  # p >= 0.5
        return np.where(p <= 0.5, below, above)
    c = p.shape[-1]
    top = p.argmax(axis=-1)  # (H, W)
    conf = p.max(axis=-1)  # (H, W)
    base_ = 1.0 / max(c, 2)
    a = np.clip((conf - base_) / (1 - base_), 0.0, 1.0)[..., None] * 0.85
    palette = np.stack([_rgb(PALETTE[k % len(PALETTE)]) for k in range(c)])  # (C, 3)
    return 255.0 * (1 - a) + palette[top] * a


def image_extent(xs: np.ndarray, ys: np.ndarray) -> dict[str, float]:
    """Edges ``x0, x1, y0, y1`` of an image whose pixel centres are the grid (xs, ys)."""
    xs, ys = np.asarray(xs, dtype=np.float64), np.asarray(ys, dtype=np.float64)
    dx = (xs[-1] - xs[0]) / (2 * (len(xs) - 1)) if len(xs) > 1 else 0.5
    dy = (ys[-1] - ys[0]) / (2 * (len(ys) - 1)) if len(ys) > 1 else 0.5
    return {"x0": xs[0] - dx, "x1": xs[-1] + dx, "y0": ys[0] - dy, "y1": ys[-1] + dy}


def _image_layer(image: Data, x_title: str, y_title: str) -> alt.Chart:
    return (
        alt.Chart(_source(image))
        .mark_image(aspect=False)
        .encode(
            x=alt.X("x0:Q", title=x_title, scale=alt.Scale(zero=False, nice=False)),
            x2="x1:Q",
            y=alt.Y("y0:Q", title=y_title, scale=alt.Scale(zero=False, nice=False)),
            y2="y1:Q",
            url="url:N",
        )
    )


# ----------------------------------------------------------------------------- after training


def calibration_panel(panel_id: str, table: pd.DataFrame, *, what: str, height: int = 330) -> dict:
    """The reliability diagram, drawn by the live panel's canvas: observed frequency
    against mean predicted probability per bin, on the dashed diagonal of a calibrated
    model (below it: over-confident). A dot's area shows how many test points fell in
    its bin. ``table``: ``predicted, observed, count`` (:func:`probnn.live.calibration_table`).
    """
    return {
        "id": panel_id,
        "kind": "scatter",
        "height": int(height),
        "label": f"Calibration on the test set: observed frequency against predicted {what}",
        "x_title": f"predicted {what}",
        "y_title": "observed frequency",
        # a little past 0 and 1: a bin at 0 or 1 shows whole, clear of the tick labels
        "x_domain": [-0.05, 1.05],
        "y_domain": [-0.05, 1.05],
        "reference": "diagonal",
        "line": True,
        "colour": _BLUE,
        "x": _floats(table["predicted"]),
        "y": _floats(table["observed"]),
        "n": [int(v) for v in table["count"]],
        "size_title": "test points",
        "fields": [["mean predicted", "x"], ["observed frequency", "y"], ["test points", "n"]],
    }


def residual_panel(
    panel_id: str,
    table: pd.DataFrame,
    *,
    y_title: str = "residual y \u2212 mean",
    height: int = 330,
) -> dict:
    """Test residuals against the fitted mean, with the dashed zero line, drawn by the
    live panel's canvas. ``table``: ``fitted, residual`` (:func:`probnn.live.residual_table`).
    """
    return {
        "id": panel_id,
        "kind": "scatter",
        "height": int(height),
        "label": "Residuals on the test set against the fitted mean",
        "x_title": "fitted mean",
        "y_title": y_title,
        "x_domain": None,
        "y_domain": None,
        "reference": "zero",
        "line": False,
        "colour": _BLUE,
        "x": _floats(table["fitted"], 5),
        "y": _floats(table["residual"], 5),
        "n": None,
        "size_title": None,
        "fields": [["fitted mean", "x"], ["residual", "y"]],
    }


def compare_panel_data(
    panel_id: str,
    *,
    runs: Sequence[str],
    titles: Sequence[str],
    steps: int,
    yardstick: str,
    curves: Sequence[tuple[Sequence[float], Sequence[float]]],
    right: dict,
    views: Sequence[dict | None],
    log: bool = True,
    floor: dict | None = None,
    height: int = 470,
) -> dict:
    """One frame of the comparison of likelihoods, drawn by the live panel.

    ``floor``: the data's floor (``value`` in nats and its ``label``), drawn as a line
    on the yardstick's chart when the yardstick is a loss in nats; None: no line.

    ``runs``: the likelihoods' names; ``titles``: what the canvas writes for each (name
    and step); ``curves``: each run's yardstick as (steps, values), titled
    ``yardstick`` and drawn on a log scale with ``log`` (it falls by decades);
    ``right``: :func:`panel_map` or :func:`panel_fit` (the data, drawn under every
    run); ``views``: each run's observed picture (``rgb``, ``multi``) or
    fitted curve (``x``, ``mean``), None while a run has none. Maps are square and side
    by side, so their panel's height follows the page's width: the canvas sets it
    (``height`` None).
    """
    colours = _run_colours(runs)
    if "truth" in right:  # the true p(y|x) picture is the live panel's only
        right = {k: v for k, v in right.items() if k != "truth"}
    frame = {
        "id": panel_id,
        "kind": "compare",
        "height": None if right["kind"] == "map" else int(height),
        "label": "comparison: " + ", ".join(titles),
        "steps": int(steps),
        "runs": [
            {"name": str(n), "title": str(t), "colour": c}
            for n, t, c in zip(runs, titles, colours, strict=True)
        ],
        "curve": {
            "title": yardstick + (", log scale" if log else ""),
            "log": bool(log),
            "series": [{"x": np.asarray(x).tolist(), "y": _live(y)} for x, y in curves],
        },
        "floor": None,
    }
    if floor is not None and np.isfinite(floor["value"]):
        frame["floor"] = {"value": float(floor["value"]), "label": str(floor["label"])}
    if right["kind"] == "map":
        frame["top"] = {
            "kind": "maps",
            "right": right,
            "pictures": [picture(v["rgb"]) if v and "rgb" in v else None for v in views],
            "multi": any(bool(v.get("multi")) for v in views if v),
        }
    else:
        xs = next((v["x"] for v in views if v and "x" in v), np.zeros(0))
        frame["top"] = {
            "kind": "fit",
            "right": right,
            "x": _live(xs),
            "means": [_live(v["mean"]) if v and "mean" in v else [None] * len(xs) for v in views],
        }
    return frame


def results_block(
    block_id: str,
    chart: dict,
    *,
    heading: str,
    left: str,
    right: str,
    table: dict,
    download: dict | None = None,
) -> dict:
    """The after-training block, drawn by the live panel (one element for all of it):
    the ``heading``, then ``chart`` (:func:`calibration_panel` or :func:`residual_panel`)
    under the ``left`` text; on the right the ``right`` text, the ``download`` link
    (``href`` relative to the app's base URL, file ``name``, ``label``; None: the page
    shows a download button of its own) and ``table`` (``head``: column titles, ``rows``: a row title and
    one formatted cell per column). Texts: bold ``**...**`` and line breaks only."""
    return {
        "id": block_id,
        "kind": "results",
        "chart": chart,
        "heading": heading,
        "left": left,
        "right": right,
        "table": table,
        "download": download,
    }


# ----------------------------------------------------------------------------- loss surface


def surface_chart(
    surface: Data = "surface",
    path: Data = "path",
    *,
    levels: Sequence[float] = (),
    unit: str = NATS,
    height: int = 400,
) -> alt.LayerChart:
    """The NLL over (weight, bias) as filled contour bands, with the optimiser's path.

    ``surface`` holds one picture (``x0, x1, y0, y1, url``) from :func:`surface_colours`;
    ``levels`` are its band edges, shown in the legend. The path (``step, w, b``) is drawn
    in step order and its last point marked.
    """
    levels = [float(v) for v in levels]
    colours = _band_colours(len(levels) + 1)
    picture = _image_layer(surface, "weight w", "bias b")
    legend_only = (
        alt.Chart(pd.DataFrame({"loss": levels or [0.0]}))
        .mark_point(opacity=0, size=0)
        .encode(
            color=alt.Color(
                "loss:Q",
                scale=alt.Scale(type="threshold", domain=levels, range=colours),
                legend=_legend(unit_title("loss", unit), orient="right", format=".2f"),
            )
        )
    )
    line = (
        alt.Chart(_source(path))
        .mark_line(
            color="#111111", strokeWidth=2.2, point=alt.OverlayMarkDef(size=10, color="#111111")
        )
        .encode(
            x="w:Q",
            y="b:Q",
            order="step:Q",
            tooltip=[
                alt.Tooltip("step:Q"),
                alt.Tooltip("w:Q", format=".3f"),
                alt.Tooltip("b:Q", format=".3f"),
            ],
        )
    )
    head = (
        alt.Chart(_source(path))
        .transform_window(rank="rank()", sort=[alt.SortField("step", order="descending")])
        .transform_filter("datum.rank == 1")
        .mark_point(
            shape="circle", size=160, filled=True, color="#ffffff", stroke="#111111", strokeWidth=2
        )
        .encode(x="w:Q", y="b:Q", tooltip=[alt.Tooltip("step:Q", title="now at step")])
    )
    return alt.layer(picture, legend_only, line, head).properties(height=height, width="container")


def surface_colours(loss: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """(H, W, 3) colours of the loss bands (the legend's threshold scale)."""
    bands = np.digitize(
        np.nan_to_num(np.asarray(loss, dtype=np.float64), nan=np.inf, posinf=np.inf),
        np.asarray(levels, dtype=np.float64),
    )
    palette = np.stack([_rgb(c) for c in _band_colours(len(levels) + 1)])
    return palette[bands]


def _band_colours(n: int) -> list[str]:
    """``n`` colours from dark blue (low loss) to pale yellow (high loss)."""
    low, high = np.array([31, 95, 191]), np.array([255, 244, 200])
    t = np.linspace(0.0, 1.0, max(n, 2))[:n]
    rgb = (low[None, :] * (1 - t[:, None]) + high[None, :] * t[:, None]).round().astype(int)
    return [f"#{r:02x}{g:02x}{b:02x}" for r, g, b in rgb]


def _run_colours(runs: Sequence[str]) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(len(runs))]
