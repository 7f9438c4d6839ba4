"""The floor of the page's data, H(Y|X) of its generator in nats (:mod:`probnn.truth`):
the lowest expected test loss any model can reach. Above it, the KL divergence of the
model from the truth, estimated on the test set as ``test loss - the truth's own loss on
the same points`` (:func:`kl_estimate`; for a loss of another kind than the truth's, the
gap ``test loss - floor``, not a KL). Texts for the status line and the results, the
live panel's lines (:func:`floor_of_frame`) and the note that explains them once
(:func:`floor_note`)."""

from __future__ import annotations

import re
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


def minus(value: float) -> str:
    """A number with a typographic minus sign."""
    return num(value).replace("-", "\u2212")


def kl_estimate(ctx: Context, test: float) -> float | None:
    """The KL divergence of the model from the truth, estimated on the test set: the test
    loss minus the truth's own loss on the same test points (the paired estimate: most of
    the test set's sampling noise is in both and cancels). None when the loss is not a
    KL's kind (:attr:`Context.gap_is_kl`) or the truth's loss is unknown; NaN before the
    first evaluation."""
    if ctx.floor is None or not ctx.gap_is_kl:
        return None
    own = truth_on_test(ctx)[1]
    if own != own:
        return None
    return test - own


def kl_words(value: float) -> tuple[str, str]:
    """A KL estimate in words, bold (markdown) and plain: the number, or, when the
    estimate is below 0 (a KL never is: the test set's chance), "≈ 0" with the estimate
    as a sampling error."""
    if value != value or value >= 0:
        return f"**{num(value)}** nats", f"{num(value)} nats"
    return (
        f"**0** nats (within sampling error: {minus(value)})",
        f"0 (within sampling error: {minus(value)})",
    )


def floor_line(ctx: Context, test: float) -> str:
    """The floor H(Y|X), the truth's own loss on the test points and the KL estimate
    ``test loss - truth's own`` (markdown); for a loss that is not a KL's kind, the gap
    ``test loss - floor``; or why there is no floor."""
    if ctx.floor is None:
        if ctx.settings.source == "synthetic":
            return "floor: none (y is an exact function of x here: add noise)"
        return FLOOR_UNKNOWN
    text = f"floor H(Y|X) **{number(ctx.floor.value)}** nats · "
    if not ctx.gap_is_kl:
        gap = minus(test - ctx.floor.value)
        return text + (
            f"gap test loss − floor **{gap}** nats (not a KL: this loss is not −log p(y|x))"
        )
    kl = kl_estimate(ctx, test)
    if kl is None:  # the truth's loss on the test points is unknown: the floor's gap
        return (
            text + f"KL(truth ‖ model) ≈ test loss − floor = {kl_words(test - ctx.floor.value)[0]}"
        )
    own = truth_on_test(ctx)[1]
    return text + (
        f"the truth on these test points **{number(own)}** nats · KL(truth ‖ model) ≈ "
        f"test loss − truth's = {kl_words(kl)[0]}"
    )


def floor_of_frame(ctx: Context, test: float) -> dict | None:
    """What the live panel draws of the floor: its value and label, the truth's own loss
    on the test points (``own``, the line the gap is measured to) and the gap, each text
    with a shorter form for a narrow chart (``*_short``)."""
    if ctx.floor is None:
        return None
    value = float(ctx.floor.value)
    out = {
        "value": value,
        "label": f"floor H(Y|X) = {number(value)} nats",
        "label_short": f"H(Y|X) = {number(value)}",
        "gap": None,
        "gap_short": None,
    }
    kl = kl_estimate(ctx, test)
    if kl is not None:
        own = truth_on_test(ctx)[1]
        out["own"] = own
        out["own_label"] = f"truth on this test set = {number(own)} nats"
        out["own_short"] = f"truth on test set: {number(own)}"
        if kl == kl:
            words = kl_words(kl)[1]
            out["gap"] = f"KL ≈ {words}"
            out["gap_short"] = f"KL ≈ {num(kl)}" if kl >= 0 else f"KL ≈ 0 ({minus(kl)})"
        return out
    gap = test - value
    if gap == gap:
        if ctx.gap_is_kl:
            out["gap"] = f"KL ≈ {kl_words(gap)[1]}"
            out["gap_short"] = f"KL ≈ {num(gap)}" if gap >= 0 else f"KL ≈ 0 ({minus(gap)})"
        else:
            out["gap"] = f"gap {minus(gap)} nats"
            out["gap_short"] = f"gap {minus(gap)}"
    return out


CAVEAT = (
    "The floor is a property of the data's generator, not of this sample: H(Y|X) = "
    "E_x[H(p(y|x))], an expectation over all the data the generator could draw, computed "
    "from its own construction. {method}. A finite test set has a floor of its own: on "
    "these {n:,} test points the true p(y|x) itself scores {own} nats, against the "
    "expectation of {floor} nats (the test loss of any model scatters by about ±{se} "
    "nats from one test set to another). That is why the loss chart can show two lines: "
    "the floor H(Y|X), and the truth's loss on this test set. The KL divergence of the "
    "model from the truth is estimated as test loss − the truth's loss on the same "
    "points: the luck of the test set is in both and cancels, so the gap is an "
    "estimate with far less sampling noise than test loss − floor. A KL is never below "
    "0; an estimate a little below 0 (a model as good as the truth, by chance on these "
    "points) is shown as ≈ 0."
)


CAVEAT_GAP = (
    "The floor is a property of the data's generator, not of this sample: H(Y|X) = "
    "E_x[H(p(y|x))], computed from the generator's own construction. {method}. The "
    "test loss is an average over {n:,} test points, so it scatters around the model's "
    "expected loss by its sampling error (about ±{se} nats here): the gap is an "
    "estimate, and it can be a little below 0 by chance."
)


_GREEK = re.compile(r"\b(pi|sigma|mu|lambda|rho)(?=\b|_)")


def tex_symbols(text: str) -> str:
    """Greek letters spelled out in probnn's plain-text notes ("2 pi e s^2") as LaTeX
    symbols (Markdown; ``text`` already made plain by :func:`ui.text.plain`)."""
    return _GREEK.sub(lambda m: f"$\\{m.group(1)}$", text)


def floor_note(ctx: Context | None) -> None:
    """One caption under the loss formula: the floor of this data (or why there is none),
    and, folded away, how it is computed and why the gap is only an estimate."""
    if ctx is None:
        return
    if ctx.floor is None:
        st.caption(floor_line(ctx, float("nan")).capitalize() + ".")
        return
    if ctx.gap_is_kl:
        what = (
            ": the KL divergence of the model from the truth, estimated as test loss − "
            "the truth's own loss on the same test points"
        )
    else:
        what = "; test loss − floor is a gap, not a KL: this loss is not −log p(y|x)"
    st.caption(
        f"**Floor H(Y|X) = {number(ctx.floor.value)} nats**: the lowest expected test loss "
        "any model can reach on this data (the entropy of y given x under the generator). "
        f"Training can only remove what lies above it{what}. "
        "Move the noise slider and the floor moves."
    )
    ds = ctx.dataset
    se, own = (num(v) for v in truth_on_test(ctx))
    method = tex_symbols(plain(ctx.floor.method.rstrip(".")))
    with st.expander("About the floor and the gap"):
        if ctx.gap_is_kl and own != "–":
            text = CAVEAT.format(
                method=method, n=len(ds.y_test), se=se, own=own, floor=number(ctx.floor.value)
            )
        else:
            text = CAVEAT_GAP.format(method=method, n=len(ds.y_test), se=se)
        st.caption(text)


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
