"""ParamSpec: the description of one numeric parameter, which drives a slider.

A ParamSpec knows its range, default and step, and validates a raw value (from a
slider, a URL or a notebook) into a clean one or a message saying what to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["ParamSpec", "quoted"]

QUOTE_LIMIT = 40  # characters of a raw value repeated in a message


def quoted(raw) -> str:
    """``raw`` as a message repeats it (``repr``), a string cut to its first 40
    characters (then "…"): a message does not repeat a 50 KB link value."""
    if isinstance(raw, str):
        return repr(raw if len(raw) <= QUOTE_LIMIT else raw[:QUOTE_LIMIT] + "…")
    text = repr(raw)
    return text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "…"


@dataclass(frozen=True)
class ParamSpec:
    name: str  # identifier, also the URL key suffix (e.g. "sigma")
    symbol: str  # LaTeX symbol shown next to the slider (e.g. r"\sigma")
    low: float  # smallest allowed value (inclusive)
    high: float  # largest allowed value (inclusive)
    default: float  # value used when nothing (or something invalid) is given
    step: float  # slider step
    integer: bool = False  # whole numbers only (counts, sizes, seeds)
    help: str = ""  # one plain sentence shown as the slider's tooltip
    # the smallest value above 0 (0 itself stays allowed): a noise of 1e-7 puts the
    # classes millions of standard deviations apart, which no slider step reaches and
    # whose floor costs minutes of quadrature for a value of 0
    least_positive: float = 0.0

    def __post_init__(self):
        if not (self.low <= self.default <= self.high):
            raise ValueError(
                f"{self.name}: default {self.default} outside [{self.low}, {self.high}]"
            )

    def coerce(self, raw) -> tuple[float | int, str | None]:
        """Return (value, message). The message is None when ``raw`` was valid;
        otherwise the value is the default and the message says what to change."""
        try:
            value = float(raw)
        except (TypeError, ValueError):
            return self.cast(self.default), (
                f"{self.name}={quoted(raw)} is not a number; using the default {self.fmt(self.default)}."
            )
        if not math.isfinite(value):
            return self.cast(self.default), (
                f"{self.name}={quoted(raw)} is not finite; using the default {self.fmt(self.default)}."
            )
        if self.integer and value != int(value):
            return self.cast(self.default), (
                f"{self.name}={quoted(raw)} must be a whole number; using the default {self.fmt(self.default)}."
            )
        if not (self.low <= value <= self.high):
            return self.cast(self.default), (
                f"{self.name}={quoted(raw)} is outside [{self.fmt(self.low)}, {self.fmt(self.high)}]; "
                f"using the default {self.fmt(self.default)}."
            )
        if 0 < value < self.least_positive:
            return self.cast(self.default), (
                f"{self.name}={quoted(raw)} is too small: use 0 or at least "
                f"{self.fmt(self.least_positive)}; using the default {self.fmt(self.default)}."
            )
        return self.cast(value), None

    def cast(self, value: float) -> float | int:
        return int(round(value)) if self.integer else float(value)

    def fmt(self, value: float) -> str:
        return str(int(value)) if self.integer else f"{value:g}"
