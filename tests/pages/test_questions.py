"""Every page asks its predict-then-check question, with the answer folded in an expander."""

from __future__ import annotations

import pytest

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
