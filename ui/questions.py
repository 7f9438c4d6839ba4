"""One predict-then-check question per page, with its answer folded away.

A page calls ``render(key)`` with its own key (``"entropy"``, ``"binary"``, ...). The
question asks the student to commit to a guess about something the page can show; the
answer, in an "Answer" expander, says what happens and why, and where on the page to
see it. Every answer is a fact the page's own widgets reproduce.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

__all__ = ["ANSWER_LABEL", "QUESTIONS", "Question", "render"]

ANSWER_LABEL = "Answer"
PROMPT = "**Predict, then check.**"


@dataclass(frozen=True)
class Question:
    """A short prompt and its answer, both Markdown with LaTeX symbols."""

    prompt: str
    answer: str


QUESTIONS: dict[str, Question] = {
    "home": Question(
        "Can training ever push the loss $H(p, q_\\theta)$ below the entropy $H(p)$ of the "
        "data? Decide from the formula above before you open a lesson.",
        "No. $\\mathrm{KL}(p \\,\\|\\, q_\\theta)$ is never negative, so the loss is at least "
        "$H(p)$, and it equals $H(p)$ only when the model is the data's own distribution. "
        "Check it on the Cross-entropy page: however you set $q$, the $H(p, q)$ reading never "
        "drops under $H(p)$. On the training pages the same bound is the floor "
        "$H(Y \\mid X)$, which the test loss approaches but does not go through.",
    ),
    "entropy": Question(
        "Choose the Bernoulli family and give all the probability to one outcome. What will "
        "$H(p)$ read?",
        "Exactly 0, in bits and in nats. A certain outcome surprises nobody "
        "($-\\log 1 = 0$), and an outcome that never happens adds nothing ($0 \\log 0 = 0$). "
        "Move $\\pi$ to 0 or to 1 and both readings show 0. The other extreme is "
        "$\\pi = 0.5$: the two outcomes are equally likely and $H(p)$ reaches its largest "
        "value, 1 bit ($\\ln 2 \\approx 0.6931$ nats).",
    ),
    "cross_entropy": Question(
        "When is the cross-entropy $H(p, q)$ exactly equal to the entropy $H(p)$? Guess, "
        "then make it happen with the sliders.",
        "Only when the model is the data's distribution, $q = p$. Then "
        "$\\mathrm{KL}(p \\,\\|\\, q) = 0$; any other $q$ makes the KL positive and the "
        "cross-entropy larger. In section 2, set B's offset to 0: both candidates then score "
        "$H(p)$. In section 1, give $q$ the family and the parameters of $p$, and the KL "
        "reading drops to 0.",
    ),
    "derive_loss": Question(
        "The Gaussian, open below, leads to the mean squared error. Which distribution for "
        "$y$ leads to the absolute error $\\lvert y - \\mu \\rvert$ instead? And fitted to "
        "a sample with one outlier, will it pick the mean or the median?",
        "The Laplace. Its negative log-likelihood is "
        "$\\lvert y - \\mu \\rvert / b + \\log(2b)$: the absolute error times a positive "
        "factor plus a constant, neither of which moves the minimum, so the derivation "
        "lands on the mean absolute error (L1). Choose it and read the last step. In "
        "section 4, set the model to a constant: the Gaussian fit is the mean, which the "
        "outlier drags upwards, and the Laplace fit is the median, which the outlier "
        "hardly moves.",
    ),
    "generative": Question(
        "Lower the share of class 1 to 0.2. Which way will the generative model's boundary "
        "(the white band of the left map) move?",
        "Towards class 1, shrinking its region. Bayes' rule weighs each class's density by "
        "its prior, and the fitted prior $\\hat p(y{=}1) = N_1 / N$ (in the formulas below "
        "the maps) falls to about 0.2; a point now has to look much more like class 1 "
        "before class 1 wins, so more of the plane turns blue (class 0) and the probe's "
        "$p(y{=}1 \\mid x)$ drops. The discriminative network learns the same shift through "
        "its bias.",
    ),
    "binary": Question(
        "Move the noise slider down and train again. Will the floor, the lowest loss any "
        "model can reach on these data, go up or down? Will the test loss follow it?",
        "Down, and yes. With less noise the two classes overlap less, so for most inputs "
        "the label is nearly certain and the floor $H(Y \\mid X)$ shrinks towards 0. The "
        "line on the loss chart moves with the slider. After training, the test loss sits "
        "just above the line, never clearly below it; the gap is the KL divergence of the "
        "network's $p(y \\mid x)$ from the truth.",
    ),
    "multiclass": Question(
        "Before you press Train: what will the loss be at the very first step, when the "
        "untrained network gives every class about the same probability? Work it out for "
        "the number of classes you have chosen.",
        "About $\\ln C$ nats. If each of the $C$ classes gets probability about $1/C$, each "
        "example costs $-\\ln(1/C) = \\ln C$: $\\ln 3 \\approx 1.099$ nats for 3 classes, "
        "$\\ln 5 \\approx 1.609$ for 5. The small random initial weights make the logits "
        "nearly equal, so the loss curve starts close to that value and then falls "
        "towards the floor.",
    ),
    "regression": Question(
        "Choose the *Growing noise* data set and train twice: with the likelihood "
        "`gaussian` (a fixed $\\sigma$), then with `gaussian_learned_variance`. Where will "
        "each band be wide, and which gets the lower test loss?",
        "With a fixed $\\sigma$ the band has the same width everywhere: the model cannot say "
        "that some inputs are noisier than others. With a learned variance the network "
        "predicts a standard deviation for each $x$, so the band is narrow where the points "
        "lie close to the curve and widens where they scatter. Its test loss is lower: it "
        "stops paying for too much doubt where the data are tight and for too much "
        "confidence where they are loose.",
    ),
}


def render(key: str, where=None) -> None:
    """The question of page ``key`` in a bordered box, its answer in an expander."""
    question = QUESTIONS.get(key)
    if question is None:
        return
    box = (where or st).container(border=True)
    box.markdown(f":material/lightbulb: {PROMPT} {question.prompt}")
    with box.expander(ANSWER_LABEL):
        st.markdown(question.answer)
