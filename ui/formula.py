"""Formulas with a spoken alternative.

``st.latex`` draws a formula for the eye; a screen reader reading it letter by letter
("backslash frac") helps nobody. :func:`latex` draws the formula and, next to it, a text
that only a screen reader reads: the formula in words. :func:`spoken` is that text as an
HTML fragment, for a formula drawn some other way.
"""

from __future__ import annotations

import html

import streamlit as st

__all__ = ["SR_CLASS", "latex", "spoken"]

SR_CLASS = "probnn-sr"  # visually hidden, read by screen readers (ui/layout.py's CSS)


def spoken(words: str) -> str:
    """``words`` as an HTML span that only screen readers read (the text is escaped)."""
    return f'<span class="{SR_CLASS}">Formula: {html.escape(words)}</span>'


def latex(expression: str, words: str, *, where=None) -> None:
    """Draw ``expression`` (LaTeX) with ``words``, the same formula in plain words, as its
    spoken alternative. ``where``: a container (default: the current one)."""
    where = where or st
    where.latex(expression)
    where.html(spoken(words))
