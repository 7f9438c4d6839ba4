"""Every page asks its predict-then-check question, with the answer folded in an expander."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from probnn import data, scoring, training, truth
from tests.pages.training_helpers import open_page
from ui import questions

pytestmark = pytest.mark.usefixtures("one_thread")

PAGES = {
    "home": "main.py",  # the home page needs the router for its page links
    "entropy": "lessons/entropy.py",
    "cross_entropy": "lessons/cross_entropy.py",
    "derive_loss": "lessons/derive_loss.py",
    "generative": "lessons/generative.py",
    "binary": "lessons/binary.py",
    "multiclass": "lessons/multiclass.py",
    "regression": "lessons/regression.py",
}


def test_every_page_has_a_question():
    assert set(questions.QUESTIONS) == set(PAGES)
    for q in questions.QUESTIONS.values():
        assert q.prompt.strip().endswith("?") or "?" in q.prompt
        assert q.answer.strip() and q.answer != q.prompt


@pytest.mark.parametrize("key", list(PAGES))
def test_page_shows_its_question_and_folds_the_answer(key):
    at = open_page(PAGES[key], timeout=60)
    assert not at.exception
    question = questions.QUESTIONS[key]
    prompts = [m for m in at.markdown if question.prompt in m.value]
    assert len(prompts) == 1, f"{key}: the question is shown once"
    answers = [e for e in at.expander if e.label == questions.ANSWER_LABEL]
    assert len(answers) == 1, f"{key}: one Answer expander"
    assert not answers[0].proto.expanded, f"{key}: the answer starts folded"
    inside = [m.value for m in answers[0].markdown]
    assert inside == [question.answer]
    # the answer is only inside the expander, not in the open page
    outside = [m for m in at.markdown if m.value == question.answer]
    assert len(outside) == 1
    assert "nan" not in question.answer.lower().split()


def test_a_page_without_a_question_draws_nothing():
    from streamlit.testing.v1 import AppTest

    def script():
        from ui import questions

        questions.render("no such page")

    at = AppTest.from_function(script, default_timeout=30).run()
    assert not at.exception
    assert not at.expander and not at.markdown


# ------------------------------------------------------- the answers hold on the pages


def metric(at, label_start: str) -> float:
    return float(next(m.value for m in at.metric if m.label.startswith(label_start)))


def test_entropy_answer_a_certain_outcome_has_zero_entropy_and_a_fair_coin_one_bit():
    for pi, bits in (("1.0", 0.0), ("0.0", 0.0), ("0.5", 1.0)):
        at = open_page("lessons/entropy.py", {"family": "bernoulli", "pi": pi})
        assert not at.exception
        assert metric(at, "H(p) in bits") == pytest.approx(bits, abs=1e-9)
        assert metric(at, "H(p) in nats") == pytest.approx(bits * math.log(2), abs=1e-4)


def test_cross_entropy_answer_equality_exactly_when_q_is_p():
    at = open_page("lessons/cross_entropy.py", {"off_mu": "0.0"})
    assert metric(at, "H(p, A)") == metric(at, "H(p, B)") == metric(at, "H(p) ")
    moved = open_page("lessons/cross_entropy.py")  # q differs from p by default
    assert metric(moved, "KL(p ‖ q)") > 0 and metric(moved, "H(p, q)") > metric(moved, "H(p) ")
    same = open_page("lessons/cross_entropy.py", {"q_mu": "0.0", "q_sigma": "1.0"})
    assert metric(same, "KL(p ‖ q)") == 0
    assert metric(same, "H(p, q)") == pytest.approx(metric(same, "H(p) "), abs=1e-3)


def test_derive_answer_the_laplace_lands_on_l1_and_fits_the_median():
    at = open_page("lessons/derive_loss.py", {"likelihood": "laplace", "fit": "constant"})
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    assert "Laplace → mean absolute error" in text
    est = scoring.location_estimates(scoring.outlier_sample(8.0, trend=0.0)[1], df=3.0)
    x, y = scoring.outlier_sample(8.0, trend=0.0)
    assert est["laplace"] == pytest.approx(float(np.median(y)), abs=1e-3)
    assert est["gaussian"] == pytest.approx(float(np.mean(y)), abs=1e-9)
    assert est["gaussian"] > est["laplace"]  # the outlier above drags the mean upwards


def bayes_p1(at) -> float:
    line = next(m.value for m in at.markdown if m.value.startswith("**Bayes' rule** ·"))
    return float(line.rsplit("**", 2)[-2].replace(",", ""))


def test_generative_answer_a_smaller_prior_shrinks_class_1():
    even = open_page("lessons/generative.py", {"n": "200", "model": "logistic"}, timeout=90)
    rare = open_page(
        "lessons/generative.py", {"n": "200", "model": "logistic", "share": "0.2"}, timeout=90
    )
    assert not even.exception and not rare.exception
    formula = next(e.value for e in rare.latex if r"\hat p(y{=}1)" in e.value)
    prior = re.search(r"\\hat p\(y\{=\}1\).*?= ([0-9.]+)\\\\", formula)  # ... = 0.2\\
    assert prior and float(prior.group(1)) == pytest.approx(0.2, abs=0.03)
    assert bayes_p1(rare) < bayes_p1(even)


def test_binary_answer_less_noise_lowers_the_floor():
    floors = [truth.floor("moons", noise=noise).value for noise in (0.3, 0.15, 0.05)]
    assert floors[0] > floors[1] > floors[2] >= 0
    assert floors[2] < 1e-3


def test_multiclass_answer_the_first_loss_is_near_log_c():
    for classes in (3, 5):
        ds = data.make("multi_blobs", n_classes=classes, seed=0)
        run = training.Run(training.TrainConfig(likelihood="categorical", steps=1), ds)
        first = run.advance(1)[0].train_loss
        assert first == pytest.approx(math.log(classes), rel=0.15)


def test_regression_answer_a_learned_variance_beats_a_fixed_one_on_growing_noise():
    ds = data.make("heteroscedastic", seed=0)
    loss = {}
    for name in ("gaussian", "gaussian_learned_variance"):
        run = training.Run(training.TrainConfig(likelihood=name, steps=600, seed=0), ds)
        records = [r for r in run.advance(600) if r.test_loss is not None]
        loss[name] = records[-1].test_loss
    assert loss["gaussian_learned_variance"] < loss["gaussian"]
    floor = truth.conditional_entropy(ds).value
    assert loss["gaussian_learned_variance"] > floor - 0.1  # no model beats the truth
