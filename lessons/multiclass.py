"""Multi-class classification: Categorical + softmax = cross-entropy, trained live."""

from __future__ import annotations

import streamlit as st

from ui import training_page

SPEC = training_page.PageSpec(
    key="multiclass",
    task="multiclass",
    datasets=("multi_blobs", "multi_spirals"),
    likelihoods=("categorical",),
    compare=(
        ("categorical", (), "cross-entropy"),
        ("categorical", (("smoothing", 0.2),), "label smoothing 0.2"),
    ),
    compare_training=("adam", 0.01, 500),
    compare_text=(
        "**Plain cross-entropy against label smoothing.** Label smoothing trains against "
        "targets that keep a little probability ($\\varepsilon$ shared by all classes) off "
        "the true class: the network can no longer gain by becoming certain, so its "
        "probabilities stay softer. Same data, same seed, same initial weights; the curve "
        "scores both by the plain test cross-entropy."
    ),
)

st.title("Multi-class classification")
st.markdown(
    "With $C$ classes the label is one of $C$ outcomes, so the model is a **Categorical** "
    "distribution: the network outputs $C$ numbers (logits) and the softmax turns them into "
    "probabilities that sum to one. Its average negative log-likelihood is the "
    "cross-entropy, PyTorch's `CrossEntropyLoss`. Each region of the map takes the colour "
    "of its most probable class, strong where the network is sure and pale where it hesitates."
)
st.latex(
    r"p(y = c \mid x) = \mathrm{softmax}(z)_c = \frac{e^{z_c}}{\sum_{k=1}^{C} e^{z_k}},\qquad z = f_\theta(x)"
)
training_page.render(SPEC)
