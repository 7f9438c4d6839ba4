"""Derive a loss: choose a distribution for y given x; its average negative log-likelihood is the loss."""

import streamlit as st

from ui import derive_page, questions

st.title("Derive a loss")
st.markdown(
    "A network does not output a label or a number: it outputs the **parameters of a "
    "distribution** for the target y. Say which distribution, write down how likely the "
    "training data is under it, and the loss follows by algebra alone. Pick a distribution "
    "below, follow the derivation step by step, then check the result against PyTorch's "
    "own loss on a random batch."
)
questions.render("derive_loss")
derive_page.render()
