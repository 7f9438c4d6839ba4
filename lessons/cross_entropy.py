"""Cross-entropy and KL divergence: score a model q against data p."""

import streamlit as st

from ui import info_pages, questions

st.title("Cross-entropy and KL divergence")
st.markdown(
    "Data come from a distribution $p$; a model proposes $q$. The **cross-entropy** "
    "$H(p, q)$ is the average surprise $-\\log q(x)$ when the outcomes really come from "
    "$p$. It can never be smaller than $H(p)$, the surprise of the true distribution, and "
    "the excess is the **KL divergence**: $H(p, q) = H(p) + \\mathrm{KL}(p \\,\\|\\, q)$. "
    "A better model has a lower cross-entropy; the best possible one has KL = 0."
)
questions.render("cross_entropy")
info_pages.render_cross_entropy()
