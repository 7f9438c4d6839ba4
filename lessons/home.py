"""Start here: the one idea, and the learning path through the app in order."""

import streamlit as st

from ui import nav, questions

st.title("How neural networks learn: a probabilistic view")
st.markdown(
    "**One idea runs through every page.** A network learns by making its predicted "
    "distribution agree with the data, and the measure of agreement is cross-entropy. "
    "Pick a distribution for the target, take its negative log-likelihood, average it "
    "over the data: that is the loss, and training is pushing it down by gradient descent."
)
left, right = st.columns(2)
with left:
    st.markdown("**Cross-entropy of the model $q_\\theta$ against the data $p$**")
    st.latex(r"H(p, q_\theta) \;=\; H(p) + \mathrm{KL}(p \,\|\, q_\theta) \;\ge\; H(p)")
with right:
    st.markdown("**…estimated on a sample of $N$ pairs: the general loss**")
    st.latex(r"\mathcal{L}(\theta) \;=\; -\frac{1}{N}\sum_{i=1}^{N} \log q_\theta(y_i \mid x_i)")
st.markdown(
    "Choose a Bernoulli for $y$ and the loss is binary cross-entropy; a categorical gives "
    "PyTorch's `CrossEntropyLoss`; a Gaussian with unit variance gives mean squared error. "
    "Every page below lets you move a slider and check a claim with live numbers."
)
questions.render("home")

st.subheader("The learning path")
pages = nav.built()
if not pages:
    st.info("The lessons are on their way.")
section = None
for step, info in enumerate(pages, start=1):
    if info.section != section:
        section = info.section
        st.markdown(f"##### {section}")
    cols = st.columns([0.32, 0.68], vertical_alignment="center")
    cols[0].page_link(info.path, label=f"{step}. {info.title}", icon=info.icon)
    cols[1].markdown(info.blurb)

st.divider()
st.caption(
    "Units: logarithms base e give nats, base 2 gives bits (1 bit = ln 2 ≈ 0.693 nats). "
    "Every widget is stored in the page's link, so sharing the address shares the exact view."
)
