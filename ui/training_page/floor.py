"""The floor of the page's data, H(Y|X) of its generator in nats (:mod:`probnn.truth`):
the lowest expected test loss any model can reach, and the gap ``test loss - floor``
above it, which estimates the KL divergence of the model from the truth. Texts for the
status line and the results, the live panel's line (:func:`floor_of_frame`) and the
note that explains them once (:func:`floor_note`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import streamlit as st

from probnn import truth
from ui.charts import number
from ui.text import plain

if TYPE_CHECKING:  # annotations only: the context builds its results with this module
    from ui.training_page.context import Context


def num(value: float) -> str:
    return "–" if value != value else number(value)


FLOOR_UNKNOWN = "floor unknown for your own data: its true distribution is not known"


def floor_line(ctx: Context, test: float) -> str:
    """The floor H(Y|X) and the gap ``test loss - floor`` (markdown), or why there is none."""
    if ctx.floor is None:
        if ctx.settings.source == "synthetic":
            return "floor: none (y is an exact function of x here: add noise)"
        return FLOOR_UNKNOWN
    text = f"floor H(Y|X) **{number(ctx.floor.value)}** nats · "
    gap = num(test - ctx.floor.value)
    if ctx.gap_is_kl:
        text += f"gap test loss − floor = KL(truth ‖ model) ≈ **{gap}** nats"
        if test - ctx.floor.value < 0:
            text += " (below 0 by chance: the test set is a small sample)"
        return text
    return text + f"gap test loss − floor **{gap}** nats (not a KL: this loss is not −log p(y|x))"


def floor_of_frame(ctx: Context, test: float) -> dict | None:
    """What the live panel draws of the floor: its value, its label and the gap."""
    if ctx.floor is None:
        return None
    gap = test - ctx.floor.value
    name = "KL gap" if ctx.gap_is_kl else "gap"
    return {
        "value": float(ctx.floor.value),
        "label": f"floor H(Y|X) = {number(ctx.floor.value)} nats",
        "gap": None if gap != gap else f"{name} {number(gap)} nats",
    }


CAVEAT = (
    "The floor is a property of the data's generator, not of this sample: H(Y|X) = "
    "E_x[H(p(y|x))], computed from the generator's own construction. {method}. The "
    "test loss is an average over {n:,} test points, so it scatters around the model's "
    "expected loss by its sampling error (about ±{se} nats here): the gap is an "
    "estimate, and a model close to the truth can show a gap a little below 0. On these "
    "test points the true p(y|x) itself scores {own} nats, against its expectation, the "
    "floor, of {floor} nats."
)


def floor_note(ctx: Context | None) -> None:
    """One caption under the loss formula: the floor of this data (or why there is none),
    and, folded away, how it is computed and why the gap is only an estimate."""
    if ctx is None:
        return
    if ctx.floor is None:
        st.caption(floor_line(ctx, float("nan")).capitalize() + ".")
        return
    kind = "the KL divergence of the model from the truth" if ctx.gap_is_kl else "a gap"
    st.caption(
        f"**Floor H(Y|X) = {number(ctx.floor.value)} nats**: the lowest expected test loss "
        "any model can reach on this data (the entropy of y given x under the generator). "
        f"Training can only remove what lies above it: test loss − floor estimates {kind}. "
        "Move the noise slider and the floor moves."
    )
    ds = ctx.dataset
    se, own = (num(v) for v in truth_on_test(ctx))
    with st.expander("About the floor and the gap"):
        st.caption(
            CAVEAT.format(
                method=plain(ctx.floor.method.rstrip(".")),
                n=len(ds.y_test),
                se=se,
                own=own,
                floor=number(ctx.floor.value),
            )
        )


def truth_on_test(ctx: Context) -> tuple[float, float]:
    """The standard error of a test loss near the floor (the spread of the truth's own
    surprise -log p(y|x) over the test points, over the square root of their number) and
    the truth's own test loss on these points, in nats; NaN when unknown. Kept on the
    context (computed once per data set)."""
    cached = getattr(ctx, "_truth_on_test", None)
    if cached is not None:
        return cached
    ds = ctx.dataset
    out = (float("nan"), float("nan"))
    try:
        surprise = -truth.log_prob(ds, ds.X_test, ds.y_test)
    except Exception:  # noqa: BLE001 - no number rather than no page
        surprise = np.zeros(0)
    if len(surprise) >= 2 and np.isfinite(surprise).all():
        se = float(np.std(surprise, ddof=1) / np.sqrt(len(surprise)))
        out = (se, float(surprise.mean()))
    ctx._truth_on_test = out
    return out


def paired_text(ctx: Context, test: float) -> str:
    """After training: the truth's own loss on the same test points, and the model's test
    loss minus it, the paired estimate of the same KL (markdown; "" when unknown)."""
    if ctx.floor is None or not ctx.gap_is_kl or test != test:
        return ""
    own = truth_on_test(ctx)[1]
    if own != own:
        return ""
    return (
        f"On these test points the true p(y|x) itself scores **{number(own)}** nats, so "
        f"test loss − the truth's own = **{number(test - own)}** nats: the same KL estimated "
        "point by point, with far less sampling noise."
    )
