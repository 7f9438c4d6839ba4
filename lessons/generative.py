"""Discriminative vs generative: model p(X, Y) and classify with Bayes' rule, or model
p(Y | X) directly. Both are fitted on the same 2-D points and compared side by side."""

import streamlit as st

from ui import generative_page, questions

st.title("Discriminative vs generative")
st.markdown(
    "There are two ways to build a classifier from labelled pairs $(x, y)$. A **generative** "
    "model describes how the data arise: how common each class is, $p(y)$, and what the "
    "inputs of each class look like, $p(x \\mid y)$. Together they give the joint "
    "$p(x, y)$; it can invent new pairs, and Bayes' rule turns it into $p(y \\mid x)$. "
    "A **discriminative** model skips the description of $x$ and fits $p(y \\mid x)$ "
    "directly, by minimising the cross-entropy between the labels and its predictions. "
    "Below, both learn from the same points."
)
questions.render("generative")
generative_page.render()
