"""Binary classification: Bernoulli + sigmoid = binary cross-entropy, trained live."""

from __future__ import annotations

import streamlit as st

from ui import training_page

SPEC = training_page.PageSpec(
    key="binary",
    task="binary",
    datasets=("moons", "blobs", "circles", "xor", "spiral"),
    likelihoods=("bernoulli", "gaussian_probability"),
    compare=(
        ("bernoulli", (), "cross-entropy (Bernoulli)"),
        ("gaussian_probability", (), "squared error on probabilities"),
    ),
    compare_training=("sgd", 0.1, 300),
    compare_text=(
        "**Cross-entropy against squared error on probabilities.** TensorFlow Playground "
        "trains its classifiers with squared error on the predicted probability: the NLL of "
        "a Gaussian with variance 1 around $\\sigma(z)$, a distribution that cannot even "
        "produce a 0/1 label. Where the network is confidently wrong the sigmoid is flat, so "
        "the squared error's gradient nearly vanishes while the cross-entropy's stays large: "
        "with plain SGD the squared-error network learns visibly more slowly. Both start "
        "from the same weights on the same data."
    ),
    loss_surface=True,
)

st.title("Binary classification")
st.markdown(
    "A label is 0 or 1, so the natural model for it is a coin whose bias depends on the "
    "input: a **Bernoulli** distribution with $\\pi = \\sigma(z)$, where $z = f_\\theta(x)$ "
    "is the network's output (the logit). Its average negative log-likelihood is the "
    "binary cross-entropy; press **Train** and watch the network lower it."
)
st.latex(
    r"p(y \mid x) = \sigma(z)^{y}\,\big(1-\sigma(z)\big)^{1-y},\qquad \sigma(z) = \frac{1}{1+e^{-z}},\qquad z = f_\theta(x)"
)
training_page.render(SPEC)
