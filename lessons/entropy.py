"""Entropy: how spread out is a distribution? Narrow means low entropy, wide means high."""

import streamlit as st

from ui import info_pages, questions

st.title("Entropy: how spread out is a distribution?")
st.markdown(
    "Entropy is the average surprise of a draw from $p$: the outcome $x$ surprises us by "
    "$-\\log p(x)$, a lot when it was unlikely, not at all when it was certain. Spread "
    "the probability over many outcomes and the average surprise goes up; pile it on one "
    "outcome and it goes down. With $\\log_2$ the unit is the **bit**, with $\\ln$ the **nat** "
    "(1 bit = ln 2 ≈ 0.693 nats)."
)
questions.render("entropy")
info_pages.render_entropy()
