"""One notation across the pages: what a student reads is scanned for index ranges that
start at 0, Greek letters spelled out in prose instead of written as symbols, and numbers
shown with more than 4 significant digits. The scanner is tested on known good and bad
text first, so a violation on a page fails the page's test."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.pages.training_helpers import open_page
from tests.probnn.conftest import one_thread  # noqa: F401  (the page tests' fixture)
from ui import derive_page
from ui.text import num, percent

# --------------------------------------------------------------------------- the scanner

# An index that starts at 0 and ends at K - 1: "k = 0, \dots, K - 1", "\sum_{k=0}^{K-1}",
# "k = 0..C-1", or an index set to 0 on its own ("k=0").
ZERO_RANGE = re.compile(
    r"\b[ijk]\s*=\s*0\s*,\s*(?:1\s*,\s*)?(?:\\[lc]?dots|\.\.\.|…)\s*,?\s*[A-Z]\s*[-−]\s*1"
    r"|\\sum_\{?\s*[ijk]\s*=\s*0\s*\}?\^\{?\s*[A-Z]\s*-\s*1"
    r"|\b[ijk]\s*=\s*0\s*(?:\.\.|…)"
    r"|\b[ijk]\s*=\s*0\b"
)
GREEK = re.compile(
    r"\b(alpha|beta|gamma|delta|epsilon|eta|theta|lambda|mu|nu|pi|rho|sigma|tau)\b",
    re.IGNORECASE,
)
MATH = re.compile(r"\$\$.*?\$\$|\$[^$]*\$|`[^`]*`", re.DOTALL)  # formulas and code
# A shown decimal number (its mantissa, when in scientific notation).
DECIMAL = re.compile(r"(?<![\w.])(\d[\d,]*\.\d+)(?![\d.])")


def significant(number: str) -> int:
    """Significant digits of a decimal written as shown ("0.06931" -> 4, "1,234.5" -> 5)."""
    digits = number.replace(",", "").replace(".", "").lstrip("0")
    return len(digits)


def violations(prose: list[str], formulas: list[str]) -> list[str]:
    """What breaks the notation in a page's prose (Markdown, captions, labels, metrics)
    and formulas (LaTeX), one line per finding."""
    found = []
    for text in prose + formulas:
        for m in ZERO_RANGE.finditer(text):
            found.append(f"index range from 0: {m.group(0)!r} in {text[:80]!r}")
        for m in DECIMAL.finditer(text):
            if significant(m.group(1)) > 4:
                found.append(f"more than 4 significant digits: {m.group(1)} in {text[:80]!r}")
    for text in prose:
        words = MATH.sub(" ", text)
        for m in GREEK.finditer(words):
            found.append(f"Greek letter spelled out: {m.group(0)!r} in {text[:80]!r}")
    return found


def test_the_scanner_flags_each_kind_of_violation():
    assert violations([], [r"p(x = k) = \pi_k, \quad k = 0, \dots, K - 1"])
    assert violations([], [r"\sum_{k=0}^{K-1} \pi_k"])
    assert violations(["labels k = 0..C-1"], [])
    assert violations(["the mean mu of the target"], [])
    assert violations(["With sigma = 1 the loss"], [])
    assert violations(["H = 0.693147 nats"], [])
    assert violations([], [r"H = 12.3456\ \text{nats}"])


def test_the_scanner_passes_the_notation_the_pages_use():
    good_prose = [
        "With $\\sigma = 1$ the NLL is 0.5 MSE plus 0.9189.",
        "The mean $\\mu$ of the target; `F.mse_loss(mu, y)`.",
        "1 bit = ln 2 ≈ 0.693 nats; accuracy 93.5%; 2,000 points; error ≤ 1.2e-07 bits.",
    ]
    good_formulas = [r"\sum_{k=1}^{K} e^{z_k}", r"k = 1, \dots, K", r"p(y{=}0 \mid x)"]
    assert violations(good_prose, good_formulas) == []


# ------------------------------------------------------------------- the shared formatter


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e9, max_value=1e9))
def test_num_shows_at_most_4_significant_digits_and_rounds_correctly(x):
    text = num(x)
    mantissa = text.split("e")[0].lstrip("-").replace(",", "")
    assert significant(mantissa if "." in mantissa else mantissa.rstrip("0")) <= 4
    value = float(text.replace(",", ""))
    assert value == pytest.approx(x, rel=5e-4, abs=0.0)


def test_num_and_percent_special_values():
    assert num(math.inf) == "inf" and num(-math.inf) == "-inf"
    assert num(math.nan) == "undefined" and num(None) == "undefined"
    assert num(0.0) == "0" and num(-0.0) == "0"
    assert num(math.log(2), "nats") == "0.6931 nats"
    assert num(12345.678) == "12,350"
    assert percent(0.935) == "93.5%" and percent(math.nan) == "undefined"


# --------------------------------------------------------------------------- the pages

STATES = [
    ("main.py", {}),
    ("lessons/entropy.py", {}),
    ("lessons/entropy.py", {"family": "categorical"}),
    ("lessons/entropy.py", {"family": "bernoulli"}),
    ("lessons/entropy.py", {"family": "student_t"}),
    ("lessons/entropy.py", {"family": "mixture"}),
    ("lessons/entropy.py", {"family": "poisson"}),
    ("lessons/cross_entropy.py", {}),
    ("lessons/cross_entropy.py", {"p_family": "categorical"}),
    ("lessons/cross_entropy.py", {"p_family": "poisson", "sweep": "rate"}),
    ("lessons/cross_entropy.py", {"q_family": "laplace"}),
    ("lessons/cross_entropy.py", {"q_family": "uniform"}),  # infinite, with a reason
    ("lessons/generative.py", {"n": "200"}),
    *[("lessons/derive_loss.py", {"likelihood": name}) for name in derive_page.NAMES],
    ("lessons/derive_loss.py", {"likelihood": "categorical", "smoothing": "0.1"}),
]


def shown_text(at) -> tuple[list[str], list[str]]:
    """(prose, formulas) of what the page shows: Markdown, captions, messages, metric
    labels and values, widget labels and expander labels; LaTeX blocks."""
    prose = [e.value for kind in ("markdown", "caption", "info", "warning", "success")
             for e in at.get(kind)]  # fmt: skip
    prose += [f"{m.label} {m.value}" for m in at.metric]
    for kind in ("slider", "selectbox", "radio", "number_input", "text_input", "toggle"):
        prose += [w.label for w in at.get(kind)]
    prose += [e.label for e in at.expander]
    formulas = [e.value for e in at.latex]
    return prose, formulas


@pytest.mark.usefixtures("one_thread")
@pytest.mark.parametrize(
    ("path", "query"), STATES, ids=[f"{p.split('/')[-1][:-3]}-{q}" for p, q in STATES]
)
def test_pages_keep_one_notation(path, query):
    at = open_page(path, query, timeout=90)
    assert not at.exception
    prose, formulas = shown_text(at)
    assert prose and formulas
    assert violations(prose, formulas) == []
