"""Outside text (a link's value, a CSV's column name) shown inside Streamlit Markdown.

Streamlit renders Markdown everywhere: captions, messages, labels. A string that did not
come from the app must appear as the characters it is, never as a link, an image, a
coloured span, a formula or an icon. ``plain`` makes it so; ``clip`` shortens it first.
"""

from __future__ import annotations

import math
import re

__all__ = ["clip", "clip_words", "num", "percent", "plain", "shown"]

LIMIT = 40  # characters of an outside value shown in a message
JOINER = "\u2060"  # WORD JOINER: invisible, and no pattern that makes a link or an emoji crosses it
# Characters that start Markdown anywhere in a line: code, emphasis, strike-through,
# links and images, HTML, entities, formulas, tables. CommonMark lets any ASCII
# punctuation be escaped with a backslash, and these always are.
_ALWAYS = frozenset("\\`*_~[]<>&$|")
# A colon starts a directive (":red[...]"), an emoji or icon (":smile:",
# ":material/home:") or a link ("https://"), but never when a space follows it.
_COLON = re.compile(r":(?!\s|$)")
# What starts a block at the beginning of a line: a heading, a list, a quote, a rule.
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")
# Patterns that Streamlit turns into links in the text itself, after escapes are undone
# (GFM's "www." links and e-mail addresses; "http://" is broken at its colon).
_WWW = re.compile(r"(?<![A-Za-z0-9])(www)(?=\.)|(@)", re.IGNORECASE)


def plain(text: object) -> str:
    """``text`` as Markdown that Streamlit shows as exactly these characters, on one line.

    Backslash escapes disarm emphasis, code, links and images, HTML and entities,
    ``:color[...]`` directives, ``$`` formulas and block syntax (headings, lists, quotes)
    at the start; a word joiner after ``:``, ``@`` and ``www`` stops the link and emoji
    finders that work on the text itself. Line breaks become spaces. Punctuation that
    means nothing where it stands (``=``, ``'``, a ``:`` before a space) is left as is, so
    the Markdown stays readable.
    """
    text = " ".join(str(text).splitlines()) if text is not None else ""
    text = "".join("\\" + ch if ch in _ALWAYS else ch for ch in text)
    text = _COLON.sub("\\:" + JOINER, text)
    text = _WWW.sub(lambda m: m.group(0) + JOINER, text)
    return _LINE_START.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1], text)


def clip(text: object, limit: int = LIMIT) -> str:
    """At most ``limit`` characters of ``text``, with "…" when some were cut."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def clip_words(text: str, limit: int = LIMIT) -> str:
    """``text`` with every run of more than ``limit`` non-space characters shortened
    (a message quoting a long value keeps its sentence and loses the value's tail)."""
    return re.sub(rf"\S{{{limit + 1},}}", lambda m: clip(m.group(0), limit), text)


def num(value: object, unit: str = "", digits: int = 4) -> str:
    """A number as every page shows it: ``digits`` (4) significant digits, plain notation
    from 1e-4 up (thousands separated by commas), scientific below; ``inf``/``-inf`` for
    infinities and "undefined" for NaN or a missing value, never ``nan``."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "undefined"
    if math.isnan(x):
        text = "undefined"
    elif math.isinf(x):
        text = "inf" if x > 0 else "-inf"
    elif x == 0:
        text = "0"
    elif abs(x) < 1e-4:
        text = f"{x:.{digits - 1}e}"
    else:
        exponent = math.floor(math.log10(abs(float(f"{x:.{digits}g}"))))
        places = digits - 1 - exponent  # negative: round to tens, hundreds, ...
        decimals = max(places, 0)
        text = f"{round(x, places):,.{decimals}f}"
        if "." in text:  # 4 significant digits, without trailing zeros: 0.5, not 0.5000
            text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}".strip() if unit else text


def percent(value: object) -> str:
    """A share in [0, 1] as a percentage with one decimal ("93.5%"); "undefined" for NaN."""
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "undefined"
    return "undefined" if not math.isfinite(x) else f"{x:.1%}"


def shown(markdown: str) -> str:
    """What Streamlit shows for ``plain``'s output: the inverse of :func:`plain` (tests)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace(JOINER, "")
